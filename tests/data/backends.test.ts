import { describe, expect, it } from 'vitest';
import { DataLoader, MIXTURES, sampleMixture } from '../../src/data/index.ts';
import { safetensorsToTensors, tensorsToSafetensors } from '../../src/io/index.ts';
import { CpuBackend, manualSeed, setBackend, tensor } from '../../src/index.ts';
import { testBackends } from '../helpers/backends.ts';

const backends = await testBackends();

describe.each(backends)('data and io on $name', ({ make }) => {
  it('sampleMixture gives the CPU reference stream', async () => {
    for (const name of MIXTURES) {
      setBackend(new CpuBackend());
      manualSeed(9);
      const ref = await sampleMixture(name, 257).data();
      setBackend(await make());
      manualSeed(9);
      const t = sampleMixture(name, 257);
      const got = await t.data();
      t.dispose();
      setBackend(new CpuBackend());
      // WGSL's sin/cos/log promise an absolute error of 2^-11 (SwiftShader uses it: ~1.2e-4 seen on spiral)
      for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i] - ref[i]), `${name}[${i}]`).toBeLessThan(2 ** -11);
    }
  });

  it('DataLoader batches are identical to the CPU ones', async () => {
    const images = Float32Array.from({ length: 7 * 3 }, (_, i) => i);
    const labels = Int32Array.from({ length: 7 }, (_, i) => i);
    const read = async () => {
      const l = new DataLoader({ images, shape: [7, 3], labels }, { batchSize: 3, shuffle: true, seed: 4 });
      const out: number[][] = [];
      for (let k = 0; k < 5; k++) {
        const b = l.next();
        out.push([...(await b.x.data()), ...(await b.y!.data())]);
        b.x.dispose();
        b.y!.dispose();
      }
      return out;
    };
    setBackend(new CpuBackend());
    const ref = await read();
    setBackend(await make());
    const got = await read();
    setBackend(new CpuBackend());
    expect(got).toEqual(ref);
  });

  it('safetensors round trip of device tensors', async () => {
    setBackend(await make());
    const a = tensor([[1.5, -2], [3, 4]]);
    const b = tensor([1, 2, 3], undefined, { dtype: 'int32' });
    const { tensors } = safetensorsToTensors(await tensorsToSafetensors({ a, b }));
    expect(await tensors.a.array()).toEqual([[1.5, -2], [3, 4]]);
    expect(Array.from(await tensors.b.data())).toEqual([1, 2, 3]);
    for (const t of [a, b, tensors.a, tensors.b]) t.dispose();
    setBackend(new CpuBackend());
  });
});
