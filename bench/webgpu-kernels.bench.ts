/**
 * GFLOP/s of webgan's WebGPU matmul and DCGAN conv layers (batch 64) next to TensorFlow.js's
 * WebGPU backend, same process, same adapter. Run under Deno (lavapipe on a machine without GPU):
 *   npx deno run -A bench/webgpu-kernels.bench.ts
 * Each timing includes submit, execution and reading the result back (`await y.data()` on both sides:
 * tfjs's queue-wait alone returned before its work ran). tfjs runs its native NHWC layout.
 */
import { Bench } from 'tinybench';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import * as wg from '../src/index.ts';

const gpu = await wg.init({ backend: 'webgpu' });
await tf.setBackend('webgpu');
await tf.ready();
const info = gpu.info() as { description: string; vendor: string; runtime: string };

interface Case { name: string; flops: number; ours: () => wg.Tensor; theirs: () => tf.Tensor }
const cases: Case[] = [];

for (const n of [256, 512, 1024]) {
  const a = wg.randn([n, n]), b = wg.randn([n, n]);
  const ta = tf.randomNormal([n, n]), tb = tf.randomNormal([n, n]);
  cases.push({ name: `matmul ${n}`, flops: 2 * n ** 3, ours: () => wg.matmul(a, b), theirs: () => tf.matMul(ta, tb) });
}

const B = 64;
// [name, C, O, k, s, p, H(in), Ho(out)] for conv2d; for convT the input is H and output Ho
const convT: [string, number, number, number, number, number, number, number][] = [
  ['G ConvT 100→256 k7 s1 p0 1→7', 100, 256, 7, 1, 0, 1, 7],
  ['G ConvT 256→128 k4 s2 p1 7→14', 256, 128, 4, 2, 1, 7, 14],
  ['G ConvT 128→1 k4 s2 p1 14→28', 128, 1, 4, 2, 1, 14, 28],
];
for (const [name, C, O, k, s, p, H, Ho] of convT) {
  const x = wg.randn([B, C, H, H]), w = wg.randn([C, O, k, k]);
  const tx = tf.randomNormal([B, H, H, C]) as tf.Tensor4D, tw = tf.randomNormal([k, k, O, C]) as tf.Tensor4D;
  cases.push({
    name, flops: 2 * B * C * H * H * O * k * k,
    ours: () => wg.convTranspose2d(x, w, null, { stride: s, padding: p }),
    theirs: () => tf.conv2dTranspose(tx, tw, [B, Ho, Ho, O], s, p === 0 ? 'valid' : 'same'),
  });
}
const conv: [string, number, number, number, number, number, number, number][] = [
  ['D Conv 1→64 k4 s2 p1 28→14', 1, 64, 4, 2, 1, 28, 14],
  ['D Conv 64→128 k4 s2 p1 14→7', 64, 128, 4, 2, 1, 14, 7],
  ['D Conv 128→1 k7 s1 p0 7→1', 128, 1, 7, 1, 0, 7, 1],
];
for (const [name, C, O, k, s, p, H, Ho] of conv) {
  const x = wg.randn([B, C, H, H]), w = wg.randn([O, C, k, k]);
  const tx = tf.randomNormal([B, H, H, C]) as tf.Tensor4D, tw = tf.randomNormal([k, k, C, O]) as tf.Tensor4D;
  cases.push({
    name, flops: 2 * B * O * Ho * Ho * C * k * k,
    ours: () => wg.conv2d(x, w, null, { stride: s, padding: p }),
    theirs: () => tf.conv2d(tx, tw, s, p === 0 ? 'valid' : [[0, 0], [p, p], [p, p], [0, 0]]),
  });
}

const bench = new Bench({ time: 200, iterations: 2, warmupIterations: 1 });
for (const c of cases) {
  bench.add(`webgan ${c.name}`, async () => { const y = c.ours(); await y.data(); y.dispose(); });
  bench.add(`tfjs ${c.name}`, async () => { const y = c.theirs(); await y.data(); y.dispose(); });
}
await bench.run();

const ms = (name: string) => bench.tasks.find((t) => t.name === name)!.result as unknown as { latency: { mean: number } };
const rows = cases.map((c) => {
  const a = ms(`webgan ${c.name}`).latency.mean, b = ms(`tfjs ${c.name}`).latency.mean;
  const gf = (t: number) => (c.flops / (t * 1e-3) / 1e9).toFixed(2);
  return `| ${c.name} | ${a.toFixed(2)} | ${gf(a)} | ${b.toFixed(2)} | ${gf(b)} | ${(b / a).toFixed(2)}× |`;
});
console.log(`\n${new Date().toISOString()} — ${info.runtime}, adapter: ${info.description || info.vendor}\n`);
console.log('| op | webgan ms | webgan GFLOP/s | tfjs ms | tfjs GFLOP/s | speed-up |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
