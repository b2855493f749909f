/**
 * The 2-D mode-collapse protocol of PacGAN / VEEGAN on the ring and grid mixtures:
 * train mlp2d per (loss, dataset, seed), draw 2,500 samples, report modes captured, % high-quality
 * samples and reverse KL (mean ± std over seeds) as a markdown table and JSON.
 *
 *   npx deno run -A examples/mode-collapse-2d.ts --steps 2000 --seeds 0,1,2,3,4 --losses nsgan,wgan-gp --data ring,grid
 *   (Node: npx vite-node examples/mode-collapse-2d.ts -- --steps …)
 *
 * Every training option left out takes the `webgan train --preset mlp2d` default for the loss
 * (src/gan/config.ts: the 2-D recipe), so with no options this measures what the CLI gives.
 * The options are the CLI's flags, with the same names: --steps, --batch, --lr,
 * --lr-decay none|cosine|linear, --optimizer adam|rmsprop, --betas b1,b2, --n-critic, --gp-lambda,
 * --clip, --r1, --r1-until, --pack, --ema,
 * --spectral-norm (a switch). `--eval-every N` also evaluates every N steps (a trajectory per
 * run in results.json; it reseeds, so the run is no longer the one without it).
 */
import * as wg from '../src/index.ts';
import { GanTrainer } from '../src/gan/trainer.ts';
import { drawSamples, evaluate2d } from '../src/gan/evaluate.ts';
import type { LossName } from '../src/gan/losses.ts';
import type { LrDecay, TrainConfig } from '../src/gan/config.ts';
import { writeText, mkdirp } from '../src/io/fs.ts';
import { plot2d } from '../src/gan/run.ts';
import { mixtureModes, type MixtureName } from '../src/data/mixtures.ts';

const g = globalThis as { Deno?: { args: string[] }; process?: { argv: string[] } };
const argv = g.Deno ? g.Deno.args : g.process!.argv.slice(2).filter((a) => a !== '--');
const flag = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
/** a numeric option, or undefined: the CLI's default */
const opt = (name: string) => (flag(name, '') ? Number(flag(name, '')) : undefined);
const seeds = flag('seeds', '0,1,2,3,4').split(',').map(Number);
const losses = flag('losses', 'nsgan,wgan-gp').split(',') as LossName[];
const datasets = flag('data', 'ring,grid').split(',');
const out = flag('out', 'runs/mode-collapse-2d');
const user: Partial<TrainConfig> = {
  steps: opt('steps'), batch: opt('batch'), lr: opt('lr'), lrDecay: (flag('lr-decay', '') || undefined) as LrDecay | undefined,
  optimizer: (flag('optimizer', '') || undefined) as TrainConfig['optimizer'] | undefined,
  betas: flag('betas', '') ? (flag('betas', '').split(',').map(Number) as [number, number]) : undefined,
  nCritic: opt('n-critic'), gpLambda: opt('gp-lambda'), clip: opt('clip'), r1Gamma: opt('r1'), r1Until: opt('r1-until'), pack: opt('pack'), ema: opt('ema'),
  spectralNorm: argv.includes('--spectral-norm') || undefined,
};
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
/** the resolved config per loss (the same for every seed and dataset but the seed and data) */
const configs = new Map<string, TrainConfig>();

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
      const t = await GanTrainer.create({ ...user, preset: 'mlp2d', data, loss, seed });
      const steps = t.cfg.steps;
      configs.set(loss, t.cfg);
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
      await writeText(`${out}/results.json`, JSON.stringify({ options: user, configs: Object.fromEntries(configs), evalEvery, backend: wg.backendInfo().description, rows }, null, 2) + '\n');
    }
  }
}
const ms = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const s = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(xs.length - 1, 1));
  return `${m.toFixed(1)} ± ${s.toFixed(1)}`;
};
const lines = ['| data | loss (options) | modes | % high quality | reverse KL | seeds | steps |', '|---|---|---|---|---|---|---|'];
for (const data of datasets) for (const loss of losses) {
  const r = rows.filter((x) => x.data === data && x.loss === loss);
  const c = configs.get(loss)!;
  const kl = r.map((x) => x.reverseKL), km = kl.reduce((a, b) => a + b, 0) / kl.length;
  const ks = Math.sqrt(kl.reduce((a, b) => a + (b - km) ** 2, 0) / Math.max(kl.length - 1, 1));
  const opts = [`batch ${c.batch}`, `lr ${c.lr}`, c.lrDecay !== 'none' ? `${c.lrDecay} decay` : '', c.pack > 1 ? `pack ${c.pack}` : '', c.nCritic > 1 ? `${c.nCritic} critic steps` : '', loss === 'wgan-gp' ? `λ ${c.gpLambda}` : '', c.ema ? `EMA ${c.ema}` : '', c.r1Gamma ? `R1 γ=${c.r1Gamma}${c.r1Until ? ` until step ${c.r1Until}` : ''}` : '', c.spectralNorm ? 'spectral norm' : ''].filter(Boolean);
  lines.push(`| ${data} | ${c.pack > 1 ? `Pac${loss}${c.pack}` : loss} (${opts.join(', ')}) | ${ms(r.map((x) => x.modes))} / ${r[0].totalModes} | ${ms(r.map((x) => x.highQuality))} | ${km.toFixed(3)} ± ${ks.toFixed(3)} | ${r.map((x) => x.seed).join(', ')} | ${c.steps} |`);
}
await writeText(`${out}/results.md`, lines.join('\n') + '\n');
console.log(lines.join('\n'));
