import type { AcquiredDevice } from './device.ts';
import { type AdapterClass, adapterClass } from '../routes.ts';
import { BufferPool, type GBuf, UniformArena } from './memory/pool.ts';
import type { Recorder } from './trace.ts';
import type { ReplayShift } from '../backend.ts';

/** Words of the per-dispatch parameter block every kernel sees as `meta` (256 bytes). */
export const META_WORDS = 64;

/** WGSL shared by every kernel: the parameter block and its typed accessors, NaN test. */
export function metaDecl(binding: number): string {
  return /* wgsl */ `
struct Meta { v: array<vec4<u32>, ${META_WORDS / 4}> }
@group(0) @binding(${binding}) var<uniform> prm: Meta;
fn mu(i: u32) -> u32 { return prm.v[i / 4u][i % 4u]; }
fn mi(i: u32) -> i32 { return bitcast<i32>(mu(i)); }
fn mf(i: u32) -> f32 { return bitcast<f32>(mu(i)); }
fn isnan_f(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
// NaN and -inf are not representable as WGSL constants: build them at run time
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> NEG_INF_BITS: u32 = 0xff800000u;
fn nan_f() -> f32 { return bitcast<f32>(NAN_BITS); }
fn neginf_f() -> f32 { return bitcast<f32>(NEG_INF_BITS); }
`;
}

/** Linear invocation index of a 1-D launch folded into a 2-D grid (see `grid1d`). */
export const LINEAR_INDEX = 'let gi = (wid.y * nwg.x + wid.x) * WG + lid_i;';
export const ENTRY_ARGS = '@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid_i: u32, @builtin(local_invocation_id) lid: vec3<u32>';

/** Packs u32 / i32 / f32 parameters into a parameter block. */
export class Params {
  readonly u = new Uint32Array(META_WORDS);
  private i32 = new Int32Array(this.u.buffer);
  private f32 = new Float32Array(this.u.buffer);
  n = 0;
  u32(...v: number[]): this { for (const x of v) this.u[this.n++] = x >>> 0; return this; }
  int(...v: number[]): this { for (const x of v) this.i32[this.n++] = x; return this; }
  f(...v: number[]): this { for (const x of v) this.f32[this.n++] = x; return this; }
  /** reserve the next word index (for arrays laid out later) */
  at(i: number): this { this.n = i; return this; }
  check(): this {
    if (this.n > META_WORDS) throw new Error(`WebGPU: kernel parameters need ${this.n} words (> ${META_WORDS}); too many dims?`);
    return this;
  }
}

/** A recorded encoder callback (GpuContext.encode): `bufs` are the buffers it may touch. */
export type EncodeFn = (enc: GPUCommandEncoder, bufs: GBuf[], beginPass: () => GPUComputePassEncoder) => void;

export interface Limits {
  maxWorkgroups: number;
  maxBinding: number;
  /** storage buffers one shader may bind (maxStorageBuffersPerShaderStage; 8 where unreported) */
  maxStorageBuffers: number;
}

/**
 * A dispatch whose parameters depend on host state that a replay advances (the random kernels'
 * stream offset, Adam's bias corrections): packs them again before each replay.
 */
export type Refresh = (s: ReplayShift) => Params;

/** GPU time of one dispatch from timestamp queries: `label` as set by the caller, `kernel` the pipeline key. */
export interface KernelTiming { label: string; kernel: string; ns: number }

/** Timestamp queries in flight: one query pair per dispatch, resolved at every flush. */
interface TimestampState {
  set: GPUQuerySet;
  capacity: number;
  used: number;
  names: { label: string; kernel: string }[];
  reads: Promise<KernelTiming[]>[];
}

/**
 * The execution context: a shared command encoder with one open compute pass, submitted at sync
 * points or every `maxBatch` dispatches; a pipeline cache keyed by shader key; pooled buffers and
 * per-dispatch uniform slots (see memory/pool.ts for the reuse invariant).
 */
