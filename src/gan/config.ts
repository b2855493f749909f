import { LOSS_NAMES, type LossName } from './losses.ts';
import { PRESETS, type PresetName } from './models.ts';
import { drawnPointsError } from '../data/mixtures.ts';

/** Everything that defines a training run; stored in every checkpoint. */
export interface TrainConfig {
  preset: PresetName;
  loss: LossName;
  /** ring | grid | spiral | moons | fashion-mnist | a directory of IDX files or PNGs */
  data: string;
  steps: number;
  batch: number;
  /** learning rate of G and D (at step 0, see lrDecay) */
  lr: number;
  /** learning-rate schedule over the run's `steps` generator steps: constant, cosine to 0 or linear to 0 */
  lrDecay: LrDecay;
  betas: [number, number];
  optimizer: 'adam' | 'rmsprop';
  /** critic updates per generator update */
  nCritic: number;
  /** gradient-penalty weight λ (wgan-gp) */
  gpLambda: number;
  /** weight clipping c (wgan); 0 = off */
  clip: number;
  /** R1 weight γ (0 = off) */
  r1Gamma: number;
  /** R1 only on generator steps 1…r1Until, none after (0 = every step) */
  r1Until: number;
  /**
   * lazy R1 (StyleGAN2): the penalty, weighted by the interval, as a separate D update every
   * r1Every steps (1 = in every D update's loss)
   */
  r1Every: number;
  spectralNorm: boolean;
  pack: number;
  /** EMA decay of a copy of G (0 = off) */
  ema: number;
  seed: number;
  logEvery: number;
  sampleEvery: number;
  ckptEvery: number;
  /** how many step checkpoints to keep */
  keepCheckpoints: number;
  /** images in the training set to use (0 = all) */
  limit: number;
  // ---- the mlp2d preset's network size (absent: 3 hidden layers of 256 units in G and in D)
  /** hidden layers of G and their width */
  gDepth?: number;
  gWidth?: number;
  /** hidden layers of D and their width */
  dDepth?: number;
  dWidth?: number;
  /** data 'drawn' (the lab's draw mode): the drawn points, flat x, y, … in [−2, 2]² (src/data/mixtures.ts) */
  points?: number[];
  // ---- the stylegan preset's options (absent for the other presets; see styleganRecipe)
  /** image side, a power of two ≥ 8 (fashion-mnist: 32, padded from 28) */
  resolution?: number;
  /** image channels (1 for fashion-mnist; 1 or 3 for a folder of PNGs) */
  channels?: number;
  /** latent z (= w) dimension */
  zDim?: number;
  /** fully connected layers of the mapping network */
  mappingLayers?: number;
  /** channels at resolution r: min(channelBase / r, channelMax) */
  channelBase?: number;
  channelMax?: number;
  /** probability of style-mixing regularisation (two w's, a random crossover layer) */
  styleMixing?: number;
  /** path-length regularisation weight (0 = off) and its lazy interval */
  plWeight?: number;
  plEvery?: number;
  /** EMA of G: half-life in images, and its ramp-up (the half-life is at most this fraction of the images seen; 0 = none) */
  emaHalfLife?: number;
  emaRampup?: number;
  // ---- the translation presets' options (cyclegan, pix2pix; see translationRecipe). They share
  // `resolution` (the image side) and `channels` (of a folder's images) with stylegan.
  /** filters of the generator's and the discriminator's first layers */
  ngf?: number;
  ndf?: number;
  /** cyclegan: residual blocks of the ResNet generator */
  blocks?: number;
  /** PatchGAN stride-2 layers (3: the 70×70 PatchGAN) */
  dLayers?: number;
  norm?: 'instance' | 'batch';
  /** dropout 0.5 in the generator (pix2pix's U-Net decoder; CycleGAN's residual blocks) */
  dropout?: boolean;
  /** cyclegan: λ of the cycle-consistency L1, the identity weight (× λ), generated images kept per discriminator */
  lambdaCycle?: number;
  lambdaIdentity?: number;
  poolSize?: number;
  /** pix2pix: λ of the L1 to the target */
  lambdaL1?: number;
}

