import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classCoverage, frechetDistance, inceptionScore, modeMetrics } from '../../src/gan/metrics.ts';
import { symmetricEigen } from '../../src/gan/linalg.ts';

const fx = JSON.parse(readFileSync(new URL('../fixtures/gan/metrics.json', import.meta.url), 'utf8'));

describe('metrics', () => {
  it('FID matches a PyTorch eigh reference', () => {
    const { a, b, n, m, d, fid } = fx.fid;
    expect(frechetDistance(a, n, b, m, d)).toBeCloseTo(fid, 8);
  });

  it('FID of a set with itself is 0 and is symmetric', () => {
    const { a, b, n, m, d } = fx.fid;
    expect(Math.abs(frechetDistance(a, n, a, n, d))).toBeLessThan(1e-8);
    expect(frechetDistance(a, n, b, m, d)).toBeCloseTo(frechetDistance(b, m, a, n, d), 8);
  });

  it('Inception score matches the reference (10 splits)', () => {
    const { probs, n, classes, mean, std } = fx.is;
    const s = inceptionScore(probs, n, classes, 10);
    expect(s.mean).toBeCloseTo(mean, 10);
    expect(s.std).toBeCloseTo(std, 10);
  });

  it('Inception score is 1 for identical predictions and K for confident uniform ones', () => {
    const k = 4, n = 40;
    const same = new Float64Array(n * k).fill(0.25);
    expect(inceptionScore(same, n, k, 1).mean).toBeCloseTo(1, 12);
    const conf = new Float64Array(n * k);
    for (let i = 0; i < n; i++) conf[i * k + (i % k)] = 1;
    expect(inceptionScore(conf, n, k, 1).mean).toBeCloseTo(k, 12);
  });

  it('Jacobi eigendecomposition reconstructs the matrix', () => {
    const d = 5;
    const a = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) a[i * d + j] = a[j * d + i] = Math.sin(i * 7 + j * 3) + (i === j ? 3 : 0);
    const { values, vectors: V } = symmetricEigen(a, d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += V[i * d + k] * values[k] * V[j * d + k];
      expect(s).toBeCloseTo(a[i * d + j], 10);
    }
  });

  it('mode metrics follow the PacGAN protocol', () => {
    const modes: [number, number][] = [[0, 0], [1, 0], [0, 1], [1, 1]];
    // 3 samples on mode 0, 1 on mode 1 but 0.5 away (> 3 std of 0.1: low quality), none near modes 2, 3
    const pts = [0, 0, 0.01, 0, 0, 0.02, 1, 0.45];
    const m = modeMetrics(pts, modes, 0.1);
    expect(m.modes).toBe(1);
    expect(m.highQuality).toBeCloseTo(75, 10);
    expect(m.histogram).toEqual([3, 1, 0, 0]);
    expect(m.highQualityHistogram).toEqual([3, 0, 0, 0]);
    expect(m.underformedModes).toBe(1); // mode 1: its one sample is off-mode
    // KL(p ‖ U) with p = (3/4, 1/4, 0, 0)
    expect(m.reverseKL).toBeCloseTo(0.75 * Math.log(0.75 * 4) + 0.25 * Math.log(0.25 * 4), 12);
    const uniform = modeMetrics([0, 0, 1, 0, 0, 1, 1, 1], modes, 0.1);
    expect(uniform.modes).toBe(4);
    expect(uniform.reverseKL).toBeCloseTo(0, 12);
    expect(uniform.underformedModes).toBe(0);
    // a mode half of whose samples are sharp is not under-formed; one with 1 of 3 is
    const mixed = modeMetrics([0, 0, 0, 0.4, 1, 0, 1, 0.45, 1, 0.4], modes, 0.1);
    expect(mixed.highQualityHistogram).toEqual([1, 1, 0, 0]);
    expect(mixed.histogram).toEqual([2, 3, 0, 0]);
    expect(mixed.underformedModes).toBe(1);
  });

  it('class coverage counts predicted classes', () => {
    const probs = [0.9, 0.1, 0, 0.2, 0.8, 0, 0.7, 0.3, 0];
    const c = classCoverage(probs, 3, 3);
    expect(c.histogram).toEqual([2, 1, 0]);
    expect(c.covered).toBe(2);
  });
});
