import { type DType, type Shape, type TypedArray, arrayFor, fmtShape, isFloat, sizeOf } from '../base/dtype.ts';
import { ShapeError } from '../base/errors.ts';
import type { BinaryPrim, Conv2dParams, UnaryPrim } from '../base/prims.ts';
import { type ActivationOpts, conv2dBiasAct, matmulBiasAct } from './epilogue.ts';
import { fuseBiasActivation } from './fusion.ts';
import { takeBlocks } from './random.ts';
import { broadcastShapes, checkInt, checkShape, convOutSize, convTransposeOutSize, normAxis, pair, type Pair } from './shape.ts';
import { Tensor, apply, fromData } from './tensor.ts';

export type TensorLike = Tensor | number;
export interface CreateOpts {
  dtype?: DType;
  requiresGrad?: boolean;
}

// ---------------------------------------------------------------- creation

type Nested = number | boolean | Nested[];

function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let d: Nested = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    d = d[0];
  }
  return shape;
}

function finish(t: Tensor, opts: CreateOpts): Tensor {
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** tensor([[1,2],[3,4]]), tensor(typedArray, shape), tensor(3.5). */
export function tensor(data: Nested | TypedArray, shape?: Shape, opts: CreateOpts = {}): Tensor {
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (ArrayBuffer.isView(data)) {
    flat = data as TypedArray;
    inferred = [flat.length];
  } else {
    inferred = inferShape(data);
    const out: number[] = [];
    const walk = (d: Nested, depth: number): void => {
      if (Array.isArray(d)) {
        if (d.length !== inferred[depth]) throw new ShapeError('tensor', `ragged nested array: expected ${inferred[depth]} items at depth ${depth}, got ${d.length}`);
        for (const x of d) walk(x, depth + 1);
      } else {
        if (depth !== inferred.length) throw new ShapeError('tensor', `ragged nested array at depth ${depth}`);
        out.push(Number(d));
      }
    };
    walk(data as Nested, 0);
    flat = out;
  }
  const s = shape ?? inferred;
  checkShape('tensor', s);
  if (sizeOf(s) !== flat.length) throw new ShapeError('tensor', `${flat.length} values do not fill shape ${fmtShape(s)}`);
  const dtype = opts.dtype ?? (data instanceof Int32Array ? 'int32' : data instanceof Float64Array ? 'float64' : 'float32');
  const arr = arrayFor(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) arr[i] = flat[i];
  return finish(fromData(arr, s, dtype), opts);
}

export function full(shape: Shape, value: number, opts: CreateOpts = {}): Tensor {
  return filled('full', shape, value, opts);
}

/** full(), with errors naming the creating op (zeros, ones, ...). */
function filled(op: string, shape: Shape, value: number, opts: CreateOpts): Tensor {
  checkShape(op, shape);
  const dtype = opts.dtype ?? 'float32';
  const arr = arrayFor(dtype, sizeOf(shape));
  arr.fill(value);
  return finish(fromData(arr, shape, dtype), opts);
}
export const zeros = (shape: Shape, opts: CreateOpts = {}) => filled('zeros', shape, 0, opts);
export const ones = (shape: Shape, opts: CreateOpts = {}) => filled('ones', shape, 1, opts);
export const scalar = (v: number, dtype: DType = 'float32') => full([], v, { dtype });

/** arange(end) or arange(start, end, step), like torch.arange. */
export function arange(start: number, end?: number, step = 1, opts: CreateOpts = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  for (const [n, v] of [['start', start], ['end', end], ['step', step]] as const) {
    if (!Number.isFinite(v)) throw new ShapeError('arange', `${n} must be finite, got ${v}`);
  }
  if (step === 0) throw new ShapeError('arange', 'step must be non-zero');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = opts.dtype ?? (Number.isInteger(start) && Number.isInteger(step) ? 'int32' : 'float32');
  const arr = arrayFor(dtype, n);
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  return finish(fromData(arr, [n], dtype), opts);
}

export function eye(n: number, opts: CreateOpts = {}): Tensor {
  checkInt('eye', 'n', n);
  const arr = arrayFor(opts.dtype ?? 'float32', n * n);
  for (let i = 0; i < n; i++) arr[i * n + i] = 1;
  return finish(fromData(arr, [n, n], opts.dtype ?? 'float32'), opts);
}

/** Uniform [0, 1) from the global Philox stream. */
export function rand(shape: Shape, opts: CreateOpts = {}): Tensor {
  checkShape('rand', shape);
  const { seed, offset } = takeBlocks(sizeOf(shape));
  return finish(apply('randUniform', [], { shape, dtype: opts.dtype ?? 'float32', seed, offset }), opts);
}

/** Standard normal from the global Philox stream (Box-Muller). */
export function randn(shape: Shape, opts: CreateOpts = {}): Tensor {
  checkShape('randn', shape);
  const { seed, offset } = takeBlocks(sizeOf(shape));
  return finish(apply('randNormal', [], { shape, dtype: opts.dtype ?? 'float32', seed, offset }), opts);
}

/** Integers uniform in [low, high), int32. */
export function randint(low: number, high: number, shape: Shape): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new ShapeError('randint', `needs integers low < high, got ${low}, ${high}`);
  const u = rand(shape);
  const r = floor(add(mul(u, high - low), low));
  const out = cast(r, 'int32');
  u.dispose(); r.dispose();
  return out;
}

