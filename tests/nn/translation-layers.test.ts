/**
 * The engine pieces of the image-to-image presets (CycleGAN, pix2pix): nn.F.pad in its three modes,
 * the padding layers, nn.F.instanceNorm and nn.InstanceNorm2d — against PyTorch fixtures
 * (tests/gen_translation_fixtures.py writes tests/fixtures/translation/*.json): outputs, the
 * gradients of Σ out·r w.r.t. the input and every parameter, running statistics, eval mode, in
 * float32 on every backend and in float64 where the backend has it. Then float64 finite
 * differences on the reference backend (first order; second order through instance norm and
 * reflection padding), the argument errors, the state-dict keys and lifetimes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.ts';
import { ShapeError, type DType, type Tensor } from '../../src/index.ts';
import * as nn from '../../src/nn/index.ts';
import { testBackends } from '../helpers/backends.ts';
import { det, detRandom, gradcheck } from '../helpers/gradcheck.ts';

interface TJ { shape: number[]; data: number[] }
interface PadCase {
  name: string;
  kind: 'F.pad' | 'ReflectionPad2d' | 'ReplicationPad2d' | 'ZeroPad2d';
  params: { mode?: nn.F.PadMode; pads?: number[]; value?: number; padding?: number | [number, number, number, number] };
  inputs: { x: TJ };
  out: TJ;
  cot: TJ;
  grads: { x: TJ };
}
interface Step { inputs: { x: TJ }; out: TJ; cot: TJ; grads: Record<string, TJ>; buffers?: Record<string, TJ> }
interface NormCase {
  name: string;
  params: { numFeatures: number; affine: boolean; trackRunningStats: boolean; momentum: number; eps: number };
  state_dict_keys: string[];
  init: Record<string, TJ>;
  steps: Step[];
  eval?: Step;
}
interface FunctionalCase {
  params: { momentum: number; eps: number };
  inputs: Record<'x' | 'weight' | 'bias' | 'running_mean' | 'running_var', TJ>;
  out: TJ;
  cot: TJ;
  grads: Record<'x' | 'weight' | 'bias', TJ>;
  running_mean: TJ;
  running_var: TJ;
  eval: { out: TJ; grads: Record<'x' | 'weight' | 'bias', TJ> };
}

const load = <T>(name: string): T => JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/translation/${name}`, import.meta.url)), 'utf8')) as T;
const padCases = load<{ cases: PadCase[] }>('pad.json').cases;
const norm = load<{ cases: NormCase[]; functional: FunctionalCase }>('instance_norm.json');

const mk = (j: TJ, dtype: DType, requiresGrad = false): Tensor => wg.tensor(Float64Array.from(j.data), j.shape, { dtype, requiresGrad });

/**
 * |a − e| ≤ tol · (max|e| + |e|): relative to the element and to the tensor's scale (float32
 * rounding in a sum grows with its terms, not with a possibly cancelled result).
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

async function expectTensor(t: Tensor, e: TJ, tol: number, what: string): Promise<void> {
  expect([...t.shape], `${what}: shape`).toEqual(e.shape);
  expectClose(await t.data(), e, tol, what);
}

/** the function of a pad case: F.pad or the layer */
function padFn(c: PadCase): (x: Tensor) => Tensor {
  const p = c.params;
  switch (c.kind) {
    case 'F.pad': return (x) => nn.F.pad(x, p.pads!, p.mode, p.value);
    case 'ReflectionPad2d': return (x) => new nn.ReflectionPad2d(p.padding!).call(x) as Tensor;
    case 'ReplicationPad2d': return (x) => new nn.ReplicationPad2d(p.padding!).call(x) as Tensor;
    case 'ZeroPad2d': return (x) => new nn.ZeroPad2d(p.padding!).call(x) as Tensor;
  }
}

