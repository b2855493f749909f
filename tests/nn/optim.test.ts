import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import * as nn from '../../src/nn/index.ts';
import { T, expectClose, fx } from './helpers.ts';

const O = fx.optim;

/** mean((X w + b − Y)²) + 0.1·Σ w⁴, the fixture's problem */
function lossOf(w: wg.Tensor, b: wg.Tensor, dtype: wg.DType): wg.Tensor {
  const X = T(O.X, dtype), Y = T(O.Y, dtype);
  const r = wg.add(wg.matmul(X, w), b).sub(Y);
  return wg.add(r.mul(r).mean(), w.pow(4).sum().mul(0.1));
}

type Make = (ps: wg.Tensor[], opts: any) => nn.Optimizer<any>;
const makers: Record<string, Make> = {
  sgd: (ps, o) => new nn.SGD(ps, o),
  sgdMomentumNesterovWd: (ps, o) => new nn.SGD(ps, o),
  sgdDampening: (ps, o) => new nn.SGD(ps, o),
  adam: (ps, o) => new nn.Adam(ps, o),
  adamWdAmsgrad: (ps, o) => new nn.Adam(ps, o),
  adamW: (ps, o) => new nn.AdamW(ps, o),
  rmsprop: (ps, o) => new nn.RMSprop(ps, o),
  rmspropCenteredMomentumWd: (ps, o) => new nn.RMSprop(ps, o),
};

function run(make: Make, opts: any, steps: any[], dtype: wg.DType, rtol: number): void {
  const w = new nn.Parameter(T(O.W0, dtype)), b = new nn.Parameter(T(O.B0, dtype));
  const opt = make([w, b], opts);
  for (const ref of steps) {
    opt.zeroGrad();
    wg.tidy(() => lossOf(w, b, dtype).backward());
    opt.step();
    expectClose(w, ref.w, rtol, rtol * 1e-2);
    expectClose(b, ref.b, rtol, rtol * 1e-2);
  }
}

describe('optimizer trajectories vs torch (5 steps)', () => {
  for (const [name, c] of Object.entries(O.cases) as [string, any][]) {
    it(`${name} (float64)`, () => run(makers[name], c.opts, c.steps, 'float64', 1e-9));
  }
  it('Adam float32: fused kernel and composed ops both follow torch float32', () => {
    const c = O.adamFloat32;
    expect(typeof wg.getBackend().fused?.adamUpdate).toBe('function');
    run((ps, o) => new nn.Adam(ps, o), c.opts, c.steps, 'float32', 2e-5);
    run((ps, o) => new nn.Adam(ps, { ...o, fused: false }), c.opts, c.steps, 'float32', 2e-5);
  });
  it('fused and composed Adam/AdamW agree step by step (float32)', () => {
    for (const Cls of [nn.Adam, nn.AdamW]) {
      wg.manualSeed(5);
      const p1 = new nn.Parameter(wg.randn([64])), p2 = new nn.Parameter(wg.tensor(p1.dataSync()));
      const o1 = new Cls([p1], { lr: 0.01, weightDecay: 0.1 }), o2 = new Cls([p2], { lr: 0.01, weightDecay: 0.1, fused: false });
      for (let i = 0; i < 10; i++) {
        const g = wg.randn([64]);
        p1.grad = g; p2.grad = g.detach();
        o1.step(); o2.step();
        o1.zeroGrad(); o2.zeroGrad();
        const a = p1.dataSync(), b = p2.dataSync();
        for (let j = 0; j < 64; j++) expect(Math.abs(a[j] - b[j])).toBeLessThan(1e-6);
      }
    }
  });
});