/** The fields of TrainConfig only some presets take: stylegan's, the translation presets', and the two they share. */
export const SHARED_IMAGE_FIELDS = ['resolution', 'channels'] as const;
export const MLP2D_FIELDS = ['gDepth', 'gWidth', 'dDepth', 'dWidth'] as const;
export const STYLEGAN_FIELDS = ['zDim', 'mappingLayers', 'channelBase', 'channelMax', 'styleMixing', 'plWeight', 'plEvery', 'emaHalfLife', 'emaRampup'] as const;
export const TRANSLATION_FIELDS = ['ngf', 'ndf', 'blocks', 'dLayers', 'norm', 'dropout', 'lambdaCycle', 'lambdaIdentity', 'poolSize', 'lambdaL1'] as const;
/** fields of one translation preset only */
const CYCLEGAN_ONLY = ['blocks', 'lambdaCycle', 'lambdaIdentity', 'poolSize'] as const;
const PIX2PIX_ONLY = ['lambdaL1'] as const;

export type LrDecay = 'none' | 'cosine' | 'linear' | 'half-linear';
export const LR_DECAYS: LrDecay[] = ['none', 'cosine', 'linear', 'half-linear'];

/**
 * lr multiplier before generator step `step` (0-based) of `steps`: 1 → 0 for cosine and linear;
 * half-linear holds 1 for the first half and falls linearly to 0 over the second (CycleGAN's and
 * pix2pix's 100 + 100 epochs).
 */
export function lrFactor(decay: LrDecay, step: number, steps: number): number {
  const t = Math.min(step / steps, 1);
  if (decay === 'cosine') return (1 + Math.cos(Math.PI * t)) / 2;
  if (decay === 'linear') return 1 - t;
  if (decay === 'half-linear') return Math.min(1, 2 * (1 - t));
  return 1;
}

const TWO_D = ['ring', 'grid', 'spiral', 'moons', 'drawn'];
export const isTwoD = (data: string) => TWO_D.includes(data);

/** Defaults per objective, from the papers (WGAN: Arjovsky et al. 2017; WGAN-GP: Gulrajani et al. 2017; DCGAN: Radford et al. 2016). */
export function lossDefaults(loss: LossName): Partial<TrainConfig> {
  switch (loss) {
    case 'wgan': return { optimizer: 'rmsprop', lr: 5e-5, nCritic: 5, clip: 0.01 };
    case 'wgan-gp': return { optimizer: 'adam', lr: 1e-4, betas: [0, 0.9], nCritic: 5, gpLambda: 10 };
    default: return { optimizer: 'adam', lr: 2e-4, betas: [0.5, 0.999], nCritic: 1 };
  }
}

/**
 * The 2-D recipes (`mlp2d`; measured in docs/results.md), each under 10 minutes on 2 CPU cores:
 * large batches, Adam at 1e-3 annealed to 0 by a cosine. The probabilistic and margin losses use
 * batch 500 (20 samples per grid mode) and R1 (γ 0.1) on the first half of the run (`r1Until`
 * defaults to steps / 2); WGAN-GP uses λ 0.1 (the scale of Gulrajani et al.'s toy experiments) and
 * 2 critic steps: in the time of 3,000 steps with 5 (18,000 network updates) it makes twice the
 * generator updates. WGAN keeps the paper's optimizer and clipping.
 */
export function twoDRecipe(loss: LossName): Partial<TrainConfig> {
  const log = { logEvery: 100, sampleEvery: 1000, ckptEvery: 1000 };
  switch (loss) {
    case 'wgan': return { ...log, steps: 3000, batch: 256 };
    case 'wgan-gp': return { ...log, steps: 6000, batch: 256, lr: 1e-3, lrDecay: 'cosine', nCritic: 2, gpLambda: 0.1 };
    default: return { ...log, steps: 7500, batch: 500, lr: 1e-3, lrDecay: 'cosine', r1Gamma: 0.1 };
  }
}

/**
 * The stylegan preset (StyleGAN2 config F, Karras et al. 2020, scaled to a CPU): Adam 0.002 with
 * β (0, 0.99), batch 32, lazy R1 every 16 steps, path-length regularisation (weight 2, every 4
 * steps), style mixing 0.9, EMA half-life 10k images with ramp-up 0.05; channels min(1024 / r, 128)
 * (128 at 4 and 8, 64 at 16, 32 at 32), a 4-layer mapping, z = w = 128. R1's γ, when not given,
 * is stylegan2-ada-pytorch's heuristic 0.0002 · resolution² / batch (0.0064 at 32×32, batch 32).
 */
