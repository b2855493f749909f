import { describe, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { compare } from './helpers.ts';
import { webgpuBackend } from './device.ts';

const gpu = await webgpuBackend();
/** f32 products: tolerance grows with the reduction length K */
const tol = (K: number) => 2e-6 * Math.sqrt(Math.max(K, 1)) * 4;

describe.skipIf(!gpu)('webgpu matmul and convolutions vs the reference', () => {
  it('matmul: any M, N, K (1, primes, not multiples of the tile), transposed operands read in place', async () => {
    const sizes: [number, number, number][] = [[1, 1, 1], [67, 71, 33], [128, 64, 256], [13, 1, 97], [1, 130, 5], [5, 3, 2000], [3, 4, 0]];
    for (const [M, N, K] of sizes) {
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
        await compare(gpu!, (mk) => wg.matmul(mk.f(tA ? [K, M] : [M, K]), mk.f(tB ? [N, K] : [K, N]), { transA: tA, transB: tB }), tol(K), 1e-5, `mm ${M}x${N}x${K} ${tA}${tB}`);
      }
    }
  });

  it('batched matmul broadcasts batch dims; int32 matmul', async () => {
    await compare(gpu!, (mk) => wg.matmul(mk.f([2, 1, 5, 7]), mk.f([3, 7, 4])), tol(7));
    await compare(gpu!, (mk) => wg.matmul(mk.f([4, 9, 3]), mk.f([3, 9]), { transA: true, transB: true }), tol(9));
    await compare(gpu!, (mk) => wg.matmul(mk.i([2, 5, 6], -9, 9), mk.i([6, 3], -9, 9)), 0, 0);
  });

  const convCases: { x: number[]; w: number[]; o: wg.ConvOpts }[] = [
    { x: [2, 3, 9, 11], w: [5, 3, 3, 3], o: {} },
    { x: [2, 4, 9, 11], w: [6, 2, 3, 3], o: { stride: 2, padding: 1, groups: 2, dilation: [1, 2] } },
    { x: [1, 3, 7, 7], w: [4, 3, 1, 1], o: { stride: [2, 3] } },
    { x: [3, 6, 8, 5], w: [6, 1, 3, 2], o: { groups: 6, padding: [2, 1] } },
    { x: [2, 1, 28, 28], w: [8, 1, 4, 4], o: { stride: 2, padding: 1 } },
    { x: [2, 16, 7, 7], w: [1, 16, 7, 7], o: {} },
    { x: [1, 2, 5, 5], w: [3, 2, 3, 3], o: { dilation: 2, padding: 2, stride: 3 } },
  ];

  it('conv2d (implicit GEMM): groups, strides, padding, dilation', async () => {
    for (const c of convCases) {
      const K = c.w[1] * c.w[2] * c.w[3];
      await compare(gpu!, (mk) => wg.conv2d(mk.f(c.x), mk.f(c.w), null, c.o), tol(K), 1e-5, `conv ${JSON.stringify(c)}`);
    }
  });

  it('conv2dWeightGrad (implicit GEMM over batch × pixels, split-K)', async () => {
    for (const c of convCases) {
      const y = { shape: [] as number[] };
      await compare(gpu!, (mk) => {
        const x = mk.f(c.x);
        const out = wg.conv2d(x, mk.f(c.w), null, c.o);
        y.shape = [...out.shape];
        return wg.conv2dWeightGrad(x, mk.f(y.shape), [c.w[2], c.w[3]], c.o);
      }, tol(y.shape[0] * y.shape[2] * y.shape[3] || 1000), 1e-5, `wgrad ${JSON.stringify(c)}`);
    }
  });

  const convTCases: { x: number[]; w: number[]; o: wg.ConvOpts & { outputPadding?: number | [number, number] } }[] = [
    { x: [2, 4, 5, 6], w: [4, 3, 4, 3], o: { stride: 2, padding: 1, groups: 2, outputPadding: 1 } },
    { x: [3, 10, 1, 1], w: [10, 4, 7, 7], o: {} },
    { x: [2, 6, 7, 7], w: [6, 5, 4, 4], o: { stride: 2, padding: 1 } },
    { x: [1, 3, 4, 5], w: [3, 2, 3, 3], o: { stride: 3, dilation: 2, padding: 1, outputPadding: [2, 1] } },
    { x: [1, 2, 4, 4], w: [2, 2, 3, 3], o: { stride: 2, dilation: 2, padding: 2, outputPadding: 1 } },
    { x: [2, 4, 3, 3], w: [4, 1, 2, 2], o: { groups: 4, stride: [1, 2] } },
  ];

  it('convTranspose2d (per stride phase, only taps that hit): groups, outputPadding, dilation', async () => {
    for (const c of convTCases) {
      await compare(gpu!, (mk) => wg.convTranspose2d(mk.f(c.x), mk.f(c.w), null, c.o), tol(c.x[1] * c.w[2] * c.w[3]), 1e-5, `convT ${JSON.stringify(c)}`);
    }
  });
});
