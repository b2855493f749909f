/**
 * StyleGAN's modulated convolution against a plain convolution of the same FLOPs (the issue's
 * bar: "must not cost much more"), in both forms (src/gan/stylegan/layers.ts), forward and
 * forward + backward; and the [1,3,3,1] blur as one single-channel convolution over N·C images
 * against the depthwise convolution (groups = C) it replaced. Shapes: the default 32×32
 * generator at batch 32 (16×16, 64 channels → 64; the 8 → 16 up-sampling layer, 128 → 64).
 * Run (CPU):    npx deno run -A bench/stylegan.bench.ts
 *     (WebGPU): npx deno run -A bench/stylegan.bench.ts webgpu     (lavapipe here)
 */
import { Bench } from 'tinybench';
import * as wg from '../src/index.ts';
import { blurKernel, modulatedConv2d } from '../src/gan/stylegan/layers.ts';

const backend = (globalThis as { Deno?: { args: string[] } }).Deno?.args[0] === 'webgpu' ? 'webgpu' : 'cpu';
await wg.init({ backend });
const sync = async () => { await wg.getBackend().sync?.(); };
wg.manualSeed(1);
const N = 32;
const x = wg.randn([N, 64, 16, 16]), w = wg.randn([64, 64, 3, 3]), s = wg.randn([N, 64]);
const xu = wg.randn([N, 128, 8, 8]), wu = wg.randn([64, 128, 3, 3]), su = wg.randn([N, 128]);
const wt = wg.transpose(wu, 0, 1); // convTranspose2d weight [I, O, k, k]
const xr = wg.randn([N, 64, 16, 16], { requiresGrad: true }), wr = wg.randn([64, 64, 3, 3], { requiresGrad: true }), sr = wg.randn([N, 64], { requiresGrad: true });

const task = (f: () => void) => async () => { wg.tidy(f); await sync(); };
const bench = new Bench({ time: backend === 'cpu' ? 3000 : 6000, warmup: true, warmupIterations: 5 });
bench
  .add('plain conv2d 64→64 3×3 at 16² (same FLOPs)', task(() => { wg.conv2d(x, w, null, { padding: 1 }); }))
  .add('modulated conv, scaled form (default)', task(() => { modulatedConv2d(x, w, s, { form: 'scaled' }); }))
  .add('modulated conv, grouped form (groups = N)', task(() => { modulatedConv2d(x, w, s, { form: 'grouped' }); }))
  .add('plain up: convTranspose2d 128→64 s2 + blur', task(() => { const y = wg.convTranspose2d(xu, wt, null, { stride: 2 }); wg.conv2d(wg.reshape(y, [N * 64, 1, 17, 17]), blurKernel(4), null, { padding: 1 }); }))
  .add('modulated up conv, scaled form', task(() => { modulatedConv2d(xu, wu, su, { up: true, form: 'scaled' }); }))
  .add('modulated up conv, grouped form', task(() => { modulatedConv2d(xu, wu, su, { up: true, form: 'grouped' }); }))
  .add('fwd+bwd plain conv2d', task(() => { wg.sum(wg.conv2d(xr, wr, null, { padding: 1 })).backward(); }))
  .add('fwd+bwd modulated, scaled', task(() => { wg.sum(modulatedConv2d(xr, wr, sr, { form: 'scaled' })).backward(); }))
  .add('fwd+bwd modulated, grouped', task(() => { wg.sum(modulatedConv2d(xr, wr, sr, { form: 'grouped' })).backward(); }))
  .add('blur 64 ch at 16²: one-channel conv over N·C images', task(() => { wg.conv2d(wg.reshape(x, [N * 64, 1, 16, 16]), blurKernel(), null, { padding: 1 }); }))
  .add('blur 64 ch at 16²: depthwise conv, groups = C', task(() => { wg.conv2d(x, wg.expand(blurKernel(), [64, 1, 4, 4]), null, { padding: 1, groups: 64 }); }));
await bench.run();
const mean = (t: (typeof bench.tasks)[number]) => {
  if (t.result.state !== 'completed') throw new Error(`${t.name}: ${t.result.state}`);
  return t.result.latency.mean;
};
const base = (name: string) => mean(bench.tasks.find((t) => t.name.startsWith(name))!);
console.log(`backend ${backend} (${String(wg.backendInfo().description ?? '')})`);
console.table(bench.tasks.map((t) => {
  const ms = mean(t);
  const ref = t.name.startsWith('blur') ? base('blur 64 ch at 16²: depthwise') : t.name.startsWith('fwd+bwd') ? base('fwd+bwd plain') : / up/.test(t.name) ? base('plain up') : base('plain conv2d');
  return { task: t.name, 'mean ms': ms.toFixed(2), 'vs plain': `${(ms / ref).toFixed(2)}×`, };
}));