export function styleganRecipe(): Partial<TrainConfig> {
  return {
    batch: 32, lr: 0.002, betas: [0, 0.99], r1Every: 16, resolution: 32, zDim: 128, mappingLayers: 4, channelBase: 1024, channelMax: 128,
    styleMixing: 0.9, plWeight: 2, plEvery: 4, emaHalfLife: 10000, emaRampup: 0.05,
  };
}

/**
 * The translation presets (Zhu et al. 2017, Isola et al. 2017), as the authors' code trains them
 * but sized for a CPU: Adam 2e-4 β (0.5, 0.999), the learning rate held for half the run then
 * decayed linearly to 0. CycleGAN: LSGAN, ResNet generator with instance norm (3 residual
 * blocks at the 8×8 bottleneck of a 32 px image), λ_cycle 10, identity 0.5, a pool of 50 generated
 * images. pix2pix: the standard GAN loss, U-Net with batch norm and decoder dropout, λ_L1 100.
 * Both: 32 filters in the first layers (the papers: 64), batch 4 (the papers: 1), 3,000 steps —
 * about an hour for CycleGAN on one CPU thread here, minutes for pix2pix. Images 32×32
 * (Fashion-MNIST padded 28 → 32) or 64×64 for folders; PatchGAN with 2 stride-2 layers at ≤ 32 px
 * (34×34 patches), 3 above (70×70).
 */
export function translationRecipe(preset: 'cyclegan' | 'pix2pix', fashion: boolean, resolution?: number): Partial<TrainConfig> {
  const side = resolution ?? (fashion ? 32 : 64);
  const common: Partial<TrainConfig> = {
    lr: 2e-4, betas: [0.5, 0.999], lrDecay: 'half-linear', resolution: side, dLayers: side <= 32 ? 2 : 3, ngf: 32, ndf: 32,
    steps: 3000, batch: 4, logEvery: 50, sampleEvery: 500, ckptEvery: 1000,
  };
  return preset === 'cyclegan'
    ? { ...common, loss: 'lsgan', norm: 'instance', dropout: false, blocks: 3, lambdaCycle: 10, lambdaIdentity: 0.5, poolSize: 50 }
    : { ...common, loss: 'nsgan', norm: 'batch', dropout: true, lambdaL1: 100 };
}

export const BASE_DEFAULTS: TrainConfig = {
  preset: 'dcgan', loss: 'nsgan', data: 'fashion-mnist', steps: 1000, batch: 64, lr: 2e-4, lrDecay: 'none', betas: [0.5, 0.999],
  optimizer: 'adam', nCritic: 1, gpLambda: 0, clip: 0, r1Gamma: 0, r1Until: 0, r1Every: 1, spectralNorm: false, pack: 1, ema: 0, seed: 0,
  logEvery: 50, sampleEvery: 250, ckptEvery: 500, keepCheckpoints: 3, limit: 0,
};

/** The flag that sets a config field (`r1Until` → `--r1-until`, `r1Gamma` → `--r1`). */
export function flagName(key: keyof TrainConfig): string {
  if (key === 'r1Gamma') return '--r1';
  if (key === 'spectralNorm') return '--spectral-norm';
  if (key === 'styleMixing') return '--style-mixing';
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

function fail(msg: string): never {
  throw new ConfigError(msg);
}

export class ConfigError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'ConfigError';
  }
}

