import { type DType, type Shape, fmtShape, isFloat } from '../base/dtype.ts';
import { ShapeError } from '../base/errors.ts';
import type { AbstractValue, Conv2dParams, Epilogue, Prim, PrimParams } from '../base/prims.ts';
import { ACTIVATIONS, UNARY_PRIMS, BINARY_PRIMS } from '../base/prims.ts';

/**
 * Shape rules: each primitive's output shape/dtype and the checks of its arguments. Each rule
 * receives the abstract inputs (shape + dtype) and the primitive's params. The front ends' own
 * argument checks (composite ops, layers) are in validate.ts; the two are the only places that
 * throw ShapeError.
 */
export type ShapeRule<P extends Prim> = (inputs: AbstractValue[], params: PrimParams[P]) => AbstractValue;

const f = fmtShape;

export function checkInt(op: string, name: string, v: number, min = 0): void {
  if (!Number.isInteger(v) || v < min) {
    throw new ShapeError(op, `${name} must be an integer >= ${min}, got ${v}`);
  }
}

export type Pair = number | [number, number];
/** A number or a pair of integers ≥ min as a pair (kernel sizes, strides, padding), else a ShapeError naming the op and the argument. */
export const pair = (op: string, name: string, v: Pair, min: number): [number, number] => {
  const p: [number, number] = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2) throw new ShapeError(op, `${name} must be a number or a pair, got ${String(v)}`);
  for (const x of p) checkInt(op, name, x, min);
  return p;
};

export function checkShape(op: string, shape: Shape, name = 'shape'): void {
  if (!Array.isArray(shape)) throw new ShapeError(op, `${name} must be an array of sizes, got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(op, `${name} ${f(shape)} has an invalid size ${d}`);
  }
}

/** Normalise a possibly negative axis against rank `rank`. */
export function normAxis(op: string, axis: number, rank: number, name = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new ShapeError(op, `${name} ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** NumPy broadcasting of several shapes. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        throw new ShapeError(op, `shapes ${shapes.map(f).join(' and ')} cannot be broadcast together (dim ${o}: ${out[o]} vs ${d})`);
      }
    }
  }
  return out;
}

function sameDtype(op: string, inputs: AbstractValue[]): DType {
  const d = inputs[0].dtype;
  for (const x of inputs) {
    if (x.dtype !== d) throw new ShapeError(op, `dtype mismatch: ${inputs.map((i) => i.dtype).join(' vs ')}`);
  }
  return d;
}

const unary = (op: string): ShapeRule<any> => ([x]) => {
  if (op !== 'neg' && op !== 'abs' && op !== 'sign' && op !== 'relu' && !isFloat(x.dtype)) {
    throw new ShapeError(op, `needs a floating-point input, got ${x.dtype}`);
  }
  return { shape: x.shape, dtype: x.dtype };
};

const binary = (op: string): ShapeRule<any> => (inputs) => {
  const dtype = sameDtype(op, inputs);
  return { shape: broadcastShapes(op, inputs[0].shape, inputs[1].shape), dtype };
};

function checkAxes(op: string, axes: number[], rank: number): void {
  const seen = new Set<number>();
  for (const a of axes) {
    if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ShapeError(op, `axis ${a} is out of range for rank ${rank}`);
    if (seen.has(a)) throw new ShapeError(op, `axis ${a} repeated in ${f(axes)}`);
    seen.add(a);
  }
}

const reduce = (op: string): ShapeRule<'sum' | 'max'> => ([x], { axes }) => {
  checkAxes(op, axes, x.shape.length);
  if (op === 'max') {
    for (const a of axes) if (x.shape[a] === 0) throw new ShapeError(op, `cannot reduce over the empty axis ${a} of ${f(x.shape)}`);
  }
  return { shape: x.shape.map((d, i) => (axes.includes(i) ? 1 : d)), dtype: x.dtype };
};

export function convOutSize(inp: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((inp + 2 * p - d * (k - 1) - 1) / s) + 1;
}

export function convTransposeOutSize(inp: number, k: number, s: number, p: number, d: number, op: number): number {
  return (inp - 1) * s - 2 * p + d * (k - 1) + op + 1;
}

