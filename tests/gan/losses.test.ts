import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { ganLosses, gradientPenalty, r1Penalty } from '../../src/gan/losses.ts';

const sp = (x: number) => Math.log1p(Math.exp(x));
const meanOf = (xs: number[], f: (x: number) => number) => xs.reduce((a, x) => a + f(x), 0) / xs.length;

describe('GAN losses', () => {
  const r = [2.5, -0.3, 0.7], f = [-1.2, 0.4, 3.1];
  const R = () => wg.tensor(r, undefined, { dtype: 'float64' });
  const F = () => wg.tensor(f, undefined, { dtype: 'float64' });
  const cases: [keyof typeof ganLosses, number, number][] = [
    ['minimax', meanOf(r, (x) => sp(-x)) + meanOf(f, sp), -meanOf(f, sp)],
    ['nsgan', meanOf(r, (x) => sp(-x)) + meanOf(f, sp), meanOf(f, (x) => sp(-x))],
    ['wgan', meanOf(f, (x) => x) - meanOf(r, (x) => x), -meanOf(f, (x) => x)],
    ['hinge', meanOf(r, (x) => Math.max(0, 1 - x)) + meanOf(f, (x) => Math.max(0, 1 + x)), -meanOf(f, (x) => x)],
    ['lsgan', 0.5 * (meanOf(r, (x) => (x - 1) ** 2) + meanOf(f, (x) => x * x)), 0.5 * meanOf(f, (x) => (x - 1) ** 2)],
  ];
  it.each(cases)('%s matches its formula', async (name, dExpected, gExpected) => {
    expect(await ganLosses[name].d(R(), F()).item()).toBeCloseTo(dExpected, 12);
    expect(await ganLosses[name].g(F()).item()).toBeCloseTo(gExpected, 12);
  });

  it('non-saturating D loss is finite for logits of ±1e4', async () => {
    const big = wg.tensor([1e4, -1e4]);
    const v = await ganLosses.nsgan.d(big, big).item();
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeCloseTo(1e4 / 2 + 1e4 / 2, 0);
  });

  it('gradient penalty of a linear critic is (‖w‖ − 1)² and differentiable in w', async () => {
    wg.manualSeed(1);
    const w = wg.tensor([[3], [4]], undefined, { dtype: 'float64', requiresGrad: true });
    const D = (x: wg.Tensor) => wg.matmul(x, w);
    const real = wg.randn([8, 2], { dtype: 'float64' }), fake = wg.randn([8, 2], { dtype: 'float64' });
    const gp = gradientPenalty(D, real, fake);
    expect(await gp.item()).toBeCloseTo(16, 8); // (5 − 1)²
    gp.backward();
    // d/dw (‖w‖ − 1)² = 2(‖w‖ − 1) w / ‖w‖ = 2·4·(3,4)/5
    expect(Array.from(await w.grad!.data())).toEqual([expect.closeTo(4.8, 6), expect.closeTo(6.4, 6)]);
  });

  it('R1 of a quadratic critic is ½ E‖2x‖²', async () => {
    const x = wg.tensor([[1, 2], [0, -1]], undefined, { dtype: 'float64' });
    const D = (v: wg.Tensor) => wg.sum(wg.square(v), 1);
    // ∇ = 2x; ½ mean(‖2x‖²) = ½ · (20 + 4)/2 = 6
    expect(await r1Penalty(D, x).item()).toBeCloseTo(6, 10);
  });
});
