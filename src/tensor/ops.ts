import { type DType, type Shape, type TypedArray, arrayFor, isFloat, sizeOf } from '../base/dtype.ts';
import type { BinaryPrim, Conv2dParams, UnaryPrim } from '../base/prims.ts';
import { type ActivationOpts, conv2dBiasAct, matmulBiasAct } from './epilogue.ts';
import { fuseBiasActivation } from './fusion.ts';
import { takeBlocks } from './random.ts';
import { broadcastShapes, checkInt, checkShape, convTransposeOutSize, normAxis, pair, type Pair } from './shape.ts';
import { Tensor, apply, fromData } from './tensor.ts';
import {
  type Nested, type SliceSpec, checkActivation, checkArange, checkBiasArg, checkChannelBias, checkClampBounds, checkFills,
  checkFinite, checkFlattenDims, checkImageBatch, checkIndexTensor, checkInt32, checkMatmulOperands, checkNarrow,
  checkOperands, checkPadList, checkRandintBounds, checkSameShapes, checkSliceSpecs, checkTensorList, inferShape,
  maxPoolOutSize, nestedValues,
} from './validate.ts';

export type { SliceSpec };

export type TensorLike = Tensor | number;
export interface CreateOpts {
  dtype?: DType;
  requiresGrad?: boolean;
}

// ---------------------------------------------------------------- creation

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
    ({ values: flat, shape: inferred } = nestedValues('tensor', data as Nested));
  }
  const s = shape ?? inferred;
  checkShape('tensor', s);
  checkFills('tensor', flat.length, s);
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
  checkArange(start, end, step);
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
  checkRandintBounds(low, high);
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

function lift(x: TensorLike, like: Tensor): Tensor {
  return x instanceof Tensor ? x : full([], x, { dtype: like.dtype });
}

function un(p: UnaryPrim) {
  return (x: Tensor): Tensor => apply(p, [x], {});
}

