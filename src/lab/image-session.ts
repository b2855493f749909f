/**
 * One image-view run: a GanTrainer on dcgan or cdcgan (Fashion-MNIST) and what the image view
 * draws — the fixed-noise grid, the class coverage the shipped classifier sees, latent walks — read
 * back as host arrays. Runs in the page's image worker (image-worker.ts) and, for the tests, in
 * Node. Like the 2-D session it draws no numbers from the training stream (its noise has its own
 * seeds), so the same config and seed give the same run however it is stepped and watched.
 */
import * as wg from '../index.ts';
import type { Tensor } from '../index.ts';
import type { TrainConfig } from '../gan/config.ts';
import { ConfigError } from '../gan/config.ts';
import { classify, type FashionClassifier } from '../gan/classifier.ts';
import { classCoverage } from '../gan/metrics.ts';
import { fixedNoise } from '../gan/samples.ts';
import { slerpRows } from '../gan/stylegan/figures.ts';
import { GanTrainer, type CheckpointMeta } from '../gan/trainer.ts';
import type { LoadedCheckpoint } from '../io/checkpoint.ts';
import type { GanModels } from '../gan/models.ts';
import type { LabRecord } from './session.ts';
import { IMAGE_PRESETS } from './image-settings.ts';

/** the grid: the 64 samples of the run's fixed noise (webgan train's samples/step-N.png) */
export const GRID_N = 64;
/** samples the classifier sees per frame, from their own noise (seed + COVER_SEED) */
export const COVER_N = 200;
export const COVER_SEED = 104729;
/** while playing, the worker measures the coverage every COVER_EVERY steps (every frame when stepped by hand) */
export const COVER_EVERY = 10;
/** a latent walk: WALK_ROWS strips of WALK_N images */
export const WALK_N = 8;
export const WALK_ROWS = 4;

/** What the shipped classifier sees in COVER_N samples. */
export interface Coverage {
  /** the step it was measured at */
  step: number;
  n: number;
  /** samples per predicted class (argmax), 10 classes */
  histogram: number[];
  /** classes with ≥ 1 % of the samples */
  covered: number;
  /** cdcgan: the share of samples classified as the class they were asked for (classes in turn), else null */
  accuracy: number | null;
}

export interface ImageFrame {
  step: number;
  /** the grid, [GRID_N, 1, 28, 28] in [−1, 1] */
  grid: Float32Array;
  /** cdcgan: the class the grid shows (null: the classes in turn); dcgan: null */
  label: number | null;
  coverage: Coverage;
}

/** The share per class and the conditional accuracy of classifier probabilities [n, 10] (labels: what each sample was asked for, or null). */
export function coverageOf(probs: Float32Array, n: number, labels: Int32Array | null, step: number): Coverage {
  const { covered, histogram } = classCoverage(probs, n, 10);
  let accuracy: number | null = null;
  if (labels) {
    let hit = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (probs[i * 10 + c] > probs[i * 10 + best]) best = c;
      if (best === labels[i]) hit++;
    }
    accuracy = hit / n;
  }
  return { step, n, histogram, covered, accuracy };
}

const classesInTurn = (n: number, k: number) => Int32Array.from({ length: n }, (_, i) => i % k);

export class ImageSession {
  private constructor(
    readonly trainer: GanTrainer,
    private readonly classifier: FashionClassifier,
    private readonly zGrid: Tensor,
    private readonly zCover: Tensor,
  ) {}

