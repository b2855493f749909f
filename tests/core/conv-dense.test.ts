/**
 * CPU convolutions whose window is the whole input (dcgan's 7×7 → 1×1 layers) take a dense GEMM
 * path without im2col; checked here against a direct six-loop convolution, in float32 and float64,
 * for the forward and the weight gradient (and the generic path next to it: stride, padding).
 */
import { describe, expect, test } from 'vitest';
import { conv2d, conv2dWeightGrad, convTranspose2d } from '../../src/kernels/cpu/conv.ts';
import type { Conv2dParams } from '../../src/base/prims.ts';
import { detRandom } from '../helpers/gradcheck.ts';

function direct(x: ArrayLike<number>, [N, C, H, W]: number[], w: ArrayLike<number>, [O, , kh, kw]: number[], p: Conv2dParams): { y: Float64Array; Ho: number; Wo: number } {
  const Ho = Math.floor((H + 2 * p.padding[0] - kh) / p.stride[0]) + 1, Wo = Math.floor((W + 2 * p.padding[1] - kw) / p.stride[1]) + 1;
  const y = new Float64Array(N * O * Ho * Wo);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
    let s = 0;
    for (let c = 0; c < C; c++) for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
      const r = i * p.stride[0] - p.padding[0] + a, q = j * p.stride[1] - p.padding[1] + b;
      if (r >= 0 && r < H && q >= 0 && q < W) s += x[((n * C + c) * H + r) * W + q] * w[((o * C + c) * kh + a) * kw + b];
    }
    y[((n * O + o) * Ho + i) * Wo + j] = s;
  }
  return { y, Ho, Wo };
}

const P = (stride: number, padding: number): Conv2dParams => ({ stride: [stride, stride], padding: [padding, padding], dilation: [1, 1], groups: 1 });
const CASES: [string, number[], number[], Conv2dParams][] = [
  ['window = input (7×7 → 1×1, one output channel)', [5, 6, 7, 7], [1, 6, 7, 7], P(1, 0)],
  ['window = input, many outputs, stride 2', [3, 4, 5, 5], [9, 4, 5, 5], P(2, 0)],
  ['window larger than the unpadded input (generic path)', [2, 3, 4, 4], [5, 3, 5, 5], P(1, 1)],
];

describe('CPU conv2d: dense path when the window covers the input', () => {
  for (const [name, xs, ws, p] of CASES) {
    for (const dtype of ['float32', 'float64'] as const) {
      test(`${name} (${dtype})`, () => {
        const Arr = dtype === 'float32' ? Float32Array : Float64Array;
        const x = Arr.from(detRandom(xs.reduce((a, b) => a * b), 3)), w = Arr.from(detRandom(ws.reduce((a, b) => a * b), 4));
        const { y: ref, Ho, Wo } = direct(x, xs, w, ws, p);
        const y = conv2d(x, xs, w, ws, p, { shape: [xs[0], ws[0], Ho, Wo], dtype });
        const tol = dtype === 'float32' ? 1e-4 : 1e-12;
        ref.forEach((v, i) => expect(Math.abs(y[i] - v)).toBeLessThan(tol));
        // weight gradient of Σ y·gy is Σ_n gy ⊗ window: compare with the direct formula
        const gy = Arr.from(detRandom(ref.length, 5));
        const dw = conv2dWeightGrad(x, xs, gy, [xs[0], ws[0], Ho, Wo], p, { shape: ws, dtype });
        const [N, C, H, W] = xs, [O, , kh, kw] = ws;
        for (let o = 0; o < O; o++) for (let c = 0; c < C; c++) for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
          let s = 0;
          for (let n = 0; n < N; n++) for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
            const r = i * p.stride[0] - p.padding[0] + a, q = j * p.stride[1] - p.padding[1] + b;
            if (r >= 0 && r < H && q >= 0 && q < W) s += gy[((n * O + o) * Ho + i) * Wo + j] * x[((n * C + c) * H + r) * W + q];
          }
          expect(Math.abs(dw[((o * C + c) * kh + a) * kw + b] - s)).toBeLessThan(tol);
        }
        // convTranspose2d is the adjoint in x: <conv2d(x), gy> = <x, convTranspose2d(gy)>
        const gx = convTranspose2d(gy, [N, O, Ho, Wo], w, ws, { ...p, outputPadding: [0, 0] } as Conv2dParams, { shape: xs, dtype });
        const lhs = ref.reduce((acc, v, i) => acc + v * gy[i], 0), rhs = Array.from(x).reduce((acc, v, i) => acc + v * gx[i], 0);
        expect(Math.abs(lhs - rhs)).toBeLessThan(dtype === 'float32' ? 1e-3 : 1e-10);
        // and elementwise against the direct formula
        for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let r = 0; r < H; r++) for (let q = 0; q < W; q++) {
          let t = 0;
          for (let o = 0; o < O; o++) for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
            const a = r - i * p.stride[0] + p.padding[0], b = q - j * p.stride[1] + p.padding[1];
            if (a >= 0 && a < kh && b >= 0 && b < kw) t += gy[((n * O + o) * Ho + i) * Wo + j] * w[((o * C + c) * kh + a) * kw + b];
          }
          expect(Math.abs(gx[((n * C + c) * H + r) * W + q] - t)).toBeLessThan(tol);
        }
      });
    }
  }
});
