/**
 * The CPU GEMM on several threads (threads.ts): workers share the WebAssembly memory and
 * take MC × NC blocks of each packed slice. Checked: bitwise the same result as one thread on
 * shapes with ragged edges and several k-slices, against a float64 reference, workers really run
 * jobs, and the thread-count switch.
 */
import { describe, expect, test } from 'vitest';
import { gemmWasm, wasmRowBlock } from '../../src/kernels/cpu/matmul.ts';
import { createWasmGemm, wasmGemm, type WasmGemm } from '../../src/kernels/cpu/wasm-gemm.ts';
import { init } from '../../src/init.ts';
import { threadCount } from '../../src/kernels/cpu/threads.ts';
import { overrideRoutes, withRoutes } from '../../src/kernels/routes.ts';
import { JobKind } from '../../src/kernels/cpu/cpu-jobs.ts';
import { detRandom } from '../helpers/gradcheck.ts';

async function until(ok: () => boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error('gemm workers did not report ready');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function product(w: WasmGemm, M: number, N: number, K: number, tA: boolean, tB: boolean, accumulate: boolean): Float32Array {
  const A = Float32Array.from(detRandom(M * K + 3, M + 7)), B = Float32Array.from(detRandom(K * N + 5, N + 9));
  const C = Float32Array.from(detRandom(M * N + 2, 3));
  gemmWasm(w, A, 3, tA, B, 5, tB, C, 2, M, N, K, accumulate);
  return C;
}

function reference(M: number, N: number, K: number, tA: boolean, tB: boolean, accumulate: boolean): Float64Array {
  const A = Float32Array.from(detRandom(M * K + 3, M + 7)), B = Float32Array.from(detRandom(K * N + 5, N + 9));
  const C0 = Float32Array.from(detRandom(M * N + 2, 3));
  const C = Float64Array.from(C0);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += (tA ? A[3 + k * M + i] : A[3 + i * K + k]) * (tB ? B[5 + j * K + k] : B[5 + k * N + j]);
    C[2 + i * N + j] = (accumulate ? C0[2 + i * N + j] : 0) + s;
  }
  return C;
}

// ragged against every block size: the 6×8 (or 4×8) tile, MC = 96 (64) rows, NC = 512 columns, KC = 256 deep
const SHAPES: [number, number, number][] = [[130, 1030, 257], [257, 77, 600], [64, 513, 256], [1023, 17, 65], [200, 300, 1]];

