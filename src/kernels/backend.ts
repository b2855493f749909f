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
  /** dst ← src written into dst's buffer (assign_ while a call is traced); `srcShared`: another tensor holds src's storage */
  writeInto?(dst: TensorInfo, src: TensorInfo, srcShared: boolean): void;
}

export interface AdamHyper {
  lr: number; beta1: number; beta2: number; eps: number; weightDecay: number;
  /** decoupled (AdamW) or L2 (Adam) weight decay */
  decoupled: boolean;
  /** bias corrections 1 - beta^t */
  bc1: number; bc2: number;
}

/** Where a replayed call stands against its trace: the generator's key now, the blocks it advanced since. */
export interface ReplayShift { seed: [number, number]; offsetDelta: number }

/** A call recorded while it ran (opaque to the front end, src/tensor/jit.ts). */
export interface TracedCall { readonly aborted: string | null }
/** A compiled step: what replays cost and hold. */
export interface TracedProgram {
  readonly stats: { dispatches: number; bytes: number; plannedBytes: number; unplannedBytes: number };
  /** throws where a replay cannot run now (checked before the replay's host effects) */
  check(): void;
  dispose(): void;
}

/**
 * Trace and replay (WebGPU: src/kernels/webgpu/trace.ts; the front end is src/tensor/jit.ts).
 * `begin` makes the inputs resident and starts recording; `end` makes the outputs (and every
 * pending value the call left) resident and stops; `settle` gives the call's held buffers back
 * once `compile` has taken what it keeps.
 */
export interface TraceOps {
  /** whether a call is being recorded now */
  recording(): boolean;
  begin(inputs: Storage[]): Storage[];
  end(outputs: Storage[]): { call: TracedCall; outputs: Storage[] };
  cancel(): void;
  compile(prev: TracedCall, prevIn: Storage[], cur: TracedCall, curIn: Storage[], outputs: Storage[]): TracedProgram | string;
  settle(call: TracedCall): void;
  replay(p: TracedProgram, inputs: Storage[], shift: ReplayShift): Storage[];
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
  /** record a call's commands and replay them (wg.jit); backends without it run jit functions eagerly */
  traceOps?: TraceOps;
  /** Make a lazily scheduled result resident (run its pending kernel, free what only it held); tidy() calls it. */
  realize?(storage: Storage): void;
  /** Whether the backend may schedule elementwise ops lazily and fuse them (WebGPU); src/tensor/fusion.ts calls it. */
  setFusion?(on: boolean): void;
  info(): Record<string, unknown>;
}
