import type { DType } from '../base/dtype.ts';
import { fmtShape } from '../base/dtype.ts';
import {
  add, cast, concat, conv2d, convTranspose2d, div, expand, flatten, indexSelect, leakyRelu, linear, mean, mul,
  ne, ones, relu, reshape, sigmoid, sqrt, sub, tanh, tensor, upsampleNearest, where, zeros, type ConvOpts,
} from '../tensor/ops.ts';
import type { ActivationOpts } from '../tensor/epilogue.ts';
import { noGrad } from '../tensor/runtime.ts';
import { pair, type Pair } from '../tensor/shape.ts';
import { tidy } from '../tensor/scope.ts';
import { Tensor } from '../tensor/tensor.ts';
import {
  checkBatchNormLayerInput, checkConvGroups, checkGroupSize, checkImageBatch, checkInt32, checkPadding2d,
} from '../tensor/validate.ts';
import * as F from './functional.ts';
import { kaimingUniform_, normal_, uniform_ } from './init.ts';
import { Module } from './module.ts';
import { Parameter, assign_ } from './parameter.ts';


/** PyTorch's default init for Linear/Conv: kaiming_uniform(a = √5) weight, U(±1/√fan_in) bias. */
function resetLinearLike(weight: Parameter, bias: Parameter | null, fanIn: number): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const b = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -b, b);
  }
}

export interface LinearOpts { bias?: boolean; dtype?: DType }

/** y = x Wᵀ + b, W [out, in] */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LinearOpts = {}) {
    super();
    const dtype = opts.dtype ?? 'float32';
    this.weight = new Parameter(zeros([outFeatures, inFeatures], { dtype }));
    this.bias = opts.bias ?? true ? new Parameter(zeros([outFeatures], { dtype })) : null;
    this.resetParameters();
  }
  resetParameters(): void { resetLinearLike(this.weight, this.bias, this.inFeatures); }
  override forward(x: Tensor): Tensor { return linear(x, this.weight, this.bias); }
  /** act(forward(x)) with the activation in the GEMM's epilogue (nn.Sequential fuses with it) */
  forwardAct(x: Tensor, a: ActivationOpts): Tensor { return linear(x, this.weight, this.bias, a); }
  override extraRepr(): string { return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`; }
}

export interface Conv2dOpts extends ConvOpts { bias?: boolean; dtype?: DType }

/** 2-D convolution, weight [out, in/groups, kH, kW] */
export class Conv2d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: [number, number];
  readonly opts: ConvOpts;
  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, opts: Conv2dOpts = {}) {
    super();
    const groups = opts.groups ?? 1;
    checkConvGroups('Conv2d', inChannels, outChannels, groups);
    this.kernelSize = pair('Conv2d', 'kernelSize', kernelSize, 1);
    this.opts = { stride: opts.stride ?? 1, padding: opts.padding ?? 0, dilation: opts.dilation ?? 1, groups };
    const dtype = opts.dtype ?? 'float32';
    this.weight = new Parameter(zeros([outChannels, inChannels / groups, ...this.kernelSize], { dtype }));
    this.bias = opts.bias ?? true ? new Parameter(zeros([outChannels], { dtype })) : null;
    this.resetParameters();
  }
  resetParameters(): void {
    resetLinearLike(this.weight, this.bias, this.weight.shape[1] * this.kernelSize[0] * this.kernelSize[1]);
  }
  override forward(x: Tensor): Tensor { return conv2d(x, this.weight, this.bias, this.opts); }
  /** act(forward(x)) with the activation in the GEMM's epilogue (nn.Sequential fuses with it) */
  forwardAct(x: Tensor, a: ActivationOpts): Tensor { return conv2d(x, this.weight, this.bias, { ...this.opts, ...a }); }
  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${fmtShape(this.kernelSize)}, stride=${String(this.opts.stride)}, padding=${String(this.opts.padding)}`;
  }
}

export interface ConvTranspose2dOpts extends Conv2dOpts { outputPadding?: Pair }

