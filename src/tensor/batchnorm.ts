import { ones } from './ops.ts';
import type { Tensor } from './tensor.ts';
import { apply } from './tensor.ts';

/**
 * Front ends of the fused batch-norm primitives (channel axis 1 of x [N,C,*]); F.batchNorm in
 * src/nn/functional.ts composes them. stats [2,C] = (mean, biased variance).
 */

/** [2,C] per-channel mean and biased variance over N and the spatial dims (one pass). */
export function batchNormStats(x: Tensor): Tensor {
  return apply('batchNormStats', [x], {});
}

/**
 * (x − mean)·rsqrt(var + eps)·weight + bias (one pass). With batchStats, `stats` must be
 * batchNormStats(x), detached: the gradient then flows through the batch statistics into x.
 */
export function batchNormNormalize(x: Tensor, stats: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number, batchStats: boolean): Tensor {
  // a bias without a weight: weight 1 (a graph input while the output's node holds it)
  const w = weight ?? (bias && x.ndim >= 2 ? ones([x.shape[1]], { dtype: x.dtype }) : null);
  const affine = bias ? [w!, bias] : w ? [w] : [];
  const y = apply('batchNorm', [x, stats, ...affine], { eps, batchStats });
  if (w && w !== weight && !y.node) w.dispose();
  return y;
}

/** [2,C] = (Σ gy, Σ gy·x̂) per channel (one pass). */
export function batchNormGradStats(gy: Tensor, x: Tensor, stats: Tensor, eps: number): Tensor {
  return apply('batchNormGradStats', [gy, x, stats], { eps });
}

/** The input gradient of training-mode batch norm from batchNormGradStats (one pass). */
export function batchNormInputGrad(gy: Tensor, x: Tensor, stats: Tensor, gradStats: Tensor, weight: Tensor | null, eps: number): Tensor {
  return apply('batchNormInputGrad', [gy, x, stats, gradStats, ...(weight ? [weight] : [])], { eps });
}
