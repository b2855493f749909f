/**
 * webgan/nn: modules, layers, init, losses, optimizers and schedulers with PyTorch's names,
 * defaults and state-dict keys. `import { nn } from 'webgan'`.
 */
export { Module, type StateDict, type ForwardHook, type ForwardPreHook, type RemovableHandle, type LoadResult } from './module.ts';
export { Parameter, assign_, copyOf, copyLike, ensureExclusive } from './parameter.ts';
export {
  Linear, Conv2d, ConvTranspose2d, BatchNorm1d, BatchNorm2d, InstanceNorm2d, LayerNorm, Embedding, Dropout, Flatten, Unflatten,
  Upsample, ReflectionPad2d, ReplicationPad2d, ZeroPad2d, ReLU, LeakyReLU, Tanh, Sigmoid, Identity, MinibatchStdDev,
  type LinearOpts, type Conv2dOpts, type ConvTranspose2dOpts, type BatchNormOpts, type InstanceNormOpts,
} from './layers.ts';
export { Sequential, ModuleList } from './container.ts';
export { spectralNorm, removeSpectralNorm, type SpectralNormOpts } from './spectral_norm.ts';
export * as init from './init.ts';
export * as functional from './functional.ts';
export * as F from './functional.ts';
export {
  Optimizer, SGD, Adam, AdamW, RMSprop, clipGradNorm, clipGradValue,
  type OptimizerStateDict, type ParamState, type ParamGroup, type SGDHyper, type AdamHyperParams, type RMSpropHyper,
} from './optim.ts';
export { LRScheduler, StepLR, ExponentialLR, LambdaLR, CosineAnnealingLR } from './lr_scheduler.ts';

import { spectralNorm, removeSpectralNorm } from './spectral_norm.ts';
import { clipGradNorm, clipGradValue } from './optim.ts';
/** torch.nn.utils names */
export const utils = { spectralNorm, removeSpectralNorm, clipGradNorm, clipGradValue };
