/**
 * Checkpoints in the lab: what a `.safetensors` file given to the page is (a 2-D run to resume, a
 * generator for the model view, or something the page cannot use, with the reason), the model
 * view's generator, and the samples of a seed — the same numbers as `webgan sample --seed`
 * (manualSeed, then drawSamples), without disturbing a training run's random stream.
 */
import * as wg from '../index.ts';
import type * as nn from '../nn/index.ts';
import { ConfigError, isTwoD, type TrainConfig } from '../gan/config.ts';
import { drawSamples } from '../gan/evaluate.ts';
import type { GanModels } from '../gan/models.ts';
import { interpolation, mixingFigure } from '../gan/stylegan/figures.ts';
import type { StyleGenerator } from '../gan/stylegan/networks.ts';
import { generatorFromCheckpoint, type CheckpointMeta } from '../gan/trainer.ts';
import { decodeCheckpoint, type LoadedCheckpoint } from '../io/checkpoint.ts';
import { latentWalk } from './image-session.ts';
import type { TranslationCheckpointMeta } from '../gan/translation/trainer.ts';

/** Options of a draw: a class of a conditional preset (absent: cycle through the classes, as the CLI), ψ of stylegan. */
export interface SampleOptions {
  label?: number;
  psi?: number;
}

/**
 * `webgan interpolate`'s strips — rows pairs of endpoints, n images each: stylegan slerp in Z or
 * lerp in W; the other presets slerp in Z (latentWalk), conditional ones in class `label` (absent: row r in class r).
 */
export interface InterpolateOptions {
  label?: number;
  n?: number;
  rows?: number;
  space?: 'z' | 'w';
  psi?: number;
}

/** stylegan: `webgan mix`'s figure — row and column sources, the style ranges copied (coarse, middle, fine or i-j), ψ. */
export interface MixOptions {
  rows?: number;
  cols?: number;
  ranges?: string[];
  psi?: number;
}

/** What the page learns about a loaded checkpoint. */
export interface ModelInfo {
  /** '2d': an mlp2d run, resumed in the 2-D view; 'model': a generator sampled in the model view; 'translate': a cyclegan / pix2pix checkpoint, translating in the model view */
  kind: '2d' | 'model' | 'translate';
  name: string;
  preset: string;
  data: string;
  loss: string;
  step: number;
  /** one sample's shape: [2], or [C, H, W] */
  sampleShape: number[];
  conditional: boolean;
  numClasses: number;
  /** stylegan: ψ applies */
  style: boolean;
}

/** A translation checkpoint's contents (readCheckpoint's `ck` when its kind is 'translate'). */
export const translationCheckpoint = (ck: LoadedCheckpoint<CheckpointMeta>) => ck as unknown as LoadedCheckpoint<TranslationCheckpointMeta>;

/**
 * Decode and classify checkpoint bytes; a ConfigError says why the page cannot use them. For kind
 * 'translate' `ck` holds a translation run (translationCheckpoint).
 */
export function readCheckpoint(bytes: Uint8Array, name: string): { ck: LoadedCheckpoint<CheckpointMeta>; kind: '2d' | 'model' | 'translate'; config: TrainConfig } {
  const ck = decodeCheckpoint<CheckpointMeta>(bytes, name);
  const kind = (ck.meta as { kind?: string } | null)?.kind;
  if (kind === 'webgan-translation') return { ck, kind: 'translate', config: ck.meta.config };
  if (kind !== 'webgan-gan') throw new ConfigError(`${name}: not a webgan GAN or translation checkpoint`);
  const config = ck.meta.config;
  return { ck, kind: config.preset === 'mlp2d' && isTwoD(config.data) ? '2d' : 'model', config };
}

/** Samples of a seed from G: `webgan sample --seed seed --n n` (its defaults: classes cycled, ψ 1, random noise). The global random stream and G's mode are put back. */
export async function sampleSeed(models: GanModels, G: nn.Module, seed: number, n: number, o: SampleOptions = {}): Promise<Float32Array> {
  if (!(Number.isSafeInteger(seed) && seed >= 0)) throw new RangeError(`seed must be an integer ≥ 0, got ${seed}`);
  if (!(Number.isSafeInteger(n) && n >= 1 && n <= 4096)) throw new RangeError(`n must be an integer from 1 to 4096, got ${n}`);
  if (o.label !== undefined && (!models.conditional || !(Number.isInteger(o.label) && o.label >= 0 && o.label < models.numClasses))) {
    throw new RangeError(models.conditional ? `class must be in [0, ${models.numClasses}), got ${o.label}` : `a class needs a conditional model; ${models.preset} is not`);
  }
  if (o.psi !== undefined && (!models.style || !Number.isFinite(o.psi))) throw new RangeError(models.style ? `ψ must be a finite number, got ${o.psi}` : `ψ applies to stylegan only, not ${models.preset}`);
  const saved = wg.getRngState();
  const was = G.training;
  try {
    wg.manualSeed(seed);
    return await drawSamples(models, G, n, 500, o.label, o.psi === undefined ? {} : { psi: o.psi });
  } finally {
    wg.setRngState(saved);
    if (was) G.train();
  }
}

