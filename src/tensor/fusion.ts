import { isFloat } from '../base/dtype.ts';
import type { ActivationOpts } from './epilogue.ts';
import type { Tensor } from './tensor.ts';

/**
 * Where the front end fuses primitives: decided here and nowhere else. `linear` and `conv2d`
 * (ops.ts), nn.Sequential (a Linear / Conv2d followed by an activation module) and batch norm's
 * backward (autograd/batchnorm.ts) ask this module. The fused primitives keep their own tables
 * (shape rule, vjp, kernels); a tracing step compiler would take these decisions over.
 *
 * The WebGPU backend also fuses chains of elementwise primitives into generated kernels
 * (src/kernels/webgpu/fuse.ts); this module's switch is its switch too (runtime.ts passes it on).
 *
 * `setFusion(false)` turns every decision off: the same computations then run as compositions of
 * the unfused primitives, one kernel each (the tests compare the two).
 */
let enabled = true;
const listeners: ((on: boolean) => void)[] = [];

/** Turn fusion on or off for everything that asks this module; returns the previous setting. */
export function setFusion(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  for (const f of listeners) f(on);
  return was;
}
/** Called with every new setting (the runtime passes it to the active backend). */
export const onFusionChange = (f: (on: boolean) => void): void => void listeners.push(f);
export const fusionEnabled = (): boolean => enabled;

/** The fused epilogue needs leakyRelu's slope ≥ 0 (its vjp reads the sign of z off y). */
const activationFusable = (o: ActivationOpts) => o.activation !== 'leakyRelu' || (o.negativeSlope ?? 0.01) >= 0;
/** no bias, or a bias [w.shape[0]] (one value per output channel / feature) of w's dtype */
const channelBias = (b: Tensor | null | undefined, w: Tensor) => !b || (b.ndim === 1 && w.ndim >= 1 && b.shape[0] === w.shape[0] && b.dtype === w.dtype);

/**
 * linear(x, w, b, act) / conv2d(x, w, b, act) as one primitive (matmulBiasAct / conv2dBiasAct:
 * bias and activation in the GEMM's store) when there is a bias or an activation to fuse.
 */
export function fuseBiasActivation(kind: 'linear' | 'conv2d', x: Tensor, w: Tensor, b: Tensor | null | undefined, o: ActivationOpts): boolean {
  if (!enabled || !(b || o.activation)) return false;
  if (kind === 'linear' && (x.ndim < 2 || w.ndim !== 2)) return false;
  return isFloat(x.dtype) && activationFusable(o) && channelBias(b, w);
}

/** nn.Sequential may run a Linear / Conv2d and the activation module after it as one fused call. */
export const fuseLayerActivation = (): boolean => enabled;

/**
 * Training batch norm's first-order backward as two fused passes (batchNormGradStats +
 * batchNormInputGrad) — only when no graph of the backward is recorded: with createGraph the
 * composed form is used, which is differentiable again.
 */
export const fuseBatchNormBackward = (recordingGraph: boolean): boolean => enabled && !recordingGraph;
