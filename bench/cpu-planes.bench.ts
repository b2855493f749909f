/**
 * CPU convolutions with one input and one output channel per group (conv.ts, plane by plane):
 * StyleGAN's [1,3,3,1] blurs as they occur in a default stylegan step (batch 32: 32·C planes), forward
 * and transposed (the blur's input gradient), on the plane jobs and on the column path
 * (`cpuConv: 'im2col'`), same process, on the threads the process has. (Before the plane jobs these
 * convolutions took the one-group GEMM path; bench/RESULTS-cpu.md has that comparison.) Run: npx deno run -A bench/cpu-planes.bench.ts   (WEBGAN_CPU_THREADS=1 for one thread)
 */
import { Bench } from 'tinybench';
import * as wg from '../src/index.ts';
import { threadCount } from '../src/kernels/cpu/threads.ts';

await wg.init({ backend: 'cpu' });
// [planes, side, stride, padding]: the 32² up-sampling blur (33² in, pad 0), the 32² down-sampling
// blur of D (pad 1), a stride-2 down-sampling at 16², the 8² up-sampling blur
const cases: [number, number, number, number][] = [[1024, 33, 1, 0], [1024, 32, 1, 1], [2048, 16, 2, 1], [4096, 9, 1, 0]];
wg.manualSeed(1);
const k = wg.randn([1, 1, 4, 4]);
const bench = new Bench({ time: 1500, warmup: true, warmupIterations: 3 });
for (const [n, side, stride, padding] of cases) {
  const x = wg.randn([n, 1, side, side]);
  const y = wg.conv2d(x, k, null, { stride, padding });
  for (const route of ['fused', 'im2col'] as const) {
    bench.add(`${n}×${side}² s${stride} p${padding} ${route === 'fused' ? 'planes' : 'columns'}`, () => wg.withRoutes({ cpuConv: route }, () => wg.tidy(() => {
      wg.conv2d(x, k, null, { stride, padding });
      wg.convTranspose2d(y, k, null, { stride, padding });
    })));
  }
}
await bench.run();
console.log(`CPU threads: ${threadCount()}`);
console.table(bench.tasks.map((t) => {
  if (t.result.state !== 'completed') throw new Error(`${t.name}: ${t.result.state}`);
  return { 'conv2d + convTranspose2d': t.name, 'mean ms': t.result.latency.mean.toFixed(1) };
}));