export const zerosLike = (t: Tensor, opts: CreateOpts = {}) => zeros(t.shape, { dtype: t.dtype, ...opts });
export const onesLike = (t: Tensor, opts: CreateOpts = {}) => ones(t.shape, { dtype: t.dtype, ...opts });
export const fullLike = (t: Tensor, v: number, opts: CreateOpts = {}) => full(t.shape, v, { dtype: t.dtype, ...opts });
export const randLike = (t: Tensor, opts: CreateOpts = {}) => rand(t.shape, { dtype: t.dtype, ...opts });
export const randnLike = (t: Tensor, opts: CreateOpts = {}) => randn(t.shape, { dtype: t.dtype, ...opts });

// ---------------------------------------------------------------- elementwise

function lift(x: TensorLike, like: Tensor, op: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw new ShapeError(op, `expected a Tensor or a number, got ${typeof x}`);
  return full([], x, { dtype: like.dtype });
}

function un(p: UnaryPrim) {
  return (x: Tensor): Tensor => apply(p, [x], {});
}

function bin(p: BinaryPrim) {
  return (a: TensorLike, b: TensorLike): Tensor => {
    if (!(a instanceof Tensor) && !(b instanceof Tensor)) throw new ShapeError(p, 'needs at least one Tensor argument');
    const ta = lift(a, b as Tensor, p);
    const tb = lift(b, ta, p);
    const out = apply(p, [ta, tb], {});
    // a lifted constant is an input of the graph node (the vjp reads it): free it only when no node holds it
    if (!out.node) {
      if (ta !== a) ta.dispose();
      if (tb !== b) tb.dispose();
    }
    return out;
  };
}

export const neg = un('neg');
export const abs = un('abs');
export const sign = un('sign');
export const exp = un('exp');
export const log = un('log');
export const sqrt = un('sqrt');
export const sin = un('sin');
export const cos = un('cos');
export const tanh = un('tanh');
export const sigmoid = un('sigmoid');
export const relu = un('relu');
export const floor = un('floor');

export const add = bin('add');
export const sub = bin('sub');
export const mul = bin('mul');
export const div = bin('div');
export const pow = bin('pow');
export const maximum = bin('maximum');
export const minimum = bin('minimum');
export const eq = bin('eq');
export const ne = bin('ne');
export const lt = bin('lt');
export const le = bin('le');
export const gt = bin('gt');
export const ge = bin('ge');

