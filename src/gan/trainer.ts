import * as wg from '../index.ts';
import type { Tensor } from '../index.ts';
import * as nn from '../nn/index.ts';
import { hostToTensor } from '../io/safetensors.ts';
import { encodeCheckpoint, loadCheckpoint, saveCheckpoint, type CheckpointContents, type LoadedCheckpoint } from '../io/checkpoint.ts';
import type { LoaderState } from '../data/loader.ts';
import { ConfigError, isTwoD, lrFactor, MLP2D_FIELDS, resolveConfig, type TrainConfig } from './config.ts';
import { makeSource, type RealSource } from './data.ts';
import { ganLosses, gradientPenalty, r1Penalty, type GanLoss } from './losses.ts';
import { buildGan, type GanModels, type PresetOptions } from './models.ts';
import { styleTelemetry } from './stylegan/telemetry.ts';
import { saveImageGrid } from '../io/png.ts';
import { fixedNoise, plot2d } from './samples.ts';

/** Which lazy regularisers a training step runs (r1InLoss: R1 in every D update's loss). */
interface StepPlan { r1InLoss: boolean; r1Lazy: boolean; pl: boolean }

/** Scalars accumulated on the device every step, read back only at log steps. */
export const STAT_NAMES = ['lossD', 'lossG', 'dReal', 'dFake', 'gp', 'wasserstein'] as const;
export type StatName = (typeof STAT_NAMES)[number];

export interface LogRecord {
  step: number;
  /** window means over the steps since the previous record (GAN presets: STAT_NAMES; translation: TRANSLATION_STATS) */
  stats: Record<string, number>;
  /** ‖∇‖₂ and ‖w‖₂ per parameter of G and D at this step */
  gradNorms: Record<string, number>;
  weightNorms: Record<string, number>;
  stepsPerSec: number;
  /** the learning rate of this step's updates (cfg.lr times the schedule's factor) */
  lr: number;
  /**
   * stylegan: the last lazy R1 and path-length values, the path-length target, per-layer style
   * statistics (mean / std of the styles, mean demodulation scale, on a fixed batch of z) and w̄
   * (its norm and its drift since the previous record)
   */
  style?: Record<string, number>;
  time: string;
}

export interface CheckpointMeta {
  kind: 'webgan-gan';
  config: TrainConfig;
  step: number;
  rng: wg.RngState;
  loader: LoaderState | null;
  optG: OptMeta;
  optD: OptMeta;
  statSteps: number;
}
export interface OptMeta { paramGroups: nn.OptimizerStateDict['paramGroups']; scalars: Record<string, Record<string, number>> }

export class DivergenceError extends Error {
  constructor(readonly step: number, readonly lastCheckpoint: string | null, what: string) {
    super(`training diverged at step ${step}: ${what}. ${lastCheckpoint ? `Last good checkpoint: ${lastCheckpoint}` : 'No checkpoint was written before this step.'}`);
    this.name = 'DivergenceError';
  }
}

/** A chart of log.jsonl stats the run directory keeps up to date: [stat key, legend] per series. */
export interface Curve { file: string; title: string; ylabel?: string; series: [string, string][] }

/** What `runTraining` needs of a trainer (GanTrainer; TranslationTrainer in translation/). */
export interface RunTrainer {
  readonly cfg: TrainConfig;
  step: number;
  trainStep(): void;
  /** read and reset the window statistics (the only device sync of a training loop) */
  collect(withNorms?: boolean): Promise<LogRecord>;
  /** write this step's sample picture at `base` + its extension; returns the path */
  saveSamples(base: string): Promise<string>;
  curves(): Curve[];
  /** one progress line of a record's main stats */
  brief(r: LogRecord): string;
  saveCheckpoint(path: string): Promise<void>;
  loadCheckpoint(path: string): Promise<void>;
  dispose(): void;
}

