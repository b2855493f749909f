import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import * as nn from '../../src/nn/index.ts';
import { T, expectClose, fx } from './helpers.ts';

const f64 = { dtype: 'float64' as const };

/** forward x, backward sum(y · gy); compare y, dx and every parameter's grad with torch's */
function checkLayer(m: nn.Module, c: any): void {
  m.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, T(v as any)])));
  const x = T(c.x, 'float64', true);
  const y = m.call(x) as wg.Tensor;
  expectClose(y, c.y);
  y.mul(T(c.gy)).sum().backward();
  expectClose(x.grad!, c.gx);
  for (const [k, p] of m.namedParameters()) expectClose(p.grad!, c.grads[k]);
}

describe('layers vs torch (float64)', () => {
  it('Linear', () => checkLayer(new nn.Linear(4, 5, f64), fx.linear));

  it('Conv2d (stride/padding, dilation/groups)', () => {
    for (const c of fx.conv2d) {
      const k = c.cfg;
      checkLayer(new nn.Conv2d(k.cin, k.cout, k.k, { stride: k.stride, padding: k.padding, dilation: k.dilation, groups: k.groups, ...f64 }), c);
    }
  });

  it('ConvTranspose2d (outputPadding, groups)', () => {
    for (const c of fx.convTranspose2d) {
      const k = c.cfg;
      checkLayer(new nn.ConvTranspose2d(k.cin, k.cout, k.k, { stride: k.stride, padding: k.padding, outputPadding: k.output_padding, dilation: k.dilation, groups: k.groups, ...f64 }), c);
    }
  });

  const bnCases: [string, () => nn.Module][] = [
    ['batchNorm2d', () => new nn.BatchNorm2d(3, f64)],
    ['batchNorm1d', () => new nn.BatchNorm1d(3, f64)],
    ['batchNorm1dCumulative', () => new nn.BatchNorm1d(2, { momentum: null, ...f64 })],
    ['batchNorm1d3d', () => new nn.BatchNorm1d(2, f64)],
  ];
  for (const [name, make] of bnCases) {
    it(`${name}: training steps, running statistics, eval mode`, () => {
      const c = fx[name];
      const m = make() as nn.BatchNorm2d;
      m.loadStateDict({ weight: T(c.weight), bias: T(c.bias) }, { strict: false });
      for (const s of c.steps) {
        m.zeroGrad();
        const x = T(s.x, 'float64', true);
        const y = m.call(x) as wg.Tensor;
        expectClose(y, s.y);
        y.mul(T(s.gy)).sum().backward();
        expectClose(x.grad!, s.gx, 1e-8, 1e-11);
        expectClose(m.weight!.grad!, s.gw);
        expectClose(m.bias!.grad!, s.gb);
      }
      expectClose(m.running_mean!, c.running_mean);
      expectClose(m.running_var!, c.running_var);
      expect(m.num_batches_tracked!.dtype).toBe('int32');
      expect(m.num_batches_tracked!.dataSync()[0]).toBe(c.num_batches_tracked);
      m.eval();
      expectClose(m.call(T(c.eval_x)), c.eval_y);
    });
  }

  it('BatchNorm without running statistics uses batch statistics in eval mode', () => {
    const m = new nn.BatchNorm1d(2, { trackRunningStats: false, affine: false });
    expect(Object.keys(m.stateDict())).toEqual([]);
    m.eval();
    const y = m.call(wg.tensor([[1, 2], [3, 6]])) as wg.Tensor;
    expectClose(y, [-1, -1, 1, 1], 1e-5, 1e-5);
  });

  it('LayerNorm', () => checkLayer(new nn.LayerNorm([3, 4], f64), fx.layerNorm));

  it('Embedding (any index rank)', () => {
    const c = fx.embedding;
    const m = new nn.Embedding(6, 3, f64);
    m.loadStateDict({ weight: T(c.weight) });
    const y = m.call(wg.tensor(Int32Array.from(c.idx), c.idxShape)) as wg.Tensor;
    expectClose(y, c.y);
    y.mul(T(c.gy)).sum().backward();
    expectClose(m.weight.grad!, c.gw);
    const padded = new nn.Embedding(4, 2, { paddingIdx: 1 });
    expect(Array.from(padded.weight.dataSync().slice(2, 4))).toEqual([0, 0]);
    (padded.call(wg.tensor(Int32Array.from([1, 0, 1]), [3])) as wg.Tensor).sum().backward();
    expect(Array.from(padded.weight.grad!.dataSync())).toEqual([1, 1, 0, 0, 0, 0, 0, 0]);
  });

  it('spectralNorm(Linear): one power iteration per training forward, eval uses stored u, v', () => {
    const c = fx.spectralNormLinear;
    const m = nn.spectralNorm(new nn.Linear(4, 3, f64));
    m.loadStateDict({ bias: T(c.bias), weight_orig: T(c.weight_orig), weight_u: T(c.u0), weight_v: T(c.v0) });
    const y = m.call(T(c.x)) as wg.Tensor;
    expectClose(y, c.y);
    expectClose((m as any).weight_u, c.u1);
    expectClose((m as any).weight_v, c.v1);
    y.mul(T(c.gy)).sum().backward();
    expectClose((m as any).weight_orig.grad, c.g_weight_orig, 1e-8, 1e-11);
    m.eval();
    expectClose(m.call(T(c.eval_x)), c.eval_y);
    expectClose((m as any).weight_u, c.u1);
  });

  it('spectralNorm(ConvTranspose2d) normalises along dim 1', () => {
    const c = fx.spectralNormConvT;
    const m = nn.spectralNorm(new nn.ConvTranspose2d(3, 2, 3, f64));
    m.loadStateDict({ bias: T(c.bias), weight_orig: T(c.weight_orig), weight_u: T(c.u0), weight_v: T(c.v0) });
    expectClose(m.call(T(c.x)), c.y);
    expectClose((m as any).weight_u, c.u1);
    expectClose((m as any).weight_v, c.v1);
  });

  it('removeSpectralNorm restores a plain weight parameter', () => {
    const m = nn.spectralNorm(new nn.Linear(3, 2));
    wg.tidy(() => { m.call(wg.randn([1, 3])); });
    nn.removeSpectralNorm(m);
    expect(Object.keys(m.stateDict())).toEqual(['bias', 'weight']);
    expect(m.weight).toBeInstanceOf(nn.Parameter);
  });
});

