import * as wg from '../index.ts';
import type { Tensor } from '../index.ts';
import * as nn from '../nn/index.ts';
import { hostToTensor } from '../io/safetensors.ts';
import { loadCheckpoint, saveCheckpoint } from '../io/checkpoint.ts';
import type { LoaderState } from '../data/loader.ts';
import { ConfigError, lrFactor, resolveConfig, type TrainConfig } from './config.ts';
import { makeSource, type RealSource } from './data.ts';
import { ganLosses, gradientPenalty, r1Penalty, type GanLoss } from './losses.ts';
import { buildGan, type GanModels } from './models.ts';

/** Scalars accumulated on the device every step, read back only at log steps. */
export const STAT_NAMES = ['lossD', 'lossG', 'dReal', 'dFake', 'gp', 'wasserstein'] as const;
export type StatName = (typeof STAT_NAMES)[number];

export interface LogRecord {
  step: number;
  /** window means over the steps since the previous record */
  stats: Record<StatName, number>;
  /** ‖∇‖₂ and ‖w‖₂ per parameter of G and D at this step */
  gradNorms: Record<string, number>;
  weightNorms: Record<string, number>;
  stepsPerSec: number;
  /** the learning rate of this step's updates (cfg.lr times the schedule's factor) */
  lr: number;
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
interface OptMeta { paramGroups: nn.OptimizerStateDict['paramGroups']; scalars: Record<string, Record<string, number>> }

export class DivergenceError extends Error {
  constructor(readonly step: number, readonly lastCheckpoint: string | null, what: string) {
    super(`training diverged at step ${step}: ${what}. ${lastCheckpoint ? `Last good checkpoint: ${lastCheckpoint}` : 'No checkpoint was written before this step.'}`);
    this.name = 'DivergenceError';
  }
}

function makeOptimizer(cfg: TrainConfig, params: Tensor[]): nn.Optimizer {
  return cfg.optimizer === 'rmsprop'
    ? new nn.RMSprop(params, { lr: cfg.lr })
    : new nn.Adam(params, { lr: cfg.lr, betas: cfg.betas });
}

function setRequiresGrad(m: nn.Module, flag: boolean): void {
  for (const p of m.parameters()) p.requiresGrad = flag;
}

/** Optimizer state → tensors under `prefix.i.key` plus JSON scalars. */
function flattenOpt(prefix: string, sd: nn.OptimizerStateDict, tensors: Record<string, Tensor>): OptMeta {
  const scalars: Record<string, Record<string, number>> = {};
  for (const [i, st] of Object.entries(sd.state)) {
    for (const [k, v] of Object.entries(st)) {
      if (v instanceof wg.Tensor) tensors[`${prefix}.${i}.${k}`] = v;
      else (scalars[i] ??= {})[k] = v;
    }
  }
  return { paramGroups: sd.paramGroups, scalars };
}

function unflattenOpt(prefix: string, meta: OptMeta, tensors: Record<string, Tensor>): nn.OptimizerStateDict {
  const state: Record<number, nn.ParamState> = {};
  for (const [i, sc] of Object.entries(meta.scalars)) state[Number(i)] = { ...sc };
  for (const [k, t] of Object.entries(tensors)) {
    if (!k.startsWith(prefix + '.')) continue;
    const [i, ...rest] = k.slice(prefix.length + 1).split('.');
    (state[Number(i)] ??= {})[rest.join('.')] = t;
  }
  return { state, paramGroups: meta.paramGroups };
}

function prefixed(prefix: string, sd: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(sd).map(([k, v]) => [`${prefix}.${k}`, v]));
}

function pick(prefix: string, all: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith(prefix + '.')).map(([k, v]) => [k.slice(prefix.length + 1), v]));
}

/**
 * Alternating GAN training: per step, `nCritic` critic updates then one generator update.
 * Fully seeded: the same config and backend give the same run, and a resumed run continues
 * exactly as if it had never stopped (the checkpoint holds models, optimizers, RNG and data order).
 */
export class GanTrainer {
  readonly loss: GanLoss;
  step = 0;
  private statAcc: Tensor | null = null;
  private statSteps = 0;
  private lastLogTime = Date.now();
  private lastLogStep = 0;

  private constructor(
    readonly cfg: TrainConfig,
    readonly models: GanModels,
    readonly source: RealSource,
    readonly optG: nn.Optimizer,
    readonly optD: nn.Optimizer,
    readonly ema: nn.Module | null,
  ) {
    this.loss = ganLosses[cfg.loss];
  }

