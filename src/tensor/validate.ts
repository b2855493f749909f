import { type DType, type Shape, fmtShape as f, sizeOf } from '../base/dtype.ts';
import { ShapeError } from '../base/errors.ts';
import { ACTIVATIONS, type AbstractValue } from '../base/prims.ts';
import type { Backend } from '../kernels/backend.ts';
import { batchNormChannels, batchNormOperands, convOutSize } from './shape.ts';

/**
 * Argument checks of the front ends (ops.ts, tensor.ts, nn): what a composite op or a layer
 * needs of its arguments before it reaches a primitive. A primitive's own checks live in its
 * shape rule (shape.ts); between them they are the only places that throw ShapeError. Each
 * message names the op, the argument and the shapes.
 */

const same = (a: Shape, b: Shape) => a.length === b.length && a.every((d, i) => d === b[i]);

// ---------------------------------------------------------------- arguments that must be tensors

/**
 * Tensor's class, passed in by the callers: tensor.ts calls this module, so it cannot import
 * tensor.ts without a cycle.
 */
type TensorClass = abstract new (...args: never[]) => AbstractValue;

/** Every input of a primitive is a Tensor (a JavaScript caller may pass anything). */
export function checkTensorArgs(op: string, xs: readonly unknown[], T: TensorClass): void {
  for (const x of xs) if (!(x instanceof T)) throw new ShapeError(op, `expected Tensor arguments, got ${typeof x}`);
}

/** Operands of an elementwise op: Tensors or numbers, at least one a Tensor. */
export function checkOperands(op: string, xs: readonly unknown[], T: TensorClass): void {
  if (!xs.some((x) => x instanceof T)) throw new ShapeError(op, 'needs at least one Tensor argument');
  for (const x of xs) if (!(x instanceof T) && typeof x !== 'number') throw new ShapeError(op, `expected a Tensor or a number, got ${typeof x}`);
}

/** The optional bias argument of linear / conv2d / convTranspose2d: a Tensor, or null / undefined for none. */
export function checkBiasArg(op: string, b: unknown, T: TensorClass): void {
  if (b === undefined || b === null || b instanceof T) return;
  const got = Array.isArray(b) ? 'an array' : typeof b === 'object' ? 'an object' : typeof b;
  throw new ShapeError(op, `bias (third argument) must be a Tensor or null, got ${got}; options go in the fourth: ${op}(x, w, null, { ${op === 'linear' ? 'activation' : 'stride, padding'} })`);
}

/** An index argument: an int32 Tensor. */
export function checkIndexTensor(op: string, name: string, index: unknown, T: TensorClass): void {
  if (index instanceof T && index.dtype === 'int32') return;
  throw new ShapeError(op, `${name} must be an int32 Tensor, got ${index instanceof T ? `${index.dtype} ${f(index.shape)}` : typeof index}`);
}

/** Class labels and embedding indices are int32. */
export function checkInt32(op: string, name: string, dtype: DType): void {
  if (dtype !== 'int32') throw new ShapeError(op, `${name} must be int32, got ${dtype}`);
}

// ---------------------------------------------------------------- tensors and backends

export function checkOneElement(op: string, shape: Shape): void {
  if (sizeOf(shape) !== 1) throw new ShapeError(op, `needs a tensor with one element, got ${f(shape)}`);
}

export function checkBackendDtype(op: string, backend: Backend, dtype: DType): void {
  if (!backend.dtypes.includes(dtype)) throw new ShapeError(op, `dtype ${dtype} is not supported on the ${backend.name} backend`);
}

/** An in-place write keeps the destination's shape and dtype. */
export function checkAssign(op: string, dst: AbstractValue, src: AbstractValue): void {
  if (dst.dtype !== src.dtype || !same(dst.shape, src.shape)) {
    throw new ShapeError(op, `cannot write a ${f(src.shape)} ${src.dtype} tensor into a ${f(dst.shape)} ${dst.dtype} tensor`);
  }
}

// ---------------------------------------------------------------- creation

export type Nested = number | boolean | Nested[];

