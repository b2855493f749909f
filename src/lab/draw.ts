/**
 * The lab's plots on 2-D canvases: the data plane (D's surface, G's manifold, real and generated
 * samples, their gradients), curves and the per-mode histogram. Plain Canvas 2D, no library.
 */
import type { LabFrame, LabRecord, LabSetup } from './session.ts';

export const COLORS = { real: '#1b7837', fake: '#762a83', arrow: 'rgba(118, 42, 131, 0.75)', mesh: 'rgba(60, 60, 60, 0.35)', lossD: '#1b7837', lossG: '#762a83', dReal: '#1b7837', dFake: '#762a83', axis: '#888' };

export interface Layers { surface: boolean; manifold: boolean; real: boolean; fake: boolean; gradients: boolean }

/** light purple (D says generated) → near-white → light green (D says real) */
function heat(v: number): [number, number, number] {
  const t = Math.min(Math.max(v, 0), 1);
  const a = [175, 141, 195], m = [247, 247, 247], b = [127, 191, 123];
  const [p, q, u] = t < 0.5 ? [a, m, t * 2] : [m, b, (t - 0.5) * 2];
  return [0, 1, 2].map((i) => Math.round(p[i] + (q[i] - p[i]) * u)) as [number, number, number];
}

/** The data plane: everything in `layers` that the frame has. Returns the surface's range [min, max]. */
export function drawView(ctx: CanvasRenderingContext2D, setup: LabSetup, f: LabFrame, layers: Layers): [number, number] | null {
  const { width: W, height: H } = ctx.canvas;
  const [x0, x1, y0, y1] = setup.extent;
  const px = (x: number) => ((x - x0) / (x1 - x0)) * W;
  const py = (y: number) => ((y1 - y) / (y1 - y0)) * H;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  let range: [number, number] | null = null;
  if (layers.surface && f.surface) {
    const s = f.surface;
    let lo = Infinity, hi = -Infinity;
    for (const v of s) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    range = [lo, hi];
    // σ(D) is drawn on its own [0, 1] scale; a critic's raw scores from their min to their max
    const [a, b] = setup.probabilistic ? [0, 1] : [lo, hi > lo ? hi : lo + 1];
    const n = setup.res;
    const img = new ImageData(n, n);
    for (let i = 0; i < n * n; i++) {
      const [r, g, bl] = heat((s[i] - a) / (b - a));
      img.data.set([r, g, bl, 255], 4 * i);
    }
    const off = new OffscreenCanvas(n, n);
    off.getContext('2d')!.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, W, H);
  }
  if (layers.manifold) {
    const m = setup.mesh, g = f.manifold;
    ctx.strokeStyle = COLORS.mesh;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < m; c++) {
        const i = 2 * (r * m + c);
        if (c === 0) ctx.moveTo(px(g[i]), py(g[i + 1])); else ctx.lineTo(px(g[i]), py(g[i + 1]));
      }
    }
    for (let c = 0; c < m; c++) {
      for (let r = 0; r < m; r++) {
        const i = 2 * (r * m + c);
        if (r === 0) ctx.moveTo(px(g[i]), py(g[i + 1])); else ctx.lineTo(px(g[i]), py(g[i + 1]));
      }
    }
    ctx.stroke();
  }
  const dots = (pts: Float32Array, color: string) => {
    ctx.fillStyle = color;
    for (let i = 0; i < pts.length; i += 2) ctx.fillRect(px(pts[i]) - 1.5, py(pts[i + 1]) - 1.5, 3, 3);
  };
  if (layers.real) dots(setup.real, COLORS.real);
  if (layers.fake) dots(f.fake, COLORS.fake);
  if (layers.gradients) {
    // the longest arrow is 8 % of the plot; the others in proportion
    let longest = 0;
    for (let i = 0; i < f.grads.length; i += 2) longest = Math.max(longest, Math.hypot(f.grads[i] * W / (x1 - x0), f.grads[i + 1] * H / (y1 - y0)));
    const k = longest > 0 ? (0.08 * W) / longest : 0;
    ctx.strokeStyle = COLORS.arrow;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 0; i < f.grads.length; i += 2) {
      const sx = px(f.fake[i]), sy = py(f.fake[i + 1]);
      const dx = f.grads[i] * k * W / (x1 - x0), dy = -f.grads[i + 1] * k * H / (y1 - y0);
      const ex = sx + dx, ey = sy + dy, len = Math.hypot(dx, dy);
      ctx.moveTo(sx, sy);
      ctx.lineTo(ex, ey);
      if (len > 4) {
        const ux = dx / len, uy = dy / len;
        ctx.moveTo(ex, ey); ctx.lineTo(ex - 4 * ux + 2.5 * uy, ey - 4 * uy - 2.5 * ux);
        ctx.moveTo(ex, ey); ctx.lineTo(ex - 4 * ux - 2.5 * uy, ey - 4 * uy + 2.5 * ux);
      }
    }
    ctx.stroke();
  }
  return range;
}

/** Points a curve keeps over a long run. */
export const HISTORY_MAX = 4000;

/** Keep at most `max` points: every other one of all but the newest quarter, so a long run's curves stay cheap to draw. */
export function thin<T>(points: T[], max = HISTORY_MAX): T[] {
  if (points.length <= max) return points;
  const keep = max / 4;
  return [...points.slice(0, -keep).filter((_, i) => i % 2 === 0), ...points.slice(-keep)];
}