/** Transposed 2-D convolution, weight [in, out/groups, kH, kW] */
export class ConvTranspose2d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: [number, number];
  readonly opts: ConvOpts & { outputPadding: Pair };
  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, opts: ConvTranspose2dOpts = {}) {
    super();
    const groups = opts.groups ?? 1;
    checkConvGroups('ConvTranspose2d', inChannels, outChannels, groups);
    this.kernelSize = pair('ConvTranspose2d', 'kernelSize', kernelSize, 1);
    this.opts = { stride: opts.stride ?? 1, padding: opts.padding ?? 0, dilation: opts.dilation ?? 1, groups, outputPadding: opts.outputPadding ?? 0 };
    const dtype = opts.dtype ?? 'float32';
    this.weight = new Parameter(zeros([inChannels, outChannels / groups, ...this.kernelSize], { dtype }));
    this.bias = opts.bias ?? true ? new Parameter(zeros([outChannels], { dtype })) : null;
    this.resetParameters();
  }
  resetParameters(): void {
    // torch computes fan_in from weight.size(1) = out/groups here
    resetLinearLike(this.weight, this.bias, this.weight.shape[1] * this.kernelSize[0] * this.kernelSize[1]);
  }
  override forward(x: Tensor): Tensor { return convTranspose2d(x, this.weight, this.bias, this.opts); }
  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${fmtShape(this.kernelSize)}, stride=${String(this.opts.stride)}, padding=${String(this.opts.padding)}`;
  }
}

export interface BatchNormOpts {
  eps?: number;
  /** null = cumulative moving average (1 / num_batches_tracked) */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
  dtype?: DType;
}

/**
 * The parameters and buffers of the normalisation layers (torch's _NormBase): weight and bias
 * [numFeatures] when affine; running_mean, running_var and num_batches_tracked (int64 in torch;
 * an int32 scalar here, saved and loaded as int32) when tracking running statistics.
 */
class NormBase extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  constructor(readonly numFeatures: number, opts: BatchNormOpts & { affine: boolean; trackRunningStats: boolean }) {
    super();
    const dtype = opts.dtype ?? 'float32';
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.weight = opts.affine ? new Parameter(ones([numFeatures], { dtype })) : null;
    this.bias = opts.affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    if (opts.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], { dtype }));
      this.registerBuffer('running_var', ones([numFeatures], { dtype }));
      this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int32' }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
  }
  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}, trackRunningStats=${this.running_mean !== null}`;
  }
}

/** Batch normalisation over channel axis 1 (affine and tracking running statistics by default). */
class BatchNormBase extends NormBase {
  constructor(numFeatures: number, opts: BatchNormOpts, private readonly ranks: number[]) {
    super(numFeatures, { ...opts, affine: opts.affine ?? true, trackRunningStats: opts.trackRunningStats ?? true });
  }
  override forward(x: Tensor): Tensor {
    checkBatchNormLayerInput(this.constructor.name, x.shape, this.ranks, this.numFeatures);
    let momentum: number | Tensor = this.momentum ?? 0;
    let cumulative: Tensor | null = null;
    const nbt = this.training ? this.num_batches_tracked : null;
    const count = () => noGrad(() => assign_(nbt!, add(nbt!, 1)));
    if (nbt && this.momentum === null) {
      count();
      // cumulative average: momentum = 1 / num_batches_tracked (as a tensor: no read-back)
      momentum = cumulative = noGrad(() => tidy(() => div(1, cast(nbt, this.running_mean?.dtype ?? 'float32'))));
    }
    const useBatch = this.training || !this.running_mean;
    const y = F.batchNorm(x, useBatch && !this.training ? null : this.running_mean, useBatch && !this.training ? null : this.running_var, {
      weight: this.weight, bias: this.bias, training: useBatch, momentum, eps: this.eps,
    });
    // counted after the running statistics' update (the same values): a traced step writes all three in one kernel
    if (nbt && this.momentum !== null) count();
    cumulative?.dispose();
    return y;
  }
}

/** BatchNorm over [N,C] or [N,C,L] */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOpts = {}) { super(numFeatures, opts, [2, 3]); }
}

/** BatchNorm over [N,C,H,W] */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOpts = {}) { super(numFeatures, opts, [4]); }
}

export interface InstanceNormOpts {
  eps?: number;
  momentum?: number;
  /** learnable weight and bias [numFeatures] (default false, as in torch) */
  affine?: boolean;
  /** running statistics, used in eval mode (default false, as in torch) */
  trackRunningStats?: boolean;
  dtype?: DType;
}

/**
 * Instance normalisation of [N,C,H,W] (or an unbatched [C,H,W]): each sample's channel by its own
 * mean and biased variance (F.instanceNorm). PyTorch's defaults (affine and trackRunningStats
 * false) and state-dict keys; with trackRunningStats, training updates running_mean/running_var
 * (num_batches_tracked is kept but not counted, as in torch) and eval mode normalises with them.
 */