function checkConvParams(op: string, p: Conv2dParams): void {
  for (const [name, v, min] of [
    ['stride', p.stride, 1], ['padding', p.padding, 0], ['dilation', p.dilation, 1],
  ] as const) {
    if (!Array.isArray(v) || v.length !== 2) throw new ShapeError(op, `${name} must be a pair, got ${String(v)}`);
    for (const x of v) checkInt(op, name, x, min);
  }
  checkInt(op, 'groups', p.groups, 1);
}

function rank4(op: string, name: string, x: AbstractValue): void {
  if (x.shape.length !== 4) throw new ShapeError(op, `${name} must be 4-D, got ${f(x.shape)}`);
}

function convCheckFloat(op: string, inputs: AbstractValue[]): DType {
  const d = sameDtype(op, inputs);
  if (!isFloat(d)) throw new ShapeError(op, `needs floating-point inputs, got ${d}`);
  return d;
}

/** x [N,C,*] of a batch-norm prim: returns C (channel axis 1). */
export function batchNormChannels(op: string, x: AbstractValue, name = 'input'): number {
  if (x.shape.length < 2) throw new ShapeError(op, `${name} must be [N,C,...] (at least 2-D), got ${f(x.shape)}`);
  if (!isFloat(x.dtype)) throw new ShapeError(op, `needs floating-point inputs, got ${x.dtype}`);
  return x.shape[1];
}

/** Per-channel operands of a batch-norm prim: each `names[i]` must have `shapes[i]`. */
export function batchNormOperands(op: string, x: AbstractValue, ts: AbstractValue[], names: string[], shapes: number[][]): DType {
  ts.forEach((t, i) => {
    if (t.shape.length !== shapes[i].length || t.shape.some((d, k) => d !== shapes[i][k])) {
      throw new ShapeError(op, `${names[i]} must be ${f(shapes[i])} for input ${f(x.shape)}, got ${f(t.shape)}`);
    }
  });
  return sameDtype(op, [x, ...ts]);
}

function bnEps(op: string, eps: number): void {
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ShapeError(op, `eps must be a finite number >= 0, got ${eps}`);
}

function bnArity(op: string, inputs: AbstractValue[], min: number, names: string[]): void {
  if (inputs.length < min || inputs.length > names.length) {
    throw new ShapeError(op, `expects ${min === names.length ? min : `${min} to ${names.length}`} tensors (${names.join(', ')}), got ${inputs.length}`);
  }
}

/**
 * A fused bias + activation epilogue on `base` (the matmul / conv2d result): bias, if given, is
 * [size of axis `axis`] of the output, same dtype; act one of ACTIVATIONS; slope finite, >= 0.
 */
function epilogue(op: string, inputs: AbstractValue[], { act, slope }: Epilogue, base: (ab: AbstractValue[]) => AbstractValue, axis: number): AbstractValue {
  if (inputs.length < 2 || inputs.length > 3) throw new ShapeError(op, `expects 2 or 3 tensors (a, b, bias?), got ${inputs.length}`);
  if (!(ACTIVATIONS as readonly string[]).includes(act)) throw new ShapeError(op, `act must be one of ${ACTIVATIONS.join(', ')}, got ${String(act)}`);
  if (typeof slope !== 'number' || !Number.isFinite(slope) || slope < 0) throw new ShapeError(op, `slope must be a finite number >= 0, got ${slope}`);
  const out = base(inputs.slice(0, 2));
  if (!isFloat(out.dtype)) throw new ShapeError(op, `needs floating-point inputs, got ${out.dtype}`);
  const bias = inputs[2];
  if (bias) {
    const c = out.shape[axis < 0 ? out.shape.length + axis : axis];
    if (bias.shape.length !== 1 || bias.shape[0] !== c) throw new ShapeError(op, `bias must be [${c}] for output ${f(out.shape)}, got ${f(bias.shape)}`);
    if (bias.dtype !== out.dtype) throw new ShapeError(op, `bias dtype ${bias.dtype} differs from ${out.dtype}`);
  }
  return out;
}

