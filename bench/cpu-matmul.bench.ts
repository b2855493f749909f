/**
 * CPU matmul throughput: webgan's CPU backend vs @tensorflow/tfjs-backend-cpu, same process.
 * Run: npx deno run -A bench/cpu-matmul.bench.ts   (or any TS-capable runtime)
 * Prints GFLOP/s (2·n³ / mean time) for n = 256, 512, 1024, float32: webgan's default float32 path
 * (WebAssembly SIMD, on all GEMM threads: WEBGAN_CPU_THREADS or the core count, ≤ 8), the same on
 * one thread (`webgan-1t`, route cpuThreads: 1) — with relaxed SIMD's fused multiply-add and the 6×8
 * tile where the runtime has it (route cpuGemm 'fma', the default) — the same with separate multiply
 * and add and the 4×8 tile (`webgan-nofma`, `webgan-1t-nofma`: route cpuGemm 'wasm', what Node 20
 * runs), webgan's JavaScript GEMM (`webgan-js`, route
 * cpuGemm: 'js', as WEBGAN_CPU_GEMM=js) and tfjs-cpu.
 */
import { Bench } from 'tinybench';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as wg from '../src/index.ts';
import { hasRelaxedMadd, wasmGemm } from '../src/kernels/cpu/wasm-gemm.ts';
import { threadCount } from '../src/kernels/cpu/threads.ts';

await tf.setBackend('cpu');
wg.setBackend(new wg.CpuBackend());

const sizes = (globalThis as { Deno?: { args: string[] } }).Deno?.args.length
  ? (globalThis as unknown as { Deno: { args: string[] } }).Deno.args.map(Number)
  : [256, 512, 1024];

// start the workers and wait until they are up, so that every timed call runs on all threads
const pool = wasmGemm()?.phases;
for (let t0 = Date.now(); pool && pool.ready() < pool.threads - 1 && Date.now() - t0 < 10_000;) await new Promise((r) => setTimeout(r, 10));
console.log(`GEMM threads: ${pool?.threads ?? 1} (threadCount() = ${threadCount()}); relaxed SIMD available for the fma route: ${hasRelaxedMadd()}`);

const rows: { n: number; lib: string; ms: number; gflops: number }[] = [];
for (const n of sizes) {
  const bench = new Bench({ time: n >= 1024 ? 3000 : 1000, iterations: 3, warmup: true, warmupIterations: 2 });
  wg.manualSeed(1);
  const a = wg.randn([n, n]), b = wg.randn([n, n]);
  const ta = tf.randomNormal([n, n]), tb = tf.randomNormal([n, n]);
  // correctness guard: both libraries agree on the product
  const c = wg.matmul(a, b), tc = tf.matMul(tf.tensor(a.dataSync() as Float32Array, [n, n]), tf.tensor(b.dataSync() as Float32Array, [n, n]));
  const x = c.dataSync(), y = tc.dataSync();
  let err = 0;
  for (let i = 0; i < x.length; i += 97) err = Math.max(err, Math.abs(x[i] - y[i]));
  if (err > 1e-2) throw new Error(`matmul ${n}: webgan and tfjs disagree by ${err}`);
  c.dispose(); tc.dispose();
  bench.add(`webgan cpu ${n}`, () => { wg.matmul(a, b).dispose(); });
  bench.add(`webgan-1t cpu ${n}`, () => wg.withRoutes({ cpuThreads: 1 }, () => wg.matmul(a, b).dispose()));
  bench.add(`webgan-nofma cpu ${n}`, () => wg.withRoutes({ cpuGemm: 'wasm' }, () => wg.matmul(a, b).dispose()));
  bench.add(`webgan-1t-nofma cpu ${n}`, () => wg.withRoutes({ cpuThreads: 1, cpuGemm: 'wasm' }, () => wg.matmul(a, b).dispose()));
  bench.add(`webgan-js cpu ${n}`, () => wg.withRoutes({ cpuGemm: 'js' }, () => wg.matmul(a, b).dispose()));
  bench.add(`tfjs cpu ${n}`, () => { tf.matMul(ta, tb).dispose(); });
  await bench.run();
  for (const t of bench.tasks) {
    const r = t.result;
    if (r.state !== 'completed') throw new Error(`${t.name}: ${r.state}`);
    const ms = r.latency.mean;
    rows.push({ n, lib: t.name.split(' ')[0], ms, gflops: (2 * n ** 3) / (ms * 1e6) });
  }
  a.dispose(); b.dispose(); ta.dispose(); tb.dispose();
}
console.table(rows.map((r) => ({ n: r.n, lib: r.lib, 'mean ms': r.ms.toFixed(2), 'GFLOP/s': r.gflops.toFixed(2) })));
