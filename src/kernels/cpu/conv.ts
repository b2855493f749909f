import type { Shape, TypedArray } from '../../tensor/dtype.ts';
import { arrayFor, sizeOf } from '../../tensor/dtype.ts';
import type { AbstractValue, Conv2dParams } from '../../tensor/prims.ts';
import { gemm } from './matmul.ts';

/**
 * The three convolution primitives on the CPU, all through one im2col layout:
 *   cols[(c, ki, kj), (oi, oj)] = x[c, oi*s - p + ki*d, oj*s - p + kj*d]   (0 outside)
 *   conv2d:           y[g]  = W[g] · cols(x[g])
 *   conv2dWeightGrad: dW[g] = Σ_n gy[n,g] · cols(x[n,g])ᵀ
 *   convTranspose2d:  y     = col2im(W[g]ᵀ · x[g])      (the adjoint of conv2d in x)
 */
interface Geometry {
  C: number; H: number; W: number; kh: number; kw: number; Ho: number; Wo: number; p: Conv2dParams;
}

function im2col(x: TypedArray, xOff: number, g: Geometry, cols: TypedArray): void {
  const { C, H, W, kh, kw, Ho, Wo, p } = g;
  const [sh, sw] = p.stride, [ph, pw] = p.padding, [dh, dw] = p.dilation;
  let row = 0;
  for (let c = 0; c < C; c++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++, row++) {
        const base = row * Ho * Wo;
        for (let oi = 0; oi < Ho; oi++) {
          const i = oi * sh - ph + ki * dh;
          const rb = base + oi * Wo;
          if (i < 0 || i >= H) { cols.fill(0, rb, rb + Wo); continue; }
          const xb = xOff + (c * H + i) * W;
          for (let oj = 0; oj < Wo; oj++) {
            const j = oj * sw - pw + kj * dw;
            cols[rb + oj] = j >= 0 && j < W ? x[xb + j] : 0;
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: scatter-add columns back into an image. */
function col2im(cols: TypedArray, g: Geometry, y: TypedArray, yOff: number): void {
  const { C, H, W, kh, kw, Ho, Wo, p } = g;
  const [sh, sw] = p.stride, [ph, pw] = p.padding, [dh, dw] = p.dilation;
  let row = 0;
  for (let c = 0; c < C; c++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++, row++) {
        const base = row * Ho * Wo;
        for (let oi = 0; oi < Ho; oi++) {
          const i = oi * sh - ph + ki * dh;
          if (i < 0 || i >= H) continue;
          const yb = yOff + (c * H + i) * W;
          for (let oj = 0; oj < Wo; oj++) {
            const j = oj * sw - pw + kj * dw;
            if (j >= 0 && j < W) y[yb + j] += cols[base + oi * Wo + oj];
          }
        }
      }
    }
  }
}

export function conv2d(x: TypedArray, xs: Shape, w: TypedArray, ws: Shape, p: Conv2dParams, out: AbstractValue): TypedArray {
  const [N, C, H, W] = xs, [O, Cg, kh, kw] = ws, [, , Ho, Wo] = out.shape;
  const G = p.groups, Og = O / G;
  const geo: Geometry = { C: Cg, H, W, kh, kw, Ho, Wo, p };
  const cols = arrayFor(out.dtype, Cg * kh * kw * Ho * Wo);
  const y = arrayFor(out.dtype, sizeOf(out.shape));
  const scratch = {};
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      im2col(x, (n * C + g * Cg) * H * W, geo, cols);
      gemm(w, g * Og * Cg * kh * kw, false, cols, 0, false, y, (n * O + g * Og) * Ho * Wo, Og, Ho * Wo, Cg * kh * kw, false, scratch);
    }
  }
  return y;
}

export function conv2dWeightGrad(x: TypedArray, xs: Shape, gy: TypedArray, gs: Shape, p: Conv2dParams, out: AbstractValue): TypedArray {
  const [N, C, H, W] = xs, [, O, Ho, Wo] = gs, [, Cg, kh, kw] = out.shape;
  const G = p.groups, Og = O / G;
  const geo: Geometry = { C: Cg, H, W, kh, kw, Ho, Wo, p };
  const cols = arrayFor(out.dtype, Cg * kh * kw * Ho * Wo);
  const dw = arrayFor(out.dtype, sizeOf(out.shape));
  const scratch = {};
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      im2col(x, (n * C + g * Cg) * H * W, geo, cols);
      gemm(gy, (n * O + g * Og) * Ho * Wo, false, cols, 0, true, dw, g * Og * Cg * kh * kw, Og, Cg * kh * kw, Ho * Wo, true, scratch);
    }
  }
  return dw;
}

/** x [N,C,H,W] is the conv's output space; y [N,O,Ho,Wo] its input space; w [C, O/g, kh, kw]. */
export function convTranspose2d(x: TypedArray, xs: Shape, w: TypedArray, ws: Shape, p: Conv2dParams, out: AbstractValue): TypedArray {
  const [N, C, H, W] = xs, [, Og, kh, kw] = ws, [, O, Ho, Wo] = out.shape;
  const G = p.groups, Cg = C / G;
  // geometry of the conv whose input is y: channels Og, image Ho x Wo, output H x W
  const geo: Geometry = { C: Og, H: Ho, W: Wo, kh, kw, Ho: H, Wo: W, p };
  const cols = arrayFor(out.dtype, Og * kh * kw * H * W);
  const y = arrayFor(out.dtype, sizeOf(out.shape));
  const scratch = {};
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      // cols[Og*kh*kw, H*W] = W[g]ᵀ · x[n,g]   with W[g] viewed as [Cg, Og*kh*kw]
      gemm(w, g * Cg * Og * kh * kw, true, x, (n * C + g * Cg) * H * W, false, cols, 0, Og * kh * kw, H * W, Cg, false, scratch);
      col2im(cols, geo, y, (n * O + g * Og) * Ho * Wo);
    }
  }
  return y;
}
