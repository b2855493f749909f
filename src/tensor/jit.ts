import type { Backend, Storage, TracedCall, TracedProgram } from '../kernels/backend.ts';
import { bytesPer, type DType, fmtShape, sizeOf } from '../base/dtype.ts';
import { fusionEnabled } from './fusion.ts';
import { getRngState, setRngState } from './random.ts';
import { getBackend, isGradEnabled } from './runtime.ts';
import { StorageRef, Tensor } from './tensor.ts';

/**
 * wg.jit(fn): a function of tensors traced once and replayed (in the spirit of jax.jit and CUDA
 * graphs). On a backend that can record its commands (WebGPU, src/kernels/webgpu/trace.ts):
 *
 * - the first calls run fn eagerly while its commands are recorded; as soon as two consecutive
 *   calls issue the same commands (the first call of a training step usually differs: it creates
 *   the optimizer's state), they become a program;
 * - every later call with arguments of the same shapes and dtypes (and the same grad and fusion
 *   modes) replays the program: the arguments are copied in, one command buffer runs the whole
 *   step, the results are copied out — fn's JavaScript does not run;
 * - a call with new shapes traces again; a function that cannot be replayed (it reads values
 *   back, uses host values that change between calls, replaces state that it neither updates in
 *   place nor takes as an argument) runs eagerly from then on, and `jit` says why once (a
 *   console warning and `stats().reason`).
 *
 * What a replay repeats: every kernel of fn, in order, on the same buffers; the global random
 * generator's draws (the same Philox streams as an eager call at that point of the stream); the
 * host-side state that code inside fn registered with `onReplay` (the optimizers' step counts).
 * What it does not: any other JavaScript in fn (a counter, a log line); host values fn reads (a
 * config field, a closure variable) are fixed once compiled — pass them as tensor arguments or
 * call dispose() to trace again (Adam reads its group's lr at every replay). The outputs are new tensors
 * without a gradient graph (trace the backward pass inside fn). Tensors that fn leaves behind
 * (a parameter's `.grad`) hold the latest replay's values.
 * On backends without recording (CPU, ref) fn simply runs eagerly.
 */

export interface JitStats {
  /** 'replay' once a program is compiled for the last call's signature */
  mode: 'tracing' | 'replay' | 'eager';
  /** why the last call's signature runs eagerly, if it does */
  reason: string | null;
  /** traced (eager, recorded) calls and replays, over all signatures */
  traced: number;
  replayed: number;
  /** the last compiled program: dispatches per replay and the bytes of buffers it owns or keeps */
  dispatches: number | null;
  bytes: number | null;
  /** the temporaries' buffers after the program's liveness planning, and before it (in the traced call) */
  plannedBytes: number | null;
  unplannedBytes: number | null;
}

export interface Jitted<A extends Tensor[], R> {
  (...args: A): R;
  stats(): JitStats;
  /** Release every compiled program's buffers (the function still works: it traces again). */
  dispose(): void;
}

export interface JitOptions {
  /** named in messages (default: fn.name) */
  name?: string;
  /** traced calls per signature before giving up on a program (default 4) */
  maxTraces?: number;
}

let effects: (() => void)[] | null = null;

/**
 * Host state that code inside a traced function changes and a replay must change the same way
 * (Adam's step count): `effect` runs once per replay, in the order registered. Outside a trace
 * it does nothing.
 */
export function onReplay(effect: () => void): void {
  effects?.push(effect);
}

interface Traced { call: TracedCall; inputs: Storage[]; advance: number }
interface Compiled {
  program: TracedProgram;
  effects: (() => void)[];
  /** the generator's offset when the traced call began, and the blocks the call took */
  start: number;
  advance: number;
  out: { shape: number[]; dtype: DType }[];
  single: boolean;
}
interface Entry { prev: Traced | null; compiled: Compiled | null; eager: string | null; traces: number }