function bin(p: BinaryPrim) {
  return (a: TensorLike, b: TensorLike): Tensor => {
    checkOperands(p, [a, b], Tensor);
    const ta = lift(a, b as Tensor);
    const tb = lift(b, ta);
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
  checkFinite('leakyRelu', 'negativeSlope', negativeSlope);
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
  checkClampBounds(min, max);
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
  return apply('reshape', [x], { shape: inferShape('reshape', x.shape, shape) });
}
export const view = reshape;

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normAxis('flatten', startDim, x.ndim, 'startDim');
  const e = normAxis('flatten', endDim, x.ndim, 'endDim');
  checkFlattenDims(x.shape, s, e, startDim, endDim);
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
export function slice(x: Tensor, specs: SliceSpec[]): Tensor {
  checkSliceSpecs(x.shape, specs);
  const starts: number[] = [], steps: number[] = [], shape: number[] = [];
  const dropped: number[] = [];
  x.shape.forEach((n, i) => {
    const sp = specs[i];
    if (typeof sp === 'number') {
      starts.push(sp < 0 ? sp + n : sp); steps.push(1); shape.push(1); dropped.push(i);
      return;
    }
    const [s0, e0, st = 1] = sp ?? [];
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
  checkNarrow(x.shape, d, start, s, length);
  const specs: SliceSpec[] = x.shape.map(() => null);
  specs[d] = [s, s + length];
  return slice(x, specs);
}

/**
 * Constant pad, torch.nn.functional.pad order: pads = [lastBefore, lastAfter, prevBefore, ...].
 */
export function pad(x: Tensor, pads: number[], value = 0): Tensor {
  checkPadList(x.shape, pads);
  const p: [number, number][] = x.shape.map(() => [0, 0]);
  for (let i = 0; i < pads.length / 2; i++) p[x.ndim - 1 - i] = [pads[2 * i], pads[2 * i + 1]];
  return apply('pad', [x], { pads: p, value });
}

export function concat(xs: Tensor[], axis = 0): Tensor {
  checkTensorList('concat', xs);
  const a = normAxis('concat', axis, xs[0].ndim);
  if (xs.length === 1) return mul(xs[0], 1);
  return apply('concat', xs, { axis: a });
}
export const cat = concat;

export function stack(xs: Tensor[], axis = 0): Tensor {
  checkTensorList('stack', xs);
  checkSameShapes('stack', xs);
  const a = normAxis('stack', axis, xs[0].ndim + 1);
  return concat(xs.map((x) => unsqueeze(x, a)), a);
}

export function flip(x: Tensor, dims: number | number[]): Tensor {
  return apply('flip', [x], { axes: normAxes('flip', dims, x.ndim) });
}

/** torch.index_select: rows `index` (int32, 1-D or any rank) along `dim`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndexTensor('indexSelect', 'index', index, Tensor);
  return apply('gather', [x, index], { axis: normAxis('indexSelect', dim, x.ndim, 'dim') });
}
export const gather = indexSelect;

/** one-hot of int32 labels: [...L] -> [...L, numClasses], float32. */
export function oneHot(labels: Tensor, numClasses: number): Tensor {
  checkInt('oneHot', 'numClasses', numClasses, 1);
  checkInt32('oneHot', 'labels', labels.dtype);
  const classes = arange(numClasses);
  const m = eq(unsqueeze(labels, -1), classes);
  return cast(m, 'float32');
}

// ---------------------------------------------------------------- linear algebra and convolution

/** Batched, broadcasting matrix product; 1-D operands are promoted as in torch.matmul. */
export function matmul(a: Tensor, b: Tensor, opts: { transA?: boolean; transB?: boolean } = {}): Tensor {
  checkMatmulOperands(a.shape, b.shape);
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
  checkActivation('linear', opts.activation);
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
  checkBiasArg(op, b, Tensor);
  return (b as Tensor | undefined) ?? null;
}

function addChannelBias(op: string, y: Tensor, b: Tensor | null | undefined): Tensor {
  if (!b) return y;
  checkChannelBias(op, b.shape, y.shape[1]);
  return add(y, reshape(b, [1, b.shape[0], 1, 1]));
}

/** torch.nn.functional.conv2d: x [N,C,H,W], w [O,C/groups,kH,kW], b [O]. */
export function conv2d(x: Tensor, w: Tensor, bias?: Tensor | null, opts: ConvOpts & ActivationOpts = {}): Tensor {
  const b = biasArg('conv2d', bias);
  const p = convParams('conv2d', opts);
  checkActivation('conv2d', opts.activation);
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

/** avg_pool2d (count_include_pad = true, PyTorch's default) as a depthwise conv with 1/(kH·kW) weights. */
export function avgPool2d(x: Tensor, kernel: Pair, stride?: Pair, padding: Pair = 0): Tensor {
  checkImageBatch('avgPool2d', x.shape);
  const k = pair('avgPool2d', 'kernel', kernel, 1);
  const c = x.shape[1];
  const w = full([c, 1, k[0], k[1]], 1 / (k[0] * k[1]), { dtype: x.dtype });
  const y = apply('conv2d', [x, w], { stride: pair('avgPool2d', 'stride', stride ?? k, 1), padding: pair('avgPool2d', 'padding', padding, 0), dilation: [1, 1], groups: c });
  if (!y.node) w.dispose(); // the conv2d vjp reads w

  return y;
}

/** max_pool2d as the elementwise maximum of kH·kW strided windows (padding reads -inf). */
export function maxPool2d(x: Tensor, kernel: Pair, stride?: Pair, padding: Pair = 0, dilation: Pair = 1): Tensor {
  checkImageBatch('maxPool2d', x.shape);
  const k = pair('maxPool2d', 'kernel', kernel, 1);
  const s = pair('maxPool2d', 'stride', stride ?? k, 1);
  const p = pair('maxPool2d', 'padding', padding, 0);
  const d = pair('maxPool2d', 'dilation', dilation, 1);
  const [Ho, Wo] = maxPoolOutSize(x.shape, k, s, p, d);
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
  checkImageBatch('upsampleNearest', x.shape);
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
