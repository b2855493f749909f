/**
 * 2-D toy distributions for GAN mode-collapse experiments.
 * ring and grid follow the PacGAN / VEEGAN protocol exactly:
 *   ring:   8 Gaussians, centres (cos 2πi/8, sin 2πi/8), i = 0..7 (radius 1), std 0.01, equal weights
 *   grid:  25 Gaussians, centres {-4,-2,0,2,4}², std 0.05, equal weights
 * and two continuous shapes (parameters are webgan's own):
 *   spiral: θ = 4π√u, u ~ U[0,1); point √u·(cos θ, sin θ) + N(0, 0.02²)   (two turns, radius ≤ 1;
 *           √u makes the density roughly uniform along the arc)
 *   moons:  scikit-learn's make_moons, centred: outer (cos θ, sin θ), inner (1 - cos θ, 0.5 - sin θ),
 *           θ ~ U[0, π), moon ~ Bernoulli(1/2), minus (0.5, 0.25), + N(0, 0.05²)
 * Sampling uses the global Philox generator (manualSeed), so it is reproducible on every backend.
 */
import { add, cast, cos, indexSelect, mul, rand, randint, randn, sin, sqrt, stack, sub, tensor } from '../tensor/ops.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';

export type MixtureName = 'ring' | 'grid' | 'spiral' | 'moons';
export const MIXTURES: readonly MixtureName[] = ['ring', 'grid', 'spiral', 'moons'];

export interface MixtureModes {
  /** mode centres, [K][2] */
  centres: [number, number][];
  /** per-coordinate standard deviation of every mode */
  std: number;
}

const NOISE_STD: Record<MixtureName, number> = { ring: 0.01, grid: 0.05, spiral: 0.02, moons: 0.05 };

/** Plot extent [xmin, xmax, ymin, ymax] that holds each distribution with a margin. */
export const MIXTURE_EXTENT: Record<MixtureName, [number, number, number, number]> = {
  ring: [-1.5, 1.5, -1.5, 1.5],
  grid: [-5.5, 5.5, -5.5, 5.5],
  spiral: [-1.3, 1.3, -1.3, 1.3],
  moons: [-2, 2, -1.5, 1.5],
};

function check(name: string): MixtureName {
  if (!(MIXTURES as readonly string[]).includes(name)) throw new Error(`unknown mixture ${JSON.stringify(name)}; expected one of ${MIXTURES.join(', ')}`);
  return name as MixtureName;
}

/**
 * Mode centres and std of the discrete mixtures (ring, grid), for mode-coverage metrics;
 * null for the continuous shapes (spiral, moons) and for drawn data.
 */
export function mixtureModes(name: MixtureName | 'drawn'): MixtureModes | null {
  if (name === 'drawn') return null;
  switch (check(name)) {
    case 'ring':
      return { centres: Array.from({ length: 8 }, (_, i) => [Math.cos((2 * Math.PI * i) / 8), Math.sin((2 * Math.PI * i) / 8)]), std: NOISE_STD.ring };
    case 'grid': {
      const c: [number, number][] = [];
      for (const x of [-4, -2, 0, 2, 4]) for (const y of [-4, -2, 0, 2, 4]) c.push([x, y]);
      return { centres: c, std: NOISE_STD.grid };
    }
    default:
      return null;
  }
}

/** The noise std added to every sample of the named distribution. */
export function mixtureStd(name: MixtureName): number {
  return NOISE_STD[check(name)];
}

/** n samples as a float32 Tensor [n, 2] on the active backend. */
export function sampleMixture(name: MixtureName, n: number): Tensor {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`sampleMixture: n must be a non-negative integer, got ${n}`);
  const kind = check(name);
  const std = NOISE_STD[kind];
  return tidy(() => {
    let mean: Tensor;
    if (kind === 'ring' || kind === 'grid') {
      const modes = mixtureModes(kind)!;
      const centres = tensor(modes.centres.flat(), [modes.centres.length, 2]);
      mean = indexSelect(centres, 0, randint(0, modes.centres.length, [n])); // [n, 2]
    } else if (kind === 'spiral') {
      const r = sqrt(rand([n]));
      const theta = mul(r, 4 * Math.PI);
      mean = stack([mul(r, cos(theta)), mul(r, sin(theta))], 1);
    } else {
      const inner = cast(randint(0, 2, [n]), 'float32'); // 0 outer moon, 1 inner moon
      const theta = mul(rand([n]), Math.PI);
      const c = cos(theta), s = sin(theta);
      // outer: (c, s); inner: (1 - c, 0.5 - s)  ⇒  p = base + inner·(other - base)
      const x = add(c, mul(inner, sub(1, mul(c, 2))));
      const y = add(s, mul(inner, sub(0.5, mul(s, 2))));
      mean = stack([sub(x, 0.5), sub(y, 0.25)], 1);
    }
    return add(mean, mul(randn([n, 2]), std));
  });
}

/**
 * Drawn data (`data: 'drawn'`, the lab's draw mode): points someone drew on [−2, 2]², stored in the
 * run's config (TrainConfig.points, flat x, y, …). A real sample is one of them, uniformly, plus
 * N(0, DRAWN_STD²) per coordinate (GAN Lab's jitter), drawn from the global Philox generator like
 * the mixtures, so a drawn run is as reproducible and resumable as theirs.
 */
export const DRAWN_EXTENT: [number, number, number, number] = [-2, 2, -2, 2];
export const DRAWN_STD = 0.02;
export const DRAWN_MAX_POINTS = 1000;

/** What is wrong with a drawn point set (a message), or null when it is usable. */
export function drawnPointsError(points: unknown): string | null {
  if (!Array.isArray(points) || points.length === 0) return 'drawn data needs its points (at least one, drawn in the lab)';
  if (points.length % 2) return `drawn points are x, y pairs: got ${points.length} numbers`;
  if (points.length / 2 > DRAWN_MAX_POINTS) return `at most ${DRAWN_MAX_POINTS} drawn points, got ${points.length / 2}`;
  const [x0, x1] = DRAWN_EXTENT;
  const bad = points.findIndex((v) => typeof v !== 'number' || !(v >= x0 && v <= x1));
  if (bad >= 0) return `drawn point ${Math.floor(bad / 2)} has ${bad % 2 ? 'y' : 'x'} = ${JSON.stringify(points[bad])}; points lie in [${x0}, ${x1}]²`;
  return null;
}

/** The plot extent of a 2-D data set (a mixture's, or [−2, 2]² for drawn data). */
export function dataExtent(name: string): [number, number, number, number] {
  return name === 'drawn' ? DRAWN_EXTENT : MIXTURE_EXTENT[check(name)];
}

/** n samples of drawn data: a uniformly chosen point (flat x, y pairs) plus N(0, DRAWN_STD²) noise, [n, 2]. */
export function sampleDrawn(points: number[], n: number): Tensor {
  const err = drawnPointsError(points);
  if (err) throw new Error(err);
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`sampleDrawn: n must be a non-negative integer, got ${n}`);
  return tidy(() => {
    const centres = tensor(points, [points.length / 2, 2]);
    return add(indexSelect(centres, 0, randint(0, points.length / 2, [n])), mul(randn([n, 2]), DRAWN_STD));
  });
}
