/**
 * The StyleGAN papers' figures, computed from a generator: style mixing (Karras et al. 2019,
 * fig. 3), interpolation in Z (spherical) or W (linear), and stochastic variation (one w, several
 * noise draws, and the per-pixel standard deviation). Each returns images [M,C,H,W] in [-1, 1]
 * (row-major for a grid) and leaves the global random stream where it found it when given a seed.
 */
import * as wg from '../../index.ts';
import type { Tensor } from '../../index.ts';
import { ConfigError } from '../config.ts';
import { mixWs, type NoiseMode, type StyleGenerator } from './networks.ts';

/**
 * A named range of layers — coarse (4²–8²), fine (the top resolution) and middle (between) — or
 * `i-j`, ws indices (inclusive). The paper's split at 1024² is 4–8 / 16–32 / 64–1024; a 32²
 * generator has 4–8 / 16 / 32.
 */
export type StyleRange = 'coarse' | 'middle' | 'fine' | `${number}-${number}`;

/** The ws indices [first, last] a range covers in this generator (a block's conv layers and toRGB). */
export function styleRange(G: StyleGenerator, range: string): [number, number] {
  const m = /^(\d+)-(\d+)$/.exec(range);
  if (m) {
    const a = Number(m[1]), b = Number(m[2]);
    if (a > b || b >= G.numWs) throw new ConfigError(`style range '${range}': indices must satisfy 0 ≤ first ≤ last < ${G.numWs}`);
    return [a, b];
  }
  const top = G.o.resolution;
  const inBand: Record<string, (r: number) => boolean> = {
    coarse: (r) => r <= 8 && r < top, middle: (r) => r > 8 && r < top, fine: (r) => r === top,
  };
  const f = inBand[range];
  if (!f) throw new ConfigError(`style range '${range}': expected coarse, middle, fine or first-last (ws indices)`);
  const spans = G.synthesis.wRanges().filter((_, k) => f(G.synthesis.blocks[k].resolution));
  if (!spans.length) throw new ConfigError(`style range '${range}': this ${top}×${top} generator has no ${range} layers`);
  // a block reads ws[first … first + count − 1]; its toRGB's w is the next block's first conv's
  const first = spans[0][0], last = spans[spans.length - 1][0] + spans[spans.length - 1][1] - 1;
  return [first, range === 'fine' ? G.numWs - 1 : last - 1];
}

function withSeed<T>(seed: number | undefined, f: () => T): T {
  if (seed === undefined) return f();
  const saved = wg.getRngState();
  wg.manualSeed(seed);
  try {
    return f();
  } finally {
    wg.setRngState(saved);
  }
}

/** ws of n latents, truncated by ψ */
function sampleWs(G: StyleGenerator, n: number, psi: number): Tensor {
  return G.ws(wg.randn([n, G.o.zDim]), { psi });
}

/**
 * The style-mixing figure: a grid of (rows·R + 1) × (cols + 1) tiles — the top row the column
 * sources, the left column the row sources, and in each block of rows (one per range R) every
 * row source with the ws of `range` copied from each column source.
 */
export function mixingFigure(G: StyleGenerator, o: { rows: number; cols: number; ranges: string[]; psi?: number; noise?: NoiseMode; seed?: number }): { images: Tensor; nrow: number } {
  const psi = o.psi ?? 1, noise = o.noise ?? 'const';
  const spans = o.ranges.map((r) => styleRange(G, r));
  return withSeed(o.seed, () => wg.tidy(() => wg.noGrad(() => {
    const wsA = sampleWs(G, o.rows, psi), wsB = sampleWs(G, o.cols, psi);
    const [, L, D] = wsA.shape;
    const img = (ws: Tensor) => G.synthesis.call(ws, noise);
    const a = img(wsA), b = img(wsB);
    const [C, H, W] = a.shape.slice(1);
    const blank = wg.full([1, C, H, W], 1);
    const tiles: Tensor[] = [blank, b];
    for (const [first, last] of spans) {
      const layer = wg.reshape(wg.arange(0, L, 1, { dtype: 'float32' }), [1, L, 1]);
      const inRange = wg.mul(wg.ge(layer, first), wg.le(layer, last));
      for (let r = 0; r < o.rows; r++) {
        const rowWs = wg.expand(wg.narrow(wsA, 0, r, 1), [o.cols, L, D]);
        const mixed = wg.where(inRange, wsB, rowWs);
        tiles.push(wg.narrow(a, 0, r, 1), img(mixed));
      }
    }
    return { images: wg.concat(tiles, 0), nrow: o.cols + 1 };
  })));
}