/** fn(x) and d Σ fn(x)·r / dx against the case */
async function checkPad(c: PadCase, dtype: DType, tol: number): Promise<void> {
  const { out, gx } = wg.tidy(() => {
    const x = mk(c.inputs.x, dtype, true);
    const out = padFn(c)(x);
    const [gx] = wg.grad(wg.sum(wg.mul(out, mk(c.cot, dtype))), [x]);
    return { out, gx };
  });
  await expectTensor(out, c.out, tol, `${c.name}: output`);
  await expectTensor(gx, c.grads.x, tol, `${c.name}: d/dx`);
  out.dispose(); gx.dispose();
}

/** One InstanceNorm2d case: its train-mode steps (outputs, gradients, buffers), then eval mode. */
async function checkNorm(c: NormCase, dtype: DType, tol: number): Promise<void> {
  const p = c.params;
  const m = new nn.InstanceNorm2d(p.numFeatures, { affine: p.affine, trackRunningStats: p.trackRunningStats, momentum: p.momentum, eps: p.eps, dtype });
  const init = Object.fromEntries(Object.entries(c.init).map(([k, j]) => [k, mk(j, dtype)]));
  m.loadStateDict(init, { strict: false });
  Object.values(init).forEach((t) => t.dispose());
  const params = Object.fromEntries(m.namedParameters());
  const run = async (s: Step, what: string) => {
    const names = Object.keys(s.grads);
    expect(names.filter((n) => n !== 'x').sort(), `${what}: parameters`).toEqual(Object.keys(params).sort());
    const { out, gs } = wg.tidy(() => {
      const x = mk(s.inputs.x, dtype, true);
      const out = m.call(x) as Tensor;
      const gs = wg.grad(wg.sum(wg.mul(out, mk(s.cot, dtype))), names.map((n) => (n === 'x' ? x : params[n])));
      return { out, gs };
    });
    await expectTensor(out, s.out, tol, `${what}: output`);
    for (const [i, n] of names.entries()) await expectTensor(gs[i], s.grads[n], tol, `${what}: d/d${n}`);
    [out, ...gs].forEach((t) => t.dispose());
  };
  m.train();
  for (const [k, s] of c.steps.entries()) {
    await run(s, `${c.name}, step ${k}`);
    const buffers = Object.fromEntries(m.namedBuffers());
    expect(Object.keys(buffers).sort()).toEqual(Object.keys(s.buffers ?? {}).sort());
    for (const [n, j] of Object.entries(s.buffers ?? {})) {
      if (n === 'num_batches_tracked') expect(Array.from(await buffers[n].data()), `${c.name}: ${n}`).toEqual(j.data);
      else await expectTensor(buffers[n], j, tol, `${c.name}, step ${k}: ${n}`);
    }
  }
  if (c.eval) {
    m.eval();
    await run(c.eval, `${c.name}, eval`);
  }
  m.dispose();
}

/** F.instanceNorm on [N,C,L] with weight, bias and running statistics; then useInputStats = false. */
async function checkFunctional(c: FunctionalCase, dtype: DType, tol: number): Promise<void> {
  const rm = mk(c.inputs.running_mean, dtype), rv = mk(c.inputs.running_var, dtype);
  for (const useInputStats of [true, false]) {
    const e = useInputStats ? c : c.eval;
    const what = `F.instanceNorm useInputStats ${useInputStats}`;
    const { out, gs } = wg.tidy(() => {
      const [x, weight, bias] = (['x', 'weight', 'bias'] as const).map((n) => mk(c.inputs[n], dtype, true));
      const out = nn.F.instanceNorm(x, { runningMean: rm, runningVar: rv, weight, bias, useInputStats, momentum: c.params.momentum, eps: c.params.eps });
      return { out, gs: wg.grad(wg.sum(wg.mul(out, mk(c.cot, dtype))), [x, weight, bias]) };
    });
    await expectTensor(out, e.out, tol, `${what}: output`);
    for (const [i, n] of (['x', 'weight', 'bias'] as const).entries()) await expectTensor(gs[i], e.grads[n], tol, `${what}: d/d${n}`);
    // the running statistics move once (useInputStats = true) and are only read after
    await expectTensor(rm, c.running_mean, tol, `${what}: runningMean`);
    await expectTensor(rv, c.running_var, tol, `${what}: runningVar`);
    [out, ...gs].forEach((t) => t.dispose());
  }
  rm.dispose(); rv.dispose();
}

