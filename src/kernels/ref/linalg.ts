import type { Shape, TypedArray } from '../../base/dtype.ts';
import { arrayFor, sizeOf } from '../../base/dtype.ts';
import type { AbstractValue, Activation, Conv2dParams } from '../../base/prims.ts';
import { ACTIVATION_FNS } from './elementwise.ts';
import { stridedOffsets } from './strided.ts';
import { broadcastStrides } from '../../base/dtype.ts';

/**
 * Matrix products and convolutions as their definitions: every output element is one sum,
 * accumulated in double precision and rounded once when stored. No blocking, no packing.
 */

/** [...B,M,K] @ [...B,K,N] -> [...B,M,N]; transA / transB read A as [...,K,M] / B as [...,N,K]; batch dims broadcast. */
export function matmul(a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, transA: boolean, transB: boolean, out: AbstractValue): TypedArray {
  const r = out.shape.length;
  const M = out.shape[r - 2], N = out.shape[r - 1];
  const K = transA ? aShape[aShape.length - 2] : aShape[aShape.length - 1];
  const batch = out.shape.slice(0, -2);
  const aBatch = stridedOffsets(batch, broadcastStrides(aShape.slice(0, -2), batch));
  const bBatch = stridedOffsets(batch, broadcastStrides(bShape.slice(0, -2), batch));
  const y = arrayFor(out.dtype, sizeOf(out.shape));
  for (let t = 0; t < aBatch.length; t++) {
    const a0 = aBatch[t] * M * K, b0 = bBatch[t] * K * N, y0 = t * M * N;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let k = 0; k < K; k++) {
          const av = a[a0 + (transA ? k * M + i : i * K + k)];
          const bv = b[b0 + (transB ? j * K + k : k * N + j)];
          acc += av * bv;
        }
        y[y0 + i * N + j] = acc;
      }
    }
  }
  return y;
}

/**
 * y[n, o, i, j] = Σ_{c, ki, kj} x[n, g·Cg + c, i·sh − ph + ki·dh, j·sw − pw + kj·dw] · w[o, c, ki, kj]
 * over the input positions inside the image (zero padding), g = the group of o.
 */
export function conv2d(x: TypedArray, xs: Shape, w: TypedArray, ws: Shape, p: Conv2dParams, out: AbstractValue): TypedArray {
  const [N, C, H, W] = xs, [O, Cg, kh, kw] = ws, [, , Ho, Wo] = out.shape;
  const Og = O / p.groups;
  const y = arrayFor(out.dtype, sizeOf(out.shape));
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const g = Math.floor(o / Og);
      for (let i = 0; i < Ho; i++) {
        for (let j = 0; j < Wo; j++) {
          let acc = 0;
          for (let c = 0; c < Cg; c++) {
            for (let ki = 0; ki < kh; ki++) {
              const hi = i * p.stride[0] - p.padding[0] + ki * p.dilation[0];
              if (hi < 0 || hi >= H) continue;
              for (let kj = 0; kj < kw; kj++) {
                const wi = j * p.stride[1] - p.padding[1] + kj * p.dilation[1];
                if (wi < 0 || wi >= W) continue;
                acc += x[((n * C + g * Cg + c) * H + hi) * W + wi] * w[((o * Cg + c) * kh + ki) * kw + kj];
              }
            }
          }
          y[((n * O + o) * Ho + i) * Wo + j] = acc;
        }
      }
    }
  }
  return y;
}

/**
 * The adjoint of conv2d in its input: x [N,C,H,W] lives in a conv's output space, w [C,O/g,kh,kw],
 * and every x[n, c, i, j]·w[c, o, ki, kj] is added to the input position the conv read it from.
 */
export function convTranspose2d(x: TypedArray, xs: Shape, w: TypedArray, ws: Shape, p: Conv2dParams, out: AbstractValue): TypedArray {
  const [N, C, H, W] = xs, [, Og, kh, kw] = ws, [, O, Ho, Wo] = out.shape;
  const Cg = C / p.groups;
  const acc = new Float64Array(sizeOf(out.shape));
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const g = Math.floor(c / Cg);
      for (let i = 0; i < H; i++) {
        for (let j = 0; j < W; j++) {
          const xv = x[((n * C + c) * H + i) * W + j];
          for (let o = 0; o < Og; o++) {
            for (let ki = 0; ki < kh; ki++) {
              const hi = i * p.stride[0] - p.padding[0] + ki * p.dilation[0];
              if (hi < 0 || hi >= Ho) continue;
              for (let kj = 0; kj < kw; kj++) {
                const wi = j * p.stride[1] - p.padding[1] + kj * p.dilation[1];
                if (wi < 0 || wi >= Wo) continue;
                acc[((n * O + g * Og + o) * Ho + hi) * Wo + wi] += xv * w[((c * Og + o) * kh + ki) * kw + kj];
              }
            }
          }
        }
      }
    }
  }
  const y = arrayFor(out.dtype, acc.length);
  for (let k = 0; k < acc.length; k++) y[k] = acc[k];
  return y;
}

/** dw[o, c, ki, kj] = Σ_{n, i, j} gy[n, o, i, j] · x[n, g·Cg + c, i·sh − ph + ki·dh, j·sw − pw + kj·dw]. */
export function conv2dWeightGrad(x: TypedArray, xs: Shape, gy: TypedArray, gs: Shape, p: Conv2dParams, out: AbstractValue): TypedArray {
  const [N, C, H, W] = xs, [, O, Ho, Wo] = gs, [, Cg, kh, kw] = out.shape;
  const Og = O / p.groups;
  const dw = arrayFor(out.dtype, sizeOf(out.shape));
  for (let o = 0; o < O; o++) {
    const g = Math.floor(o / Og);
    for (let c = 0; c < Cg; c++) {
      for (let ki = 0; ki < kh; ki++) {
        for (let kj = 0; kj < kw; kj++) {
          let acc = 0;
          for (let n = 0; n < N; n++) {
            for (let i = 0; i < Ho; i++) {
              const hi = i * p.stride[0] - p.padding[0] + ki * p.dilation[0];
              if (hi < 0 || hi >= H) continue;
              for (let j = 0; j < Wo; j++) {
                const wi = j * p.stride[1] - p.padding[1] + kj * p.dilation[1];
                if (wi < 0 || wi >= W) continue;
                acc += gy[((n * O + o) * Ho + i) * Wo + j] * x[((n * C + g * Cg + c) * H + hi) * W + wi];
              }
            }
          }
          dw[((o * Cg + c) * kh + ki) * kw + kj] = acc;
        }
      }
    }
  }
  return dw;
}

/**
 * The fused epilogue, in place: y[i] = act(y[i] + bias[(i / inner) mod C]), C = bias.length
 * (matmul: inner 1, bias per column; conv: inner Ho·Wo, bias per channel). The sum is stored
 * (rounded to y's precision) before the activation reads it, as the unfused add then activation.
 */
export function biasAct(y: TypedArray, bias: TypedArray | null, inner: number, act: Activation, slope: number): TypedArray {
  const f = ACTIVATION_FNS[act];
  for (let i = 0; i < y.length; i++) {
    if (bias) y[i] = y[i] + bias[Math.floor(i / inner) % bias.length];
    y[i] = f(y[i], slope);
  }
  return y;
}
