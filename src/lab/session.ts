/**
 * One lab run: a GanTrainer on the mlp2d preset plus what the 2-D view draws, computed on the
 * backend and read back as host arrays. Runs in the page's Web Worker (worker.ts) and, for the
 * tests, in Node. Drawing draws no random numbers from the training stream, so the same config
 * and seed give the same run however it is stepped and watched.
 */
import * as wg from '../index.ts';
import * as nn from '../nn/index.ts';
import type { Tensor } from '../index.ts';
import type { TrainConfig } from '../gan/config.ts';
import { evaluate2d } from '../gan/evaluate.ts';
import type { ModeMetrics } from '../gan/metrics.ts';
import { GanTrainer, type CheckpointMeta } from '../gan/trainer.ts';
import type { LoadedCheckpoint } from '../io/checkpoint.ts';
import { sampleSeed, type SampleOptions } from './model.ts';
import { dataExtent, mixtureModes, sampleDrawn, sampleMixture, type MixtureName } from '../data/mixtures.ts';

/** generated points drawn and scored each frame (fixed noise); real points drawn */
export const N_FAKE = 1000;
export const N_REAL = 1000;
/** generated points that get a gradient arrow (rounded down to a multiple of the packing degree) */
export const N_ARROWS = 240;
/** D's surface: RES × RES cells over the data's extent */
export const RES = 48;
/** the manifold: a MESH × MESH grid of z over [−Z_MAX, Z_MAX]² mapped through G */
export const MESH = 21;
export const Z_MAX = 2.5;

/** One point of the curves: window means of a trainStep run, or one D / G update alone (the other fields NaN). */
export interface LabRecord {
  step: number;
  kind: 'step' | 'd' | 'g';
  lossD: number;
  lossG: number;
  dReal: number;
  dFake: number;
  /** mean D(x) − mean D(G(z)) of the critic's raw outputs: the Wasserstein-1 estimate for wgan / wgan-gp, the D-output gap otherwise (NaN for G updates) */
  wasserstein: number;
  /** training steps per second over this record's window (NaN for single updates) */
  stepsPerSec: number;
}

export interface LabFrame {
  step: number;
  /** G(z) of the fixed noise, [N_FAKE, 2] */
  fake: Float32Array;
  /** −∂L_G/∂x at the first arrows points of `fake` ([arrows, 2]), scaled by D's batch so each is one sample's own term */
  grads: Float32Array;
  /** σ(D) (probabilistic losses) or D on the RES × RES grid, row 0 at the top (y max); null with packing (D scores packs) */
  surface: Float32Array | null;
  /** G of the z-grid, [MESH · MESH, 2], row-major over (z₂ from −Z_MAX, z₁ from −Z_MAX) */
  manifold: Float32Array;
  /** the PacGAN mode metrics of `fake` (ring and grid; null for spiral, moons and drawn data) */
  metrics: ModeMetrics | null;
  /**
   * ‖∇‖₂ of each layer's parameters (weight and bias together; setup.layers names them) as the
   * last update left them: G's of the last generator update, D's of the last critic update (its
   * full loss, penalties included). NaN for a network not updated yet.
   */
  gradNorms: { g: number[]; d: number[] };
}

/** One layer of G or D with parameters, for the gradient-norm legend and the model graph. */
export interface LabLayer {
  /** its path in the network (`0`, `2`, …: the Sequential's index) */
  name: string;
  /** Linear in → out */
  inFeatures: number;
  outFeatures: number;
  /** the activation after it (`ReLU`, `LeakyReLU`), or null for the output layer */
  activation: string | null;
}

/** What the page needs once per run. */
export interface LabSetup {
  config: TrainConfig;
  real: Float32Array;
  extent: [number, number, number, number];
  modes: [number, number][] | null;
  probabilistic: boolean;
  res: number;
  mesh: number;
  /** the layers with parameters of G and of D, in order */
  layers: { g: LabLayer[]; d: LabLayer[] };
}

