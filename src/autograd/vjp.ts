import { NON_DIFFERENTIABLE, type NonDifferentiablePrim, type Prim } from '../base/prims.ts';
import { apply, type Tensor } from '../tensor/tensor.ts';
import * as op from '../tensor/ops.ts';
import { convOutSize } from '../tensor/shape.ts';
import { batchNormVjps } from './batchnorm.ts';
import { epilogueVjps } from './epilogue.ts';
import type { VjpRule } from './rule.ts';

export type { VjpRule } from './rule.ts';

/** The primitives without a gradient (prims.ts NON_DIFFERENTIABLE): every cotangent is null. */
const none: VjpRule<any> = (_g, inputs) => inputs.map(() => null);
const noGradient = Object.fromEntries(NON_DIFFERENTIABLE.map((p) => [p, none])) as { [P in NonDifferentiablePrim]: VjpRule<P> };

type DifferentiableRules = { [P in Exclude<Prim, NonDifferentiablePrim>]: VjpRule<P> };

/**
 * The reverse-mode rules, one per differentiable primitive, in this one table (the batch-norm
 * and fused-epilogue rules are written out in ./batchnorm.ts and ./epilogue.ts and spread in).
 */
const rules: DifferentiableRules = {
  neg: (g) => [op.neg(g)],
  abs: (g, [x]) => [op.mul(g, op.sign(x))], // d|x| = sign(x) dx
  exp: (g, _, y) => [op.mul(g, y)], // d eˣ = eˣ dx
  log: (g, [x]) => [op.div(g, x)], // d log x = dx / x
  sqrt: (g, _, y) => [op.div(g, op.mul(y, 2))], // d √x = dx / (2√x)
  sin: (g, [x]) => [op.mul(g, op.cos(x))],
  cos: (g, [x]) => [op.neg(op.mul(g, op.sin(x)))],
  tanh: (g, _, y) => [op.mul(g, op.sub(1, op.mul(y, y)))], // d tanh = (1 − tanh²) dx
  sigmoid: (g, _, y) => [op.mul(g, op.mul(y, op.sub(1, y)))], // dσ = σ(1 − σ) dx
  relu: (g, [x]) => [op.mul(g, op.gt(x, 0))],
  add: (g) => [g, g],
  sub: (g) => [g, op.neg(g)],
  mul: (g, [a, b], _, __, n) => [n[0] ? op.mul(g, b) : null, n[1] ? op.mul(g, a) : null],
  // d(a/b) = da/b − a·db/b²
  div: (g, [a, b], _, __, n) => [n[0] ? op.div(g, b) : null, n[1] ? op.neg(op.div(op.mul(g, a), op.mul(b, b))) : null],
  // d aᵇ = b·aᵇ⁻¹ da + aᵇ·log a db   (the db term is 0 where a = 0, as in PyTorch)
  pow: (g, [a, b], y, _, n) => [
    n[0] ? op.mul(g, op.mul(b, op.pow(a, op.sub(b, 1)))) : null,
    n[1] ? op.where(op.eq(a, 0), 0, op.mul(g, op.mul(y, op.log(a)))) : null,
  ],
  // ties send the gradient to the first argument
  maximum: (g, [a, b]) => {
    const m = op.ge(a, b);
    return [op.mul(g, m), op.mul(g, op.sub(1, m))];
  },
  minimum: (g, [a, b]) => {
    const m = op.le(a, b);
    return [op.mul(g, m), op.mul(g, op.sub(1, m))];
  },
  where: (g, [c]) => [null, op.where(c, g, 0), op.where(c, 0, g)],
  cast: (g, [x]) => [op.cast(g, x.dtype)],
  sum: (g, [x]) => [op.expand(g, x.shape)],
  // the gradient of a max is shared equally among the tied maxima
  max: (g, [x], y, { axes }) => {
    const m = op.eq(x, y);
    return [op.div(op.mul(g, m), op.sum(m, axes, true))];
  },
  reshape: (g, [x]) => [op.reshape(g, x.shape)],
  permute: (g, _, __, { perm }) => {
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [op.permute(g, inv)];
  },
  expand: (g) => [g], // summed down to the input's shape by the engine
  slice: (g, [x], _, { starts, steps }) => [unslice(g, x.shape, starts, steps)],
  pad: (g, [x], _, { pads }) => [op.slice(g, pads.map(([b], i) => [b, b + x.shape[i]]))],
  concat: (g, xs, _, { axis }) => {
    let at = 0;
    return xs.map((x) => {
      const part = op.narrow(g, axis, at, x.shape[axis]);
      at += x.shape[axis];
      return part;
    });
  },
  flip: (g, _, __, { axes }) => [op.flip(g, axes)],
  gather: (g, [x, idx], _, { axis }) => [op.reshape(scatterAddOp(g, idx, axis, x.shape[axis]), x.shape), null],
  scatterAdd: (g, [, idx], _, { axis }) => [op.indexSelect(g, axis, idx), null],
  // C = op(A)·op(B):  d op(A) = g·op(B)ᵀ,  d op(B) = op(A)ᵀ·g
  matmul: (g, [a, b], _, { transA, transB }, n) => [
    n[0] ? (transA ? op.matmul(b, g, { transA: transB, transB: true }) : op.matmul(g, b, { transB: !transB })) : null,
    n[1] ? (transB ? op.matmul(g, a, { transA: true, transB: transA }) : op.matmul(a, g, { transA: !transA })) : null,
  ],
  // conv2d(x, w):  dx = convT(g, w),  dw = wgrad(x, g)
  conv2d: (g, [x, w], _, p, n) => {
    const k: [number, number] = [w.shape[2], w.shape[3]];
    return [
      n[0] ? op.convTranspose2d(g, w, null, { ...p, outputPadding: op.outputPaddingFor([x.shape[2], x.shape[3]], [g.shape[2], g.shape[3]], k, p) }) : null,
      n[1] ? op.conv2dWeightGrad(x, g, k, p) : null,
    ];
  },
  // convT(x, w) is conv2d's input gradient:  dx = conv2d(g, w),  dw = wgrad(g, x).
  // When outputPadding ≥ stride (allowed if < dilation) conv2d(g) has more rows/cols than x:
  // the extra ones belong to no input position, so dx drops them and dw sees x padded with zeros.
  convTranspose2d: (g, [x, w], _, p, n) => {
    const [H, W] = [x.shape[2], x.shape[3]];
    const eh = convOutSize(g.shape[2], w.shape[2], p.stride[0], p.padding[0], p.dilation[0]);
    const ew = convOutSize(g.shape[3], w.shape[3], p.stride[1], p.padding[1], p.dilation[1]);
    const extra = eh !== H || ew !== W;
    return [
      n[0] ? (extra ? op.slice(op.conv2d(g, w, null, p), [null, null, [0, H], [0, W]]) : op.conv2d(g, w, null, p)) : null,
      n[1] ? op.conv2dWeightGrad(g, extra ? op.pad(x, [0, ew - W, 0, eh - H]) : x, [w.shape[2], w.shape[3]], p) : null,
    ];
  },
  // dW = wgrad(x, gy) is bilinear:  dx = convT(gy, G),  dgy = conv2d(x, G)
  conv2dWeightGrad: (g, [x, gy], _, p, n) => [
    n[0] ? op.convTranspose2d(gy, g, null, { ...p, outputPadding: op.outputPaddingFor([x.shape[2], x.shape[3]], [gy.shape[2], gy.shape[3]], p.kernel, p) }) : null,
    n[1] ? op.conv2d(x, g, null, p) : null,
  ],
  ...batchNormVjps,
  ...epilogueVjps((g, ab, y, p, n) => rules.matmul(g, ab, y, p, n), (g, xw, y, p, n) => rules.conv2d(g, xw, y, p, n)),
};

