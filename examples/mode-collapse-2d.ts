/**
 * The 2-D mode-collapse protocol of PacGAN / VEEGAN on the ring and grid mixtures:
 * train mlp2d per (loss, dataset, seed), draw 2,500 samples, report modes captured, % high-quality
 * samples and reverse KL (mean ± std over seeds) as a markdown table and JSON.
 *
 *   npx deno run -A examples/mode-collapse-2d.ts --steps 2000 --seeds 0,1,2,3,4 --losses nsgan,wgan-gp --data ring,grid
 *   (Node: npx vite-node examples/mode-collapse-2d.ts -- --steps …)
 *
 * `--pack K` trains PacGAN-K (D sees K samples concatenated; batch must divide by K);
 * `--eval-every N` also evaluates every N steps (a trajectory per run in results.json);
 * `--n-critic N` overrides the loss's critic steps per generator step.
 * `--ema D` keeps an EMA copy of G (decay D) and evaluates it; `--r1 G` adds the R1 penalty
 * (γ = G) to D's loss, with `--r1-until N` only on steps 1…N; `--sn` puts spectral norm in D.
 * `--decay cosine` anneals both learning rates to 0 over the run (torch's CosineAnnealingLR,
 * stepped once per generator step); the default `none` keeps them constant.
 */
import * as wg from '../src/index.ts';
import { GanTrainer } from '../src/gan/trainer.ts';
import { drawSamples, evaluate2d } from '../src/gan/evaluate.ts';
import type { LossName } from '../src/gan/losses.ts';
import { writeText, mkdirp } from '../src/io/fs.ts';
import { plot2d } from '../src/gan/run.ts';
import { mixtureModes, type MixtureName } from '../src/data/mixtures.ts';

const g = globalThis as { Deno?: { args: string[] }; process?: { argv: string[] } };
const argv = g.Deno ? g.Deno.args : g.process!.argv.slice(2).filter((a) => a !== '--');
const flag = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const steps = Number(flag('steps', '2000'));
const batch = Number(flag('batch', '100'));
const lr = flag('lr', '') ? Number(flag('lr', '')) : undefined; // default: the loss's default
const seeds = flag('seeds', '0,1,2,3,4').split(',').map(Number);
const losses = flag('losses', 'nsgan,wgan-gp').split(',') as LossName[];
const datasets = flag('data', 'ring,grid').split(',');
const out = flag('out', 'runs/mode-collapse-2d');
const decay = flag('decay', 'none');
const pack = Number(flag('pack', '1')); // PacGAN: D judges `pack` samples at once
const nCritic = flag('n-critic', '') ? Number(flag('n-critic', '')) : undefined; // default: the loss's default
const ema = Number(flag('ema', '0')); // decay of an EMA copy of G, which then draws the evaluated samples
const r1Gamma = Number(flag('r1', '0')); // R1 penalty (γ/2)·E‖∇D(x)‖² on real data
const r1Until = Number(flag('r1-until', '0')); // R1 only on generator steps 1…N (0: every step)
const spectralNorm = argv.includes('--sn');
if (decay !== 'none' && decay !== 'cosine') throw new Error(`--decay must be none or cosine, got ${decay}`);
await wg.init({ backend: flag('backend', 'cpu') as 'cpu' });
await mkdirp(out);

const evalEvery = Number(flag('eval-every', '0'));

/** The metrics recorded per evaluation and per run. */
type Recorded = Pick<ReturnType<typeof evaluate2d>, 'modes' | 'highQuality' | 'reverseKL' | 'underformedModes'>;
const recorded = (m: Recorded): Recorded => ({ modes: m.modes, highQuality: m.highQuality, reverseKL: m.reverseKL, underformedModes: m.underformedModes });
/** One evaluation during a run: the protocol's metrics and how far samples lie from their nearest mode. */
interface Point extends Recorded { step: number; distMedian: number; dist90: number }
interface Row extends Recorded { loss: string; data: string; seed: number; totalModes: number; seconds: number; trajectory?: Point[] }
const rows: Row[] = [];