test('the fixtures cover every case the brief names', () => {
  const pads = padCases.filter((c) => c.kind === 'F.pad');
  for (const mode of ['reflect', 'replicate', 'constant']) {
    for (const rank of [3, 4]) {
      const cs = pads.filter((c) => c.params.mode === mode && c.inputs.x.shape.length === rank);
      expect(cs.length, `${mode} on ${rank}-D`).toBeGreaterThan(0);
      expect(cs.some((c) => c.params.pads!.some((v, i) => i % 2 === 0 && v !== c.params.pads![i + 1])), `${mode} ${rank}-D asymmetric`).toBe(true);
    }
  }
  expect(new Set(padCases.map((c) => c.kind))).toEqual(new Set(['F.pad', 'ReflectionPad2d', 'ReplicationPad2d', 'ZeroPad2d']));
  const cfg = norm.cases.map((c) => `${c.params.affine} ${c.params.trackRunningStats} ${c.eval ? 'eval' : ''}`);
  for (const k of ['false false eval', 'true false eval', 'true true eval', 'false true eval']) expect(cfg).toContain(k);
  expect(norm.cases.some((c) => c.steps.length > 1 && c.params.trackRunningStats)).toBe(true);
});

const backends = await testBackends();
/** each backend's dtypes (WebGPU has no float64: those cases are skipped there, and reported so) */
const dtypesOf = Object.fromEntries(await Promise.all(backends.map(async (b) => [b.name, (await b.make()).dtypes] as const)));

describe.each(backends)('translation layers vs PyTorch on $name', ({ name, make }) => {
  /**
   * float32: 1e-5 of the tensor's scale (the largest error seen is ~1e-7 on ref, cpu and lavapipe;
   * a wrong reflection index or a wrong variance is ≥ 1e-2). float64: 1e-12.
   */
  const dtypes: [DType, number][] = [['float32', 1e-5], ['float64', 1e-12]];

  for (const [dtype, tol] of dtypes) {
    const it = test.skipIf(!dtypesOf[name].includes(dtype));

    it.each(padCases.map((c) => [c.name, c] as const))(`${dtype}: %s`, async (_n, c) => {
      wg.setBackend(await make());
      await checkPad(c, dtype, tol);
    });

    it.each(norm.cases.map((c) => [c.name, c] as const))(`${dtype}: %s`, async (_n, c) => {
      wg.setBackend(await make());
      await checkNorm(c, dtype, tol);
    });

    it(`${dtype}: F.instanceNorm on [N,C,L] with running statistics`, async () => {
      wg.setBackend(await make());
      await checkFunctional(norm.functional, dtype, tol);
    });
  }

  test('InstanceNorm2d without fusion: the composed batch-norm path gives the same values and gradients', async () => {
    wg.setBackend(await make());
    const c = norm.cases.find((k) => k.params.affine && k.params.trackRunningStats)!;
    wg.setFusion(false);
    try {
      await checkNorm(c, 'float32', 1e-5);
    } finally {
      wg.setFusion(true);
    }
  });

  test('memory stays flat over training steps (padding layers, InstanceNorm2d updating its running statistics)', async () => {
    wg.setBackend(await make());
    const norm = new nn.InstanceNorm2d(3, { affine: true, trackRunningStats: true });
    const x = wg.randn([2, 3, 5, 6]);
    const step = () => {
      norm.zeroGrad();
      wg.tidy(() => {
        const y = norm.call(new nn.ReflectionPad2d([1, 2, 0, 1]).call(x) as Tensor) as Tensor;
        wg.sum(wg.square(nn.F.pad(new nn.ReplicationPad2d(1).call(y) as Tensor, [1, -1, 2, 0], 'constant', 0.5))).backward();
      });
      wg.noGrad(() => { nn.F.pad(x, [1, 1, 1, 1], 'reflect').dispose(); nn.F.pad(x, [1, 1, -1, 1]).dispose(); });
    };
    step();
    const base = wg.memory().liveBuffers;
    for (let i = 0; i < 3; i++) step();
    expect(wg.memory().liveBuffers).toBe(base);
    norm.dispose(); x.dispose();
  });
});