  static async create(user: Partial<TrainConfig>): Promise<GanTrainer> {
    const cfg = resolveConfig(user);
    wg.manualSeed(cfg.seed);
    const models = buildGan(cfg.preset, { pack: cfg.pack, spectralNorm: cfg.spectralNorm });
    const source = await makeSource(cfg, models);
    const optG = makeOptimizer(cfg, models.G.parameters());
    const optD = makeOptimizer(cfg, models.D.parameters());
    let ema: nn.Module | null = null;
    if (cfg.ema > 0) {
      ema = buildGan(cfg.preset, { pack: cfg.pack }).G;
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

  /** One critic update; returns [lossD, dReal, dFake, gp, wasserstein] as device scalars. */
  private criticStep(): Tensor[] {
    const { models: m, cfg } = this;
    const real = this.source.next(cfg.batch);
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
    const r1Now = cfg.r1Gamma > 0 && (cfg.r1Until === 0 || this.step < cfg.r1Until); // this.step = generator steps done
    if (r1Now) lossD = wg.add(lossD, wg.mul(r1Penalty((x) => m.discriminate(x, yReal), real.x), cfg.r1Gamma));
    this.optD.zeroGrad();
    lossD.backward();
    this.optD.step();
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

  private generatorStep(): Tensor {
    const { models: m, cfg } = this;
    const y = this.labels(cfg.batch);
    setRequiresGrad(m.D, false); // D's weight gradients are not needed for G's update
    try {
      const lossG = this.loss.g(m.discriminate(m.generate(m.noise(cfg.batch), y), y));
      this.optG.zeroGrad();
      lossG.backward();
      this.optG.step();
      if (this.ema) {
        const d = cfg.ema;
        wg.noGrad(() => {
          const src = m.G.stateDict();
          for (const [k, t] of Object.entries(this.ema!.stateDict())) {
            // EMA of parameters and BN statistics: e ← d·e + (1 − d)·θ
            if (t.dtype === 'float32') nn.assign_(this.emaTarget(k), wg.add(wg.mul(t, d), wg.mul(src[k], 1 - d)));
          }
        });
      }
      return lossG.detach();
    } finally {
      setRequiresGrad(m.D, true);
    }
  }

  private emaTarget(key: string): Tensor {
    const parts = key.split('.');
    let mod: nn.Module = this.ema!;
    for (const p of parts.slice(0, -1)) mod = mod._modules.get(p)!;
    const leaf = parts[parts.length - 1];
    return (mod._parameters.get(leaf) ?? mod._buffers.get(leaf))!;
  }

  /** The learning rate of this step's updates: cfg.lr times the schedule's factor (a function of the step alone, so a resumed run gets the same rates). */
  get lr(): number {
    return this.lrAt(this.step);
  }

  private lrAt(step: number): number {
    return this.cfg.lr * lrFactor(this.cfg.lrDecay, step, this.cfg.steps);
  }

  /** One training step (nCritic critic updates + one generator update), recorded on the device. */
  trainStep(): void {
    const lr = this.lr;
    for (const opt of [this.optG, this.optD]) for (const g of opt.paramGroups) g.lr = lr;
    wg.tidy(() => {
      const critic: Tensor[][] = [];
      for (let i = 0; i < this.cfg.nCritic; i++) critic.push(this.criticStep());
      const lossG = this.generatorStep();
      const last = critic[critic.length - 1];
      // [lossD, lossG, dReal, dFake, gp, wasserstein] of the last critic update and this G update
      const v = wg.stack([last[0], lossG, last[1], last[2], last[3], last[4]].map((t) => wg.reshape(t, [])));
      const acc = this.statAcc ? wg.add(this.statAcc, v) : v;
      this.statAcc?.dispose();
      this.statAcc = wg.keep(acc);
    });
    this.statSteps++;
    this.step++;
  }

  /** Read and reset the window statistics (the only device sync of a training loop). */
  async collect(withNorms = true): Promise<LogRecord> {
    const acc = this.statAcc ? Array.from(await this.statAcc.data()) : STAT_NAMES.map(() => NaN);
    const n = Math.max(this.statSteps, 1);
    const stats = Object.fromEntries(STAT_NAMES.map((k, i) => [k, acc[i] / n])) as Record<StatName, number>;
    this.statAcc?.dispose();
    this.statAcc = null;
    this.statSteps = 0;
    const gradNorms: Record<string, number> = {}, weightNorms: Record<string, number> = {};
    if (withNorms) {
      const named: [string, Tensor][] = [
        ...[...this.models.G.namedParameters()].map(([k, p]): [string, Tensor] => [`G.${k}`, p]),
        ...[...this.models.D.namedParameters()].map(([k, p]): [string, Tensor] => [`D.${k}`, p]),
      ];
      const norms = wg.tidy(() => wg.stack(named.flatMap(([, p]) => [
        wg.sqrt(wg.sum(wg.square(p))),
        p.grad ? wg.sqrt(wg.sum(wg.square(p.grad))) : wg.full([], NaN),
      ])));
      const v = await norms.data();
      norms.dispose();
      named.forEach(([k], i) => { weightNorms[k] = v[2 * i]; gradNorms[k] = v[2 * i + 1]; });
    }
    const now = Date.now();
    const stepsPerSec = ((this.step - this.lastLogStep) * 1000) / Math.max(now - this.lastLogTime, 1);
    this.lastLogTime = now;
    this.lastLogStep = this.step;
    return { step: this.step, stats, gradNorms, weightNorms, stepsPerSec, lr: this.lrAt(this.step - 1), time: new Date(now).toISOString() };
  }

  /** Samples from the sampler G in eval mode (BN uses running statistics). */
  sample(z: Tensor, y?: Tensor): Tensor {
    const g = this.sampler;
    const was = g.training;
    g.eval();
    try {
      return wg.noGrad(() => (this.models.conditional ? g.call(z, y) : g.call(z)));
    } finally {
      if (was) g.train();
    }
  }

  async saveCheckpoint(path: string): Promise<void> {
    const tensors: Record<string, Tensor> = {
      ...prefixed('G', this.models.G.stateDict()),
      ...prefixed('D', this.models.D.stateDict()),
      ...(this.ema ? prefixed('Gema', this.ema.stateDict()) : {}),
    };
    if (this.statAcc) tensors['stats.acc'] = this.statAcc;
    const optG = flattenOpt('optG', this.optG.stateDict(), tensors);
    const optD = flattenOpt('optD', this.optD.stateDict(), tensors);
    const meta: CheckpointMeta = {
      kind: 'webgan-gan', config: this.cfg, step: this.step, rng: wg.getRngState(), loader: this.source.state(), optG, optD, statSteps: this.statSteps,
    };
    await saveCheckpoint(path, { tensors, meta });
  }

  /** Restore everything a checkpoint holds; the config must be the one it was written with. */
  async loadCheckpoint(path: string): Promise<void> {
    const ck = await loadCheckpoint<CheckpointMeta>(path);
    if (ck.meta?.kind !== 'webgan-gan') throw new ConfigError(`${path}: not a webgan GAN checkpoint`);
    const all = wg.tidy(() => Object.fromEntries(Object.entries(ck.tensors).map(([k, t]) => [k, hostToTensor(t)])));
    try {
      this.models.G.loadStateDict(pick('G', all));
      this.models.D.loadStateDict(pick('D', all));
      if (this.ema) this.ema.loadStateDict(pick('Gema', all));
      this.optG.loadStateDict(unflattenOpt('optG', ck.meta.optG, all));
      this.optD.loadStateDict(unflattenOpt('optD', ck.meta.optD, all));
      this.statAcc?.dispose();
      this.statAcc = all['stats.acc'] ? wg.keep(wg.mul(all['stats.acc'], 1)) : null;
    } finally {
      for (const t of Object.values(all)) t.dispose();
    }
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
  }
}

/** Read a checkpoint's config and rebuild its sampler G (EMA copy if present) for sampling/eval. */
export async function loadGenerator(path: string): Promise<{ cfg: TrainConfig; models: GanModels; G: nn.Module; step: number }> {
  const ck = await loadCheckpoint<CheckpointMeta>(path);
  if (ck.meta?.kind !== 'webgan-gan') throw new ConfigError(`${path}: not a webgan GAN checkpoint`);
  const cfg = ck.meta.config;
  const models = buildGan(cfg.preset, { pack: cfg.pack, spectralNorm: cfg.spectralNorm });
  const prefix = Object.keys(ck.tensors).some((k) => k.startsWith('Gema.')) ? 'Gema' : 'G';
  const all = wg.tidy(() => Object.fromEntries(Object.entries(ck.tensors).filter(([k]) => k.startsWith(prefix + '.')).map(([k, t]) => [k, hostToTensor(t)])));
  models.G.loadStateDict(pick(prefix, all));
  for (const t of Object.values(all)) t.dispose();
  models.G.eval();
  return { cfg, models, G: models.G, step: ck.meta.step };
}

export { STAT_NAMES as statNames };
