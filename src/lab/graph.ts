/**
 * The 2-D view's model overview (as GAN Lab draws it): z → G's layers → G(z) → D's layers →
 * D(x) → the loss, with the real data going into D too. Each layer is a box naming its size and
 * activation; the edge into it is coloured by its gradient norm of the latest frame (grey before
 * any update), so a vanishing gradient shows as pale edges through G. Plain Canvas 2D.
 */
import type { LabLayer } from './session.ts';
import type { TrainConfig } from '../gan/config.ts';

export interface GraphNode { label: string; sub: string; kind: 'data' | 'g' | 'd' | 'out' }

/** The boxes of the graph, left to right (tested: the page's graph names these). */
export function graphNodes(layers: { g: LabLayer[]; d: LabLayer[] }, cfg: Pick<TrainConfig, 'loss' | 'pack' | 'data'>): GraphNode[] {
  const layer = (net: 'G' | 'D', l: LabLayer): GraphNode => ({ label: `${net} ${l.inFeatures}→${l.outFeatures}`, sub: l.activation ?? 'linear', kind: net === 'G' ? 'g' : 'd' });
  const zDim = layers.g[0]?.inFeatures ?? 2;
  return [
    { label: `z (${zDim})`, sub: 'N(0, I)', kind: 'data' },
    ...layers.g.map((l) => layer('G', l)),
    { label: `G(z) (${layers.g.at(-1)?.outFeatures ?? 2})`, sub: cfg.pack > 1 ? `packs of ${cfg.pack}` : 'generated', kind: 'data' },
    ...layers.d.map((l) => layer('D', l)),
    { label: 'D(x)', sub: cfg.loss, kind: 'out' },
  ];
}

/** ‖∇‖ → an edge colour: grey (none yet), then pale (tiny, log₁₀ ≤ −8) to saturated (≥ 1) */
function edgeColour(norm: number | undefined, net: 'g' | 'd'): string {
  if (norm === undefined || !Number.isFinite(norm)) return '#bbb';
  const t = Math.min(1, Math.max(0, (Math.log10(Math.max(norm, 1e-12)) + 8) / 8));
  const [r, g, b] = net === 'g' ? [118, 42, 131] : [27, 120, 55];
  const mix = (c: number) => Math.round(235 + (c - 235) * t);
  return `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})`;
}

/** Draw the graph; the edge into each layer shows its gradient norm (`norms` of the latest frame, or null). */
export function drawModelGraph(ctx: CanvasRenderingContext2D, layers: { g: LabLayer[]; d: LabLayer[] }, cfg: Pick<TrainConfig, 'loss' | 'pack' | 'data'>, norms: { g: number[]; d: number[] } | null): void {
  const { width: W, height: H } = ctx.canvas;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const nodes = graphNodes(layers, cfg);
  const n = nodes.length;
  const gap = 10, bw = (W - gap * (n + 1)) / n, bh = 40, y = H / 2 - bh / 2 + 8;
  const x = (i: number) => gap + i * (bw + gap);
  ctx.font = '11px sans-serif';
  ctx.fillStyle = '#333';
  ctx.fillText("model · an edge's colour: the gradient norm of the layer it feeds (pale: vanishing)", 4, 12, W - 8);
  const fill = { data: '#f0f0f0', g: '#e7d4e8', d: '#d9f0d3', out: '#fde0c5' };
  const gFirst = 1, dFirst = 2 + layers.g.length;
  for (let i = 0; i < n; i++) {
    // the edge into node i (from node i − 1)
    if (i > 0) {
      const gi = i - gFirst, di = i - dFirst;
      const colour = gi >= 0 && gi < layers.g.length ? edgeColour(norms?.g[gi], 'g') : di >= 0 && di < layers.d.length ? edgeColour(norms?.d[di], 'd') : '#999';
      ctx.strokeStyle = colour;
      ctx.lineWidth = 4;
      ctx.beginPath();
      ctx.moveTo(x(i - 1) + bw, y + bh / 2);
      ctx.lineTo(x(i) - 2, y + bh / 2);
      ctx.stroke();
    }
    ctx.fillStyle = fill[nodes[i].kind];
    ctx.fillRect(x(i), y, bw, bh);
    ctx.strokeStyle = '#888';
    ctx.lineWidth = 1;
    ctx.strokeRect(x(i), y, bw, bh);
    ctx.fillStyle = '#222';
    ctx.font = `${bw < 60 ? 9 : 11}px sans-serif`;
    ctx.fillText(nodes[i].label, x(i) + 3, y + 16, bw - 6);
    ctx.fillStyle = '#555';
    ctx.fillText(nodes[i].sub, x(i) + 3, y + 31, bw - 6);
  }
  // real data into D's first layer, from below
  const dx = x(dFirst) + bw / 2;
  ctx.strokeStyle = '#1b7837';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(dx, H - 14);
  ctx.lineTo(dx, y + bh + 2);
  ctx.moveTo(dx, y + bh + 2); ctx.lineTo(dx - 4, y + bh + 9);
  ctx.moveTo(dx, y + bh + 2); ctx.lineTo(dx + 4, y + bh + 9);
  ctx.stroke();
  ctx.fillStyle = '#1b7837';
  ctx.font = '11px sans-serif';
  ctx.fillText(`real x (${cfg.data})`, Math.min(dx + 6, W - 90), H - 4);
}