/**
 * A nested array's values in row-major order and its shape (the lengths along its first
 * elements), checked to be rectangular.
 */
export function nestedValues(op: string, data: Nested): { values: number[]; shape: number[] } {
  const shape: number[] = [];
  for (let d = data; Array.isArray(d); d = d[0]) shape.push(d.length);
  const values: number[] = [];
  const walk = (d: Nested, depth: number): void => {
    if (Array.isArray(d)) {
      if (d.length !== shape[depth]) throw new ShapeError(op, `ragged nested array: expected ${shape[depth]} items at depth ${depth}, got ${d.length}`);
      for (const x of d) walk(x, depth + 1);
    } else {
      if (depth !== shape.length) throw new ShapeError(op, `ragged nested array at depth ${depth}`);
      values.push(Number(d));
    }
  };
  walk(data, 0);
  return { values, shape };
}

export function checkFills(op: string, count: number, shape: Shape): void {
  if (sizeOf(shape) !== count) throw new ShapeError(op, `${count} values do not fill shape ${f(shape)}`);
}

export function checkFinite(op: string, name: string, v: number): void {
  if (!Number.isFinite(v)) throw new ShapeError(op, `${name} must be finite, got ${v}`);
}

export function checkArange(start: number, end: number, step: number): void {
  checkFinite('arange', 'start', start);
  checkFinite('arange', 'end', end);
  checkFinite('arange', 'step', step);
  if (step === 0) throw new ShapeError('arange', 'step must be non-zero');
}

export function checkRandintBounds(low: number, high: number): void {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new ShapeError('randint', `needs integers low < high, got ${low}, ${high}`);
}

// ---------------------------------------------------------------- elementwise

export function checkClampBounds(min?: number, max?: number): void {
  if (Number.isNaN(min) || Number.isNaN(max)) throw new ShapeError('clamp', `bounds must not be NaN (min ${min}, max ${max})`);
}

/** The activation option of linear / conv2d, fused or not. */
export function checkActivation(op: string, activation: unknown): void {
  if (activation !== undefined && !(ACTIVATIONS as readonly unknown[]).includes(activation)) {
    throw new ShapeError(op, `activation must be one of ${ACTIVATIONS.join(', ')}, got ${String(activation)}`);
  }
}

// ---------------------------------------------------------------- movement

/** reshape's target `shape` for `from`, its one -1 (if any) inferred. */
export function inferShape(op: string, from: Shape, shape: Shape): number[] {
  const s = [...shape];
  const at = s.indexOf(-1);
  if (at < 0) return s;
  if (s.indexOf(-1, at + 1) >= 0) throw new ShapeError(op, `only one dimension can be -1, got ${f(shape)}`);
  const size = sizeOf(from);
  const rest = s.reduce((a, d, i) => (i === at ? a : a * d), 1);
  if (rest === 0 || size % rest !== 0) throw new ShapeError(op, `cannot reshape ${f(from)} (${size} elements) to ${f(shape)}`);
  s[at] = size / rest;
  return s;
}

/** flatten's normalised dims s..e, e not before s. */
export function checkFlattenDims(shape: Shape, s: number, e: number, startDim: number, endDim: number): void {
  if (e < s) throw new ShapeError('flatten', `endDim ${endDim} comes before startDim ${startDim} for ${f(shape)}`);
}

/** Python-style slicing per axis: [start, end, step] with negative indices, step > 0; or an index (the dim is dropped). */
export type SliceSpec = [start?: number, end?: number, step?: number] | number | null;

/** Python-style slice specs: at most one per dim; an index within its dim; integer bounds; step > 0. */
export function checkSliceSpecs(shape: Shape, specs: readonly SliceSpec[]): void {
  if (specs.length > shape.length) throw new ShapeError('slice', `${specs.length} slices for a tensor of rank ${shape.length} ${f(shape)}`);
  specs.forEach((sp, i) => {
    const n = shape[i];
    if (typeof sp === 'number') {
      const k = sp < 0 ? sp + n : sp;
      if (!Number.isInteger(sp) || k < 0 || k >= n) throw new ShapeError('slice', `index ${sp} is out of range for dim ${i} of size ${n} (input ${f(shape)})`);
      return;
    }
    const [s0, e0, st = 1] = sp ?? [];
    if (!Number.isInteger(st) || st <= 0) throw new ShapeError('slice', `step must be a positive integer, got ${st}`);
    for (const v of [s0, e0]) if (v !== undefined && !Number.isInteger(v)) throw new ShapeError('slice', `bounds must be integers, got ${v}`);
  });
}