  /** A new run of `config` (dcgan or cdcgan on Fashion-MNIST): GanTrainer.create, as `webgan train` starts it. */
  static async create(config: TrainConfig, classifier: FashionClassifier): Promise<ImageSession> {
    if (!(IMAGE_PRESETS as readonly string[]).includes(config.preset)) throw new ConfigError(`the image view trains ${IMAGE_PRESETS.join(' and ')}, not ${config.preset}`);
    if (config.data !== 'fashion-mnist') throw new ConfigError(`the image view trains on Fashion-MNIST (the page's data), not '${config.data}'`);
    const trainer = await GanTrainer.create(config);
    const { z, y } = fixedNoise(trainer, GRID_N);
    y?.dispose(); // the grid's labels follow the class picker
    const saved = wg.getRngState();
    wg.manualSeed(trainer.cfg.seed + COVER_SEED);
    const zCover = wg.keep(trainer.models.noise(COVER_N));
    wg.setRngState(saved);
    return new ImageSession(trainer, classifier, z, zCover);
  }

  /** The run a dcgan / cdcgan checkpoint holds, continued where it stopped, as `webgan train --resume` does. */
  static async fromCheckpoint(ck: LoadedCheckpoint<CheckpointMeta>, name: string, classifier: FashionClassifier): Promise<ImageSession> {
    if (ck.meta?.kind !== 'webgan-gan') throw new ConfigError(`${name}: not a webgan GAN checkpoint`);
    const saved = wg.getRngState();
    let s: ImageSession | null = null;
    try {
      s = await ImageSession.create(ck.meta.config, classifier);
      s.trainer.restoreCheckpoint(ck, name);
      return s;
    } catch (e) {
      s?.dispose();
      wg.setRngState(saved);
      throw e instanceof ConfigError ? new ConfigError(`${name}: ${e.message}`) : e;
    }
  }

  get step(): number {
    return this.trainer.step;
  }

  get conditional(): boolean {
    return this.trainer.models.conditional;
  }

  /** k training steps; one record of their window means (the 2-D view's record). */
  async train(k: number): Promise<LabRecord> {
    for (let i = 0; i < k; i++) this.trainer.trainStep();
    const r = await this.trainer.collect(false);
    const s = r.stats;
    return { step: r.step, kind: 'step', lossD: s.lossD, lossG: s.lossG, dReal: s.dReal, dFake: s.dFake, wasserstein: s.wasserstein, stepsPerSec: r.stepsPerSec };
  }

  private labels(n: number, label: number | null): Tensor | undefined {
    if (!this.conditional) return undefined;
    const k = this.trainer.models.numClasses;
    if (label !== null && !(Number.isInteger(label) && label >= 0 && label < k)) throw new RangeError(`class must be in [0, ${k}), got ${label}`);
    return wg.tensor(label === null ? classesInTurn(n, k) : new Int32Array(n).fill(label), [n], { dtype: 'int32' });
  }

  private lastCoverage: Coverage | null = null;

  /** the step of the last coverage measurement, or null */
  get lastCoverageStep(): number | null {
    return this.lastCoverage?.step ?? null;
  }

  /**
   * The grid of the fixed noise (one class, or the classes in turn) at the current parameters, and
   * the coverage of COVER_N samples (classes in turn): measured now with `cover` (or on the first
   * frame), else the last measurement (its `step` says when) — G on 200 samples costs more than a
   * small batch's training step, so the worker measures it every few steps while playing.
   */
  async frame(label: number | null = null, cover = true): Promise<ImageFrame> {
    if (!this.conditional) label = null;
    const measure = cover || !this.lastCoverage;
    const both = wg.tidy(() => {
      const grid = this.trainer.sample(this.zGrid, this.labels(GRID_N, label));
      return measure ? wg.concat([grid, this.trainer.sample(this.zCover, this.labels(COVER_N, null))], 0) : grid;
    });
    const host = Float32Array.from(await both.data());
    both.dispose();
    const grid = host.slice(0, GRID_N * 784);
    if (measure) {
      const { probs } = await classify(this.classifier, host.subarray(GRID_N * 784), COVER_N);
      this.lastCoverage = coverageOf(probs, COVER_N, this.conditional ? classesInTurn(COVER_N, this.trainer.models.numClasses) : null, this.step);
    }
    return { step: this.step, grid, label, coverage: this.lastCoverage! };
  }