/** The layers of an mlp2d network (a Sequential of Linear and activation modules) with their parameters. */
export function netLayers(net: nn.Module): { layer: LabLayer; params: Tensor[] }[] {
  const kids = [...net.namedChildren()];
  const out: { layer: LabLayer; params: Tensor[] }[] = [];
  kids.forEach(([name, m], i) => {
    const params = m.parameters();
    if (!params.length) return;
    const lin = m as nn.Linear;
    const next = kids[i + 1]?.[1];
    out.push({ layer: { name, inFeatures: lin.inFeatures, outFeatures: lin.outFeatures, activation: next && !next.parameters().length ? activationName(next) : null }, params });
  });
  return out;
}

/** an activation module's name (not constructor.name: the page's bundle is minified) */
function activationName(m: nn.Module): string {
  if (m instanceof nn.LeakyReLU) return 'LeakyReLU';
  if (m instanceof nn.ReLU) return 'ReLU';
  if (m instanceof nn.Tanh) return 'Tanh';
  return 'activation';
}

/** ‖∇‖₂ of each layer's parameters together (a NaN scalar for a layer with no gradient yet) */
function layerGradNorms(net: nn.Module): Tensor[] {
  return netLayers(net).map(({ params }) => {
    if (params.some((p) => !p.grad)) return wg.full([1], NaN);
    return wg.reshape(wg.sqrt(params.map((p) => wg.sum(wg.square(p.grad!))).reduce((a, b) => wg.add(a, b))), [1]);
  });
}

/** a float32 tensor made now and kept */
const kept = (t: Tensor) => wg.keep(t);

export class LabSession {
  private constructor(
    readonly trainer: GanTrainer,
    readonly setup: LabSetup,
    private readonly zFixed: Tensor,
    private readonly zGrid: Tensor,
    private readonly xGrid: Tensor,
  ) {}

  static async create(config: TrainConfig): Promise<LabSession> {
    const trainer = await GanTrainer.create(config);
    const data = config.data as MixtureName | 'drawn';
    const extent = dataExtent(data);
    // the view's own tensors, from their own seed; the training stream is put back as it was
    const saved = wg.getRngState();
    wg.manualSeed(config.seed + 7919);
    const zFixed = kept(trainer.models.noise(N_FAKE));
    const realT = data === 'drawn' ? sampleDrawn(trainer.cfg.points!, N_REAL) : sampleMixture(data, N_REAL);
    wg.setRngState(saved);
    const real = Float32Array.from(await realT.data());
    realT.dispose();
    const z: number[] = [];
    for (let r = 0; r < MESH; r++) for (let c = 0; c < MESH; c++) z.push(-Z_MAX + (2 * Z_MAX * c) / (MESH - 1), -Z_MAX + (2 * Z_MAX * r) / (MESH - 1));
    const zGrid = kept(wg.tensor(z, [MESH * MESH, 2]));
    const [x0, x1, y0, y1] = extent;
    const g: number[] = [];
    for (let r = 0; r < RES; r++) for (let c = 0; c < RES; c++) g.push(x0 + ((c + 0.5) * (x1 - x0)) / RES, y1 - ((r + 0.5) * (y1 - y0)) / RES);
    const xGrid = kept(wg.tensor(g, [RES * RES, 2]));
    const modes = mixtureModes(data)?.centres ?? null;
    const layers = { g: netLayers(trainer.models.G).map((l) => l.layer), d: netLayers(trainer.models.D).map((l) => l.layer) };
    return new LabSession(trainer, { config: trainer.cfg, real, extent, modes, probabilistic: trainer.loss.probabilistic, res: RES, mesh: MESH, layers }, zFixed, zGrid, xGrid);
  }

  /** The run a checkpoint holds (an mlp2d one, from `webgan train` or the lab), continued where it stopped: as `webgan train --resume` does. */
  static async fromCheckpoint(ck: LoadedCheckpoint<CheckpointMeta>, name: string): Promise<LabSession> {
    const saved = wg.getRngState(); // put back if the checkpoint does not load: the current run goes on undisturbed
    let s: LabSession | null = null;
    try {
      s = await LabSession.create(ck.meta.config);
      s.trainer.restoreCheckpoint(ck, name); // sets the random stream to the checkpoint's
      return s;
    } catch (e) {
      s?.dispose();
      wg.setRngState(saved);
      throw e;
    }
  }

