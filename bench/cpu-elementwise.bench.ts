/**
 * CPU elementwise throughput: ns per element of the ops a training step runs between its GEMMs,
 * each timed in a mix with the others (a step alternates them, which is what exposed loops that
 * shared one compiled copy: every op change deoptimised it). webgan's CPU backend vs
 * @tensorflow/tfjs-backend-cpu, same process, float32 [500, 256] (an mlp2d layer at batch 500);
 * and relu and `where` over a [64, 128, 14, 14] dcgan activation with random signs.
 * Run: npx deno run -A bench/cpu-elementwise.bench.ts   (Node: npx vite-node bench/cpu-elementwise.bench.ts)
 */
import { Bench } from 'tinybench';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as wg from '../src/index.ts';

await tf.setBackend('cpu');
wg.setBackend(new wg.CpuBackend());
const shape = [500, 256], n = 500 * 256;
wg.manualSeed(1);
const a = wg.randn(shape), b = wg.randn(shape), bias = wg.randn([256]), w = wg.randn([256, 256]);
const ta = tf.randomNormal(shape), tb = tf.randomNormal(shape), tbias = tf.randomNormal([256]);

// each task runs all five ops once, so every op is timed right after a different one
const webgan = () => wg.tidy(() => { wg.mul(a, 0.2); wg.gt(a, 0); wg.add(a, b); wg.add(a, bias); wg.relu(a); });
const tfjs = () => tf.tidy(() => { tf.mul(ta, 0.2); tf.greater(ta, 0); tf.add(ta, tb); tf.add(ta, tbias); tf.relu(ta); });
const bench = new Bench({ time: 2000, warmup: true, warmupIterations: 20 });
bench.add('webgan cpu 5 elementwise ops', webgan);
bench.add('tfjs cpu 5 elementwise ops', tfjs);
// the fused linear epilogue (GEMM, then bias + LeakyReLU in one pass): D's hidden layer
bench.add('webgan cpu linear+bias+leakyRelu', () => wg.tidy(() => { wg.linear(a, w, bias, { activation: 'leakyRelu', negativeSlope: 0.2 }); }));
// selections over random signs (a branch mispredicts every other element; the CPU kernels select
// bits without one): relu and relu's backward `where` over a dcgan activation, 1.6M elements
const big = [64, 128, 14, 14], nBig = 64 * 128 * 14 * 14;
const x = wg.randn(big), g = wg.randn(big), tx = tf.randomNormal(big), tg = tf.randomNormal(big);
bench.add('webgan cpu relu 1.6M', () => wg.tidy(() => { wg.relu(x); }));
bench.add('webgan cpu where 1.6M', () => wg.tidy(() => { wg.where(x, g, 0); }));
bench.add('tfjs cpu relu 1.6M', () => tf.tidy(() => { tf.relu(tx); }));
bench.add('tfjs cpu where 1.6M', () => tf.tidy(() => { tf.where(tf.cast(tx, 'bool'), tg, tf.zerosLike(tg)); }));
await bench.run();
console.table(bench.tasks.map((t) => {
  if (t.result.state !== 'completed') throw new Error(`${t.name}: ${t.result.state}`);
  const ms = t.result.latency.mean, ops = t.name.includes('5 elementwise') ? 5 : 1, size = t.name.endsWith('1.6M') ? nBig : n;
  return { task: t.name, 'mean ms': ms.toFixed(3), 'ns / element / op': ((ms * 1e6) / (size * ops)).toFixed(2) };
}));
