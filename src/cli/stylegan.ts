/** `webgan mix` and `webgan interpolate`: the StyleGAN figures from a checkpoint (its EMA generator). */
import { ConfigError } from '../gan/config.ts';
import { resolveCheckpoint } from '../gan/run.ts';
import { loadGenerator } from '../gan/trainer.ts';
import { interpolation, mixingFigure } from '../gan/stylegan/figures.ts';
import type { NoiseMode, StyleGenerator } from '../gan/stylegan/networks.ts';
import { saveImageGrid } from '../io/png.ts';
import { startBackend } from './backend.ts';

type Backend = 'webgpu' | 'cpu' | 'auto';

/** The sampler G of a stylegan checkpoint; any other checkpoint is a ConfigError naming its preset. */
export async function loadStyleGenerator(ckpt: string, command: string): Promise<{ G: StyleGenerator; step: number }> {
  const { cfg, models, step } = await loadGenerator(await resolveCheckpoint(ckpt, '--ckpt'));
  if (!models.style) throw new ConfigError(`${command} needs a stylegan checkpoint; ${ckpt} is a ${cfg.preset} checkpoint`);
  return { G: models.G as StyleGenerator, step };
}

export function checkPsi(psi: number): void {
  if (!(psi >= 0 && Number.isFinite(psi))) throw new ConfigError(`--truncation ψ must be a number ≥ 0, got ${psi}`);
}

export async function mixCommand(o: { ckpt: string; rows: number; cols: number; styles: string; out: string; truncation: number; noise: NoiseMode; seed: number; backend: Backend }): Promise<void> {
  await startBackend(o.backend);
  checkPsi(o.truncation);
  if (!(o.rows >= 1 && o.cols >= 1)) throw new ConfigError(`--rows and --cols must be at least 1, got ${o.rows} and ${o.cols}`);
  const { G, step } = await loadStyleGenerator(o.ckpt, 'mix');
  const ranges = o.styles.split(',').map((s) => s.trim()).filter(Boolean);
  const { images, nrow } = mixingFigure(G, { rows: o.rows, cols: o.cols, ranges, psi: o.truncation, noise: o.noise, seed: o.seed });
  await saveImageGrid(o.out, images, { nrow });
  images.dispose();
  console.error(`webgan: wrote the style-mixing figure (${ranges.join(', ')}; ${o.rows} rows × ${o.cols} columns, step ${step}) to ${o.out}`);
}

export async function interpolateCommand(o: { ckpt: string; space: 'z' | 'w'; n: number; rows: number; out: string; truncation: number; noise: NoiseMode; seed: number; backend: Backend }): Promise<void> {
  await startBackend(o.backend);
  checkPsi(o.truncation);
  const { G, step } = await loadStyleGenerator(o.ckpt, 'interpolate');
  const { images, nrow } = await interpolation(G, { n: o.n, space: o.space, rows: o.rows, psi: o.truncation, noise: o.noise, seed: o.seed });
  await saveImageGrid(o.out, images, { nrow });
  images.dispose();
  console.error(`webgan: wrote ${o.rows} interpolation strip${o.rows > 1 ? 's' : ''} of ${o.n} images in ${o.space === 'z' ? 'Z (slerp)' : 'W (lerp)'} (step ${step}) to ${o.out}`);
}
