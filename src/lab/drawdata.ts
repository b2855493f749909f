/**
 * Draw-your-own data for the 2-D view: the points live in the URL (`data=drawn&points=…`), four
 * base64url characters a point — x and y on a 4096-step grid over [−2, 2]² (DRAWN_EXTENT, a step of
 * ≈ 0.001) — and in the run's config (TrainConfig.points, the decoded values), so a link and a
 * checkpoint both replay the same data. The pad (DrawPad) paints and erases them on a canvas.
 */
import { DRAWN_EXTENT, DRAWN_MAX_POINTS } from '../data/mixtures.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const STEPS = 4095;
const [LO, HI] = DRAWN_EXTENT;

/** a coordinate on the grid (clamped to the extent) */
const level = (v: number) => Math.round(((Math.min(Math.max(v, LO), HI) - LO) / (HI - LO)) * STEPS);
const value = (q: number) => Number((LO + (q / STEPS) * (HI - LO)).toFixed(6));

/** Points (flat x, y, …) as the URL's text; each coordinate snaps to the grid. */
export function encodePoints(points: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i + 1 < points.length; i += 2) {
    const v = (level(points[i]) << 12) | level(points[i + 1]);
    for (let k = 3; k >= 0; k--) out += ALPHABET[(v >> (6 * k)) & 63];
  }
  return out;
}

/** The URL's text as points (flat x, y, …, on the grid); a clear message for anything else. */
export function decodePoints(text: string): number[] {
  if (text.length === 0) throw new Error('no points: draw some (data=drawn needs at least one)');
  if (text.length % 4) throw new Error(`each point is 4 characters, got ${text.length} characters`);
  if (text.length / 4 > DRAWN_MAX_POINTS) throw new Error(`at most ${DRAWN_MAX_POINTS} points, got ${text.length / 4}`);
  const out: number[] = [];
  for (let i = 0; i < text.length; i += 4) {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const d = ALPHABET.indexOf(text[i + k]);
      if (d < 0) throw new Error(`'${text[i + k]}' (character ${i + k + 1}) is not base64url`);
      v = (v << 6) | d;
    }
    out.push(value(v >> 12), value(v & 4095));
  }
  return out;
}

/** Snap points to the URL's grid (what a link will replay). */
export const snapPoints = (points: ArrayLike<number>) => decodePoints(encodePoints(points));

/**
 * The draw mode's pad: pointer down and drag on the canvas adds points (one per ~0.04 of travel),
 * or with `erase` removes those within 0.15 of the pointer. Coordinates are DRAWN_EXTENT's.
 */
export class DrawPad {
  points: number[] = [];
  erase = false;
  private last: [number, number] | null = null;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly changed: () => void) {
    canvas.addEventListener('pointerdown', (e) => { if (this.active) { canvas.setPointerCapture(e.pointerId); this.last = null; this.at(e); } });
    canvas.addEventListener('pointermove', (e) => { if (this.active && e.buttons & 1) this.at(e); });
    canvas.addEventListener('pointerup', () => { this.last = null; });
  }

  active = false;

  /** plane coordinates of a pointer event */
  private xy(e: PointerEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return [LO + ((e.clientX - r.left) / r.width) * (HI - LO), HI - ((e.clientY - r.top) / r.height) * (HI - LO)];
  }

  private at(e: PointerEvent): void {
    const [x, y] = this.xy(e);
    if (this.erase) {
      const keep: number[] = [];
      for (let i = 0; i < this.points.length; i += 2) if (Math.hypot(this.points[i] - x, this.points[i + 1] - y) > 0.15) keep.push(this.points[i], this.points[i + 1]);
      this.points = keep;
    } else {
      if (this.last && Math.hypot(x - this.last[0], y - this.last[1]) < 0.04) return;
      if (this.points.length / 2 >= DRAWN_MAX_POINTS) return;
      this.last = [x, y];
      this.points.push(...snapPoints([x, y]));
    }
    this.changed();
  }

  /** The pad: a light grid, the points drawn (green) and, faintly, what `under` draws first. */
  draw(ctx: CanvasRenderingContext2D): void {
    const { width: W, height: H } = ctx.canvas;
    ctx.fillStyle = '#fbfbfb';
    ctx.fillRect(0, 0, W, H);
    ctx.strokeStyle = '#e3e3e3';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let v = LO; v <= HI; v += 0.5) {
      const p = ((v - LO) / (HI - LO)) * W, q = ((HI - v) / (HI - LO)) * H;
      ctx.moveTo(p, 0); ctx.lineTo(p, H); ctx.moveTo(0, q); ctx.lineTo(W, q);
    }
    ctx.stroke();
    ctx.fillStyle = '#1b7837';
    for (let i = 0; i < this.points.length; i += 2) {
      ctx.beginPath();
      ctx.arc(((this.points[i] - LO) / (HI - LO)) * W, ((HI - this.points[i + 1]) / (HI - LO)) * H, 3, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.fillStyle = '#555';
    ctx.font = '12px sans-serif';
    ctx.fillText(`draw mode: ${this.erase ? 'drag to erase' : 'click or drag to add points'} · ${this.points.length / 2} points`, 8, 16);
  }
}
