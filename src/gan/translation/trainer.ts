import * as wg from '../../index.ts';
import type { Shape, Tensor } from '../../index.ts';
import * as nn from '../../nn/index.ts';
import { philoxWords, uniformFromWord } from '../../base/philox.ts';
import { loadCheckpoint, saveCheckpoint, type LoadedCheckpoint } from '../../io/checkpoint.ts';
import { saveImageGrid } from '../../io/png.ts';
import { ConfigError, lrFactor, resolveConfig, type TrainConfig } from '../config.ts';
import { flattenOpt, gradAndWeightNorms, pick, prefixed, unflattenOpt, withCheckpointTensors, type Curve, type LogRecord, type RunTrainer } from '../trainer.ts';
import { makeTranslationSource, type TranslationSource, type TranslationState } from './data.ts';
import { buildTranslation, ganTerm, l1, type TranslationModels, type TranslationPreset } from './models.ts';
import { firstEight, inEvalMode, sampleGridRows } from './translate.ts';

/** The loss terms logged per step, named as the authors' `loss_names`. */
export const TRANSLATION_STATS: Record<TranslationPreset, readonly string[]> = {
  cyclegan: ['D_A', 'G_A', 'cycle_A', 'idt_A', 'D_B', 'G_B', 'cycle_B', 'idt_B'],
  pix2pix: ['G_GAN', 'G_L1', 'D_real', 'D_fake'],
};

export interface TranslationCheckpointMeta {
  kind: 'webgan-translation';
  config: TrainConfig;
  step: number;
  rng: wg.RngState;
  data: TranslationState;
  /** draws made from each history pool's own Philox stream (A, B) */
  poolDraws: number[];
  optG: ReturnType<typeof flattenOpt>;
  optD: ReturnType<typeof flattenOpt>;
  statSteps: number;
  channels: [number, number];
}

/**
 * The history of generated images a discriminator also sees (Shrivastava et al. 2017, CycleGAN
 * §4): until `size` images are stored each new image is stored and returned; after that, with
 * probability ½ a stored image is returned in its place and replaced by it. The coin flips and
 * the slots come from a Philox stream of their own, so a resumed run draws the same.
 *
 * The choices are made on the host (`plan`: which image each output row and each slot takes,
 * as indices into [stored; batch]) and applied on the device (`apply`: two index selections,
 * the store rewritten in place), so a traced training step (wg.jit) takes the plan as arguments
 * and replays the same commands every step.
 */
export class ImagePool {
  /** the stored images, [size, ...image] (rows from `count` on are zeros), once the first image arrived */
  private store: Tensor | null = null;
  /** how many slots hold an image */
  count = 0;
  constructor(readonly size: number, private readonly seed: [number, number], public draws = 0) {}

  private uniform(): number {
    return uniformFromWord(philoxWords(this.seed, this.draws++, 1)[0]);
  }

  /** allocate the store for images of this shape (no-op when it exists or size is 0) */
  ready(image: Shape): void {
    if (this.size > 0 && !this.store) this.store = wg.keep(wg.zeros([this.size, ...image]));
  }

  /**
   * For a batch of n images, in order: `out[i]`, the row D sees in image i's place, and
   * `slots[j]`, what slot j holds afterwards — indices into [stored (size rows); batch (n rows)].
   * An image stored earlier in the same batch is returned as that image.
   */
  plan(n: number): { out: Int32Array; slots: Int32Array } {
    const S = this.size;
    const slots = Int32Array.from({ length: S }, (_, j) => j);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = S + i;
      if (this.count < S) slots[this.count++] = S + i;
      else if (S > 0 && this.uniform() < 0.5) {
        const j = Math.min(Math.floor(this.uniform() * S), S - 1);
        out[i] = slots[j];
        slots[j] = S + i;
      }
    }
    return { out, slots };
  }

  /** plan(n) as the int32 tensors `apply` takes: [out, slots] */
  planTensors(n: number): [Tensor, Tensor] {
    const { out, slots } = this.plan(n);
    return [wg.tensor(out, [n], { dtype: 'int32' }), wg.tensor(slots, [this.size], { dtype: 'int32' })];
  }

  /** the batch D sees for these (detached) fakes under a plan (int32 tensors), the store updated in place */
  apply(batch: Tensor, out: Tensor, slots: Tensor): Tensor {
    if (this.size === 0) return batch;
    this.ready(batch.shape.slice(1));
    const all = wg.cat([this.store!, batch], 0);
    const seen = wg.indexSelect(all, 0, out);
    nn.assign_(this.store!, wg.indexSelect(all, 0, slots), 'ImagePool.apply');
    return seen;
  }

  /** plan and apply in one: the batch the discriminator sees for this batch of (detached) fakes */
  query(batch: Tensor): Tensor {
    if (this.size === 0) return batch;
    return wg.tidy(() => this.apply(batch, ...this.planTensors(batch.shape[0])));
  }

  /** the stored images (count rows), or null while empty */
  toTensor(): Tensor | null {
    return this.count ? wg.narrow(this.store!, 0, 0, this.count) : null;
  }

  load(t: Tensor | undefined, draws: number): void {
    this.dispose();
    this.draws = draws;
    if (!t) return;
    if (t.shape[0] > this.size) throw new ConfigError(`history pool: the checkpoint holds ${t.shape[0]} images, more than the pool's size ${this.size}`);
    this.count = t.shape[0];
    this.store = wg.keep(this.count === this.size ? wg.mul(t, 1) : wg.cat([t, wg.zeros([this.size - this.count, ...t.shape.slice(1)])], 0));
  }

  dispose(): void {
    this.store?.dispose();
    this.store = null;
    this.count = 0;
  }
}

