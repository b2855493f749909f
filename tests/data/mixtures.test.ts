import { describe, expect, it } from 'vitest';
import { MIXTURES, mixtureModes, sampleMixture } from '../../src/data/index.ts';
import { manualSeed } from '../../src/index.ts';

const N = 10_000;

async function draw(name: (typeof MIXTURES)[number], n = N): Promise<Float32Array> {
  const t = sampleMixture(name, n);
  expect(t.shape).toEqual([n, 2]);
  expect(t.dtype).toBe('float32');
  const d = (await t.data()) as Float32Array;
  t.dispose();
  return d;
}

describe('2-D mixtures', () => {
  it('mode tables follow PacGAN/VEEGAN', () => {
    const ring = mixtureModes('ring')!;
    expect(ring.std).toBe(0.01);
    expect(ring.centres).toHaveLength(8);
    ring.centres.forEach(([x, y], i) => {
      expect(x).toBeCloseTo(Math.cos((2 * Math.PI * i) / 8), 12);
      expect(y).toBeCloseTo(Math.sin((2 * Math.PI * i) / 8), 12);
    });
    const grid = mixtureModes('grid')!;
    expect(grid.std).toBe(0.05);
    expect(grid.centres).toHaveLength(25);
    expect(new Set(grid.centres.map(([x, y]) => `${x},${y}`)).size).toBe(25);
    for (const [x, y] of grid.centres) for (const v of [x, y]) expect([-4, -2, 0, 2, 4]).toContain(v);
    expect(mixtureModes('spiral')).toBeNull();
    expect(() => mixtureModes('swirl' as 'ring')).toThrow(/unknown mixture "swirl"/);
  });

  it.each(['ring', 'grid'] as const)('%s: every mode equally likely, centred, with the right std (10k samples)', async (name) => {
    manualSeed(123);
    const d = await draw(name);
    const { centres, std } = mixtureModes(name)!;
    const K = centres.length;
    const count = new Array(K).fill(0), sx = new Array(K).fill(0), sy = new Array(K).fill(0), sxx = new Array(K).fill(0), syy = new Array(K).fill(0);
    for (let i = 0; i < N; i++) {
      const x = d[2 * i], y = d[2 * i + 1];
      let best = 0, bd = Infinity;
      centres.forEach(([cx, cy], k) => {
        const dd = (x - cx) ** 2 + (y - cy) ** 2;
        if (dd < bd) { bd = dd; best = k; }
      });
      expect(Math.sqrt(bd)).toBeLessThan(6 * std); // nothing between modes
      const dx = x - centres[best][0], dy = y - centres[best][1];
      count[best]++; sx[best] += dx; sy[best] += dy; sxx[best] += dx * dx; syy[best] += dy * dy;
    }
    const p = 1 / K, sd = Math.sqrt(N * p * (1 - p));
    for (let k = 0; k < K; k++) {
      expect(Math.abs(count[k] - N * p)).toBeLessThan(4.5 * sd);
      const n = count[k];
      // mean offset within 5 standard errors; per-mode std within 25 % (≥ 5 standard errors at n ≈ 400)
      expect(Math.abs(sx[k] / n)).toBeLessThan((5 * std) / Math.sqrt(n));
      expect(Math.abs(sy[k] / n)).toBeLessThan((5 * std) / Math.sqrt(n));
      for (const ss of [sxx[k], syy[k]]) {
        expect(Math.sqrt(ss / n) / std).toBeGreaterThan(0.75);
        expect(Math.sqrt(ss / n) / std).toBeLessThan(1.25);
      }
    }
    // pooled over all modes (n = 10k, standard error 0.7 %): within 3 %
    for (const ss of [sxx, syy]) {
      const pooled = Math.sqrt(ss.reduce((a, b) => a + b) / N) / std;
      expect(pooled).toBeGreaterThan(0.97);
      expect(pooled).toBeLessThan(1.03);
    }
  });

  it('spiral: radius ≤ 1 (+ noise), covering two turns', async () => {
    manualSeed(5);
    const d = await draw('spiral');
    const turns = new Set<number>();
    for (let i = 0; i < N; i++) {
      const r = Math.hypot(d[2 * i], d[2 * i + 1]);
      expect(r).toBeLessThan(1.1);
      turns.add(Math.min(1, Math.floor(r * 2)));
    }
    expect(turns).toEqual(new Set([0, 1]));
  });

  it('moons: centred (mean ≈ 0), x in [-1.5, 1.5], two clusters', async () => {
    manualSeed(6);
    const d = await draw('moons');
    let mx = 0, my = 0, upper = 0;
    for (let i = 0; i < N; i++) {
      mx += d[2 * i] / N;
      my += d[2 * i + 1] / N;
      expect(Math.abs(d[2 * i])).toBeLessThan(1.75);
      // the outer moon's mean y is 2/π - 0.25 ≈ 0.39, the inner one's 0.5 - 2/π - 0.25 ≈ -0.39
      if (d[2 * i + 1] > 0) upper++;
    }
    expect(Math.abs(mx)).toBeLessThan(0.03);
    expect(Math.abs(my)).toBeLessThan(0.03);
    expect(upper / N).toBeGreaterThan(0.35);
    expect(upper / N).toBeLessThan(0.65);
  });

  it('is reproducible from manualSeed and advances the global generator', async () => {
    for (const name of MIXTURES) {
      manualSeed(42);
      const a = await draw(name, 64);
      const b = await draw(name, 64);
      manualSeed(42);
      const a2 = await draw(name, 64);
      expect(a2).toEqual(a);
      expect(b).not.toEqual(a);
    }
    expect(() => sampleMixture('ring', -1)).toThrow(/non-negative integer/);
  });
});