/** narrow(x, d, start, length): `s` is start made non-negative; s + length within dim d. */
export function checkNarrow(shape: Shape, d: number, start: number, s: number, length: number): void {
  if (!Number.isInteger(s) || s < 0 || s + length > shape[d]) throw new ShapeError('narrow', `start ${start} + length ${length} exceeds dim ${d} of size ${shape[d]} (input ${f(shape)})`);
}

/** torch's pad list: (before, after) pairs from the last dim backwards. */
export function checkPadList(shape: Shape, pads: readonly number[]): void {
  if (!Array.isArray(pads) || pads.length % 2 !== 0 || pads.length / 2 > shape.length) {
    throw new ShapeError('pad', `pads must hold (before, after) pairs for at most ${shape.length} dims, got ${Array.isArray(pads) ? f(pads) : String(pads)}`);
  }
}

export const PAD_MODES = ['constant', 'reflect', 'replicate'] as const;
export type PadMode = (typeof PAD_MODES)[number];

/**
 * nn.F.pad's arguments (torch.nn.functional.pad): integer pads, negative ones crop; each padded
 * dim keeps a size ≥ 0 (≥ 1 in the other modes). 'reflect' and 'replicate' pad the last k = 1, 2
 * or 3 dims of a tensor of rank k + 1 or k + 2 ([C,W] / [N,C,W], [C,H,W] / [N,C,H,W],
 * [C,D,H,W] / [N,C,D,H,W]), take no fill value and need non-empty padded dims; 'reflect' needs
 * each pad < the size of its dim (one reflection, without repeating the edge).
 */
export function checkPadArgs(shape: Shape, pads: readonly number[], mode: unknown, value: number): void {
  if (!(PAD_MODES as readonly unknown[]).includes(mode)) throw new ShapeError('pad', `mode must be one of ${PAD_MODES.join(', ')}, got ${String(mode)}`);
  checkPadList(shape, pads);
  if (pads.some((p) => !Number.isInteger(p))) throw new ShapeError('pad', `pads must be integers, got ${f(pads)}`);
  const k = pads.length / 2;
  if (mode !== 'constant') {
    if (value !== 0) throw new ShapeError('pad', `mode '${mode}' takes no fill value, got value ${value}`);
    if (k < 1 || k > 3 || (shape.length !== k + 1 && shape.length !== k + 2)) {
      throw new ShapeError('pad', `mode '${mode}' pads the last 1, 2 or 3 dims of a tensor with one or two more dims (2 pads: [C,W] or [N,C,W]; 4: [C,H,W] or [N,C,H,W]; 6: [C,D,H,W] or [N,C,D,H,W]), got ${pads.length} pads ${f(pads)} for input ${f(shape)}`);
    }
  }
  for (let i = 0; i < k; i++) {
    const d = shape.length - 1 - i, n = shape[d], before = pads[2 * i], after = pads[2 * i + 1];
    const out = n + before + after;
    if (mode !== 'constant' && n === 0) throw new ShapeError('pad', `mode '${mode}' cannot pad the empty dim ${d} of input ${f(shape)}`);
    if (mode === 'reflect' && (before >= n || after >= n)) {
      throw new ShapeError('pad', `mode 'reflect' needs each pad < the size of its dim, got pads (${before}, ${after}) for dim ${d} of size ${n} (input ${f(shape)})`);
    }
    if (out < (mode === 'constant' ? 0 : 1)) throw new ShapeError('pad', `pads (${before}, ${after}) leave dim ${d} of input ${f(shape)} with size ${out}`);
  }
}