/** Curves of some fields of the records over the step, each as a line; single D / G updates as dots. */
export function drawCurves(ctx: CanvasRenderingContext2D, records: LabRecord[], series: [keyof LabRecord, string, string][], title: string): void {
  const { width: W, height: H } = ctx.canvas;
  const L = 44, R = 8, T = 18, B = 18;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  ctx.font = '11px sans-serif';
  ctx.fillStyle = '#333';
  ctx.fillText(title, L, 12);
  let lo = Infinity, hi = -Infinity, s0 = Infinity, s1 = -Infinity;
  for (const r of records) {
    for (const [k] of series) {
      const v = r[k] as number;
      if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
    s0 = Math.min(s0, r.step); s1 = Math.max(s1, r.step);
  }
  let x = L + 60;
  for (const [, color, label] of series) {
    ctx.fillStyle = color;
    ctx.fillRect(x + 70, 5, 10, 8);
    ctx.fillText(label, x + 84, 12);
    x += 90;
  }
  if (!(hi >= lo)) return;
  if (hi === lo) { hi += 0.5; lo -= 0.5; }
  if (s1 === s0) s1 = s0 + 1;
  const X = (s: number) => L + ((s - s0) / (s1 - s0)) * (W - L - R);
  const Y = (v: number) => T + ((hi - v) / (hi - lo)) * (H - T - B);
  ctx.strokeStyle = COLORS.axis;
  ctx.strokeRect(L, T, W - L - R, H - T - B);
  ctx.fillStyle = '#555';
  ctx.fillText(hi.toPrecision(3), 2, T + 8);
  ctx.fillText(lo.toPrecision(3), 2, H - B);
  ctx.fillText(`step ${s0}`, L, H - 4);
  const end = `step ${s1}`;
  ctx.fillText(end, W - R - ctx.measureText(end).width, H - 4);
  for (const [k, color] of series) {
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let on = false;
    for (const r of records) {
      const v = r[k] as number;
      if (!Number.isFinite(v)) continue;
      if (r.kind !== 'step') { ctx.fillRect(X(r.step) - 2, Y(v) - 2, 4, 4); continue; }
      if (on) ctx.lineTo(X(r.step), Y(v)); else ctx.moveTo(X(r.step), Y(v));
      on = true;
    }
    ctx.stroke();
  }
}

/** Generated samples per mode (nearest mode), the high-quality ones darker; the dashed line is a uniform share. */
export function drawHistogram(ctx: CanvasRenderingContext2D, hist: number[], hq: number[]): void {
  const { width: W, height: H } = ctx.canvas;
  const T = 6, B = 14;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const n = hist.reduce((a, b) => a + b, 0);
  const uniform = n / hist.length;
  const top = Math.max(...hist, 2 * uniform, 1);
  const w = W / hist.length;
  const Y = (v: number) => H - B - (v / top) * (H - T - B);
  hist.forEach((c, i) => {
    ctx.fillStyle = '#c2a5cf';
    ctx.fillRect(i * w + 1, Y(c), w - 2, H - B - Y(c));
    ctx.fillStyle = COLORS.fake;
    ctx.fillRect(i * w + 1, Y(hq[i]), w - 2, H - B - Y(hq[i]));
  });
  ctx.strokeStyle = '#333';
  ctx.setLineDash([4, 3]);
  ctx.beginPath();
  ctx.moveTo(0, Y(uniform));
  ctx.lineTo(W, Y(uniform));
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = '#555';
  ctx.font = '10px sans-serif';
  ctx.fillText(`modes 1…${hist.length}`, 2, H - 2);
}

/**
 * Images [n, C, H, W] in [−1, 1] (C = 1: grey, 3: RGB) as a grid of ⌈√n⌉ (or `columns`) columns, each pixel a
 * square of the largest whole size that fits the canvas's width (at most 512 px wide by default).
 */
export function drawImageGrid(canvas: HTMLCanvasElement, data: Float32Array, shape: number[], maxWidth = 512, columns?: number): void {
  const [n, c, h, w] = shape;
  const cols = columns ?? Math.ceil(Math.sqrt(n)), rows = Math.ceil(n / cols);
  const pad = 1;
  const gw = cols * (w + pad) + pad, gh = rows * (h + pad) + pad;
  const img = new ImageData(gw, gh);
  img.data.fill(255);
  const byte = (v: number) => Math.round(Math.min(Math.max((v + 1) / 2, 0), 1) * 255);
  for (let i = 0; i < n; i++) {
    const ox = pad + (i % cols) * (w + pad), oy = pad + Math.floor(i / cols) * (h + pad);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const at = 4 * ((oy + y) * gw + ox + x);
      for (let k = 0; k < 3; k++) img.data[at + k] = byte(data[((i * c + (c === 3 ? k : 0)) * h + y) * w + x]);
      img.data[at + 3] = 255;
    }
  }
  const scale = Math.max(1, Math.floor(maxWidth / gw));
  canvas.width = gw * scale;
  canvas.height = gh * scale;
  const tile = document.createElement('canvas');
  tile.width = gw;
  tile.height = gh;
  tile.getContext('2d')!.putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tile, 0, 0, canvas.width, canvas.height);
}
