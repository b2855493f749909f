/**
 * mlp2d's depth and width options (the lab's small networks) and the trainer's single updates
 * (the lab's "D step" and "G step").
 */
import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { buildGan } from '../../src/gan/models.ts';
import { ConfigError, resolveConfig } from '../../src/gan/config.ts';
import { GanTrainer } from '../../src/gan/trainer.ts';

/** Σ of every parameter of mlp2d at seed 0, written by the code before depth/width existed (3 × 256 hard-coded). */
const DEFAULT_SUMS = [
  10.826233059167862, 12.990483403205872, 1.0732817947864532, 0.035574547946453094, -12.71465989202261, 0.42335525900125504, 2.157883659005165,
  -0.0841197818517685, 4.028952926397324, 0.375003844499588, 16.193883068859577, -0.02998560667037964, 9.261547639966011, -0.5341427326202393,
  0.6097838655114174, 0.06033198535442352,
];

async function sums(m: { G: { parameters(): wg.Tensor[] }; D: { parameters(): wg.Tensor[] } }): Promise<number[]> {
  const out: number[] = [];
  for (const p of [...m.G.parameters(), ...m.D.parameters()]) {
    let s = 0;
    for (const v of await p.data()) s += v;
    out.push(s);
  }
  return out;
}

describe('mlp2d depth and width', () => {
  it('the defaults draw the same initial weights as the fixed 3 × 256 networks did', async () => {
    wg.manualSeed(0);
    const m = buildGan('mlp2d');
    expect(await sums(m)).toEqual(DEFAULT_SUMS);
    wg.manualSeed(0);
    expect(await sums(buildGan('mlp2d', { mlp2d: { gDepth: 3, gWidth: 256, dDepth: 3, dWidth: 256 } }))).toEqual(DEFAULT_SUMS);
    expect(resolveConfig({ preset: 'mlp2d' })).not.toHaveProperty('gDepth');
  });

  it('builds the requested layers, with packing in D', () => {
    const m = buildGan('mlp2d', { pack: 2, mlp2d: { gDepth: 2, gWidth: 16, dDepth: 4, dWidth: 8 } });
    expect(m.G.parameters().map((p) => p.shape)).toEqual([[16, 2], [16], [16, 16], [16], [2, 16], [2]]);
    expect(m.D.parameters().map((p) => p.shape)).toEqual([[8, 4], [8], [8, 8], [8], [8, 8], [8], [8, 8], [8], [1, 8], [1]]);
    const x = wg.tidy(() => m.discriminate(m.generate(m.noise(6))));
    expect(x.shape).toEqual([3]);
  });

  it('validates the options and keeps them to mlp2d', async () => {
    expect(() => resolveConfig({ preset: 'mlp2d', gDepth: 0 })).toThrow(/--g-depth must be an integer ≥ 1, got 0/);
    expect(() => resolveConfig({ preset: 'mlp2d', dWidth: 2.5 })).toThrow(ConfigError);
    expect(() => resolveConfig({ preset: 'dcgan', gWidth: 32 })).toThrow(/--g-width applies to --preset mlp2d only/);
    const t = await GanTrainer.create({ preset: 'mlp2d', data: 'grid', batch: 8, gDepth: 1, gWidth: 4, dDepth: 2, dWidth: 5 });
    expect(t.models.G.parameters().map((p) => p.shape)).toEqual([[4, 2], [4], [2, 4], [2]]);
    expect(t.models.D.parameters()[0].shape).toEqual([5, 2]);
    t.dispose();
  });
});

describe('single critic and generator updates', () => {
  const cfg = { preset: 'mlp2d' as const, data: 'grid', batch: 16, seed: 3, gDepth: 2, gWidth: 16, dDepth: 2, dWidth: 16, nCritic: 2 };
  const params = async (t: GanTrainer) => Float64Array.from((await Promise.all([...t.models.G.parameters(), ...t.models.D.parameters()].map((p) => p.data()))).flatMap((d) => Array.from(d)));

  it('nCritic critic updates then a generator update make exactly trainStep()', async () => {
    const a = await GanTrainer.create(cfg);
    for (let i = 0; i < 3; i++) a.trainStep();
    const pa = await params(a);
    const stepA = a.step;
    a.dispose();
    const b = await GanTrainer.create(cfg);
    const seen: number[][] = [];
    for (let i = 0; i < 3; i++) {
      for (let k = 0; k < cfg.nCritic; k++) {
        const s = b.criticUpdate();
        expect(s.shape).toEqual([5]);
        seen.push(Array.from(await s.data()));
        s.dispose();
      }
      const g = b.generatorUpdate();
      expect(g.shape).toEqual([]);
      seen.push(Array.from(await g.data()));
      g.dispose();
    }
    expect(b.step).toBe(stepA);
    const pb = await params(b);
    b.dispose();
    expect(pb.length).toBe(pa.length);
    expect(pb.every((v, i) => Object.is(v, pa[i]))).toBe(true);
    expect(seen.flat().every(Number.isFinite)).toBe(true);
  });

  it('a critic update moves D only and is not a step; a generator update moves G only', async () => {
    const t = await GanTrainer.create(cfg);
    const g0 = await params(t);
    const nG = t.models.G.parameters().reduce((a, p) => a + p.size, 0);
    t.criticUpdate().dispose();
    const g1 = await params(t);
    expect(t.step).toBe(0);
    expect(g1.subarray(0, nG).every((v, i) => v === g0[i])).toBe(true);
    expect(g1.subarray(nG).some((v, i) => v !== g0[nG + i])).toBe(true);
    t.generatorUpdate().dispose();
    const g2 = await params(t);
    expect(t.step).toBe(1);
    expect(g2.subarray(0, nG).some((v, i) => v !== g1[i])).toBe(true);
    expect(g2.subarray(nG).every((v, i) => v === g1[nG + i])).toBe(true);
    t.dispose();
  });
});
