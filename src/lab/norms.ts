/**
 * The per-layer gradient norms of the 2-D view: a history of the frames' norms and its plot, one
 * line per Linear layer of G (purples) and of D (greens) on a log scale, so a gradient that
 * vanishes (1e-8, or exactly 0 at the plot's floor) shows as plainly as one that explodes.
 */
import type { LabLayer } from './session.ts';

export interface NormPoint { step: number; g: number[]; d: number[] }

/** the plot's floor: smaller norms (and 0) are drawn on it */
export const NORM_FLOOR = 1e-12;
const G_SHADES = ['#40004b', '#762a83', '#9970ab', '#c2a5cf', '#e7d4e8'];
const D_SHADES = ['#00441b', '#1b7837', '#5aae61', '#a6dba0', '#d9f0d3'];
const shade = (shades: string[], i: number, n: number) => shades[Math.min(shades.length - 1, Math.round((i * (shades.length - 2)) / Math.max(n - 1, 1)))];

/** Each layer's colour and legend label ('G 2→32', …), G's first. */
export function normSeries(layers: { g: LabLayer[]; d: LabLayer[] }): { net: 'g' | 'd'; index: number; color: string; label: string }[] {
  const one = (net: 'g' | 'd', ls: LabLayer[], shades: string[]) =>
    ls.map((l, index) => ({ net, index, color: shade(shades, index, ls.length), label: `${net.toUpperCase()} ${l.inFeatures}→${l.outFeatures}` }));
  return [...one('g', layers.g, G_SHADES), ...one('d', layers.d, D_SHADES)];
}

/** log₁₀ ‖∇‖ of each layer over the steps, with a legend of the layers. */
export function drawNormCurves(ctx: CanvasRenderingContext2D, points: NormPoint[], layers: { g: LabLayer[]; d: LabLayer[] }): void {
  const { width: W, height: H } = ctx.canvas;
  const L = 44, R = 8, T = 30, B = 18;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  ctx.font = '11px sans-serif';
  ctx.fillStyle = '#333';
  ctx.fillText('gradient norm per layer, log₁₀ ‖∇‖ (last update)', L, 12);
  const series = normSeries(layers);
  let x = L;
  for (const s of series) {
    ctx.fillStyle = s.color;
    ctx.fillRect(x, 17, 10, 8);
    ctx.fillStyle = '#333';
    ctx.fillText(s.label, x + 13, 25);
    x += 18 + ctx.measureText(s.label).width;
  }
  const log = (v: number) => Math.log10(Math.max(v, NORM_FLOOR));
  let lo = Infinity, hi = -Infinity, s0 = Infinity, s1 = -Infinity;
  for (const p of points) {
    for (const v of [...p.g, ...p.d]) if (Number.isFinite(v)) { lo = Math.min(lo, log(v)); hi = Math.max(hi, log(v)); }
    s0 = Math.min(s0, p.step); s1 = Math.max(s1, p.step);
  }
  if (!(hi >= lo)) return;
  lo = Math.floor(lo); hi = Math.ceil(hi);
  if (hi === lo) hi = lo + 1;
  if (s1 === s0) s1 = s0 + 1;
  const X = (s: number) => L + ((s - s0) / (s1 - s0)) * (W - L - R);
  const Y = (v: number) => T + ((hi - v) / (hi - lo)) * (H - T - B);
  ctx.strokeStyle = '#888';
  ctx.strokeRect(L, T, W - L - R, H - T - B);
  ctx.fillStyle = '#555';
  ctx.fillText(`1e${hi}`, 2, T + 8);
  ctx.fillText(lo <= Math.log10(NORM_FLOOR) ? `≤1e${lo}` : `1e${lo}`, 2, H - B);
  ctx.fillText(`step ${s0}`, L, H - 4);
  const end = `step ${s1}`;
  ctx.fillText(end, W - R - ctx.measureText(end).width, H - 4);
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let on = false;
    for (const p of points) {
      const v = p[s.net][s.index];
      if (!Number.isFinite(v)) { on = false; continue; }
      if (on) ctx.lineTo(X(p.step), Y(log(v))); else ctx.moveTo(X(p.step), Y(log(v)));
      on = true;
    }
    ctx.stroke();
  }
}