/** A 2-D padding layer's padding: an integer or [left, right, top, bottom] integers. */
export function checkPadding2d(layer: string, padding: unknown): void {
  const ok = Number.isInteger(padding) || (Array.isArray(padding) && padding.length === 4 && padding.every((p) => Number.isInteger(p)));
  if (!ok) throw new ShapeError(layer, `padding must be an integer or [left, right, top, bottom] integers, got ${Array.isArray(padding) ? f(padding) : String(padding)}`);
}

export function checkTensorList(op: string, xs: unknown): void {
  if (!Array.isArray(xs) || xs.length === 0) throw new ShapeError(op, 'needs a non-empty array of tensors');
}

export function checkSameShapes(op: string, xs: readonly AbstractValue[]): void {
  if (xs.some((x) => !same(x.shape, xs[0].shape))) throw new ShapeError(op, `all tensors must have the same shape, got ${xs.map((t) => f(t.shape)).join(', ')}`);
}

// ---------------------------------------------------------------- linear algebra, convolution, pooling

export function checkMatmulOperands(a: Shape, b: Shape): void {
  if (a.length === 0 || b.length === 0) throw new ShapeError('matmul', `operands must be at least 1-D, got ${f(a)} and ${f(b)}`);
}

/** A bias [C] added along axis 1 of a conv output [N,C,H,W]. */
export function checkChannelBias(op: string, bias: Shape, channels: number): void {
  if (bias.length !== 1 || bias[0] !== channels) throw new ShapeError(op, `bias must be [${channels}], got ${f(bias)}`);
}

/** Pooling, upsampling and image layers take a batch of images [N,C,H,W]. */
export function checkImageBatch(op: string, shape: Shape): void {
  if (shape.length !== 4) throw new ShapeError(op, `input must be [N,C,H,W], got ${f(shape)}`);
}

/** A network's images [N, channels, H, W], H and W multiples of `multiple` (its down-samplings, said in `why`). */
export function checkImageInput(op: string, shape: Shape, channels: number, multiple = 1, why = ''): void {
  if (shape.length !== 4 || shape[1] !== channels || shape[2] % multiple || shape[3] % multiple) {
    throw new ShapeError(op, `input must be [N, ${channels}, H, W]${multiple > 1 ? ` with H and W multiples of ${multiple}${why ? ` (${why})` : ''}` : ''}, got ${f(shape)}`);
  }
}

/** maxPool2d's output [Ho, Wo]: padding at most half the kernel, and at least one window. */
export function maxPoolOutSize(shape: Shape, k: [number, number], s: [number, number], p: [number, number], d: [number, number]): [number, number] {
  if (p[0] > k[0] / 2 || p[1] > k[1] / 2) throw new ShapeError('maxPool2d', `padding ${p} must be at most half the kernel ${k}`);
  const ho = convOutSize(shape[2], k[0], s[0], p[0], d[0]), wo = convOutSize(shape[3], k[1], s[1], p[1], d[1]);
  if (ho <= 0 || wo <= 0) throw new ShapeError('maxPool2d', `kernel ${k} is larger than the padded input ${f(shape)}`);
  return [ho, wo];
}

/** A grouped conv layer's channel counts are multiples of its groups. */
export function checkConvGroups(layer: string, inChannels: number, outChannels: number, groups: number): void {
  if (inChannels % groups || outChannels % groups) throw new ShapeError(layer, `inChannels ${inChannels} and outChannels ${outChannels} must be divisible by groups ${groups}`);
}

// ---------------------------------------------------------------- normalisation

/**
 * F.batchNorm's arguments that do not reach its primitives as they are (the running statistics
 * become the stats operand; the primitives check x, weight and bias): returns C.
 */
export function checkBatchNormArgs(x: AbstractValue, runningMean: AbstractValue | null, runningVar: AbstractValue | null, training: boolean): number {
  const C = batchNormChannels('batchNorm', x);
  const given = ([['runningMean', runningMean], ['runningVar', runningVar]] as const).filter(([, t]) => t);
  batchNormOperands('batchNorm', x, given.map(([, t]) => t!), given.map(([n]) => n), given.map(() => [C]));
  if (training && C > 0 && sizeOf(x.shape) / C <= 1) {
    throw new ShapeError('batchNorm', `expected more than 1 value per channel when training, got input size ${f(x.shape)}`);
  }
  return C;
}