const rules: { [P in Prim]: ShapeRule<P> } = {
  matmulBiasAct: (inputs, p) => epilogue('matmulBiasAct', inputs, p, (ab) => rules.matmul(ab, p), -1),
  conv2dBiasAct: (inputs, p) => epilogue('conv2dBiasAct', inputs, p, (ab) => rules.conv2d(ab, p), 1),
  ...(Object.fromEntries(UNARY_PRIMS.map((p) => [p, unary(p)])) as { [P in (typeof UNARY_PRIMS)[number]]: ShapeRule<P> }),
  ...(Object.fromEntries(BINARY_PRIMS.map((p) => [p, binary(p)])) as { [P in (typeof BINARY_PRIMS)[number]]: ShapeRule<P> }),
  where: ([c, a, b]) => {
    const dtype = sameDtype('where', [a, b]);
    return { shape: broadcastShapes('where', c.shape, a.shape, b.shape), dtype };
  },
  cast: ([x], { dtype }) => ({ shape: x.shape, dtype }),
  sum: reduce('sum'),
  max: reduce('max'),
  argmax: ([x], { axis }) => {
    checkAxes('argmax', [axis], x.shape.length);
    if (x.shape[axis] === 0) throw new ShapeError('argmax', `cannot take argmax over the empty axis ${axis} of ${f(x.shape)}`);
    return { shape: x.shape.map((d, i) => (i === axis ? 1 : d)), dtype: 'int32' };
  },
  reshape: ([x], { shape }) => {
    checkShape('reshape', shape);
    const n = shape.reduce((a, b) => a * b, 1);
    const m = x.shape.reduce((a, b) => a * b, 1);
    if (n !== m) throw new ShapeError('reshape', `cannot reshape ${f(x.shape)} (${m} elements) to ${f(shape)} (${n} elements)`);
    return { shape: [...shape], dtype: x.dtype };
  },
  permute: ([x], { perm }) => {
    if (perm.length !== x.shape.length) throw new ShapeError('permute', `perm ${f(perm)} has ${perm.length} axes but input ${f(x.shape)} has ${x.shape.length}`);
    checkAxes('permute', perm, x.shape.length);
    return { shape: perm.map((p) => x.shape[p]), dtype: x.dtype };
  },
  expand: ([x], { shape }) => {
    checkShape('expand', shape);
    if (shape.length < x.shape.length) throw new ShapeError('expand', `cannot expand ${f(x.shape)} to fewer dims ${f(shape)}`);
    const off = shape.length - x.shape.length;
    x.shape.forEach((d, i) => {
      if (d !== 1 && d !== shape[off + i]) throw new ShapeError('expand', `cannot expand ${f(x.shape)} to ${f(shape)} (dim ${off + i}: ${d} vs ${shape[off + i]})`);
    });
    return { shape: [...shape], dtype: x.dtype };
  },
  slice: ([x], { starts, steps, shape }) => {
    const r = x.shape.length;
    if (starts.length !== r || steps.length !== r || shape.length !== r) throw new ShapeError('slice', `expected ${r} starts/steps/sizes for input ${f(x.shape)}`);
    checkShape('slice', shape);
    for (let i = 0; i < r; i++) {
      checkInt('slice', 'step', steps[i], 1);
      checkInt('slice', 'start', starts[i], 0);
      if (shape[i] > 0 && starts[i] + (shape[i] - 1) * steps[i] >= x.shape[i]) {
        throw new ShapeError('slice', `dim ${i}: start ${starts[i]}, step ${steps[i]}, size ${shape[i]} runs past ${x.shape[i]} (input ${f(x.shape)})`);
      }
    }
    return { shape: [...shape], dtype: x.dtype };
  },
  pad: ([x], { pads, value }) => {
    if (pads.length !== x.shape.length) throw new ShapeError('pad', `expected ${x.shape.length} (before, after) pairs for input ${f(x.shape)}, got ${pads.length}`);
    for (const [a, b] of pads) { checkInt('pad', 'padding', a); checkInt('pad', 'padding', b); }
    if (Number.isNaN(value)) throw new ShapeError('pad', 'value must not be NaN');
    return { shape: x.shape.map((d, i) => d + pads[i][0] + pads[i][1]), dtype: x.dtype };
  },
  concat: (inputs, { axis }) => {
    if (inputs.length === 0) throw new ShapeError('concat', 'needs at least one tensor');
    const dtype = sameDtype('concat', inputs);
    const r = inputs[0].shape.length;
    checkAxes('concat', [axis], r);
    let total = 0;
    for (const x of inputs) {
      if (x.shape.length !== r || x.shape.some((d, i) => i !== axis && d !== inputs[0].shape[i])) {
        throw new ShapeError('concat', `shapes ${inputs.map((i) => f(i.shape)).join(', ')} differ outside axis ${axis}`);
      }
      total += x.shape[axis];
    }
    return { shape: inputs[0].shape.map((d, i) => (i === axis ? total : d)), dtype };
  },
  flip: ([x], { axes }) => {
    checkAxes('flip', axes, x.shape.length);
    return { shape: x.shape, dtype: x.dtype };
  },
  gather: ([x, idx], { axis }) => {
    if (idx.dtype !== 'int32') throw new ShapeError('gather', `index must be int32, got ${idx.dtype}`);
    checkAxes('gather', [axis], x.shape.length);
    return { shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)], dtype: x.dtype };
  },
  scatterAdd: ([g, idx], { axis, size }) => {
    if (idx.dtype !== 'int32') throw new ShapeError('scatterAdd', `index must be int32, got ${idx.dtype}`);
    checkInt('scatterAdd', 'size', size);
    const k = idx.shape.length;
    const outer = g.shape.slice(0, axis);
    const inner = g.shape.slice(axis + k);
    const mid = g.shape.slice(axis, axis + k);
    if (mid.length !== k || mid.some((d, i) => d !== idx.shape[i])) {
      throw new ShapeError('scatterAdd', `values ${f(g.shape)} do not hold index ${f(idx.shape)} at axis ${axis}`);
    }
    return { shape: [...outer, size, ...inner], dtype: g.dtype };
  },
  matmul: ([a, b], { transA, transB }) => {
    const op = 'matmul';
    if (a.shape.length < 2 || b.shape.length < 2) throw new ShapeError(op, `operands must be at least 2-D, got ${f(a.shape)} and ${f(b.shape)}`);
    const dtype = sameDtype(op, [a, b]);
    const ra = a.shape.length, rb = b.shape.length;
    const [m, ka] = transA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
    const [kb, n] = transB ? [b.shape[rb - 1], b.shape[rb - 2]] : [b.shape[rb - 2], b.shape[rb - 1]];
    if (ka !== kb) throw new ShapeError(op, `inner dimensions differ: ${ka} vs ${kb} (a ${f(a.shape)}${transA ? 'ᵀ' : ''}, b ${f(b.shape)}${transB ? 'ᵀ' : ''})`);
    const batch = broadcastShapes(op, a.shape.slice(0, -2), b.shape.slice(0, -2));
    return { shape: [...batch, m, n], dtype };
  },
  conv2d: ([x, w], p) => {
    const op = 'conv2d';
    rank4(op, 'input', x); rank4(op, 'weight', w);
    checkConvParams(op, p);
    const dtype = convCheckFloat(op, [x, w]);
    const [n, c, h, wd] = x.shape;
    const [o, cg, kh, kw] = w.shape;
    const g = p.groups;
    if (c !== cg * g) throw new ShapeError(op, `input has ${c} channels but weight expects ${cg * g} (input ${f(x.shape)}, weight ${f(w.shape)}${g > 1 ? `, groups ${g}` : ''})`);
    if (o % g !== 0) throw new ShapeError(op, `out channels ${o} not divisible by groups ${g} (weight ${f(w.shape)})`);
    const ho = convOutSize(h, kh, p.stride[0], p.padding[0], p.dilation[0]);
    const wo = convOutSize(wd, kw, p.stride[1], p.padding[1], p.dilation[1]);
    if (ho <= 0 || wo <= 0) throw new ShapeError(op, `kernel ${kh}x${kw} (dilation ${p.dilation}) is larger than the padded input ${f(x.shape)} with padding ${p.padding}`);
    return { shape: [n, o, ho, wo], dtype };
  },
  convTranspose2d: ([x, w], p) => {
    const op = 'convTranspose2d';
    rank4(op, 'input', x); rank4(op, 'weight', w);
    checkConvParams(op, p);
    const dtype = convCheckFloat(op, [x, w]);
    const [n, c, h, wd] = x.shape;
    const [cw, og, kh, kw] = w.shape;
    const g = p.groups;
    if (c !== cw) throw new ShapeError(op, `input has ${c} channels but weight expects ${cw} (input ${f(x.shape)}, weight ${f(w.shape)})`);
    if (c % g !== 0) throw new ShapeError(op, `in channels ${c} not divisible by groups ${g}`);
    for (let i = 0; i < 2; i++) {
      checkInt(op, 'outputPadding', p.outputPadding[i]);
      if (p.outputPadding[i] >= Math.max(p.stride[i], p.dilation[i])) {
        throw new ShapeError(op, `outputPadding ${p.outputPadding} must be smaller than stride ${p.stride} or dilation ${p.dilation}`);
      }
    }
    const ho = convTransposeOutSize(h, kh, p.stride[0], p.padding[0], p.dilation[0], p.outputPadding[0]);
    const wo = convTransposeOutSize(wd, kw, p.stride[1], p.padding[1], p.dilation[1], p.outputPadding[1]);
    if (ho <= 0 || wo <= 0) throw new ShapeError(op, `output size ${ho}x${wo} is not positive (input ${f(x.shape)}, weight ${f(w.shape)}, padding ${p.padding})`);
    return { shape: [n, og * g, ho, wo], dtype };
  },
  conv2dWeightGrad: ([x, gy], p) => {
    const op = 'conv2dWeightGrad';
    rank4(op, 'input', x); rank4(op, 'gradOutput', gy);
    checkConvParams(op, p);
    const dtype = convCheckFloat(op, [x, gy]);
    const [kh, kw] = p.kernel;
    checkInt(op, 'kernel', kh, 1); checkInt(op, 'kernel', kw, 1);
    const [n, c, h, wd] = x.shape;
    const [n2, o, ho, wo] = gy.shape;
    const g = p.groups;
    if (n !== n2) throw new ShapeError(op, `batch sizes differ (input ${f(x.shape)}, gradOutput ${f(gy.shape)})`);
    if (c % g !== 0 || o % g !== 0) throw new ShapeError(op, `channels ${c} and ${o} must be divisible by groups ${g}`);
    const eh = convOutSize(h, kh, p.stride[0], p.padding[0], p.dilation[0]);
    const ew = convOutSize(wd, kw, p.stride[1], p.padding[1], p.dilation[1]);
    if (eh !== ho || ew !== wo) throw new ShapeError(op, `gradOutput ${f(gy.shape)} does not match the conv output ${eh}x${ew} of input ${f(x.shape)}`);
    return { shape: [o, c / g, kh, kw], dtype };
  },
  batchNormStats: ([x]) => {
    const C = batchNormChannels('batchNormStats', x);
    if (C > 0 && x.shape.reduce((a, b) => a * b, 1) === 0) throw new ShapeError('batchNormStats', `needs at least one value per channel, got input ${f(x.shape)}`);
    return { shape: [2, C], dtype: x.dtype };
  },
  batchNorm: (inputs, { eps, batchStats }) => {
    const op = 'batchNorm';
    const names = ['input', 'stats', 'weight', 'bias'];
    bnArity(op, inputs, 2, names);
    bnEps(op, eps);
    if (typeof batchStats !== 'boolean') throw new ShapeError(op, `batchStats must be a boolean, got ${String(batchStats)}`);
    const [x, ...rest] = inputs;
    const C = batchNormChannels(op, x);
    const dtype = batchNormOperands(op, x, rest, names.slice(1), [[2, C], [C], [C]]);
    return { shape: x.shape, dtype };
  },
  batchNormGradStats: (inputs, { eps }) => {
    const op = 'batchNormGradStats';
    const names = ['gradOutput', 'input', 'stats'];
    bnArity(op, inputs, 3, names);
    bnEps(op, eps);
    const [g, x, s] = inputs;
    const C = batchNormChannels(op, x);
    const dtype = batchNormOperands(op, x, [g, s], [names[0], names[2]], [[...x.shape], [2, C]]);
    return { shape: [2, C], dtype };
  },
  batchNormInputGrad: (inputs, { eps }) => {
    const op = 'batchNormInputGrad';
    const names = ['gradOutput', 'input', 'stats', 'gradStats', 'weight'];
    bnArity(op, inputs, 4, names);
    bnEps(op, eps);
    const [g, x, ...rest] = inputs;
    const C = batchNormChannels(op, x);
    const dtype = batchNormOperands(op, x, [g, ...rest], [names[0], ...names.slice(2)], [[...x.shape], [2, C], [2, C], [C]]);
    return { shape: x.shape, dtype };
  },
  randUniform: (_, { shape, dtype }) => {
    checkShape('rand', shape);
    if (!isFloat(dtype)) throw new ShapeError('rand', `dtype must be floating-point, got ${dtype}`);
    return { shape: [...shape], dtype };
  },
  randNormal: (_, { shape, dtype }) => {
    checkShape('randn', shape);
    if (!isFloat(dtype)) throw new ShapeError('randn', `dtype must be floating-point, got ${dtype}`);
    return { shape: [...shape], dtype };
  },
};

export const shapeRules = rules;