/** ‖∇‖₂ and ‖w‖₂ of every parameter of the named networks (`G.main.0.weight`, …), in one read-back. */
export async function gradAndWeightNorms(nets: [string, nn.Module][]): Promise<{ gradNorms: Record<string, number>; weightNorms: Record<string, number> }> {
  const named = nets.flatMap(([n, m]) => [...m.namedParameters()].map(([k, p]): [string, Tensor] => [`${n}.${k}`, p]));
  const gradNorms: Record<string, number> = {}, weightNorms: Record<string, number> = {};
  if (!named.length) return { gradNorms, weightNorms };
  const norms = wg.tidy(() => wg.stack(named.flatMap(([, p]) => [
    wg.sqrt(wg.sum(wg.square(p))),
    p.grad ? wg.sqrt(wg.sum(wg.square(p.grad))) : wg.full([], NaN),
  ])));
  const v = await norms.data();
  norms.dispose();
  named.forEach(([k], i) => { weightNorms[k] = v[2 * i]; gradNorms[k] = v[2 * i + 1]; });
  return { gradNorms, weightNorms };
}

/** The network options of a config's preset (the stylegan fields → its network options). */
export function presetOptions(cfg: TrainConfig): PresetOptions {
  const o: PresetOptions = { pack: cfg.pack, spectralNorm: cfg.spectralNorm };
  const size = Object.fromEntries(MLP2D_FIELDS.filter((k) => cfg[k] !== undefined).map((k) => [k, cfg[k]]));
  if (cfg.preset === 'mlp2d' && Object.keys(size).length) o.mlp2d = size;
  if (cfg.preset === 'stylegan') {
    o.channels = cfg.channels;
    o.stylegan = {
      resolution: cfg.resolution, zDim: cfg.zDim, wDim: cfg.zDim, mappingLayers: cfg.mappingLayers, channelBase: cfg.channelBase, channelMax: cfg.channelMax,
    };
  }
  return o;
}

/**
 * Lazy regularisation (StyleGAN2, appendix B): a regulariser applied as its own update every k
 * minibatches makes k + 1 updates per k minibatches, so Adam's lr and β are scaled by
 * c = k / (k + 1) (lr·c, β^c). 1 when the regulariser is off or applied every step.
 */
function lazyRatio(every: number, on: boolean): number {
  return on && every > 1 ? every / (every + 1) : 1;
}

/** The factors of D's optimizer (lazy R1) and G's (lazy path length). */
function lazyRatios(cfg: TrainConfig): { d: number; g: number } {
  return { d: lazyRatio(cfg.r1Every, cfg.r1Gamma > 0), g: lazyRatio(cfg.plEvery ?? 1, (cfg.plWeight ?? 0) > 0) };
}

function makeOptimizer(cfg: TrainConfig, params: Tensor[], ratio: number): nn.Optimizer {
  return cfg.optimizer === 'rmsprop'
    ? new nn.RMSprop(params, { lr: cfg.lr * ratio })
    : new nn.Adam(params, { lr: cfg.lr * ratio, betas: [cfg.betas[0] ** ratio, cfg.betas[1] ** ratio] });
}

function setRequiresGrad(m: nn.Module, flag: boolean): void {
  for (const p of m.parameters()) p.requiresGrad = flag;
}

/** Optimizer state → tensors under `prefix.i.key` plus JSON scalars. */
export function flattenOpt(prefix: string, sd: nn.OptimizerStateDict, tensors: Record<string, Tensor>): OptMeta {
  const scalars: Record<string, Record<string, number>> = {};
  for (const [i, st] of Object.entries(sd.state)) {
    for (const [k, v] of Object.entries(st)) {
      if (v instanceof wg.Tensor) tensors[`${prefix}.${i}.${k}`] = v;
      else (scalars[i] ??= {})[k] = v;
    }
  }
  return { paramGroups: sd.paramGroups, scalars };
}

export function unflattenOpt(prefix: string, meta: OptMeta, tensors: Record<string, Tensor>): nn.OptimizerStateDict {
  const state: Record<number, nn.ParamState> = {};
  for (const [i, sc] of Object.entries(meta.scalars)) state[Number(i)] = { ...sc };
  for (const [k, t] of Object.entries(tensors)) {
    if (!k.startsWith(prefix + '.')) continue;
    const [i, ...rest] = k.slice(prefix.length + 1).split('.');
    (state[Number(i)] ??= {})[rest.join('.')] = t;
  }
  return { state, paramGroups: meta.paramGroups };
}

