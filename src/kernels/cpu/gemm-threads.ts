/**
 * Worker threads for the WebAssembly GEMM: the micro-kernel calls of one KC-deep slice are split
 * over T threads (this one and T − 1 workers) that share the module's memory.
 *
 * A *phase* is one packed slice: C block (i0, j0) += Ap[i0 ..] · Bp[j0 ..] for every MC × NC block
 * of the Mpad × Npad output. Each block is one job; threads take jobs from a shared counter, so
 * every C element is written by exactly one thread with the same k order as the single-threaded
 * loop — results are bitwise identical for any number of threads, and a run stays reproducible.
 *
 * The control block (Int32Array over a SharedArrayBuffer) and the protocol:
 *   main:   write the phase's parameters; NEXT ← 0, EXITED ← 0; GEN += 1; notify(GEN)
 *   worker: wait until GEN ≠ the last generation it served; take jobs (NEXT += 1) until none are
 *           left; EXITED += 1; notify(EXITED)
 *   main:   takes jobs too, then waits until EXITED = number of workers.
 * The main thread starts the next phase only after every worker has left this one, so a worker
 * never reads a half-written phase. Blocking waits (Atomics.wait) are allowed on the main thread
 * in Node and Deno, not on a browser page: there, and wherever workers or shared memory are
 * missing, the GEMM runs on one thread (same results).
 *
 * Threads: WEBGAN_CPU_THREADS (1 = off), else the number of logical cores, at most 8. Workers
 * start in the background when the first large GEMM runs; until all have reported ready, GEMMs
 * run on one thread. Idle workers block in Atomics.wait and do not keep the process alive.
 */
import { envVar } from '../env.ts';

// control block slots
const GEN = 0, NEXT = 1, NJOBS = 2, EXITED = 3, READY = 4;
const AP = 5, BP = 6, CB = 7, MPAD = 8, NPAD = 9, KC = 10, MC = 11, NC = 12, NI = 13;
const SLOTS = 16;

/** One phase's geometry, byte offsets into the shared memory. */
export interface Phase { ap: number; bp: number; c: number; Mpad: number; Npad: number; kc: number; mc: number; nc: number }

type Kernel = (ap: number, bp: number, c: number, mp: number, np: number, kc: number, ldc: number) => void;

/**
 * Run job `j` of the phase in `ctrl` (the single definition; the workers run a copy of this
 * source). Blocks are numbered column-block-major: j = jb·NI + ib.
 */
function runJob(ctrl: Int32Array, kernel: Kernel, j: number): void {
  const nI = ctrl[13], kc = ctrl[10], Mpad = ctrl[8], Npad = ctrl[9], MCc = ctrl[11], NCc = ctrl[12];
  const i0 = (j % nI) * MCc, j0 = Math.floor(j / nI) * NCc;
  const mc = Math.min(MCc, Mpad - i0), nc = Math.min(NCc, Npad - j0);
  kernel(ctrl[5] + i0 * kc * 4, ctrl[6] + j0 * kc * 4, ctrl[7] + (i0 * Npad + j0) * 4, mc / 4, nc / 8, kc, Npad);
}

/** The worker's whole program (stringified: it may use nothing from module scope but its arguments). */
function workerLoop(ctrl: Int32Array, kernel: Kernel, run: typeof runJob): void {
  let served = Atomics.load(ctrl, 0);
  Atomics.add(ctrl, 4, 1); // READY
  for (;;) {
    Atomics.wait(ctrl, 0, served);
    served = Atomics.load(ctrl, 0);
    const n = Atomics.load(ctrl, 2);
    for (let j = Atomics.add(ctrl, 1, 1); j < n; j = Atomics.add(ctrl, 1, 1)) run(ctrl, kernel, j);
    Atomics.add(ctrl, 3, 1); // EXITED
    Atomics.notify(ctrl, 3);
  }
}

/** Source of a worker (node:worker_threads, eval): receive {module, memory, ctrl}, serve phases forever. */
function workerSource(): string {
  return `require('node:worker_threads').parentPort.once('message', (m) => {
    const inst = new WebAssembly.Instance(m.module, { env: { mem: m.memory } });
    (${workerLoop.toString()})(new Int32Array(m.ctrl), inst.exports.gemm, ${runJob.toString()});
  });`;
}

interface Runtime { spawn(src: string, init: unknown): void; cores: number }

/**
 * How to start a worker, or null where threads are not used. Node and Deno both provide
 * node:worker_threads through process.getBuiltinModule (Node ≥ 20.16, Deno 2), whose workers can be
 * unref'd so that idle ones do not keep the process alive (a Web Worker would, in Deno). A browser
 * page has no process object, and may not block its main thread anyway.
 */
function runtime(): Runtime | null {
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

/** The number of GEMM threads this process would use (1 = no workers). */
export function threadCount(): number {
  const env = envVar('WEBGAN_CPU_THREADS');
  const rt = runtime();
  if (!rt) return 1;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new Error(`WEBGAN_CPU_THREADS must be a positive integer, got '${env}'`);
    return n;
  }
  return Math.max(1, Math.min(8, rt.cores));
}

export interface GemmThreads {
  /** Run every job of the phase on all threads; returns when all are done, with how many jobs this thread ran. */
  run(phase: Phase): number;
  /** Workers that have reported ready (the pool is used once all `threads − 1` have). */
  ready(): number;
  threads: number;
}

/**
 * A pool over `memory` (a shared WebAssembly.Memory) running `module`'s gemm, or null when
 * `threads` ≤ 1 or this runtime cannot start workers.
 */
export function startGemmThreads(module: WebAssembly.Module, memory: WebAssembly.Memory, kernel: Kernel, threads: number): GemmThreads | null {
  const rt = runtime();
  if (!rt || threads <= 1) return null;
  const ctrl = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  const workers = threads - 1;
  const src = workerSource();
  for (let i = 0; i < workers; i++) rt.spawn(src, { module, memory, ctrl: ctrl.buffer });
  return {
    threads,
    ready: () => Atomics.load(ctrl, READY),
    run(p: Phase) {
      const nI = Math.ceil(p.Mpad / p.mc), nJ = Math.ceil(p.Npad / p.nc);
      ctrl[AP] = p.ap; ctrl[BP] = p.bp; ctrl[CB] = p.c; ctrl[MPAD] = p.Mpad; ctrl[NPAD] = p.Npad;
      ctrl[KC] = p.kc; ctrl[MC] = p.mc; ctrl[NC] = p.nc; ctrl[NI] = nI;
      const n = nI * nJ;
      Atomics.store(ctrl, NJOBS, n);
      Atomics.store(ctrl, NEXT, 0);
      Atomics.store(ctrl, EXITED, 0);
      Atomics.add(ctrl, GEN, 1);
      Atomics.notify(ctrl, GEN);
      let mine = 0;
      for (let j = Atomics.add(ctrl, NEXT, 1); j < n; j = Atomics.add(ctrl, NEXT, 1), mine++) runJob(ctrl, kernel, j);
      for (let e = Atomics.load(ctrl, EXITED); e < workers; e = Atomics.load(ctrl, EXITED)) Atomics.wait(ctrl, EXITED, e);
      return mine;
    },
  };
}
