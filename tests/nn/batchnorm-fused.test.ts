/**
 * The fused batch-norm primitives (batchNormStats, batchNorm, batchNormGradStats,
 * batchNormInputGrad) behind F.batchNorm, on the CPU reference: against the composed formula
 * (and its autograd), PyTorch fixtures, numerical gradients (first and second order), their
 * dispatch count, shape errors and memory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import type { Backend, Tensor } from '../../src/index.ts';
import { F } from '../../src/nn/index.ts';
import { batchNormGradStats, batchNormInputGrad, batchNormNormalize, batchNormStats } from '../../src/tensor/batchnorm.ts';
import { apply } from '../../src/tensor/tensor.ts';
import { det, detRandom, gradcheck } from '../helpers/gradcheck.ts';
import { T, expectClose, fx } from './helpers.ts';

const f64 = { dtype: 'float64' as const };
const axesOf = (x: Tensor) => [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2)];
const bshapeOf = (x: Tensor) => x.shape.map((d, i) => (i === 1 ? d : 1));

/** The batch-norm formula composed of elementwise ops and reductions (what F.batchNorm did before). */
function composedBN(x: Tensor, w: Tensor | null, b: Tensor | null, eps = 1e-5, stats?: { mean: Tensor; var: Tensor }): Tensor {
  const axes = axesOf(x), bs = bshapeOf(x);
  const mu = stats ? wg.reshape(stats.mean, bs) : wg.mean(x, axes, true);
  const d = wg.sub(x, mu);
  const v = stats ? wg.reshape(stats.var, bs) : wg.mean(wg.mul(d, d), axes, true);
  let y = wg.mul(d, wg.rsqrt(wg.add(v, eps)));
  if (w) y = wg.mul(y, wg.reshape(w, bs));
  if (b) y = wg.add(y, wg.reshape(b, bs));
  return y;
}

/** Host-side mean and biased variance per channel (float64, two passes). */
function hostStats(data: ArrayLike<number>, shape: number[]): { mean: number[]; var: number[] } {
  const [N, C] = shape;
  const S = shape.slice(2).reduce((a, b) => a * b, 1);
  const mean: number[] = [], vr: number[] = [];
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let i = 0; i < N; i++) for (let k = 0; k < S; k++) s += data[(i * C + c) * S + k];
    const m = s / (N * S);
    let q = 0;
    for (let i = 0; i < N; i++) for (let k = 0; k < S; k++) q += (data[(i * C + c) * S + k] - m) ** 2;
    mean.push(m);
    vr.push(q / (N * S));
  }
  return { mean, var: vr };
}

const data = (t: Tensor) => Array.from(t.dataSync());

/** |a − b| ≤ atol + rtol·|b| elementwise */
function close(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  expect(a.length, `${what}: length`).toBe(b.length);
  for (let i = 0; i < b.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]))) expect.fail(`${what}: element ${i}: ${a[i]} vs ${b[i]} (rtol ${rtol}, atol ${atol})`);
  }
}

// ranks 2/3/4/5, C = 1, N·spatial = 2, odd sizes
const SHAPES = [[2, 1], [1, 3, 2], [2, 3], [5, 3], [3, 2, 7], [2, 1, 3, 3], [3, 4, 5, 3], [2, 3, 1, 2, 3]];
type Affine = 'none' | 'weight' | 'bias' | 'both';
const AFFINE: Affine[] = ['none', 'weight', 'bias', 'both'];

function params(C: number, affine: Affine, dtype: wg.DType, seed: number, requiresGrad = false): [Tensor | null, Tensor | null] {
  const mk = (s: number, lo: number, hi: number) => wg.tensor(Float64Array.from(detRandom(C, s), (v) => lo + ((v + 1) / 2) * (hi - lo)), [C], { dtype, requiresGrad });
  return [affine === 'weight' || affine === 'both' ? mk(seed, 0.5, 2) : null, affine === 'bias' || affine === 'both' ? mk(seed + 1, -1, 1) : null];
}

const xOf = (shape: number[], seed: number, dtype: wg.DType = 'float64', requiresGrad = false) =>
  wg.tensor(Float64Array.from(detRandom(shape.reduce((a, b) => a * b, 1), seed), (v) => 3 * v + 0.5), shape, { dtype, requiresGrad });

