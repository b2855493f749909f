/**
 * The lab's settings live in the page's URL (`?data=grid&loss=nsgan&seed=7&…`), so a run can be
 * shared as a link: parsed and validated here (every bad value a message, never a throw), turned
 * into the mlp2d preset's TrainConfig and checked once more by resolveConfig.
 */
import { ConfigError, resolveConfig, type TrainConfig } from '../gan/config.ts';
import { LOSS_NAMES, type LossName } from '../gan/losses.ts';
import { MIXTURES, type MixtureName } from '../data/mixtures.ts';
import { decodePoints, encodePoints } from './drawdata.ts';

export type LabBackend = 'auto' | 'webgpu' | 'cpu';

export interface LabSettings {
  /** a mixture, or 'drawn': the `points` drawn in the page */
  data: MixtureName | 'drawn';
  /** data=drawn: the drawn points, flat x, y, … (the URL's compact text decoded; drawdata.ts) */
  points?: number[];
  loss: LossName;
  seed: number;
  /** the remaining training fields: absent = the mlp2d recipe of the loss (docs/cli.md#defaults) */
  lr?: number;
  batch: number;
  gdepth: number;
  gwidth: number;
  ddepth: number;
  dwidth: number;
  ncritic?: number;
  steps?: number;
  lrdecay?: TrainConfig['lrDecay'];
  r1?: number;
  gp?: number;
  pack?: number;
  sn: boolean;
  /** auto: WebGPU when the browser has an adapter, else the CPU backend */
  backend: LabBackend;
  /** training steps per drawn frame */
  speed: number;
  autoplay: boolean;
  /** the view the page opens on */
  view: LabView;
}

/** The page's views (tabs); `view=` in the URL picks the one it opens on. */
export const LAB_VIEWS = ['2d', 'model', 'image', 'kernels'] as const;
export type LabView = (typeof LAB_VIEWS)[number];

/**
 * GAN Lab-sized networks (2 × 32) and batch (64) on the ring: what the CPU fallback trains at
 * ≥ 60 steps/s while drawing ≥ 20 frames/s (docs/lab.md#speed), all 8 modes within 2,000–3,000
 * steps. The 25-mode grid wants larger networks (3 × 64 at batch 256: docs/lab.md#url-parameters).
 */
export const LAB_DEFAULTS: LabSettings = {
  data: 'ring', loss: 'nsgan', seed: 0, batch: 64, gdepth: 2, gwidth: 32, ddepth: 2, dwidth: 32, sn: false, backend: 'auto', speed: 3, autoplay: false, view: '2d',
};

/** Each URL parameter: how to read it and the TrainConfig flag it becomes (for resolveConfig's messages). */
export type Reader = (v: string) => unknown;
export const int = (min: number, max: number): Reader => (v) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max) throw new Error(`must be an integer from ${min} to ${max}, got '${v}'`);
  return n;
};
export const positive: Reader = (v) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new Error(`must be a positive number, got '${v}'`);
  return n;
};
export const nonNegative: Reader = (v) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`must be a non-negative number, got '${v}'`);
  return n;
};
export const oneOf = (choices: readonly string[]): Reader => (v) => {
  if (!choices.includes(v)) throw new Error(`must be one of ${choices.join(', ')}, got '${v}'`);
  return v;
};
export const flag: Reader = (v) => {
  if (v === '1' || v === 'true' || v === '') return true;
  if (v === '0' || v === 'false') return false;
  throw new Error(`must be 1 or 0, got '${v}'`);
};