function setRequiresGrad(ms: nn.Module[], flag: boolean): void {
  for (const m of ms) for (const p of m.parameters()) p.requiresGrad = flag;
}

const paramsOf = (ms: nn.Module[]) => ms.flatMap((m) => m.parameters());

/**
 * CycleGAN (Zhu et al. 2017) and pix2pix (Isola et al. 2017) training, step by step as the
 * authors' code does it, seeded and exactly resumable (models, optimizers, RNG, data order, the
 * history pools and their stream are in the checkpoint).
 */
export class TranslationTrainer implements RunTrainer {
  step = 0;
  readonly stats: readonly string[];
  private statAcc: Tensor | null = null;
  private statSteps = 0;
  private lastLogTime = Date.now();
  private lastLogStep = 0;
  private readonly pools: ImagePool[];
  private fixed: { a: Tensor; b: Tensor } | null = null;

  private constructor(
    readonly cfg: TrainConfig,
    readonly models: TranslationModels,
    readonly source: TranslationSource,
    readonly optG: nn.Adam,
    readonly optD: nn.Adam,
  ) {
    this.stats = TRANSLATION_STATS[models.preset];
    const seed: [number, number] = [(cfg.seed + 0x5eed) >>> 0, 0x9001];
    this.pools = models.preset === 'cyclegan' ? [new ImagePool(cfg.poolSize!, seed), new ImagePool(cfg.poolSize!, [seed[0], seed[1] + 1])] : [];
  }

  static async create(user: Partial<TrainConfig>): Promise<TranslationTrainer> {
    const cfg = resolveConfig(user);
    wg.manualSeed(cfg.seed);
    const source = await makeTranslationSource(cfg.data, {
      paired: cfg.preset === 'pix2pix', seed: cfg.seed, batch: cfg.batch, limit: cfg.limit || undefined, size: cfg.resolution, channels: cfg.channels,
      testLimit: 8, // training needs the test split only for the grids' 8 fixed images; `eval` loads all of it
    });
    const c = source.sampleShape[0];
    const models = buildTranslation(cfg, c, c);
    const adam = (ms: nn.Module[]) => new nn.Adam(paramsOf(ms), { lr: cfg.lr, betas: cfg.betas });
    return new TranslationTrainer(cfg, models, source, adam(models.generators), adam(models.discriminators));
  }

  private get lossKind(): 'lsgan' | 'nsgan' {
    return this.cfg.loss === 'lsgan' ? 'lsgan' : 'nsgan';
  }