/**
 * n images between two random latents: `z` interpolates z spherically (slerp), `w` interpolates
 * w linearly (lerp), the space where the paper measures perceptual path length.
 */
export async function interpolation(G: StyleGenerator, o: { n: number; space: 'z' | 'w'; rows?: number; psi?: number; noise?: NoiseMode; seed?: number }): Promise<{ images: Tensor; nrow: number }> {
  if (!(o.n >= 2)) throw new ConfigError(`--n must be at least 2 for an interpolation, got ${o.n}`);
  const rows = o.rows ?? 1, psi = o.psi ?? 1, noise = o.noise ?? 'const';
  const d = G.o.zDim;
  const [z0, z1] = withSeed(o.seed, () => [wg.randn([rows, d]), wg.randn([rows, d])]);
  const [a, b] = [Float32Array.from(await z0.data()), Float32Array.from(await z1.data())];
  const images = wg.tidy(() => wg.noGrad(() => {
    const w0 = G.mapping.truncate(G.mapping.call(z0), psi), w1 = G.mapping.truncate(G.mapping.call(z1), psi);
    const steps: Tensor[] = [];
    for (let i = 0; i < o.n; i++) {
      const t = i / (o.n - 1);
      const w = o.space === 'z' ? G.mapping.truncate(G.mapping.call(wg.tensor(slerpRows(a, b, rows, d, t), [rows, d])), psi) : wg.add(w0, wg.mul(wg.sub(w1, w0), t));
      steps.push(G.synthesis.call(G.broadcast(w), noise));
    }
    // row-major: row r holds the n steps of pair r
    const [C, H, W] = steps[0].shape.slice(1);
    return wg.reshape(wg.stack(steps, 1), [rows * o.n, C, H, W]);
  }));
  z0.dispose(); z1.dispose();
  return { images, nrow: o.n };
}

/** Spherical interpolation of each row of A [n,d] towards the same row of B at t (on the host: a few latents). */
export function slerpRows(A: Float32Array, B: Float32Array, n: number, d: number, t: number): Float32Array {
  const out = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    let na = 0, nb = 0, dot = 0;
    for (let i = 0; i < d; i++) { const x = A[r * d + i], y = B[r * d + i]; na += x * x; nb += y * y; dot += x * y; }
    const cos = Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb)));
    const th = Math.acos(cos), s = Math.sin(th);
    const [ka, kb] = s < 1e-6 ? [1 - t, t] : [Math.sin((1 - t) * th) / s, Math.sin(t * th) / s];
    for (let i = 0; i < d; i++) out[r * d + i] = ka * A[r * d + i] + kb * B[r * d + i];
  }
  return out;
}

/**
 * Stochastic variation: one w, k draws of the per-pixel noise, and the per-pixel standard
 * deviation over the draws (averaged over channels, scaled to [-1, 1] by its maximum) as a last tile.
 */
export async function noiseVariation(G: StyleGenerator, o: { k: number; psi?: number; seed?: number }): Promise<{ images: Tensor; nrow: number; stdMax: number }> {
  if (!(o.k >= 2)) throw new ConfigError(`--vary-noise needs at least 2 noise draws, got ${o.k}`);
  const [imgs, std, peak] = withSeed(o.seed, () => wg.tidy(() => wg.noGrad(() => {
    const ws = wg.expand(sampleWs(G, 1, o.psi ?? 1), [o.k, G.numWs, G.o.wDim]);
    const x = G.synthesis.call(ws, 'random'); // [k,C,H,W]: the same w, k noise draws
    const sd = wg.mean(wg.std(x, 0, false, 0), 0); // [H,W]: per pixel over the draws, averaged over channels
    return [x, sd, wg.max(sd)];
  })));
  const stdMax = (await peak.data())[0];
  const [k, C, H, W] = imgs.shape;
  const images = wg.tidy(() => {
    const tile = wg.sub(wg.mul(std, 2 / Math.max(stdMax, 1e-12)), 1);
    return wg.concat([imgs, wg.expand(wg.reshape(tile, [1, 1, H, W]), [1, C, H, W])], 0);
  });
  imgs.dispose(); std.dispose(); peak.dispose();
  return { images, nrow: k + 1, stdMax };
}