/** Run `fn` on a checkpoint's tensors uploaded to the active backend (`keep` filters the keys); they are disposed after. */
export function withCheckpointTensors<T>(host: LoadedCheckpoint<unknown>['tensors'], fn: (all: Record<string, Tensor>) => T, keep: (key: string) => boolean = () => true): T {
  const all = wg.tidy(() => Object.fromEntries(Object.entries(host).filter(([k]) => keep(k)).map(([k, t]) => [k, hostToTensor(t)])));
  try {
    return fn(all);
  } finally {
    for (const t of Object.values(all)) t.dispose();
  }
}

/** A state dict's keys under `prefix.` (a network's place in a checkpoint). */
export function prefixed(prefix: string, sd: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(sd).map(([k, v]) => [`${prefix}.${k}`, v]));
}

/** The entries under `prefix.`, without it (prefixed's inverse). */
export function pick(prefix: string, all: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith(prefix + '.')).map(([k, v]) => [k.slice(prefix.length + 1), v]));
}

/**
 * Alternating GAN training: per step, `nCritic` critic updates then one generator update.
 * Fully seeded: the same config and backend give the same run, and a resumed run continues
 * exactly as if it had never stopped (the checkpoint holds models, optimizers, RNG and data order).
 */
export class GanTrainer implements RunTrainer {
  readonly loss: GanLoss;
  step = 0;
  private statAcc: Tensor | null = null;
  private statSteps = 0;
  private lastLogTime = Date.now();
  private lastLogStep = 0;
  /** stylegan: the path-length target (a moving average of the lengths, β 0.99), the last R1 and path-length values, w̄ at the last record */
  private plMean: Tensor | null = null;
  private lastR1: Tensor | null = null;
  private lastPl: Tensor | null = null;
  private lastWAvg: Float32Array | null = null;
  /** Adam's lazy-regularisation factor of each optimizer (see lazyRatio) */
  private readonly ratioD: number;
  private readonly ratioG: number;

  private constructor(
    readonly cfg: TrainConfig,
    readonly models: GanModels,
    readonly source: RealSource,
    readonly optG: nn.Optimizer,
    readonly optD: nn.Optimizer,
    readonly ema: nn.Module | null,
  ) {
    this.loss = ganLosses[cfg.loss];
    ({ d: this.ratioD, g: this.ratioG } = lazyRatios(cfg));
    if (models.style && (cfg.plWeight ?? 0) > 0) this.plMean = wg.keep(wg.zeros([]));
  }

  static async create(user: Partial<TrainConfig>): Promise<GanTrainer> {
    const cfg = resolveConfig(user);
    wg.manualSeed(cfg.seed);
    const models = buildGan(cfg.preset, presetOptions(cfg));
    const source = await makeSource(cfg, models);
    const ratio = lazyRatios(cfg);
    const optG = makeOptimizer(cfg, models.G.parameters(), ratio.g);
    const optD = makeOptimizer(cfg, models.D.parameters(), ratio.d);
    let ema: nn.Module | null = null;
    if (cfg.ema > 0 || (cfg.emaHalfLife ?? 0) > 0) {
      ema = buildGan(cfg.preset, { ...presetOptions(cfg), spectralNorm: false }).G;
      ema.loadStateDict(models.G.stateDict());
      setRequiresGrad(ema, false);
    }
    return new GanTrainer(cfg, models, source, optG, optD, ema);
  }

  /** The generator used for samples: the EMA copy when enabled. */
  get sampler(): nn.Module {
    return this.ema ?? this.models.G;
  }

  private labels(n: number, y?: Tensor): Tensor | undefined {
    if (!this.models.conditional) return undefined;
    return y ?? wg.randint(0, this.source.numClasses || this.models.numClasses, [n]);
  }

