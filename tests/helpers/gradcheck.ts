import * as wg from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';

export interface GradcheckOptions {
  /** central-difference step (default 1e-6) */
  eps?: number;
  /** allowed error: |analytic − numeric| ≤ tol · max(1, |numeric|)  (default 1e-6) */
  tol?: number;
  /** which inputs to check (default: all float inputs) */
  wrt?: number[];
  /** seed of the fixed random cotangent that reduces a non-scalar output to a scalar */
  seed?: number;
}

export interface GradcheckResult {
  maxError: number;
  worst: string;
  analytic: Float64Array[];
  numeric: Float64Array[];
}

/** Deterministic pseudo-random values in [-1, 1) (xorshift), independent of webgan's generator. */
export function detRandom(n: number, seed = 1): Float64Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/** A float64 tensor of deterministic values in [lo, hi), optionally kept away from `avoid` by 0.1. */
export function det(shape: number[], seed = 1, lo = -1, hi = 1, avoid?: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = detRandom(n, seed);
  for (let i = 0; i < n; i++) {
    let v = lo + ((r[i] + 1) / 2) * (hi - lo);
    if (avoid !== undefined && Math.abs(v - avoid) < 0.1) v = avoid + (v >= avoid ? 0.1 : -0.1) + 0.05 * r[i];
    r[i] = v;
  }
  return wg.tensor(r, shape, { dtype: 'float64' });
}

/**
 * Check d fn / d inputs against central differences in float64. A non-scalar output y is reduced
 * to Σ y·r with a fixed random r. `fn` may itself call grad(..., {createGraph: true}) (second order):
 * the numeric side evaluates it on perturbed copies that require grad.
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const eps = opts.eps ?? 1e-6, tol = opts.tol ?? 1e-6;
  for (const x of inputs) if (x.dtype === 'float32') throw new Error('gradcheck needs float64 inputs');
  const wrt = opts.wrt ?? inputs.map((x, i) => (x.dtype === 'float64' ? i : -1)).filter((i) => i >= 0);
  const hostData = inputs.map((x) => Float64Array.from(x.dataSync()));
  const make = (datas: Float64Array[]) => datas.map((d, i) => {
    const t = wg.tensor(d, inputs[i].shape, { dtype: inputs[i].dtype });
    if (wrt.includes(i)) t.requiresGrad_(true);
    return t;
  });
  let r: Tensor | null = null;
  const scalarOf = (y: Tensor): Tensor => {
    if (y.size === 1) return wg.reshape(y, []);
    r ??= wg.keep(wg.tensor(detRandom(y.size, opts.seed ?? 7), y.shape, { dtype: y.dtype }));
    return wg.sum(wg.mul(y, r));
  };
  const evalLoss = (datas: Float64Array[]): number => wg.tidy(() => scalarOf(fn(...make(datas))).dataSync()[0]);

  const analytic = wg.tidy(() => {
    const xs = make(hostData);
    const loss = scalarOf(fn(...xs));
    const gs = wg.grad(loss, wrt.map((i) => xs[i]), { allowUnused: true });
    return gs.map((g, k) => (g ? Float64Array.from(g.dataSync()) : new Float64Array(xs[wrt[k]].size)));
  });
  const numeric: Float64Array[] = [];
  let maxError = 0, worst = '';
  wrt.forEach((i, k) => {
    const num = new Float64Array(inputs[i].size);
    for (let j = 0; j < num.length; j++) {
      const plus = hostData.map((d) => d.slice()), minus = hostData.map((d) => d.slice());
      plus[i][j] += eps;
      minus[i][j] -= eps;
      num[j] = (evalLoss(plus) - evalLoss(minus)) / (2 * eps);
      const err = Math.abs(analytic[k][j] - num[j]) / Math.max(1, Math.abs(num[j]));
      if (err > maxError || Number.isNaN(err)) {
        maxError = Number.isNaN(err) ? Infinity : err;
        worst = `input ${i} element ${j}: analytic ${analytic[k][j]}, numeric ${num[j]}`;
      }
    }
    numeric.push(num);
  });
  (r as Tensor | null)?.dispose();
  if (maxError > tol) throw new Error(`gradcheck failed: max error ${maxError} > ${tol} at ${worst}`);
  return { maxError, worst, analytic, numeric };
}
