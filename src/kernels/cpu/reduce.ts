import type { Shape, TypedArray } from '../../base/dtype.ts';
import { arrayFor } from '../../base/dtype.ts';
import type { AbstractValue } from '../../base/prims.ts';
import { sum as refSum } from '../ref/reduce.ts';

/**
 * The reduction as [A, R, B] (A kept, R reduced, B kept, each a product of adjacent dims) when the
 * reduced axes form one block after merging neighbours (a full sum, rows, columns, the middle
 * of three), else null. These are the shapes training reduces (bias gradients over the batch,
 * losses, row sums); they run as plain loops without offset tables.
 */
function asARB(shape: Shape, axes: number[]): [number, number, number] | null {
  let A = 1, R = 1, B = 1, phase = 0; // 0: before the reduced block, 1: in it, 2: after
  for (let d = 0; d < shape.length; d++) {
    const red = axes.includes(d);
    if (shape[d] === 1) continue;
    if (red) {
      if (phase === 2) return null;
      phase = 1; R *= shape[d];
    } else if (phase === 0) A *= shape[d];
    else { phase = 2; B *= shape[d]; }
  }
  return [A, R, B];
}

/** Σ over `axes` as plain loops over [A, R, B] where the axes allow it (else the reference). */
export function sum(x: TypedArray, shape: Shape, axes: number[], out: AbstractValue): TypedArray {
  const arb = asARB(shape, axes);
  if (!arb) return refSum(x, shape, axes, out);
  // accumulate in double precision, round once
  const [A, R, B] = arb;
  const y = arrayFor(out.dtype, A * B);
  if (B === 1) {
    for (let a = 0; a < A; a++) {
      let acc = 0;
      for (let i = a * R, e = i + R; i < e; i++) acc += x[i];
      y[a] = acc;
    }
    return y;
  }
  const acc = new Float64Array(B);
  for (let a = 0; a < A; a++) {
    acc.fill(0);
    for (let r = 0; r < R; r++) {
      const base = (a * R + r) * B;
      for (let b = 0; b < B; b++) acc[b] += x[base + b];
    }
    y.set(acc, a * B);
  }
  return y;
}
