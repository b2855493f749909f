import { sizeOf, type DType } from '../../base/dtype.ts';
import type { AbstractValue, Prim, PrimParams } from '../../base/prims.ts';
import type { TensorInfo } from '../backend.ts';
import type { GpuContext } from './engine.ts';
import type { GBuf } from './memory/pool.ts';

/** A WebGPU kernel: records its dispatches and returns the output buffer (shape already known). */
export type GpuKernel<P extends Prim> = (ctx: GpuContext, inputs: TensorInfo[], params: PrimParams[P], out: AbstractValue) => GBuf;

export function wgslType(d: DType): 'f32' | 'i32' {
  if (d === 'float32') return 'f32';
  if (d === 'int32') return 'i32';
  throw new Error(`WebGPU: dtype ${d} is not supported`);
}

export const buf = (t: TensorInfo): GBuf => t.storage as GBuf;

/** Allocate the output of `out` (4 bytes per element; at least one 16-byte block). */
export function allocOut(ctx: GpuContext, out: AbstractValue): GBuf {
  return ctx.pool.alloc(sizeOf(out.shape) * 4);
}
