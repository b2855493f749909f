import * as wg from '../index.ts';
import type { Tensor } from '../index.ts';
import { dataExtent, mixtureModes, type MixtureName } from '../data/mixtures.ts';
import { writeText } from '../io/fs.ts';
import { scatterSvg, PALETTE } from '../io/svg.ts';
import type { GanTrainer } from './trainer.ts';

/** Fixed noise (and labels) for sample grids, from its own seed so it never perturbs training. */
export function fixedNoise(t: GanTrainer, n: number): { z: Tensor; y?: Tensor } {
  const saved = wg.getRngState();
  wg.manualSeed(t.cfg.seed + 7919);
  const z = t.models.noise(n);
  wg.setRngState(saved);
  const y = t.models.conditional ? wg.tensor(Int32Array.from({ length: n }, (_, i) => i % t.models.numClasses), [n], { dtype: 'int32' }) : undefined;
  return { z: wg.keep(z), y: y && wg.keep(y) };
}

/** Real vs generated points over D's decision surface (σ(D) for probabilistic losses). */
export async function plot2d(t: GanTrainer, path: string, n = 1000): Promise<void> {
  const name = t.cfg.data as MixtureName | 'drawn';
  const [x0, x1, y0, y1] = dataExtent(name);
  const res = 60;
  const grid = new Float32Array(res * res * 2);
  for (let r = 0; r < res; r++) for (let c = 0; c < res; c++) {
    grid[(r * res + c) * 2] = x0 + ((c + 0.5) * (x1 - x0)) / res;
    grid[(r * res + c) * 2 + 1] = y1 - ((r + 0.5) * (y1 - y0)) / res;
  }
  const saved = wg.getRngState();
  wg.manualSeed(t.cfg.seed + 104729);
  const [fake, surf] = wg.tidy(() => {
    const f = t.sample(t.models.noise(n));
    const D = t.models.D;
    const was = D.training;
    D.eval();
    // with PacGAN packing D scores packs, not points: there is no per-point surface to draw
    const s = t.models.pack === 1 ? wg.noGrad(() => t.models.discriminate(wg.tensor(grid, [res * res, 2]))) : null;
    if (was) D.train();
    return [f, s && (t.loss.probabilistic ? wg.sigmoid(s) : s)];
  });
  wg.setRngState(saved);
  const modes = mixtureModes(name);
  const pts = await fake.data();
  const heat = surf ? await surf.data() : null;
  fake.dispose(); surf?.dispose();
  const sets = [
    ...(modes ? [{ points: modes.centres, color: PALETTE[2], name: 'modes', radius: 4 }] : []),
    { points: pts, color: PALETTE[3], name: `G(z), step ${t.step}`, radius: 1.5, opacity: 0.6 },
  ];
  const background = heat ? { values: heat, rows: res, cols: res } : undefined;
  await writeText(path, scatterSvg(sets, { title: `${t.cfg.preset} ${t.cfg.loss} on ${name} — step ${t.step}${background ? ` (background: ${t.loss.probabilistic ? 'σ(D)' : 'D'})` : ''}`, extent: dataExtent(name), background }));
}