export class InstanceNorm2d extends NormBase {
  constructor(numFeatures: number, opts: InstanceNormOpts = {}) {
    super(numFeatures, { ...opts, affine: opts.affine ?? false, trackRunningStats: opts.trackRunningStats ?? false });
  }
  override forward(x: Tensor): Tensor {
    checkBatchNormLayerInput('InstanceNorm2d', x.shape, [3, 4], this.numFeatures, 3);
    const xb = x.ndim === 3 ? reshape(x, [1, ...x.shape]) : x;
    const y = F.instanceNorm(xb, {
      runningMean: this.running_mean, runningVar: this.running_var, weight: this.weight, bias: this.bias,
      useInputStats: this.training || !this.running_mean, momentum: this.momentum ?? 0.1, eps: this.eps,
    });
    return x.ndim === 3 ? reshape(y, x.shape) : y;
  }
}

type Padding2d = number | [left: number, right: number, top: number, bottom: number];

/**
 * The padding layers: [left, right, top, bottom] of the last two dims (F.pad's order; negative
 * values crop). Reflection and replication take [N,C,H,W] or [C,H,W]; F.pad checks the input.
 */
class Pad2d extends Module {
  readonly padding: [number, number, number, number];
  constructor(padding: Padding2d, private readonly mode: F.PadMode, readonly value = 0) {
    super();
    checkPadding2d(this.constructor.name, padding);
    this.padding = typeof padding === 'number' ? [padding, padding, padding, padding] : [...padding];
  }
  override forward(x: Tensor): Tensor { return F.pad(x, this.padding, this.mode, this.value); }
  override extraRepr(): string { return `padding=${fmtShape(this.padding)}${this.mode === 'constant' ? `, value=${this.value}` : ''}`; }
}

/** torch.nn.ReflectionPad2d: mirror about the edges (each pad < the size of its dim). */
export class ReflectionPad2d extends Pad2d { constructor(padding: Padding2d) { super(padding, 'reflect'); } }
/** torch.nn.ReplicationPad2d: repeat the edge pixels. */
export class ReplicationPad2d extends Pad2d { constructor(padding: Padding2d) { super(padding, 'replicate'); } }
/** torch.nn.ZeroPad2d: pad with zeros. */
export class ZeroPad2d extends Pad2d { constructor(padding: Padding2d) { super(padding, 'constant'); } }

/** Layer normalisation over the trailing `normalizedShape` dims. */
export class LayerNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly normalizedShape: number[];
  constructor(normalizedShape: number | number[], readonly opts: { eps?: number; elementwiseAffine?: boolean; bias?: boolean; dtype?: DType } = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    const dtype = opts.dtype ?? 'float32';
    const affine = opts.elementwiseAffine ?? true;
    this.weight = affine ? new Parameter(ones(this.normalizedShape, { dtype })) : null;
    this.bias = affine && (opts.bias ?? true) ? new Parameter(zeros(this.normalizedShape, { dtype })) : null;
  }
  override forward(x: Tensor): Tensor { return F.layerNorm(x, this.normalizedShape, this.weight, this.bias, this.opts.eps ?? 1e-5); }
  override extraRepr(): string { return `${fmtShape(this.normalizedShape)}, eps=${this.opts.eps ?? 1e-5}`; }
}

