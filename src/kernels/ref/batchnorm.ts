import type { Shape, TypedArray } from '../../base/dtype.ts';
import { arrayFor } from '../../base/dtype.ts';
import type { AbstractValue } from '../../base/prims.ts';

/**
 * Batch normalisation over channel axis 1. x [N,C,*] is viewed as [N,C,S] (S = the spatial
 * size): channel c holds the N contiguous runs x[(i·C + c)·S .. +S]. stats [2,C] = (mean, biased
 * variance); every sum accumulates in double precision and each result is rounded once.
 *   x̂ = (x − mean)·r,  r = 1/√(var + eps)
 */
function ncs(shape: Shape): [number, number, number] {
  let S = 1;
  for (let i = 2; i < shape.length; i++) S *= shape[i];
  return [shape[0], shape[1], S];
}

/** Per channel, two passes over its values (they stay in cache): mean, then Σ (x − mean)². */
export function batchNormStats(x: TypedArray, shape: Shape, out: AbstractValue): TypedArray {
  const [N, C, S] = ncs(shape);
  const n = N * S;
  const y = arrayFor(out.dtype, 2 * C);
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let i = 0; i < N; i++) {
      const base = (i * C + c) * S;
      for (let k = 0; k < S; k++) s += x[base + k];
    }
    const mean = s / n;
    let q = 0;
    for (let i = 0; i < N; i++) {
      const base = (i * C + c) * S;
      for (let k = 0; k < S; k++) { const d = x[base + k] - mean; q += d * d; }
    }
    y[c] = mean;
    y[C + c] = q / n;
  }
  return y;
}

/** y = (x − mean)·(r·w) + b */
export function batchNorm(x: TypedArray, shape: Shape, stats: TypedArray, w: TypedArray | null, b: TypedArray | null, eps: number, out: AbstractValue): TypedArray {
  const [N, C, S] = ncs(shape);
  const y = arrayFor(out.dtype, x.length);
  for (let c = 0; c < C; c++) {
    const mean = stats[c];
    const a = (w ? w[c] : 1) / Math.sqrt(stats[C + c] + eps);
    const b0 = b ? b[c] : 0;
    for (let i = 0; i < N; i++) {
      const base = (i * C + c) * S;
      for (let k = base; k < base + S; k++) y[k] = (x[k] - mean) * a + b0;
    }
  }
  return y;
}

/** [2,C] = (Σ g, Σ g·x̂) = (Σ g, r·Σ g·(x − mean)) */
export function batchNormGradStats(g: TypedArray, x: TypedArray, shape: Shape, stats: TypedArray, eps: number, out: AbstractValue): TypedArray {
  const [N, C, S] = ncs(shape);
  const y = arrayFor(out.dtype, 2 * C);
  for (let c = 0; c < C; c++) {
    const mean = stats[c];
    let sg = 0, sgd = 0;
    for (let i = 0; i < N; i++) {
      const base = (i * C + c) * S;
      for (let k = base; k < base + S; k++) { sg += g[k]; sgd += g[k] * (x[k] - mean); }
    }
    y[c] = sg;
    y[C + c] = sgd / Math.sqrt(stats[C + c] + eps);
  }
  return y;
}

/** dx = w·r·(g − Σg/n − x̂·Σg·x̂/n) = a·(g − k0 − (x − mean)·k1),  a = w·r, k0 = Σg/n, k1 = r·Σg·x̂/n */
export function batchNormInputGrad(g: TypedArray, x: TypedArray, shape: Shape, stats: TypedArray, gstats: TypedArray, w: TypedArray | null, eps: number, out: AbstractValue): TypedArray {
  const [N, C, S] = ncs(shape);
  const n = N * S;
  const y = arrayFor(out.dtype, x.length);
  for (let c = 0; c < C; c++) {
    const mean = stats[c];
    const r = 1 / Math.sqrt(stats[C + c] + eps);
    const a = (w ? w[c] : 1) * r;
    const k0 = gstats[c] / n, k1 = (r * gstats[C + c]) / n;
    for (let i = 0; i < N; i++) {
      const base = (i * C + c) * S;
      for (let k = base; k < base + S; k++) y[k] = a * (g[k] - k0 - (x[k] - mean) * k1);
    }
  }
  return y;
}