describe('default initialisation (PyTorch bounds)', () => {
  it('Linear/Conv2d/ConvTranspose2d: |W|, |b| ≤ 1/√fan_in and spread over the range', () => {
    wg.manualSeed(1);
    const cases: [nn.Module & { weight: wg.Tensor; bias: wg.Tensor | null }, number][] = [
      [new nn.Linear(50, 40), 50],
      [new nn.Conv2d(6, 8, 3), 6 * 9],
      [new nn.ConvTranspose2d(6, 8, [3, 2]), 8 * 6],
      [new nn.ConvTranspose2d(6, 8, 3, { groups: 2 }), 4 * 9],
    ];
    for (const [m, fanIn] of cases) {
      const b = 1 / Math.sqrt(fanIn);
      for (const t of [m.weight, m.bias!]) {
        const d = t.dataSync();
        const mx = Math.max(...Array.from(d, Math.abs));
        expect(mx).toBeLessThanOrEqual(b + 1e-7);
        if (d.length > 100) expect(mx).toBeGreaterThan(0.9 * b);
      }
    }
    expect(new nn.Linear(2, 3, { bias: false }).bias).toBeNull();
  });

  it('BatchNorm/LayerNorm start at weight 1, bias 0; Embedding ~ N(0, 1)', () => {
    const bn = new nn.BatchNorm2d(3);
    expect(Array.from(bn.weight!.dataSync())).toEqual([1, 1, 1]);
    expect(Array.from(bn.running_var!.dataSync())).toEqual([1, 1, 1]);
    const e = Array.from(new nn.Embedding(100, 50).weight.dataSync());
    const mean = e.reduce((a, b) => a + b, 0) / e.length;
    const sd = Math.sqrt(e.reduce((a, b) => a + (b - mean) ** 2, 0) / e.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(sd - 1)).toBeLessThan(0.05);
  });
});

describe('other layers', () => {
  it('activations, Identity, Flatten, Unflatten, Upsample', () => {
    const x = wg.tensor([[-2, 0.5], [3, -1]]);
    expectClose(new nn.ReLU().call(x), [0, 0.5, 3, 0], 1e-7);
    expectClose(new nn.LeakyReLU(0.2).call(x), [-0.4, 0.5, 3, -0.2], 1e-6);
    expectClose(new nn.Tanh().call(x), [-2, 0.5, 3, -1].map(Math.tanh), 1e-6);
    expectClose(new nn.Sigmoid().call(x), [-2, 0.5, 3, -1].map((v) => 1 / (1 + Math.exp(-v))), 1e-6);
    expect(new nn.Identity().call(x)).toBe(x);
    const z = wg.zeros([2, 3, 4, 5]);
    expect([...(new nn.Flatten().call(z) as wg.Tensor).shape]).toEqual([2, 60]);
    expect([...(new nn.Unflatten(1, [3, 20]).call(wg.zeros([2, 60])) as wg.Tensor).shape]).toEqual([2, 3, 20]);
    const u = new nn.Upsample({ scaleFactor: 2 }).call(wg.tensor([[[[1, 2], [3, 4]]]])) as wg.Tensor;
    expect(Array.from(u.dataSync())).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it('Dropout: zeroes about p, scales by 1/(1−p), identity in eval', () => {
    wg.manualSeed(3);
    const d = new nn.Dropout(0.25);
    const y = d.call(wg.ones([4000])) as wg.Tensor;
    const v = y.dataSync();
    const zeros = v.filter((a) => a === 0).length;
    expect(Math.abs(zeros / 4000 - 0.25)).toBeLessThan(0.03);
    expect(v.every((a) => a === 0 || Math.abs(a - 4 / 3) < 1e-6)).toBe(true);
    d.eval();
    const x = wg.ones([3]);
    expect(d.call(x)).toBe(x);
  });

  it('MinibatchStdDev appends the mean group std as a channel', () => {
    wg.manualSeed(4);
    const x = wg.randn([4, 2, 3, 3], f64);
    const y = new nn.MinibatchStdDev(2).call(x) as wg.Tensor;
    expect([...y.shape]).toEqual([4, 3, 3, 3]);
    const d = x.dataSync(), o = y.dataSync();
    // groups: samples {0, 2} and {1, 3}
    for (const [a, b] of [[0, 2], [1, 3]]) {
      let s = 0;
      for (let i = 0; i < 18; i++) s += Math.sqrt(((d[a * 18 + i] - d[b * 18 + i]) / 2) ** 2 + 1e-8);
      for (const n of [a, b]) expect(o[n * 27 + 18]).toBeCloseTo(s / 18, 10);
    }
  });
});
