import { add, full, mul, rand, randn } from '../tensor/ops.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { checkFanShape } from '../tensor/validate.ts';
import { assign_ } from './parameter.ts';

/**
 * torch.nn.init. Each `name_` overwrites t's values in place (t keeps its identity, see
 * assign_) and returns t. Random draws come from the global Philox stream (manualSeed).
 */

export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
export type FanMode = 'fan_in' | 'fan_out';

/** Recommended gain for a nonlinearity (torch.nn.init.calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope)) throw new RangeError(`calculateGain: negative slope ${param} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default: throw new RangeError(`calculateGain: unsupported nonlinearity ${String(nonlinearity)}`);
  }
}

/** fan_in = size(1)·receptive field, fan_out = size(0)·receptive field (torch's convention). */
export function calculateFanInAndFanOut(t: Tensor | readonly number[]): [number, number] {
  const shape = Array.isArray(t) ? t : (t as Tensor).shape;
  checkFanShape(shape);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[1] * receptive, shape[0] * receptive];
}

function fill(t: Tensor, make: () => Tensor): Tensor {
  const v = noGrad(() => tidy(make));
  return assign_(t, v);
}

/** U(a, b) */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  return fill(t, () => add(mul(rand(t.shape, { dtype: t.dtype }), b - a), a));
}

/** N(mean, std²) */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  return fill(t, () => add(mul(randn(t.shape, { dtype: t.dtype }), std), mean));
}

export function constant_(t: Tensor, value: number): Tensor {
  return fill(t, () => full(t.shape, value, { dtype: t.dtype }));
}
export const zeros_ = (t: Tensor) => constant_(t, 0);
export const ones_ = (t: Tensor) => constant_(t, 1);

/** U(−a, a), a = gain·√(6 / (fan_in + fan_out)) */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const [fi, fo] = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fi + fo));
  return uniform_(t, -a, a);
}

/** N(0, std²), std = gain·√(2 / (fan_in + fan_out)) */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const [fi, fo] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fi + fo)));
}

export interface KaimingOpts {
  /** negative slope of the following leaky_relu (used when nonlinearity is 'leaky_relu') */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, o: KaimingOpts): number {
  const [fi, fo] = calculateFanInAndFanOut(t);
  const mode = o.mode ?? 'fan_in';
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new RangeError(`kaiming init: mode must be 'fan_in' or 'fan_out', got ${String(mode)}`);
  const fan = mode === 'fan_in' ? fi : fo;
  return calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan);
}

/** U(−b, b), b = gain·√(3 / fan); PyTorch's Linear/Conv use a = √5 (→ b = 1/√fan_in). */
export function kaimingUniform_(t: Tensor, opts: KaimingOpts = {}): Tensor {
  const b = Math.sqrt(3) * kaimingStd(t, opts);
  return uniform_(t, -b, b);
}

/** N(0, std²), std = gain / √fan */
export function kaimingNormal_(t: Tensor, opts: KaimingOpts = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, opts));
}
