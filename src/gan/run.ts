import * as wg from '../index.ts';
import type { Tensor } from '../index.ts';
import { mixtureModes, MIXTURE_EXTENT, type MixtureName } from '../data/mixtures.ts';
import { exists, mkdirp, readBytes, writeText } from '../io/fs.ts';
import { saveImageGrid } from '../io/png.ts';
import { lineChartSvg, scatterSvg, PALETTE } from '../io/svg.ts';
import { ConfigError, isTwoD, resumeConfig, type TrainConfig } from './config.ts';
import { DivergenceError, GanTrainer, type LogRecord } from './trainer.ts';

export interface RunOptions {
  out: string;
  /** a checkpoint file (or the run directory: its latest checkpoint) to continue from */
  resume?: string;
  /** called after each log record (progress bars, user hooks) */
  onLog?: (r: LogRecord, t: GanTrainer) => void | Promise<void>;
  /** called after every step (cheap: no device sync) */
  onStep?: (step: number, t: GanTrainer) => void;
  /** called once on resume with the fields the user changed (key → [old, new]), if any */
  onResumeChanges?: (changed: Record<string, [unknown, unknown]>, from: string) => void;
}

/** One `--resume` of a run, as config.json records it. */
export interface ResumeRecord { step: number; from: string; changed: Record<string, [unknown, unknown]> }

export interface RunResult {
  trainer: GanTrainer;
  records: LogRecord[];
  lastCheckpoint: string | null;
}

const pad6 = (n: number) => String(n).padStart(6, '0');
const ckptName = (step: number) => `step-${pad6(step)}.safetensors`;

async function latestCheckpoint(dir: string): Promise<string | null> {
  const { readdir } = await import('node:fs/promises');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /^step-\d+\.safetensors$/.test(f)).sort();
  return files.length ? `${dir}/${files[files.length - 1]}` : null;
}

/**
 * A checkpoint named by the user (`--resume`, `sample --ckpt`, `eval`): a .safetensors file as it
 * is, or a run directory / its checkpoints/ folder → the latest step-*.safetensors in it.
 */
export async function resolveCheckpoint(path: string, flag: string): Promise<string> {
  if (path.endsWith('.safetensors')) return path;
  const found = (await latestCheckpoint(`${path}/checkpoints`)) ?? (await latestCheckpoint(path));
  if (!found) throw new ConfigError(`${flag} ${path}: not a .safetensors file, and no step-*.safetensors checkpoint found there`);
  return found;
}

/**
 * The run directory a `--resume` continues in when no `--out` is given: the run that holds the
 * checkpoint (DIR, DIR/checkpoints, or a file in DIR/checkpoints/); null for a checkpoint file
 * that is not inside a run directory.
 */
export function runDirOf(resume: string): string | null {
  const trimmed = resume.replace(/\/+$/, '');
  const parent = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) || '/' : '.');
  const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  if (!trimmed.endsWith('.safetensors')) return base(trimmed) === 'checkpoints' ? parent(trimmed) : trimmed;
  const dir = parent(trimmed);
  return base(dir) === 'checkpoints' ? parent(dir) : null;
}

/** Fixed noise (and labels) for sample grids, from its own seed so it never perturbs training. */
function fixedNoise(t: GanTrainer, n: number): { z: Tensor; y?: Tensor } {
  const saved = wg.getRngState();
  wg.manualSeed(t.cfg.seed + 7919);
  const z = t.models.noise(n);
  wg.setRngState(saved);
  const y = t.models.conditional ? wg.tensor(Int32Array.from({ length: n }, (_, i) => i % t.models.numClasses), [n], { dtype: 'int32' }) : undefined;
  return { z: wg.keep(z), y: y && wg.keep(y) };
}

/** Real vs generated points over D's decision surface (σ(D) for probabilistic losses). */
export async function plot2d(t: GanTrainer, path: string, n = 1000): Promise<void> {
  const name = t.cfg.data as MixtureName;
  const [x0, x1, y0, y1] = MIXTURE_EXTENT[name];
  const res = 60;
  const grid = new Float32Array(res * res * 2);
  for (let r = 0; r < res; r++) for (let c = 0; c < res; c++) {
    grid[(r * res + c) * 2] = x0 + ((c + 0.5) * (x1 - x0)) / res;
    grid[(r * res + c) * 2 + 1] = y1 - ((r + 0.5) * (y1 - y0)) / res;
  }
  const saved = wg.getRngState();
  wg.manualSeed(t.cfg.seed + 104729);
  const [fake, surf] = wg.tidy(() => {
    const f = t.sample(t.models.noise(n));
    const D = t.models.D;
    const was = D.training;
    D.eval();
    // with PacGAN packing D scores packs, not points: there is no per-point surface to draw
    const s = t.models.pack === 1 ? wg.noGrad(() => t.models.discriminate(wg.tensor(grid, [res * res, 2]))) : null;
    if (was) D.train();
    return [f, s && (t.loss.probabilistic ? wg.sigmoid(s) : s)];
  });
  wg.setRngState(saved);
  const modes = mixtureModes(name);
  const pts = await fake.data();
  const heat = surf ? await surf.data() : null;
  fake.dispose(); surf?.dispose();
  const sets = [
    ...(modes ? [{ points: modes.centres, color: PALETTE[2], name: 'modes', radius: 4 }] : []),
    { points: pts, color: PALETTE[3], name: `G(z), step ${t.step}`, radius: 1.5, opacity: 0.6 },
  ];
  const background = heat ? { values: heat, rows: res, cols: res } : undefined;
  await writeText(path, scatterSvg(sets, { title: `${t.cfg.preset} ${t.cfg.loss} on ${name} — step ${t.step}${background ? ` (background: ${t.loss.probabilistic ? 'σ(D)' : 'D'})` : ''}`, extent: MIXTURE_EXTENT[name], background }));
}