export class GpuContext {
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  readonly limits: Limits;
  private arena: UniformArena;
  private pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private batched = 0;
  maxBatch = 64;
  /** the first fatal error (device lost, validation / OOM error); every later call throws it */
  private fatal: Error | null = null;
  private lostReject: ((e: Error) => void)[] = [];
  private errorChecks: Promise<GPUError | null>[] = [];
  dispatches = 0;
  /**
   * Σ over dispatches of the bytes of the buffers each one binds (its inputs and its output, as the
   * tensors use them): what a step must at least move through memory if every kernel reads each
   * input and writes its output once (a GEMM re-reads tiles, mostly from cache). For benchmarks.
   */
  boundBytes = 0;
  private ts: TimestampState | null = null;
  /** attributed to the dispatches recorded while timestamps are on (e.g. the primitive's name) */
  timestampLabel = '';

  /** set while wg.jit traces a call (trace.ts): every command is also recorded there */
  recorder: Recorder | null = null;

  /** called before every command, submit and read-back: the fuser runs its deferred in-place writes first */
  beforeCommand: (() => void) | null = null;

  /** which row of the route table (routes.ts) this device's kernels follow */
  readonly adapterClass: AdapterClass;

  constructor(readonly acq: AcquiredDevice) {
    this.device = acq.device;
    this.adapterClass = adapterClass(acq.adapterInfo);
    this.limits = {
      maxWorkgroups: acq.limits.maxComputeWorkgroupsPerDimension,
      maxBinding: acq.limits.maxStorageBufferBindingSize,
      maxStorageBuffers: (acq.limits as Record<string, number>).maxStorageBuffersPerShaderStage ?? 8,
    };
    this.pool = new BufferPool(this.device, this.limits.maxBinding);
    this.arena = new UniformArena(this.device);
    this.device.lost.then((info) => {
      const e = new Error(`WebGPU device lost (${info.reason ?? 'unknown'}): ${info.message}`);
      this.fail(e);
    });
    const onErr = (ev: Event) => {
      const err = (ev as GPUUncapturedErrorEvent).error;
      this.fail(new Error(`WebGPU uncaptured ${err?.constructor?.name ?? 'error'}: ${err?.message ?? String(err)}`));
    };
    if (typeof this.device.addEventListener === 'function') this.device.addEventListener('uncapturederror', onErr);
    else (this.device as unknown as { onuncapturederror: unknown }).onuncapturederror = onErr;
  }

  private fail(e: Error): void {
    this.fatal ??= e;
    for (const r of this.lostReject.splice(0)) r(this.fatal);
  }

  check(): void {
    if (this.fatal) throw this.fatal;
  }

  /** A promise that rejects when the device is lost or a fatal error arrives. */
  private failure(): { promise: Promise<never>; done: () => void } {
    let rej!: (e: Error) => void;
    const promise = new Promise<never>((_, r) => (rej = r));
    promise.catch(() => {});
    if (this.fatal) rej(this.fatal);
    else this.lostReject.push(rej);
    return { promise, done: () => { const i = this.lostReject.indexOf(rej); if (i >= 0) this.lostReject.splice(i, 1); } };
  }

