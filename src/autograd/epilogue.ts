import type { Activation } from '../base/prims.ts';
import * as op from '../tensor/ops.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { VjpRule } from './rule.ts';

/**
 * vjp rules of the fused bias + activation primitives, y = act(z), z = base(a, b) + bias.
 * act'(z) is read off the output (y > 0 ⇔ z > 0 for relu and leakyRelu with slope ≥ 0;
 * tanh' = 1 − y², σ' = y(1 − y)), then z's cotangent goes through the base primitive's own rule.
 * All public ops, so the cotangents are differentiable again (through y, whose node is this prim).
 */
export function activationGrad(g: Tensor, y: Tensor, act: Activation, slope: number): Tensor {
  switch (act) {
    case 'none': return g;
    case 'relu': return op.mul(g, op.gt(y, 0));
    case 'leakyRelu': return op.where(op.gt(y, 0), g, op.mul(g, slope));
    case 'tanh': return op.mul(g, op.sub(1, op.mul(y, y)));
    case 'sigmoid': return op.mul(g, op.mul(y, op.sub(1, y)));
  }
}

const allBut = (rank: number, keep: number) => [...Array(rank).keys()].filter((i) => i !== keep);

/** The fused rules, given the base primitives' own rules (from the table in ./vjp.ts). */
export const epilogueVjps = (
  matmul: VjpRule<'matmul'>, conv2d: VjpRule<'conv2d'>,
): { matmulBiasAct: VjpRule<'matmulBiasAct'>; conv2dBiasAct: VjpRule<'conv2dBiasAct'> } => ({
  // bias [N] on the last axis: dbias = Σ dz over every other axis
  matmulBiasAct: (g, [a, b, bias], y, p, n) => {
    const dz = activationGrad(g, y, p.act, p.slope);
    const [da, db] = matmul(dz, [a, b], y, p, n);
    return bias ? [da, db, n[2] ? op.sum(dz, allBut(dz.ndim, dz.ndim - 1)) : null] : [da, db];
  },
  // bias [O] on axis 1
  conv2dBiasAct: (g, [x, w, bias], y, p, n) => {
    const dz = activationGrad(g, y, p.act, p.slope);
    const [dx, dw] = conv2d(dz, [x, w], y, p, n);
    return bias ? [dx, dw, n[2] ? op.sum(dz, allBut(dz.ndim, 1)) : null] : [dx, dw];
  },
});
