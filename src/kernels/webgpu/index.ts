import type { DType, TypedArray } from '../../base/dtype.ts';
import type { AbstractValue, Prim, PrimParams } from '../../base/prims.ts';
import type { AdamHyper, Backend, MemoryInfo, Storage, TensorInfo } from '../backend.ts';
import { adamUpdate } from './adam.ts';
import { batchNormGradStatsKernel, batchNormInputGradKernel, batchNormKernel, batchNormStatsKernel } from './batchnorm.ts';
import { conv2dBiasActKernel, conv2dKernel, conv2dWeightGradKernel, convTranspose2dKernel } from './conv.ts';
import { acquireDevice } from './device.ts';
import { binaryKernels, castKernel, unaryKernels, whereKernel } from './elementwise.ts';
import { GpuContext } from './engine.ts';
import type { GpuKernel } from './kernel.ts';
import { matmulBiasActKernel, matmulKernel } from './matmul.ts';
import type { GBuf } from './memory/pool.ts';
import * as mv from './movement.ts';
import { randNormalKernel, randUniformKernel } from './random.ts';
import { argmaxKernel, maxKernel, sumKernel } from './reduce.ts';

/** One WGSL kernel per primitive (the compiler refuses a missing entry). */
export const webgpuKernels: { [P in Prim]: GpuKernel<P> } = {
  ...unaryKernels,
  ...binaryKernels,
  where: whereKernel,
  cast: castKernel,
  sum: sumKernel,
  max: maxKernel,
  argmax: argmaxKernel,
  reshape: mv.reshapeKernel,
  permute: mv.permuteKernel,
  expand: mv.expandKernel,
  slice: mv.sliceKernel,
  pad: mv.padKernel,
  concat: mv.concatKernel,
  flip: mv.flipKernel,
  gather: mv.gatherKernel,
  scatterAdd: mv.scatterAddKernel,
  matmul: matmulKernel,
  conv2d: conv2dKernel,
  convTranspose2d: convTranspose2dKernel,
  conv2dWeightGrad: conv2dWeightGradKernel,
  matmulBiasAct: matmulBiasActKernel,
  conv2dBiasAct: conv2dBiasActKernel,
  randUniform: randUniformKernel,
  randNormal: randNormalKernel,
  batchNormStats: batchNormStatsKernel,
  batchNorm: batchNormKernel,
  batchNormGradStats: batchNormGradStatsKernel,
  batchNormInputGrad: batchNormInputGradKernel,
};

/**
 * The WebGPU backend: storage is a pooled GPUBuffer (f32 or i32 elements); ops record dispatches
 * and return at once; `read`, `sync` and `flush` submit.
 */
export class WebGPUBackend implements Backend {
  readonly name = 'webgpu' as const;
  readonly dtypes: readonly DType[] = ['float32', 'int32'];

  constructor(readonly ctx: GpuContext) {}

  upload(data: TypedArray, dtype: DType): Storage {
    const arr = dtype === 'int32' ? (data instanceof Int32Array ? data : Int32Array.from(data)) : (data instanceof Float32Array ? data : Float32Array.from(data));
    const b = this.ctx.pool.alloc(arr.byteLength);
    this.ctx.upload(b, arr);
    return b;
  }

  run<P extends Prim>(prim: P, inputs: TensorInfo[], params: PrimParams[P], out: AbstractValue): Storage {
    this.ctx.check();
    return webgpuKernels[prim](this.ctx, inputs, params, out);
  }

  async read(storage: Storage, dtype: DType, size: number): Promise<TypedArray> {
    const bytes = await this.ctx.read(storage as GBuf, size * 4);
    return dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
  }

  free(storage: Storage): void {
    this.ctx.pool.release(storage as GBuf);
  }

  memory(): MemoryInfo {
    const p = this.ctx.pool;
    return { liveBytes: p.liveBytes, liveBuffers: p.liveBuffers, pooledBytes: p.pooledBytes, pooledBuffers: p.pooledBuffers };
  }

  flush(): void {
    this.ctx.flush();
  }

  sync(): Promise<void> {
    return this.ctx.sync();
  }

  fused = {
    adamUpdate: (p: TensorInfo, g: TensorInfo, m: TensorInfo, v: TensorInfo, h: AdamHyper): void => adamUpdate(this.ctx, p, g, m, v, h),
  };

  info(): Record<string, unknown> {
    const a = this.ctx.acq;
    return {
      backend: 'webgpu',
      runtime: a.runtime,
      vendor: a.adapterInfo.vendor,
      architecture: a.adapterInfo.architecture,
      device: a.adapterInfo.device,
      description: a.adapterInfo.description,
      adapterClass: this.ctx.adapterClass,
      limits: { ...a.limits },
      dispatches: this.ctx.dispatches,
    };
  }

  /** Release the device (the backend is unusable afterwards). */
  destroy(): void {
    this.ctx.destroy();
  }
}

export async function createWebGPUBackend(opts: { powerPreference?: 'low-power' | 'high-performance' } = {}): Promise<Backend> {
  const acq = await acquireDevice(opts.powerPreference);
  return new WebGPUBackend(new GpuContext(acq));
}
