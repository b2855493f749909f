import { describe, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { compare } from './helpers.ts';
import { webgpuBackend } from './device.ts';

/**
 * Both GEMM templates (the workgroup-tiled one for GPUs, the barrier-free register-blocked one
 * for CPU adapters) on every user of the template, whichever this adapter would pick.
 */
const gpu = await webgpuBackend();
/** SwiftShader compiles the direct conv pipelines very slowly (> 2 min for this test); it runs the tiled template anyway */
const swiftShader = gpu?.info().adapterClass === 'swiftshader';
const tol = (K: number) => 2e-6 * Math.sqrt(Math.max(K, 1)) * 4;

describe.skipIf(!gpu)('webgpu GEMM templates: tiled and direct', () => {
  for (const kind of ['tiled', 'direct'] as const) {
    const sizes: [number, number, number][] = [[1, 1, 1], [2, 7, 3], [3, 5, 9], [5, 513, 7], [8, 3, 4], [9, 65, 17], [17, 31, 5], [33, 2, 13], [70, 130, 3], [4, 6, 0], [7, 3, 1500],
      // few outputs, long K: split-K across lanes (and z) on the direct template
      [100, 64, 2000], [1, 64, 3001], [33, 9, 777], [19, 70, 600],
      // the large matmul blocks (32×4, 32×8, 32×16)
      [40, 300, 9], [33, 515, 4], [65, 1030, 3]];
    // one test per shape (4 transposes each): compiling the large direct blocks takes seconds on a
    // software adapter, so the shapes get a timeout each rather than sharing one
    for (const [M, N, K] of sizes) {
      it(`${kind}: matmul ${M}×${N}×${K} (M around the row blocks, N around 512, K 0/1/odd/split-K), all transposes`, () => wg.withRoutes({ gemm: kind }, async () => {
        for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
          await compare(gpu!, (mk) => wg.matmul(mk.f(tA ? [K, M] : [M, K]), mk.f(tB ? [N, K] : [K, N]), { transA: tA, transB: tB }), tol(K), 1e-5, `${kind} mm ${M}x${N}x${K} ${tA}${tB}`);
        }
      }));
    }
    it(`${kind}: batched and int32 matmul`, () => wg.withRoutes({ gemm: kind }, async () => {
      await compare(gpu!, (mk) => wg.matmul(mk.f([2, 1, 5, 7]), mk.f([3, 7, 4])), tol(7));
      await compare(gpu!, (mk) => wg.matmul(mk.i([2, 19, 6], -9, 9), mk.i([6, 3], -9, 9)), 0, 0);
    }));

    it.skipIf(kind === 'direct' && swiftShader)(`${kind}: conv2d, conv2dWeightGrad, convTranspose2d`, () => wg.withRoutes({ gemm: kind }, async () => {
      const convCases: { x: number[]; w: number[]; o: wg.ConvOpts }[] = [
        { x: [2, 3, 9, 11], w: [19, 3, 3, 3], o: { padding: 1 } },
        { x: [2, 4, 9, 11], w: [6, 2, 3, 3], o: { stride: 2, padding: 1, groups: 2, dilation: [1, 2] } },
        { x: [2, 16, 7, 7], w: [1, 16, 7, 7], o: {} },
        // window = input: the dense 1×1 path; long-K weight gradient
        { x: [5, 24, 7, 7], w: [37, 24, 7, 7], o: {} },
        { x: [16, 1, 28, 28], w: [8, 1, 4, 4], o: { stride: 2, padding: 1 } },
      ];
      for (const c of convCases) {
        await compare(gpu!, (mk) => wg.conv2d(mk.f(c.x), mk.f(c.w), null, c.o), tol(c.w[1] * c.w[2] * c.w[3]), 1e-5, `${kind} conv ${JSON.stringify(c)}`);
        const y = { shape: [] as number[] };
        await compare(gpu!, (mk) => {
          const x = mk.f(c.x);
          y.shape = [...wg.conv2d(x, mk.f(c.w), null, c.o).shape];
          return wg.conv2dWeightGrad(x, mk.f(y.shape), [c.w[2], c.w[3]], c.o);
        }, tol(1000), 1e-5, `${kind} wgrad ${JSON.stringify(c)}`);
      }
      const convT: { x: number[]; w: number[]; o: wg.ConvOpts & { outputPadding?: number } }[] = [
        { x: [2, 4, 5, 6], w: [4, 3, 4, 3], o: { stride: 2, padding: 1, groups: 2, outputPadding: 1 } },
        { x: [3, 10, 1, 1], w: [10, 4, 7, 7], o: {} },
        { x: [2, 6, 7, 7], w: [6, 18, 4, 4], o: { stride: 2, padding: 1 } },
      ];
      for (const c of convT) {
        await compare(gpu!, (mk) => wg.convTranspose2d(mk.f(c.x), mk.f(c.w), null, c.o), tol(c.x[1] * c.w[2] * c.w[3]), 1e-5, `${kind} convT ${JSON.stringify(c)}`);
      }
    }));
  }
});