describe('in-place updates keep identity; state dicts', () => {
  it('the optimizer updates the module\'s own parameter objects', () => {
    const m = new nn.Linear(3, 2);
    const w = m.weight;
    const before = Array.from(w.dataSync());
    const opt = new nn.SGD(m.parameters(), { lr: 0.5 });
    wg.tidy(() => (m.call(wg.ones([1, 3])) as wg.Tensor).sum().backward());
    opt.step();
    expect(m.weight).toBe(w);
    expect(m.weight.isLeaf && m.weight.requiresGrad).toBe(true);
    expectClose(m.weight, before.map((v) => v - 0.5), 1e-6, 1e-6);
  });

  it('fused updates never change a snapshot that shares storage (copy-on-write)', () => {
    const p = new nn.Parameter(wg.ones([4]));
    const snap = p.detach();
    const opt = new nn.Adam([p], { lr: 0.1 });
    p.grad = wg.ones([4]);
    opt.step();
    expect(Array.from(snap.dataSync())).toEqual([1, 1, 1, 1]);
    expect(p.dataSync()[0]).toBeCloseTo(0.9, 6);
  });

  it('stateDict → loadStateDict resumes the exact trajectory (Adam, SGD momentum, RMSprop)', () => {
    const cases: [string, Make, any][] = [
      ['adamWdAmsgrad', makers.adamWdAmsgrad, O.cases.adamWdAmsgrad.opts],
      ['sgdMomentumNesterovWd', makers.sgd, O.cases.sgdMomentumNesterovWd.opts],
      ['rmspropCenteredMomentumWd', makers.rmsprop, O.cases.rmspropCenteredMomentumWd.opts],
    ];
    for (const [name, make, opts] of cases) {
      const steps = O.cases[name].steps;
      const w = new nn.Parameter(T(O.W0)), b = new nn.Parameter(T(O.B0));
      const opt = make([w, b], opts);
      const stepOnce = (o: nn.Optimizer<any>, ww: wg.Tensor, bb: wg.Tensor) => {
        o.zeroGrad();
        wg.tidy(() => lossOf(ww, bb, 'float64').backward());
        o.step();
      };
      for (let i = 0; i < 3; i++) stepOnce(opt, w, b);
      const sd = opt.stateDict();
      expect(JSON.parse(JSON.stringify(sd.paramGroups))).toEqual(sd.paramGroups);
      // a fresh optimizer on copies of the parameters continues identically
      const w2 = new nn.Parameter(wg.tensor(w.dataSync(), w.shape, { dtype: 'float64' }));
      const b2 = new nn.Parameter(wg.tensor(b.dataSync(), b.shape, { dtype: 'float64' }));
      const opt2 = make([w2, b2], { lr: 123 });
      opt2.loadStateDict(sd);
      expect(opt2.paramGroups[0].lr).toBe(opts.lr);
      for (let i = 3; i < 5; i++) {
        stepOnce(opt2, w2, b2);
        expectClose(w2, steps[i].w, 1e-9, 1e-11);
        expectClose(b2, steps[i].b, 1e-9, 1e-11);
      }
    }
  });

  it('loadStateDict validates group count, group sizes and state shapes', () => {
    const a = new nn.Parameter(wg.zeros([2])), b = new nn.Parameter(wg.zeros([3]));
    const opt = new nn.Adam([a, b]);
    a.grad = wg.ones([2]); b.grad = wg.ones([3]);
    opt.step();
    const sd = opt.stateDict();
    expect(() => new nn.Adam([a]).loadStateDict(sd)).toThrow(/doesn't match the size/);
    expect(() => new nn.Adam([{ params: [a] }, { params: [b] }]).loadStateDict(sd)).toThrow(/1 parameter groups, the optimizer has 2/);
    expect(() => new nn.Adam([b, a]).loadStateDict(sd)).toThrow(/has shape \[2\], the parameter has \[3\]/);
  });

  it('param groups carry their own hyperparameters', () => {
    const a = new nn.Parameter(wg.zeros([1])), b = new nn.Parameter(wg.zeros([1]));
    const opt = new nn.SGD([{ params: [a] }, { params: [b], lr: 1 }], { lr: 0.1 });
    a.grad = wg.ones([1]); b.grad = wg.ones([1]);
    opt.step();
    expect(a.dataSync()[0]).toBeCloseTo(-0.1, 6);
    expect(b.dataSync()[0]).toBeCloseTo(-1, 6);
    expect(() => new nn.SGD([a, a], { lr: 1 })).not.toThrow();
    expect(() => new nn.SGD([{ params: [a] }, { params: [a] }], { lr: 1 })).toThrow(/more than one parameter group/);
    expect(() => new nn.SGD([a], { lr: 1, nesterov: true })).toThrow(/nesterov/);
  });
});

describe('gradient clipping vs torch', () => {
  const setGrads = () => {
    const ps = fx.clip.grads.map((g: any) => new nn.Parameter(wg.zeros(g.shape, { dtype: 'float64' })));
    ps.forEach((p: wg.Tensor, i: number) => { p.grad = T(fx.clip.grads[i]); });
    return ps as wg.Tensor[];
  };
  it('clipGradNorm (2-norm, ∞-norm, no clipping below the max)', () => {
    let ps = setGrads();
    expectClose(nn.clipGradNorm(ps, 1.0), fx.clip.norm2, 1e-12);
    ps.forEach((p, i) => expectClose(p.grad!, fx.clip.clipped2[i], 1e-9));
    ps = setGrads();
    expectClose(nn.clipGradNorm(ps, 0.5, Infinity), fx.clip.normInf, 1e-12);
    ps.forEach((p, i) => expectClose(p.grad!, fx.clip.clippedInf[i], 1e-9));
    ps = setGrads();
    expectClose(nn.clipGradNorm(ps, 100), fx.clip.normBig, 1e-12);
    ps.forEach((p, i) => expectClose(p.grad!, fx.clip.grads[i], 1e-12));
  });
  it('clipGradValue', () => {
    const p = new nn.Parameter(wg.zeros([3]));
    p.grad = wg.tensor([-3, 0.5, 2]);
    nn.clipGradValue([p], 1);
    expect(Array.from(p.grad.dataSync())).toEqual([-1, 0.5, 1]);
  });
});

describe('LR schedulers vs torch', () => {
  const seq = (make: (o: nn.Optimizer) => nn.LRScheduler, n: number) => {
    const opt = new nn.SGD([new nn.Parameter(wg.zeros([1]))], { lr: 0.5 });
    const s = make(opt);
    const out = [s.getLastLr()[0]];
    for (let i = 0; i < n; i++) { opt.step(); s.step(); out.push(s.getLastLr()[0]); }
    expect(opt.paramGroups[0].lr).toBe(out[out.length - 1]);
    return out;
  };
  const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-12));
  it('StepLR', () => close(seq((o) => new nn.StepLR(o, 3, 0.5), 10), fx.schedulers.stepLR));
  it('CosineAnnealingLR (past tMax)', () => close(seq((o) => new nn.CosineAnnealingLR(o, 5, 0.01), 14), fx.schedulers.cosine));
  it('ExponentialLR', () => close(seq((o) => new nn.ExponentialLR(o, 0.9), 5), fx.schedulers.exponential));
});

