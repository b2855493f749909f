import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import * as wg from '../../src/index.ts';

export interface Arr { shape: number[]; data: number[] }

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const fx: any = JSON.parse(readFileSync(new URL('../fixtures/nn/torch_nn.json', import.meta.url), 'utf8'));

/** A fixture array as a tensor (float64 unless told). */
export function T(a: Arr, dtype: wg.DType = 'float64', requiresGrad = false): wg.Tensor {
  return wg.tensor(Float64Array.from(a.data), a.shape, { dtype, requiresGrad });
}

/** |a − ref| ≤ atol + rtol·|ref| elementwise, and equal shapes. */
export function expectClose(a: wg.Tensor, ref: Arr | number[] | number, rtol = 1e-9, atol = 1e-12): void {
  const r: Arr = typeof ref === 'number' ? { shape: [], data: [ref] } : Array.isArray(ref) ? { shape: [ref.length], data: ref } : ref;
  if (!Array.isArray(ref)) expect([...a.shape]).toEqual(r.shape);
  const d = a.dataSync();
  expect(d.length).toBe(r.data.length);
  let worst = 0, at = -1;
  for (let i = 0; i < d.length; i++) {
    const err = Math.abs(d[i] - r.data[i]) - (atol + rtol * Math.abs(r.data[i]));
    if (!(err <= worst)) { worst = Number.isNaN(err) ? Infinity : err; at = i; }
  }
  if (at >= 0) expect.fail(`element ${at}: got ${d[at]}, expected ${r.data[at]} (rtol ${rtol}, atol ${atol})`);
}
