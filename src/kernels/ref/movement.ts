import type { Shape, TypedArray } from '../../base/dtype.ts';
import { arrayFor, sizeOf, stridesOf } from '../../base/dtype.ts';
import type { AbstractValue } from '../../base/prims.ts';
import { stridedOffsets } from './strided.ts';
import { broadcastStrides } from '../../base/dtype.ts';

function gatherBy(x: TypedArray, offsets: ArrayLike<number>, out: AbstractValue): TypedArray {
  const y = arrayFor(out.dtype, offsets.length);
  for (let i = 0; i < offsets.length; i++) y[i] = x[offsets[i]];
  return y;
}

export function permute(x: TypedArray, shape: Shape, perm: number[], out: AbstractValue): TypedArray {
  const st = stridesOf(shape);
  return gatherBy(x, stridedOffsets(out.shape, perm.map((p) => st[p])), out);
}

export function expand(x: TypedArray, shape: Shape, out: AbstractValue): TypedArray {
  return gatherBy(x, stridedOffsets(out.shape, broadcastStrides(shape, out.shape)), out);
}

export function slice(x: TypedArray, shape: Shape, starts: number[], steps: number[], out: AbstractValue): TypedArray {
  const st = stridesOf(shape);
  const base = starts.reduce((acc, s, i) => acc + s * st[i], 0);
  return gatherBy(x, stridedOffsets(out.shape, steps.map((s, i) => s * st[i]), base), out);
}

export function flip(x: TypedArray, shape: Shape, axes: number[], out: AbstractValue): TypedArray {
  const st = stridesOf(shape);
  const base = axes.reduce((acc, a) => acc + (shape[a] - 1) * st[a], 0);
  return gatherBy(x, stridedOffsets(shape, st.map((s, i) => (axes.includes(i) ? -s : s)), base), out);
}

export function pad(x: TypedArray, shape: Shape, pads: [number, number][], value: number, out: AbstractValue): TypedArray {
  const y = arrayFor(out.dtype, sizeOf(out.shape));
  y.fill(value);
  const ost = stridesOf(out.shape);
  const base = pads.reduce((acc, [b], i) => acc + b * ost[i], 0);
  const dst = stridedOffsets(shape, ost, base);
  for (let i = 0; i < dst.length; i++) y[dst[i]] = x[i];
  return y;
}

export function concat(xs: { data: TypedArray; shape: Shape }[], axis: number, out: AbstractValue): TypedArray {
  const y = arrayFor(out.dtype, sizeOf(out.shape));
  const ost = stridesOf(out.shape);
  let at = 0;
  for (const { data, shape } of xs) {
    const dst = stridedOffsets(shape, ost, at * ost[axis]);
    for (let i = 0; i < dst.length; i++) y[dst[i]] = data[i];
    at += shape[axis];
  }
  return y;
}

/** out[o, j..., i] = x[o, idx[j...], i] with outer = prod(shape[:axis]), inner = prod(shape[axis+1:]). */
export function gather(x: TypedArray, shape: Shape, idx: TypedArray, axis: number, out: AbstractValue): TypedArray {
  const outer = sizeOf(shape.slice(0, axis)), inner = sizeOf(shape.slice(axis + 1)), n = shape[axis];
  const y = arrayFor(out.dtype, outer * idx.length * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idx.length; j++) {
      const k = idx[j];
      if (k < 0 || k >= n) throw new RangeError(`gather: index ${k} is out of range for axis ${axis} of size ${n}`);
      const src = (o * n + k) * inner, dst = (o * idx.length + j) * inner;
      for (let i = 0; i < inner; i++) y[dst + i] = x[src + i];
    }
  }
  return y;
}

export function scatterAdd(g: TypedArray, idx: TypedArray, axis: number, out: AbstractValue): TypedArray {
  const shape = out.shape;
  const outer = sizeOf(shape.slice(0, axis)), inner = sizeOf(shape.slice(axis + 1)), n = shape[axis];
  const y = arrayFor(out.dtype, sizeOf(shape));
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idx.length; j++) {
      const k = idx[j];
      if (k < 0 || k >= n) throw new RangeError(`scatterAdd: index ${k} is out of range for axis ${axis} of size ${n}`);
      const dst = (o * n + k) * inner, src = (o * idx.length + j) * inner;
      for (let i = 0; i < inner; i++) y[dst + i] += g[src + i];
    }
  }
  return y;
}
