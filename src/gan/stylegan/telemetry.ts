/**
 * What StyleGAN's layers see, for the log: per modulated layer, the mean and standard deviation
 * of its styles and the mean demodulation scale, on a fixed batch of 64 latents (their own seed,
 * so the training RNG stream is untouched), read back in one transfer.
 */
import * as wg from '../../index.ts';
import type { StyleGenerator } from './networks.ts';
import { SynthesisLayer } from './networks.ts';

export async function styleTelemetry(G: StyleGenerator, seed: number, n = 64): Promise<Record<string, number>> {
  const names: string[] = [];
  const saved = wg.getRngState();
  wg.manualSeed(seed + 15485863);
  const stats = wg.tidy(() => wg.noGrad(() => {
    const w = G.mapping.call(wg.randn([n, G.o.zDim]));
    const cols: wg.Tensor[] = [];
    for (const b of G.synthesis.blocks) {
      for (const layer of b.layers) {
        const lname = `b${b.resolution}.${layer === b.torgb ? 'torgb' : layer === b.conv0 ? 'conv0' : 'conv1'}`;
        const s = layer.styles(w);
        names.push(`${lname}.styleMean`, `${lname}.styleStd`);
        cols.push(wg.mean(s), wg.std(s));
        if (layer instanceof SynthesisLayer) {
          names.push(`${lname}.demodMean`);
          cols.push(wg.mean(layer.demod(w)));
        }
      }
    }
    return wg.stack(cols.map((c) => wg.reshape(c, [])));
  }));
  wg.setRngState(saved);
  const v = await stats.data();
  stats.dispose();
  return Object.fromEntries(names.map((k, i) => [k, v[i]]));
}
