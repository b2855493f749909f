import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as wg from '../../src/index.ts';
import type { DType, Tensor } from '../../src/index.ts';

/** A tensor as tests/gen_fixtures.py writes it. */
export interface TensorJson {
  shape: number[];
  dtype: 'float64' | 'int32';
  data: (number | string)[];
  perm?: number[];
}

export function loadFixture<T>(name: string): T {
  const url = new URL(`../fixtures/core/${name}`, import.meta.url);
  return JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as T;
}

export function decodeValues(data: (number | string)[]): number[] {
  return data.map((v) => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v === 'nan' ? NaN : (v as number)));
}

/** Upload a fixture tensor; float data in `floatDtype`; applies `perm` (a non-contiguous input in torch). */
export function fromJson(j: TensorJson, floatDtype: DType = 'float64', requiresGrad = false): Tensor {
  const vals = decodeValues(j.data);
  const dtype: DType = j.dtype === 'int32' ? 'int32' : floatDtype;
  const arr = dtype === 'int32' ? Int32Array.from(vals) : dtype === 'float64' ? Float64Array.from(vals) : Float32Array.from(vals);
  const base = wg.tensor(arr, j.shape, { dtype });
  const t = j.perm ? wg.permute(base, j.perm) : base;
  if (requiresGrad) t.requiresGrad_(true);
  return t;
}

/**
 * Assert `actual` matches `expected` elementwise: |a − e| ≤ tol·(1 + |e|); NaN matches NaN and
 * infinities match exactly. Returns a description of the first mismatch, or null.
 */
export function mismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} vs expected ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e)) { if (!Number.isNaN(a)) return `[${i}]: ${a} vs expected NaN`; continue; }
    if (!Number.isFinite(e)) { if (a !== e) return `[${i}]: ${a} vs expected ${e}`; continue; }
    if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e)))) return `[${i}]: ${a} vs expected ${e} (diff ${Math.abs(a - e)}, tol ${tol})`;
  }
  return null;
}