export const vjpRules: { [P in Prim]: VjpRule<P> } = { ...rules, ...noGradient };

function scatterAddOp(g: Tensor, idx: Tensor, axis: number, size: number): Tensor {
  return apply('scatterAdd', [g, idx], { axis, size });
}

/** The adjoint of a strided slice: place g at start + i·step, zeros elsewhere (pads and reshapes only). */
function unslice(g: Tensor, shape: readonly number[], starts: number[], steps: number[]): Tensor {
  let y = g;
  for (let d = 0; d < shape.length; d++) {
    const n = g.shape[d], s = steps[d];
    if (s > 1 && n > 0) {
      // [.., n, ..] -> [.., n, s, ..] (zeros after each element) -> [.., n·s, ..] -> first (n−1)·s+1
      const before = y.shape.slice(0, d), after = y.shape.slice(d + 1);
      const u = op.reshape(y, [...before, n, 1, ...after]);
      const pads = new Array<number>(2 * (after.length + 2)).fill(0);
      pads[2 * after.length + 1] = s - 1; // after-padding of the new size-1 axis
      y = op.slice(op.reshape(op.pad(u, pads), [...before, n * s, ...after]), [...before.map(() => null), [0, (n - 1) * s + 1]]);
    }
    const len = y.shape[d];
    const padsD = new Array<number>(2 * shape.length).fill(0);
    const r = shape.length - 1 - d;
    padsD[2 * r] = n === 0 ? 0 : starts[d];
    padsD[2 * r + 1] = shape[d] - len - (n === 0 ? 0 : starts[d]);
    y = op.pad(y, padsD);
  }
  return y;
}