/**
 * A BatchNorm / InstanceNorm layer's input: one of its ranks, numFeatures channels on axis 1
 * (axis 0 for an unbatched input, of rank `unbatchedRank`).
 */
export function checkBatchNormLayerInput(layer: string, shape: Shape, ranks: readonly number[], numFeatures: number, unbatchedRank = -1): void {
  if (!ranks.includes(shape.length)) throw new ShapeError(layer, `expected ${ranks.map((r) => `${r}D`).join(' or ')} input, got ${f(shape)}`);
  const axis = shape.length === unbatchedRank ? 0 : 1;
  if (shape[axis] !== numFeatures) throw new ShapeError(layer, `expected ${numFeatures} channels (axis ${axis}), got ${f(shape)}`);
}

/**
 * F.instanceNorm's arguments: x [N,C,*] with at least one spatial dim (more than one value per
 * instance when it normalises with its own statistics); weight, bias and the running statistics
 * [C]; the running statistics when it does not.
 */
export function checkInstanceNormArgs(x: AbstractValue, named: Record<string, AbstractValue | null>, useInputStats: boolean): number {
  if (x.shape.length < 3) throw new ShapeError('instanceNorm', `input must be [N,C,*] with at least one spatial dim, got ${f(x.shape)}`);
  const C = batchNormChannels('instanceNorm', x);
  const given = Object.entries(named).filter(([, t]) => t);
  batchNormOperands('instanceNorm', x, given.map(([, t]) => t!), given.map(([n]) => n), given.map(() => [C]));
  if (useInputStats && sizeOf(x.shape.slice(2)) <= 1) {
    throw new ShapeError('instanceNorm', `expected more than 1 spatial element when using the input's statistics, got input size ${f(x.shape)}`);
  }
  if (!useInputStats && (!named.runningMean || !named.runningVar)) {
    throw new ShapeError('instanceNorm', `useInputStats = false needs runningMean and runningVar (input ${f(x.shape)})`);
  }
  return C;
}

export function checkNormalizedShape(shape: Shape, normalizedShape: Shape): void {
  const k = normalizedShape.length;
  if (k === 0 || k > shape.length || !same(shape.slice(shape.length - k), normalizedShape)) {
    throw new ShapeError('layerNorm', `normalizedShape ${f(normalizedShape)} does not match the trailing dims of input ${f(shape)}`);
  }
}

/** MinibatchStdDev splits the batch into groups of `group` samples. */
export function checkGroupSize(op: string, batch: number, group: number): void {
  if (batch % group !== 0) throw new ShapeError(op, `batch size ${batch} must be divisible by the group size ${group}`);
}

/** init's fan in / fan out: size(1) and size(0) times the receptive field. */
export function checkFanShape(shape: Shape): void {
  if (shape.length < 2) throw new ShapeError('init', `fan in and fan out can not be computed for a tensor with fewer than 2 dimensions, got ${f(shape)}`);
}

// ---------------------------------------------------------------- losses

/** A loss's target (or weights) has its input's shape. */
export function checkSameShape(op: string, a: Shape, b: Shape, an = 'input', bn = 'target'): void {
  if (!same(a, b)) throw new ShapeError(op, `${bn} size ${f(b)} must be the same as ${an} size ${f(a)}`);
}

/** Class scores [N,C] (logits or log-probabilities) and, if given, int32 labels [N]. */
export function checkClassTargets(op: string, name: string, scores: Shape, labels?: AbstractValue): void {
  if (scores.length !== 2) throw new ShapeError(op, `${name} must be [N,C], got ${f(scores)}`);
  if (!labels) return;
  checkInt32(op, 'labels', labels.dtype);
  if (labels.shape.length !== 1 || labels.shape[0] !== scores[0]) throw new ShapeError(op, `int32 labels must be [${scores[0]}] for ${name} ${f(scores)}, got ${f(labels.shape)}`);
}