async function writeCurves(out: string, records: LogRecord[]): Promise<void> {
  const x = records.map((r) => r.step);
  const s = (k: keyof LogRecord['stats'], name: string) => ({ name, x, values: records.map((r) => r.stats[k]) });
  await writeText(`${out}/losses.svg`, lineChartSvg([s('lossD', 'D loss'), s('lossG', 'G loss')], { title: 'Losses', xlabel: 'step', ylabel: 'loss' }));
  await writeText(`${out}/d_outputs.svg`, lineChartSvg([s('dReal', 'D(x)'), s('dFake', 'D(G(z))'), s('wasserstein', 'E D(x) − E D(G(z))')], { title: 'Discriminator outputs', xlabel: 'step' }));
}

async function readRecords(path: string, upTo: number): Promise<LogRecord[]> {
  if (!(await exists(path))) return [];
  const text = new TextDecoder().decode(await readBytes(path));
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogRecord).filter((r) => r.step <= upTo);
}

/**
 * Train with logging (JSON lines), sample grids / 2-D plots, curves and atomic checkpoints
 * under `out`. A NaN/inf loss stops the run with a DivergenceError naming the step and the last
 * good checkpoint.
 */
export async function runTraining(cfgIn: Partial<TrainConfig>, opts: RunOptions): Promise<RunResult> {
  const out = opts.out;
  const resumeFrom = opts.resume ? await resolveCheckpoint(opts.resume, '--resume') : null;
  let cfg = cfgIn;
  let resumes: ResumeRecord[] = [];
  let changed: Record<string, [unknown, unknown]> = {};
  if (resumeFrom) {
    const { loadCheckpoint } = await import('../io/checkpoint.ts');
    const ck = await loadCheckpoint<{ config: TrainConfig; step: number }>(resumeFrom);
    if (!ck.meta?.config) throw new ConfigError(`--resume ${resumeFrom}: not a webgan GAN checkpoint`);
    ({ cfg, changed } = resumeConfig(ck.meta.config, cfgIn, resumeFrom));
    if (await exists(`${out}/config.json`)) {
      const prev = JSON.parse(new TextDecoder().decode(await readBytes(`${out}/config.json`))) as { resumes?: ResumeRecord[] };
      resumes = prev.resumes ?? [];
    }
    resumes.push({ step: ck.meta.step, from: resumeFrom, changed });
    if (Object.keys(changed).length) opts.onResumeChanges?.(changed, resumeFrom);
  }
  const t = await GanTrainer.create(cfg);
  if (resumeFrom) await t.loadCheckpoint(resumeFrom);
  await mkdirp(`${out}/samples`);
  await mkdirp(`${out}/checkpoints`);
  // config.json: the config in force, and what each --resume changed
  await writeText(`${out}/config.json`, JSON.stringify(resumes.length ? { ...t.cfg, resumes } : t.cfg, null, 2) + '\n');
  const records = await readRecords(`${out}/log.jsonl`, t.step);
  await writeText(`${out}/log.jsonl`, records.map((r) => JSON.stringify(r) + '\n').join(''));
  const { appendFile } = await import('node:fs/promises');
  const twoD = isTwoD(t.cfg.data);
  const fixed = twoD ? null : fixedNoise(t, 64);
  let lastCheckpoint: string | null = resumeFrom;
  const ckpts: string[] = [];

  const saveSamples = async () => {
    if (twoD) await plot2d(t, `${out}/samples/step-${pad6(t.step)}.svg`);
    else {
      const imgs = t.sample(fixed!.z, fixed!.y);
      await saveImageGrid(`${out}/samples/step-${pad6(t.step)}.png`, imgs, { nrow: 8 });
      imgs.dispose();
    }
  };

  try {
    if (t.step === 0) await saveSamples();
    while (t.step < t.cfg.steps) {
      t.trainStep();
      opts.onStep?.(t.step, t);
      const s = t.step;
      const isLast = s === t.cfg.steps;
      const doLog = s % t.cfg.logEvery === 0 || isLast;
      const doCkpt = s % t.cfg.ckptEvery === 0 || isLast;
      if (doLog || doCkpt) {
        const r = await t.collect(true);
        const bad = Object.entries(r.stats).filter(([k, v]) => k !== 'gp' && !Number.isFinite(v));
        if (bad.length) throw new DivergenceError(s, lastCheckpoint, `non-finite ${bad.map(([k, v]) => `${k} = ${v}`).join(', ')}`);
        records.push(r);
        await appendFile(`${out}/log.jsonl`, JSON.stringify(r) + '\n');
        await opts.onLog?.(r, t);
      }
      if (s % t.cfg.sampleEvery === 0 || isLast) {
        await saveSamples();
        await writeCurves(out, records);
      }
      if (doCkpt) {
        const path = `${out}/checkpoints/${ckptName(s)}`;
        await t.saveCheckpoint(path);
        lastCheckpoint = path;
        ckpts.push(path);
        while (ckpts.length > t.cfg.keepCheckpoints) {
          const old = ckpts.shift()!;
          await (await import('node:fs/promises')).rm(old, { force: true });
        }
      }
    }
  } finally {
    fixed?.z.dispose();
    fixed?.y?.dispose();
  }
  return { trainer: t, records, lastCheckpoint };
}
