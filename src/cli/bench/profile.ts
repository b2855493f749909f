/**
 * Profiling by proxy: `ProfilingBackend` wraps the active Backend, forwards every call, and
 * depending on `mode`
 *   'off'      forwards only (one extra call per op);
 *   'peak'     also tracks the peak of live device bytes after every `run`;
 *   'trace'    also records every primitive application (prim, input shapes, params) and its
 *              CPU-side time in `run` — the whole cost on the CPU backend (kernels run inside
 *              `run`), the encoding cost on WebGPU (kernels run later, asynchronously).
 * WebGPU's device time per primitive comes, when the device has 'timestamp-query', from GPU
 * timestamps around every dispatch of the traced step itself (each dispatch labelled with the
 * primitive that recorded it); otherwise from `replayTrace`: each distinct application is run
 * again on fresh inputs of the recorded shapes, synchronised after each run, and its median time
 * is multiplied by its count. The proxy must be installed before any tensor is made (tensors
 * remember their backend).
 */
import * as wg from '../../index.ts';
import type { AdamHyper, Backend, FusedOps, MemoryInfo, Storage, TensorInfo } from '../../kernels/backend.ts';
import type { DType, TypedArray } from '../../base/dtype.ts';
import type { AbstractValue, Prim, PrimParams } from '../../base/prims.ts';
import type { PresetName } from '../../gan/models.ts';
import type { LossName } from '../../gan/losses.ts';
import { GanTrainer, type RunTrainer } from '../../gan/trainer.ts';
import { isTranslation } from '../../gan/translation/models.ts';
import type { GpuContext, KernelTiming } from '../../kernels/webgpu/engine.ts';
import { markdownTable, median, type Cell } from './measure.ts';

export interface TraceEntry {
  prim: Prim | 'adamUpdate';
  inputs: { shape: number[]; dtype: DType }[];
  params: unknown;
  out: { shape: number[]; dtype: DType };
  cpuMs: number;
}

export class ProfilingBackend implements Backend {
  mode: 'off' | 'peak' | 'trace' = 'off';
  peakLiveBytes = 0;
  trace: TraceEntry[] = [];
  readSync?: (storage: Storage, dtype: DType, size: number) => TypedArray;
  flush?: () => void;
  sync?: () => Promise<void>;
  fused?: FusedOps;

  /** the WebGPU execution context under the proxy (null on other backends) */
  readonly gpu: GpuContext | null;

  constructor(readonly inner: Backend) {
    this.gpu = (inner as { ctx?: GpuContext }).ctx ?? null;
    if (inner.readSync) this.readSync = (s, d, n) => inner.readSync!(s, d, n);
    if (inner.flush) this.flush = () => inner.flush!();
    if (inner.sync) this.sync = () => inner.sync!();
    const adam = inner.fused?.adamUpdate;
    if (adam) {
      this.fused = {
        adamUpdate: (p: TensorInfo, g: TensorInfo, m: TensorInfo, v: TensorInfo, h: AdamHyper) => {
          if (this.mode === 'off') return adam.call(inner.fused, p, g, m, v, h);
          if (this.gpu) this.gpu.timestampLabel = 'adamUpdate';
          const t0 = performance.now();
          adam.call(inner.fused, p, g, m, v, h);
          this.record('adamUpdate', [p, g, m, v], h, { shape: p.shape as number[], dtype: p.dtype }, performance.now() - t0);
        },
      };
    }
  }

  get name() { return this.inner.name; }
  get dtypes() { return this.inner.dtypes; }
  upload(data: TypedArray, dtype: DType): Storage { return this.inner.upload(data, dtype); }
  read(storage: Storage, dtype: DType, size: number): Promise<TypedArray> { return this.inner.read(storage, dtype, size); }
  free(storage: Storage): void { this.inner.free(storage); }
  memory(): MemoryInfo { return this.inner.memory(); }
  info(): Record<string, unknown> { return this.inner.info(); }
  setFusion(on: boolean): void { this.inner.setFusion?.(on); }
  realize(storage: Storage): void { this.inner.realize?.(storage); }

