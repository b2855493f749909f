/**
 * StyleGAN2's building blocks (src/gan/stylegan/layers.ts, networks.ts) against an independent
 * PyTorch reference with stylegan2-ada-pytorch's semantics (tests/gen_stylegan_fixtures.py writes
 * tests/fixtures/stylegan/*.json): pixel norm, the blur and 2× resamplers (upfirdn2d), the
 * modulated convolution in both forms, the equalized linear / conv layers, the minibatch standard
 * deviation, and a whole tiny generator and discriminator — outputs and the gradients of Σ out·r
 * w.r.t. every input and parameter, in float32 on every backend. Then float64 finite-difference
 * checks on the reference backend, first order and second order (an R1-like penalty differentiated
 * w.r.t. the weights and styles).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import * as nn from '../../src/nn/index.ts';
import { blur, downsample2d, EqualizedConv2d, EqualizedLinear, modulatedConv2d, pixelNorm, upsample2d } from '../../src/gan/stylegan/layers.ts';
import { StyleDiscriminator, StyleGenerator, type StyleGanOptions } from '../../src/gan/stylegan/networks.ts';
import { testBackends } from '../helpers/backends.ts';
import { det, detRandom, gradcheck } from '../helpers/gradcheck.ts';

interface TJ { shape: number[]; data: number[] }
interface Case {
  name: string;
  kind: string;
  params: Record<string, number | boolean | string>;
  inputs: Record<string, TJ>;
  out: TJ;
  cot: TJ;
  grads: Record<string, TJ>;
}
interface NetFixture { params: Record<string, TJ>; out: TJ; cot: TJ; grads: Record<string, TJ> }

const load = <T>(name: string): T => JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/stylegan/${name}`, import.meta.url)), 'utf8')) as T;
const layers = load<{ cases: Case[] }>('layers.json').cases;
const equalized = load<{ cases: Case[] }>('equalized.json').cases;
const nets = load<{ options: StyleGanOptions; G: NetFixture & { z: TJ; outPsi07: TJ }; D: NetFixture & { img: TJ } }>('networks.json');

const f32 = (j: TJ, requiresGrad = false): Tensor => {
  const t = wg.tensor(Float32Array.from(j.data), j.shape);
  return requiresGrad ? t.requiresGrad_(true) : t;
};

/**
 * float32 against the float64 reference: |a − e| ≤ tol · (max|e| + |e|) — relative to the
 * element and to the tensor's scale, since float32 rounding in a sum grows with its terms, not with
 * a (possibly cancelled) result.
 */
function expectClose(actual: ArrayLike<number>, e: TJ, tol: number, what: string): void {
  expect(actual.length, `${what}: size`).toBe(e.data.length);
  const scale = e.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let worst = -1, worstErr = 0;
  for (let i = 0; i < e.data.length; i++) {
    const err = Math.abs(actual[i] - e.data[i]) / (scale + Math.abs(e.data[i]) || 1);
    if (!(err <= worstErr)) { worstErr = err; worst = i; }
  }
  const msg = worst < 0 ? '' : `${what}: [${worst}] ${actual[worst]} vs ${e.data[worst]} (rel. error ${worstErr.toExponential(2)} > ${tol})`;
  expect(worstErr <= tol, msg).toBe(true);
}

/**
 * 1e-5 everywhere: the largest error observed is ~1e-7 (ref, cpu, and WebGPU on lavapipe), so
 * there is 100× headroom for other GPUs' summation orders and exp/rsqrt, and still 3 orders below
 * any semantic error these cases catch (a wrong pad, flip, gain or demodulation changes values by
 * ≥ 1e-2 relative).
 */
const TOL: Record<string, number> = { ref: 1e-5, cpu: 1e-5, webgpu: 1e-5 };

/** out = fn(inputs); compare out and the gradients of Σ out·cot w.r.t. every input. */
async function checkCase(c: Case, fn: (xs: Record<string, Tensor>) => Tensor, tol: number, what = c.name): Promise<void> {
  const names = Object.keys(c.grads);
  const { out, gs } = wg.tidy(() => {
    const xs: Record<string, Tensor> = {};
    for (const [k, j] of Object.entries(c.inputs)) xs[k] = f32(j, true);
    const out = fn(xs);
    const gs = wg.grad(wg.sum(wg.mul(out, f32(c.cot))), names.map((n) => xs[n]));
    return { out, gs };
  });
  expect(out.shape, `${what}: output shape`).toEqual(c.out.shape);
  expectClose(await out.data(), c.out, tol, `${what}: output`);
  for (const [i, n] of names.entries()) {
    expect(gs[i].shape, `${what}: d/d${n} shape`).toEqual(c.grads[n].shape);
    expectClose(await gs[i].data(), c.grads[n], tol, `${what}: d/d${n}`);
  }
  [out, ...gs].forEach((t) => t.dispose());
}