  /** Which lazy regularisers run at this step (decided on the host from the step number). */
  private regularisers(): StepPlan {
    const { cfg, models: m } = this;
    const r1Now = cfg.r1Gamma > 0 && (cfg.r1Until === 0 || this.step < cfg.r1Until); // this.step = generator steps done
    return {
      r1InLoss: r1Now && cfg.r1Every === 1,
      r1Lazy: r1Now && cfg.r1Every > 1 && this.step % cfg.r1Every === 0,
      pl: !!(m.style && this.plMean && this.step % (cfg.plEvery ?? 1) === 0),
    };
  }

  /** One critic update on a real batch; returns [lossD, dReal, dFake, gp, wasserstein] as device scalars. */
  private criticStep(real: { x: Tensor; y?: Tensor }, plan: StepPlan): Tensor[] {
    const { models: m, cfg } = this;
    const yReal = this.labels(cfg.batch, real.y);
    const yFake = this.labels(cfg.batch);
    const fake = wg.noGrad(() => m.generate(m.noise(cfg.batch), yFake));
    const dReal = m.discriminate(real.x, yReal);
    const dFake = m.discriminate(fake, yFake);
    let lossD = this.loss.d(dReal, dFake);
    let gp = wg.zeros([]);
    if (cfg.loss === 'wgan-gp') {
      gp = gradientPenalty((x) => m.discriminate(x, yReal), real.x, fake);
      lossD = wg.add(lossD, wg.mul(gp, cfg.gpLambda));
    }
    const r1 = () => r1Penalty((x) => m.discriminate(x, yReal), real.x);
    if (plan.r1InLoss) lossD = wg.add(lossD, wg.mul(r1(), cfg.r1Gamma));
    this.optD.zeroGrad();
    lossD.backward();
    this.optD.step();
    if (plan.r1Lazy) {
      // lazy R1: its own update, weighted by the interval (γ/2 · E‖∇D‖² · k; r1Penalty is ½ E‖∇D‖²)
      const pen = r1();
      this.optD.zeroGrad();
      wg.mul(pen, cfg.r1Gamma * cfg.r1Every).backward();
      this.optD.step();
      this.keepLast('lastR1', pen);
    }
    if (cfg.clip > 0) {
      wg.noGrad(() => {
        for (const p of m.D.parameters()) nn.assign_(p, wg.clamp(p, -cfg.clip, cfg.clip));
      });
    }
    return wg.noGrad(() => {
      const prob = (t: Tensor) => (this.loss.probabilistic ? wg.mean(wg.sigmoid(t)) : wg.mean(t));
      return [lossD.detach(), prob(dReal), prob(dFake), gp.detach(), wg.sub(wg.mean(dReal), wg.mean(dFake))];
    });
  }

  /** One generator update (with path length when `plan.pl`, then the EMA with decay `emaDecay`); returns lossG. */
  private generatorStep(plan: StepPlan, emaDecay: Tensor | number): Tensor {
    const { models: m, cfg } = this;
    const y = this.labels(cfg.batch);
    setRequiresGrad(m.D, false); // D's weight gradients are not needed for G's update
    try {
      const fake = m.style
        ? m.style.synthesis.call(m.style.trainingWs(m.noise(cfg.batch), { mixing: cfg.styleMixing ?? 0, trackAvg: true }))
        : m.generate(m.noise(cfg.batch), y);
      const lossG = this.loss.g(m.discriminate(fake, y));
      this.optG.zeroGrad();
      lossG.backward();
      this.optG.step();
      if (plan.pl) this.pathLengthStep();
      if (this.ema) this.updateEma(emaDecay);
      return lossG.detach();
    } finally {
      setRequiresGrad(m.D, true);
    }
  }

