/**
 * Worker threads for the CPU backend's float32 GEMM and convolutions: T threads (this one and
 * T − 1 workers) share the WebAssembly GEMM's memory and split each *phase* — one packed slice's
 * micro-kernel blocks, an operand's or an im2col's packing into panels, a col2im (cpu-jobs.ts) —
 * into jobs.
 *
 * Threads take jobs from a shared counter; each job writes its own part of the memory and runs
 * the same arithmetic in the same order on any thread, so a phase gives the single-threaded bits
 * for any number of threads, and a run stays reproducible.
 *
 * The control block (Int32Array over a SharedArrayBuffer), slots 0–7 for the protocol, 16… for
 * the phase's parameters (cpu-jobs.ts):
 *   main:   write KIND, PAGES (the memory's size) and the parameters; NEXT ← 0, EXITED ← 0,
 *           FAILED ← 0; GEN += 1; notify(GEN)
 *   worker: wait until GEN ≠ the last generation it served; make sure its view covers PAGES;
 *           take jobs (NEXT += 1) until none are left; EXITED += 1; notify(EXITED)
 *   main:   takes jobs too, then waits until EXITED = number of workers.
 * A worker's `memory.buffer` can lag behind the memory: V8 tells other threads of a grow through
 * an interrupt, and a worker that was still starting up when the memory grew (Deno 2.9: grows
 * between postMessage and the worker receiving the memory) keeps the old, shorter buffer until the
 * next grow. Its jobs would then read and write past the end of that view — dropped writes and
 * undefined reads, wrong values with no error. So the main thread sends the size with every phase,
 * and a worker whose buffer is shorter refreshes it with `memory.grow(0)` (a grow refreshes the
 * calling thread's buffer); one that still cannot see it all takes no jobs, leaving them to the
 * threads that can.
 * The main thread starts the next phase only after every worker has left this one, so a worker
 * never reads a half-written phase. A job that throws on a worker (a wasm trap, say) sets FAILED
 * and NEXT = the job count, ending the phase for everyone; the main thread then throws. Only a
 * worker killed outright (out of memory) would leave the main thread waiting; the jobs allocate
 * nothing. Blocking waits (Atomics.wait) are allowed on the main thread in Node and Deno, not on a
 * browser page: there, and wherever workers or shared memory are missing, phases run on the
 * calling thread (same results).
 *
 * Threads: the `cpuThreads` route (routes.ts; WEBGAN_CPU_THREADS, 1 = off), by default the number
 * of logical cores, at most 8. Workers start in the background when the GEMM is first used
 * (`init` starts them and waits for them: wasm-gemm.ts workersReady); until all have reported
 * ready, phases run on one thread. Idle workers block in Atomics.wait and do not keep the process
 * alive.
 */
import { routesFor } from '../routes.ts';
import { JOBS, JOB_HELPERS, JobKind, PARAMS, type Kernel } from './cpu-jobs.ts';

const JOB_NAMES = Object.fromEntries(Object.entries(JobKind).map(([k, v]) => [v, k])) as Record<number, string>;

// control block slots
const GEN = 0, NEXT = 1, NJOBS = 2, EXITED = 3, READY = 4, KIND = 5, FAILED = 6, PAGES = 7;
const SLOTS = PARAMS + 32;

/**
 * The worker's whole program (stringified: it may use nothing from module scope but its
 * arguments). Before each phase it re-reads the memory's length: the main thread may have grown it.
 */
function workerLoop(ctrl: Int32Array, memory: WebAssembly.Memory, kernel: Kernel, jobs: readonly ((mem: Float32Array, p: Int32Array, k: Kernel, j: number) => void)[]): void {
  let served = Atomics.load(ctrl, 0);
  let mem = new Float32Array(memory.buffer);
  Atomics.add(ctrl, 4, 1); // READY
  for (;;) {
    Atomics.wait(ctrl, 0, served);
    served = Atomics.load(ctrl, 0);
    const bytes = Atomics.load(ctrl, 7) * 65536; // PAGES
    if (memory.buffer.byteLength < bytes) memory.grow(0); // a stale buffer (see the protocol)
    if (mem.byteLength !== memory.buffer.byteLength) mem = new Float32Array(memory.buffer);
    const n = Atomics.load(ctrl, 2), job = jobs[ctrl[5]];
    try {
      if (mem.byteLength >= bytes) for (let j = Atomics.add(ctrl, 1, 1); j < n; j = Atomics.add(ctrl, 1, 1)) job(mem, ctrl, kernel, j);
    } catch {
      Atomics.store(ctrl, 6, 1); // FAILED: the main thread reports it; the loop goes on serving
      Atomics.store(ctrl, 1, n); // no more jobs for anyone
    } finally {
      Atomics.add(ctrl, 3, 1); // EXITED
      Atomics.notify(ctrl, 3);
    }
  }
}

/** Source of a worker (node:worker_threads, eval): receive {module, memory, ctrl}, serve phases forever. */
function workerSource(): string {
  return `require('node:worker_threads').parentPort.once('message', (m) => {
    const inst = new WebAssembly.Instance(m.module, { env: { mem: m.memory } });
    ${JOB_HELPERS.map((f) => f.toString()).join('\n')}
    const jobs = [${JOBS.map((f) => f.toString()).join(',\n')}];
    (${workerLoop.toString()})(new Int32Array(m.ctrl), m.memory, inst.exports.gemm, jobs);
  });`;
}

