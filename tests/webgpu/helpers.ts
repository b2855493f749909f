import { expect } from 'vitest';
import * as wg from '../../src/index.ts';
import type { Backend, Tensor, TypedArray } from '../../src/index.ts';
import { mulberry32 } from '../helpers/prng.ts';


export interface Maker {
  /** float32 tensor uniform in [lo, hi) */
  f(shape: number[], lo?: number, hi?: number, requiresGrad?: boolean): Tensor;
  /** int32 tensor uniform in [lo, hi) */
  i(shape: number[], lo: number, hi: number): Tensor;
  /** a tensor from explicit values */
  v(values: number[], shape?: number[], dtype?: 'float32' | 'int32'): Tensor;
}

function maker(seed: number): Maker {
  const r = mulberry32(seed);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return {
    f: (shape, lo = -1, hi = 1, requiresGrad = false) => {
      const a = new Float32Array(size(shape));
      for (let k = 0; k < a.length; k++) a[k] = lo + (hi - lo) * r();
      return wg.tensor(a, shape, { requiresGrad });
    },
    i: (shape, lo, hi) => {
      const a = new Int32Array(size(shape));
      for (let k = 0; k < a.length; k++) a[k] = lo + Math.floor((hi - lo) * r());
      return wg.tensor(a, shape, { dtype: 'int32' });
    },
    v: (values, shape, dtype = 'float32') => wg.tensor(values, shape ?? [values.length], { dtype }),
  };
}

/** The oracle: the reference backend (plain loops). */
export const ref = new wg.RefBackend();
/** The fast CPU backend, to leave active after a test. */
export const cpu = new wg.CpuBackend();

/** Run fn on the reference and on the GPU with the same host data; returns both results (flat). */
export async function onBoth(gpu: Backend, fn: (mk: Maker) => Tensor | Tensor[], seed = 1): Promise<{ c: TypedArray[]; g: TypedArray[]; shapes: number[][] }> {
  const run = async (b: Backend) => {
    wg.setBackend(b);
    const outs = wg.tidy(() => {
      const r = fn(maker(seed));
      return Array.isArray(r) ? r : [r];
    });
    const data = await Promise.all(outs.map((t) => t.data()));
    const shapes = outs.map((t) => [...t.shape]);
    for (const t of outs) t.dispose();
    return { data, shapes };
  };
  const c = await run(ref);
  const g = await run(gpu);
  expect(g.shapes).toEqual(c.shapes);
  return { c: c.data, g: g.data, shapes: c.shapes };
}

/** |g − c| ≤ atol + rtol·|c| elementwise (NaN must match NaN, ±Inf must match exactly). */
export function expectClose(g: TypedArray, c: TypedArray, atol = 1e-5, rtol = 1e-5, what = ''): void {
  expect(g.length, `${what} length`).toBe(c.length);
  let worst = -1, worstErr = 0;
  for (let k = 0; k < c.length; k++) {
    const a = g[k], b = c[k];
    if (Number.isNaN(b) || Number.isNaN(a)) {
      if (Number.isNaN(a) !== Number.isNaN(b)) { worst = k; worstErr = Infinity; break; }
      continue;
    }
    if (!Number.isFinite(b) || !Number.isFinite(a)) {
      if (a !== b) { worst = k; worstErr = Infinity; break; }
      continue;
    }
    const err = Math.abs(a - b) - (atol + rtol * Math.abs(b));
    if (err > worstErr) { worstErr = err; worst = k; }
  }
  if (worst >= 0) expect.fail(`${what}: element ${worst} differs: webgpu ${g[worst]} vs ref ${c[worst]} (atol ${atol}, rtol ${rtol})`);
}

/** Compare every output of fn on both backends. */
export async function compare(gpu: Backend, fn: (mk: Maker) => Tensor | Tensor[], atol = 1e-5, rtol = 1e-5, what = '', seed = 1): Promise<void> {
  const { c, g } = await onBoth(gpu, fn, seed);
  for (let k = 0; k < c.length; k++) expectClose(g[k], c[k], atol, rtol, `${what}[${k}]`);
}

/** Exact equality (ints, masks, movement). */
export async function compareExact(gpu: Backend, fn: (mk: Maker) => Tensor | Tensor[], what = '', seed = 1): Promise<void> {
  const { c, g } = await onBoth(gpu, fn, seed);
  for (let k = 0; k < c.length; k++) expect(Array.from(g[k]), `${what}[${k}]`).toEqual(Array.from(c[k]));
}