/** Fill defaults (base → per-preset data → per-loss → user) and validate every field. */
export function resolveConfig(user: Partial<TrainConfig>): TrainConfig {
  const preset = (user.preset ?? BASE_DEFAULTS.preset) as PresetName;
  if (!PRESETS.includes(preset)) fail(`unknown preset '${preset}' (choose one of ${PRESETS.join(', ')})`);
  const stylegan = preset === 'stylegan';
  const translation = preset === 'cyclegan' || preset === 'pix2pix';
  const data = user.data ?? (preset === 'mlp2d' ? 'grid' : translation ? 'edges2fashion' : 'fashion-mnist');
  const recipe = translation ? translationRecipe(preset, data === 'edges2fashion' || data.startsWith('fashion-mnist'), user.resolution) : {};
  const loss = (user.loss ?? recipe.loss ?? BASE_DEFAULTS.loss) as LossName;
  if (!LOSS_NAMES.includes(loss)) fail(`unknown loss '${loss}' (choose one of ${LOSS_NAMES.join(', ')})`);
  if (translation && loss !== 'lsgan' && loss !== 'nsgan') fail(`--loss ${loss}: ${preset} trains with lsgan (CycleGAN's) or nsgan (pix2pix's)`);
  const defined = Object.fromEntries(Object.entries(user).filter(([, v]) => v !== undefined));
  const only = (fields: readonly (keyof TrainConfig)[], who: string) => {
    const given = fields.filter((k) => defined[k] !== undefined);
    if (given.length) fail(`${given.map((k) => flagName(k)).join(', ')} ${given.length > 1 ? 'apply' : 'applies'} to ${who} only`);
  };
  if (!stylegan && !translation) only(SHARED_IMAGE_FIELDS, '--preset stylegan, cyclegan and pix2pix');
  if (preset !== 'mlp2d') only(MLP2D_FIELDS, '--preset mlp2d');
  if (!stylegan) only(STYLEGAN_FIELDS, '--preset stylegan');
  if (!translation) only(TRANSLATION_FIELDS, '--preset cyclegan and pix2pix');
  if (preset === 'pix2pix') only(CYCLEGAN_ONLY, '--preset cyclegan');
  if (preset === 'cyclegan') only(PIX2PIX_ONLY, '--preset pix2pix');
  const cfg: TrainConfig = {
    ...BASE_DEFAULTS, ...lossDefaults(loss), ...(preset === 'mlp2d' ? twoDRecipe(loss) : {}), ...(stylegan ? styleganRecipe() : {}), ...recipe, ...defined, preset, loss, data,
  };
  if (stylegan) {
    cfg.channels ??= data === 'fashion-mnist' ? 1 : 3;
    if (defined.r1Gamma === undefined) cfg.r1Gamma = Number((0.0002 * cfg.resolution! ** 2 / cfg.batch).toPrecision(6));
  }
  // the recipe's R1 window: the first half of the run, unless R1 or its window was set by hand
  if (preset === 'mlp2d' && defined.r1Until === undefined && defined.r1Gamma === undefined && cfg.r1Gamma > 0) cfg.r1Until = Math.max(1, Math.round(cfg.steps / 2));
  const posInt = (k: keyof TrainConfig, min = 1) => {
    const v = cfg[k] as number;
    if (!Number.isSafeInteger(v) || v < min) fail(`${flagName(k)} must be an integer ≥ ${min}, got ${v}`);
  };
  for (const k of ['steps', 'batch', 'nCritic', 'logEvery', 'sampleEvery', 'ckptEvery', 'pack', 'keepCheckpoints', 'r1Every'] as const) posInt(k);
  for (const k of MLP2D_FIELDS) if (cfg[k] !== undefined) posInt(k);
  if (stylegan) {
    for (const k of ['zDim', 'mappingLayers', 'channelBase', 'channelMax', 'plEvery'] as const) posInt(k);
    const r = cfg.resolution!;
    if (!Number.isSafeInteger(r) || r < 8 || (r & (r - 1)) !== 0) fail(`--resolution must be a power of two ≥ 8, got ${r}`);
    if (cfg.channels !== 1 && cfg.channels !== 3) fail(`--channels must be 1 or 3, got ${cfg.channels}`);
    if (data === 'fashion-mnist' && (r !== 32 || cfg.channels !== 1)) fail(`fashion-mnist trains stylegan at --resolution 32 (28×28 padded) with 1 channel, got ${r} and ${cfg.channels}`);
    if (!(cfg.styleMixing! >= 0 && cfg.styleMixing! <= 1)) fail(`--style-mixing must be a probability in [0, 1], got ${cfg.styleMixing}`);
    for (const k of ['plWeight', 'emaHalfLife', 'emaRampup'] as const) if (!(cfg[k]! >= 0 && Number.isFinite(cfg[k]))) fail(`${flagName(k)} must be a non-negative number, got ${cfg[k]}`);
  }
  if (translation) {
    for (const k of ['ngf', 'ndf', 'dLayers'] as const) posInt(k);
    for (const k of ['blocks', 'poolSize'] as const) if (cfg[k] !== undefined) posInt(k, 0);
    const r = cfg.resolution!;
    if (!Number.isSafeInteger(r) || r < 16 || r % 4) fail(`--resolution must be an integer ≥ 16 and a multiple of 4, got ${r}`);
    if (preset === 'pix2pix' && (r & (r - 1)) !== 0) fail(`pix2pix's U-Net needs a power-of-two --resolution, got ${r}`);
    if (cfg.channels !== undefined && cfg.channels !== 1 && cfg.channels !== 3) fail(`--channels must be 1 or 3, got ${cfg.channels}`);
    if (cfg.norm !== 'instance' && cfg.norm !== 'batch') fail(`--norm must be instance or batch, got ${cfg.norm}`);
    for (const k of ['lambdaCycle', 'lambdaIdentity', 'lambdaL1'] as const) if (cfg[k] !== undefined && !(cfg[k]! >= 0 && Number.isFinite(cfg[k]))) fail(`${flagName(k)} must be a non-negative number, got ${cfg[k]}`);
    if (preset === 'pix2pix' && data !== 'edges2fashion') fail(`pix2pix trains on paired data: --data edges2fashion (for unpaired domains use --preset cyclegan), got '${data}'`);
  }
  for (const k of ['seed', 'limit', 'r1Until'] as const) posInt(k, 0);
  if (!(cfg.lr > 0 && Number.isFinite(cfg.lr))) fail(`--lr must be a positive number, got ${cfg.lr}`);
  if (!LR_DECAYS.includes(cfg.lrDecay)) fail(`--lr-decay must be one of ${LR_DECAYS.join(', ')}, got ${cfg.lrDecay}`);
  for (const k of ['gpLambda', 'clip', 'r1Gamma'] as const) if (!(cfg[k] >= 0 && Number.isFinite(cfg[k]))) fail(`${flagName(k)} must be a non-negative number, got ${cfg[k]}`);
  if (cfg.r1Until > 0 && cfg.r1Gamma === 0) fail(`--r1-until ${cfg.r1Until} limits the R1 penalty, which is off: pass --r1 γ > 0 too`);
  if (!(cfg.ema >= 0 && cfg.ema < 1)) fail(`--ema must be in [0, 1), got ${cfg.ema}`);
  if (!Array.isArray(cfg.betas) || cfg.betas.length !== 2 || cfg.betas.some((b) => !(b >= 0 && b < 1))) fail(`--betas must be two numbers in [0, 1), got ${cfg.betas}`);
  if (cfg.optimizer !== 'adam' && cfg.optimizer !== 'rmsprop') fail(`--optimizer must be adam or rmsprop, got ${cfg.optimizer}`);
  if (cfg.batch % cfg.pack !== 0) fail(`--batch ${cfg.batch} must be divisible by --pack ${cfg.pack}`);
  const twoD = isTwoD(data);
  if (preset === 'mlp2d' && !twoD) fail(`preset mlp2d trains on 2-D data (ring, grid, spiral, moons), not '${data}'`);
  if (data === 'drawn') {
    const err = drawnPointsError(cfg.points);
    if (err) fail(`--data drawn: ${err}`);
  } else if (cfg.points !== undefined) fail(`points are the drawn data's (--data drawn), not '${data}'`);
  if (preset !== 'mlp2d' && twoD) fail(`preset ${preset} trains on images; use --preset mlp2d for the 2-D dataset '${data}'`);
  return cfg;
}

