import * as wg from '../index.ts';
import { drawSamples } from '../gan/evaluate.ts';
import { loadGenerator } from '../gan/trainer.ts';
import { ConfigError, isTwoD } from '../gan/config.ts';
import { resolveCheckpoint } from '../gan/run.ts';
import { dataExtent, mixtureModes, type MixtureName } from '../data/mixtures.ts';
import { saveImageGrid } from '../io/png.ts';
import { writeNpy } from '../io/npy.ts';
import { scatterSvg, PALETTE } from '../io/svg.ts';
import { writeText } from '../io/fs.ts';
import { noiseVariation } from '../gan/stylegan/figures.ts';
import type { NoiseMode, StyleGenerator } from '../gan/stylegan/networks.ts';
import { startBackend } from './backend.ts';
import { checkPsi } from './stylegan.ts';

export interface SampleFlags {
  ckpt: string; n: number; out: string; format?: 'png' | 'npy' | 'svg'; seed: number; class?: number; backend: 'webgpu' | 'cpu' | 'auto';
  /** stylegan */
  truncation?: number; noise?: NoiseMode; varyNoise?: number;
}

export async function sampleCommand(o: SampleFlags): Promise<void> {
  await startBackend(o.backend);
  if (!(o.n >= 1)) throw new ConfigError(`--n must be at least 1, got ${o.n}`);
  if (o.truncation !== undefined) checkPsi(o.truncation);
  const format = o.format ?? (o.out.endsWith('.npy') ? 'npy' : o.out.endsWith('.svg') ? 'svg' : 'png');
  const { cfg, models, G, step } = await loadGenerator(await resolveCheckpoint(o.ckpt, '--ckpt'));
  if (o.class !== undefined && (!models.conditional || o.class < 0 || o.class >= models.numClasses)) {
    throw new ConfigError(models.conditional ? `--class must be in [0, ${models.numClasses})` : `--class needs a conditional model; ${cfg.preset} is not`);
  }
  const styleFlags = (['truncation', 'noise', 'varyNoise'] as const).filter((k) => o[k] !== undefined);
  if (!models.style && styleFlags.length) throw new ConfigError(`${styleFlags.map((k) => ({ truncation: '--truncation', noise: '--noise', varyNoise: '--vary-noise' })[k]).join(', ')}: stylegan checkpoints only; ${o.ckpt} is ${cfg.preset}`);
  wg.manualSeed(o.seed);
  if (o.varyNoise !== undefined) {
    if (format !== 'png') throw new ConfigError('--vary-noise writes a PNG (the draws and their standard deviation)');
    const { images, nrow, stdMax } = await noiseVariation(models.G as StyleGenerator, { k: o.varyNoise, psi: o.truncation });
    await saveImageGrid(o.out, images, { nrow });
    images.dispose();
    console.error(`webgan: wrote ${o.varyNoise} noise draws for one w and their per-pixel standard deviation (last tile, max ${stdMax.toPrecision(3)}) to ${o.out}`);
    return;
  }
  const data = await drawSamples(models, G, o.n, 500, o.class, { psi: o.truncation, noise: o.noise });
  const shape = [o.n, ...models.sampleShape];
  const twoD = isTwoD(cfg.data);
  if (format === 'npy') await writeNpy(o.out, data, shape, 'float32');
  else if (twoD) {
    if (format === 'png') throw new ConfigError(`${cfg.preset} samples are 2-D points: use --format svg or npy`);
    const modes = mixtureModes(cfg.data as MixtureName | 'drawn');
    await writeText(o.out, scatterSvg([...(modes ? [{ points: modes.centres, color: PALETTE[2], name: 'modes', radius: 4 }] : []), { points: data, color: PALETTE[3], name: `G(z) step ${step}`, radius: 1.5, opacity: 0.6 }], { extent: dataExtent(cfg.data), title: `${cfg.preset} ${cfg.loss} step ${step}` }));
  } else {
    if (format === 'svg') throw new ConfigError('image samples are written as png or npy');
    await saveImageGrid(o.out, { data, shape }, { nrow: Math.ceil(Math.sqrt(o.n)) });
  }
  console.error(`webgan: wrote ${o.n} samples of ${cfg.preset} (step ${step}) to ${o.out}`);
}
