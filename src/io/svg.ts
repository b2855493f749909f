/**
 * Dependency-free SVG plots: a line chart (loss curves, metrics) and a 2-D scatter over an
 * optional heatmap (generator samples over the discriminator's output for 2-D GANs).
 */

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : String(+v.toPrecision(4)));
const r2 = (v: number) => Math.round(v * 100) / 100;

/** About `count` round tick values covering [lo, hi] (1, 2, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const span = hi - lo;
  let step = mag;
  for (const m of [2, 5, 10]) if (Math.abs(span / (m * mag) - count) < Math.abs(span / step - count)) step = m * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function axes(f: Frame, [x0, x1, y0, y1]: number[], opts: { title?: string; xlabel?: string; ylabel?: string; ylog?: boolean }): string[] {
  const px = (x: number) => f.left + ((x - x0) / (x1 - x0)) * (f.width - f.left - f.right);
  const py = (y: number) => f.height - f.bottom - ((y - y0) / (y1 - y0)) * (f.height - f.top - f.bottom);
  const out: string[] = [];
  out.push(`<rect x="${f.left}" y="${f.top}" width="${f.width - f.left - f.right}" height="${f.height - f.top - f.bottom}" fill="none" stroke="#333"/>`);
  for (const t of niceTicks(x0, x1)) {
    const x = r2(px(t));
    out.push(`<line x1="${x}" y1="${f.height - f.bottom}" x2="${x}" y2="${f.height - f.bottom + 5}" stroke="#333"/>`);
    out.push(`<text x="${x}" y="${f.height - f.bottom + 18}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    const y = r2(py(t));
    out.push(`<line x1="${f.left - 5}" y1="${y}" x2="${f.left}" y2="${y}" stroke="#333"/>`);
    out.push(`<text x="${f.left - 8}" y="${y + 4}" text-anchor="end">${opts.ylog ? fmt(+(10 ** t).toPrecision(3)) : fmt(t)}</text>`);
  }
  if (opts.title) out.push(`<text x="${f.width / 2}" y="${f.top - 12}" text-anchor="middle" font-size="15">${esc(opts.title)}</text>`);
  if (opts.xlabel) out.push(`<text x="${(f.left + f.width - f.right) / 2}" y="${f.height - 8}" text-anchor="middle">${esc(opts.xlabel)}</text>`);
  if (opts.ylabel) {
    const cy = (f.top + f.height - f.bottom) / 2;
    out.push(`<text x="14" y="${cy}" text-anchor="middle" transform="rotate(-90 14 ${cy})">${esc(opts.ylabel)}</text>`);
  }
  return out;
}

function svgDoc(width: number, height: number, body: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="white"/>\n${body.join('\n')}\n</svg>\n`;
}

export interface LineSeries {
  name: string;
  values: ArrayLike<number>;
  /** x coordinates (default 0, 1, 2, ...) */
  x?: ArrayLike<number>;
  color?: string;
}

export interface LineChartOptions {
  title?: string;
  xlabel?: string;
  ylabel?: string;
  width?: number;
  height?: number;
  /** log10 y axis (non-positive values are skipped) */
  ylog?: boolean;
}

