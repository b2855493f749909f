import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { buildGan } from '../../src/gan/models.ts';

const dir = new URL('../fixtures/gan/', import.meta.url);
const fx: { z: number[]; images: number[]; shape: number[]; keys: string[] } = JSON.parse(readFileSync(new URL('dcgan64_ngf4.json', dir), 'utf8'));

describe('a pytorch/examples DCGAN generator saved as safetensors', () => {
  it('loads by its own key names and produces the same images', async () => {
    const { tensors } = wg.safetensorsToTensors(new Uint8Array(readFileSync(new URL('dcgan64_ngf4.safetensors', dir))));
    const { G } = buildGan('dcgan64', { channels: 1, ngf: 4, ndf: 4 });
    expect(Object.keys(G.stateDict())).toEqual(fx.keys);
    G.loadStateDict(tensors, { strict: true });
    G.eval();
    const img = wg.noGrad(() => G.call(wg.tensor(fx.z, [2, 100, 1, 1])));
    expect(img.shape).toEqual(fx.shape);
    const got = Array.from((await img.data()) as Float32Array);
    let worst = 0;
    got.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - fx.images[i])); });
    expect(worst).toBeLessThan(1e-5);
    // and the load is not vacuous: a fresh generator gives different images
    const fresh = buildGan('dcgan64', { channels: 1, ngf: 4, ndf: 4 }).G;
    fresh.eval();
    const other = Array.from((await wg.noGrad(() => fresh.call(wg.tensor(fx.z, [2, 100, 1, 1]))).data()) as Float32Array);
    expect(other.some((v, i) => Math.abs(v - fx.images[i]) > 1e-2)).toBe(true);
  });
});
