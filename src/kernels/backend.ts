import type { DType, Shape, TypedArray } from '../base/dtype.ts';
import type { AbstractValue, Prim, PrimParams } from '../base/prims.ts';

/** A backend-owned buffer. The front end only stores and hands it back. */
export type Storage = unknown;

/** A contiguous row-major tensor as a kernel sees it. */
export interface TensorInfo {
  storage: Storage;
  shape: Shape;
  dtype: DType;
}

export interface MemoryInfo {
  /** bytes held by live tensors */
  liveBytes: number;
  liveBuffers: number;
  /** bytes kept in the buffer pool for reuse (WebGPU) */
  pooledBytes: number;
  pooledBuffers: number;
}

/** Fused, optional fast paths a backend may offer; the front end composes primitives otherwise. */
export interface FusedOps {
  /** In place: p -= lr * (m̂ / (sqrt(v̂) + eps) + wd * p) etc.; see src/nn/optim.ts for the exact rules. */
  adamUpdate?(p: TensorInfo, g: TensorInfo, m: TensorInfo, v: TensorInfo, h: AdamHyper): void;
}

export interface AdamHyper {
  lr: number; beta1: number; beta2: number; eps: number; weightDecay: number;
  /** decoupled (AdamW) or L2 (Adam) weight decay */
  decoupled: boolean;
  /** bias corrections 1 - beta^t */
  bc1: number; bc2: number;
}

/**
 * The narrow interface every backend implements. Kernels receive already-validated shapes:
 * `out` is what the shape rule computed.
 */
export interface Backend {
  readonly name: 'ref' | 'cpu' | 'webgpu';
  readonly dtypes: readonly DType[];
  upload(data: TypedArray, dtype: DType): Storage;
  run<P extends Prim>(prim: P, inputs: TensorInfo[], params: PrimParams[P], out: AbstractValue): Storage;
  read(storage: Storage, dtype: DType, size: number): Promise<TypedArray>;
  /** Synchronous read, where the backend can (CPU). */
  readSync?(storage: Storage, dtype: DType, size: number): TypedArray;
  free(storage: Storage): void;
  memory(): MemoryInfo;
  /** Submit recorded work (WebGPU); no-op elsewhere. */
  flush?(): void;
  /** Wait until all submitted work is done. */
  sync?(): Promise<void>;
  fused?: FusedOps;
  /** Make a lazily scheduled result resident (run its pending kernel, free what only it held); tidy() calls it. */
  realize?(storage: Storage): void;
  /** Whether the backend may schedule elementwise ops lazily and fuse them (WebGPU); src/tensor/fusion.ts calls it. */
  setFusion?(on: boolean): void;
  info(): Record<string, unknown>;
}