  /**
   * Path-length regularisation (StyleGAN2 §3.2), lazily every plEvery steps on half the batch:
   * for images y = g(w) and image-space noise u ~ N(0, I)/√(HW), the lengths ‖J_wᵀ u‖ (J the
   * Jacobian wrt ws, averaged over the layers) are pulled towards their moving average a
   * (β 0.99): penalty w_pl · k · E (‖J_wᵀ u‖ − a)².
   */
  private pathLengthStep(): void {
    const { models: m, cfg } = this;
    const G = m.style!;
    const n = Math.max(1, Math.floor(cfg.batch / 2));
    const ws = G.trainingWs(m.noise(n), { mixing: cfg.styleMixing ?? 0, trackAvg: false });
    const img = G.synthesis.call(ws);
    const [, , h, w] = img.shape;
    const u = wg.div(wg.randn(img.shape), Math.sqrt(h * w));
    const [g] = wg.grad(wg.sum(wg.mul(img, u)), [ws], { createGraph: true });
    const lengths = wg.sqrt(wg.mean(wg.sum(wg.square(g), 2), 1)); // [n]
    const target = wg.noGrad(() => wg.add(this.plMean!, wg.mul(wg.sub(wg.mean(lengths.detach()), this.plMean!), 0.01)));
    nn.assign_(this.plMean!, target);
    const pen = wg.mean(wg.square(wg.sub(lengths, this.plMean!)));
    this.optG.zeroGrad();
    wg.mul(pen, (cfg.plWeight ?? 0) * (cfg.plEvery ?? 1)).backward();
    this.optG.step();
    this.keepLast('lastPl', pen);
  }

  /** a device scalar kept for the next log record (no read-back now) */
  private keepLast(slot: 'lastR1' | 'lastPl', t: Tensor): void {
    this[slot]?.dispose();
    this[slot] = wg.keep(wg.noGrad(() => wg.reshape(t.detach(), [])));
  }

  /**
   * EMA of G: e ← β·e + (1 − β)·θ over the parameters. β = cfg.ema, or with a half-life of h
   * images (stylegan): β = ½^(batch / h'), h' = min(h, rampup · images seen) (StyleGAN2's
   * G_smoothing with stylegan2-ada-pytorch's ramp-up). Buffers: BN statistics are averaged
   * too; stylegan's (w̄, the constant noise) are copied.
   */
  private emaDecay(): number {
    const { cfg } = this;
    if (!((cfg.emaHalfLife ?? 0) > 0)) return cfg.ema;
    const seen = (this.step + 1) * cfg.batch;
    const half = cfg.emaRampup ? Math.min(cfg.emaHalfLife!, seen * cfg.emaRampup) : cfg.emaHalfLife!;
    return 0.5 ** (cfg.batch / Math.max(half, 1e-8));
  }

  /** e ← d·e + (1 − d)·θ; `d` is a device scalar where it changes from step to step (a traced step takes it as an argument). */
  private updateEma(d: Tensor | number): void {
    const { models: m } = this;
    const buffers = new Set([...m.G.namedBuffers()].map(([k]) => k));
    wg.noGrad(() => {
      const src = m.G.stateDict();
      // the EMA's own tensors (a stateDict() view of them would make each write copy first)
      for (const [k, t] of this.ema!.stateEntries()) {
        if (t.dtype !== 'float32') continue;
        // each new value in a tidy: no intermediate that reads t outlives the write (a traced step
        // would compute it first), so the writes run as few kernels (fuse.ts writeInto)
        if (m.style && buffers.has(k)) nn.assign_(t, wg.tidy(() => wg.mul(src[k], 1)));
        else nn.assign_(t, wg.tidy(() => wg.add(wg.mul(t, d), wg.mul(src[k], typeof d === 'number' ? 1 - d : wg.sub(1, d)))));
      }
    });
  }

  /** The learning rate of this step's updates: cfg.lr times the schedule's factor (a function of the step alone, so a resumed run gets the same rates). */
  get lr(): number {
    return this.lrAt(this.step);
  }

  private lrAt(step: number): number {
    return this.cfg.lr * lrFactor(this.cfg.lrDecay, step, this.cfg.steps);
  }

  /** Both optimizers at this step's learning rate. */
  private setLr(): void {
    const lr = this.lr;
    for (const g of this.optG.paramGroups) g.lr = lr * this.ratioG;
    for (const g of this.optD.paramGroups) g.lr = lr * this.ratioD;
  }

  /**
   * One critic update alone (the lab's "D step"): returns [lossD, dReal, dFake, gp, wasserstein]
   * (a device vector the caller disposes). Not a training step: `step` and the window statistics
   * are unchanged. `nCritic` × criticUpdate() then generatorUpdate() makes the same updates as trainStep().
   */
  criticUpdate(): Tensor {
    this.setLr();
    const real = this.source.next(this.cfg.batch);
    try {
      return wg.tidy(() => wg.stack(this.criticStep(real, this.regularisers()).map((t) => wg.reshape(t, []))));
    } finally {
      real.x.dispose();
      real.y?.dispose();
    }
  }