/** A module run with the fixture's parameters (inputs other than x), gradients w.r.t. x and the parameters. */
async function checkModule(c: Case, m: nn.Module, run: (x: Tensor) => Tensor, tol: number): Promise<void> {
  const sd: Record<string, Tensor> = {};
  for (const [k, j] of Object.entries(c.inputs)) if (k !== 'x') sd[k] = f32(j);
  m.loadStateDict(sd);
  Object.values(sd).forEach((t) => t.dispose());
  const params = Object.fromEntries(m.namedParameters());
  expect(Object.keys(params).sort()).toEqual(Object.keys(c.grads).filter((k) => k !== 'x').sort());
  const { out, gs } = wg.tidy(() => {
    const x = f32(c.inputs.x, true);
    const out = run(x);
    const names = Object.keys(c.grads);
    const gs = wg.grad(wg.sum(wg.mul(out, f32(c.cot))), names.map((n) => (n === 'x' ? x : params[n])));
    return { out, gs: Object.fromEntries(names.map((n, i) => [n, gs[i]])) };
  });
  expectClose(await out.data(), c.out, tol, `${c.name}: output`);
  for (const [n, g] of Object.entries(gs)) {
    expectClose(await g.data(), c.grads[n], tol, `${c.name}: d/d${n}`);
    g.dispose();
  }
  out.dispose();
  m.dispose();
}

const byKind = (cs: Case[], kind: string) => cs.filter((c) => c.kind === kind).map((c) => [c.name, c] as const);

test('the fixtures cover every case the brief names', () => {
  const kinds = (cs: Case[]) => new Set(cs.map((c) => c.kind));
  expect([...kinds(layers)].sort()).toEqual(['blur', 'downsample2d', 'modulatedConv2d', 'pixelNorm', 'upsample2d']);
  expect([...kinds(equalized)].sort()).toEqual(['EqualizedConv2d', 'EqualizedLinear', 'MinibatchStdDev']);
  const mc = layers.filter((c) => c.kind === 'modulatedConv2d').map((c) => `${c.inputs.weight.shape[2]} ${c.params.demodulate} ${c.params.up}`);
  for (const k of ['3 true false', '3 false false', '3 true true', '3 false true', '1 false false', '1 true false']) expect(mc).toContain(k);
});

const backends = await testBackends();

