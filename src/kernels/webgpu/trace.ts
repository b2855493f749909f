import type { ReplayShift, TracedCall, TracedProgram } from '../backend.ts';
import { type EncodeFn, type GpuContext, META_WORDS, type Params, type Refresh } from './engine.ts';
import { type GBuf, sizeClass } from './memory/pool.ts';

/**
 * Trace and replay (the WebGPU half of `wg.jit`, src/tensor/jit.ts).
 *
 * A traced call runs eagerly while the context also records every command it issues: dispatches
 * (pipeline, buffers, parameter block, grid), uploads, and the encoder callbacks of the
 * texture-staged kernels. The pool holds every buffer released during the call, so within it each
 * buffer carries one value. Two consecutive traced calls that issue the same commands over the
 * same buffers (up to the rules of `compile`) become a `Program`: its buffers planned by liveness,
 * its bind groups and parameter blocks made once, and each later call is one command buffer with
 * no per-op JavaScript — inputs copied in, the dispatches replayed, outputs copied out.
 *
 * Buffers of the second call, by role:
 * - input j: the call's j-th argument → a buffer of the program's, copied into at each replay;
 * - external: made before the call and read in place (parameters, Adam's moments): kept, claimed
 *   from the pool (a replay after their tensor was disposed is refused);
 * - output: → a buffer of the program's, copied out at each replay (the traced call's results
 *   keep their values);
 * - escaped: made during the call and alive after it (gradients left in `.grad`, state moved into
 *   a module by `assign_`): kept and claimed, so the tensors that hold them see each replay's
 *   values;
 * - carried: state that a call replaces with a new buffer (batch norm's running statistics): the
 *   second call reads the first call's buffer E and leaves its value in an escaped buffer N; a
 *   replay reads E and copies N into E at its end;
 * - temporary: made and released during the call → planned: a buffer of the program's is shared by
 *   temporaries whose uses do not overlap in the command order (uploaded ones and outputs are not
 *   shared: uploads land before the command buffer runs).
 * Parameters that depend on host state (Philox offsets, Adam's bias corrections) are packed again
 * per replay by the kernel's `Refresh`; any other parameter that differs between the two calls
 * refuses the program (the caller runs eagerly and says why).
 */

type Item =
  | { kind: 'dispatch'; key: string; pipeline: GPUComputePipeline; bufs: GBuf[]; params: Uint32Array | null; grid: [number, number, number]; refresh?: Refresh }
  | { kind: 'encode'; key: string; bufs: GBuf[]; fn: EncodeFn }
  | { kind: 'upload'; dst: GBuf; data: Uint8Array<ArrayBuffer> };

/** The commands of one traced call (GpuContext.recorder while it runs). */
export class Recorder implements TracedCall {
  readonly items: Item[] = [];
  /** why this call cannot be replayed (a read-back, the profiler), if so */
  aborted: string | null = null;
  allocs: GBuf[] = [];
  released: GBuf[] = [];

  dispatch(key: string, pipeline: GPUComputePipeline, bufs: GBuf[], params: Params | null, grid: [number, number, number], refresh?: Refresh): void {
    this.items.push({ kind: 'dispatch', key, pipeline, bufs: [...bufs], params: params ? params.u.slice() : null, grid: [...grid], refresh });
  }
  encode(key: string, bufs: GBuf[], fn: EncodeFn): void {
    this.items.push({ kind: 'encode', key, bufs: [...bufs], fn });
  }
  upload(dst: GBuf, data: Uint8Array): void {
    this.items.push({ kind: 'upload', dst, data: data.slice() });
  }
  abort(reason: string): void {
    this.aborted ??= reason;
  }
}

const keyOf = (it: Item) => (it.kind === 'upload' ? `upload ${it.data.byteLength} B` : it.key);
/** bytes a binding sees (GpuContext.dispatch's rule) and bytes a copy moves */
const bound = (b: GBuf) => Math.min(b.cls, Math.max(16, Math.ceil(b.bytes / 16) * 16));
const copied = (b: GBuf) => Math.ceil(b.bytes / 4) * 4;

/** How a buffer of a recorded call is named when two calls are compared. */
function namer(rec: Recorder, inputs: GBuf[]) {
  const internal = new Map(rec.allocs.map((b, i) => [b, i] as const));
  const input = new Map(inputs.map((b, j) => [b, j] as const));
  return (b: GBuf): { kind: 'in' | 'int'; i: number } | { kind: 'ext' } =>
    input.has(b) ? { kind: 'in', i: input.get(b)! } : internal.has(b) ? { kind: 'int', i: internal.get(b)! } : { kind: 'ext' };
}