  /**
   * CycleGAN: G_A and G_B together (adversarial + λ·cycle + λ·λ_idt·identity), then D_A and D_B on
   * pooled fakes; `plans`: each history pool's plan for this batch (A, B: out and slots, int32), or
   * none when the pools have size 0.
   */
  private cycleganStep(realA: Tensor, realB: Tensor, plans: Tensor[]): Tensor[] {
    const { cfg, models: m } = this;
    const { G_A, G_B, D_A, D_B } = m.nets;
    const lam = cfg.lambdaCycle!, idt = cfg.lambdaIdentity!;
    setRequiresGrad(m.discriminators, false);
    const fakeB = G_A.call(realA), recA = G_B.call(fakeB);
    const fakeA = G_B.call(realB), recB = G_A.call(fakeA);
    const zero = wg.zeros([]);
    // identity: G_A(b) ≈ b, G_B(a) ≈ a (only where the two domains have the same channels)
    const idtA = idt > 0 && m.channelsA === m.channelsB ? wg.mul(l1(G_A.call(realB), realB), lam * idt) : zero;
    const idtB = idt > 0 && m.channelsA === m.channelsB ? wg.mul(l1(G_B.call(realA), realA), lam * idt) : zero;
    const gA = ganTerm(this.lossKind, D_A.call(fakeB), true);
    const gB = ganTerm(this.lossKind, D_B.call(fakeA), true);
    const cycA = wg.mul(l1(recA, realA), lam);
    const cycB = wg.mul(l1(recB, realB), lam);
    this.optG.zeroGrad();
    wg.add(wg.add(wg.add(gA, gB), wg.add(cycA, cycB)), wg.add(idtA, idtB)).backward();
    this.optG.step();
    setRequiresGrad(m.discriminators, true);
    const dLoss = (D: nn.Module, real: Tensor, fake: Tensor) => wg.mul(wg.add(ganTerm(this.lossKind, D.call(real), true), ganTerm(this.lossKind, D.call(fake), false)), 0.5);
    const pooled = (i: number, fake: Tensor) => (plans.length ? this.pools[i].apply(fake, plans[2 * i], plans[2 * i + 1]) : fake);
    const dA = dLoss(D_A, realB, pooled(1, fakeB.detach()));
    const dB = dLoss(D_B, realA, pooled(0, fakeA.detach()));
    this.optD.zeroGrad();
    wg.add(dA, dB).backward();
    this.optD.step();
    return [dA, gA, cycA, idtA, dB, gB, cycB, idtB];
  }

  /** pix2pix: D on (input, output) pairs, ½(real + fake), then G: adversarial + λ·L1 to the target. */
  private pix2pixStep(realA: Tensor, realB: Tensor): Tensor[] {
    const { cfg, models: m } = this;
    const { G, D } = m.nets;
    const fakeB = G.call(realA);
    const pair = (b: Tensor) => wg.cat([realA, b], 1);
    const dFake = ganTerm(this.lossKind, D.call(pair(fakeB.detach())), false);
    const dReal = ganTerm(this.lossKind, D.call(pair(realB)), true);
    this.optD.zeroGrad();
    wg.mul(wg.add(dFake, dReal), 0.5).backward();
    this.optD.step();
    setRequiresGrad(m.discriminators, false);
    const gGan = ganTerm(this.lossKind, D.call(pair(fakeB)), true);
    const gL1 = wg.mul(l1(fakeB, realB), cfg.lambdaL1!);
    this.optG.zeroGrad();
    wg.add(gGan, gL1).backward();
    this.optG.step();
    setRequiresGrad(m.discriminators, true);
    return [gGan, gL1, dReal, dFake];
  }

  get lr(): number {
    return this.cfg.lr * lrFactor(this.cfg.lrDecay, this.step, this.cfg.steps);
  }

  /**
   * One training step, traced and replayed on WebGPU with `jit` (on by default; src/tensor/jit.ts):
   * the batches are its arguments, and for cyclegan the history pools' plans — the pools choose
   * on the host from their own streams (ImagePool.plan) and the step applies the choices.
   */
  trainStep(): void {
    const lr = this.lr;
    for (const o of [this.optG, this.optD]) for (const g of o.paramGroups) g.lr = lr;
    const stack = (terms: Tensor[]) => wg.stack(terms.map((t) => wg.reshape(t.detach(), [])));
    const { a, b } = this.source.next(this.cfg.batch);
    let v: Tensor;
    if (this.models.preset === 'cyclegan') {
      // pool A holds fakes of domain A (G_B's outputs, a's shape), pool B fakes of domain B
      const plans: Tensor[] = [];
      if (this.cfg.poolSize! > 0) {
        this.pools.forEach((p, i) => {
          p.ready((i === 0 ? a : b).shape.slice(1));
          plans.push(...p.planTensors(this.cfg.batch));
        });
      }
      const step = (x: Tensor, y: Tensor, ...p: Tensor[]) => wg.tidy(() => stack(this.cycleganStep(x, y, p)));
      v = this.jit ? (this.cyclegan ??= wg.jit(step, { name: 'cyclegan train step' }))(a, b, ...plans) : step(a, b, ...plans);
      for (const t of plans) t.dispose();
    } else {
      const step = (x: Tensor, y: Tensor) => wg.tidy(() => stack(this.pix2pixStep(x, y)));
      v = this.jit ? (this.pix2pix ??= wg.jit(step, { name: 'pix2pix train step' }))(a, b) : step(a, b);
    }
    a.dispose();
    b.dispose();
    const acc = this.statAcc ? wg.keep(wg.add(this.statAcc, v)) : wg.keep(v);
    if (this.statAcc) { this.statAcc.dispose(); v.dispose(); }
    this.statAcc = acc;
    this.statSteps++;
    this.step++;
  }