  /**
   * A latent walk (latentWalk): WALK_ROWS strips of WALK_N images between pairs of z of `seed`;
   * cdcgan: row r in class `label` (null: class r). [WALK_ROWS · WALK_N, 1, 28, 28], row-major.
   */
  async walk(seed: number, label: number | null = null): Promise<Float32Array> {
    return (await latentWalk(this.trainer.models, (z, y) => this.trainer.sample(z, y), seed, { n: WALK_N, rows: WALK_ROWS, label })).data;
  }

  /** The run's checkpoint as .safetensors bytes: what `webgan train` writes (`--resume FILE` continues it). */
  checkpoint(): Promise<Uint8Array> {
    return this.trainer.encodeCheckpoint();
  }

  dispose(): void {
    this.trainer.dispose();
    this.zGrid.dispose();
    this.zCover.dispose();
  }
}

/**
 * A latent walk of a noise → image generator (not stylegan: its walks are `webgan interpolate`'s):
 * `rows` pairs of z drawn from `seed` (all z₀ then all z₁, as `webgan interpolate` draws them) and
 * `n` images along the great circle between each pair (slerp, `--space z`); conditional presets:
 * row r in class `label` (null: class r mod the classes). `sample` is G in eval mode. The global
 * random stream is put back. Returns [rows · n, C, H, W], row-major.
 */
export async function latentWalk(models: GanModels, sample: (z: Tensor, y?: Tensor) => Tensor, seed: number, o: { n: number; rows: number; label?: number | null }): Promise<{ data: Float32Array; shape: number[] }> {
  const { n, rows } = o, label = o.label ?? null;
  if (!(Number.isSafeInteger(seed) && seed >= 0)) throw new RangeError(`seed must be an integer ≥ 0, got ${seed}`);
  if (!(Number.isSafeInteger(n) && n >= 2 && n <= 64 && Number.isSafeInteger(rows) && rows >= 1 && rows <= 64)) throw new RangeError(`n must be 2 to 64 and rows 1 to 64, got ${n} and ${rows}`);
  if (label !== null && (!models.conditional || !(Number.isInteger(label) && label >= 0 && label < models.numClasses))) {
    throw new RangeError(models.conditional ? `class must be in [0, ${models.numClasses}), got ${label}` : `a class needs a conditional model; ${models.preset} is not`);
  }
  const d = models.zDim;
  const saved = wg.getRngState();
  let a: Float32Array, b: Float32Array;
  try {
    wg.manualSeed(seed);
    const [z0, z1] = [wg.randn([rows, d]), wg.randn([rows, d])];
    [a, b] = [Float32Array.from(await z0.data()), Float32Array.from(await z1.data())];
    z0.dispose(); z1.dispose();
  } finally {
    wg.setRngState(saved);
  }
  const z = new Float32Array(rows * n * d);
  for (let i = 0; i < n; i++) {
    const zi = slerpRows(a, b, rows, d, i / (n - 1));
    for (let r = 0; r < rows; r++) z.set(zi.subarray(r * d, (r + 1) * d), (r * n + i) * d);
  }
  const labels = models.conditional ? Int32Array.from({ length: rows * n }, (_, j) => label ?? Math.floor(j / n) % models.numClasses) : null;
  // the conv generators take z as [N, d, 1, 1], the MLPs as [N, d]
  const zShape = CONV_Z.includes(models.preset) ? [rows * n, d, 1, 1] : [rows * n, d];
  const x = wg.tidy(() => sample(wg.tensor(z, zShape), labels ? wg.tensor(labels, [labels.length], { dtype: 'int32' }) : undefined));
  const data = Float32Array.from(await x.data());
  const shape = x.shape.slice();
  x.dispose();
  return { data, shape };
}

const CONV_Z: string[] = ['dcgan', 'dcgan64', 'cdcgan'];