describe.each(backends)('stylegan layers vs PyTorch on $name (float32)', ({ name, make }) => {
  const tol = TOL[name];

  test.each(byKind(layers, 'pixelNorm'))('%s', async (_n, c) => {
    wg.setBackend(await make());
    await checkCase(c, ({ x }) => pixelNorm(x), tol);
  });

  test.each([...byKind(layers, 'blur'), ...byKind(layers, 'upsample2d'), ...byKind(layers, 'downsample2d')])('%s', async (_n, c) => {
    wg.setBackend(await make());
    const fn = c.kind === 'blur' ? (x: Tensor) => blur(x, c.params.pad as number, c.params.gain as number)
      : c.kind === 'upsample2d' ? upsample2d : downsample2d;
    await checkCase(c, ({ x }) => fn(x), tol);
  });

  test.each(byKind(layers, 'modulatedConv2d'))('%s, both forms', async (_n, c) => {
    wg.setBackend(await make());
    for (const form of ['grouped', 'scaled'] as const) {
      const opts = { demodulate: c.params.demodulate as boolean, up: c.params.up as boolean, form };
      await checkCase(c, ({ x, weight, styles }) => modulatedConv2d(x, weight, styles, opts), tol, `${c.name} (${form})`);
    }
  });

  test.each(byKind(equalized, 'EqualizedLinear'))('%s', async (_n, c) => {
    wg.setBackend(await make());
    const [fout, fin] = c.inputs.weight.shape;
    const p = c.params;
    const m = new EqualizedLinear(fin, fout, { lrMul: p.lrMul as number, activation: p.activation as 'linear' | 'lrelu', bias: p.bias as boolean, biasInit: 1 });
    await checkModule(c, m, (x) => m.call(x), tol);
  });

  test.each(byKind(equalized, 'EqualizedConv2d'))('%s', async (_n, c) => {
    wg.setBackend(await make());
    const [co, ci, k] = c.inputs.weight.shape;
    const p = c.params;
    const m = new EqualizedConv2d(ci, co, k, { down: p.down as boolean, activation: p.activation as 'linear' | 'lrelu', bias: p.bias as boolean });
    await checkModule(c, m, (x) => m.call(x, p.gain as number), tol);
  });

  test.each(byKind(equalized, 'MinibatchStdDev'))('nn.%s', async (_n, c) => {
    wg.setBackend(await make());
    const m = new nn.MinibatchStdDev(c.params.group as number);
    await checkCase(c, ({ x }) => m.call(x), tol);
  });

  test('StyleGenerator: output (noise const, ψ 1 and 0.7) and the gradients of every parameter and z', async () => {
    wg.setBackend(await make());
    const G = new StyleGenerator(nets.options);
    const sd = Object.fromEntries(Object.entries(nets.G.params).map(([k, j]) => [k, f32(j)]));
    G.loadStateDict(sd); // strict: the fixture has exactly the TS keys and shapes
    Object.values(sd).forEach((t) => t.dispose());
    const params = Object.fromEntries(G.namedParameters());
    expect(Object.keys(params).sort()).toEqual(Object.keys(nets.G.grads).filter((k) => k !== 'z').sort());
    const names = Object.keys(nets.G.grads);
    const { out, out07, gs } = wg.tidy(() => {
      const z = f32(nets.G.z, true);
      const out = G.call(z, { noise: 'const' });
      const gs = wg.grad(wg.sum(wg.mul(out, f32(nets.G.cot))), names.map((n) => (n === 'z' ? z : params[n])));
      const out07 = wg.noGrad(() => G.call(f32(nets.G.z), { noise: 'const', psi: 0.7 }));
      return { out, out07, gs };
    });
    expect(out.shape).toEqual(nets.G.out.shape);
    expectClose(await out.data(), nets.G.out, tol, 'G output');
    expectClose(await out07.data(), nets.G.outPsi07, tol, 'G output, ψ 0.7');
    for (const [i, n] of names.entries()) expectClose(await gs[i].data(), nets.G.grads[n], tol, `G: d/d${n}`);
    [out, out07, ...gs].forEach((t) => t.dispose());
    G.dispose();
  });

  test('StyleDiscriminator: scores and the gradients of every parameter and the image', async () => {
    wg.setBackend(await make());
    const D = new StyleDiscriminator(nets.options);
    const sd = Object.fromEntries(Object.entries(nets.D.params).map(([k, j]) => [k, f32(j)]));
    D.loadStateDict(sd);
    Object.values(sd).forEach((t) => t.dispose());
    const params = Object.fromEntries(D.namedParameters());
    expect(Object.keys(params).sort()).toEqual(Object.keys(nets.D.grads).filter((k) => k !== 'img').sort());
    const names = Object.keys(nets.D.grads);
    const { out, gs } = wg.tidy(() => {
      const img = f32(nets.D.img, true);
      const out = D.call(img);
      const gs = wg.grad(wg.sum(wg.mul(out, f32(nets.D.cot))), names.map((n) => (n === 'img' ? img : params[n])));
      return { out, gs };
    });
    expect(out.shape).toEqual(nets.D.out.shape);
    expectClose(await out.data(), nets.D.out, tol, 'D scores');
    for (const [i, n] of names.entries()) expectClose(await gs[i].data(), nets.D.grads[n], tol, `D: d/d${n}`);
    [out, ...gs].forEach((t) => t.dispose());
    D.dispose();
  });
});

// ---------------------------------------------------------------- float64 finite differences (ref)