  /** trace and replay the step (wg.jit; WebGPU) — false runs every step eagerly */
  jit = true;
  private pix2pix: wg.Jitted<[Tensor, Tensor], Tensor> | null = null;
  private cyclegan: wg.Jitted<Tensor[], Tensor> | null = null;

  /** the traced step function's state */
  jitStats(): Record<string, wg.JitStats> {
    return this.pix2pix ? { pix2pix: this.pix2pix.stats() } : this.cyclegan ? { cyclegan: this.cyclegan.stats() } : {};
  }

  async collect(withNorms = true): Promise<LogRecord> {
    const acc = this.statAcc ? Array.from(await this.statAcc.data()) : this.stats.map(() => NaN);
    const n = Math.max(this.statSteps, 1);
    const stats = Object.fromEntries(this.stats.map((k, i) => [k, acc[i] / n]));
    this.statAcc?.dispose();
    this.statAcc = null;
    this.statSteps = 0;
    const { gradNorms, weightNorms } = withNorms ? await gradAndWeightNorms(Object.entries(this.models.nets)) : { gradNorms: {}, weightNorms: {} };
    const now = Date.now();
    const stepsPerSec = ((this.step - this.lastLogStep) * 1000) / Math.max(now - this.lastLogTime, 1);
    this.lastLogTime = now;
    this.lastLogStep = this.step;
    const lr = this.cfg.lr * lrFactor(this.cfg.lrDecay, this.step - 1, this.cfg.steps);
    return { step: this.step, stats, gradNorms, weightNorms, stepsPerSec, lr, time: new Date(now).toISOString() };
  }

  brief(r: LogRecord): string {
    const f = (k: string) => r.stats[k].toFixed(3);
    return this.models.preset === 'cyclegan'
      ? `D_A ${f('D_A')} G_A ${f('G_A')} cycle_A ${f('cycle_A')}  D_B ${f('D_B')} G_B ${f('G_B')} cycle_B ${f('cycle_B')}`
      : `G_GAN ${f('G_GAN')} G_L1 ${f('G_L1')} D_real ${f('D_real')} D_fake ${f('D_fake')}`;
  }

  curves(): Curve[] {
    if (this.models.preset === 'cyclegan') {
      return [
        { file: 'losses.svg', title: 'Adversarial losses', series: [['D_A', 'D_A'], ['G_A', 'G_A'], ['D_B', 'D_B'], ['G_B', 'G_B']] },
        { file: 'reconstruction.svg', title: 'Cycle and identity losses (weighted)', series: [['cycle_A', 'cycle A'], ['cycle_B', 'cycle B'], ['idt_A', 'identity A'], ['idt_B', 'identity B']] },
      ];
    }
    return [{ file: 'losses.svg', title: 'pix2pix losses', series: [['G_GAN', 'G GAN'], ['G_L1', 'G L1 (weighted)'], ['D_real', 'D real'], ['D_fake', 'D fake']] }];
  }

  /** The first 8 test pairs (without a test split: the centres of the first 8 training images), fixed for every grid of the run. */
  private fixedBatch(): { a: Tensor; b: Tensor } {
    if (!this.fixed) {
      const [, h, w] = this.source.sampleShape;
      const t = this.source.test;
      const { a, b } = this.source.domains;
      const first = (images: Float32Array, shape: readonly number[]) => wg.keep(firstEight(images, shape, h, w));
      this.fixed = t ? { a: first(t.a, t.shape), b: first(t.b, t.shape) } : { a: first(a.images, a.shape), b: first(b.images, b.shape) };
    }
    return this.fixed;
  }

  /**
   * A grid, 8 test images per row. CycleGAN: A | G_A(A) | G_B(G_A(A)) and B | G_B(B) | G_A(G_B(B));
   * pix2pix: input | translation | target.
   */
  async saveSamples(base: string): Promise<string> {
    const { a, b } = this.fixedBatch();
    const rows = sampleGridRows(this.models, a, b);
    const path = `${base}.png`;
    await saveImageGrid(path, rows, { nrow: a.shape[0] });
    rows.dispose();
    return path;
  }

