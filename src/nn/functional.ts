import {
  abs, add, cast, concat, div, exp, expand, ge, gt, indexSelect, log, logSoftmax, lt, maximum, mean, mul, narrow, neg,
  oneHot, pad as constantPad, rand, reshape, relu, rsqrt, slice, sqrt, sub, sum, tensor, where, type SliceSpec, type TensorLike,
} from '../tensor/ops.ts';
import { batchNormNormalize, batchNormStats } from '../tensor/batchnorm.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import {
  type PadMode, checkBatchNormArgs, checkClassTargets, checkInstanceNormArgs, checkNormalizedShape, checkPadArgs, checkSameShape,
} from '../tensor/validate.ts';
import { assign_ } from './parameter.ts';

/** torch.nn.functional: padding, normalisation, dropout and losses, all composed of public tensor ops. */

// the activations, linear maps, convolutions and pooling are tensor ops; re-exported for F.* parity
export {
  relu, leakyRelu, sigmoid, tanh, softplus, softmax, logSoftmax, linear, conv2d, convTranspose2d,
  avgPool2d, maxPool2d, upsampleNearest,
} from '../tensor/ops.ts';
export type { PadMode };

export type Reduction = 'mean' | 'sum' | 'none';

function reduce(op: string, loss: Tensor, reduction: Reduction = 'mean'): Tensor {
  switch (reduction) {
    case 'mean': return mean(loss);
    case 'sum': return sum(loss);
    case 'none': return loss;
    default: throw new RangeError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${String(reduction)}`);
  }
}

// ---------------------------------------------------------------- padding

/**
 * torch.nn.functional.pad: pads = [lastBefore, lastAfter, prevBefore, prevAfter, …] (the last dim
 * first); a negative pad crops. 'constant' fills with `value` (the pad primitive); 'reflect'
 * mirrors about the edge without repeating it (pads < the dim's size); 'replicate' repeats the
 * edge. Those two pad the last 1–3 dims (an [N,C,H,W] input: pads of length 4 or 6) and are one
 * gather per padded dim: output j of a dim of size n reads input r(j − before), with
 *   reflect:   r(i) = −i for i < 0,  2(n − 1) − i for i ≥ n,  else i
 *   replicate: r(i) = clamp(i, 0, n − 1)
 * so the gradient is gather's (a scatter-add: each input sums the outputs that read it).
 */
export function pad(x: Tensor, pads: readonly number[], mode: PadMode = 'constant', value = 0): Tensor {
  checkPadArgs(x.shape, pads, mode, value);
  const k = pads.length / 2;
  const dimOf = (i: number) => x.ndim - 1 - i;
  if (mode === 'constant') {
    if (pads.every((p) => p >= 0)) return constantPad(x, [...pads], value);
    // crop the negative sides, then pad the positive ones
    const specs: SliceSpec[] = x.shape.map(() => null);
    for (let i = 0; i < k; i++) specs[dimOf(i)] = [Math.max(0, -pads[2 * i]), x.shape[dimOf(i)] - Math.max(0, -pads[2 * i + 1])];
    const cropped = slice(x, specs);
    const y = constantPad(cropped, pads.map((p) => Math.max(0, p)), value);
    if (!y.node) cropped.dispose();
    return y;
  }
  let y = x;
  for (let i = 0; i < k; i++) {
    const before = pads[2 * i], after = pads[2 * i + 1];
    if (before === 0 && after === 0) continue;
    const n = x.shape[dimOf(i)];
    const src = (j: number) => {
      const t = j - before;
      if (mode === 'replicate') return Math.min(n - 1, Math.max(0, t));
      return t < 0 ? -t : t >= n ? 2 * (n - 1) - t : t;
    };
    const index = tensor(Int32Array.from({ length: n + before + after }, (_, j) => src(j)), [n + before + after], { dtype: 'int32' });
    const out = indexSelect(y, dimOf(i), index);
    // the gather's vjp reads its index; an unrecorded intermediate is ours to free
    if (!out.node) {
      index.dispose();
      if (y !== x) y.dispose();
    }
    y = out;
  }
  return y === x ? mul(x, 1) : y;
}

// ---------------------------------------------------------------- normalisation

export interface BatchNormOpts {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  /** running = (1 − momentum)·running + momentum·batch statistic (a number or a scalar tensor) */
  momentum?: TensorLike;
  eps?: number;
}

/**
 * torch.nn.functional.batch_norm over channel axis 1 of [N,C,...]. Training normalises with the
 * biased batch variance and (if given) updates runningMean/runningVar in place with the unbiased
 * one; otherwise it uses the running statistics. Fused primitives (src/tensor/batchnorm.ts): two
 * passes over x in training (statistics, normalize), one with running statistics; the backward
 * is two more (see src/autograd/batchnorm.ts).
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOpts = {}): Tensor {
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = opts;
  // x, weight and bias are checked by the primitives' shape rules; the running statistics here
  const C = checkBatchNormArgs(x, runningMean, runningVar, training);
  if (training || !runningMean || !runningVar) {
    const n = x.shape.reduce((a, d, i) => (i === 1 ? a : a * d), 1); // values per channel
    // two passes over x: the statistics (detached: the prim's vjp differentiates through them), then y
    const stats = noGrad(() => batchNormStats(x));
    const y = batchNormNormalize(x, stats, weight, bias, eps, true);
    if (training && runningMean && runningVar) {
      noGrad(() => {
        const [rm, rv] = tidy(() => {
          const m = momentum;
          const keepFrac = typeof m === 'number' ? 1 - m : sub(1, m);
          const bm = reshape(narrow(stats, 0, 0, 1), [C]);
          const bv = mul(reshape(narrow(stats, 0, 1, 1), [C]), n / (n - 1));
          return [add(mul(runningMean, keepFrac), mul(bm, m)), add(mul(runningVar, keepFrac), mul(bv, m))];
        });
        assign_(runningMean, rm);
        assign_(runningVar, rv);
      });
    }
    if (!y.node) stats.dispose();
    return y;
  }
  const stats = concat([reshape(runningMean, [1, C]), reshape(runningVar, [1, C])], 0);
  const y = batchNormNormalize(x, stats, weight, bias, eps, false);
  if (!y.node) stats.dispose();
  return y;
}

export interface InstanceNormOpts {
  /** [C]; updated in place when the input's statistics are used */
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** normalise each instance by its own statistics (else by the running ones) */
  useInputStats?: boolean;
  /** running = (1 − momentum)·running + momentum·(the batch mean of each instance's statistic) */
  momentum?: number;
  eps?: number;
}

/**
 * torch.nn.functional.instance_norm over [N,C,*]: each (sample, channel) plane normalised by its
 * own mean and biased variance, then weight·x̂ + bias per channel. As in torch, this is batch norm
 * of x viewed as [1, N·C, *] with weight, bias and the running statistics tiled N times (so the
 * fused batch-norm primitives and their vjps, second order included, serve it); each running
 * statistic becomes the mean over the batch of its N updated copies. With useInputStats = false
 * it is batch norm of x with the running statistics.
 */
export function instanceNorm(x: Tensor, opts: InstanceNormOpts = {}): Tensor {
  const { runningMean = null, runningVar = null, weight = null, bias = null, useInputStats = true, momentum = 0.1, eps = 1e-5 } = opts;
  const C = checkInstanceNormArgs(x, { weight, bias, runningMean, runningVar }, useInputStats);
  if (!useInputStats) return batchNorm(x, runningMean, runningVar, { weight, bias, training: false, eps });
  const N = x.shape[0];
  const tile = (t: Tensor) => reshape(expand(reshape(t, [1, C]), [N, C]), [N * C]);
  const track = runningMean && runningVar ? noGrad(() => tidy(() => [tile(runningMean), tile(runningVar)])) : null;
  const y = batchNorm(reshape(x, [1, N * C, ...x.shape.slice(2)]), track?.[0] ?? null, track?.[1] ?? null, {
    weight: weight && tile(weight), bias: bias && tile(bias), training: true, momentum, eps,
  });
  if (track) {
    noGrad(() => {
      assign_(runningMean!, tidy(() => mean(reshape(track[0], [N, C]), 0)));
      assign_(runningVar!, tidy(() => mean(reshape(track[1], [N, C]), 0)));
    });
    track.forEach((t) => t.dispose());
  }
  return reshape(y, x.shape);
}

/** torch.nn.functional.layer_norm over the trailing dims `normalizedShape` (biased variance). */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  checkNormalizedShape(x.shape, normalizedShape);
  const k = normalizedShape.length;
  const axes = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  const d = sub(x, mean(x, axes, true));
  let y = mul(d, rsqrt(add(mean(mul(d, d), axes, true), eps)));
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}

/** Zero each element with probability p and scale the rest by 1/(1−p) (training only). */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (!training || p === 0) return x;
  if (p === 1) return mul(x, 0);
  const keepMask = cast(ge(rand(x.shape, { dtype: x.dtype }), p), x.dtype);
  return mul(x, mul(keepMask, 1 / (1 - p)));
}

/** x / max(‖x‖₂, eps) along `dim` (torch.nn.functional.normalize with p = 2). */
export function normalize(x: Tensor, dim = 1, eps = 1e-12): Tensor {
  const n = sqrt(sum(mul(x, x), dim, true));
  return div(x, maximum(n, eps));
}

// ---------------------------------------------------------------- losses

export interface LossOpts { reduction?: Reduction }
export interface WeightedLossOpts extends LossOpts { weight?: Tensor | null }

/** ½-free squared error (x − y)² */
export function mseLoss(x: Tensor, y: Tensor, opts: LossOpts = {}): Tensor {
  checkSameShape('mseLoss', x.shape, y.shape);
  const d = sub(x, y);
  return reduce('mseLoss', mul(d, d), opts.reduction);
}

/** |x − y| */
export function l1Loss(x: Tensor, y: Tensor, opts: LossOpts = {}): Tensor {
  checkSameShape('l1Loss', x.shape, y.shape);
  return reduce('l1Loss', abs(sub(x, y)), opts.reduction);
}

/**
 * −w·[y·log p + (1 − y)·log(1 − p)] with each log clamped at −100 (as torch does, so p ∈ {0, 1}
 * gives a finite loss). The gradient is 0 where a log is clamped.
 */
export function binaryCrossEntropy(p: Tensor, y: Tensor, opts: WeightedLossOpts = {}): Tensor {
  checkSameShape('binaryCrossEntropy', p.shape, y.shape);
  // log(q) for q > 0, −100 below e^−100 or at 0; the inner where keeps log's gradient finite at 0
  const clampedLog = (q: Tensor) => maximum(where(gt(q, 0), log(where(gt(q, 0), q, 1)), -100), -100);
  let loss = neg(add(mul(y, clampedLog(p)), mul(sub(1, y), clampedLog(sub(1, p)))));
  if (opts.weight) loss = mul(loss, opts.weight);
  return reduce('binaryCrossEntropy', loss, opts.reduction);
}

export interface BceLogitsOpts extends WeightedLossOpts {
  /** weight of positive examples, broadcast over the last (class) dim */
  posWeight?: Tensor | null;
}

/**
 * BCE on logits x, stable for any |x| (±1e4 included):
 *   ℓ = max(x, 0) − x·y + log(1 + e^{−|x|})
 * with max(x, 0) and −|x| written as where(x ≥ 0, …) so that the gradient at x = 0 is σ(0) − y,
 * as in torch. With posWeight pw: ℓ = (1 − y)·x + (1 + (pw − 1)·y)·(log(1 + e^{−|x|}) + max(−x, 0)).
 */
export function binaryCrossEntropyWithLogits(x: Tensor, y: Tensor, opts: BceLogitsOpts = {}): Tensor {
  checkSameShape('binaryCrossEntropyWithLogits', x.shape, y.shape);
  const pos = ge(x, 0);
  const softplusNegAbs = log(add(exp(where(pos, neg(x), x)), 1)); // log(1 + e^{−|x|}), argument ≤ 0
  let loss: Tensor;
  if (opts.posWeight) {
    const lw = add(mul(sub(opts.posWeight, 1), y), 1);
    loss = add(mul(sub(1, y), x), mul(lw, add(softplusNegAbs, where(pos, 0, neg(x)))));
  } else {
    loss = add(sub(where(pos, x, 0), mul(x, y)), softplusNegAbs);
  }
  if (opts.weight) loss = mul(loss, opts.weight);
  return reduce('binaryCrossEntropyWithLogits', loss, opts.reduction);
}

export interface CrossEntropyOpts extends LossOpts {
  /** per-class weights [C]; 'mean' then divides by the summed weights of the targets (torch) */
  weight?: Tensor | null;
  labelSmoothing?: number;
}

/**
 * Cross entropy of logits [N,C] against int32 class labels [N] (or class probabilities [N,C]).
 */
export function crossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOpts = {}): Tensor {
  checkClassTargets('crossEntropy', 'logits', logits.shape);
  const [, C] = logits.shape;
  const ls = opts.labelSmoothing ?? 0;
  if (!(ls >= 0 && ls <= 1)) throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1], got ${ls}`);
  let probs: Tensor;
  if (target.dtype === 'int32') {
    checkClassTargets('crossEntropy', 'logits', logits.shape, target);
    probs = cast(oneHot(target, C), logits.dtype);
  } else {
    checkSameShape('crossEntropy', logits.shape, target.shape, 'logits');
    probs = target;
  }
  const lsm = logSoftmax(logits, 1);
  const w = opts.weight ? reshape(opts.weight, [1, C]) : null;
  const wl = w ? mul(lsm, w) : lsm;
  let loss = neg(sum(mul(wl, probs), 1)); // [N]
  if (ls > 0) loss = add(mul(loss, 1 - ls), mul(neg(sum(wl, 1)), ls / C));
  if ((opts.reduction ?? 'mean') === 'mean' && w && target.dtype === 'int32') {
    return div(sum(loss), sum(mul(probs, w)));
  }
  return reduce('crossEntropy', loss, opts.reduction);
}