/** A line chart; non-finite values break a line. */
export function lineChartSvg(series: LineSeries[], opts: LineChartOptions = {}): string {
  const width = opts.width ?? 640, height = opts.height ?? 400;
  const f: Frame = { width, height, left: 64, right: 130, top: 36, bottom: 46 };
  const tf = (v: number) => (opts.ylog ? (v > 0 ? Math.log10(v) : NaN) : v);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.values.length; i++) {
      const x = s.x ? s.x[i] : i, y = tf(s.values[i]);
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
  }
  if (!Number.isFinite(x0)) [x0, x1, y0, y1] = [0, 1, 0, 1];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad; y1 += pad;
  const px = (x: number) => r2(f.left + ((x - x0) / (x1 - x0)) * (width - f.left - f.right));
  const py = (y: number) => r2(height - f.bottom - ((y - y0) / (y1 - y0)) * (height - f.top - f.bottom));
  const body = axes(f, [x0, x1, y0, y1], opts);
  series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    const parts: string[] = [];
    let pen = 'M';
    for (let i = 0; i < s.values.length; i++) {
      const x = s.x ? s.x[i] : i, y = tf(s.values[i]);
      if (!Number.isFinite(x) || !Number.isFinite(y)) { pen = 'M'; continue; }
      parts.push(`${pen}${px(x)} ${py(y)}`);
      pen = 'L';
    }
    if (parts.length) body.push(`<path d="${parts.join(' ')}" fill="none" stroke="${esc(color)}" stroke-width="1.5"/>`);
    const ly = f.top + 10 + 18 * k;
    body.push(`<line x1="${width - f.right + 10}" y1="${ly}" x2="${width - f.right + 30}" y2="${ly}" stroke="${esc(color)}" stroke-width="2"/>`);
    body.push(`<text x="${width - f.right + 35}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  return svgDoc(width, height, body);
}

// ---------------------------------------------------------------------------------- scatter

export interface PointSet {
  /** flat [x0, y0, x1, y1, ...] (e.g. a [n, 2] tensor's data) or [[x, y], ...] */
  points: ArrayLike<number> | ArrayLike<readonly [number, number]>;
  color: string;
  name?: string;
  radius?: number;
  opacity?: number;
}

export interface Heatmap {
  /** rows × cols values, row-major, row 0 at the TOP (largest y); cell (r, c) is centred at
   *  x = xmin + (c + ½)(xmax - xmin)/cols, y = ymax - (r + ½)(ymax - ymin)/rows */
  values: ArrayLike<number>;
  rows: number;
  cols: number;
  /** value range mapped to the colour map (default: min/max of values) */
  range?: [number, number];
  colormap?: 'viridis' | 'gray';
}

export interface ScatterOptions {
  title?: string;
  xlabel?: string;
  ylabel?: string;
  width?: number;
  height?: number;
  /** [xmin, xmax, ymin, ymax]; default: the points' bounding box with a margin. The heatmap spans it. */
  extent?: [number, number, number, number];
  background?: Heatmap;
}

const VIRIDIS = [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142], [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37]];

export function colormap(t: number, map: 'viridis' | 'gray' = 'viridis'): string {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  let rgb: number[];
  if (map === 'gray') rgb = [u * 255, u * 255, u * 255];
  else {
    const p = u * (VIRIDIS.length - 1), i = Math.min(VIRIDIS.length - 2, Math.floor(p)), f = p - i;
    rgb = VIRIDIS[i].map((a, k) => a + (VIRIDIS[i + 1][k] - a) * f);
  }
  return '#' + rgb.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
}

function pointsOf(p: PointSet['points']): [number, number][] {
  const out: [number, number][] = [];
  const first = (p as ArrayLike<unknown>)[0];
  if (p.length && typeof first !== 'number') for (let i = 0; i < p.length; i++) out.push([...(p as ArrayLike<[number, number]>)[i]] as [number, number]);
  else for (let i = 0; i + 1 < p.length; i += 2) out.push([(p as ArrayLike<number>)[i], (p as ArrayLike<number>)[i + 1]]);
  return out;
}

/** Scatter plot of point sets, optionally over a heatmap. */
export function scatterSvg(sets: PointSet[], opts: ScatterOptions = {}): string {
  const width = opts.width ?? 520, height = opts.height ?? 480;
  const f: Frame = { width, height, left: 56, right: 120, top: 36, bottom: 46 };
  const pts = sets.map((s) => pointsOf(s.points));
  let ext = opts.extent;
  if (!ext) {
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const ps of pts) for (const [x, y] of ps) if (Number.isFinite(x) && Number.isFinite(y)) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    if (!Number.isFinite(x0)) [x0, x1, y0, y1] = [-1, 1, -1, 1];
    const mx = (x1 - x0) * 0.05 || 1, my = (y1 - y0) * 0.05 || 1;
    ext = [x0 - mx, x1 + mx, y0 - my, y1 + my];
  }
  const [x0, x1, y0, y1] = ext;
  const pw = width - f.left - f.right, ph = height - f.top - f.bottom;
  const px = (x: number) => r2(f.left + ((x - x0) / (x1 - x0)) * pw);
  const py = (y: number) => r2(height - f.bottom - ((y - y0) / (y1 - y0)) * ph);
  const body: string[] = [];
  const bg = opts.background;
  if (bg) {
    if (bg.values.length !== bg.rows * bg.cols) throw new Error(`scatterSvg: heatmap has ${bg.values.length} values for ${bg.rows}x${bg.cols}`);
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < bg.values.length; i++) if (Number.isFinite(bg.values[i])) { lo = Math.min(lo, bg.values[i]); hi = Math.max(hi, bg.values[i]); }
    [lo, hi] = bg.range ?? [lo, hi];
    const cw = pw / bg.cols, chh = ph / bg.rows;
    body.push(`<g shape-rendering="crispEdges">`);
    for (let r = 0; r < bg.rows; r++) {
      for (let c = 0; c < bg.cols; c++) {
        const v = bg.values[r * bg.cols + c];
        body.push(`<rect x="${r2(f.left + c * cw)}" y="${r2(f.top + r * chh)}" width="${r2(cw + 0.5)}" height="${r2(chh + 0.5)}" fill="${colormap(hi > lo ? (v - lo) / (hi - lo) : 0.5, bg.colormap)}"/>`);
      }
    }
    body.push('</g>');
  }
  body.push(...axes(f, ext, opts));
  body.push(`<clipPath id="plot"><rect x="${f.left}" y="${f.top}" width="${pw}" height="${ph}"/></clipPath>`);
  sets.forEach((s, k) => {
    const rad = s.radius ?? 1.6;
    const dots = pts[k].filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y]) => `<circle cx="${px(x)}" cy="${py(y)}" r="${rad}"/>`);
    body.push(`<g clip-path="url(#plot)" fill="${esc(s.color)}" fill-opacity="${s.opacity ?? 0.7}">${dots.join('')}</g>`);
    if (s.name) {
      const ly = f.top + 10 + 18 * k;
      body.push(`<circle cx="${width - f.right + 16}" cy="${ly}" r="4" fill="${esc(s.color)}"/>`);
      body.push(`<text x="${width - f.right + 26}" y="${ly + 4}">${esc(s.name)}</text>`);
    }
  });
  return svgDoc(width, height, body);
}
