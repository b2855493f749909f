import type { Shape, TypedArray } from '../../base/dtype.ts';
import { arrayFor } from '../../base/dtype.ts';
import type { BinaryPrim, UnaryPrim } from '../../base/prims.ts';
import type { AbstractValue } from '../../base/prims.ts';
import { stridedOffsets } from '../ref/strided.ts';
import { broadcastStrides } from '../../base/dtype.ts';
import { BINARY_FNS, INT_FNS, UNARY_FNS } from '../ref/elementwise.ts';

type Fn1 = (x: number) => number;
type Fn2 = (a: number, b: number) => number;

/**
 * Loops specialised per op. A single loop calling `f(a[i], b[i])` sees every op at one call site,
 * which V8 cannot inline; closures made from one function literal share that site too. So the
 * loops are written once (`binaryLoops`, `unaryLoop`, self-contained) and `specialise` compiles a
 * fresh copy of that source per op (`new Function`) with the op's function (from the reference
 * tables, the single definition of each op) bound in: every copy has its own call site, which V8 inlines
 * (a shared call site deopts with `wrong call target` on every op change; several times slower,
 * docs/benchmarks.md, "Kernel routes").
 * Where `new Function` is refused (a Content-Security-Policy without 'unsafe-eval') the same loops
 * run uncompiled; the results are identical.
 */
type Loop2 = (y: TypedArray, a: TypedArray, b: TypedArray, n: number, m: number) => void;
interface Loops2 { same: Loop2; scalarB: Loop2; scalarA: Loop2; rowB: Loop2; rowA: Loop2 }
type Loop1 = (y: TypedArray, x: TypedArray) => void;

function binaryLoops(f: Fn2): Loops2 {
  return {
    same: (Y, A, B, n) => { for (let i = 0; i < n; i++) Y[i] = f(A[i], B[i]); },
    scalarB: (Y, A, B, n) => { const b = B[0]; for (let i = 0; i < n; i++) Y[i] = f(A[i], b); },
    scalarA: (Y, A, B, n) => { const a = A[0]; for (let i = 0; i < n; i++) Y[i] = f(a, B[i]); },
    // the other operand is a suffix of the output (a bias row): rows of length m
    rowB: (Y, A, B, n, m) => { for (let r = 0; r < n; r += m) for (let j = 0; j < m; j++) Y[r + j] = f(A[r + j], B[j]); },
    rowA: (Y, A, B, n, m) => { for (let r = 0; r < n; r += m) for (let j = 0; j < m; j++) Y[r + j] = f(A[j], B[r + j]); },
  };
}
/**
 * Any broadcast, as up to four nested loops over the output with a stride per operand (0 along a
 * broadcast axis): the bias, per-channel scale and per-sample cases ([N,C,H,W] with [1,C,1,1] or
 * [N,C,1,1]) at the speed of the plain loop, without an offsets array.
 */
type LoopStrided = (Y: TypedArray, A: TypedArray, B: TypedArray, d: number[], sa: number[], sb: number[]) => void;
function stridedLoop(f: Fn2): LoopStrided {
  return (Y, A, B, d, sa, sb) => {
    const n0 = d[0], n1 = d[1], n2 = d[2], n3 = d[3];
    const a0 = sa[0], a1 = sa[1], a2 = sa[2], a3 = sa[3], b0 = sb[0], b1 = sb[1], b2 = sb[2], b3 = sb[3];
    let i = 0;
    for (let i0 = 0; i0 < n0; i0++) {
      for (let i1 = 0; i1 < n1; i1++) {
        for (let i2 = 0; i2 < n2; i2++) {
          const oa = i0 * a0 + i1 * a1 + i2 * a2, ob = i0 * b0 + i1 * b1 + i2 * b2;
          for (let i3 = 0; i3 < n3; i3++) Y[i++] = f(A[oa + i3 * a3], B[ob + i3 * b3]);
        }
      }
    }
  };
}

/**
 * The output shape and both operands' broadcast strides with size-1 axes dropped and adjacent
 * axes merged where both operands run contiguously across them; padded to four axes in front.
 * Null when more than four axes remain.
 */
function collapseBroadcast(outShape: Shape, aShape: Shape, bShape: Shape): [number[], number[], number[]] | null {
  const sa0 = broadcastStrides(aShape, outShape), sb0 = broadcastStrides(bShape, outShape);
  const d: number[] = [], sa: number[] = [], sb: number[] = [];
  for (let k = 0; k < outShape.length; k++) {
    if (outShape[k] === 1) continue;
    const last = d.length - 1;
    if (last >= 0 && sa[last] === sa0[k] * outShape[k] && sb[last] === sb0[k] * outShape[k]) {
      d[last] *= outShape[k]; sa[last] = sa0[k]; sb[last] = sb0[k];
    } else { d.push(outShape[k]); sa.push(sa0[k]); sb.push(sb0[k]); }
  }
  if (d.length > 4) return null;
  while (d.length < 4) { d.unshift(1); sa.unshift(0); sb.unshift(0); }
  return [d, sa, sb];
}

