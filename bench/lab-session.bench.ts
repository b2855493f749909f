/**
 * The lab's 2-D session (src/lab/session.ts) in Node, without a page: training steps/s without
 * drawing, and the cost of one frame's view data, whole and by part (G on the 1,000 fixed z, G on
 * the 21 × 21 z-grid, the 240 gradient arrows, D's 48 × 48 surface, the one read-back, the mode
 * metrics). Explains the browser figures of bench/lab-speed.ts (bench/RESULTS-lab.md).
 *
 *   WEBGAN_CPU_THREADS=1 node_modules/.bin/vite-node bench/lab-session.bench.ts [-- --backend cpu|webgpu] [--time MS]
 *
 * Settings: GAN Lab-sized networks, depth 1–3 × width 64 (G and D alike), at the page's default
 * batch (256) and a GAN Lab-like one (64), on grid / nsgan.
 */
import { Bench } from 'tinybench';
import * as wg from '../src/index.ts';
import type { Tensor } from '../src/index.ts';
import { evaluate2d } from '../src/gan/evaluate.ts';
import { LabSession, MESH, N_ARROWS, N_FAKE, RES } from '../src/lab/session.ts';
import { parseSettings } from '../src/lab/settings.ts';

const argv = process.argv.slice(2);
const arg = (k: string, d: string) => { const i = argv.indexOf(k); return i >= 0 ? argv[i + 1] : d; };
const backend = arg('--backend', 'cpu');
if (backend !== 'cpu' && backend !== 'webgpu') throw new Error(`--backend must be cpu or webgpu, got '${backend}'`);
const time = Number(arg('--time', '1500'));
await wg.init({ backend });

const cases = [
  { depth: 1, width: 64, batch: 64 },
  { depth: 2, width: 64, batch: 64 },
  { depth: 3, width: 64, batch: 64 },
  { depth: 3, width: 64, batch: 256 },
];

const rows: Record<string, string | number>[] = [];
for (const c of cases) {
  const cfg = parseSettings(`?data=grid&loss=nsgan&seed=1&batch=${c.batch}&gdepth=${c.depth}&gwidth=${c.width}&ddepth=${c.depth}&dwidth=${c.width}`).config!;
  const s = await LabSession.create(cfg);
  const t = s.trainer, m = t.models;
  // the frame's inputs, the sizes session.ts uses (their values do not change the cost)
  const z = wg.keep(m.noise(N_FAKE)), zGrid = wg.keep(wg.randn([MESH * MESH, 2])), xGrid = wg.keep(wg.randn([RES * RES, 2]));
  const fakeHost = (await s.frame()).fake;
  const read = async (f: () => Tensor) => { const x = wg.tidy(f); await x.data(); x.dispose(); };
  const bench = new Bench({ time, warmup: true, warmupIterations: 3 });
  bench
    .add('train: 1 step + read-back', async () => { await s.train(1); })
    .add('train: 5 steps + read-back', async () => { await s.train(5); })
    .add('frame(): all view data', async () => { await s.frame(); })
    .add('  G(z), 1,000 points', () => read(() => t.sample(z)))
    .add('  manifold, G of 21×21 z', () => read(() => t.sample(zGrid)))
    .add('  gradients, 240 arrows', () => read(() => {
      const x = wg.slice(t.sample(z), [[0, N_ARROWS]]).detach().requiresGrad_(true);
      return wg.grad(t.loss.g(m.discriminate(x)), [x])[0];
    }))
    .add('  surface, D on 48×48', () => read(() => wg.noGrad(() => wg.sigmoid(m.discriminate(xGrid)))))
    .add('  metrics (host)', () => { evaluate2d(fakeHost, 'grid'); });
  await bench.run();
  const label = `${c.depth}×${c.width}, batch ${c.batch}`;
  for (const task of bench.tasks) {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`${label} ${task.name}: ${r.state}`);
    const ms = r.latency.mean;
    const steps = task.name.startsWith('train: 5') ? 5 : task.name.startsWith('train: 1') ? 1 : 0;
    rows.push({ case: label, task: task.name, 'mean ms': ms.toFixed(3), 'p99 ms': r.latency.p99.toFixed(2), 'steps/s': steps ? ((1000 * steps) / ms).toFixed(1) : '', samples: r.latency.samplesCount });
  }
  for (const x of [z, zGrid, xGrid]) x.dispose();
  s.dispose();
}
console.log(`lab session — ${new Date().toISOString()} — node ${process.version}, backend ${backend}, WEBGAN_CPU_THREADS=${process.env.WEBGAN_CPU_THREADS ?? '(default)'}`);
console.table(rows);
