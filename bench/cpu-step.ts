/**
 * Median wall time of webgan's nsgan training step on the CPU backend (the step of
 * bench/torch_dcgan_step.py), as one JSON line. WEBGAN_CPU_THREADS sets the thread count,
 * WEBGAN_CPU_GEMM=wasm turns the GEMM's fused multiply-add off (`fma` in the line says which ran).
 *
 *   npx deno run -A bench/cpu-step.ts [dcgan|mlp2d] [steps]
 */
import * as wg from '../src/index.ts';
import { GanTrainer } from '../src/gan/trainer.ts';
import type { PresetName } from '../src/gan/models.ts';
import { wasmGemm } from '../src/kernels/cpu/wasm-gemm.ts';

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? [];
const preset = (args[0] ?? 'dcgan') as PresetName;
const steps = Number(args[1] ?? 5);
await wg.init({ backend: 'cpu' });
const t = await GanTrainer.create({ preset, loss: 'nsgan', limit: 512, seed: 0 });
t.trainStep(); // warm-up (init waited for the GEMM's worker threads)
const times: number[] = [];
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  t.trainStep();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const info = wg.backendInfo();
console.log(JSON.stringify({ library: 'webgan', backend: 'cpu', threads: info.threads, fma: wasmGemm()?.fma ?? false, preset, batch: t.cfg.batch, steps, median_step_ms: times[Math.floor(steps / 2)], date: new Date().toISOString() }));
t.dispose();
