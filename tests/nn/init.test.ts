import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import * as nn from '../../src/nn/index.ts';
import { fx } from './helpers.ts';

const init = nn.init;

function stats(t: wg.Tensor): { mean: number; std: number; min: number; max: number } {
  const d = Array.from(t.dataSync());
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  return { mean, std, min: Math.min(...d), max: Math.max(...d) };
}

describe('nn.init', () => {
  it('calculateGain and fans match torch', () => {
    for (const [k, v] of Object.entries(fx.init.gains)) expect(init.calculateGain(k as Parameters<typeof init.calculateGain>[0])).toBeCloseTo(v as number, 12);
    expect(init.calculateGain('leaky_relu', 0.2)).toBeCloseTo(fx.init.leakyGain02, 12);
    expect(init.calculateFanInAndFanOut([4, 3, 5, 2])).toEqual(fx.init.fans);
    expect(() => init.calculateFanInAndFanOut(wg.zeros([3]))).toThrow(/fewer than 2 dimensions/);
  });

  it('fills in place: same tensor object, new values, no leaked buffers', () => {
    wg.manualSeed(7);
    const p = new nn.Parameter(wg.zeros([200, 100]));
    const before = wg.memory().liveBuffers;
    expect(init.normal_(p, 2, 0.5)).toBe(p);
    let s = stats(p);
    expect(Math.abs(s.mean - 2)).toBeLessThan(0.02);
    expect(Math.abs(s.std - 0.5)).toBeLessThan(0.02);
    init.uniform_(p, -3, -1);
    s = stats(p);
    expect(s.min).toBeGreaterThanOrEqual(-3);
    expect(s.max).toBeLessThan(-1);
    init.constant_(p, 0.25);
    expect(stats(p).min).toBe(0.25);
    init.ones_(p);
    init.zeros_(p);
    expect(stats(p).max).toBe(0);
    expect(p.requiresGrad && p.isLeaf).toBe(true);
    expect(wg.memory().liveBuffers).toBe(before);
  });

  it('xavier and kaiming scales', () => {
    wg.manualSeed(2);
    const w = new nn.Parameter(wg.zeros([300, 200]));
    init.xavierUniform_(w, 2);
    const a = 2 * Math.sqrt(6 / 500);
    expect(stats(w).max).toBeLessThanOrEqual(a);
    expect(stats(w).max).toBeGreaterThan(0.99 * a);
    init.xavierNormal_(w);
    expect(Math.abs(stats(w).std - Math.sqrt(2 / 500))).toBeLessThan(0.002);
    init.kaimingNormal_(w, { mode: 'fan_out', nonlinearity: 'relu' });
    expect(Math.abs(stats(w).std - Math.SQRT2 / Math.sqrt(300))).toBeLessThan(0.002);
    init.kaimingUniform_(w, { a: Math.sqrt(5) });
    expect(stats(w).max).toBeLessThanOrEqual(1 / Math.sqrt(200));
    expect(() => init.kaimingUniform_(w, { mode: 'fan_avg' as never })).toThrow(/mode must be/);
  });

  it('float64 parameters stay float64', () => {
    const p = new nn.Parameter(wg.zeros([3, 3], { dtype: 'float64' }));
    init.kaimingUniform_(p);
    expect(p.dtype).toBe('float64');
  });
});