describe('memory', () => {
  it('stays flat over 200 training steps (Adam fused and composed, SGD momentum, RMSprop, BatchNorm, spectral norm)', () => {
    wg.manualSeed(0);
    const makeModel = () => new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.LeakyReLU(0.2), nn.spectralNorm(new nn.Linear(8, 1)));
    const setups: [nn.Module, nn.Optimizer<any>][] = [];
    for (const make of [
      (ps: wg.Tensor[]) => new nn.Adam(ps, { lr: 1e-3 }),
      (ps: wg.Tensor[]) => new nn.AdamW(ps, { lr: 1e-3, fused: false, amsgrad: true }),
      (ps: wg.Tensor[]) => new nn.SGD(ps, { lr: 1e-3, momentum: 0.9 }),
      (ps: wg.Tensor[]) => new nn.RMSprop(ps, { lr: 1e-3, centered: true, momentum: 0.5 }),
    ]) {
      const m = makeModel();
      setups.push([m, make(m.parameters())]);
    }
    const x = wg.randn([16, 4]);
    const sched = new nn.StepLR(setups[0][1], 50);
    const trainStep = () => {
      for (const [m, opt] of setups) {
        opt.zeroGrad();
        wg.tidy(() => {
          const y = m.call(x) as wg.Tensor;
          nn.functional.binaryCrossEntropyWithLogits(y, wg.onesLike(y)).backward();
        });
        nn.clipGradNorm(m.parameters(), 1).dispose();
        opt.step();
      }
      sched.step();
    };
    for (let i = 0; i < 3; i++) trainStep(); // optimizer state is created on the first step
    const start = wg.memory();
    for (let i = 0; i < 200; i++) trainStep();
    const end = wg.memory();
    expect(end.liveBuffers).toBe(start.liveBuffers);
    expect(end.liveBytes).toBe(start.liveBytes);
  });
});
