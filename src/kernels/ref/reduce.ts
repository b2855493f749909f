import type { Shape, TypedArray } from '../../base/dtype.ts';
import { arrayFor, stridesOf } from '../../base/dtype.ts';
import type { AbstractValue } from '../../base/prims.ts';
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

/** Σ over `axes`, accumulated in double precision and rounded once. */
export function sum(x: TypedArray, shape: Shape, axes: number[], out: AbstractValue): TypedArray {
  return reduceWith(x, shape, axes, out, 0, (a, v) => a + v);
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
