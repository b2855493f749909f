import { exists, mkdirp, readBytes, writeText } from '../io/fs.ts';
import { lineChartSvg } from '../io/svg.ts';
import { ConfigError, resumeConfig, type TrainConfig } from './config.ts';
import { DivergenceError, GanTrainer, type LogRecord, type RunTrainer } from './trainer.ts';
import type { PresetName } from './models.ts';
import { isTranslation, type TranslationPreset } from './translation/models.ts';
import type { TranslationTrainer } from './translation/trainer.ts';

export { plot2d } from './samples.ts';

export interface RunOptions {
  out: string;
  /** a checkpoint file (or the run directory: its latest checkpoint) to continue from */
  resume?: string;
  /** trace and replay the training step (wg.jit; WebGPU; default true; cyclegan always runs eagerly) */
  jit?: boolean;
  /** called after each log record (progress bars, user hooks) */
  onLog?: (r: LogRecord, t: RunTrainer) => void | Promise<void>;
  /** called after every step (cheap: no device sync) */
  onStep?: (step: number, t: RunTrainer) => void;
  /** called once on resume with the fields the user changed (key → [old, new]), if any */
  onResumeChanges?: (changed: Record<string, [unknown, unknown]>, from: string) => void;
}

/** One `--resume` of a run, as config.json records it. */
export interface ResumeRecord { step: number; from: string; changed: Record<string, [unknown, unknown]> }

export interface RunResult<T extends RunTrainer = GanTrainer | TranslationTrainer> {
  /** a GanTrainer, or a TranslationTrainer for --preset cyclegan | pix2pix */
  trainer: T;
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

async function writeCurves(out: string, t: RunTrainer, records: LogRecord[]): Promise<void> {
  const x = records.map((r) => r.step);
  for (const c of t.curves()) {
    const series = c.series.map(([k, name]) => ({ name, x, values: records.map((r) => r.stats[k]) }));
    await writeText(`${out}/${c.file}`, lineChartSvg(series, { title: c.title, xlabel: 'step', ...(c.ylabel ? { ylabel: c.ylabel } : {}) }));
  }
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
export function runTraining(cfg: Partial<TrainConfig> & { preset: TranslationPreset }, opts: RunOptions): Promise<RunResult<TranslationTrainer>>;
export function runTraining(cfg: Partial<TrainConfig> & { preset?: Exclude<PresetName, TranslationPreset> }, opts: RunOptions): Promise<RunResult<GanTrainer>>;
export function runTraining(cfg: Partial<TrainConfig>, opts: RunOptions): Promise<RunResult>;
export async function runTraining(cfgIn: Partial<TrainConfig>, opts: RunOptions): Promise<RunResult> {
  const out = opts.out;
  const resumeFrom = opts.resume ? await resolveCheckpoint(opts.resume, '--resume') : null;
  let cfg = cfgIn;
  let resumes: ResumeRecord[] = [];
  let changed: Record<string, [unknown, unknown]> = {};
  if (resumeFrom) {
    const { loadCheckpoint } = await import('../io/checkpoint.ts');
    const ck = await loadCheckpoint<{ config: TrainConfig; step: number }>(resumeFrom);
    if (!ck.meta?.config) throw new ConfigError(`--resume ${resumeFrom}: not a webgan training checkpoint`);
    ({ cfg, changed } = resumeConfig(ck.meta.config, cfgIn, resumeFrom));
    if (await exists(`${out}/config.json`)) {
      const prev = JSON.parse(new TextDecoder().decode(await readBytes(`${out}/config.json`))) as { resumes?: ResumeRecord[] };
      resumes = prev.resumes ?? [];
    }
    resumes.push({ step: ck.meta.step, from: resumeFrom, changed });
    if (Object.keys(changed).length) opts.onResumeChanges?.(changed, resumeFrom);
  }
  const t: GanTrainer | TranslationTrainer = isTranslation(cfg.preset ?? '')
    ? await (await import('./translation/trainer.ts')).TranslationTrainer.create(cfg)
    : await GanTrainer.create(cfg);
  t.jit = opts.jit ?? true;
  if (resumeFrom) await t.loadCheckpoint(resumeFrom);
  await mkdirp(`${out}/samples`);
  await mkdirp(`${out}/checkpoints`);
  // config.json: the config in force, and what each --resume changed
  await writeText(`${out}/config.json`, JSON.stringify(resumes.length ? { ...t.cfg, resumes } : t.cfg, null, 2) + '\n');
  const records = await readRecords(`${out}/log.jsonl`, t.step);
  await writeText(`${out}/log.jsonl`, records.map((r) => JSON.stringify(r) + '\n').join(''));
  const { appendFile } = await import('node:fs/promises');
  let lastCheckpoint: string | null = resumeFrom;
  const ckpts: string[] = [];

  const saveSamples = () => t.saveSamples(`${out}/samples/step-${pad6(t.step)}`);

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
      await writeCurves(out, t, records);
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
  return { trainer: t, records, lastCheckpoint };
}
