import { LOSS_NAMES, type LossName } from './losses.ts';
import { PRESETS, type PresetName } from './models.ts';

/** Everything that defines a training run; stored in every checkpoint. */
export interface TrainConfig {
  preset: PresetName;
  loss: LossName;
  /** ring | grid | spiral | moons | fashion-mnist | a directory of IDX files or PNGs */
  data: string;
  steps: number;
  batch: number;
  /** learning rate of G and D */
  lr: number;
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
}

const TWO_D = ['ring', 'grid', 'spiral', 'moons'];
export const isTwoD = (data: string) => TWO_D.includes(data);

/** Defaults per objective, from the papers (WGAN: Arjovsky et al. 2017; WGAN-GP: Gulrajani et al. 2017; DCGAN: Radford et al. 2016). */
export function lossDefaults(loss: LossName, preset: PresetName): Partial<TrainConfig> {
  switch (loss) {
    case 'wgan': return { optimizer: 'rmsprop', lr: 5e-5, nCritic: 5, clip: 0.01 };
    case 'wgan-gp': return { optimizer: 'adam', lr: 1e-4, betas: [0, 0.9], nCritic: 5, gpLambda: preset === 'mlp2d' ? 0.1 : 10 };
    default: return { optimizer: 'adam', lr: preset === 'mlp2d' ? 1e-4 : 2e-4, betas: [0.5, 0.999], nCritic: 1 };
  }
}

export const BASE_DEFAULTS: TrainConfig = {
  preset: 'dcgan', loss: 'nsgan', data: 'fashion-mnist', steps: 1000, batch: 64, lr: 2e-4, betas: [0.5, 0.999],
  optimizer: 'adam', nCritic: 1, gpLambda: 0, clip: 0, r1Gamma: 0, r1Until: 0, spectralNorm: false, pack: 1, ema: 0, seed: 0,
  logEvery: 50, sampleEvery: 250, ckptEvery: 500, keepCheckpoints: 3, limit: 0,
};

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
  const loss = (user.loss ?? BASE_DEFAULTS.loss) as LossName;
  if (!LOSS_NAMES.includes(loss)) fail(`unknown loss '${loss}' (choose one of ${LOSS_NAMES.join(', ')})`);
  const data = user.data ?? (preset === 'mlp2d' ? 'grid' : 'fashion-mnist');
  const defined = Object.fromEntries(Object.entries(user).filter(([, v]) => v !== undefined));
  const cfg: TrainConfig = { ...BASE_DEFAULTS, ...(preset === 'mlp2d' ? { batch: 256, logEvery: 100, sampleEvery: 1000, ckptEvery: 1000, steps: 5000 } : {}), ...lossDefaults(loss, preset), ...defined, preset, loss, data };
  const posInt = (k: keyof TrainConfig, min = 1) => {
    const v = cfg[k] as number;
    if (!Number.isSafeInteger(v) || v < min) fail(`--${k} must be an integer ≥ ${min}, got ${v}`);
  };
  for (const k of ['steps', 'batch', 'nCritic', 'logEvery', 'sampleEvery', 'ckptEvery', 'pack', 'keepCheckpoints'] as const) posInt(k);
  for (const k of ['seed', 'limit', 'r1Until'] as const) posInt(k, 0);
  if (!(cfg.lr > 0 && Number.isFinite(cfg.lr))) fail(`--lr must be a positive number, got ${cfg.lr}`);
  for (const k of ['gpLambda', 'clip', 'r1Gamma'] as const) if (!(cfg[k] >= 0 && Number.isFinite(cfg[k]))) fail(`--${k} must be a non-negative number, got ${cfg[k]}`);
  if (cfg.r1Until > 0 && cfg.r1Gamma === 0) fail(`--r1-until ${cfg.r1Until} limits the R1 penalty, which is off: pass --r1 γ > 0 too`);
  if (!(cfg.ema >= 0 && cfg.ema < 1)) fail(`--ema must be in [0, 1), got ${cfg.ema}`);
  if (!Array.isArray(cfg.betas) || cfg.betas.length !== 2 || cfg.betas.some((b) => !(b >= 0 && b < 1))) fail(`betas must be two numbers in [0, 1), got ${cfg.betas}`);
  if (cfg.optimizer !== 'adam' && cfg.optimizer !== 'rmsprop') fail(`optimizer must be adam or rmsprop, got ${cfg.optimizer}`);
  if (cfg.batch % cfg.pack !== 0) fail(`--batch ${cfg.batch} must be divisible by --pack ${cfg.pack}`);
  const twoD = isTwoD(data);
  if (preset === 'mlp2d' && !twoD) fail(`preset mlp2d trains on 2-D data (ring, grid, spiral, moons), not '${data}'`);
  if (preset !== 'mlp2d' && twoD) fail(`preset ${preset} trains on images; use --preset mlp2d for the 2-D dataset '${data}'`);
  return cfg;
}