describe('CPU GEMM threads', () => {
  test('three threads give bitwise the single-thread result, close to float64', async () => {
    const one = createWasmGemm(1)!, three = createWasmGemm(3)!;
    expect(one.phases.threads).toBe(1);
    expect(three.phases.threads).toBe(3);
    await until(() => three.phases.ready() === 2);
    for (const [M, N, K] of SHAPES) {
      for (const [tA, tB, acc] of [[false, false, false], [true, false, true], [false, true, false], [true, true, true]] as const) {
        const a = product(one, M, N, K, tA, tB, acc), b = product(three, M, N, K, tA, tB, acc);
        expect(b).toEqual(a);
        const ref = reference(M, N, K, tA, tB, acc);
        let worst = 0;
        for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(b[i] - ref[i]));
        expect(worst).toBeLessThan(1e-5 * Math.sqrt(K) * 4);
        expect([b[0], b[1]]).toEqual([a[0], a[1]]); // before the output: untouched
      }
    }
  });

  test('the workers take jobs (the calling thread does not run them all)', async () => {
    const w = createWasmGemm(2)!;
    await until(() => w.phases.ready() === 1);
    const run = w.phases.run.bind(w.phases);
    const mine = [0, 0], total = [0, 0]; // GEMM blocks, packing jobs
    w.phases.run = (kind, params, nJobs, parallel) => {
      const m = run(kind, params, nJobs, parallel);
      expect(parallel).toBe(true);
      expect([JobKind.Gemm, JobKind.PackPanels]).toContain(kind);
      const i = kind === JobKind.Gemm ? 0 : 1;
      mine[i] += m;
      total[i] += nJobs;
      return m;
    };
    for (let r = 0; r < 10; r++) product(w, 512, 1024, 256, false, false, false);
    expect(total[0]).toBe(10 * Math.ceil(Math.ceil(512 / w.mr) * w.mr / wasmRowBlock(w)) * 2); // row blocks × the two 512-column blocks
    // A (512 / mr panels) and B (1024 / 8 panels) packed in phases of about 16 jobs, whole panels each
    const packJobs = (panels: number) => Math.ceil(panels / Math.ceil(panels / 16));
    expect(total[1]).toBe(10 * (packJobs(Math.ceil(512 / w.mr)) + packJobs(1024 / 8)));
    expect(mine[0]).toBeLessThan(total[0]);
    expect(mine[1]).toBeLessThan(total[1]);
  });

  test('a job that traps ends the phase with an error, and the pool keeps working', async () => {
    const w = createWasmGemm(2)!, one = createWasmGemm(1)!;
    await until(() => w.phases.ready() === 1);
    // GEMM blocks whose packed-A offset lies far past the memory: every job traps (out of bounds)
    const bad = [2 ** 30, 0, 0, 512, 1024, 8, wasmRowBlock(w), 512, 8, w.mr];
    expect(() => w.phases.run(JobKind.Gemm, bad, 16, true)).toThrow();
    expect(product(w, 300, 700, 200, false, true, false)).toEqual(product(one, 300, 700, 200, false, true, false));
  });

  test('a worker started while the memory grew sees all of it (jobs past its first size are right)', async () => {
    // Deno 2.9: grows between handing the memory to a worker and the worker receiving it left the
    // worker's buffer at the old size, so its im2col jobs wrote nothing and read undefined there
    const w = createWasmGemm(2)!;
    for (let i = 1; i <= 50; i++) w.reserve(i * 16 * 16384); // 16 more pages each, while the worker starts
    await until(() => w.phases.ready() === 1);
    // conv geometry C 2, 9×9, k 3, s 1, p 1 → 9×9 outputs, 4 samples: cols [18, 324], Npad 328
    const C = 2, H = 9, kh = 3, nb = 4, Ho = 9, R = C * kh * kh, Npad = 328, kc = R, per = 2;
    const f32 = w.f32, end = f32.length;
    const xBase = end - 2 * kc * Npad - nb * C * H * H, bpPar = end - 2 * kc * Npad, bpOne = end - kc * Npad;
    expect(xBase).toBeGreaterThan(16 * 16384 * 40); // far past the memory's first size
    f32.set(Float32Array.from(detRandom(nb * C * H * H, 11)), xBase);
    const params = (bp: number) => [bp, xBase, 0, kc, per, Npad, C, H, H, kh, kh, Ho, Ho, 1, 1, 1, 1, 1, 1, nb];
    let workerJobs = 0;
    // at least 20 rounds, and more (up to 500) until the worker has taken a job: on a busy machine
    // the calling thread can finish all of a round's jobs before the worker wakes
    for (let r = 0; r < 500 && (r < 20 || workerJobs === 0); r++) {
      f32.fill(NaN, bpPar, end);
      const nJobs = Math.ceil(kc / per);
      workerJobs += nJobs - w.phases.run(JobKind.PackColsRows, params(bpPar), nJobs, true);
      w.phases.run(JobKind.PackColsRows, params(bpOne), nJobs, false);
      expect(f32.subarray(bpPar, bpPar + kc * Npad)).toEqual(f32.subarray(bpOne, bpOne + kc * Npad));
    }
    expect(workerJobs).toBeGreaterThan(0);
  });

  test('small products stay on the calling thread', async () => {
    const w = createWasmGemm(2)!;
    await until(() => w.phases.ready() === 1);
    const phases = { gemm: 0, pack: 0 };
    const run = w.phases.run.bind(w.phases);
    w.phases.run = (kind, params, nJobs, parallel) => (phases[kind === JobKind.Gemm ? 'gemm' : 'pack'] += +parallel, run(kind, params, nJobs, parallel));
    product(w, 30, 40, 50, false, false, false); // 60k multiply-adds, 1,500 and 2,000 elements to pack
    expect(phases).toEqual({ gemm: 0, pack: 0 });
    product(w, 256, 256, 300, false, false, false); // two k-slices
    // A (256 × 300) packed in one phase; B slice by slice: 256 × 256 on the threads, the last 44 rows here
    expect(phases).toEqual({ gemm: 2, pack: 2 });
  });

  test('init starts the CPU backend with its worker threads already up', async () => {
    // a thread count no other test uses, so that init has to start a fresh pool
    await withRoutes({ cpuThreads: 5 }, async () => {
      await init({ backend: 'cpu' });
      const w = wasmGemm()!;
      expect(w.phases.threads).toBe(5);
      expect(w.phases.ready()).toBe(4);
    });
  });

  test('the cpuThreads route sets the count (WEBGAN_CPU_THREADS feeds it: routes.test.ts) and rejects nonsense', () => {
    expect(withRoutes({ cpuThreads: 3 }, threadCount)).toBe(3);
    expect(withRoutes({ cpuThreads: 1 }, threadCount)).toBe(1);
    expect(() => overrideRoutes({ cpuThreads: 0 })).toThrow(/cpuThreads/);
    expect(() => overrideRoutes({ cpuThreads: 2.5 })).toThrow(/cpuThreads/);
    const auto = withRoutes({ cpuThreads: 'auto' }, threadCount);
    expect(auto).toBeGreaterThanOrEqual(1);
    expect(auto).toBeLessThanOrEqual(8);
  });
});
