/**
 * Scores of translations against their targets, computed with the engine on images
 * [N,C,H,W] in [−1, 1], per image and then averaged over the images:
 *   l1    mean |x − y| over C·H·W, in the images' own [−1, 1] units (the scale of pix2pix's L1 loss;
 *         halve it for [0, 1] units)
 *   psnr  on x' = (x + 1)/2, y' = (y + 1)/2 ∈ [0, 1] (data range 1): 10·log10(1 / MSE), MSE = mean (x' − y')²
 *         over C·H·W, in dB; an image with MSE = 0 scores +Infinity, and so does the mean then
 *   ssim  Wang, Bovik, Sheikh & Simoncelli 2004 on x', y' (data range L = 1), per channel, averaged over
 *         the channels and the 'valid' positions — skimage.metrics.structural_similarity(x', y',
 *         gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1, channel_axis=0):
 *           w = the 11×11 Gaussian window, σ = 1.5, normalised to sum 1 (separable: g ⊗ g)
 *           μx = w ⊛ x', σx² = w ⊛ x'² − μx², σxy = w ⊛ x'y' − μx μy  (population moments; 'valid' ⊛:
 *           the (H−10)×(W−10) positions whose window lies inside the image, = skimage's crop of 5 pixels)
 *           S = (2 μx μy + C1)(2 σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)), C1 = (0.01 L)², C2 = (0.03 L)²
 *         images need H, W ≥ 11.
 */
import * as wg from '../../index.ts';
import type { Tensor } from '../../index.ts';
import { classify, type FashionClassifier } from '../classifier.ts';
import { cropTo28 } from '../data.ts';

export const SSIM_WINDOW = 11;
export const SSIM_SIGMA = 1.5;
export const SSIM_K1 = 0.01;
export const SSIM_K2 = 0.03;

function checkPair(op: string, x: Tensor, y: Tensor): void {
  if (x.ndim !== 4 || x.shape.some((d, i) => d !== y.shape[i]) || y.ndim !== 4) throw new Error(`${op}: expected two [N,C,H,W] images of one shape, got [${x.shape}] and [${y.shape}]`);
}

/** Per-image mean |x − y| over C·H·W: [N,C,H,W] × 2 → [N] (in the images' units). */
export function l1PerImage(x: Tensor, y: Tensor): Tensor {
  checkPair('l1PerImage', x, y);
  return wg.mean(wg.abs(wg.sub(x, y)), [1, 2, 3]);
}

/** Per-image mean squared error of the images mapped from [−1, 1] to [0, 1]: mean ((x − y) / 2)² → [N]. */
export function msePerImage(x: Tensor, y: Tensor): Tensor {
  checkPair('msePerImage', x, y);
  const d = wg.mul(wg.sub(x, y), 0.5);
  return wg.mean(wg.mul(d, d), [1, 2, 3]);
}

/** PSNR in dB of a mean squared error with data range 1: 10·log10(1 / mse); +Infinity for mse = 0. */
export const psnrFromMse = (mse: number): number => (mse === 0 ? Infinity : -10 * Math.log10(mse));

/** The 1-D factor g of the SSIM window (length 11, σ 1.5, sum 1), as scipy's gaussian_filter builds it (truncate 3.5 → radius 5). */
export function ssimWindow1d(): number[] {
  const r = (SSIM_WINDOW - 1) / 2;
  const g = Array.from({ length: SSIM_WINDOW }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * SSIM_SIGMA ** 2)));
  const s = g.reduce((a, b) => a + b, 0);
  return g.map((v) => v / s);
}

/** Per-image SSIM of images in [−1, 1] (module comment): [N,C,H,W] × 2 → [N]. */
export function ssimPerImage(x: Tensor, y: Tensor): Tensor {
  checkPair('ssimPerImage', x, y);
  const [n, c, h, w] = x.shape;
  if (h < SSIM_WINDOW || w < SSIM_WINDOW) throw new Error(`ssimPerImage: images of ${h}×${w} are smaller than the ${SSIM_WINDOW}×${SSIM_WINDOW} window`);
  const g = ssimWindow1d();
  const gv = wg.tensor(Float64Array.from(g), [1, 1, SSIM_WINDOW, 1], { dtype: x.dtype });
  const gh = wg.reshape(gv, [1, 1, 1, SSIM_WINDOW]);
  // each channel of each image is one plane; the window is separable: w ⊛ p = g_h ⊛ (g_v ⊛ p), 'valid'
  const filter = (p: Tensor) => wg.conv2d(wg.conv2d(p, gv), gh);
  // the moments of p = x' − ½ = x / 2 ∈ [−½, ½] (σ² and σxy do not change; E p² − (E p)² cancels
  // less in float32 than with x' ∈ [0, 1]); μx' = μp + ½
  const planes = (t: Tensor) => wg.reshape(wg.mul(t, 0.5), [n * c, 1, h, w]);
  const xp = planes(x), yp = planes(y);
  const px = filter(xp), py = filter(yp);
  const vx = wg.sub(filter(wg.mul(xp, xp)), wg.mul(px, px));
  const vy = wg.sub(filter(wg.mul(yp, yp)), wg.mul(py, py));
  const vxy = wg.sub(filter(wg.mul(xp, yp)), wg.mul(px, py));
  const mx = wg.add(px, 0.5), my = wg.add(py, 0.5);
  const c1 = SSIM_K1 ** 2, c2 = SSIM_K2 ** 2;
  const num = wg.mul(wg.add(wg.mul(wg.mul(mx, my), 2), c1), wg.add(wg.mul(vxy, 2), c2));
  const den = wg.mul(wg.add(wg.add(wg.mul(mx, mx), wg.mul(my, my)), c1), wg.add(wg.add(vx, vy), c2));
  return wg.mean(wg.reshape(wg.div(num, den), [n, -1]), 1);
}