function unaryLoop(f: Fn1): Loop1 {
  return (Y, X) => { for (let i = 0; i < X.length; i++) Y[i] = f(X[i]); };
}

/**
 * `make(f)` from a freshly compiled copy of `make`'s source, or `make(f)` itself where eval is
 * refused. The copy's source ends in a comment naming `key`: V8 caches `new Function` by its
 * source text, so copies of identical text would share one compiled function (and its type
 * feedback), putting every op back at one call site.
 */
export function specialise<F, T>(make: (f: F) => T, f: F, key: string): T {
  try {
    return (new Function(`return ${make.toString()} // ${key}`)() as (f: F) => T)(f);
  } catch {
    return make(f);
  }
}
export const mapValues = <K extends string, V, W>(o: Partial<Record<K, V>>, fn: (v: V, k: K) => W) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, fn(v as V, k as K)])) as Record<K, W>;
const LOOPS1 = mapValues(UNARY_FNS, (f, k) => specialise(unaryLoop, f, k));
const LOOPS2 = mapValues(BINARY_FNS, (f, k) => specialise(binaryLoops, f, k));
const INT_LOOPS2: Partial<Record<BinaryPrim, Loops2>> = mapValues(INT_FNS, (f, k) => specialise(binaryLoops, f, `int32 ${k}`));
const STRIDED = mapValues(BINARY_FNS, (f, k) => specialise(stridedLoop, f, `strided ${k}`));
const INT_STRIDED: Partial<Record<BinaryPrim, LoopStrided>> = mapValues(INT_FNS, (f, k) => specialise(stridedLoop, f, `strided int32 ${k}`));

/**
 * Branch-free selection for 4-byte elements. `c ? a : b` over values whose signs are random (an
 * activation, its gradient) mispredicts about every other element; so relu, where and the fused
 * relu / leakyRelu epilogue (epilogue.ts) select bits, `(a & m) | (b & ~m)` on Int32 views, with
 * the mask computed from the bits in integer arithmetic only (a comparison turned into a number
 * compiled to a branch again in V8's mid tier). The bits are the ones the ternaries pick, so the
 * results are identical (relu(NaN) = 0, as `x > 0 ? x : 0`). bench/cpu-elementwise.bench.ts.
 */
export const bits = (a: TypedArray): Int32Array => (a instanceof Int32Array ? a : new Int32Array(a.buffer, a.byteOffset, a.length));
export const is4Bytes = (a: TypedArray): boolean => a.BYTES_PER_ELEMENT === 4;
/** -1 where the float32 with bits b is > 0 (0 < b ≤ +Infinity's bits, so not NaN), else 0. */
export const positiveMask = (b: number): number => ((-b | 0) & ((b - 0x7f800001) | 0)) >> 31;
/** -1 where the value with bits b is not 0 (float32: shift 1 drops the sign of ±0; int32: shift 0). */
const nonzeroMask = (b: number, shift: number): number => {
  const t = b << shift;
  return (t | -t) >> 31;
};
function reluBits(Y: Int32Array, XB: Int32Array): void {
  for (let i = 0; i < XB.length; i++) { const b = XB[i]; Y[i] = b & positiveMask(b); }
}

export function unary(p: UnaryPrim, x: TypedArray, out: AbstractValue): TypedArray {
  const y = arrayFor(out.dtype, x.length);
  if (p === 'relu' && x instanceof Float32Array) reluBits(bits(y), bits(x));
  else LOOPS1[p](y, x);
  return y;
}

/**
 * Offsets of an operand broadcast to `outShape`, or null when the operand is a suffix of the
 * output shape (a scalar, the same shape, a bias row): then element i reads operand[i % length].
 */
function offsetsOrNull(inShape: Shape, outShape: Shape): Int32Array | Float64Array | null {
  return isSuffix(inShape, outShape) ? null : stridedOffsets(outShape, broadcastStrides(inShape, outShape));
}

/** The operand, leading 1s dropped, is a suffix of the output shape: element i reads operand[i % length]. */
function isSuffix(inShape: Shape, outShape: Shape): boolean {
  const off = outShape.length - inShape.length;
  let p = 0;
  while (p < inShape.length && inShape[p] === 1) p++;
  for (let d = p; d < inShape.length; d++) if (inShape[d] !== outShape[off + d]) return false;
  return true;
}