interface Runtime { spawn(src: string, init: unknown): void; cores: number }

/**
 * How to start a worker, or null where threads are not used. Node and Deno both provide
 * node:worker_threads through process.getBuiltinModule (Node ≥ 20.16, Deno 2), whose workers can be
 * unref'd so that idle ones do not keep the process alive (a Web Worker would, in Deno). A browser
 * page has no process object, and may not block its main thread anyway.
 */
let cachedRuntime: Runtime | null | undefined;
function runtime(): Runtime | null {
  if (cachedRuntime === undefined) cachedRuntime = findRuntime();
  return cachedRuntime;
}
function findRuntime(): Runtime | null {
  const g = globalThis as unknown as {
    SharedArrayBuffer?: unknown; process?: { getBuiltinModule?: (id: string) => unknown };
  };
  if (typeof g.SharedArrayBuffer !== 'function' || typeof g.process?.getBuiltinModule !== 'function') return null;
  const wt = g.process.getBuiltinModule('node:worker_threads') as {
    Worker: new (src: string, o: { eval: true }) => { postMessage(m: unknown): void; unref(): void };
  } | undefined;
  const os = g.process.getBuiltinModule('node:os') as { availableParallelism?(): number; cpus(): unknown[] } | undefined;
  if (!wt?.Worker || !os) return null;
  return {
    cores: os.availableParallelism?.() ?? os.cpus().length,
    spawn(src, init) {
      const w = new wt.Worker(src, { eval: true });
      w.unref();
      w.postMessage(init);
    },
  };
}

/** The number of threads the CPU kernels use (1 = no workers): the `cpuThreads` route where workers can start. */
export function threadCount(): number {
  const routed = routesFor('cpu').cpuThreads;
  const rt = runtime();
  if (!rt) return 1;
  return routed === 'auto' ? Math.max(1, Math.min(8, rt.cores)) : routed;
}

export interface Phases {
  /**
   * Run jobs 0 … nJobs − 1 of `kind` (cpu-jobs.ts) with `params` (slots 16…), on every thread when
   * `parallel` and the workers are up, else here; returns how many jobs this thread ran.
   */
  run(kind: number, params: readonly number[], nJobs: number, parallel: boolean): number;
  /** Workers that have reported ready (they are used once all `threads − 1` have). */
  ready(): number;
  /** 1 + the workers started (1 where this runtime cannot start any). */
  threads: number;
}

/**
 * The phase runner over `memory` (shared when threads > 1) and `module`'s gemm export: starts
 * `threads − 1` workers where the runtime can, else runs every phase on the calling thread.
 */
export function startPhases(module: WebAssembly.Module, memory: WebAssembly.Memory, kernel: Kernel, threads: number): Phases {
  const rt = threads > 1 ? runtime() : null;
  const shared = rt !== null;
  const ctrl = new Int32Array(shared ? new SharedArrayBuffer(SLOTS * 4) : new ArrayBuffer(SLOTS * 4));
  const workers = shared ? threads - 1 : 0;
  if (rt) {
    const src = workerSource();
    for (let i = 0; i < workers; i++) rt.spawn(src, { module, memory, ctrl: ctrl.buffer });
  }
  let mem = new Float32Array(memory.buffer);
  return {
    threads: workers + 1,
    ready: () => (shared ? Atomics.load(ctrl, READY) : 0),
    run(kind, params, nJobs, parallel) {
      if (mem.byteLength !== memory.buffer.byteLength) mem = new Float32Array(memory.buffer);
      const job = JOBS[kind];
      ctrl[KIND] = kind;
      for (let i = 0; i < params.length; i++) ctrl[PARAMS + i] = params[i];
      if (!parallel || workers === 0 || Atomics.load(ctrl, READY) !== workers) {
        for (let j = 0; j < nJobs; j++) job(mem, ctrl, kernel, j);
        return nJobs;
      }
      Atomics.store(ctrl, PAGES, mem.byteLength / 65536);
      Atomics.store(ctrl, NJOBS, nJobs);
      Atomics.store(ctrl, NEXT, 0);
      Atomics.store(ctrl, EXITED, 0);
      Atomics.store(ctrl, FAILED, 0);
      Atomics.add(ctrl, GEN, 1);
      Atomics.notify(ctrl, GEN);
      let mine = 0;
      try {
        for (let j = Atomics.add(ctrl, NEXT, 1); j < nJobs; j = Atomics.add(ctrl, NEXT, 1), mine++) job(mem, ctrl, kernel, j);
      } finally {
        // every worker leaves the phase before the next one may be written, also when a job threw
        Atomics.store(ctrl, NEXT, nJobs);
        for (let e = Atomics.load(ctrl, EXITED); e < workers; e = Atomics.load(ctrl, EXITED)) Atomics.wait(ctrl, EXITED, e);
      }
      if (Atomics.load(ctrl, FAILED)) throw new Error(`CPU backend: a worker thread failed in a ${JOB_NAMES[kind]} phase (run with WEBGAN_CPU_THREADS=1 to see the error on this thread)`);
      return mine;
    },
  };
}
