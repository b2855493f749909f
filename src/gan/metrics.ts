import { matmulSq, meanCov, sqrtPsd, symmetricEigen } from './linalg.ts';

export interface ModeMetrics {
  /** modes nearest to at least one high-quality sample */
  modes: number;
  totalModes: number;
  /** % of samples within 3 std of their nearest mode */
  highQuality: number;
  /** KL(p_gen ‖ uniform) of the nearest-mode histogram of all samples (nats) */
  reverseKL: number;
  /** samples per mode (nearest mode, all samples) */
  histogram: number[];
  /** high-quality samples per mode: a mode whose count here is a small share of its histogram
   * entry is crossed by stray samples (bridges between modes) rather than covered by a cluster */
  highQualityHistogram: number[];
  /** modes with samples of which fewer than half are high quality */
  underformedModes: number;
}

/**
 * The PacGAN/VEEGAN protocol for 2-D mixtures (Lin et al. 2018, Srivastava et al. 2017):
 * a sample is high quality when it lies within 3 std of its nearest mode; a mode is captured when
 * it is the nearest mode of at least one high-quality sample; the reverse KL compares the
 * histogram of samples over their nearest modes with the uniform distribution over modes.
 */
export function modeMetrics(points: ArrayLike<number>, modes: [number, number][], std: number): ModeMetrics {
  const n = points.length / 2;
  if (!Number.isInteger(n) || n === 0) throw new RangeError(`modeMetrics: points must hold [N,2] values, got ${points.length}`);
  const hist = new Array<number>(modes.length).fill(0);
  const hqHist = new Array<number>(modes.length).fill(0);
  let hq = 0;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i], y = points[2 * i + 1];
    let best = 0, bd = Infinity;
    modes.forEach(([mx, my], m) => {
      const d = (x - mx) ** 2 + (y - my) ** 2;
      if (d < bd) { bd = d; best = m; }
    });
    hist[best]++;
    if (Math.sqrt(bd) <= 3 * std) {
      hq++;
      hqHist[best]++;
    }
  }
  const k = modes.length;
  let kl = 0;
  for (const c of hist) if (c > 0) kl += (c / n) * Math.log((c / n) * k);
  return {
    modes: hqHist.filter((c) => c > 0).length, totalModes: k, highQuality: (100 * hq) / n, reverseKL: kl, histogram: hist,
    highQualityHistogram: hqHist, underformedModes: hist.filter((c, m) => c > 0 && 2 * hqHist[m] < c).length,
  };
}

/**
 * Fréchet distance between Gaussians fitted to two feature sets [n,d] and [m,d]:
 * ‖μ₁−μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^{1/2}), with Tr (Σ₁Σ₂)^{1/2} = Σ √λ(√Σ₁ Σ₂ √Σ₁).
 */
export function frechetDistance(a: ArrayLike<number>, n: number, b: ArrayLike<number>, m: number, d: number): number {
  const A = meanCov(a, n, d), B = meanCov(b, m, d);
  let diff = 0, tr = 0;
  for (let j = 0; j < d; j++) {
    diff += (A.mean[j] - B.mean[j]) ** 2;
    tr += A.cov[j * d + j] + B.cov[j * d + j];
  }
  const s1 = sqrtPsd(A.cov, d);
  const inner = matmulSq(matmulSq(s1, B.cov, d), s1, d);
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) inner[i * d + j] = inner[j * d + i] = 0.5 * (inner[i * d + j] + inner[j * d + i]);
  const { values } = symmetricEigen(inner, d);
  let trSqrt = 0;
  for (const v of values) trSqrt += Math.sqrt(Math.max(v, 0));
  return diff + tr - 2 * trSqrt;
}

/**
 * Inception Score with a domain classifier: exp(E_x KL(p(y|x) ‖ p(y))), averaged over `splits`
 * equal splits (mean ± std), as in Salimans et al. 2016.
 */
export function inceptionScore(probs: ArrayLike<number>, n: number, classes: number, splits = 10): { mean: number; std: number } {
  const scores: number[] = [];
  const per = Math.floor(n / splits);
  if (per < 1) throw new RangeError(`inceptionScore: ${n} samples cannot make ${splits} splits`);
  for (let s = 0; s < splits; s++) {
    const py = new Float64Array(classes);
    for (let i = s * per; i < (s + 1) * per; i++) for (let c = 0; c < classes; c++) py[c] += probs[i * classes + c] / per;
    let kl = 0;
    for (let i = s * per; i < (s + 1) * per; i++) {
      for (let c = 0; c < classes; c++) {
        const p = probs[i * classes + c];
        if (p > 0) kl += p * (Math.log(p) - Math.log(py[c]));
      }
    }
    scores.push(Math.exp(kl / per));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / splits;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / splits);
  return { mean, std };
}

/** Predicted-class histogram of generated samples and how many classes appear (≥ minShare of samples). */
export function classCoverage(probs: ArrayLike<number>, n: number, classes: number, minShare = 0.01): { covered: number; histogram: number[] } {
  const hist = new Array<number>(classes).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[i * classes + c] > probs[i * classes + best]) best = c;
    hist[best]++;
  }
  return { covered: hist.filter((h) => h / n >= minShare).length, histogram: hist };
}
