import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import * as nn from '../../src/nn/index.ts';
import { expectClose } from './helpers.ts';

describe('nn extras', () => {
  it('spectralNorm also applies when forward() is called directly, and removal restores forward', () => {
    const m = nn.spectralNorm(new nn.Linear(3, 2));
    const x = wg.ones([1, 3]);
    const a = (m.forward(x) as wg.Tensor).dataSync();
    m.eval();
    const b = (m.call(x) as wg.Tensor).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    nn.removeSpectralNorm(m);
    expect(Object.prototype.hasOwnProperty.call(m, 'forward')).toBe(false);
    expectClose(m.call(x) as wg.Tensor, Array.from(b), 1e-6, 1e-6);
  });

  it('getSubmodule / getParameter', () => {
    const m = new nn.Sequential(new nn.Sequential(new nn.Linear(2, 3)), new nn.ReLU());
    expect(m.getSubmodule('0.0')).toBeInstanceOf(nn.Linear);
    expect(m.getParameter('0.0.bias')).toBe((m.getSubmodule('0.0') as nn.Linear).bias);
    expect(() => m.getSubmodule('0.5')).toThrow(/no attribute `5`/);
  });

  it('addParamGroup', () => {
    const a = new nn.Parameter(wg.zeros([1])), b = new nn.Parameter(wg.zeros([1]));
    const opt = new nn.Adam([a], { lr: 0.1 });
    opt.addParamGroup({ params: [b], lr: 0.5 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.5]);
    expect(opt.paramGroups[1].betas).toEqual([0.9, 0.999]);
    expect(() => opt.addParamGroup({ params: [a] })).toThrow(/more than one parameter group/);
  });

  it('loadStateDict copies from tensors on another (host) backend', () => {
    const m = new nn.Linear(2, 1);
    const active = wg.getBackend();
    const other = new wg.CpuBackend();
    wg.setBackend(other);
    const w = wg.tensor([[3, 4]]), b = wg.tensor([5]);
    wg.setBackend(active);
    m.loadStateDict({ weight: w, bias: b });
    expect(m.weight.backend).toBe(active);
    expect(Array.from((m.call(wg.ones([1, 2])) as wg.Tensor).dataSync())).toEqual([12]);
  });

  it('gradient penalty (grad of grad) flows through nn layers to the parameters (float64, vs finite differences)', () => {
    wg.manualSeed(11);
    const f64 = { dtype: 'float64' as const };
    const D = new nn.Sequential(new nn.Linear(3, 4, f64), new nn.LeakyReLU(0.2), new nn.Linear(4, 1, f64));
    const x = wg.randn([5, 3], f64);
    const penalty = (): wg.Tensor => {
      const xi = x.detach().requiresGrad_();
      const [g] = wg.grad((D.call(xi) as wg.Tensor).sum(), xi, { createGraph: true });
      return g.square().sum(1).sqrt().sub(1).square().mean();
    };
    penalty().backward();
    const p = D.getParameter('0.weight');
    const analytic = p.grad!.dataSync()[2];
    const h = 1e-6;
    const base = Float64Array.from(p.dataSync());
    const at = (delta: number) => {
      const v = Float64Array.from(base);
      v[2] += delta;
      nn.assign_(p, wg.tensor(v, p.shape, f64));
      return wg.tidy(() => penalty().dataSync()[0]);
    };
    const numeric = (at(h) - at(-h)) / (2 * h);
    nn.assign_(p, wg.tensor(base, p.shape, f64));
    expect(Math.abs(numeric - analytic)).toBeLessThan(1e-6 * Math.max(1, Math.abs(analytic)));
  });

  it('BatchNorm with cumulative momentum keeps memory flat', () => {
    const bn = new nn.BatchNorm1d(3, { momentum: null });
    const x = wg.randn([8, 3]);
    wg.tidy(() => { bn.call(x); });
    const start = wg.memory().liveBuffers;
    for (let i = 0; i < 50; i++) wg.tidy(() => { bn.call(x); });
    expect(wg.memory().liveBuffers).toBe(start);
    expect(bn.num_batches_tracked!.dataSync()[0]).toBe(51);
  });
});