/** Negative log likelihood of log-probabilities [N,C] at int32 labels [N]. */
export function nllLoss(logProbs: Tensor, target: Tensor, opts: LossOpts = {}): Tensor {
  checkClassTargets('nllLoss', 'logProbs', logProbs.shape, target);
  return reduce('nllLoss', neg(sum(mul(logProbs, cast(oneHot(target, logProbs.shape[1]), logProbs.dtype)), 1)), opts.reduction);
}

/** max(0, margin − y·x) for labels y ∈ {−1, +1} (the per-sample SVM hinge). */
export function hingeLoss(x: Tensor, y: Tensor, opts: LossOpts & { margin?: number } = {}): Tensor {
  checkSameShape('hingeLoss', x.shape, y.shape);
  return reduce('hingeLoss', relu(sub(opts.margin ?? 1, mul(y, x))), opts.reduction);
}

/** Hinge GAN discriminator loss: E[max(0, 1 − D(real))] + E[max(0, 1 + D(fake))]. */
export function hingeLossDiscriminator(realLogits: Tensor, fakeLogits: Tensor): Tensor {
  return add(mean(relu(sub(1, realLogits))), mean(relu(add(fakeLogits, 1))));
}

/** Hinge GAN generator loss: −E[D(fake)]. */
export function hingeLossGenerator(fakeLogits: Tensor): Tensor {
  return neg(mean(fakeLogits));
}

/** Smooth L1 (Huber with beta): ½(x−y)²/β where |x−y| < β, else |x−y| − ½β. */
export function smoothL1Loss(x: Tensor, y: Tensor, opts: LossOpts & { beta?: number } = {}): Tensor {
  checkSameShape('smoothL1Loss', x.shape, y.shape);
  const beta = opts.beta ?? 1;
  const d = abs(sub(x, y));
  const loss = beta === 0 ? d : where(lt(d, beta), div(mul(mul(d, d), 0.5), beta), sub(d, 0.5 * beta));
  return reduce('smoothL1Loss', loss, opts.reduction);
}