export const square = (x: Tensor) => mul(x, x);
/** 1/sqrt(x) */
export const rsqrt = (x: Tensor) => div(1, sqrt(x));
/** max(x, a·x) for 0 ≤ a ≤ 1 (PyTorch's default a = 0.01) */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  if (!Number.isFinite(negativeSlope)) throw new ShapeError('leakyRelu', `negativeSlope must be finite, got ${negativeSlope}`);
  return where(gt(x, 0), x, mul(x, negativeSlope));
}
/** softplus(x) = log(1 + e^x) = relu(x) + log(1 + e^{-|x|})  (stable for large |x|) */
export const softplus = (x: Tensor) => add(relu(x), log(add(exp(neg(abs(x))), 1)));
/** log(1 + x), accurate where x is not tiny */
export const log1p = (x: Tensor) => log(add(x, 1));

/** where(cond, a, b): a where cond != 0, else b; broadcasting. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : cond;
  const dt = isFloat(like.dtype) ? like.dtype : 'float32';
  const ta = a instanceof Tensor ? a : full([], a, { dtype: dt });
  const tb = b instanceof Tensor ? b : full([], b, { dtype: dt });
  const out = apply('where', [cond, ta, tb], {});
  if (!out.node) {
    if (ta !== a) ta.dispose();
    if (tb !== b) tb.dispose();
  }
  return out;
}

export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  if ((min !== undefined && Number.isNaN(min)) || (max !== undefined && Number.isNaN(max))) throw new ShapeError('clamp', `bounds must not be NaN (min ${min}, max ${max})`);
  let y = x;
  if (min !== undefined) y = maximum(y, min);
  if (max !== undefined) y = minimum(y, max);
  return y === x ? mul(x, 1) : y;
}

export function cast(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : apply('cast', [x], { dtype });
}

// ---------------------------------------------------------------- reductions

export type Axes = number | number[] | undefined;

function normAxes(op: string, axes: Axes, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  return [...new Set(list.map((a) => normAxis(op, a, rank)))].sort((a, b) => a - b);
}

function dropAxes(x: Tensor, axes: number[], keepdim: boolean): Tensor {
  if (keepdim) return x;
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

export function sum(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const ax = normAxes('sum', axes, x.ndim);
  return dropAxes(apply('sum', [x], { axes: ax }), ax, keepdim);
}

export function mean(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const ax = normAxes('mean', axes, x.ndim);
  const n = ax.reduce((a, i) => a * x.shape[i], 1);
  return div(sum(x, ax, keepdim), n);
}

export function max(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const ax = normAxes('max', axes, x.ndim);
  return dropAxes(apply('max', [x], { axes: ax }), ax, keepdim);
}

export const min = (x: Tensor, axes?: Axes, keepdim = false) => neg(max(neg(x), axes, keepdim));

export function argmax(x: Tensor, axis?: number, keepdim = false): Tensor {
  if (axis === undefined) return argmax(reshape(x, [-1]), 0, keepdim);
  const a = normAxis('argmax', axis, x.ndim);
  return dropAxes(apply('argmax', [x], { axis: a }), [a], keepdim);
}
export const argmin = (x: Tensor, axis?: number, keepdim = false) => argmax(neg(x), axis, keepdim);

/** Variance with Bessel's correction by default (torch.var: correction = 1). */
export function variance(x: Tensor, axes?: Axes, keepdim = false, correction = 1): Tensor {
  const ax = normAxes('var', axes, x.ndim);
  const n = ax.reduce((a, i) => a * x.shape[i], 1);
  const d = sub(x, mean(x, ax, true));
  return div(sum(mul(d, d), ax, keepdim), Math.max(0, n - correction));
}
export const std = (x: Tensor, axes?: Axes, keepdim = false, correction = 1) => sqrt(variance(x, axes, keepdim, correction));

/** log Σ exp(x) = m + log Σ exp(x − m), m = max x (detached: the result does not depend on m). */
export function logsumexp(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const ax = normAxes('logsumexp', axes, x.ndim);
  const m = max(x.detach(), ax, true);
  // an all -inf slice would give -inf - -inf = NaN; shift by 0 there
  const safe = where(eq(abs(m), Infinity), 0, m);
  const s = add(log(sum(exp(sub(x, safe)), ax, true)), safe);
  return dropAxes(s, ax, keepdim);
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return sub(x, logsumexp(x, axis, true));
}

export function softmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis('softmax', axis, x.ndim);
  const e = exp(sub(x, max(x.detach(), a, true)));
  return div(e, sum(e, a, true));
}

