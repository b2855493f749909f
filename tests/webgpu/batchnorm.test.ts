import { describe, it } from 'vitest';
import * as wg from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { WebGPUBackend } from '../../src/kernels/webgpu/index.ts';
import { F } from '../../src/nn/index.ts';
import { batchNormGradStats, batchNormInputGrad, batchNormNormalize, batchNormStats } from '../../src/tensor/batchnorm.ts';
import { webgpuBackend } from './device.ts';
import { type Maker, compare } from './helpers.ts';

const gpu = await webgpuBackend();

/** stats-like [2,C]: any mean, variance in [0.25, 2) */
const statsOf = (mk: Maker, C: number) => wg.concat([mk.f([1, C], -1, 1), mk.f([1, C], 0.25, 2)], 0);

describe.skipIf(!gpu)('webgpu fused batch norm vs the reference', () => {
  it('batchNormStats: ranks 2–5, C = 1, two values per channel, odd sizes', async () => {
    for (const shape of [[2, 1], [1, 3, 2], [3, 7], [5, 4, 9], [4, 3, 5, 5], [2, 3, 1, 2, 3], [7, 5, 3, 3]]) {
      await compare(gpu!, (mk) => batchNormStats(mk.f(shape, -2, 3)), 1e-5, 1e-5, `stats ${shape}`);
    }
  });

  it('batchNormStats: many chunks per channel (64×128×14×14, [1,2,200003]), C = 1024', async () => {
    await compare(gpu!, (mk) => batchNormStats(mk.f([64, 128, 14, 14])), 1e-5, 1e-4, 'stats 64x128x14x14');
    await compare(gpu!, (mk) => batchNormStats(mk.f([1, 2, 200_003], 0, 4)), 1e-5, 1e-4, 'stats 200003 per channel');
    await compare(gpu!, (mk) => batchNormStats(mk.f([3, 1024, 3, 3])), 1e-5, 1e-5, 'stats C 1024');
    await compare(gpu!, (mk) => batchNormStats(mk.f([2, 1024])), 1e-5, 1e-5, 'stats [2,1024]');
  });

  it('every batch-norm launch folds into a 2-D grid past maxComputeWorkgroupsPerDimension (limit forced to 16)', async () => {
    const ctx = (gpu as WebGPUBackend).ctx;
    const saved = ctx.limits.maxWorkgroups;
    ctx.limits.maxWorkgroups = 16;
    try {
      // > 16 workgroups for: one thread per channel (R = 4), 8 threads per channel (R = 48), 18 chunks of 256 threads (R = 4100)
      for (const shape of [[4, 5000], [16, 600, 3], [1, 9, 4100]]) {
        const C = shape[1];
        await compare(gpu!, (mk) => {
          const x = mk.f(shape, -1, 2, true), w = mk.f([C], 0.5, 2, true), b = mk.f([C], -1, 1, true);
          const y = F.batchNorm(x, null, null, { weight: w, bias: b, training: true });
          return [batchNormStats(x), y, ...wg.grad(wg.sum(wg.mul(y, mk.f(shape))), [x, w, b])];
        }, 1e-4, 1e-4, `folded ${shape}`);
      }
    } finally {
      ctx.limits.maxWorkgroups = saved;
    }
  });

  it('batchNormStats: a large mean does not cancel the variance (values 1000 ± 0.01)', async () => {
    // Σx² − (Σx)²/n in f32 would lose every digit of the variance (~3e-5) here
    await compare(gpu!, (mk) => wg.narrow(batchNormStats(mk.f([16, 3, 40, 40], 999.99, 1000.01)), 0, 1, 1), 0, 2e-3, 'variance');
    await compare(gpu!, (mk) => wg.narrow(batchNormStats(mk.f([16, 3, 40, 40], 999.99, 1000.01)), 0, 0, 1), 0, 1e-7, 'mean');
  });

  it('batchNorm (normalize + affine): every affine form, training and running statistics, scalar and vec4 paths', async () => {
    for (const shape of [[2, 1], [3, 7], [5, 4, 9], [4, 3, 5, 5], [2, 64, 7, 7], [3, 5, 2, 2], [2, 3, 8]]) {
      const C = shape[1];
      for (const [hasW, hasB] of [[false, false], [true, false], [false, true], [true, true]]) {
        await compare(gpu!, (mk) => {
          const x = mk.f(shape, -2, 3);
          const w = hasW ? mk.f([C], 0.5, 2) : null, b = hasB ? mk.f([C]) : null;
          return [
            F.batchNorm(x, null, null, { weight: w, bias: b, training: true }),
            F.batchNorm(x, mk.f([C]), mk.f([C], 0.5, 2), { weight: w, bias: b, eps: 1e-3 }),
            batchNormNormalize(x, statsOf(mk, C), w, b, 0.1, false),
          ];
        }, 1e-5, 1e-4, `normalize ${shape} w ${hasW} b ${hasB}`);
      }
    }
  });

  it('batchNormGradStats and batchNormInputGrad on their own (with and without weight, many chunks)', async () => {
    for (const shape of [[2, 1], [3, 7], [4, 3, 5, 5], [3, 5, 2, 2], [2, 3, 1, 2, 3], [64, 16, 14, 14], [1, 2, 100_001]]) {
      const C = shape[1];
      await compare(gpu!, (mk) => {
        const x = mk.f(shape, -2, 2), gy = mk.f(shape), st = statsOf(mk, C);
        const gs = batchNormGradStats(gy, x, st, 1e-5);
        return [gs, batchNormInputGrad(gy, x, st, gs, mk.f([C], 0.5, 2), 1e-5), batchNormInputGrad(gy, x, st, gs, null, 1e-2)];
      }, 1e-4, 1e-4, `backward prims ${shape}`);
    }
  });

  it('gradients of F.batchNorm (training and running statistics) in x, weight and bias', async () => {
    for (const shape of [[2, 1], [5, 3], [3, 2, 7], [4, 3, 5, 5], [16, 32, 8, 8]]) {
      const C = shape[1];
      for (const training of [true, false]) {
        await compare(gpu!, (mk) => {
          const x = mk.f(shape, -2, 2, true), w = mk.f([C], 0.5, 2, true), b = mk.f([C], -1, 1, true);
          const y = training ? F.batchNorm(x, null, null, { weight: w, bias: b, training }) : F.batchNorm(x, mk.f([C]), mk.f([C], 0.5, 2), { weight: w, bias: b });
          return wg.grad(wg.sum(wg.mul(y, mk.f(shape))), [x, w, b]);
        }, 1e-4, 1e-4, `grads ${shape} training ${training}`);
      }
    }
  });

  it('BatchNorm2d training step updates the running statistics as on the cpu', async () => {
    await compare(gpu!, (mk) => {
      const bn = new wg.nn.BatchNorm2d(6, { momentum: 0.2 });
      for (let i = 0; i < 3; i++) bn.call(mk.f([4, 6, 5, 5], -1, 3));
      const out = [wg.mul(bn.running_mean!, 1), wg.mul(bn.running_var!, 1)];
      bn.dispose();
      return out;
    }, 1e-5, 1e-5, 'running stats');
  });

  it('second order: a gradient penalty through training batch norm (createGraph)', async () => {
    await compare(gpu!, (mk) => {
      const x = mk.f([4, 3, 4, 4], -2, 2, true), w = mk.f([3], 0.5, 2, true), b = mk.f([3], -1, 1, true);
      const y = F.batchNorm(x, null, null, { weight: w, bias: b, training: true });
      const [gx] = wg.grad(wg.sum(wg.mul(wg.tanh(y), mk.f([4, 3, 4, 4]))), [x], { createGraph: true });
      const pen = wg.sum(wg.square(wg.sub(wg.sqrt(wg.sum(wg.square(wg.reshape(gx, [4, -1])), 1)), 1)));
      return wg.grad(pen, [x, w, b]) as Tensor[];
    }, 1e-4, 1e-3, 'penalty grads');
  });
});