/** The model view's generator: a checkpoint's sampler G (its EMA copy if it has one), as loadGenerator builds it. */
export class LabModel {
  private constructor(readonly info: ModelInfo, readonly models: GanModels, readonly G: nn.Module) {}

  /** Builds the networks (their initialisation draws random numbers) with the global random stream put back, so a 2-D run beside it goes on as if nothing happened. */
  static fromCheckpoint(ck: LoadedCheckpoint<CheckpointMeta>, name: string): LabModel {
    const saved = wg.getRngState();
    let built: ReturnType<typeof generatorFromCheckpoint>;
    try {
      built = generatorFromCheckpoint(ck, name);
    } finally {
      wg.setRngState(saved);
    }
    const { cfg, models, G, step } = built;
    const info: ModelInfo = {
      kind: 'model', name, preset: cfg.preset, data: cfg.data, loss: cfg.loss, step, sampleShape: models.sampleShape, conditional: models.conditional, numClasses: models.numClasses, style: !!models.style,
    };
    return new LabModel(info, models, G);
  }

  sample(seed: number, n: number, o: SampleOptions = {}): Promise<Float32Array> {
    return sampleSeed(this.models, this.G, seed, n, o);
  }

  /** stylegan: the images `webgan interpolate --seed seed --n n --rows rows --space space --truncation psi` draws (constant noise); the others: latent walks in Z. [rows · n, C, H, W]. */
  async interpolate(seed: number, o: InterpolateOptions = {}): Promise<{ data: Float32Array; shape: number[] }> {
    if (!this.models.style) {
      // the other presets: a latent walk in Z (slerp), the image view's (latentWalk)
      if (o.space === 'w') throw new RangeError(`interpolation in W is for stylegan; ${this.info.preset} walks in Z`);
      if (o.psi !== undefined) throw new RangeError(`ψ applies to stylegan only, not ${this.info.preset}`);
      const G = this.G, conditional = this.models.conditional;
      return latentWalk(this.models, (z, y) => wg.noGrad(() => (conditional ? G.call(z, y) : G.call(z))), seed, { n: o.n ?? 8, rows: o.rows ?? 1, label: o.label });
    }
    if (o.label !== undefined) throw new RangeError('stylegan is not conditional: no class');
    const n = o.n ?? 8, rows = o.rows ?? 1;
    if (!(Number.isSafeInteger(seed) && seed >= 0)) throw new RangeError(`seed must be an integer ≥ 0, got ${seed}`);
    if (!(Number.isSafeInteger(n) && n >= 2 && n <= 64 && Number.isSafeInteger(rows) && rows >= 1 && rows <= 64)) throw new RangeError(`n must be 2 to 64 and rows 1 to 64, got ${n} and ${rows}`);
    if (o.psi !== undefined && !(o.psi >= 0 && Number.isFinite(o.psi))) throw new RangeError(`ψ must be a number ≥ 0, got ${o.psi}`);
    const { images } = await interpolation(this.G as StyleGenerator, { n, rows, space: o.space ?? 'w', psi: o.psi, seed });
    const data = Float32Array.from(await images.data());
    const shape = images.shape.slice();
    images.dispose();
    return { data, shape };
  }

  /**
   * stylegan: `webgan mix --seed seed --rows rows --cols cols --styles ranges --truncation psi`'s
   * figure (constant noise): the column sources on top, the row sources on the left, and per range
   * each row source with those styles from each column source. [(rows·R + 1)·(cols + 1), C, H, W], row-major.
   */
  async mix(seed: number, o: MixOptions = {}): Promise<{ data: Float32Array; shape: number[]; nrow: number }> {
    if (!this.models.style) throw new RangeError(`style mixing is for stylegan checkpoints; this is ${this.info.preset}`);
    const rows = o.rows ?? 4, cols = o.cols ?? 6, ranges = o.ranges ?? ['coarse', 'middle', 'fine'], psi = o.psi ?? 1;
    if (!(Number.isSafeInteger(seed) && seed >= 0)) throw new RangeError(`seed must be an integer ≥ 0, got ${seed}`);
    if (!(Number.isSafeInteger(rows) && rows >= 1 && rows <= 16 && Number.isSafeInteger(cols) && cols >= 1 && cols <= 16)) throw new RangeError(`rows and cols must be 1 to 16, got ${rows} and ${cols}`);
    if (!(psi >= 0 && Number.isFinite(psi))) throw new RangeError(`ψ must be a number ≥ 0, got ${psi}`);
    const { images, nrow } = mixingFigure(this.G as StyleGenerator, { rows, cols, ranges, psi, noise: 'const', seed });
    const data = Float32Array.from(await images.data());
    const shape = images.shape.slice();
    images.dispose();
    return { data, shape, nrow };
  }

  dispose(): void {
    this.models.G.dispose();
    this.models.D.dispose();
  }
}