/** Lookup table: int32 indices [...] -> [..., embeddingDim]; weight ~ N(0, 1). */
export class Embedding extends Module {
  weight: Parameter;
  readonly paddingIdx: number | null;
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: { paddingIdx?: number; dtype?: DType } = {}) {
    super();
    this.weight = new Parameter(zeros([numEmbeddings, embeddingDim], { dtype: opts.dtype ?? 'float32' }));
    const pi = opts.paddingIdx;
    if (pi !== undefined && (pi >= numEmbeddings || pi < -numEmbeddings)) throw new RangeError(`Embedding: paddingIdx ${pi} must be within num_embeddings ${numEmbeddings}`);
    this.paddingIdx = pi === undefined ? null : pi < 0 ? pi + numEmbeddings : pi;
    this.resetParameters();
  }
  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) {
      const rowMask = this.paddingMask();
      noGrad(() => assign_(this.weight, tidy(() => where(rowMask, this.weight, 0))));
      rowMask.dispose();
    }
  }
  /** [num, 1] with 0 at paddingIdx, 1 elsewhere */
  private paddingMask(): Tensor {
    const m = new Float32Array(this.numEmbeddings).fill(1);
    m[this.paddingIdx!] = 0;
    return tensor(m, [this.numEmbeddings, 1], { dtype: this.weight.dtype });
  }
  override forward(idx: Tensor): Tensor {
    checkInt32('Embedding', 'indices', idx.dtype);
    const flat = reshape(idx, [-1]);
    let rows = indexSelect(this.weight, 0, flat);
    // the padding row gets no gradient (as in torch)
    if (this.paddingIdx !== null) rows = mul(rows, reshape(cast(ne(flat, this.paddingIdx), rows.dtype), [-1, 1]));
    return reshape(rows, [...idx.shape, this.embeddingDim]);
  }
  override extraRepr(): string { return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}`; }
}

/** Randomly zeroes elements with probability p in training mode (Philox stream). */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  }
  override forward(x: Tensor): Tensor { return F.dropout(x, this.p, this.training); }
  override extraRepr(): string { return `p=${this.p}`; }
}

export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) { super(); }
  override forward(x: Tensor): Tensor { return flatten(x, this.startDim, this.endDim); }
  override extraRepr(): string { return `startDim=${this.startDim}, endDim=${this.endDim}`; }
}

/** [N, flat] -> [N, ...shape] along `dim` (torch.nn.Unflatten). */
export class Unflatten extends Module {
  constructor(readonly dim: number, readonly unflattenedSize: number[]) { super(); }
  override forward(x: Tensor): Tensor {
    const d = this.dim < 0 ? this.dim + x.ndim : this.dim;
    return reshape(x, [...x.shape.slice(0, d), ...this.unflattenedSize, ...x.shape.slice(d + 1)]);
  }
}

/** Nearest-neighbour upsampling by an integer scale factor. */
export class Upsample extends Module {
  readonly scaleFactor: Pair;
  readonly mode: 'nearest';
  constructor(opts: { scaleFactor: Pair; mode?: 'nearest' }) {
    super();
    if ((opts.mode ?? 'nearest') !== 'nearest') throw new RangeError(`Upsample: only mode 'nearest' is supported, got ${String(opts.mode)}`);
    this.scaleFactor = opts.scaleFactor;
    this.mode = 'nearest';
  }
  override forward(x: Tensor): Tensor { return upsampleNearest(x, this.scaleFactor); }
  override extraRepr(): string { return `scaleFactor=${String(this.scaleFactor)}, mode=nearest`; }
}

export class ReLU extends Module { override forward(x: Tensor): Tensor { return relu(x); } }
export class Tanh extends Module { override forward(x: Tensor): Tensor { return tanh(x); } }
export class Sigmoid extends Module { override forward(x: Tensor): Tensor { return sigmoid(x); } }
export class Identity extends Module { override forward(x: Tensor): Tensor { return x; } }
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) { super(); }
  override forward(x: Tensor): Tensor { return leakyRelu(x, this.negativeSlope); }
  override extraRepr(): string { return `negativeSlope=${this.negativeSlope}`; }
}

/**
 * Minibatch standard deviation (ProGAN/StyleGAN): appends one channel holding the mean over
 * C,H,W of the per-group std of the features. Sample n is in group n mod (N / groupSize).
 */
export class MinibatchStdDev extends Module {
  constructor(readonly groupSize = 4, readonly eps = 1e-8) { super(); }
  override forward(x: Tensor): Tensor {
    checkImageBatch('MinibatchStdDev', x.shape);
    const [N, C, H, W] = x.shape;
    const G = Math.min(this.groupSize, N);
    checkGroupSize('MinibatchStdDev', N, G);
    const M = N / G;
    const y = reshape(x, [G, M, C, H, W]);
    const d = sub(y, mean(y, 0, true));
    const sd = sqrt(add(mean(mul(d, d), 0), this.eps)); // [M,C,H,W]
    const s = mean(sd, [1, 2, 3]); // [M]
    const tiled = reshape(expand(reshape(s, [1, M, 1, 1, 1]), [G, M, 1, H, W]), [N, 1, H, W]);
    return concat([x, tiled], 1);
  }
  override extraRepr(): string { return `groupSize=${this.groupSize}`; }
}
