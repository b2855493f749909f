/**
 * Translation checkpoints in the lab's model view (cyclegan / pix2pix, what `webgan train --preset
 * cyclegan|pix2pix` writes): the networks loadTranslator builds, and an uploaded image translated
 * as `webgan translate --input DIR` translates a folder's PNG — converted by loadImageFolder's code
 * (luma or RGB, bilinear to the run's resolution), then translateImages — and, for runs on
 * Fashion-MNIST, the run's sample grid of the bundled test split's first 8 images.
 */
import * as wg from '../index.ts';
import type { TrainConfig } from '../gan/config.ts';
import { ConfigError } from '../gan/config.ts';
import type { TranslationModels } from '../gan/translation/models.ts';
import { translatorFromCheckpoint, type TranslationCheckpointMeta } from '../gan/translation/trainer.ts';
import { fashionTestSet, parseTranslationSpec } from '../gan/translation/data.ts';
import { firstEight, sampleGridRows, translateImages, type Direction } from '../gan/translation/translate.ts';
import { rgbaToImage } from '../data/imagefolder.ts';
import type { LoadedCheckpoint } from '../io/checkpoint.ts';
import type { ModelInfo } from './model.ts';

export interface Translation {
  /** the input as the networks see it, [1, C_in, r, r] in [−1, 1] */
  input: Float32Array;
  /** its translation, [1, C_out, r, r] */
  output: Float32Array;
  /** cyclegan: the translation translated back, [1, C_in, r, r]; pix2pix: null */
  reconstruction: Float32Array | null;
  /** [C_in, C_out] and the side r */
  channels: [number, number];
  resolution: number;
}

export class LabTranslator {
  private constructor(readonly info: ModelInfo, readonly cfg: TrainConfig, readonly models: TranslationModels) {}

  /** Builds the networks (their initialisation draws random numbers) with the global random stream put back. */
  static fromCheckpoint(ck: LoadedCheckpoint<TranslationCheckpointMeta>, name: string): LabTranslator {
    const saved = wg.getRngState();
    let built: ReturnType<typeof translatorFromCheckpoint>;
    try {
      built = translatorFromCheckpoint(ck, name);
    } finally {
      wg.setRngState(saved);
    }
    const { cfg, models, step } = built;
    const r = cfg.resolution!;
    const info: ModelInfo = {
      kind: 'translate', name, preset: cfg.preset, data: cfg.data, loss: cfg.loss, step, sampleShape: [models.channelsA, r, r], conditional: false, numClasses: 0, style: false,
    };
    return new LabTranslator(info, cfg, models);
  }

  /**
   * An image (8-bit RGBA, width × height, as decoded from a PNG) in `direction` (cyclegan: a2b or
   * b2a; pix2pix: a2b), and for cyclegan back again.
   */
  async translate(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, direction: Direction): Promise<Translation> {
    const m = this.models;
    if (m.preset === 'pix2pix' && direction !== 'a2b') throw new ConfigError('direction b2a: pix2pix translates A → B only');
    if (direction !== 'a2b' && direction !== 'b2a') throw new ConfigError(`direction must be a2b or b2a, got '${direction}'`);
    if (!(Number.isSafeInteger(width) && Number.isSafeInteger(height) && width >= 1 && height >= 1 && rgba.length === 4 * width * height)) {
      throw new ConfigError(`an image of ${width} × ${height} needs ${4 * width * height} RGBA bytes, got ${rgba.length}`);
    }
    const r = this.cfg.resolution!;
    const [cin, cout] = direction === 'a2b' ? [m.channelsA, m.channelsB] : [m.channelsB, m.channelsA];
    const input = rgbaToImage(rgba, height, width, r, r, cin as 1 | 3);
    const out = await translateImages(m, input, [1, cin, r, r], direction);
    const back = m.preset === 'cyclegan' ? await translateImages(m, out.data, out.shape, direction === 'a2b' ? 'b2a' : 'a2b') : null;
    return { input, output: out.data, reconstruction: back?.data ?? null, channels: [cin, cout], resolution: r };
  }

  /**
   * Whether the run's data has a test split the page can fetch: Fashion-MNIST (`edges2fashion`,
   * `fashion-mnist:A/B`), whose test files `webgan lab` serves; not a run on folders of PNGs.
   */
  get hasTestImages(): boolean {
    return hasBundledTest(this.cfg.data);
  }

  /**
   * The grid `webgan train` writes as `samples/step-N.png` for this checkpoint: the first 8 images
   * of the test split (Fashion-MNIST's, which the caller has provided with
   * provideFashionMnist('test', …)), 8 a row — CycleGAN A | G_A(A) | G_B(G_A(A)) and
   * B | G_B(B) | G_A(G_B(B)), pix2pix input | translation | target; [rows · 8, C, r, r] in [−1, 1].
   */
  async testGrid(): Promise<{ data: Float32Array; shape: number[] }> {
    if (!this.hasTestImages) throw new ConfigError(`${this.info.name}: its data '${this.cfg.data}' (folders of PNGs) has no test split in the page; translate an uploaded PNG instead`);
    const r = this.cfg.resolution!;
    const t = await fashionTestSet(this.cfg.data, { size: r, testLimit: 8 });
    const [a, b] = [firstEight(t.a, t.shape, r, r), firstEight(t.b, t.shape, r, r)];
    try {
      const rows = sampleGridRows(this.models, a, b);
      const data = (await rows.data()) as Float32Array;
      const shape = [...rows.shape];
      rows.dispose();
      return { data, shape };
    } finally {
      a.dispose();
      b.dispose();
    }
  }

  dispose(): void {
    for (const n of Object.values(this.models.nets)) n.dispose();
  }
}

/** A translation run's data has Fashion-MNIST's test split (the page can fetch it), not folders of PNGs. */
export function hasBundledTest(data: string): boolean {
  try {
    return parseTranslationSpec(data).kind !== 'folders';
  } catch {
    return false;
  }
}

