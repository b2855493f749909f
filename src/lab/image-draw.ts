/** The image view's class-coverage bars on a 2-D canvas (plain Canvas 2D, as draw.ts). */
import { COLORS } from './draw.ts';

/**
 * The share of samples the classifier puts in each class, one bar per class (named below it);
 * the dashed line is a uniform share (what a generator covering every class equally would give).
 */
export function drawClassBars(ctx: CanvasRenderingContext2D, histogram: number[], names: string[]): void {
  const { width: W, height: H } = ctx.canvas;
  const T = 14, B = 30, L = 30;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const n = histogram.reduce((a, b) => a + b, 0);
  if (!n) return;
  const shares = histogram.map((h) => h / n);
  const top = Math.max(...shares, 2 / histogram.length);
  const w = (W - L) / histogram.length;
  const Y = (v: number) => H - B - (v / top) * (H - T - B);
  ctx.font = '10px sans-serif';
  shares.forEach((s, i) => {
    ctx.fillStyle = COLORS.fake;
    ctx.fillRect(L + i * w + 2, Y(s), w - 4, H - B - Y(s));
    ctx.fillStyle = '#333';
    const pct = `${Math.round(100 * s)}%`;
    ctx.fillText(pct, L + i * w + (w - ctx.measureText(pct).width) / 2, Math.max(T - 2, Y(s) - 2));
    // class names under the bars, two lines where they are long
    const [a, b] = names[i].split(/[/ ]/);
    ctx.fillStyle = '#555';
    ctx.fillText(a, L + i * w + (w - ctx.measureText(a).width) / 2, H - B + 11);
    if (b) ctx.fillText(b, L + i * w + (w - ctx.measureText(b).width) / 2, H - B + 22);
  });
  ctx.strokeStyle = '#333';
  ctx.setLineDash([4, 3]);
  ctx.beginPath();
  ctx.moveTo(L, Y(1 / histogram.length));
  ctx.lineTo(W, Y(1 / histogram.length));
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = '#555';
  ctx.fillText(`${Math.round(100 * top)}%`, 2, T + 6);
  ctx.fillText('0', 2, H - B);
}
