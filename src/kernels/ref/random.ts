import type { TypedArray } from '../../base/dtype.ts';
import { arrayFor, sizeOf } from '../../base/dtype.ts';
import { normalFromBlock, philox4x32, uniformFromWord } from '../../base/philox.ts';
import type { AbstractValue } from '../../base/prims.ts';

function fill(out: AbstractValue, seed: [number, number], offset: number, f: (w: Uint32Array, j: number) => number): TypedArray {
  const n = sizeOf(out.shape);
  const y = arrayFor(out.dtype, n);
  const w = new Uint32Array(4);
  for (let b = 0; b * 4 < n; b++) {
    const c = offset + b;
    philox4x32(c >>> 0, Math.floor(c / 4294967296) >>> 0, 0, 0, seed[0] >>> 0, seed[1] >>> 0, w);
    for (let j = 0; j < 4 && b * 4 + j < n; j++) y[b * 4 + j] = f(w, j);
  }
  return y;
}

export const randUniform = (out: AbstractValue, seed: [number, number], offset: number) =>
  fill(out, seed, offset, (w, j) => uniformFromWord(w[j]));

export const randNormal = (out: AbstractValue, seed: [number, number], offset: number) =>
  fill(out, seed, offset, normalFromBlock);