describe('fused batch norm (cpu)', () => {
  it('batchNormStats: per-channel mean and biased variance (ranks 2–5, C = 1, two values per channel)', () => {
    for (const [k, shape] of SHAPES.entries()) {
      for (const dtype of ['float64', 'float32'] as const) {
        const x = xOf(shape, k + 1, dtype);
        const s = batchNormStats(x);
        expect([...s.shape]).toEqual([2, shape[1]]);
        const ref = hostStats(x.dataSync(), shape);
        const tol = dtype === 'float64' ? 1e-13 : 1e-6;
        close(data(s), [...ref.mean, ...ref.var], tol, tol, `${dtype} ${shape}`);
      }
    }
  });

  it('batchNormStats: no cancellation for a large mean (float32 values around 1e4, spread 1e-2)', () => {
    const n = 4 * 3 * 50;
    const x = wg.tensor(Float32Array.from(detRandom(n, 3), (v) => 1e4 + 1e-2 * v), [4, 3, 50]);
    const ref = hostStats(x.dataSync(), [4, 3, 50]);
    const s = data(batchNormStats(x));
    // the float32 result of the exact statistics (Σx² − (Σx)²/n in float32 would be off by ~100%)
    close(s.slice(3), ref.var, 1e-5, 0, 'variance');
    close(s.slice(0, 3), ref.mean, 1e-7, 0, 'mean');
  });

  it('forward equals the composed formula: training and running statistics, every affine form, float64 and float32', () => {
    for (const [k, shape] of SHAPES.entries()) {
      for (const dtype of ['float64', 'float32'] as const) {
        const tol = dtype === 'float64' ? 1e-12 : 2e-6;
        for (const affine of AFFINE) {
          const C = shape[1];
          const x = xOf(shape, 10 + k, dtype);
          const [w, b] = params(C, affine, dtype, 20 + k);
          close(data(F.batchNorm(x, null, null, { weight: w, bias: b, training: true })), data(composedBN(x, w, b)), tol, tol, `train ${dtype} ${shape} ${affine}`);
          const rm = wg.tensor(Float64Array.from(detRandom(C, 5 + k)), [C], { dtype });
          const rv = wg.tensor(Float64Array.from(detRandom(C, 6 + k), (v) => 1 + 0.5 * v), [C], { dtype });
          close(data(F.batchNorm(x, rm, rv, { weight: w, bias: b, training: false, eps: 1e-3 })), data(composedBN(x, w, b, 1e-3, { mean: rm, var: rv })), tol, tol, `eval ${dtype} ${shape} ${affine}`);
          // a different eps must matter
          const y1 = data(F.batchNorm(x, null, null, { weight: w, bias: b, training: true, eps: 0.5 }));
          close(y1, data(composedBN(x, w, b, 0.5)), tol, tol, `eps 0.5 ${dtype} ${shape} ${affine}`);
        }
      }
    }
  });

  it('first-order gradients (the fused backward) equal autograd through the composed formula', () => {
    for (const [k, shape] of SHAPES.entries()) {
      for (const affine of AFFINE) {
        for (const training of [true, false]) {
          const C = shape[1];
          const x = xOf(shape, 30 + k, 'float64', true);
          const [w, b] = params(C, affine, 'float64', 40 + k, true);
          const gy = xOf(shape, 50 + k);
          const rm = wg.tensor(Float64Array.from(detRandom(C, 5 + k)), [C], f64);
          const rv = wg.tensor(Float64Array.from(detRandom(C, 6 + k), (v) => 1 + 0.5 * v), [C], f64);
          const wrt = [x, w, b].filter((t): t is Tensor => t !== null);
          const fused = wg.grad(wg.sum(wg.mul(training ? F.batchNorm(x, null, null, { weight: w, bias: b, training }) : F.batchNorm(x, rm, rv, { weight: w, bias: b }), gy)), wrt);
          const ref = wg.grad(wg.sum(wg.mul(training ? composedBN(x, w, b) : composedBN(x, w, b, 1e-5, { mean: rm, var: rv }), gy)), wrt);
          fused.forEach((g, i) => close(data(g), data(ref[i]), 1e-10, 1e-12, `${training ? 'train' : 'eval'} ${shape} ${affine} input ${i}`));
        }
      }
    }
  });

  it('float32 forward and backward match PyTorch fixtures', () => {
    const c = fx.batchNorm2d;
    const w = T(c.weight, 'float32', true), b = T(c.bias, 'float32', true);
    const s = c.steps[0];
    const x = T(s.x, 'float32', true);
    const y = F.batchNorm(x, null, null, { weight: w, bias: b, training: true });
    expectClose(y, s.y, 1e-5, 1e-5);
    const [gx, gw, gb] = wg.grad(wg.sum(wg.mul(y, T(s.gy, 'float32'))), [x, w, b]);
    expectClose(gx, s.gx, 1e-4, 1e-5);
    expectClose(gw, s.gw, 1e-5, 1e-5);
    expectClose(gb, s.gb, 1e-5, 1e-5);
  });

  it('running statistics: momentum (number or tensor) with the unbiased batch variance', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const shape = [3, 2, 5];
      const x = xOf(shape, 77, dtype);
      const rm = wg.tensor([0.5, -1], [2], { dtype }), rv = wg.tensor([2, 0.25], [2], { dtype });
      const ref = hostStats(x.dataSync(), shape);
      const n = 15;
      for (const m of [0.3, wg.tensor(0.3, [], { dtype })]) {
        const rm1 = wg.tensor([0.5, -1], [2], { dtype }), rv1 = wg.tensor([2, 0.25], [2], { dtype });
        F.batchNorm(x, rm1, rv1, { training: true, momentum: m });
        const tol = dtype === 'float64' ? 1e-14 : 1e-6;
        close(data(rm1), data(rm).map((v, c) => 0.7 * v + 0.3 * ref.mean[c]), tol, tol, `${dtype} running mean`);
        close(data(rv1), data(rv).map((v, c) => 0.7 * v + 0.3 * ref.var[c] * n / (n - 1)), tol, tol, `${dtype} running var`);
      }
    }
  });

  it('gradcheck (float64): training batch norm in x, weight and bias; ranks 2/3/4, C = 1, two values per channel', () => {
    const cases: [number[], Affine][] = [[[2, 1], 'both'], [[2, 3], 'both'], [[3, 2, 3], 'weight'], [[2, 2, 2, 3], 'both'], [[1, 2, 2], 'bias'], [[3, 1, 1, 3], 'none']];
    for (const [shape, affine] of cases) {
      const C = shape[1];
      const [w, b] = params(C, affine, 'float64', 3);
      const inputs = [det(shape, 1, -2, 2), ...(w ? [w] : []), ...(b ? [b] : [])];
      gradcheck((x, ...p) => F.batchNorm(x, null, null, { weight: w ? p[0] : null, bias: b ? p[w ? 1 : 0] : null, training: true, eps: 1e-3 }), inputs, { tol: 1e-6 });
    }
  });

  it('gradcheck (float64): running-statistics batch norm in x, weight, bias and the statistics', () => {
    const shape = [3, 2, 4];
    gradcheck((x, w, b, rm, rv) => F.batchNorm(x, rm, rv, { weight: w, bias: b, training: false, eps: 1e-3 }),
      [det(shape, 2), det([2], 3, 0.5, 2), det([2], 4), det([2], 5), det([2], 6, 0.5, 2)]);
  });

  /** WGAN-GP's penalty through batch norm: (‖∂ Σ tanh(BN(x))·r / ∂x‖₂ − 1)² per sample, summed */
  function penalty(bn: (x: Tensor, w: Tensor, b: Tensor) => Tensor) {
    return (x: Tensor, w: Tensor, b: Tensor) => {
      const y = bn(x, w, b);
      const out = wg.sum(wg.mul(wg.tanh(y), wg.tensor(detRandom(y.size, 9), [...y.shape], f64)));
      const [gx] = wg.grad(out, [x], { createGraph: true });
      const flat = wg.reshape(gx, [x.shape[0], -1]);
      return wg.sum(wg.square(wg.sub(wg.sqrt(wg.sum(wg.square(flat), 1)), 1)));
    };
  }

  it('second order (createGraph): a gradient penalty through training batch norm equals the composed path and gradchecks', () => {
    for (const shape of [[3, 2, 2, 2], [4, 3], [2, 1, 3]]) {
      const C = shape[1];
      const inputs = () => [xOf(shape, 5, 'float64', true), wg.tensor(Float64Array.from(detRandom(C, 6), (v) => 1 + 0.5 * v), [C], { dtype: 'float64', requiresGrad: true }), wg.tensor(Float64Array.from(detRandom(C, 7)), [C], { dtype: 'float64', requiresGrad: true })];
      const fusedFn = penalty((x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }));
      const refFn = penalty((x, w, b) => composedBN(x, w, b));
      const a = inputs(), r = inputs();
      const ga = wg.grad(fusedFn(a[0], a[1], a[2]), a);
      const gr = wg.grad(refFn(r[0], r[1], r[2]), r);
      expect(data(fusedFn(a[0], a[1], a[2]))[0]).toBeCloseTo(data(refFn(r[0], r[1], r[2]))[0], 10);
      ga.forEach((g, i) => close(data(g), data(gr[i]), 1e-9, 1e-11, `${shape} penalty grad ${i}`));
      // the second derivative is not zero (a dropped term would show)
      expect(data(ga[0]).some((v) => Math.abs(v) > 1e-3)).toBe(true);
    }
    gradcheck(penalty((x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true, eps: 1e-3 })), [det([3, 2, 2], 11, -2, 2), det([2], 12, 0.5, 2), det([2], 13)], { tol: 1e-5 });
    gradcheck(penalty((x, w, b) => F.batchNorm(x, det([2], 5), det([2], 6, 0.5, 2), { weight: w, bias: b, training: false })), [det([3, 2, 2], 14), det([2], 15, 0.5, 2), det([2], 16)], { tol: 1e-5 });
  });

  it('every fused primitive has a real vjp (gradcheck of each prim on its own, every input)', () => {
    const shape = [3, 2, 4];
    const statsT = (seed: number) => wg.tensor(Float64Array.from([...detRandom(2, seed), ...Array.from(detRandom(2, seed + 1), (v) => 1 + 0.5 * v)]), [2, 2], f64);
    gradcheck((x) => batchNormStats(x), [det(shape, 1)]);
    gradcheck((x, s, w, b) => batchNormNormalize(x, s, w, b, 1e-3, false), [det(shape, 2), statsT(3), det([2], 4, 0.5, 2), det([2], 5)]);
    gradcheck((g, x, s) => batchNormGradStats(g, x, s, 1e-3), [det(shape, 6), det(shape, 7), statsT(8)]);
    gradcheck((g, x, s, gs, w) => batchNormInputGrad(g, x, s, gs, w, 1e-3), [det(shape, 9), det(shape, 10), statsT(11), det([2, 2], 12), det([2], 13, 0.5, 2)]);
    gradcheck((g, x, s, gs) => batchNormInputGrad(g, x, s, gs, null, 1e-3), [det(shape, 14), det(shape, 15), statsT(16), det([2, 2], 17)]);
    // batchStats: the statistics are batchNormStats(x); the gradient flows through them into x
    gradcheck((x, w) => batchNormNormalize(x, wg.noGrad(() => batchNormStats(x)), w, null, 1e-3, true), [det(shape, 18), det([2], 19, 0.5, 2)]);
  });

  it('batchNormGradStats / batchNormInputGrad values: (Σg, Σg·x̂) and the closed-form input gradient', () => {
    const shape = [4, 3, 5];
    const x = xOf(shape, 1), g = xOf(shape, 2), w = wg.tensor([0.5, 2, -1.5], [3], f64);
    const s = batchNormStats(x);
    const axes = axesOf(x);
    const xh = composedBN(x, null, null, 1e-2);
    const gs = batchNormGradStats(g, x, s, 1e-2);
    close(data(gs), [...data(wg.sum(g, axes)), ...data(wg.sum(wg.mul(g, xh), axes))], 1e-12, 1e-12, 'gradStats');
    const n = 20;
    const r = wg.reshape(wg.rsqrt(wg.add(wg.narrow(s, 0, 1, 1), 1e-2)), [1, 3, 1]);
    const ref = wg.mul(wg.mul(r, wg.reshape(w, [1, 3, 1])), wg.sub(wg.sub(g, wg.div(wg.sum(g, axes, true), n)), wg.mul(xh, wg.div(wg.sum(wg.mul(g, xh), axes, true), n))));
    close(data(batchNormInputGrad(g, x, s, gs, w, 1e-2)), data(ref), 1e-12, 1e-12, 'inputGrad');
  });

  describe('dispatches', () => {
    let prev: Backend | null = null;
    afterEach(() => { if (prev) wg.setBackend(prev); prev = null; });

    /** A CPU backend that records each primitive and its output size. */
    function recordingCpu(log: [string, number][]): Backend {
      const inner = new wg.CpuBackend();
      return new Proxy(inner, {
        get(t, key) {
          const v = Reflect.get(t, key);
          if (key === 'run') return (prim: string, ins: unknown, p: unknown, out: { shape: number[] }) => { log.push([prim, out.shape.reduce((a, b) => a * b, 1)]); return inner.run(prim as never, ins as never, p as never, out as never); };
          return typeof v === 'function' ? v.bind(t) : v;
        },
      });
    }

    it('training: two passes over x forward (stats, normalize) and two backward (gradStats, input gradient)', () => {
      const log: [string, number][] = [];
      prev = wg.getBackend();
      wg.setBackend(recordingCpu(log));
      const shape = [4, 8, 6, 6], size = 4 * 8 * 36;
      const x = wg.randn(shape, { requiresGrad: true });
      const w = wg.ones([8], { requiresGrad: true }), b = wg.zeros([8], { requiresGrad: true });
      const gy = wg.randn(shape);
      const rm = wg.zeros([8]), rv = wg.ones([8]);
      log.length = 0;
      const y = F.batchNorm(x, rm, rv, { weight: w, bias: b, training: true });
      const big = () => log.filter(([, n]) => n >= size);
      expect(log.filter(([p]) => p.startsWith('batchNorm')).map(([p]) => p)).toEqual(['batchNormStats', 'batchNorm']);
      expect(big().map(([p]) => p)).toEqual(['batchNorm']);
      log.length = 0;
      y.backward(gy);
      expect(log.filter(([p]) => p.startsWith('batchNorm')).map(([p]) => p)).toEqual(['batchNormGradStats', 'batchNormInputGrad']);
      expect(big().map(([p]) => p)).toEqual(['batchNormInputGrad']);
      expect(x.grad && w.grad && b.grad).toBeTruthy();
    });

    it('eval: one pass over x', () => {
      const log: [string, number][] = [];
      prev = wg.getBackend();
      wg.setBackend(recordingCpu(log));
      const x = wg.randn([4, 8, 6, 6]);
      const rm = wg.zeros([8]), rv = wg.ones([8]), w = wg.ones([8]), b = wg.zeros([8]);
      log.length = 0;
      F.batchNorm(x, rm, rv, { weight: w, bias: b });
      expect(log.filter(([, n]) => n >= x.size).map(([p]) => p)).toEqual(['batchNorm']);
    });
  });

  it('memory stays flat: training forward + backward (plain and createGraph) inside tidy', () => {
    const bn = new wg.nn.BatchNorm2d(3);
    const step = (createGraph: boolean) => wg.tidy(() => {
      const x = wg.randn([4, 3, 5, 5], { requiresGrad: true });
      const y = bn.call(x) as Tensor;
      const [gx] = wg.grad(wg.sum(wg.mul(y, y)), [x], { createGraph });
      if (createGraph) wg.grad(wg.sum(wg.mul(gx, gx)), [bn.weight!]);
    });
    step(false); step(true);
    const before = wg.memory().liveBuffers;
    for (let i = 0; i < 3; i++) { step(false); step(true); }
    expect(wg.memory().liveBuffers).toBe(before);
  });

  it('shape errors name the op, the argument and the shapes', () => {
    const x = wg.zeros([4, 3, 2]), s = wg.zeros([2, 3]), c3 = wg.zeros([3]);
    const err = (fn: () => unknown, re: RegExp) => {
      expect(fn).toThrow(wg.ShapeError);
      expect(fn).toThrow(re);
    };
    err(() => batchNormStats(wg.zeros([5])), /^batchNormStats: input must be \[N,C,\.\.\.\] \(at least 2-D\), got \[5\]/);
    err(() => batchNormStats(wg.zeros([0, 3, 2])), /^batchNormStats: needs at least one value per channel, got input \[0,3,2\]/);
    err(() => batchNormStats(wg.zeros([2, 3], { dtype: 'int32' })), /^batchNormStats: needs floating-point inputs, got int32/);
    err(() => batchNormNormalize(x, wg.zeros([3, 2]), null, null, 1e-5, true), /^batchNorm: stats must be \[2,3\] for input \[4,3,2\], got \[3,2\]/);
    err(() => batchNormNormalize(x, s, wg.zeros([4]), null, 1e-5, true), /^batchNorm: weight must be \[3\] for input \[4,3,2\], got \[4\]/);
    err(() => batchNormNormalize(x, s, c3, wg.zeros([1, 3]), 1e-5, true), /^batchNorm: bias must be \[3\] for input \[4,3,2\], got \[1,3\]/);
    err(() => batchNormNormalize(x, s, wg.zeros([3], f64), null, 1e-5, true), /^batchNorm: dtype mismatch: float32 vs float32 vs float64/);
    err(() => batchNormNormalize(x, s, null, null, -1, true), /^batchNorm: eps must be a finite number >= 0, got -1/);
    err(() => apply('batchNorm', [x], { eps: 1e-5, batchStats: true }), /^batchNorm: expects 2 to 4 tensors \(input, stats, weight, bias\), got 1/);
    err(() => batchNormGradStats(wg.zeros([4, 3, 3]), x, s, 1e-5), /^batchNormGradStats: gradOutput must be \[4,3,2\] for input \[4,3,2\], got \[4,3,3\]/);
    err(() => batchNormGradStats(x, x, wg.zeros([2, 4]), 1e-5), /^batchNormGradStats: stats must be \[2,3\] for input \[4,3,2\], got \[2,4\]/);
    err(() => batchNormInputGrad(x, x, s, wg.zeros([3]), null, 1e-5), /^batchNormInputGrad: gradStats must be \[2,3\] for input \[4,3,2\], got \[3\]/);
    err(() => batchNormInputGrad(x, x, s, s, wg.zeros([2]), 1e-5), /^batchNormInputGrad: weight must be \[3\] for input \[4,3,2\], got \[2\]/);
    err(() => apply('batchNormInputGrad', [x, x, s], { eps: 1e-5 }), /^batchNormInputGrad: expects 4 to 5 tensors/);
    // F.batchNorm: x, weight and bias checked once, by the rules; the running statistics and the batch size by F itself
    err(() => F.batchNorm(wg.zeros([3]), null, null, { training: true }), /^batchNorm: input must be \[N,C,\.\.\.\] \(at least 2-D\), got \[3\]/);
    err(() => F.batchNorm(x, null, null, { weight: wg.zeros([2]), training: true }), /^batchNorm: weight must be \[3\] for input \[4,3,2\], got \[2\]/);
    err(() => F.batchNorm(x, wg.zeros([3]), wg.zeros([3]), { bias: wg.zeros([2]) }), /^batchNorm: bias must be \[3\] for input \[4,3,2\], got \[2\]/);
    err(() => F.batchNorm(x, wg.zeros([2]), wg.zeros([3])), /^batchNorm: runningMean must be \[3\] for input \[4,3,2\], got \[2\]/);
    err(() => F.batchNorm(x, wg.zeros([3]), wg.zeros([3, 1]), { training: true }), /^batchNorm: runningVar must be \[3\] for input \[4,3,2\], got \[3,1\]/);
    err(() => F.batchNorm(x, wg.zeros([3]), wg.zeros([3], f64)), /^batchNorm: dtype mismatch: float32 vs float32 vs float64/);
    err(() => F.batchNorm(wg.zeros([1, 3]), null, null, { training: true }), /^batchNorm: expected more than 1 value per channel when training, got input size \[1,3\]/);
  });
});