  /** One generator update alone (the lab's "G step"): returns lossG (a device scalar the caller disposes); counts as a step. */
  generatorUpdate(): Tensor {
    this.setLr();
    const lossG = wg.tidy(() => this.generatorStep(this.regularisers(), this.emaDecay()));
    this.step++;
    return lossG;
  }

  /**
   * One training step (nCritic critic updates + one generator update), recorded on the device.
   * With `jit` (on by default) the step is a traced function of the real batches (and, with a
   * ramped-up EMA, its decay): on WebGPU it is replayed as one command buffer once traced
   * (src/tensor/jit.ts), one traced function per combination of lazy regularisers (the closure
   * traced first serves its combination for the run); elsewhere it runs eagerly.
   */
  trainStep(): void {
    this.setLr();
    const { cfg } = this;
    // loaded batches are arguments; drawn ones (2-D mixtures) are drawn inside, in the stream's order
    const drawn = this.source.drawn === true;
    const reals = drawn ? [] : Array.from({ length: cfg.nCritic }, () => this.source.next(cfg.batch));
    const plan = this.regularisers();
    // a ramped-up EMA decay changes every step: on a backend that can trace, a device scalar and an
    // argument of the step, traced or not (so both compute the same); elsewhere a number, as before
    const canTrace = wg.getBackend().traceOps !== undefined;
    const traced = this.jit && canTrace;
    const ramped = canTrace && this.ema !== null && (cfg.emaHalfLife ?? 0) > 0;
    const args = [...reals.flatMap((r) => (r.y ? [r.x, r.y] : [r.x])), ...(ramped ? [wg.full([], this.emaDecay())] : [])];
    const labelled = reals[0]?.y !== undefined;
    const body = (...a: Tensor[]): Tensor => wg.tidy(() => {
      const critic: Tensor[][] = [];
      for (let i = 0; i < cfg.nCritic; i++) {
        const real = drawn ? this.source.next(cfg.batch) : labelled ? { x: a[2 * i], y: a[2 * i + 1] } : { x: a[i] };
        critic.push(this.criticStep(real, plan));
      }
      const lossG = this.generatorStep(plan, ramped ? a[a.length - 1] : this.emaDecay());
      const last = critic[critic.length - 1];
      // [lossD, lossG, dReal, dFake, gp, wasserstein] of the last critic update and this G update
      return wg.stack([last[0], lossG, last[1], last[2], last[3], last[4]].map((t) => wg.reshape(t, [])));
    });
    let v: Tensor;
    if (traced) {
      const key = `${plan.r1InLoss} ${plan.r1Lazy} ${plan.pl}`;
      let f = this.steps.get(key);
      if (!f) this.steps.set(key, (f = wg.jit(body, { name: `train step (${key})` })));
      v = f(...args);
    } else v = body(...args);
    for (const t of args) t.dispose();
    const acc = this.statAcc ? wg.keep(wg.add(this.statAcc, v)) : wg.keep(v);
    if (this.statAcc) { this.statAcc.dispose(); v.dispose(); }
    this.statAcc = acc;
    this.statSteps++;
    this.step++;
  }

  /** trace and replay trainStep (wg.jit; WebGPU) — false runs every step eagerly */
  jit = true;
  private steps = new Map<string, wg.Jitted<Tensor[], Tensor>>();

  /** each traced step function's state (keyed by its lazy regularisers: R1 in the loss, lazy R1, path length) */
  jitStats(): Record<string, wg.JitStats> {
    return Object.fromEntries([...this.steps].map(([k, f]) => [k, f.stats()]));
  }

