import * as wg from '../../index.ts';
import { ConfigError } from '../config.ts';
import type { TranslationModels } from './models.ts';

export type Direction = 'a2b' | 'b2a';

/**
 * Translate images [N, C, H, W] in [-1, 1] with a run's networks in eval mode (batch norm's running
 * statistics, no dropout), `batch` at a time; returns the translations, [N, C', H, W].
 */
export async function translateImages(models: TranslationModels, data: Float32Array, shape: readonly number[], direction: Direction, batch = 64): Promise<{ data: Float32Array; shape: number[] }> {
  const inC = direction === 'a2b' ? models.channelsA : models.channelsB;
  const outC = direction === 'a2b' ? models.channelsB : models.channelsA;
  if (shape.length !== 4 || shape[1] !== inC) {
    throw new ConfigError(`${models.preset} ${direction} takes images [N, ${inC}, H, W] (domain ${direction[0].toUpperCase()}), got [${shape.join(', ')}]`);
  }
  const [n, , h, w] = shape;
  const out = new Float32Array(n * outC * h * w);
  for (const m of Object.values(models.nets)) m.eval();
  for (let i = 0; i < n; i += batch) {
    const k = Math.min(batch, n - i);
    const y = wg.tidy(() => wg.noGrad(() => models.translate(wg.tensor(data.subarray(i * inC * h * w, (i + k) * inC * h * w), [k, inC, h, w]), direction)));
    out.set(await y.data(), i * outC * h * w);
    y.dispose();
  }
  return { data: out, shape: [n, outC, h, w] };
}

/**
 * The rows of a run's sample grids (`samples/step-N.png`), 8 images a row, from fixed inputs a, b
 * ([k, C, H, W] tensors): CycleGAN A | G_A(A) | G_B(G_A(A)) and B | G_B(B) | G_A(G_B(B)); pix2pix
 * input | translation | target. Grey rows are repeated to 3 channels when a domain is RGB. Runs
 * in eval mode without gradients (inEvalMode).
 */
export function sampleGridRows(models: TranslationModels, a: wg.Tensor, b: wg.Tensor): wg.Tensor {
  return wg.tidy(() => inEvalMode(models, () => {
    const gray = (x: wg.Tensor) => (x.shape[1] === 1 && Math.max(models.channelsA, models.channelsB) === 3 ? wg.expand(x, [x.shape[0], 3, ...x.shape.slice(2)]) : x);
    if (models.preset === 'pix2pix') return wg.cat([a, models.translate(a, 'a2b'), b].map(gray), 0);
    const fb = models.translate(a, 'a2b'), fa = models.translate(b, 'b2a');
    return wg.cat([a, fb, models.translate(fb, 'b2a'), b, fa, models.translate(fa, 'a2b')].map(gray), 0);
  }));
}

/** Runs `fn` with the networks in eval mode and without gradients (batch norm: running statistics; no dropout), putting each network's mode back. */
export function inEvalMode<T>(models: TranslationModels, fn: () => T): T {
  const nets = Object.values(models.nets);
  const was = nets.map((m) => m.training);
  for (const m of nets) m.eval();
  try {
    return wg.noGrad(fn);
  } finally {
    nets.forEach((m, i) => { if (was[i]) m.train(); });
  }
}

/** The first (at most) 8 images of [N, C, H, W] data, centre-cropped to h × w: a run's fixed grid inputs. */
export function firstEight(images: Float32Array, shape: readonly number[], h: number, w: number): wg.Tensor {
  const k = Math.min(8, shape[0]);
  const [y0, x0] = [Math.floor((shape[2] - h) / 2), Math.floor((shape[3] - w) / 2)];
  return wg.tidy(() => {
    const x = wg.tensor(images.subarray(0, k * shape[1] * shape[2] * shape[3]), [k, shape[1], shape[2], shape[3]]);
    return y0 || x0 ? wg.mul(wg.narrow(wg.narrow(x, 2, y0, h), 3, x0, w), 1) : x;
  });
}
