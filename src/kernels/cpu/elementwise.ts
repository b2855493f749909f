import type { Shape, TypedArray } from '../../tensor/dtype.ts';
import { arrayFor } from '../../tensor/dtype.ts';
import type { BinaryPrim, UnaryPrim } from '../../tensor/prims.ts';
import type { AbstractValue } from '../../tensor/prims.ts';
import { broadcastStrides, stridedOffsets } from './strided.ts';

type Fn1 = (x: number) => number;
type Fn2 = (a: number, b: number) => number;

export const UNARY_FNS: { [P in UnaryPrim]: Fn1 } = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x), // sign(0) = 0, sign(NaN) = NaN
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  // σ(x) = 1 / (1 + e^{-x}), written to avoid overflow for large |x|
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  relu: (x) => (x > 0 ? x : 0),
  floor: Math.floor,
};

export const BINARY_FNS: { [P in BinaryPrim]: Fn2 } = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (a >= b || Number.isNaN(a) ? a : b),
  minimum: (a, b) => (a <= b || Number.isNaN(a) ? a : b),
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
};

/** Integer division truncates, as int32 arithmetic does on the GPU. */
const INT_FIX: Partial<Record<BinaryPrim, Fn2>> = {
  div: (a, b) => (b === 0 ? 0 : Math.trunc(a / b)),
  mul: (a, b) => Math.imul(a, b),
};

export function unary(p: UnaryPrim, x: TypedArray, out: AbstractValue): TypedArray {
  const f = UNARY_FNS[p];
  const y = arrayFor(out.dtype, x.length);
  for (let i = 0; i < x.length; i++) y[i] = f(x[i]);
  return y;
}

/**
 * Offsets of an operand broadcast to `outShape`, or null when the operand is a suffix of the
 * output shape (a scalar, the same shape, a bias row): then element i reads operand[i % length].
 */
function offsetsOrNull(inShape: Shape, outShape: Shape): Int32Array | Float64Array | null {
  const off = outShape.length - inShape.length;
  let p = 0;
  while (p < inShape.length && inShape[p] === 1) p++;
  let suffix = true;
  for (let d = p; d < inShape.length; d++) if (inShape[d] !== outShape[off + d]) suffix = false;
  return suffix ? null : stridedOffsets(outShape, broadcastStrides(inShape, outShape));
}

export function binary(p: BinaryPrim, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: AbstractValue): TypedArray {
  const f = (out.dtype === 'int32' && INT_FIX[p]) || BINARY_FNS[p];
  const n = out.shape.reduce((x, y) => x * y, 1);
  const y = arrayFor(out.dtype, n);
  if (a.length === n && b.length === n) {
    for (let i = 0; i < n; i++) y[i] = f(a[i], b[i]);
  } else if (b.length === 1 && a.length === n) {
    const bv = b[0];
    for (let i = 0; i < n; i++) y[i] = f(a[i], bv);
  } else if (a.length === 1 && b.length === n) {
    const av = a[0];
    for (let i = 0; i < n; i++) y[i] = f(av, b[i]);
  } else {
    const ia = offsetsOrNull(aShape, out.shape), ib = offsetsOrNull(bShape, out.shape);
    const na = a.length, nb = b.length;
    for (let i = 0; i < n; i++) y[i] = f(a[ia ? ia[i] : i % na], b[ib ? ib[i] : i % nb]);
  }
  return y;
}

export function where(c: TypedArray, cShape: Shape, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: AbstractValue): TypedArray {
  const n = out.shape.reduce((x, y) => x * y, 1);
  const y = arrayFor(out.dtype, n);
  const ic = offsetsOrNull(cShape, out.shape), ia = offsetsOrNull(aShape, out.shape), ib = offsetsOrNull(bShape, out.shape);
  const nc = c.length, na = a.length, nb = b.length;
  for (let i = 0; i < n; i++) y[i] = c[ic ? ic[i] : i % nc] !== 0 ? a[ia ? ia[i] : i % na] : b[ib ? ib[i] : i % nb];
  return y;
}

export function cast(x: TypedArray, out: AbstractValue): TypedArray {
  const y = arrayFor(out.dtype, x.length);
  // float -> int truncates toward zero (like torch's .to(int32))
  if (out.dtype === 'int32') for (let i = 0; i < x.length; i++) y[i] = Math.trunc(x[i]);
  else y.set(x);
  return y;
}
