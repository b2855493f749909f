/**
 * What the WebGPU backend's elementwise fusion (src/kernels/webgpu/fuse.ts) does to a training
 * step: dispatches per step, the bytes they bind (GpuContext.boundBytes: the least a step moves
 * through memory), host (JavaScript) time to record a step, synchronised wall time, with fusion off and on, side by side in one process; and the largest difference of G's and D's
 * parameters between the two after the same steps from the same seed.
 *
 * Run: npx deno run -A bench/step-fusion.ts [preset[:loss] ...] [--steps N]
 * (default: dcgan:nsgan mlp2d:wgan-gp, 3 steps). Results: bench/RESULTS-fusion.md. With
 * WEBGAN_GEMM=tiled a software adapter runs the kernel routes of a real GPU (routes.ts), so the
 * dispatch and byte counts are those a GPU would see.
 */
import * as wg from '../src/index.ts';
import { GanTrainer } from '../src/gan/trainer.ts';
import type { LossName } from '../src/gan/losses.ts';
import type { PresetName } from '../src/gan/models.ts';
import { type AdapterClass, routesFor } from '../src/kernels/routes.ts';

const argv = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? [];
const si = argv.indexOf('--steps');
const steps = si >= 0 ? Number(argv[si + 1]) : 3;
const cases = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--steps');
const todo = cases.length ? cases : ['dcgan:nsgan', 'mlp2d:wgan-gp'];

await wg.init({ backend: 'webgpu' });
const gpu = wg.getBackend();
const dispatches = () => Number(gpu.info().dispatches);
const fusedKernels = () => Number(gpu.info().fusedKernels ?? 0);
const boundBytes = () => Number(gpu.info().boundBytes ?? 0);

interface Run { dispatches: number; fused: number; bytes: number; hostMs: number; wallMs: number; params: Float32Array[] }

async function run(preset: PresetName, loss: LossName, fuse: boolean): Promise<Run> {
  wg.setFusion(fuse);
  const t = await GanTrainer.create({ preset, loss, limit: 512, seed: 0 });
  t.jit = false; // eager steps: what fusion alone does (bench/jit-step.ts measures the replayed step)
  try {
    t.trainStep(); // warm: pipelines, pool
    await gpu.sync?.();
    const d0 = dispatches(), f0 = fusedKernels(), b0 = boundBytes();
    let hostMs = 0;
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      const h0 = performance.now();
      t.trainStep();
      hostMs += performance.now() - h0;
      await gpu.sync?.();
    }
    const wallMs = (performance.now() - t0) / steps;
    const perStep = (dispatches() - d0) / steps;
    const params = await Promise.all([...t.models.G.parameters(), ...t.models.D.parameters()].map(async (p) => (await p.data()) as Float32Array));
    return { dispatches: perStep, fused: (fusedKernels() - f0) / steps, bytes: (boundBytes() - b0) / steps, hostMs: hostMs / steps, wallMs, params };
  } finally {
    t.dispose();
    wg.setFusion(true);
  }
}

const info = wg.backendInfo();
console.log(`${new Date().toISOString().slice(0, 10)} — ${String(info.runtime ?? '')} — ${String(info.description ?? info.device ?? 'webgpu')} (adapter class ${String(info.adapterClass)}, gemm route ${routesFor(info.adapterClass as AdapterClass).gemm}) — ${steps} steps after 1 warm-up, batch = the preset's default`);
console.log('\n| step | fusion | dispatches / step | of them fused elementwise | MB bound / step | host ms / step (record) | host µs / dispatch | wall ms / step (synchronised) | max |Δ param| fused vs unfused |');
console.log('|---|---|--:|--:|--:|--:|--:|--:|--:|');
for (const c of todo) {
  const [preset, loss = 'nsgan'] = c.split(':') as [PresetName, LossName];
  const off = await run(preset, loss, false);
  const on = await run(preset, loss, true);
  let diff = 0;
  off.params.forEach((a, i) => { for (let k = 0; k < a.length; k++) diff = Math.max(diff, Math.abs(a[k] - on.params[i][k])); });
  for (const [name, r] of [['off', off], ['on', on]] as const) {
    console.log(`| ${preset} ${loss} | ${name} | ${r.dispatches.toFixed(0)} | ${r.fused.toFixed(0)} | ${(r.bytes / 1e6).toFixed(0)} | ${r.hostMs.toFixed(1)} | ${((1000 * r.hostMs) / r.dispatches).toFixed(0)} | ${r.wallMs.toFixed(0)} | ${name === 'on' ? diff.toExponential(1) : '—'} |`);
  }
}