// ---------------------------------------------------------------- float64 finite differences (ref)

describe('translation layers: float64 gradcheck on the reference backend', () => {
  const A = (s: number[], seed: number, lo = -1.5, hi = 1.5) => det(s, seed, lo, hi);
  const withRef = <T>(f: () => T): T => { wg.setBackend(new wg.RefBackend()); return f(); };
  type GC = [string, (...xs: Tensor[]) => Tensor, () => Tensor[]];

  const first: GC[] = [
    ['pad reflect 4-D', (x) => nn.F.pad(x, [2, 1, 0, 3], 'reflect'), () => [A([2, 2, 4, 3], 1)]],
    ['pad reflect 3-D, negative pad', (x) => nn.F.pad(x, [-1, 3], 'reflect'), () => [A([2, 3, 5], 2)]],
    ['pad reflect 5-D, three dims', (x) => nn.F.pad(x, [1, 0, 0, 2, 1, 1], 'reflect'), () => [A([1, 2, 2, 3, 2], 3)]],
    ['pad replicate 4-D, pads larger than the dim', (x) => nn.F.pad(x, [3, 0, 1, 4], 'replicate'), () => [A([1, 2, 2, 3], 4)]],
    ['pad replicate 3-D', (x) => nn.F.pad(x, [0, 2], 'replicate'), () => [A([2, 2, 3], 5)]],
    ['pad constant, cropping', (x) => nn.F.pad(x, [1, -1, -2, 2], 'constant', 0.5), () => [A([2, 3, 4], 6)]],
    ['instanceNorm', (x) => nn.F.instanceNorm(x), () => [A([2, 3, 3, 2], 30)]],
    ['instanceNorm affine', (x, w, b) => nn.F.instanceNorm(x, { weight: w, bias: b }), () => [A([2, 2, 3, 3], 8), A([2], 9, 0.5, 2), A([2], 10)]],
    ['instanceNorm [N,C,L], eps 0.1', (x, w) => nn.F.instanceNorm(x, { weight: w, eps: 0.1 }), () => [A([3, 2, 4], 11), A([2], 12, 0.5, 2)]],
    ['instanceNorm with running statistics (useInputStats false)',
      (x, w, b, rm, rv) => nn.F.instanceNorm(x, { weight: w, bias: b, runningMean: rm, runningVar: rv, useInputStats: false }),
      () => [A([2, 2, 2, 3], 13), A([2], 14, 0.5, 2), A([2], 15), A([2], 16), A([2], 17, 0.5, 2)]],
    ['ReflectionPad2d → conv → InstanceNorm2d(affine) → ReplicationPad2d (a generator block)', (x, w) => {
      const y = wg.conv2d(new nn.ReflectionPad2d(1).call(x) as Tensor, w);
      const n = new nn.InstanceNorm2d(2, { affine: true, dtype: 'float64' });
      const out = new nn.ReplicationPad2d([0, 1, 1, 0]).call(wg.relu(n.call(y) as Tensor)) as Tensor;
      n.dispose();
      return out;
    }, () => [A([2, 2, 4, 4], 18), A([2, 2, 3, 3], 19)]],
  ];
  test.each(first)('%s', (_n, fn, inputs) => withRef(() => {
    const xs = inputs();
    const r = gradcheck(fn, xs, { tol: 1e-6 });
    expect(r.maxError).toBeLessThanOrEqual(1e-6);
    expect(r.analytic.every((a) => a.some((v) => Math.abs(v) > 1e-3))).toBe(true); // no vacuous (all-zero) gradient
    xs.forEach((x) => x.dispose());
  }));

  /** R1-like: Σ (∂ Σ r·tanh(f(x, …)) / ∂x)², differentiated again w.r.t. every input. */
  const r1 = (f: (...xs: Tensor[]) => Tensor) => (...xs: Tensor[]): Tensor => {
    const y = f(...xs);
    const r = wg.tensor(detRandom(y.size, 21), y.shape, { dtype: 'float64' });
    const [gx] = wg.grad(wg.sum(wg.mul(wg.tanh(y), r)), [xs[0]], { createGraph: true });
    return wg.sum(wg.square(gx));
  };
  const second: GC[] = [
    ['R1 through reflect pad, conv and affine instance norm',
      r1((x, w, g, b) => nn.F.instanceNorm(wg.conv2d(nn.F.pad(x, [1, 1, 1, 1], 'reflect'), w), { weight: g, bias: b })),
      () => [A([2, 2, 3, 3], 22), A([2, 2, 3, 3], 23), A([2], 24, 0.5, 2), A([2], 25)]],
    ['R1 through replicate pad', r1((x, w) => wg.mul(nn.F.pad(x, [2, 0, 1, 1], 'replicate'), w)), () => [A([1, 2, 2, 3], 26), A([1, 2, 4, 5], 27)]],
  ];
  test.each(second)('%s', (_n, fn, inputs) => withRef(() => {
    const xs = inputs();
    const r = gradcheck(fn, xs, { tol: 1e-6 });
    expect(r.maxError).toBeLessThanOrEqual(1e-6);
    expect(r.analytic.every((a) => a.some((v) => Math.abs(v) > 1e-3))).toBe(true);
    xs.forEach((x) => x.dispose());
  }));
});