  /** Read and reset the window statistics (the only device sync of a training loop). */
  async collect(withNorms = true): Promise<LogRecord> {
    const acc = this.statAcc ? Array.from(await this.statAcc.data()) : STAT_NAMES.map(() => NaN);
    const n = Math.max(this.statSteps, 1);
    const stats = Object.fromEntries(STAT_NAMES.map((k, i) => [k, acc[i] / n])) as Record<StatName, number>;
    this.statAcc?.dispose();
    this.statAcc = null;
    this.statSteps = 0;
    const { gradNorms, weightNorms } = withNorms ? await gradAndWeightNorms([['G', this.models.G], ['D', this.models.D]]) : { gradNorms: {}, weightNorms: {} };
    let style: Record<string, number> | undefined;
    if (this.models.style) {
      const st = await styleTelemetry(this.models.style, this.cfg.seed);
      const wAvg = Float32Array.from(await this.models.style.mapping.w_avg.data());
      const prev = this.lastWAvg;
      st.wAvgNorm = Math.hypot(...wAvg);
      st.wAvgDrift = prev ? Math.hypot(...wAvg.map((v, i) => v - prev[i])) : 0;
      this.lastWAvg = wAvg;
      for (const [k, t] of [['r1', this.lastR1], ['pathLength', this.lastPl], ['pathLengthTarget', this.plMean]] as const) if (t) st[k] = (await t.data())[0];
      style = st;
    }
    const now = Date.now();
    const stepsPerSec = ((this.step - this.lastLogStep) * 1000) / Math.max(now - this.lastLogTime, 1);
    this.lastLogTime = now;
    this.lastLogStep = this.step;
    return { step: this.step, stats, gradNorms, weightNorms, stepsPerSec, lr: this.lrAt(this.step - 1), ...(style ? { style } : {}), time: new Date(now).toISOString() };
  }

  /** The fixed noise (and labels) of the run's sample grids */
  private fixed: { z: Tensor; y?: Tensor } | null = null;

  /** A grid of 64 samples of the fixed noise (PNG), or for 2-D data the points over D's surface (SVG). */
  async saveSamples(base: string): Promise<string> {
    if (isTwoD(this.cfg.data)) {
      await plot2d(this, `${base}.svg`);
      return `${base}.svg`;
    }
    this.fixed ??= fixedNoise(this, 64);
    const imgs = this.sample(this.fixed.z, this.fixed.y);
    await saveImageGrid(`${base}.png`, imgs, { nrow: 8 });
    imgs.dispose();
    return `${base}.png`;
  }

  curves(): Curve[] {
    return [
      { file: 'losses.svg', title: 'Losses', ylabel: 'loss', series: [['lossD', 'D loss'], ['lossG', 'G loss']] },
      { file: 'd_outputs.svg', title: 'Discriminator outputs', series: [['dReal', 'D(x)'], ['dFake', 'D(G(z))'], ['wasserstein', 'E D(x) − E D(G(z))']] },
    ];
  }

  brief(r: LogRecord): string {
    const f = (k: StatName) => r.stats[k].toFixed(3);
    return `D ${f('lossD')}  G ${f('lossG')}  D(x) ${f('dReal')}  D(G(z)) ${f('dFake')}`;
  }

  /** Samples from the sampler G in eval mode (BN uses running statistics; stylegan: the constant noise, so grids compare across steps). */
  sample(z: Tensor, y?: Tensor): Tensor {
    const g = this.sampler;
    const was = g.training;
    g.eval();
    try {
      return wg.noGrad(() => (this.models.conditional ? g.call(z, y) : this.models.style ? g.call(z, { noise: 'const' }) : g.call(z)));
    } finally {
      if (was) g.train();
    }
  }

  /** What a checkpoint holds: models, EMA, optimizers, window statistics (tensors) and config, step, RNG, data order (meta). */
  checkpointContents(): CheckpointContents<CheckpointMeta> {
    const tensors: Record<string, Tensor> = {
      ...prefixed('G', this.models.G.stateDict()),
      ...prefixed('D', this.models.D.stateDict()),
      ...(this.ema ? prefixed('Gema', this.ema.stateDict()) : {}),
    };
    if (this.statAcc) tensors['stats.acc'] = this.statAcc;
    if (this.plMean) tensors['pl_mean'] = this.plMean;
    const optG = flattenOpt('optG', this.optG.stateDict(), tensors);
    const optD = flattenOpt('optD', this.optD.stateDict(), tensors);
    const meta: CheckpointMeta = {
      kind: 'webgan-gan', config: this.cfg, step: this.step, rng: wg.getRngState(), loader: this.source.state(), optG, optD, statSteps: this.statSteps,
    };
    return { tensors, meta };
  }