// ---------------------------------------------------------------- movement

export function reshape(x: Tensor, shape: Shape): Tensor {
  const s = [...shape];
  const inferAt = s.indexOf(-1);
  if (inferAt >= 0) {
    if (s.indexOf(-1, inferAt + 1) >= 0) throw new ShapeError('reshape', `only one dimension can be -1, got ${fmtShape(shape)}`);
    const rest = s.reduce((a, d, i) => (i === inferAt ? a : a * d), 1);
    if (rest === 0 || x.size % rest !== 0) throw new ShapeError('reshape', `cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`);
    s[inferAt] = x.size / rest;
  }
  return apply('reshape', [x], { shape: s });
}
export const view = reshape;

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normAxis('flatten', startDim, x.ndim, 'startDim');
  const e = normAxis('flatten', endDim, x.ndim, 'endDim');
  if (e < s) throw new ShapeError('flatten', `endDim ${endDim} comes before startDim ${startDim} for ${fmtShape(x.shape)}`);
  const mid = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), mid, ...x.shape.slice(e + 1)]);
}

export function permute(x: Tensor, perm: number[]): Tensor {
  const p = perm.map((a) => normAxis('permute', a, x.ndim));
  return apply('permute', [x], { perm: p });
}

export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  const a = normAxis('transpose', dim0, x.ndim), b = normAxis('transpose', dim1, x.ndim);
  const perm = Array.from({ length: x.ndim }, (_, i) => i);
  [perm[a], perm[b]] = [perm[b], perm[a]];
  return apply('permute', [x], { perm });
}

/** torch.expand: -1 keeps a dimension. */
export function expand(x: Tensor, shape: Shape): Tensor {
  const off = shape.length - x.ndim;
  const s = shape.map((d, i) => (d === -1 && i >= off ? x.shape[i - off] : d));
  if (s.length === x.ndim && s.every((d, i) => d === x.shape[i])) return x;
  return apply('expand', [x], { shape: s });
}
export const broadcastTo = expand;

export function squeeze(x: Tensor, dim?: number | number[]): Tensor {
  const dims = dim === undefined ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : normAxes('squeeze', dim, x.ndim);
  return reshape(x, x.shape.filter((d, i) => !(dims.includes(i) && d === 1)));
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normAxis('unsqueeze', dim, x.ndim + 1, 'dim');
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

/** Python-style slicing per axis: [start, end, step] with negative indices; step > 0. */
export type SliceSpec = [start?: number, end?: number, step?: number] | number | null;

export function slice(x: Tensor, specs: SliceSpec[]): Tensor {
  if (specs.length > x.ndim) throw new ShapeError('slice', `${specs.length} slices for a tensor of rank ${x.ndim} ${fmtShape(x.shape)}`);
  const starts: number[] = [], steps: number[] = [], shape: number[] = [];
  const dropped: number[] = [];
  x.shape.forEach((n, i) => {
    const sp = specs[i];
    if (typeof sp === 'number') {
      const k = sp < 0 ? sp + n : sp;
      if (!Number.isInteger(sp) || k < 0 || k >= n) throw new ShapeError('slice', `index ${sp} is out of range for dim ${i} of size ${n} (input ${fmtShape(x.shape)})`);
      starts.push(k); steps.push(1); shape.push(1); dropped.push(i);
      return;
    }
    const [s0, e0, st = 1] = sp ?? [];
    if (!Number.isInteger(st) || st <= 0) throw new ShapeError('slice', `step must be a positive integer, got ${st}`);
    for (const v of [s0, e0]) if (v !== undefined && !Number.isInteger(v)) throw new ShapeError('slice', `bounds must be integers, got ${v}`);
    const clampIdx = (v: number) => Math.min(n, Math.max(0, v < 0 ? v + n : v));
    const s = s0 === undefined ? 0 : clampIdx(s0);
    const e = e0 === undefined ? n : clampIdx(e0);
    starts.push(s); steps.push(st); shape.push(Math.max(0, Math.ceil((e - s) / st)));
  });
  const y = apply('slice', [x], { starts: starts.map((s, i) => (shape[i] === 0 ? 0 : s)), steps, shape });
  return dropped.length ? reshape(y, shape.filter((_, i) => !dropped.includes(i))) : y;
}

/** torch.narrow */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normAxis('narrow', dim, x.ndim, 'dim');
  checkInt('narrow', 'length', length);
  const s = start < 0 ? start + x.shape[d] : start;
  if (!Number.isInteger(s) || s < 0 || s + length > x.shape[d]) throw new ShapeError('narrow', `start ${start} + length ${length} exceeds dim ${d} of size ${x.shape[d]} (input ${fmtShape(x.shape)})`);
  const specs: SliceSpec[] = x.shape.map(() => null);
  specs[d] = [s, s + length];
  return slice(x, specs);
}