export interface ProgramStats {
  dispatches: number;
  /** bytes of the buffers the program owns (planned temporaries, inputs) and keeps (escaped, carried) */
  bytes: number;
  /** the temporaries' buffers after planning, and what the traced call's temporaries took */
  plannedBytes: number;
  unplannedBytes: number;
}

/** A compiled step: replay() records and submits it as one command buffer. */
export class Program implements TracedProgram {
  private bindGroups: (GPUBindGroup | null)[] = [];
  private shadow: Uint32Array<ArrayBuffer>;
  private uniform: GPUBuffer | null = null;
  /** the dispatches whose parameters a replay packs again, with their uniform slots */
  private dynamic: { refresh: Refresh; slot: number }[] = [];
  private uploads: { dst: GBuf; data: Uint8Array<ArrayBuffer> }[];
  /** Σ bytes the dispatches bind (GpuContext.boundBytes) */
  private bound = 0;
  private disposed = false;

  constructor(
    private ctx: GpuContext,
    private items: Item[],
    /** dispatch index → uniform slot (dispatches with a parameter block) */
    private slots: number[],
    private inputs: GBuf[],
    private carried: [GBuf, GBuf][],
    private outputs: GBuf[],
    private externals: GBuf[],
    private owned: GPUBuffer[],
    private claimed: GBuf[],
    readonly stats: ProgramStats,
  ) {
    const nSlots = Math.max(0, ...slots) + 1;
    this.shadow = new Uint32Array(nSlots * META_WORDS);
    if (slots.some((s) => s >= 0)) {
      this.uniform = ctx.device.createBuffer({ size: nSlots * META_WORDS * 4, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    }
    this.uploads = items.flatMap((it) => (it.kind === 'upload' ? [it] : []));
    items.forEach((it, i) => {
      if (it.kind !== 'dispatch') return void this.bindGroups.push(null);
      const entries: GPUBindGroupEntry[] = it.bufs.map((b, k) => ({ binding: k, resource: { buffer: b.buffer, offset: 0, size: bound(b) } }));
      if (it.params) {
        this.shadow.set(it.params, slots[i] * META_WORDS);
        entries.push({ binding: it.bufs.length, resource: { buffer: this.uniform!, offset: slots[i] * META_WORDS * 4, size: META_WORDS * 4 } });
        if (it.refresh) this.dynamic.push({ refresh: it.refresh, slot: slots[i] });
      }
      this.bindGroups.push(ctx.device.createBindGroup({ layout: it.pipeline.getBindGroupLayout(0), entries }));
      for (const b of it.bufs) this.bound += b.bytes;
    });
  }

  /**
   * One replay: `args` (the call's inputs, resident) are copied in; returns fresh buffers with the
   * outputs' values. Work recorded before it is submitted first, so the order is the program's.
   */
  /** Throws where a replay cannot run (disposed; a tensor it reads was disposed); the caller checks before advancing host state. */
  check(): void {
    if (this.disposed) throw new Error('wg.jit: this compiled step was disposed');
    this.ctx.check();
    const gone = this.externals.filter((b) => this.ctx.pool.releasedClaimed.has(b.buffer));
    if (gone.length) throw new Error(`wg.jit: ${gone.length} tensor(s) that the traced function reads were disposed since it was traced (${gone.map((b) => `${b.bytes} B`).join(', ')}); trace it again (a new wg.jit)`);
  }

  replay(args: GBuf[], shift: ReplayShift): GBuf[] {
    const { ctx } = this;
    this.check();
    ctx.flush();
    const q = ctx.device.queue;
    for (const d of this.dynamic) this.shadow.set(d.refresh(shift).check().u, d.slot * META_WORDS);
    if (this.uniform) q.writeBuffer(this.uniform, 0, this.shadow);
    for (const u of this.uploads) q.writeBuffer(u.dst.buffer, 0, u.data);
    const enc = ctx.device.createCommandEncoder();
    args.forEach((a, j) => enc.copyBufferToBuffer(a.buffer, 0, this.inputs[j].buffer, 0, copied(this.inputs[j])));
    let pass: GPUComputePassEncoder | null = null;
    this.items.forEach((it, i) => {
      if (it.kind === 'upload') return;
      if (it.kind === 'dispatch') {
        pass ??= enc.beginComputePass();
        pass.setPipeline(it.pipeline);
        pass.setBindGroup(0, this.bindGroups[i]!);
        pass.dispatchWorkgroups(...it.grid);
        return;
      }
      pass?.end();
      pass = null;
      it.fn(enc, it.bufs, () => enc.beginComputePass());
    });
    (pass as GPUComputePassEncoder | null)?.end();
    for (const [n, e] of this.carried) enc.copyBufferToBuffer(n.buffer, 0, e.buffer, 0, copied(e));
    const outs = this.outputs.map((o) => {
      const b = ctx.pool.alloc(o.bytes, 'jit output');
      enc.copyBufferToBuffer(o.buffer, 0, b.buffer, 0, copied(o));
      return b;
    });
    ctx.submit([enc.finish()]);
    ctx.dispatches += this.stats.dispatches;
    ctx.boundBytes += this.bound;
    return outs;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of this.claimed) this.ctx.pool.unclaim(b);
    // the buffers are destroyed after the work that used them (destroy waits for nothing)
    const owned = [...this.owned, ...(this.uniform ? [this.uniform] : [])];
    this.ctx.device.queue.onSubmittedWorkDone().then(() => { for (const b of owned) b.destroy(); }, () => {});
  }
}

/**
 * The program of `cur`, the second of two consecutive traced calls, or why there is none. Both
 * calls must issue the same commands: the same kernels and grids, each buffer in the same role
 * (the same input, the same external buffer, the same temporary by order of allocation, or a
 * carried state), the same parameters wherever no `Refresh` packs them, the same uploaded bytes.
 */
export function compile(ctx: GpuContext, prev: Recorder, prevIn: GBuf[], cur: Recorder, curIn: GBuf[], outputs: GBuf[]): Program | string {
  if (cur.items.length !== prev.items.length) return `the two traced calls issued ${prev.items.length} and ${cur.items.length} commands`;
  const pn = namer(prev, prevIn), cn = namer(cur, curIn);
  const curReleased = new Set(cur.released);
  const escaped = (b: GBuf) => !curReleased.has(b);
  const prevInternal = new Map(prev.allocs.map((b, i) => [b, i] as const));
  /** carried state: E (read by cur, made by prev) → N (made by cur, alive after it) */
  const carry = new Map<GBuf, GBuf>();
  for (let i = 0; i < cur.items.length; i++) {
    const a = prev.items[i], b = cur.items[i];
    const where = `command ${i} (${keyOf(b)})`;
    if (a.kind !== b.kind || keyOf(a) !== keyOf(b)) return `${where} was ${keyOf(a)} in the call before`;
    if (a.kind === 'upload' && b.kind === 'upload') {
      if (!a.data.every((v, k) => v === b.data[k])) return `${where} uploads host data that changes between calls; pass it as an argument`;
    }
    if (a.kind === 'dispatch' && b.kind === 'dispatch') {
      if (a.grid.join() !== b.grid.join()) return `${where} ran ${a.grid.join('×')} and ${b.grid.join('×')} workgroups`;
      if (!b.refresh && a.params && b.params) {
        const k = a.params.findIndex((v, w) => v !== b.params![w]);
        if (k >= 0) return `${where} has parameter word ${k} ${a.params[k]} then ${b.params[k]}: a host value changes between calls (pass it as a tensor argument)`;
      }
    }
    const ab = a.kind === 'upload' ? [a.dst] : a.bufs, bb = b.kind === 'upload' ? [b.dst] : b.bufs;
    if (ab.length !== bb.length) return `${where} binds ${ab.length} and ${bb.length} buffers`;
    for (let k = 0; k < bb.length; k++) {
      const x = pn(ab[k]), y = cn(bb[k]);
      if (x.kind !== 'ext' && y.kind === x.kind && y.i === x.i) continue;
      if (x.kind === 'ext' && y.kind === 'ext') {
        if (ab[k] === bb[k]) continue;
        const j = prevInternal.get(bb[k]);
        const n = j === undefined ? undefined : cur.allocs[j];
        if (n && escaped(n) && (carry.get(bb[k]) ?? n) === n) {
          carry.set(bb[k], n);
          continue;
        }
      }
      return `${where}: its buffer ${k} plays another role than in the call before (state that is neither updated in place nor passed as an argument?)`;
    }
  }
  return plan(ctx, cur, curIn, outputs, carry);
}

/** Assign buffers and build the program (see the header for the roles). */
function plan(ctx: GpuContext, cur: Recorder, curIn: GBuf[], outputs: GBuf[], carry: Map<GBuf, GBuf>): Program {
  const internal = new Set(cur.allocs);
  const released = new Set(cur.released);
  const inputSet = new Set(curIn);
  const carriedN = new Set(carry.values());
  // the outputs get buffers of the program's (the traced call's results keep theirs)
  const outSet = new Set(outputs.filter((o) => internal.has(o) && !carriedN.has(o) && !inputSet.has(o)));
  const bufsOf = (it: Item) => (it.kind === 'upload' ? [it.dst] : it.bufs);
  // live range of each temporary in command order; outputs and uploaded ones span the whole step
  const first = new Map<GBuf, number>(), last = new Map<GBuf, number>();
  cur.items.forEach((it, i) => {
    for (const b of bufsOf(it)) {
      if (!internal.has(b) || !(released.has(b) || outSet.has(b)) || inputSet.has(b)) continue;
      if (!first.has(b)) first.set(b, it.kind === 'upload' ? -1 : i);
      last.set(b, it.kind === 'upload' || outSet.has(b) ? Infinity : i);
    }
  });
  for (const it of cur.items) if (it.kind === 'upload' && first.has(it.dst)) last.set(it.dst, Infinity);
  const owned: GPUBuffer[] = [];
  const make = (cls: number) => {
    const buffer = ctx.device.createBuffer({ size: cls, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: 'jit' });
    owned.push(buffer);
    return buffer;
  };
  // greedy interval assignment: by first use, reuse a buffer of the same size class that is free
  const map = new Map<GBuf, GBuf>();
  let plannedBytes = 0;
  const free = new Map<number, { buffer: GPUBuffer; until: number }[]>();
  let unplannedBytes = 0;
  for (const b of [...first.keys()].sort((x, y) => first.get(x)! - first.get(y)!)) {
    unplannedBytes += b.cls;
    const list = free.get(b.cls) ?? [];
    free.set(b.cls, list);
    const at = first.get(b)!;
    const k = list.findIndex((f) => f.until < at);
    const slot = k >= 0 ? list[k] : { buffer: make(b.cls), until: -Infinity };
    if (k < 0) {
      list.push(slot);
      plannedBytes += b.cls;
    }
    slot.until = last.get(b)!;
    map.set(b, { buffer: slot.buffer, bytes: b.bytes, cls: b.cls });
  }
  const inputs = curIn.map((b) => ({ buffer: make(sizeClass(b.bytes)), bytes: b.bytes, cls: sizeClass(b.bytes) }));
  curIn.forEach((b, j) => map.set(b, inputs[j]));
  const at = (b: GBuf) => map.get(b) ?? b;
  // everything kept by identity is claimed from the pool: escaped, external, carried
  const claimed = new Set<GBuf>();
  const externals: GBuf[] = [];
  const items = cur.items.map((it): Item => {
    for (const b of bufsOf(it)) {
      if (map.has(b)) continue;
      claimed.add(b);
      if (!internal.has(b) && !carry.has(b)) externals.push(b);
    }
    return it.kind === 'upload' ? { ...it, dst: at(it.dst) } : { ...it, bufs: it.bufs.map(at) };
  });
  for (const o of outputs) if (!map.has(o)) claimed.add(o);
  for (const o of outSet) if (!map.has(o)) throw new Error('webgan internal: a traced output that no command wrote');
  for (const b of claimed) ctx.pool.claim(b);
  let slot = 0;
  const slots = items.map((it) => (it.kind === 'dispatch' && it.params ? slot++ : -1));
  const carried = [...carry].map(([e, n]): [GBuf, GBuf] => [n, e]);
  // the carried state's latest value is N's (the traced call's): E takes it before the first replay
  if (carried.length) {
    const enc = ctx.device.createCommandEncoder();
    for (const [n, e] of carried) enc.copyBufferToBuffer(n.buffer, 0, e.buffer, 0, copied(e));
    ctx.flush();
    ctx.submit([enc.finish()]);
  }
  const keptBytes = [...claimed].filter((b) => internal.has(b) || carry.has(b)).reduce((s, b) => s + b.cls, 0);
  const stats: ProgramStats = {
    dispatches: items.filter((it) => it.kind !== 'upload').length,
    bytes: owned.reduce((s, b) => s + b.size, 0) + keptBytes,
    plannedBytes,
    unplannedBytes,
  };
  return new Program(ctx, items, slots, inputs, carried, outputs.map(at), [...new Set(externals)], owned, [...claimed], stats);
}