  pipeline(key: string, source: () => string): GPUComputePipeline {
    let p = this.pipelines.get(key);
    if (!p) {
      const code = source();
      const module = this.device.createShaderModule({ code, label: key });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: key });
      this.pipelines.set(key, p);
    }
    return p;
  }

  /** Workgroup counts for `groups` workgroups of a 1-D launch, folded into 2-D past the limit. */
  grid1d(groups: number): [number, number, number] {
    const m = this.limits.maxWorkgroups;
    if (groups <= m) return [Math.max(groups, 1), 1, 1];
    const y = Math.ceil(groups / m);
    if (y > m) throw new RangeError(`WebGPU: ${groups} workgroups exceed ${m}² (maxComputeWorkgroupsPerDimension)`);
    return [m, y, 1];
  }

  private computePass(): GPUComputePassEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    this.pass ??= this.encoder.beginComputePass();
    return this.pass;
  }

  /** Whether the device can time dispatches (it was created with 'timestamp-query'). */
  get timestampsSupported(): boolean {
    return this.acq.features.includes('timestamp-query');
  }

  /**
   * Time every dispatch from now on with timestamp queries: each dispatch runs in its own compute
   * pass whose beginning and end write a timestamp (so this changes batching: profiling only).
   */
  startTimestamps(): void {
    this.recorder?.abort('the profiler started timestamps inside the function');
    if (!this.timestampsSupported) throw new Error('WebGPU: this device was created without timestamp-query');
    if (this.ts) return;
    this.flush();
    const capacity = 4096; // queries per set (the WebGPU maximum): 2048 dispatches between flushes
    this.ts = { set: this.device.createQuerySet({ type: 'timestamp', count: capacity }), capacity, used: 0, names: [], reads: [] };
  }

  /** Stop timing; resolves to every timed dispatch since startTimestamps, in order. */
  async stopTimestamps(): Promise<KernelTiming[]> {
    const ts = this.ts;
    if (!ts) return [];
    this.flush();
    this.ts = null;
    const parts = await Promise.all(ts.reads);
    ts.set.destroy();
    return parts.flat();
  }

  /** Encode the resolve of the queries written since the last one; read them after the submit. */
  private resolveTimestamps(): (() => void) | null {
    const ts = this.ts;
    if (!ts || ts.used === 0 || !this.encoder) return null;
    this.pass?.end();
    this.pass = null;
    const bytes = ts.used * 8;
    const resolve = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const staging = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.encoder.resolveQuerySet(ts.set, 0, ts.used, resolve, 0);
    this.encoder.copyBufferToBuffer(resolve, 0, staging, 0, bytes);
    const names = ts.names.splice(0);
    ts.used = 0;
    return () => {
      ts.reads.push(staging.mapAsync(GPUMapMode.READ).then(() => {
        const t = new BigInt64Array(staging.getMappedRange().slice(0));
        staging.unmap();
        staging.destroy();
        resolve.destroy();
        // timestamps are nanoseconds; a pass can read end < begin on some drivers: clamp at 0
        return names.map((n, i) => ({ ...n, ns: Math.max(0, Number(t[2 * i + 1] - t[2 * i])) }));
      }));
    };
  }

  /**
   * Record one dispatch. Bindings: buffers[i] at binding i (storage), the parameter block at
   * binding buffers.length (uniform). `refresh` (kernels whose parameters come from host state a
   * traced step advances) packs them again for each replay.
   */
  dispatch(key: string, source: () => string, buffers: GBuf[], params: Params | null, grid: [number, number, number], refresh?: Refresh): void {
    this.check();
    if (grid[0] === 0 || grid[1] === 0 || grid[2] === 0) return;
    this.beforeCommand?.();
    for (const g of grid) {
      if (g > this.limits.maxWorkgroups) throw new RangeError(`WebGPU: dispatch of ${grid.join('x')} workgroups exceeds maxComputeWorkgroupsPerDimension ${this.limits.maxWorkgroups} (${key})`);
    }
    const pipeline = this.pipeline(key, source);
    for (const b of buffers) this.boundBytes += b.bytes;
    // bind only the bytes the tensor uses (rounded to 16), never past the buffer's size class
    const entries: GPUBindGroupEntry[] = buffers.map((b, i) => ({
      binding: i, resource: { buffer: b.buffer, offset: 0, size: Math.min(b.cls, Math.max(16, Math.ceil(b.bytes / 16) * 16)) },
    }));
    if (params) {
      const slot = this.arena.push(params.check().u);
      entries.push({ binding: buffers.length, resource: { buffer: slot.buffer, offset: slot.offset, size: META_WORDS * 4 } });
    }
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    this.recorder?.dispatch(key, pipeline, buffers, params, grid, refresh);
    const ts = this.ts;
    if (ts) {
      // a pass of its own with a timestamp at its beginning and end
      if (ts.used + 2 > ts.capacity) this.flush();
      this.pass?.end();
      this.encoder ??= this.device.createCommandEncoder();
      this.pass = this.encoder.beginComputePass({ timestampWrites: { querySet: ts.set, beginningOfPassWriteIndex: ts.used, endOfPassWriteIndex: ts.used + 1 } });
      ts.used += 2;
      ts.names.push({ label: this.timestampLabel, kernel: key });
    }
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
    if (ts) {
      pass.end();
      this.pass = null;
    }
    this.dispatches++;
    if (++this.batched >= this.maxBatch) this.flush();
  }

  /**
   * Record commands the buffer-only `dispatch` cannot express (texture copies, a pass that binds
   * textures) into the shared encoder, in order with the work around them: no submit of their own.
   * `beginPass` opens the compute pass (with timestamp writes while the profiler is on, under
   * `key`); the callback ends it. The callback reaches buffers only through `bufs` (a replay
   * passes the buffers it planned). Counts as one dispatch.
   */
  encode(key: string, bufs: GBuf[], fn: EncodeFn): void {
    this.check();
    this.beforeCommand?.();
    this.recorder?.encode(key, bufs, fn);
    const ts = this.ts;
    if (ts && ts.used + 2 > ts.capacity) this.flush();
    this.pass?.end();
    this.pass = null;
    const enc = (this.encoder ??= this.device.createCommandEncoder());
    fn(enc, bufs, () => {
      if (!ts) return enc.beginComputePass();
      const pass = enc.beginComputePass({ timestampWrites: { querySet: ts.set, beginningOfPassWriteIndex: ts.used, endOfPassWriteIndex: ts.used + 1 } });
      ts.used += 2;
      ts.names.push({ label: this.timestampLabel, kernel: key });
      return pass;
    });
    this.dispatches++;
    if (++this.batched >= this.maxBatch) this.flush();
  }

  /** Submit everything recorded so far. */
  flush(): void {
    this.check();
    this.beforeCommand?.();
    this.arena.upload(this.device.queue);
    const afterSubmit = this.resolveTimestamps();
    this.pass?.end();
    this.pass = null;
    const enc = this.encoder;
    this.encoder = null;
    this.submit(enc ? [enc.finish()] : []);
    afterSubmit?.();
    this.batched = 0;
  }

  /** Submit command buffers (the shared encoder's, or a replayed step's) with error scopes around them. */
  submit(commands: GPUCommandBuffer[]): void {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    if (commands.length) this.device.queue.submit(commands);
    this.errorChecks.push(this.device.popErrorScope(), this.device.popErrorScope());
    this.pool.afterSubmit();
  }

  private async checkSubmitted(): Promise<void> {
    const checks = this.errorChecks.splice(0);
    for (const e of await Promise.all(checks)) {
      if (e) this.fail(new Error(`WebGPU ${e.constructor?.name ?? 'error'} in submitted work: ${e.message}`));
    }
    this.check();
  }

  /** Wait for the device (rejects if it is lost meanwhile). */
  async sync(): Promise<void> {
    this.flush();
    const f = this.failure();
    try {
      await Promise.race([this.device.queue.onSubmittedWorkDone(), f.promise]);
    } finally {
      f.done();
    }
    await this.checkSubmitted();
  }

  async read(src: GBuf, bytes: number): Promise<ArrayBuffer> {
    this.check();
    this.recorder?.abort('it reads values back to the host (data()) inside the function');
    this.beforeCommand?.();
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    const staging = this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    if (bytes > 0) {
      this.pass?.end();
      this.pass = null;
      (this.encoder ??= this.device.createCommandEncoder()).copyBufferToBuffer(src.buffer, 0, staging, 0, size);
    }
    this.flush();
    const f = this.failure();
    try {
      await Promise.race([staging.mapAsync(GPUMapMode.READ), f.promise]);
      await this.checkSubmitted();
      const out = staging.getMappedRange().slice(0, bytes);
      staging.unmap();
      return out;
    } finally {
      f.done();
      staging.destroy();
    }
  }

  upload(dst: GBuf, data: ArrayBufferView): void {
    this.check();
    if (data.byteLength === 0) return;
    const padded = data.byteLength % 4 === 0 ? data : new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
    if (padded !== data) (padded as Uint8Array).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.recorder?.upload(dst, new Uint8Array(padded.buffer, padded.byteOffset, padded.byteLength));
    this.device.queue.writeBuffer(dst.buffer, 0, padded.buffer, padded.byteOffset, padded.byteLength);
  }

  destroy(): void {
    this.pool.trim();
    this.device.destroy();
  }
}