/**
 * Constant pad, torch.nn.functional.pad order: pads = [lastBefore, lastAfter, prevBefore, ...].
 */
export function pad(x: Tensor, pads: number[], value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) throw new ShapeError('pad', `pads must hold (before, after) pairs for at most ${x.ndim} dims, got ${fmtShape(pads)}`);
  const p: [number, number][] = x.shape.map(() => [0, 0]);
  for (let i = 0; i < pads.length / 2; i++) p[x.ndim - 1 - i] = [pads[2 * i], pads[2 * i + 1]];
  return apply('pad', [x], { pads: p, value });
}

export function concat(xs: Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new ShapeError('concat', 'needs a non-empty array of tensors');
  const a = normAxis('concat', axis, xs[0].ndim);
  if (xs.length === 1) return mul(xs[0], 1);
  return apply('concat', xs, { axis: a });
}
export const cat = concat;

export function stack(xs: Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new ShapeError('stack', 'needs a non-empty array of tensors');
  for (const x of xs) if (x.ndim !== xs[0].ndim || x.shape.some((d, i) => d !== xs[0].shape[i])) throw new ShapeError('stack', `all tensors must have the same shape, got ${xs.map((t) => fmtShape(t.shape)).join(', ')}`);
  const a = normAxis('stack', axis, xs[0].ndim + 1);
  return concat(xs.map((x) => unsqueeze(x, a)), a);
}

export function flip(x: Tensor, dims: number | number[]): Tensor {
  return apply('flip', [x], { axes: normAxes('flip', dims, x.ndim) });
}

/** torch.index_select: rows `index` (int32, 1-D or any rank) along `dim`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  if (!(index instanceof Tensor) || index.dtype !== 'int32') throw new ShapeError('indexSelect', `index must be an int32 Tensor, got ${index instanceof Tensor ? `${index.dtype} ${fmtShape(index.shape)}` : typeof index}`);
  return apply('gather', [x, index], { axis: normAxis('indexSelect', dim, x.ndim, 'dim') });
}
export const gather = indexSelect;

/** one-hot of int32 labels: [...L] -> [...L, numClasses], float32. */
export function oneHot(labels: Tensor, numClasses: number): Tensor {
  checkInt('oneHot', 'numClasses', numClasses, 1);
  if (labels.dtype !== 'int32') throw new ShapeError('oneHot', `labels must be int32, got ${labels.dtype}`);
  const classes = arange(numClasses);
  const m = eq(unsqueeze(labels, -1), classes);
  return cast(m, 'float32');
}

// ---------------------------------------------------------------- linear algebra and convolution