  /** Translate a batch (eval mode, no gradients). */
  translate(x: Tensor, direction: 'a2b' | 'b2a'): Tensor {
    return inEvalMode(this.models, () => this.models.translate(x, direction));
  }

  async saveCheckpoint(path: string): Promise<void> {
    const tensors: Record<string, Tensor> = {};
    for (const [name, net] of Object.entries(this.models.nets)) Object.assign(tensors, prefixed(name, net.stateDict()));
    if (this.statAcc) tensors['stats.acc'] = this.statAcc;
    const pools = this.pools.map((p) => p.toTensor());
    pools.forEach((t, i) => { if (t) tensors[`pool_${'AB'[i]}`] = t; });
    const optG = flattenOpt('optG', this.optG.stateDict(), tensors);
    const optD = flattenOpt('optD', this.optD.stateDict(), tensors);
    const meta: TranslationCheckpointMeta = {
      kind: 'webgan-translation', config: this.cfg, step: this.step, rng: wg.getRngState(), data: this.source.state(),
      poolDraws: this.pools.map((p) => p.draws), optG, optD, statSteps: this.statSteps, channels: [this.models.channelsA, this.models.channelsB],
    };
    try {
      await saveCheckpoint(path, { tensors, meta });
    } finally {
      for (const t of pools) t?.dispose();
    }
  }

  async loadCheckpoint(path: string): Promise<void> {
    const ck = await loadCheckpoint<TranslationCheckpointMeta>(path);
    if (ck.meta?.kind !== 'webgan-translation') throw new ConfigError(`${path}: not a webgan translation checkpoint (cyclegan / pix2pix)`);
    withCheckpointTensors(ck.tensors, (all) => {
      for (const [name, net] of Object.entries(this.models.nets)) net.loadStateDict(pick(name, all));
      this.optG.loadStateDict(unflattenOpt('optG', ck.meta.optG, all));
      this.optD.loadStateDict(unflattenOpt('optD', ck.meta.optD, all));
      this.statAcc?.dispose();
      this.statAcc = all['stats.acc'] ? wg.keep(wg.mul(all['stats.acc'], 1)) : null;
      this.pools.forEach((p, i) => p.load(all[`pool_${'AB'[i]}`], ck.meta.poolDraws[i]));
    });
    this.statSteps = ck.meta.statSteps;
    this.step = ck.meta.step;
    this.lastLogStep = this.step;
    wg.setRngState(ck.meta.rng);
    this.source.setState(ck.meta.data);
  }

  dispose(): void {
    this.pix2pix?.dispose();
    this.cyclegan?.dispose();
    for (const net of Object.values(this.models.nets)) net.dispose();
    this.optG.dispose();
    this.optD.dispose();
    this.statAcc?.dispose();
    for (const p of this.pools) p.dispose();
    this.fixed?.a.dispose();
    this.fixed?.b.dispose();
  }
}

/** A translation checkpoint's config and networks (eval mode), for `translate` and `eval`. */
export async function loadTranslator(path: string): Promise<{ cfg: TrainConfig; models: TranslationModels; step: number }> {
  return translatorFromCheckpoint(await loadCheckpoint<TranslationCheckpointMeta>(path), path);
}

/** loadTranslator of a decoded checkpoint (a file's, or bytes the lab was given); `path` names it in errors. */
export function translatorFromCheckpoint(ck: LoadedCheckpoint<TranslationCheckpointMeta>, path: string): { cfg: TrainConfig; models: TranslationModels; step: number } {
  if (ck.meta?.kind !== 'webgan-translation') {
    const other = (ck.meta as { kind?: string } | null)?.kind === 'webgan-gan' ? ` (it is a ${(ck.meta as unknown as { config: TrainConfig }).config.preset} checkpoint: use webgan sample)` : '';
    throw new ConfigError(`${path}: not a webgan translation checkpoint (cyclegan / pix2pix)${other}`);
  }
  const cfg = ck.meta.config;
  const models = buildTranslation(cfg, ck.meta.channels[0], ck.meta.channels[1]);
  withCheckpointTensors(ck.tensors, (all) => {
    for (const [name, net] of Object.entries(models.nets)) {
      net.loadStateDict(pick(name, all));
      net.eval();
    }
  });
  return { cfg, models, step: ck.meta.step };
}
