import type { DType, Shape } from './dtype.ts';

/**
 * The closed set of primitives. Every public op is a composition of these; each primitive
 * appears exactly once in each of the typed tables `{ [P in Prim]: ... }`:
 * shape rules (src/tensor/shape.ts), vjp rules (src/autograd/vjp.ts),
 * CPU kernels (src/kernels/cpu) and WebGPU kernels (src/kernels/webgpu).
 */
export const UNARY_PRIMS = [
  'neg', 'abs', 'sign', 'exp', 'log', 'sqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'floor',
] as const;
export const BINARY_PRIMS = [
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge',
] as const;

export type UnaryPrim = (typeof UNARY_PRIMS)[number];
export type BinaryPrim = (typeof BINARY_PRIMS)[number];

export interface Conv2dParams {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/** Activations a GEMM store epilogue can apply (slope: leakyRelu's negative slope, >= 0). */
export const ACTIVATIONS = ['none', 'relu', 'leakyRelu', 'tanh', 'sigmoid'] as const;
export type Activation = (typeof ACTIVATIONS)[number];
export interface Epilogue { act: Activation; slope: number }

/** Parameters of each primitive (inputs are tensors; these are the static attributes). */
export interface PrimParams {
  // elementwise
  neg: {}; abs: {}; sign: {}; exp: {}; log: {}; sqrt: {}; sin: {}; cos: {}; tanh: {};
  sigmoid: {}; relu: {}; floor: {};
  add: {}; sub: {}; mul: {}; div: {}; pow: {}; maximum: {}; minimum: {};
  eq: {}; ne: {}; lt: {}; le: {}; gt: {}; ge: {};
  /** where(cond, a, b): cond != 0 ? a : b, all three broadcast. */
  where: {};
  cast: { dtype: DType };
  // reductions (output keeps reduced dims as size 1)
  sum: { axes: number[] };
  max: { axes: number[] };
  /** index of the first maximum along `axis`, int32, keepdim. */
  argmax: { axis: number };
  // movement (all outputs contiguous)
  reshape: { shape: Shape };
  permute: { perm: number[] };
  expand: { shape: Shape };
  /** out[i] = x[start + i*step] per axis; step > 0. */
  slice: { starts: number[]; steps: number[]; shape: Shape };
  /** constant pad: pads[d] = [before, after], both >= 0. */
  pad: { pads: [number, number][]; value: number };
  concat: { axis: number };
  flip: { axes: number[] };
  /** gather(x, idx): out = x[..., idx[j...], ...] along axis (= torch.index_select / jnp.take). */
  gather: { axis: number };
  /** scatterAdd(g, idx): the adjoint of gather; out has size `size` along axis. */
  scatterAdd: { axis: number; size: number };
  // linear algebra and convolution
  /** [...B,M,K] @ [...B,K,N] -> [...B,M,N]; transA/transB read the operand transposed in place. */
  matmul: { transA: boolean; transB: boolean };
  /** x [N,C,H,W], w [O,C/g,kH,kW] -> [N,O,Ho,Wo] */
  conv2d: Conv2dParams;
  /** x [N,C,H,W], w [C,O/g,kH,kW] -> [N,O,Ho,Wo]; the input gradient of conv2d. */
  convTranspose2d: Conv2dParams & { outputPadding: [number, number] };
  /** x [N,C,H,W], gy [N,O,Ho,Wo] -> dW [O,C/g,kH,kW]; the weight gradient of conv2d. */
  conv2dWeightGrad: Conv2dParams & { kernel: [number, number] };
  /** (a, b, bias?) -> act(op(A)·op(B) + bias): matmul with bias [N] on the last axis and an activation, fused. */
  matmulBiasAct: { transA: boolean; transB: boolean } & Epilogue;
  /** (x, w, bias?) -> act(conv2d(x, w) + bias): bias [O] per output channel (axis 1), fused. */
  conv2dBiasAct: Conv2dParams & Epilogue;
  // batch normalisation over channel axis 1 of x [N,C,*]; stats [2,C] = (mean, biased variance)
  /** x -> stats [2,C] over N and the spatial dims. */
  batchNormStats: {};
  /**
   * (x, stats, weight?, bias?) -> (x − mean)·rsqrt(var + eps)·weight + bias per channel.
   * batchStats: stats = batchNormStats(x), passed detached; the vjp differentiates through them
   * (training). Otherwise stats is an independent input (running statistics).
   */
  batchNorm: { eps: number; batchStats: boolean };
  /** (gy, x, stats) -> [2,C] = (Σ gy, Σ gy·x̂), x̂ = (x − mean)·rsqrt(var + eps). */
  batchNormGradStats: { eps: number };
  /** (gy, x, stats, gradStats, weight?) -> dx = w·rsqrt(var + eps)·(gy − Σgy/n − x̂·Σgy·x̂/n). */
  batchNormInputGrad: { eps: number };
  // random (Philox-4x32-10 counter stream; no inputs)
  randUniform: { shape: Shape; dtype: DType; seed: [number, number]; offset: number };
  randNormal: { shape: Shape; dtype: DType; seed: [number, number]; offset: number };
}

/**
 * The primitives, in one list: `Prim` follows from it, and the check below fails to compile when
 * PrimParams and this list disagree (a name in one and not the other).
 */
export const PRIMS = [
  ...UNARY_PRIMS, ...BINARY_PRIMS, 'where', 'cast', 'sum', 'max', 'argmax', 'reshape', 'permute',
  'expand', 'slice', 'pad', 'concat', 'flip', 'gather', 'scatterAdd', 'matmul', 'conv2d',
  'convTranspose2d', 'conv2dWeightGrad', 'randUniform', 'randNormal',
  'matmulBiasAct', 'conv2dBiasAct',
  'batchNormStats', 'batchNorm', 'batchNormGradStats', 'batchNormInputGrad',
] as const;
export type Prim = (typeof PRIMS)[number];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const primsMatchParams: Same<Prim, keyof PrimParams> = true;
void primsMatchParams;

/** Binary prims whose result is a 0/1 mask. */
export const COMPARISONS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const satisfies readonly BinaryPrim[];

/**
 * Primitives with no gradient: their outputs never require grad, and their vjp rule is none.
 * The one declaration of differentiability (tensor.ts `apply`, autograd/vjp.ts).
 */
export const NON_DIFFERENTIABLE = ['sign', 'floor', ...COMPARISONS, 'argmax', 'randUniform', 'randNormal'] as const satisfies readonly Prim[];
export type NonDifferentiablePrim = (typeof NON_DIFFERENTIABLE)[number];
export const isDifferentiable = (p: Prim): boolean => !(NON_DIFFERENTIABLE as readonly string[]).includes(p);

/** What a shape rule computes for a primitive application. */
export interface AbstractValue {
  shape: Shape;
  dtype: DType;
}