  run<P extends Prim>(prim: P, inputs: TensorInfo[], params: PrimParams[P], out: AbstractValue): Storage {
    if (this.mode === 'off') return this.inner.run(prim, inputs, params, out);
    if (this.gpu) this.gpu.timestampLabel = prim;
    const t0 = performance.now();
    const s = this.inner.run(prim, inputs, params, out);
    this.record(prim, inputs, params, out, performance.now() - t0);
    return s;
  }

  private record(prim: TraceEntry['prim'], inputs: TensorInfo[], params: unknown, out: AbstractValue, cpuMs: number): void {
    const live = this.inner.memory().liveBytes;
    if (live > this.peakLiveBytes) this.peakLiveBytes = live;
    if (this.mode === 'trace') {
      this.trace.push({ prim, inputs: inputs.map((i) => ({ shape: [...i.shape], dtype: i.dtype })), params, out: { shape: [...out.shape], dtype: out.dtype }, cpuMs });
    }
  }

  resetPeak(): void { this.peakLiveBytes = this.inner.memory().liveBytes; }
}

/** Install a ProfilingBackend over the active backend (before any tensor is made) and return it. */
export function installProfiler(): ProfilingBackend {
  const cur = wg.getBackend();
  const p = cur instanceof ProfilingBackend ? cur : new ProfilingBackend(cur);
  wg.setBackend(p);
  return p;
}