export function jit<A extends Tensor[], R extends Tensor | Tensor[]>(fn: (...args: A) => R, opts: JitOptions = {}): Jitted<A, R> {
  const name = opts.name ?? (fn.name || 'fn');
  const maxTraces = opts.maxTraces ?? 4;
  const entries = new Map<string, Entry>();
  const stats: JitStats = { mode: 'tracing', reason: null, traced: 0, replayed: 0, dispatches: null, bytes: null, plannedBytes: null, unplannedBytes: null };
  let backendOf: Backend | null = null;

  const giveUp = (e: Entry, reason: string) => {
    e.eager = reason;
    console.warn(`wg.jit(${name}): cannot replay: ${reason}; running eagerly`);
  };

  const call = (...args: A): R => {
    args.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(`wg.jit(${name}): argument ${i} is not a Tensor`);
    });
    const backend = args[0]?.backend ?? getBackend();
    for (const [i, t] of args.entries()) {
      if (t.backend !== backend) throw new Error(`wg.jit(${name}): argument ${i} is on ${t.backend.name}, argument 0 on ${backend.name}`);
    }
    const ops = backend.traceOps;
    if (!ops) {
      Object.assign(stats, { mode: 'eager', reason: `the ${backend.name} backend does not record commands` });
      return fn(...args);
    }
    if (backendOf && backendOf !== backend) dispose();
    backendOf = backend;
    const key = `${args.map((t) => `${fmtShape(t.shape)}${t.dtype}`).join(',')}|grad ${isGradEnabled()}|fusion ${fusionEnabled()}`;
    let e = entries.get(key);
    if (!e) entries.set(key, (e = { prev: null, compiled: null, eager: null, traces: 0 }));
    if (e.eager) {
      Object.assign(stats, { mode: 'eager', reason: e.eager });
      return fn(...args);
    }
    const c = e.compiled;
    if (c) {
      c.program.check();
      for (const f of c.effects) f();
      const rng = getRngState();
      const outs = ops.replay(c.program, args.map((t) => t.storageRef.handle), { seed: rng.seed, offsetDelta: rng.offset - c.start });
      setRngState({ seed: rng.seed, offset: rng.offset + c.advance });
      stats.replayed++;
      stats.mode = 'replay';
      const ts = outs.map((h, i) => new Tensor(new StorageRef(backend, h, sizeOf(c.out[i].shape) * bytesPer(c.out[i].dtype)), c.out[i].shape, c.out[i].dtype));
      return (c.single ? ts[0] : ts) as R;
    }
    // trace: run eagerly while recording
    const inputs = ops.begin(args.map((t) => t.storageRef.handle));
    const rng0 = getRngState();
    effects = [];
    let result: R;
    try {
      result = fn(...args);
    } catch (err) {
      effects = null;
      ops.cancel();
      throw err;
    }
    const mine = effects;
    effects = null;
    const single = result instanceof Tensor;
    const list = (single ? [result] : result) as Tensor[];
    if (!Array.isArray(list) || list.some((t) => !(t instanceof Tensor) || t.backend !== backend)) {
      ops.cancel();
      throw new TypeError(`wg.jit(${name}): fn must return a Tensor or an array of Tensors on the arguments' backend`);
    }
    const { call: rec, outputs } = ops.end(list.map((t) => t.storageRef.handle));
    const rng1 = getRngState();
    stats.traced++;
    e.traces++;
    const cur: Traced = { call: rec, inputs, advance: rng1.offset - rng0.offset };
    let why: string | null = rec.aborted;
    if (!why && (rng1.seed[0] !== rng0.seed[0] || rng1.seed[1] !== rng0.seed[1])) why = 'it reseeds the random generator (manualSeed) inside the function';
    if (!why && e.prev) {
      const p = e.prev;
      const prog = p.advance !== cur.advance ? `the two traced calls drew ${p.advance} and ${cur.advance} random blocks`
        : ops.compile(p.call, p.inputs, rec, inputs, outputs);
      if (typeof prog !== 'string') {
        e.compiled = { program: prog, effects: mine, start: rng0.offset, advance: cur.advance, out: list.map((t) => ({ shape: [...t.shape], dtype: t.dtype })), single };
        e.prev = null;
        Object.assign(stats, { mode: 'replay', reason: null, ...prog.stats });
      } else if (e.traces >= maxTraces) why = prog;
    }
    ops.settle(rec);
    if (why) giveUp(e, why);
    else if (!e.compiled) e.prev = cur;
    Object.assign(stats, e.compiled ? {} : { mode: e.eager ? 'eager' : 'tracing', reason: e.eager });
    return result;
  };

  const dispose = () => {
    for (const e of entries.values()) e.compiled?.program.dispose();
    entries.clear();
  };

  return Object.assign(call, { stats: () => ({ ...stats }), dispose });
}
