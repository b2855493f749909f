import type { Shape, TypedArray } from '../../tensor/dtype.ts';
import { arrayFor, stridesOf } from '../../tensor/dtype.ts';
import type { AbstractValue } from '../../tensor/prims.ts';
import { stridedOffsets } from './strided.ts';

/**
 * Reduce x over `axes` (output keeps them as size 1). Iterates the output with strides of the
 * kept dims and, for each output, the reduced dims with their strides.
 */
function reduceWith(x: TypedArray, shape: Shape, axes: number[], out: AbstractValue, init: number, f: (acc: number, v: number) => number): TypedArray {
  const st = stridesOf(shape);
  const keptShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const redShape = shape.map((d, i) => (axes.includes(i) ? d : 1));
  const outer = stridedOffsets(keptShape, st);
  const inner = stridedOffsets(redShape, st);
  const y = arrayFor(out.dtype, outer.length);
  for (let o = 0; o < outer.length; o++) {
    const base = outer[o];
    let acc = init;
    for (let r = 0; r < inner.length; r++) acc = f(acc, x[base + inner[r]]);
    y[o] = acc;
  }
  return y;
}

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

export function sum(x: TypedArray, shape: Shape, axes: number[], out: AbstractValue): TypedArray {
  const arb = asARB(shape, axes);
  if (!arb) return reduceWith(x, shape, axes, out, 0, (a, v) => a + v);
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

export function max(x: TypedArray, shape: Shape, axes: number[], out: AbstractValue): TypedArray {
  return reduceWith(x, shape, axes, out, -Infinity, (a, v) => (v > a || Number.isNaN(v) ? v : a));
}

export function argmax(x: TypedArray, shape: Shape, axis: number, out: AbstractValue): TypedArray {
  const st = stridesOf(shape);
  const keptShape = shape.map((d, i) => (i === axis ? 1 : d));
  const outer = stridedOffsets(keptShape, st);
  const y = arrayFor(out.dtype, outer.length);
  const n = shape[axis], s = st[axis];
  for (let o = 0; o < outer.length; o++) {
    let best = 0, bv = x[outer[o]];
    for (let i = 1; i < n; i++) {
      const v = x[outer[o] + i * s];
      if (v > bv || (Number.isNaN(v) && !Number.isNaN(bv))) { bv = v; best = i; }
    }
    y[o] = best;
  }
  return y;
}