export const PARAMS: Record<keyof LabSettings, { read: Reader; flag?: string; help: string }> = {
  data: { read: oneOf([...MIXTURES, 'drawn']), flag: '--data', help: 'ring | grid | spiral | moons | drawn (the points drawn in the page)' },
  points: { read: decodePoints, help: 'data=drawn: the drawn points, 4 base64url characters each (the draw mode writes them)' },
  loss: { read: oneOf(LOSS_NAMES), help: LOSS_NAMES.join(' | ') },
  seed: { read: int(0, 2 ** 31 - 1), flag: '--seed', help: 'random seed: the same settings and seed replay the same run' },
  lr: { read: positive, flag: '--lr', help: 'learning rate of G and D' },
  batch: { read: int(1, 4096), flag: '--batch', help: 'batch size' },
  gdepth: { read: int(1, 8), flag: '--g-depth', help: 'hidden layers of G' },
  gwidth: { read: int(1, 512), flag: '--g-width', help: 'units per hidden layer of G' },
  ddepth: { read: int(1, 8), flag: '--d-depth', help: 'hidden layers of D' },
  dwidth: { read: int(1, 512), flag: '--d-width', help: 'units per hidden layer of D' },
  ncritic: { read: int(1, 20), flag: '--n-critic', help: 'critic updates per generator update' },
  steps: { read: int(1, 10_000_000), flag: '--steps', help: 'steps the learning-rate schedule spans' },
  lrdecay: { read: oneOf(['none', 'cosine', 'linear', 'half-linear']), flag: '--lr-decay', help: 'none | cosine | linear | half-linear' },
  r1: { read: nonNegative, flag: '--r1', help: 'R1 penalty weight γ' },
  gp: { read: nonNegative, flag: '--gp-lambda', help: 'gradient-penalty weight λ (wgan-gp)' },
  pack: { read: int(1, 16), flag: '--pack', help: 'PacGAN packing degree' },
  sn: { read: flag, flag: '--spectral-norm', help: 'spectral normalisation in D (1 or 0)' },
  backend: { read: oneOf(['auto', 'webgpu', 'cpu']), help: 'auto | webgpu | cpu' },
  speed: { read: int(1, 1000), help: 'training steps per frame' },
  autoplay: { read: flag, help: 'start training when the page opens (1 or 0)' },
  view: { read: oneOf(LAB_VIEWS), help: `the view the page opens on: ${LAB_VIEWS.join(' | ')}` },
};

export interface ParsedSettings {
  settings: LabSettings;
  /** one message per bad or unknown parameter, or per contradiction resolveConfig finds */
  errors: string[];
  /** the full config of the run (null when there are errors) */
  config: TrainConfig | null;
}

/** The mlp2d training config the settings describe (before resolveConfig's defaults). */
export function trainConfigOf(s: LabSettings): Partial<TrainConfig> {
  return {
    preset: 'mlp2d', data: s.data, points: s.points, loss: s.loss, seed: s.seed, lr: s.lr, batch: s.batch, gDepth: s.gdepth, gWidth: s.gwidth, dDepth: s.ddepth, dWidth: s.dwidth,
    nCritic: s.ncritic, steps: s.steps, lrDecay: s.lrdecay, r1Gamma: s.r1, gpLambda: s.gp, pack: s.pack, spectralNorm: s.sn || undefined,
  };
}

/**
 * Read `location.search` (or any query string): defaults for what is absent, a message for what is
 * wrong. `others`: the parameters another view reads itself (the image view's, image-settings.ts).
 */
export function parseSettings(search: string, others: readonly string[] = []): ParsedSettings {
  const q = new URLSearchParams(search);
  const settings: LabSettings = { ...LAB_DEFAULTS };
  const errors: string[] = [];
  for (const [k, v] of q) {
    if (others.includes(k)) continue;
    if (!(k in PARAMS)) {
      errors.push(`unknown URL parameter '${k}' (known: ${[...Object.keys(PARAMS), ...others].join(', ')})`);
      continue;
    }
    try {
      (settings as unknown as Record<string, unknown>)[k] = PARAMS[k as keyof LabSettings].read(v);
    } catch (e) {
      errors.push(`${k}: ${(e as Error).message}`);
    }
  }
  let config: TrainConfig | null = null;
  if (!errors.length) {
    try {
      config = resolveConfig(trainConfigOf(settings));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      // resolveConfig speaks in command-line flags; the lab's user wrote URL parameters
      let msg = e.message;
      const flags = Object.entries(PARAMS).filter(([, p]) => p.flag).sort(([, a], [, b]) => b.flag!.length - a.flag!.length); // --lr-decay before --lr
      for (const [k, p] of flags) msg = msg.replaceAll(p.flag!, k);
      errors.push(msg);
    }
  }
  return { settings, errors, config };
}

/** A setting as the URL writes it. */
export function paramText(k: keyof LabSettings, v: LabSettings[keyof LabSettings]): string {
  return v === undefined ? '' : k === 'points' ? encodePoints(v as number[]) : typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}

/** The query string of settings, only the fields that differ from the defaults (for shareable links). */
export function settingsQuery(s: LabSettings): string {
  const q = new URLSearchParams();
  for (const k of Object.keys(PARAMS) as (keyof LabSettings)[]) {
    const v = s[k];
    if (v === undefined || v === LAB_DEFAULTS[k]) continue;
    q.set(k, paramText(k, v));
  }
  return q.toString();
}
