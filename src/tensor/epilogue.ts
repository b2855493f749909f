import type { Activation, Conv2dParams } from '../base/prims.ts';
import type { Tensor } from './tensor.ts';
import { apply } from './tensor.ts';

/**
 * Front ends of the fused bias + activation primitives (used by linear / conv2d in ops.ts when
 * fusion.ts says so). y = act(z + bias), z the matmul / conv2d result.
 */

export interface ActivationOpts {
  /** applied to the result in the same kernel (default 'none') */
  activation?: Activation;
  /** leakyRelu's negative slope (default 0.01) */
  negativeSlope?: number;
}

const epi = (o: ActivationOpts) => ({ act: o.activation ?? 'none', slope: o.activation === 'leakyRelu' ? o.negativeSlope ?? 0.01 : 0 });

/** act(op(a)·op(b) + bias), bias [N] on the last axis; a and b at least 2-D. */
export function matmulBiasAct(a: Tensor, b: Tensor, bias: Tensor | null, o: ActivationOpts & { transA?: boolean; transB?: boolean } = {}): Tensor {
  return apply('matmulBiasAct', bias ? [a, b, bias] : [a, b], { transA: !!o.transA, transB: !!o.transB, ...epi(o) });
}

/** act(conv2d(x, w) + bias), bias [O] per output channel. */
export function conv2dBiasAct(x: Tensor, w: Tensor, bias: Tensor | null, p: Conv2dParams, o: ActivationOpts = {}): Tensor {
  return apply('conv2dBiasAct', bias ? [x, w, bias] : [x, w], { ...p, ...epi(o) });
}