export function binary(p: BinaryPrim, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: AbstractValue): TypedArray {
  const f = (out.dtype === 'int32' && INT_FNS[p]) || BINARY_FNS[p];
  const loops = (out.dtype === 'int32' && INT_LOOPS2[p]) || LOOPS2[p];
  const n = out.shape.reduce((x, y) => x * y, 1);
  const y = arrayFor(out.dtype, n);
  if (n === 0) return y;
  if (a.length === n && b.length === n) {
    loops.same(y, a, b, n, n);
  } else if (b.length === 1 && a.length === n) {
    loops.scalarB(y, a, b, n, 1);
  } else if (a.length === 1 && b.length === n) {
    loops.scalarA(y, a, b, n, 1);
  } else {
    const sa = isSuffix(aShape, out.shape), sb = isSuffix(bShape, out.shape);
    if (sa && sb && a.length === n) return loops.rowB(y, a, b, n, b.length), y;
    if (sa && sb && b.length === n) return loops.rowA(y, a, b, n, a.length), y;
    const c = collapseBroadcast(out.shape, aShape, bShape);
    if (c) return ((out.dtype === 'int32' && INT_STRIDED[p]) || STRIDED[p])(y, a, b, c[0], c[1], c[2]), y;
    const ia = offsetsOrNull(aShape, out.shape), ib = offsetsOrNull(bShape, out.shape);
    const na = a.length, nb = b.length;
    for (let i = 0; i < n; i++) y[i] = f(a[ia ? ia[i] : i % na], b[ib ? ib[i] : i % nb]);
  }
  return y;
}

/**
 * where's loops for operands that are each full-size or a scalar (relu's and leakyRelu's backward,
 * clamps): the condition full-size, each value full or scalar. Compiled once per output type
 * (`specialise`), so each loop sees one array type at its loads and stores.
 */
type LoopWhere = (Y: TypedArray, C: TypedArray, A: TypedArray, B: TypedArray) => void;
interface WhereLoops { ff: LoopWhere; fs: LoopWhere; sf: LoopWhere; ss: LoopWhere }
function whereLoops(_: null): WhereLoops {
  return {
    ff: (Y, C, A, B) => { for (let i = 0; i < Y.length; i++) Y[i] = C[i] !== 0 ? A[i] : B[i]; },
    fs: (Y, C, A, B) => { const b = B[0]; for (let i = 0; i < Y.length; i++) Y[i] = C[i] !== 0 ? A[i] : b; },
    sf: (Y, C, A, B) => { const a = A[0]; for (let i = 0; i < Y.length; i++) Y[i] = C[i] !== 0 ? a : B[i]; },
    ss: (Y, C, A, B) => { const a = A[0], b = B[0]; for (let i = 0; i < Y.length; i++) Y[i] = C[i] !== 0 ? a : b; },
  };
}
const WHERE: Record<string, WhereLoops> = {};
const whereFor = (dtype: string) => (WHERE[dtype] ??= specialise(whereLoops, null, `where ${dtype}`));
/**
 * The same loops selecting bits: Y, A, B are Int32 views of 4-byte values, C the Int32 view of a
 * 4-byte condition (`shift` 1 for float32, 0 for int32).
 */
type LoopWhereBits = (Y: Int32Array, C: Int32Array, A: Int32Array, B: Int32Array, shift: number) => void;
interface WhereBitsLoops { ff: LoopWhereBits; fs: LoopWhereBits; sf: LoopWhereBits; ss: LoopWhereBits }
const WHERE_BITS: WhereBitsLoops = {
  ff: (Y, C, A, B, s) => { for (let i = 0; i < Y.length; i++) { const m = nonzeroMask(C[i], s); Y[i] = (A[i] & m) | (B[i] & ~m); } },
  fs: (Y, C, A, B, s) => { const b = B[0]; for (let i = 0; i < Y.length; i++) { const m = nonzeroMask(C[i], s); Y[i] = (A[i] & m) | (b & ~m); } },
  sf: (Y, C, A, B, s) => { const a = A[0]; for (let i = 0; i < Y.length; i++) { const m = nonzeroMask(C[i], s); Y[i] = (a & m) | (B[i] & ~m); } },
  ss: (Y, C, A, B, s) => { const a = A[0], b = B[0]; for (let i = 0; i < Y.length; i++) { const m = nonzeroMask(C[i], s); Y[i] = (a & m) | (b & ~m); } },
};

export function where(c: TypedArray, cShape: Shape, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: AbstractValue): TypedArray {
  const n = out.shape.reduce((x, y) => x * y, 1);
  const y = arrayFor(out.dtype, n);
  const nc = c.length, na = a.length, nb = b.length;
  if (nc === n && (na === n || na === 1) && (nb === n || nb === 1)) {
    const pick = <L>(l: { ff: L; fs: L; sf: L; ss: L }) => (na === n ? (nb === n ? l.ff : l.fs) : nb === n ? l.sf : l.ss);
    if (is4Bytes(y) && is4Bytes(a) && is4Bytes(b) && is4Bytes(c)) pick(WHERE_BITS)(bits(y), bits(c), bits(a), bits(b), c instanceof Int32Array ? 0 : 1);
    else pick(whereFor(out.dtype))(y, c, a, b);
    return y;
  }
  const ic = offsetsOrNull(cShape, out.shape), ia = offsetsOrNull(aShape, out.shape), ib = offsetsOrNull(bShape, out.shape);
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
