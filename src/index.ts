/**
 * webgan: tensors, reverse-mode autodiff and WGSL kernels, and GANs built on them.
 * `import * as wg from 'webgan'` — PyTorch's names and conventions throughout.
 */
import './tensor/methods.ts';
import './autograd/methods.ts';
import { CpuBackend } from './kernels/cpu/index.ts';
import { setDefaultBackendFactory } from './tensor/runtime.ts';

setDefaultBackendFactory(() => new CpuBackend());

export * from './tensor/ops.ts';
export { Tensor } from './tensor/tensor.ts';
export type { DType, Shape, TypedArray } from './base/dtype.ts';
export { ShapeError, AutogradError, BackendMismatchError } from './base/errors.ts';
export { tidy, keep } from './tensor/scope.ts';
export { noGrad, getBackend, setBackend, isGradEnabled } from './tensor/runtime.ts';
export { manualSeed, getRngState, setRngState, type RngState } from './tensor/random.ts';
export { grad, backward, type GradOptions } from './autograd/engine.ts';
export { init, backendInfo, memory, type InitOptions } from './init.ts';
export { CpuBackend } from './kernels/cpu/index.ts';
export { RefBackend } from './kernels/ref/index.ts';
export type { Backend, MemoryInfo } from './kernels/backend.ts';
export { PRIMS, type Prim } from './base/prims.ts';
export { type Activation } from './base/prims.ts';
export { matmulBiasAct, conv2dBiasAct, type ActivationOpts } from './tensor/epilogue.ts';
export { setFusion, fusionEnabled } from './tensor/fusion.ts';
export { jit, onReplay, type Jitted, type JitOptions, type JitStats } from './tensor/jit.ts';
export { overrideRoutes, withRoutes, routesFor, ROUTES, type Routes, type AdapterClass } from './kernels/routes.ts';
export * as nn from './nn/index.ts';
export * as io from './io/index.ts';
export * as data from './data/index.ts';
export { saveCheckpoint, loadCheckpoint, saveImageGrid, writeNpy, encodeSafetensors, decodeSafetensors, tensorsToSafetensors, safetensorsToTensors, hostToTensor } from './io/index.ts';
export { DataLoader, loadFashionMnist, loadIdxDataset, loadImageFolder, sampleMixture, mixtureModes, type LoaderState } from './data/index.ts';
