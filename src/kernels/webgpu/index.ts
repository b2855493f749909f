import { type DType, type TypedArray, sizeOf } from '../../base/dtype.ts';
import type { AbstractValue, Prim, PrimParams } from '../../base/prims.ts';
import type { AdamHyper, Backend, MemoryInfo, ReplayShift, Storage, TensorInfo, TraceOps, TracedCall, TracedProgram } from '../backend.ts';
import { adamUpdate } from './adam.ts';
import { batchNormGradStatsKernel, batchNormInputGradKernel, batchNormKernel, batchNormStatsKernel } from './batchnorm.ts';
import { conv2dBiasActKernel, conv2dKernel, conv2dWeightGradKernel, convTranspose2dKernel } from './conv.ts';
import { acquireDevice } from './device.ts';
import { FUSABLE, Fuser, type LazyBuf, isLazy } from './fuse.ts';
import { binaryKernels, castKernel, unaryKernels, whereKernel } from './elementwise.ts';
import { GpuContext } from './engine.ts';
import type { GpuKernel } from './kernel.ts';
import { matmulBiasActKernel, matmulKernel } from './matmul.ts';
import type { GBuf } from './memory/pool.ts';
import * as mv from './movement.ts';
import { randNormalKernel, randUniformKernel } from './random.ts';
import { Program, Recorder, compile } from './trace.ts';
import { PROLOGUE_AT, argmaxKernel, maxKernel, sumKernel } from './reduce.ts';

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

  /** the elementwise scheduler (fuse.ts) */
  private fuser: Fuser;

  constructor(readonly ctx: GpuContext, opts: { fuse?: boolean } = {}) {
    this.fuser = new Fuser(ctx);
    this.fuser.enabled = opts.fuse !== false;
    this.traceOps = this.makeTraceOps();
  }

  /**
   * Fuse chains of elementwise ops into generated kernels (on by default; src/tensor/fusion.ts
   * switches it). Off, new ops run one kernel each; expressions already recorded still resolve.
   */
  setFusion(on: boolean): void {
    this.fuser.enabled = on;
  }

  upload(data: TypedArray, dtype: DType): Storage {
    if (this.fuser.enabled && data.length === 1) return this.fuser.constant(dtype === 'int32' ? data[0] | 0 : Math.fround(data[0]), dtype);
    const arr = dtype === 'int32' ? (data instanceof Int32Array ? data : Int32Array.from(data)) : (data instanceof Float32Array ? data : Float32Array.from(data));
    const b = this.ctx.pool.alloc(arr.byteLength);
    this.ctx.upload(b, arr);
    return b;
  }

  run<P extends Prim>(prim: P, inputs: TensorInfo[], params: PrimParams[P], out: AbstractValue): Storage {
    this.ctx.check();
    const f = this.fuser;
    if (f.enabled && FUSABLE.has(prim) && out.shape.every((d) => d > 0)) return f.lazy(prim, inputs, params, out);
    // a reduction reads a pending expression where it loads (the chain it ends runs inside it)
    const pro = (prim === 'sum' || prim === 'max') && sizeOf(inputs[0].shape) > 0 ? f.prologue(inputs[0], PROLOGUE_AT) : null;
    if (pro) return webgpuKernels[prim](this.ctx, [{ ...inputs[0], storage: pro }], params, out);
    f.realizeAll(inputs.map((t) => t.storage).filter(isLazy)); // pending inputs: one kernel for all
    return webgpuKernels[prim](this.ctx, inputs.map((t) => f.info(t)), params, out);
  }

  /** tidy(): run a pending result now if it reads a buffer the front end freed (so that the free takes effect). */
  realize(storage: Storage): void {
    if (isLazy(storage) && this.fuser.readsFreed(storage)) this.fuser.realize(storage);
  }

  async read(storage: Storage, dtype: DType, size: number): Promise<TypedArray> {
    const b = isLazy(storage) ? this.fuser.realize(storage) : (storage as GBuf);
    const bytes = await this.ctx.read(b, size * 4);
    return dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
  }

  free(storage: Storage): void {
    this.fuser.free(storage);
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
    adamUpdate: (p: TensorInfo, g: TensorInfo, m: TensorInfo, v: TensorInfo, h: AdamHyper): void => {
      const f = this.fuser;
      // a gradient that is a contiguous view of a buffer is read in place (no copy dispatch)
      const view = f.contiguousRange(g);
      const [pi, gi, mi, vi] = [p, view ? { storage: view.buf, shape: g.shape, dtype: g.dtype } : g, m, v].map((t) => f.info(t));
      f.beforeWrite([pi, mi, vi].map((t) => t.storage as GBuf));
      adamUpdate(this.ctx, pi, gi, mi, vi, h, view?.offset ?? 0);
    },
    writeInto: (dst: TensorInfo, src: TensorInfo, srcShared: boolean): void => this.fuser.writeInto(dst, src, srcShared),
  };

  /** wg.jit's recording and replay (trace.ts). */
  readonly traceOps: TraceOps;

  private makeTraceOps(): TraceOps {
    const ctx = this.ctx, f = this.fuser;
    let before: Set<LazyBuf> | null = null;
    const resident = (s: Storage): GBuf => (isLazy(s) ? f.realize(s) : (s as GBuf));
    const stop = () => {
      ctx.recorder = null;
      ctx.pool.capture = null;
      before = null;
    };
    return {
      recording: () => ctx.recorder !== null,
      begin: (inputs: Storage[]): Storage[] => {
        if (ctx.recorder) throw new Error('wg.jit: a traced function called another traced function (nesting is not supported)');
        const ins = inputs.map(resident);
        const rec = new Recorder();
        ctx.recorder = rec;
        ctx.pool.capture = rec;
        before = f.pending();
        return ins;
      },
      end: (outputs: Storage[]) => {
        const rec = ctx.recorder!;
        f.flushWrites(); // the call's in-place writes belong to its commands
        const outs = outputs.map(resident);
        // values the call left pending (a gradient kept in .grad) run now, so that a replay updates them too
        f.realizeAll([...f.pending()].filter((lz) => !before!.has(lz) && lz.alive));
        stop();
        return { call: rec, outputs: outs };
      },
      cancel: (): void => {
        const rec = ctx.recorder;
        stop();
        if (rec) ctx.pool.settle(rec.released.splice(0));
      },
      compile: (prev: TracedCall, prevIn: Storage[], cur: TracedCall, curIn: Storage[], outputs: Storage[]) =>
        compile(ctx, prev as Recorder, prevIn as GBuf[], cur as Recorder, curIn as GBuf[], outputs as GBuf[]),
      settle: (call: TracedCall): void => {
        const rec = call as Recorder;
        ctx.pool.settle(rec.released.splice(0));
      },
      replay: (p: TracedProgram, inputs: Storage[], shift: ReplayShift): Storage[] => (p as Program).replay(inputs.map(resident), shift),
    };
  }

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
      boundBytes: this.ctx.boundBytes,
      fusedKernels: this.fuser.realized,
    };
  }

  /** Release the device (the backend is unusable afterwards). */
  destroy(): void {
    this.ctx.destroy();
  }
}

export async function createWebGPUBackend(opts: { powerPreference?: 'low-power' | 'high-performance'; fuse?: boolean } = {}): Promise<Backend> {
  const acq = await acquireDevice(opts.powerPreference);
  return new WebGPUBackend(new GpuContext(acq), { fuse: opts.fuse });
}
