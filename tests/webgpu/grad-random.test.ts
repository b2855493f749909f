import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { compare, cpu, onBoth } from './helpers.ts';
import { webgpuBackend } from './device.ts';

const gpu = await webgpuBackend();

describe.skipIf(!gpu)('webgpu gradients vs the reference', () => {
  it('first-order gradients through conv2d, convTranspose2d, matmul, reductions', async () => {
    await compare(gpu!, (mk) => {
      const x = mk.f([2, 4, 9, 9], -1, 1, true), w = mk.f([6, 2, 3, 3], -1, 1, true);
      const y = wg.conv2d(x, w, null, { stride: 2, padding: 1, groups: 2 });
      return wg.grad(wg.sum(wg.mul(wg.tanh(y), y)), [x, w]);
    }, 1e-4, 1e-4, 'conv2d');
    await compare(gpu!, (mk) => {
      const x = mk.f([2, 6, 4, 4], -1, 1, true), w = mk.f([6, 3, 4, 4], -1, 1, true);
      const y = wg.convTranspose2d(x, w, null, { stride: 2, padding: 1 });
      return wg.grad(wg.mean(wg.mul(y, y)), [x, w]);
    }, 1e-4, 1e-4, 'convT');
    await compare(gpu!, (mk) => {
      const x = mk.f([5, 7], -1, 1, true), w1 = mk.f([7, 9], -1, 1, true), w2 = mk.f([9, 3], -1, 1, true);
      const h = wg.sigmoid(wg.matmul(x, w1));
      return wg.grad(wg.sum(wg.softmax(wg.matmul(h, w2), -1).mul(mk.f([5, 3]))), [x, w1, w2]);
    }, 1e-5, 1e-4, 'mlp');
  });

  it('second-order: grad of a gradient norm through conv2d / convTranspose2d / matmul', async () => {
    await compare(gpu!, (mk) => {
      const x = mk.f([2, 3, 8, 8], -1, 1, true), w = mk.f([4, 3, 3, 3], -1, 1, true), w2 = mk.f([4, 2, 4, 4], -1, 1, true);
      const h = wg.tanh(wg.conv2d(x, w, null, { stride: 2, padding: 1 }));
      const y = wg.convTranspose2d(h, w2, null, { stride: 2, padding: 1 });
      const [gx] = wg.grad(wg.sum(wg.sigmoid(y)), x, { createGraph: true });
      const penalty = wg.sum(wg.mul(gx, gx));
      return wg.grad(penalty, [w, w2]);
    }, 1e-4, 1e-3, 'gp conv');
    await compare(gpu!, (mk) => {
      const x = mk.f([4, 6], -1, 1, true), w1 = mk.f([6, 8], -1, 1, true), w2 = mk.f([8, 1], -1, 1, true);
      const d = wg.matmul(wg.tanh(wg.matmul(x, w1)), w2);
      const [gx] = wg.grad(wg.sum(d), x, { createGraph: true });
      return wg.grad(wg.sum(wg.mul(gx, gx)), [w1, w2]);
    }, 1e-5, 1e-4, 'gp mlp');
  });
});

describe.skipIf(!gpu)('webgpu Philox stream', () => {
  it('uniform draws are bit-identical to the CPU (incl. a counter carry past 2^32)', async () => {
    for (const [seed, offset, n] of [[[1, 0], 0, 1001], [[0xdeadbeef, 0x12345678], 2 ** 32 - 3, 41], [[7, 7], 5, 3], [[3, 0], 0, 0]] as const) {
      const { c, g } = await onBoth(gpu!, () => {
        wg.setRngState({ seed: [...seed] as [number, number], offset });
        return wg.rand([n]);
      });
      expect(new Uint32Array(g[0].buffer)).toEqual(new Uint32Array(c[0].buffer));
    }
  });

  // WGSL allows sin/cos an absolute error of 2^-11 (SwiftShader uses it), times r = sqrt(-2 ln u1) < 5.7
  it('normals match the CPU Box-Muller within WGSL accuracy, and the generators advance alike', async () => {
    const { c, g } = await onBoth(gpu!, () => {
      wg.manualSeed(42);
      const a = wg.randn([1003]);
      const b = wg.randn([3, 5]);
      return [a, b];
    });
    for (let k = 0; k < 2; k++) {
      for (let i = 0; i < c[k].length; i++) expect(Math.abs(g[k][i] - c[k][i])).toBeLessThan(2e-5 + 2 ** -11 * 6);
    }
    wg.setBackend(cpu);
  });
});