  /** The checkpoint as .safetensors bytes (the file saveCheckpoint writes; the lab's download). */
  encodeCheckpoint(): Promise<Uint8Array> {
    return encodeCheckpoint(this.checkpointContents());
  }

  async saveCheckpoint(path: string): Promise<void> {
    await saveCheckpoint(path, this.checkpointContents());
  }

  /** Restore everything a checkpoint holds; the config must be the one it was written with. */
  async loadCheckpoint(path: string): Promise<void> {
    this.restoreCheckpoint(await loadCheckpoint<CheckpointMeta>(path), path);
  }

  /** restore a decoded checkpoint (loadCheckpoint's file, or bytes the lab was given); `name` labels errors */
  restoreCheckpoint(ck: LoadedCheckpoint<CheckpointMeta>, name: string): void {
    if (ck.meta?.kind !== 'webgan-gan') throw new ConfigError(`${name}: not a webgan GAN checkpoint`);
    withCheckpointTensors(ck.tensors, (all) => {
      this.models.G.loadStateDict(pick('G', all));
      this.models.D.loadStateDict(pick('D', all));
      if (this.ema) this.ema.loadStateDict(pick('Gema', all));
      this.optG.loadStateDict(unflattenOpt('optG', ck.meta.optG, all));
      this.optD.loadStateDict(unflattenOpt('optD', ck.meta.optD, all));
      this.statAcc?.dispose();
      this.statAcc = all['stats.acc'] ? wg.keep(wg.mul(all['stats.acc'], 1)) : null;
      if (this.plMean && all['pl_mean']) nn.assign_(this.plMean, wg.mul(all['pl_mean'], 1));
    });
    this.statSteps = ck.meta.statSteps;
    this.step = ck.meta.step;
    this.lastLogStep = this.step;
    wg.setRngState(ck.meta.rng);
    this.source.setState(ck.meta.loader);
  }

  dispose(): void {
    this.models.G.dispose();
    this.models.D.dispose();
    this.ema?.dispose();
    this.optG.dispose();
    this.optD.dispose();
    this.statAcc?.dispose();
    for (const t of [this.plMean, this.lastR1, this.lastPl, this.fixed?.z, this.fixed?.y]) t?.dispose();
    for (const f of this.steps.values()) f.dispose();
  }
}

/** Read a checkpoint's config and rebuild its sampler G (EMA copy if present) for sampling/eval. */
export async function loadGenerator(path: string): Promise<{ cfg: TrainConfig; models: GanModels; G: nn.Module; step: number }> {
  return generatorFromCheckpoint(await loadCheckpoint<CheckpointMeta>(path), path);
}

/** loadGenerator of a decoded checkpoint (a file's, or bytes: decodeCheckpoint); `name` labels errors. */
export function generatorFromCheckpoint(ck: LoadedCheckpoint<CheckpointMeta>, name: string): { cfg: TrainConfig; models: GanModels; G: nn.Module; step: number } {
  if ((ck.meta as { kind?: string } | null)?.kind === 'webgan-translation') throw new ConfigError(`${name}: a ${ck.meta.config.preset} checkpoint translates images: use webgan translate (and webgan eval)`);
  if (ck.meta?.kind !== 'webgan-gan') throw new ConfigError(`${name}: not a webgan GAN checkpoint`);
  const cfg = ck.meta.config;
  const models = buildGan(cfg.preset, presetOptions(cfg));
  const prefix = Object.keys(ck.tensors).some((k) => k.startsWith('Gema.')) ? 'Gema' : 'G';
  withCheckpointTensors(ck.tensors, (all) => models.G.loadStateDict(pick(prefix, all)), (k) => k.startsWith(prefix + '.'));
  models.G.eval();
  return { cfg, models, G: models.G, step: ck.meta.step };
}

export { STAT_NAMES as statNames };
