/**
 * The 2-D view's failure presets and cures (docs/lab.md#failures-and-cures). A failure is a whole
 * set of URL settings that provokes the phenomenon on the lab's networks (found by trying seeds,
 * checked on others by tests/lab/presets.test.ts); a cure changes only what it names in the
 * current settings, so "Mode collapse" then "R1" is the same run with R1 added. Applying either
 * is navigating to its query: the result is a link.
 */
import { LAB_DEFAULTS, settingsQuery, type LabSettings } from './settings.ts';

export type PresetName = 'collapse' | 'vanishing' | 'oscillation' | 'wgan-gp' | 'r1' | 'packing';

export interface LabPreset {
  name: PresetName;
  label: string;
  kind: 'failure' | 'cure';
  /** what to look for (the button's tooltip and the page's note) */
  note: string;
  /** the settings it navigates to, from the current ones */
  apply(s: LabSettings): LabSettings;
  /** a cure: the settings it changes (the rest of the run stays as it is) */
  change?: (s: LabSettings) => Partial<LabSettings>;
}

/** A failure: these settings from the defaults (a constant learning rate, no R1), keeping only the backend; it plays at once. */
const failure = (name: PresetName, label: string, fields: Partial<LabSettings>, note: string): LabPreset => ({
  name, label, kind: 'failure', note,
  apply: (s) => ({ ...LAB_DEFAULTS, lrdecay: 'none', r1: 0, speed: 10, ...fields, backend: s.backend, view: '2d', autoplay: true }),
});

/** A cure: the current settings with its change; it plays at once. */
const cure = (name: PresetName, label: string, change: (s: LabSettings) => Partial<LabSettings>, note: string): LabPreset => ({
  name, label, kind: 'cure', note, change, apply: (s) => ({ ...s, ...change(s), view: '2d', autoplay: true }),
});

/**
 * The settings were found on the seeds docs/lab.md names and checked on others (tests/lab/presets.test.ts):
 * the 8-Gaussian ring, whose empty centre lets a confident D push G's samples off it.
 */
export const PRESETS: readonly LabPreset[] = [
  failure('collapse', 'Mode collapse', { data: 'ring', loss: 'nsgan', lr: 0.002, batch: 64, gdepth: 2, gwidth: 32, ddepth: 1, dwidth: 32, seed: 1 },
    'a one-layer D and no regulariser: G puts its samples on two or three of the 8 modes (reverse KL ≳ 0.7 nats, a few tall bars in the histogram) and keeps doing so for hundreds of steps. Cures: Packing, R1.'),
  failure('vanishing', 'Vanishing gradients', { data: 'ring', loss: 'minimax', lr: 0.05, ncritic: 5, batch: 64, gdepth: 2, gwidth: 32, ddepth: 2, dwidth: 32, seed: 2 },
    'the saturating minimax loss with a fast critic (5 D updates per step at lr 0.05): G is thrown off the ring (its samples may leave the plot), D becomes certain (D(x) → 1, D(G(z)) → 0) and G\'s gradient norms fall to 0 (the bottom of the log plot): G stops moving. Cure: WGAN-GP.'),
  failure('oscillation', 'Oscillation', { data: 'ring', loss: 'nsgan', lr: 0.001, batch: 256, gdepth: 2, gwidth: 64, ddepth: 1, dwidth: 64, seed: 2 },
    'no equilibrium: G\'s samples sit on one or two modes and travel round the ring from mode to mode, the histogram\'s tall bar moving with them; D(x) and D(G(z)) stay about ½. Cures: R1 (it settles and spreads within a few hundred steps), Packing.'),
  cure('wgan-gp', 'WGAN-GP', () => ({ loss: 'wgan-gp' }),
    'WGAN-GP: the critic\'s linear loss does not saturate, so G always gets a gradient, and the penalty keeps the critic smooth; the curve below is then a Wasserstein-1 estimate.'),
  cure('r1', 'R1', () => ({ r1: 1 }),
    'R1 (γ = 1): penalising D\'s gradient on the real data damps the rotation around the equilibrium (Mescheder et al. 2018): the samples settle and spread over the modes.'),
  cure('packing', 'Packing', (s) => ({ pack: 2, batch: Math.ceil(s.batch / 2) * 2 }),
    'PacGAN (D sees pairs of samples): D can tell a varied pack from a collapsed one, so G is pushed to spread (Lin et al. 2018).'),
];

export function presetNamed(name: string): LabPreset {
  const p = PRESETS.find((x) => x.name === name);
  if (!p) throw new RangeError(`unknown preset '${name}' (known: ${PRESETS.map((x) => x.name).join(', ')})`);
  return p;
}

/** The query string a preset's button navigates to, from the current settings. */
export function presetQuery(name: PresetName, current: LabSettings): string {
  return settingsQuery(presetNamed(name).apply(current));
}

/** The failure these settings are, with the cures applied to it (the page names them and says what to look for), or null. */
export function recognise(s: LabSettings): { failure: LabPreset; cured: LabPreset[] } | null {
  // the pace, the view and the backend do not change the run
  const run = (x: LabSettings) => settingsQuery({ ...x, autoplay: s.autoplay, speed: s.speed, view: s.view, backend: s.backend });
  for (const f of PRESETS.filter((p) => p.kind === 'failure')) {
    const base = f.apply(s);
    let x = base;
    const cured: LabPreset[] = [];
    for (const c of PRESETS.filter((p) => p.kind === 'cure')) {
      const ch = Object.entries(c.change!(base)) as [keyof LabSettings, unknown][];
      if (ch.every(([k, v]) => s[k] === v) && ch.some(([k, v]) => base[k] !== v)) {
        cured.push(c);
        x = { ...x, ...c.change!(base) };
      }
    }
    if (run(x) === run(s)) return { failure: f, cured };
  }
  return null;
}
