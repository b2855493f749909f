import type { Shape, TypedArray } from '../../base/dtype.ts';
import { arrayFor, sizeOf } from '../../base/dtype.ts';
import type { Activation, AbstractValue, BinaryPrim, UnaryPrim } from '../../base/prims.ts';
import { stridedOffsets } from './strided.ts';
import { broadcastStrides } from '../../base/dtype.ts';

type Fn1 = (x: number) => number;
type Fn2 = (a: number, b: number) => number;

/** Each unary primitive on one value: the single definition every backend follows. */
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

/** Each binary primitive on two values; comparisons give 0/1; maximum/minimum propagate NaN. */
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

/** int32 arithmetic as the GPU does it: division truncates (x / 0 = 0), products wrap. */
export const INT_FNS: Partial<Record<BinaryPrim, Fn2>> = {
  div: (a, b) => (b === 0 ? 0 : Math.trunc(a / b)),
  mul: (a, b) => Math.imul(a, b),
};

/** The activations of the fused epilogues, as the unfused ops compute them. */
export const ACTIVATION_FNS: { [A in Activation]: (z: number, slope: number) => number } = {
  none: (z) => z,
  relu: (z) => (z > 0 ? z : 0),
  leakyRelu: (z, s) => (z > 0 ? z : z * s),
  tanh: Math.tanh,
  sigmoid: (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))),
};

/** Offsets of an operand of shape `s` read broadcast to `out`. */
const offsets = (s: Shape, out: Shape) => stridedOffsets(out, broadcastStrides(s, out));

export function unary(p: UnaryPrim, x: TypedArray, out: AbstractValue): TypedArray {
  const f = UNARY_FNS[p];
  const y = arrayFor(out.dtype, x.length);
  for (let i = 0; i < x.length; i++) y[i] = f(x[i]);
  return y;
}

export function binary(p: BinaryPrim, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: AbstractValue): TypedArray {
  const f = (out.dtype === 'int32' && INT_FNS[p]) || BINARY_FNS[p];
  const ia = offsets(aShape, out.shape), ib = offsets(bShape, out.shape);
  const y = arrayFor(out.dtype, ia.length);
  for (let i = 0; i < y.length; i++) y[i] = f(a[ia[i]], b[ib[i]]);
  return y;
}

/** cond != 0 ? a : b, all three broadcast. */
export function where(c: TypedArray, cShape: Shape, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: AbstractValue): TypedArray {
  const ic = offsets(cShape, out.shape), ia = offsets(aShape, out.shape), ib = offsets(bShape, out.shape);
  const y = arrayFor(out.dtype, sizeOf(out.shape));
  for (let i = 0; i < y.length; i++) y[i] = c[ic[i]] !== 0 ? a[ia[i]] : b[ib[i]];
  return y;
}

/** float → int truncates toward zero (like torch's .to(int32)); other casts round to the target. */
export function cast(x: TypedArray, out: AbstractValue): TypedArray {
  const y = arrayFor(out.dtype, x.length);
  for (let i = 0; i < x.length; i++) y[i] = out.dtype === 'int32' ? Math.trunc(x[i]) : x[i];
  return y;
}
