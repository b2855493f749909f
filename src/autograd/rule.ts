import type { Prim, PrimParams } from '../base/prims.ts';
import type { Tensor } from '../tensor/tensor.ts';

/**
 * A reverse-mode rule: the cotangents of a primitive's inputs, written with public tensor ops so
 * that they are themselves differentiable (grad-of-grad). `g` has the output's shape; a rule may
 * return a cotangent of the *broadcast* shape — the engine sums it down to the input's shape in
 * one place (ops.sumToShape). `needs[i]` says whether input i wants a cotangent.
 */
export type VjpRule<P extends Prim> = (
  g: Tensor, inputs: Tensor[], out: Tensor, params: PrimParams[P], needs: boolean[],
) => (Tensor | null)[];