/** Batched, broadcasting matrix product; 1-D operands are promoted as in torch.matmul. */
export function matmul(a: Tensor, b: Tensor, opts: { transA?: boolean; transB?: boolean } = {}): Tensor {
  if (a.ndim === 0 || b.ndim === 0) throw new ShapeError('matmul', `operands must be at least 1-D, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const va = a.ndim === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const vb = b.ndim === 1 ? reshape(b, [b.shape[0], 1]) : b;
  let y = apply('matmul', [va, vb], { transA: !!opts.transA, transB: !!opts.transB });
  if (a.ndim === 1) y = squeeze(y, -2);
  if (b.ndim === 1) y = squeeze(y, -1);
  return y;
}

/**
 * y = act(x Wᵀ + b) with W [out, in] (torch.nn.functional.linear, plus an optional activation).
 * With a bias [out] or an activation: one fused primitive (the epilogue in the GEMM's store).
 */
export function linear(x: Tensor, w: Tensor, bias?: Tensor | null, opts: ActivationOpts = {}): Tensor {
  const b = biasArg('linear', bias);
  if (fuseBiasActivation('linear', x, w, b, opts)) return matmulBiasAct(x, w, b ?? null, { ...opts, transB: true });
  const y = matmul(x, w, { transB: true });
  return activate(b ? add(y, b) : y, opts);
}


/** the unfused activation (ActivationOpts) */
function activate(y: Tensor, o: ActivationOpts): Tensor {
  switch (o.activation ?? 'none') {
    case 'none': return y;
    case 'relu': return relu(y);
    case 'leakyRelu': return leakyRelu(y, o.negativeSlope ?? 0.01);
    case 'tanh': return tanh(y);
    case 'sigmoid': return sigmoid(y);
    default: throw new ShapeError('activation', `must be one of none, relu, leakyRelu, tanh, sigmoid, got ${String(o.activation)}`);
  }
}


export interface ConvOpts {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

function convParams(op: string, o: ConvOpts): Conv2dParams {
  const groups = o.groups ?? 1;
  checkInt(op, 'groups', groups, 1);
  return {
    stride: pair(op, 'stride', o.stride ?? 1, 1),
    padding: pair(op, 'padding', o.padding ?? 0, 0),
    dilation: pair(op, 'dilation', o.dilation ?? 1, 1),
    groups,
  };
}

/** The optional bias argument of linear / conv2d / convTranspose2d: a Tensor, or null / undefined for none. */
function biasArg(op: string, b: unknown): Tensor | null {
  if (b === undefined || b === null) return null;
  if (b instanceof Tensor) return b;
  const got = Array.isArray(b) ? 'an array' : typeof b === 'object' ? 'an object' : typeof b;
  throw new ShapeError(op, `bias (third argument) must be a Tensor or null, got ${got}; options go in the fourth: ${op}(x, w, null, { ${op === 'linear' ? 'activation' : 'stride, padding'} })`);
}

function addChannelBias(op: string, y: Tensor, b: Tensor | null | undefined): Tensor {
  if (!b) return y;
  if (b.ndim !== 1 || b.shape[0] !== y.shape[1]) throw new ShapeError(op, `bias must be [${y.shape[1]}], got ${fmtShape(b.shape)}`);
  return add(y, reshape(b, [1, b.shape[0], 1, 1]));
}

/** torch.nn.functional.conv2d: x [N,C,H,W], w [O,C/groups,kH,kW], b [O]. */
export function conv2d(x: Tensor, w: Tensor, bias?: Tensor | null, opts: ConvOpts & ActivationOpts = {}): Tensor {
  const b = biasArg('conv2d', bias);
  const p = convParams('conv2d', opts);
  if (fuseBiasActivation('conv2d', x, w, b, opts)) return conv2dBiasAct(x, w, b ?? null, p, opts);
  return activate(addChannelBias('conv2d', apply('conv2d', [x, w], p), b), opts);
}

/** torch.nn.functional.conv_transpose2d: x [N,C,H,W], w [C,O/groups,kH,kW], b [O]. */
export function convTranspose2d(x: Tensor, w: Tensor, bias?: Tensor | null, opts: ConvOpts & { outputPadding?: Pair } = {}): Tensor {
  const b = biasArg('convTranspose2d', bias);
  const p = { ...convParams('convTranspose2d', opts), outputPadding: pair('convTranspose2d', 'outputPadding', opts.outputPadding ?? 0, 0) };
  return addChannelBias('convTranspose2d', apply('convTranspose2d', [x, w], p), b);
}

/** The weight gradient of conv2d as an op of its own: dW for input x and output gradient gy. */
export function conv2dWeightGrad(x: Tensor, gy: Tensor, kernel: Pair, opts: ConvOpts = {}): Tensor {
  return apply('conv2dWeightGrad', [x, gy], { ...convParams('conv2dWeightGrad', opts), kernel: pair('conv2dWeightGrad', 'kernel', kernel, 1) });
}

/** outputPadding that makes convTranspose2d produce exactly `size` (used by the conv2d vjp). */
export function outputPaddingFor(size: [number, number], inner: [number, number], kernel: [number, number], p: Conv2dParams): [number, number] {
  return [0, 1].map((i) => size[i] - convTransposeOutSize(inner[i], kernel[i], p.stride[i], p.padding[i], p.dilation[i], 0)) as [number, number];
}

function checkPoolInput(op: string, x: Tensor): void {
  if (x.ndim !== 4) throw new ShapeError(op, `input must be [N,C,H,W], got ${fmtShape(x.shape)}`);
}

/** avg_pool2d (count_include_pad = true, PyTorch's default) as a depthwise conv with 1/(kH·kW) weights. */
export function avgPool2d(x: Tensor, kernel: Pair, stride?: Pair, padding: Pair = 0): Tensor {
  checkPoolInput('avgPool2d', x);
  const k = pair('avgPool2d', 'kernel', kernel, 1);
  const c = x.shape[1];
  const w = full([c, 1, k[0], k[1]], 1 / (k[0] * k[1]), { dtype: x.dtype });
  const y = apply('conv2d', [x, w], { stride: pair('avgPool2d', 'stride', stride ?? k, 1), padding: pair('avgPool2d', 'padding', padding, 0), dilation: [1, 1], groups: c });
  if (!y.node) w.dispose(); // the conv2d vjp reads w

  return y;
}

/** max_pool2d as the elementwise maximum of kH·kW strided windows (padding reads -inf). */
export function maxPool2d(x: Tensor, kernel: Pair, stride?: Pair, padding: Pair = 0, dilation: Pair = 1): Tensor {
  checkPoolInput('maxPool2d', x);
  const k = pair('maxPool2d', 'kernel', kernel, 1);
  const s = pair('maxPool2d', 'stride', stride ?? k, 1);
  const p = pair('maxPool2d', 'padding', padding, 0);
  const d = pair('maxPool2d', 'dilation', dilation, 1);
  if (p[0] > k[0] / 2 || p[1] > k[1] / 2) throw new ShapeError('maxPool2d', `padding ${p} must be at most half the kernel ${k}`);
  const [, , H, W] = x.shape;
  const Ho = convOutSize(H, k[0], s[0], p[0], d[0]), Wo = convOutSize(W, k[1], s[1], p[1], d[1]);
  if (Ho <= 0 || Wo <= 0) throw new ShapeError('maxPool2d', `kernel ${k} is larger than the padded input ${fmtShape(x.shape)}`);
  const xp = p[0] || p[1] ? pad(x, [p[1], p[1], p[0], p[0]], -Infinity) : x;
  let y: Tensor | null = null;
  for (let i = 0; i < k[0]; i++) {
    for (let j = 0; j < k[1]; j++) {
      const win = slice(xp, [null, null, [i * d[0], i * d[0] + (Ho - 1) * s[0] + 1, s[0]], [j * d[1], j * d[1] + (Wo - 1) * s[1] + 1, s[1]]]);
      y = y ? maximum(y, win) : win;
    }
  }
  return y!;
}

/** Nearest-neighbour upsampling by integer factors (torch Upsample(mode='nearest')). */
export function upsampleNearest(x: Tensor, scale: Pair): Tensor {
  checkPoolInput('upsampleNearest', x);
  const [sh, sw] = pair('upsampleNearest', 'scale', scale, 1);
  const [n, c, h, w] = x.shape;
  const e = expand(reshape(x, [n, c, h, 1, w, 1]), [n, c, h, sh, w, sw]);
  return reshape(e, [n, c, h * sh, w * sw]);
}

// ---------------------------------------------------------------- broadcasting helpers

/** Sum a broadcast result back down to `shape` (the one place broadcast gradients are reduced). */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (g.ndim === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  const s = axes.length ? apply('sum', [g], { axes }) : g;
  return reshape(s, shape);
}

export { broadcastShapes };