export interface PrimProfile {
  prim: string;
  calls: number;
  /** distinct (shapes, params) applications */
  distinct: number;
  /** Σ CPU-side time inside `run` during the traced step */
  cpuMs: number;
  /** Σ synchronised time per call × calls (replay); equals cpuMs-like exact time on the CPU backend */
  deviceMs: number;
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function inputData(dtype: DType, n: number): TypedArray {
  if (dtype === 'int32') return new Int32Array(n); // zeros: valid indices for gather / scatterAdd
  const a = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = 0.5 + ((i * 2654435761) % 1000) / 1000; // (0.5, 1.5): no NaN from log / sqrt
  return a;
}

/**
 * Re-run each distinct application of `trace` on fresh inputs, synchronised, `reps` times; the
 * per-primitive device time is Σ median × count.
 */
export async function replayTrace(inner: Backend, trace: TraceEntry[], reps = 3): Promise<Map<string, number>> {
  const groups = new Map<string, { e: TraceEntry; count: number }>();
  for (const e of trace) {
    const key = `${e.prim}|${JSON.stringify(e.inputs)}|${JSON.stringify(e.params)}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { e, count: 1 });
  }
  const perPrim = new Map<string, number>();
  // each primitive alone, as its own kernel: no lazy elementwise recording during the replay
  inner.setFusion?.(false);
  try {
    for (const { e, count } of groups.values()) {
      const ins: TensorInfo[] = e.inputs.map((i) => ({ storage: inner.upload(inputData(i.dtype, sizeOf(i.shape)), i.dtype), shape: i.shape, dtype: i.dtype }));
      const once = (): Storage | null => {
        if (e.prim === 'adamUpdate') {
          inner.fused!.adamUpdate!(ins[0], ins[1], ins[2], ins[3], e.params as AdamHyper);
          return null;
        }
        return inner.run(e.prim, ins, e.params as never, e.out);
      };
      const release = (s: Storage | null) => { if (s !== null && !ins.some((i) => i.storage === s)) inner.free(s); };
      release(once());
      await inner.sync?.();
      const times: number[] = [];
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        const s = once();
        await inner.sync?.();
        times.push(performance.now() - t0);
        release(s);
      }
      for (const i of ins) inner.free(i.storage);
      perPrim.set(e.prim, (perPrim.get(e.prim) ?? 0) + median(times) * count);
    }
  } finally {
    inner.setFusion?.(wg.fusionEnabled());
  }
  await inner.sync?.();
  return perPrim;
}

/** How per-primitive device time was measured. */
export type ProfileMethod = 'timestamps' | 'replay' | 'cpu';
export const PROFILE_METHODS: Record<ProfileMethod, string> = {
  timestamps: 'GPU timestamp queries around every dispatch of the traced step',
  replay: 'replay: each distinct application re-run alone and synchronised, CPU-side wall time (no timestamp-query)',
  cpu: 'CPU backend: the kernel runs inside Backend.run, timed there',
};

/** GPU time of one pipeline over the traced step (timestamps only). */
export interface KernelProfile { kernel: string; prim: string; dispatches: number; ms: number }

/** Σ GPU ms per label (primitive) */
function timedPerPrim(ts: KernelTiming[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of ts) m.set(t.label, (m.get(t.label) ?? 0) + t.ns / 1e6);
  return m;
}

function perKernel(ts: KernelTiming[]): KernelProfile[] {
  const m = new Map<string, KernelProfile>();
  for (const t of ts) {
    const id = `${t.kernel}\u0000${t.label}`;
    const k = m.get(id) ?? { kernel: t.kernel, prim: t.label, dispatches: 0, ms: 0 };
    k.dispatches++;
    k.ms += t.ns / 1e6;
    m.set(id, k);
  }
  return [...m.values()].sort((a, b) => b.ms - a.ms);
}

export interface StepProfile {
  preset: PresetName;
  loss: LossName;
  /** critic updates per training step (the loss's default for the preset) */
  nCritic: number;
  method: ProfileMethod;
  /** per pipeline, slowest first (method 'timestamps') */
  kernels?: KernelProfile[];
  backend: string;
  batch: number;
  /** wall time of one synchronised training step (median of `steps`) */
  stepMs: number;
  /** Σ of per-primitive device time (replayed) */
  primMs: number;
  prims: PrimProfile[];
  table: string;
  /** dispatches recorded by one traced step (WebGPU; null elsewhere) */
  dispatches: number | null;
}

/**
 * Where a training step's time goes: per primitive, CPU-side time (live step) and synchronised
 * time (replay), against the wall time of the whole step.
 */
export async function profileTrainStep(preset: PresetName, o: { batch?: number; loss?: LossName; steps?: number; reps?: number; print?: boolean; data?: string; timestamps?: boolean } = {}): Promise<StepProfile> {
  const prof = installProfiler();
  const translation = isTranslation(preset);
  const batch = o.batch ?? (preset === 'stylegan' ? 32 : translation ? 8 : 64);
  const data = o.data ?? (preset === 'mlp2d' ? 'ring' : translation ? 'edges2fashion' : 'fashion-mnist');
  // one step = the loss's critic steps (its default for the preset: see lossDefaults) + one generator step;
  // cyclegan / pix2pix: their G and D updates, with the preset's own loss unless one is given
  const trainer: RunTrainer = translation
    ? await (await import('../../gan/translation/trainer.ts')).TranslationTrainer.create({ preset, loss: o.loss, batch, data, limit: Math.max(batch * 4, 256), seed: 0 })
    : await GanTrainer.create({ preset, loss: o.loss ?? 'nsgan', batch, data, limit: Math.max(batch * 4, 256), seed: 0 });
  const loss = trainer.cfg.loss;
  try {
    const stepTimes: number[] = [];
    trainer.trainStep(); await prof.sync?.(); // warm: pipelines, pool
    for (let i = 0; i < (o.steps ?? 3); i++) {
      const t0 = performance.now();
      trainer.trainStep();
      await prof.sync?.();
      stepTimes.push(performance.now() - t0);
    }
    const gpu = prof.gpu;
    const method: ProfileMethod = prof.inner.name === 'cpu' ? 'cpu' : gpu?.timestampsSupported && o.timestamps !== false ? 'timestamps' : 'replay';
    prof.trace = [];
    prof.mode = 'trace';
    if (method === 'timestamps') gpu!.startTimestamps();
    const dispatches0 = gpu?.dispatches ?? 0;
    trainer.trainStep();
    await prof.sync?.(); // realizes nothing: lazily recorded elementwise work that the step still holds runs when used
    const dispatches = gpu ? gpu.dispatches - dispatches0 : null;
    prof.mode = 'off';
    const timings = method === 'timestamps' ? await gpu!.stopTimestamps() : [];
    await prof.sync?.();
    const trace = prof.trace;
    prof.trace = [];
    const device = method === 'cpu' ? null : method === 'timestamps' ? timedPerPrim(timings) : await replayTrace(prof.inner, trace, o.reps ?? 3);
    const kernels = method === 'timestamps' ? perKernel(timings) : undefined;
    const by = new Map<string, PrimProfile & { keys: Set<string> }>();
    for (const e of trace) {
      const p = by.get(e.prim) ?? { prim: e.prim, calls: 0, distinct: 0, cpuMs: 0, deviceMs: 0, keys: new Set<string>() };
      p.calls++;
      p.cpuMs += e.cpuMs;
      p.keys.add(JSON.stringify([e.inputs, e.params]));
      by.set(e.prim, p);
    }
    const prims: PrimProfile[] = [...by.values()].map(({ keys, ...p }) => ({ ...p, distinct: keys.size, deviceMs: device ? device.get(p.prim) ?? 0 : p.cpuMs }));
    // time with no primitive of its own: the WebGPU backend's generated elementwise kernels (fuse.ts)
    for (const [label, ms] of device ?? []) if (!by.has(label)) prims.push({ prim: label, calls: 0, distinct: 0, cpuMs: 0, deviceMs: ms });
    prims.sort((a, b) => b.deviceMs - a.deviceMs);
    const stepMs = median(stepTimes);
    const primMs = prims.reduce((s, p) => s + p.deviceMs, 0);
    const cpuTotal = prims.reduce((s, p) => s + p.cpuMs, 0);
    const rows: Cell[][] = prims.map((p) => [p.prim, p.calls, p.distinct, p.cpuMs, p.deviceMs, (100 * p.deviceMs) / stepMs]);
    rows.push(['Σ primitives', trace.length, null, cpuTotal, primMs, (100 * primMs) / stepMs]);
    rows.push(['rest of the step (JS, autograd, submit, sync)', null, null, null, Math.max(stepMs - primMs, 0), (100 * Math.max(stepMs - primMs, 0)) / stepMs]);
    rows.push(['whole step (wall, synchronised)', null, null, null, stepMs, 100]);
    const devCol = method === 'timestamps' ? 'GPU ms (timestamps)' : method === 'replay' ? 'device ms (replayed)' : 'ms';
    const fusedNote = dispatches === null ? '' : `dispatches in the step: ${dispatches} (elementwise primitives are fused into generated kernels, the row "fused elementwise"; calls 0 there)\n`;
    let table = `device time: ${PROFILE_METHODS[method]}\n${fusedNote}\n${markdownTable(['primitive', 'calls', 'distinct', 'CPU-side ms', devCol, '% of step'], rows)}`;
    if (kernels) {
      const top = kernels.slice(0, 15).map((k): Cell[] => [k.kernel.length > 70 ? `${k.kernel.slice(0, 67)}...` : k.kernel, k.prim, k.dispatches, k.ms, (100 * k.ms) / stepMs]);
      table += `\n\nslowest pipelines (GPU time over the traced step):\n\n${markdownTable(['pipeline', 'primitive', 'dispatches', 'GPU ms', '% of step'], top)}`;
    }
    if (o.print !== false) console.log(`\nProfile of one ${preset} training step (batch ${batch}, ${loss}, ${trainer.cfg.nCritic} critic step${trainer.cfg.nCritic > 1 ? 's' : ''}) on ${prof.inner.name}:\n\n${table}\n`);
    return { preset, loss, nCritic: trainer.cfg.nCritic, method, kernels, backend: prof.inner.name, batch, stepMs, primMs, prims, table, dispatches };
  } finally {
    trainer.dispose();
    await prof.sync?.();
  }
}