function nearestModeDistances(pts: Float32Array, data: string): number[] {
  const centres = mixtureModes(data as MixtureName)!.centres;
  const d: number[] = [];
  for (let i = 0; i < pts.length; i += 2) d.push(Math.min(...centres.map(([x, y]) => Math.hypot(pts[i] - x, pts[i + 1] - y))));
  return d.sort((a, b) => a - b);
}
for (const data of datasets) {
  for (const loss of losses) {
    for (const seed of seeds) {
      const t0 = Date.now();
      const t = await GanTrainer.create({ preset: 'mlp2d', data, loss, seed, steps, batch, lr, pack, nCritic, ema, r1Gamma, r1Until, spectralNorm });
      const scheds = decay === 'cosine' ? [t.optG, t.optD].map((o) => new wg.nn.CosineAnnealingLR(o, steps)) : [];
      // the evaluation protocol: 2,500 samples drawn after seeding with 10,000 + seed. With
      // --eval-every the same evaluation also runs every N steps; the reseed then also sets the
      // random stream the training continues with (deterministic, but not the run without evals).
      const evaluateNow = async () => {
        await t.collect(false);
        wg.manualSeed(10_000 + seed);
        const pts = await drawSamples(t.models, t.sampler, 2500);
        return { pts, m: evaluate2d(pts, data) };
      };
      const trajectory: Point[] = [];
      const record = (step: number, pts: Float32Array, m: ReturnType<typeof evaluate2d>) => {
        const d = nearestModeDistances(pts, data);
        const p = { step, ...recorded(m), distMedian: d[Math.floor(0.5 * (d.length - 1))], dist90: d[Math.floor(0.9 * (d.length - 1))] };
        trajectory.push(p);
        console.error(JSON.stringify({ data, loss, seed, ...p }));
      };
      for (let s = 1; s <= steps; s++) {
        t.trainStep();
        for (const sc of scheds) sc.step();
        if (evalEvery > 0 && s % evalEvery === 0 && s < steps) {
          const { pts, m } = await evaluateNow();
          record(s, pts, m);
        }
      }
      const { pts, m } = await evaluateNow();
      if (evalEvery > 0) record(steps, pts, m);
      await plot2d(t, `${out}/${data}-${loss}-seed${seed}.svg`);
      const row: Row = { loss, data, seed, ...recorded(m), totalModes: m.totalModes, seconds: (Date.now() - t0) / 1000, ...(evalEvery > 0 ? { trajectory } : {}) };
      rows.push(row);
      console.error(JSON.stringify(row));
      t.dispose();
      await writeText(`${out}/results.json`, JSON.stringify({ steps, batch, lr: lr ?? 'default', decay, pack, evalEvery, nCritic: nCritic ?? 'default', ema, r1Gamma, r1Until, spectralNorm, backend: wg.backendInfo().description, rows }, null, 2) + '\n');
    }
  }
}
const ms = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const s = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(xs.length - 1, 1));
  return `${m.toFixed(1)} ± ${s.toFixed(1)}`;
};
const lines = ['| data | loss | modes | % high quality | reverse KL | seeds | steps |', '|---|---|---|---|---|---|---|'];
for (const data of datasets) for (const loss of losses) {
  const r = rows.filter((x) => x.data === data && x.loss === loss);
  const kl = r.map((x) => x.reverseKL), km = kl.reduce((a, b) => a + b, 0) / kl.length;
  const ks = Math.sqrt(kl.reduce((a, b) => a + (b - km) ** 2, 0) / Math.max(kl.length - 1, 1));
  const opts = [batch !== 100 ? `batch ${batch}` : '', lr ? `lr ${lr}` : '', decay !== 'none' ? `${decay} decay` : '', pack > 1 ? `pack ${pack}` : '', nCritic ? `${nCritic} critic steps` : '', ema ? `EMA ${ema}` : '', r1Gamma ? `R1 γ=${r1Gamma}${r1Until ? ` until step ${r1Until}` : ''}` : '', spectralNorm ? 'spectral norm' : ''].filter(Boolean);
  lines.push(`| ${data} | ${pack > 1 ? `Pac${loss}${pack}` : loss}${opts.length ? ` (${opts.join(', ')})` : ''} | ${ms(r.map((x) => x.modes))} / ${r[0].totalModes} | ${ms(r.map((x) => x.highQuality))} | ${km.toFixed(3)} ± ${ks.toFixed(3)} | ${r.length} | ${steps} |`);
}
await writeText(`${out}/results.md`, lines.join('\n') + '\n');
console.log(lines.join('\n'));