  get step(): number {
    return this.trainer.step;
  }

  /** The run's checkpoint as .safetensors bytes: what `webgan train` writes (loads with `--resume`, `webgan sample --ckpt`). */
  checkpoint(): Promise<Uint8Array> {
    return this.trainer.encodeCheckpoint();
  }

  /** n samples of G (its EMA copy if any) for a seed: the numbers `webgan sample --seed` draws from this run's checkpoint. The training stream is untouched. */
  sample(seed: number, n: number, o: SampleOptions = {}): Promise<Float32Array> {
    return sampleSeed(this.trainer.models, this.trainer.sampler, seed, n, o);
  }

  /** k full training steps; one record of their window means. */
  async train(k: number): Promise<LabRecord> {
    for (let i = 0; i < k; i++) this.trainer.trainStep();
    const r = await this.trainer.collect(false);
    const s = r.stats;
    return { step: r.step, kind: 'step', lossD: s.lossD, lossG: s.lossG, dReal: s.dReal, dFake: s.dFake, wasserstein: s.wasserstein, stepsPerSec: r.stepsPerSec };
  }

  /** One critic update alone (no step). */
  async stepD(): Promise<LabRecord> {
    const v = this.trainer.criticUpdate();
    const [lossD, dReal, dFake, , wasserstein] = await v.data();
    v.dispose();
    return { step: this.step, kind: 'd', lossD, lossG: NaN, dReal, dFake, wasserstein, stepsPerSec: NaN };
  }

  /** One generator update alone (a step). */
  async stepG(): Promise<LabRecord> {
    const v = this.trainer.generatorUpdate();
    const [lossG] = await v.data();
    v.dispose();
    return { step: this.step, kind: 'g', lossD: NaN, lossG, dReal: NaN, dFake: NaN, wasserstein: NaN, stepsPerSec: NaN };
  }

  /** Everything the 2-D view draws, at the current parameters. */
  async frame(): Promise<LabFrame> {
    const { trainer: t } = this;
    const m = t.models;
    const D = m.D;
    const was = D.training;
    D.eval(); // spectral norm: no power iteration while drawing
    let parts: Tensor[];
    try {
      parts = wg.tidy(() => {
        const fake = t.sample(this.zFixed);
        const manifold = t.sample(this.zGrid);
        const arrows = Math.floor(N_ARROWS / m.pack) * m.pack;
        // −∂L_G/∂x at x = G(z): the direction G's update moves each generated sample (times D's batch: one sample's term)
        const x = wg.slice(fake, [[0, arrows]]).detach().requiresGrad_(true);
        const [gx] = wg.grad(t.loss.g(m.discriminate(x)), [x]);
        const grads = wg.mul(gx, -arrows / m.pack);
        const norms = wg.concat([...layerGradNorms(m.G), ...layerGradNorms(m.D)], 0);
        const res: Tensor[] = [fake, grads, manifold, norms];
        if (m.pack === 1) {
          const s = wg.noGrad(() => m.discriminate(this.xGrid));
          res.push(t.loss.probabilistic ? wg.sigmoid(s) : s);
        }
        return res;
      });
    } finally {
      if (was) D.train();
    }
    // one read-back for all of it
    const sizes = parts.map((x) => x.size);
    const all = wg.tidy(() => wg.concat(parts.map((x) => wg.reshape(x, [-1])), 0));
    for (const x of parts) x.dispose();
    const host = Float32Array.from(await all.data());
    all.dispose();
    let at = 0;
    const [fake, grads, manifold, norms, surface] = sizes.map((n) => host.slice(at, (at += n)));
    const metrics = this.setup.modes ? evaluate2d(fake, t.cfg.data) : null;
    const nG = this.setup.layers.g.length;
    const gradNorms = { g: Array.from(norms.subarray(0, nG)), d: Array.from(norms.subarray(nG)) };
    return { step: this.step, fake, grads, manifold, surface: surface ?? null, metrics, gradNorms };
  }

  dispose(): void {
    this.trainer.dispose();
    for (const x of [this.zFixed, this.zGrid, this.xGrid]) x.dispose();
  }
}