// ---------------------------------------------------------------- arguments, state dicts, defaults

describe('translation layers: arguments and state', () => {
  const z = (...s: number[]) => wg.zeros(s);
  const errors: [string, () => unknown, string][] = [
    ['reflect pad = the dim size', () => nn.F.pad(z(1, 2, 3, 4), [4, 0, 0, 0], 'reflect'),
      "pad: mode 'reflect' needs each pad < the size of its dim, got pads (4, 0) for dim 3 of size 4 (input [1,2,3,4])"],
    ['reflect pad > the dim size (height)', () => nn.F.pad(z(1, 2, 3, 4), [1, 1, 0, 5], 'reflect'),
      "pad: mode 'reflect' needs each pad < the size of its dim, got pads (0, 5) for dim 2 of size 3 (input [1,2,3,4])"],
    ['ReflectionPad2d larger than the image', () => new nn.ReflectionPad2d(3).call(z(1, 1, 3, 3)),
      "pad: mode 'reflect' needs each pad < the size of its dim, got pads (3, 3) for dim 3 of size 3 (input [1,1,3,3])"],
    ['odd pad list', () => nn.F.pad(z(1, 2, 3, 4), [1, 1, 1], 'reflect'), 'pad: pads must hold (before, after) pairs for at most 4 dims, got [1,1,1]'],
    ['pad list longer than the rank', () => nn.F.pad(z(2, 3), [1, 1, 1, 1, 1, 1]), 'pad: pads must hold (before, after) pairs for at most 2 dims, got [1,1,1,1,1,1]'],
    ['reflect: 2 pads on a 4-D input', () => nn.F.pad(z(1, 2, 3, 4), [1, 1], 'reflect'),
      "pad: mode 'reflect' pads the last 1, 2 or 3 dims of a tensor with one or two more dims (2 pads: [C,W] or [N,C,W]; 4: [C,H,W] or [N,C,H,W]; 6: [C,D,H,W] or [N,C,D,H,W]), got 2 pads [1,1] for input [1,2,3,4]"],
    ['replicate: 4 pads on a 2-D input', () => nn.F.pad(z(3, 4), [1, 1, 1, 1], 'replicate'),
      "pad: mode 'replicate' pads the last 1, 2 or 3 dims of a tensor with one or two more dims (2 pads: [C,W] or [N,C,W]; 4: [C,H,W] or [N,C,H,W]; 6: [C,D,H,W] or [N,C,D,H,W]), got 4 pads [1,1,1,1] for input [3,4]"],
    ['reflect with a fill value', () => nn.F.pad(z(1, 2, 3, 4), [1, 1, 1, 1], 'reflect', 1), "pad: mode 'reflect' takes no fill value, got value 1"],
    ['unknown mode', () => nn.F.pad(z(1, 2, 3, 4), [1, 1, 1, 1], 'circular' as nn.F.PadMode), 'pad: mode must be one of constant, reflect, replicate, got circular'],
    ['fractional pad', () => nn.F.pad(z(1, 2, 3, 4), [1, 0.5], 'constant'), 'pad: pads must be integers, got [1,0.5]'],
    ['replicate of an empty dim', () => nn.F.pad(z(1, 2, 0, 4), [1, 1, 1, 1], 'replicate'), "pad: mode 'replicate' cannot pad the empty dim 2 of input [1,2,0,4]"],
    ['crop past the size', () => nn.F.pad(z(2, 3), [-2, -2]), 'pad: pads (-2, -2) leave dim 1 of input [2,3] with size -1'],
    ['ReflectionPad2d padding list', () => new nn.ReflectionPad2d([1, 1] as never), 'ReflectionPad2d: padding must be an integer or [left, right, top, bottom] integers, got [1,1]'],
    ['InstanceNorm2d channel mismatch', () => new nn.InstanceNorm2d(3).call(z(2, 4, 3, 3)), 'InstanceNorm2d: expected 3 channels (axis 1), got [2,4,3,3]'],
    ['InstanceNorm2d channel mismatch, unbatched', () => new nn.InstanceNorm2d(3, { affine: true }).call(z(2, 3, 3)), 'InstanceNorm2d: expected 3 channels (axis 0), got [2,3,3]'],
    ['InstanceNorm2d 2-D input', () => new nn.InstanceNorm2d(3).call(z(2, 3)), 'InstanceNorm2d: expected 3D or 4D input, got [2,3]'],
    ['InstanceNorm2d 5-D input', () => new nn.InstanceNorm2d(3).call(z(1, 3, 2, 2, 2)), 'InstanceNorm2d: expected 3D or 4D input, got [1,3,2,2,2]'],
    ['InstanceNorm2d one pixel', () => new nn.InstanceNorm2d(2).call(z(4, 2, 1, 1)),
      "instanceNorm: expected more than 1 spatial element when using the input's statistics, got input size [4,2,1,1]"],
    ['F.instanceNorm 2-D input', () => nn.F.instanceNorm(z(3, 4)), 'instanceNorm: input must be [N,C,*] with at least one spatial dim, got [3,4]'],
    ['F.instanceNorm weight size', () => nn.F.instanceNorm(z(2, 3, 4, 4), { weight: z(2) }), 'instanceNorm: weight must be [3] for input [2,3,4,4], got [2]'],
    ['F.instanceNorm runningVar size', () => nn.F.instanceNorm(z(2, 3, 4, 4), { runningMean: z(3), runningVar: z(3, 1) }),
      'instanceNorm: runningVar must be [3] for input [2,3,4,4], got [3,1]'],
    ['F.instanceNorm without input statistics or running ones', () => nn.F.instanceNorm(z(2, 3, 4, 4), { useInputStats: false }),
      'instanceNorm: useInputStats = false needs runningMean and runningVar (input [2,3,4,4])'],
  ];
  test.each(errors)('%s', (_n, fn, message) => {
    wg.setBackend(new wg.CpuBackend());
    let err: unknown = null;
    try { wg.tidy(() => void fn()); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ShapeError);
    expect((err as Error).message).toBe(message);
  });

  test('state-dict keys and defaults follow torch', () => {
    wg.setBackend(new wg.CpuBackend());
    for (const c of norm.cases) {
      const p = c.params;
      const m = new nn.InstanceNorm2d(p.numFeatures, { affine: p.affine, trackRunningStats: p.trackRunningStats });
      expect(Object.keys(m.stateDict()), c.name).toEqual(c.state_dict_keys);
      m.dispose();
    }
    const d = new nn.InstanceNorm2d(4);
    expect([d.weight, d.bias, d.running_mean, d.running_var, d.num_batches_tracked]).toEqual([null, null, null, null, null]);
    expect([d.eps, d.momentum]).toEqual([1e-5, 0.1]);
    expect(d.parameters()).toHaveLength(0);
    const a = new nn.InstanceNorm2d(2, { affine: true, trackRunningStats: true });
    expect(Array.from(a.weight!.dataSync())).toEqual([1, 1]);
    expect(Array.from(a.bias!.dataSync())).toEqual([0, 0]);
    expect(Array.from(a.running_mean!.dataSync())).toEqual([0, 0]);
    expect(Array.from(a.running_var!.dataSync())).toEqual([1, 1]);
    expect(a.num_batches_tracked!.dtype).toBe('int32');
    for (const m of [new nn.ReflectionPad2d(1), new nn.ReplicationPad2d([1, 2, 3, 4]), new nn.ZeroPad2d(2)]) {
      expect(Object.keys(m.stateDict())).toEqual([]);
    }
    expect(new nn.ReplicationPad2d([1, 2, 3, 4]).padding).toEqual([1, 2, 3, 4]);
    expect(new nn.ZeroPad2d(2).padding).toEqual([2, 2, 2, 2]);
    d.dispose(); a.dispose();
  });

  test('eval mode: running statistics only when tracked, and left unchanged', async () => {
    wg.setBackend(new wg.CpuBackend());
    const x = wg.add(wg.mul(wg.randn([2, 2, 3, 3]), 3), 1);
    const tracked = new nn.InstanceNorm2d(2, { trackRunningStats: true }).eval();
    const untracked = new nn.InstanceNorm2d(2).eval();
    // fresh running statistics (0, 1): eval output = x / √(1 + eps); untracked: the instance's own statistics
    const yt = Array.from(await (tracked.call(x) as Tensor).data());
    const xs = Array.from(await x.data());
    yt.forEach((v, i) => expect(v).toBeCloseTo(xs[i] / Math.sqrt(1 + 1e-5), 5));
    const yu = untracked.call(x) as Tensor;
    const m = Array.from(await wg.mean(yu, [2, 3]).data());
    m.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-6));
    expect(Array.from(await tracked.running_mean!.data())).toEqual([0, 0]);
    expect(Array.from(await tracked.running_var!.data())).toEqual([1, 1]);
    tracked.dispose(); untracked.dispose();
  });

  test('pads of zero return a copy; F.pad in every mode is exported from nn.F and the package', () => {
    wg.setBackend(new wg.CpuBackend());
    const x = wg.tensor([[1, 2, 3]]);
    for (const mode of ['reflect', 'replicate', 'constant'] as const) {
      const y = wg.nn.F.pad(x, [0, 0], mode);
      expect(y).not.toBe(x);
      expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    }
    expect(Array.from(wg.nn.F.pad(x, [2, 1], 'reflect').dataSync())).toEqual([3, 2, 1, 2, 3, 2]);
    expect(Array.from(wg.nn.F.pad(x, [2, 1], 'replicate').dataSync())).toEqual([1, 1, 1, 2, 3, 3]);
    expect(Array.from(wg.nn.F.pad(x, [2, -1], 'constant', 9).dataSync())).toEqual([9, 9, 1, 2]);
    expect(typeof wg.nn.InstanceNorm2d).toBe('function');
    expect(typeof wg.nn.functional.instanceNorm).toBe('function');
  });
});