/** Images as a tensor, or as host data with their [N,C,H,W] shape. */
export type Images = Tensor | { data: Float32Array | Float64Array; shape: readonly number[] };

export interface TranslationScores {
  n: number;
  /** means over the images (module comment for the units) */
  l1: number;
  psnr: number;
  ssim: number;
  perImage: { l1: Float64Array; psnr: Float64Array; ssim: Float64Array };
}

/** L1, PSNR and SSIM of translations x against targets y (module comment), in batches of `batch` images. */
export async function translationScores(x: Images, y: Images, opts: { batch?: number } = {}): Promise<TranslationScores> {
  const sx = x.shape, sy = y.shape;
  if (sx.length !== 4 || sx.some((d, i) => d !== sy[i]) || sy.length !== 4) throw new Error(`translationScores: expected two [N,C,H,W] images of one shape, got [${sx}] and [${sy}]`);
  const [n, c, h, w] = sx, per = c * h * w, batch = opts.batch ?? 500;
  const l1 = new Float64Array(n), psnr = new Float64Array(n), ssim = new Float64Array(n);
  const rows = (t: Images, i: number, m: number): Tensor =>
    t instanceof wg.Tensor ? wg.narrow(t, 0, i, m) : wg.tensor(t.data.subarray(i * per, (i + m) * per), [m, c, h, w], { dtype: t.data instanceof Float64Array ? 'float64' : 'float32' });
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    const out = wg.tidy(() => wg.noGrad(() => {
      const a = rows(x, i, m), b = rows(y, i, m);
      return [l1PerImage(a, b), msePerImage(a, b), ssimPerImage(a, b)];
    }));
    const [dl1, dmse, dssim] = await Promise.all(out.map((t) => t.data()));
    for (const t of out) t.dispose();
    for (let j = 0; j < m; j++) {
      l1[i + j] = dl1[j];
      psnr[i + j] = psnrFromMse(dmse[j]);
      ssim[i + j] = dssim[j];
    }
  }
  const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
  return { n, l1: mean(l1), psnr: mean(psnr), ssim: mean(ssim), perImage: { l1, psnr, ssim } };
}

/** Images [n,1,28,28] or [n,1,32,32] (centre crop, cropTo28) as the classifier's [n,1,28,28]. */
export function classifierInput(images: Float32Array, n: number): Float32Array {
  if (images.length === n * 784) return images;
  if (images.length === n * 1024) return cropTo28(images, n, 1);
  throw new Error(`classifier input: expected ${n} grayscale images of 28×28 or 32×32, got ${images.length} values (${images.length / n} per image)`);
}

/**
 * Class preservation: the share of translations the Fashion-MNIST classifier assigns to the class of
 * their source image (labels[i] is the class of the image that row i was translated from), plus
 * its per-image predictions and probabilities [n,10].
 */
export async function classPreservation(classifier: FashionClassifier, images: Float32Array, labels: ArrayLike<number>): Promise<{ accuracy: number; predicted: Int32Array; probs: Float32Array }> {
  const n = labels.length;
  if (n === 0) throw new Error('classPreservation: no images');
  const { probs } = await classify(classifier, classifierInput(images, n), n);
  const predicted = argmaxRows(probs, n, 10);
  let hits = 0;
  for (let i = 0; i < n; i++) if (predicted[i] === labels[i]) hits++;
  return { accuracy: hits / n, predicted, probs };
}

function argmaxRows(probs: ArrayLike<number>, n: number, classes: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (probs[i * classes + k] > probs[i * classes + best]) best = k;
    out[i] = best;
  }
  return out;
}

/** The share of rows of probs [n, classes] whose most probable class is targetClass (class ↔ class translation: did it reach B?). */
export function targetClassShare(probs: ArrayLike<number>, targetClass: number, classes = 10): number {
  const n = probs.length / classes;
  if (!Number.isInteger(n) || n === 0) throw new Error(`targetClassShare: probs must hold [n, ${classes}] values, got ${probs.length}`);
  if (!Number.isInteger(targetClass) || targetClass < 0 || targetClass >= classes) throw new Error(`targetClassShare: targetClass must be in 0..${classes - 1}, got ${targetClass}`);
  return argmaxRows(probs, n, classes).filter((k) => k === targetClass).length / n;
}
