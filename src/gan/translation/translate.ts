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