describe('stylegan layers: float64 gradcheck on the reference backend', () => {
  const A = (s: number[], seed: number) => det(s, seed, -1.5, 1.5);
  const S = (s: number[], seed: number) => det(s, seed, 0.5, 1.5); // styles around the affine's bias 1
  const withRef = <T>(f: () => T): T => { wg.setBackend(new wg.RefBackend()); return f(); };

  type GC = [string, (...xs: Tensor[]) => Tensor, () => Tensor[]];
  const modconvCases: GC[] = [];
  for (const form of ['grouped', 'scaled'] as const) {
    for (const up of [false, true]) {
      for (const demodulate of [true, false]) {
        modconvCases.push([`modulatedConv2d ${form} up ${up} demodulate ${demodulate}`,
          (x, w, s) => modulatedConv2d(x, w, s, { form, up, demodulate }),
          () => [A([2, 2, 3, 3], 1), A([3, 2, 3, 3], 2), S([2, 2], 3)]]);
      }
    }
    modconvCases.push([`modulatedConv2d ${form} 1×1 up`, (x, w, s) => modulatedConv2d(x, w, s, { form, up: true }),
      () => [A([2, 2, 2, 3], 4), A([3, 2, 1, 1], 5), S([2, 2], 6)]]);
  }
  const first: GC[] = [
    ...modconvCases,
    ['blur pad 1', (x) => blur(x, 1), () => [A([1, 2, 3, 4], 7)]],
    ['blur pad 2 gain 4', (x) => blur(x, 2, 4), () => [A([2, 1, 3, 3], 8)]],
    ['upsample2d', (x) => upsample2d(x), () => [A([1, 2, 3, 2], 9)]],
    ['downsample2d', (x) => downsample2d(x), () => [A([1, 2, 4, 6], 10)]],
    ['pixelNorm', (x) => pixelNorm(x), () => [A([3, 5], 11)]],
    ['pixelNorm 4d', (x) => pixelNorm(x), () => [A([2, 3, 2, 2], 12)]],
  ];
  test.each(first)('%s', (_n, fn, inputs) => withRef(() => {
    const xs = inputs();
    const r = gradcheck(fn, xs, { tol: 1e-6 });
    expect(r.maxError).toBeLessThanOrEqual(1e-6);
    expect(r.analytic.every((a) => a.some((v) => Math.abs(v) > 1e-3))).toBe(true); // no vacuous (all-zero) gradient
    xs.forEach((x) => x.dispose());
  }));

  /**
   * R1-like: Σ (∂ Σ r·tanh(f(x, …)) / ∂x)², built with createGraph and differentiated again w.r.t.
   * every input (the weights and styles included) — what R1 / path-length regularisation need.
   */
  const r1 = (f: (...xs: Tensor[]) => Tensor) => (...xs: Tensor[]): Tensor => {
    const y = f(...xs);
    const r = wg.tensor(detRandom(y.size, 21), y.shape, { dtype: 'float64' });
    const [gx] = wg.grad(wg.sum(wg.mul(wg.tanh(y), r)), [xs[0]], { createGraph: true });
    return wg.sum(wg.square(gx));
  };
  const second: GC[] = [];
  for (const form of ['grouped', 'scaled'] as const) {
    for (const up of [false, true]) {
      second.push([`R1 through modulatedConv2d ${form} up ${up}`, r1((x, w, s) => modulatedConv2d(x, w, s, { form, up })),
        () => [A([2, 2, 3, 3], 13), A([2, 2, 3, 3], 14), S([2, 2], 15)]]);
    }
    second.push([`R1 through modulatedConv2d ${form} 1×1 without demodulation (toRGB)`,
      r1((x, w, s) => modulatedConv2d(x, w, s, { form, demodulate: false })), () => [A([2, 3, 2, 2], 16), A([2, 3, 1, 1], 17), S([2, 3], 18)]]);
  }
  second.push(['R1 through the resamplers and pixelNorm',
    r1((x, w) => pixelNorm(wg.mul(downsample2d(upsample2d(blur(x, 1, 2))), w))), () => [A([2, 2, 3, 3], 19), A([1, 2, 1, 1], 20)]]);
  second.push(['R1 through minibatch stddev and a strided blur conv (the discriminator path)',
    r1((x, w) => wg.conv2d(new nn.MinibatchStdDev(2).call(blur(x, 2)), w, null, { stride: 2 })), () => [A([4, 1, 4, 4], 22), A([2, 2, 3, 3], 23)]]);
  test.each(second)('%s', (_n, fn, inputs) => withRef(() => {
    const xs = inputs();
    const r = gradcheck(fn, xs, { tol: 1e-6 });
    expect(r.maxError).toBeLessThanOrEqual(1e-6);
    expect(r.analytic.every((a) => a.some((v) => Math.abs(v) > 1e-3))).toBe(true);
    xs.forEach((x) => x.dispose());
  }));

  test('gradcheck catches a wrong double backward (a detached demodulation)', () => withRef(() => {
    // the demodulation scales detached: the first-order gradient w.r.t. x is unchanged, the R1
    // penalty's gradient w.r.t. the weight is not — the check above must see such a mistake
    const wrong = r1((x, w, s) => {
      const y = modulatedConv2d(x, w, s, { demodulate: false });
      const d = wg.rsqrt(wg.add(wg.sum(wg.square(wg.mul(wg.reshape(w, [1, 2, 2, 3, 3]), wg.reshape(s, [2, 1, 2, 1, 1]))), [2, 3, 4]), 1e-8)).detach();
      return wg.mul(y, wg.reshape(d, [2, 2, 1, 1]));
    });
    const xs = [A([2, 2, 3, 3], 13), A([2, 2, 3, 3], 14), S([2, 2], 15)];
    expect(() => gradcheck(wrong, xs, { tol: 1e-6 })).toThrow(/gradcheck failed/);
    xs.forEach((x) => x.dispose());
  }));
});

test('EqualizedLinear initialisation: weight N(0,1)/lrMul, bias = biasInit', async () => {
  wg.setBackend(new wg.CpuBackend());
  wg.manualSeed(5);
  const m = new EqualizedLinear(64, 32, { lrMul: 0.01, biasInit: 1 });
  const w = Array.from(await m.weight.data());
  const sd = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
  expect(sd).toBeGreaterThan(90);
  expect(sd).toBeLessThan(110);
  expect(Array.from(await m.bias!.data())).toEqual(new Array(32).fill(1));
  expect(m.weightGain).toBeCloseTo(0.01 / 8, 12);
  m.dispose();
});