/** Fields a resumed run may change (the schedule spans the new `steps`); every other one is the run's own. */
export const RESUMABLE_CHANGES = ['steps', 'lr', 'logEvery', 'sampleEvery', 'ckptEvery', 'keepCheckpoints'] as const;

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The config of a resumed run: the checkpoint's own, with the user's changes to the fields that may
 * change (returned as `changed`: key → [old, new]). A given field that contradicts the checkpoint
 * (another preset, loss, batch, …) is a ConfigError naming the flag and both values.
 */
export function resumeConfig(saved: TrainConfig, user: Partial<TrainConfig>, where: string): { cfg: TrainConfig; changed: Record<string, [unknown, unknown]> } {
  // checkpoints written before a field existed ran with its neutral value (BASE_DEFAULTS: no decay, R1 every step), not today's recipe
  const own: TrainConfig = { ...BASE_DEFAULTS, ...saved };
  const changed: Record<string, [unknown, unknown]> = {};
  const cfg = { ...own };
  for (const [k, v] of Object.entries(user) as [keyof TrainConfig, unknown][]) {
    if (v === undefined || sameValue(v, own[k])) continue;
    if (!(RESUMABLE_CHANGES as readonly string[]).includes(k)) {
      fail(`${flagName(k)} ${Array.isArray(v) ? v.join(',') : v} contradicts the run being resumed (${where} has ${k} = ${JSON.stringify(own[k])}); drop the flag, or start a new run with --out`);
    }
    changed[k] = [own[k], v];
    (cfg as Record<string, unknown>)[k] = v;
  }
  return { cfg: resolveConfig(cfg), changed };
}
