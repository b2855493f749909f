import * as wg from '../../index.ts';
import type { Tensor } from '../../index.ts';

/**
 * edges2fashion's sketches: a binary edge map of each photo, computed with the engine's ops.
 * Input x: [N,1,H,W] in [−1, 1] (objects light on a dark background, as Fashion-MNIST). Output:
 * [N,1,H,W] in {−1, +1}: dark lines (−1) on white paper (+1), like edges2shoes.
 *   1. u = (x + 1) / 2 ∈ [0, 1]  (the background is 0, so the convolutions' zero padding is background)
 *   2. blur: b = u ⊛ (1/16)·[1 2 1]ᵀ[1 2 1]                      (3×3 binomial, padding 1)
 *   3. Sobel: gx = b ⊛ [[−1 0 1], [−2 0 2], [−1 0 1]], gy = b ⊛ its transpose (padding 1); m = √(gx² + gy²)
 *   4. thin (Canny's non-maximum suppression): keep a pixel when m > its neighbour before it and
 *      m ≥ its neighbour after it along the gradient direction (so of two equal neighbours across a
 *      step, one survives), the direction quantised to 4: horizontal (before = left) where
 *      |gy| ≤ tan(π/8)·|gx|, vertical (before = above) where |gx| ≤ tan(π/8)·|gy|, else the diagonal
 *      (↘: before = above-left where gx·gy > 0; ↙: before = above-right otherwise); outside the image m = 0
 *   5. threshold: an edge where it was kept and m > max(EDGE_RELATIVE · maxₕ,ᵥ m, EDGE_FLOOR), the
 *      maximum per image (a relative threshold: faint and contrasty garments get alike sketches;
 *      the floor keeps a near-flat image from turning noise into lines)
 *   6. sketch = −1 on edges, +1 elsewhere.
 * Deterministic (no randomness); backends may differ on a pixel whose m lies within rounding of
 * the threshold.
 */
export const EDGE_RELATIVE = 0.15;
/** the absolute floor of the threshold on m (a step of ≈ 0.03 in [0, 1] after the blur gives m ≈ 0.1) */
export const EDGE_FLOOR = 0.1;
/** the value of the sketch's paper (background), and of its lines */
export const EDGE_BACKGROUND = 1;
export const EDGE_LINE = -1;

const BLUR = [1, 2, 1, 2, 4, 2, 1, 2, 1].map((v) => v / 16);
const SOBEL_X = [-1, 0, 1, -2, 0, 2, -1, 0, 1];
const SOBEL_Y = [-1, -2, -1, 0, 0, 0, 1, 2, 1];

/** The edge map of photos [N,1,H,W] in [−1, 1] (see the constants' comment for the pipeline). */
export function edgeMap(x: Tensor): Tensor {
  if (x.ndim !== 4 || x.shape[1] !== 1) throw new Error(`edgeMap: expected grayscale images [N,1,H,W], got [${x.shape}]`);
  const [, , h, w] = x.shape;
  return wg.tidy(() => {
    const k = (v: number[]) => wg.tensor(Float32Array.from(v), [1, 1, 3, 3], { dtype: x.dtype });
    const u = wg.div(wg.add(x, 1), 2);
    const b = wg.conv2d(u, k(BLUR), null, { padding: 1 });
    const gx = wg.conv2d(b, k(SOBEL_X), null, { padding: 1 });
    const gy = wg.conv2d(b, k(SOBEL_Y), null, { padding: 1 });
    const m = wg.sqrt(wg.add(wg.mul(gx, gx), wg.mul(gy, gy)));
    // neighbour (dy, dx) of every pixel, 0 outside the image
    const mp = wg.pad(m, [1, 1, 1, 1], 0);
    const at = (dy: number, dx: number) => wg.slice(mp, [null, null, [1 + dy, 1 + dy + h], [1 + dx, 1 + dx + w]]);
    const ax = wg.abs(gx), ay = wg.abs(gy);
    const tan = Math.tan(Math.PI / 8);
    const horizontal = wg.le(ay, wg.mul(ax, tan)), vertical = wg.le(ax, wg.mul(ay, tan)), down = wg.gt(wg.mul(gx, gy), 0);
    const before = wg.where(horizontal, at(0, -1), wg.where(vertical, at(-1, 0), wg.where(down, at(-1, -1), at(-1, 1))));
    const after = wg.where(horizontal, at(0, 1), wg.where(vertical, at(1, 0), wg.where(down, at(1, 1), at(1, -1))));
    const threshold = wg.maximum(wg.mul(wg.max(m, [1, 2, 3], true), EDGE_RELATIVE), EDGE_FLOOR);
    const edge = wg.mul(wg.mul(wg.gt(m, before), wg.ge(m, after)), wg.gt(m, threshold));
    return wg.where(edge, EDGE_LINE, EDGE_BACKGROUND);
  });
}

/** edgeMap of host images [n,1,h,w], in batches on the active backend. */
export async function edgeMapsOf(images: Float32Array, n: number, h: number, w: number, batch = 1000): Promise<Float32Array> {
  const out = new Float32Array(n * h * w);
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    const e = wg.tidy(() => edgeMap(wg.tensor(images.subarray(i * h * w, (i + m) * h * w), [m, 1, h, w])));
    out.set(await e.data(), i * h * w);
    e.dispose();
  }
  return out;
}
