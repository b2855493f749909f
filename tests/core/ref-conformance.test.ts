/**
 * Every backend against the reference backend (src/kernels/ref: plain loops).
 *
 * - The conformance suite (tests/browser/suite.ts: every primitive, values, shapes, dtypes,
 *   gradients, Philox streams) with the fast CPU backend as the backend under test. WebGPU runs
 *   the same suite in tests/browser/conformance.test.ts and in Chromium.
 * - Fuzzed shapes, primitive by primitive: random ranks, sizes (including 1 and odd sizes),
 *   broadcasting, transposes, strides, padding, dilation and groups, drawn from a fixed seed, run
 *   through `apply` (the shape rule, then the backend's kernel) on the reference and on each
 *   backend, float32 everywhere and float64 where the backend has it.
 */
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.ts';
import type { Backend, Prim, Tensor } from '../../src/index.ts';
import { apply } from '../../src/tensor/tensor.ts';
import { shapeRules } from '../../src/tensor/shape.ts';
import type { PrimParams } from '../../src/base/prims.ts';
import { ACTIVATIONS, BINARY_PRIMS, UNARY_PRIMS } from '../../src/base/prims.ts';
import { testBackends } from '../helpers/backends.ts';
import { mulberry32 } from '../helpers/prng.ts';
import { runConformance } from '../browser/suite.ts';

test('conformance suite: the fast CPU backend matches the reference on every primitive', async () => {
  const r = await runConformance(() => {}, { start: async () => new wg.CpuBackend() });
  const failures = r.results.filter((c) => !c.ok).map((c) => `${c.name}: ${c.message?.split('\n')[0]}`);
  expect(failures, `${r.passed} passed, ${r.failed} failed`).toEqual([]);
  expect(r.passed).toBeGreaterThan(50);
}, 600_000);

type Dt = 'float32' | 'float64' | 'int32';
/** One fuzzed application: inputs as host arrays, the primitive and its params. */
interface FuzzCase { prim: Prim; params: PrimParams[Prim]; inputs: { shape: number[]; data: number[]; dtype: Dt }[]; what: string }

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

function fuzzCases(seed: number, dtype: 'float32' | 'float64'): FuzzCase[] {
  const r = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1)); // inclusive
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const vals = (s: number[], lo = -2, hi = 2) => Array.from({ length: size(s) }, () => lo + (hi - lo) * r());
  const f = (s: number[], lo?: number, hi?: number) => ({ shape: s, data: vals(s, lo, hi), dtype: dtype as Dt });
  const ints = (s: number[], lo: number, hi: number) => ({ shape: s, data: Array.from({ length: size(s) }, () => int(lo, hi)), dtype: 'int32' as Dt });
  const shape = (rank: number, max = 6) => Array.from({ length: rank }, () => int(1, max));
  /** a shape that broadcasts against `s`: some dims set to 1, maybe fewer leading dims */
  const bcast = (s: number[]) => s.slice(int(0, s.length)).map((d) => (r() < 0.35 ? 1 : d));
  const cases: FuzzCase[] = [];
  // a draw the shape rule refuses (e.g. a transposed conv whose padding leaves no output) is redrawn by the next iteration
  const add = (prim: Prim, params: object, inputs: FuzzCase['inputs'], what = '') => {
    try { shapeRules[prim](inputs.map((i) => ({ shape: i.shape, dtype: i.dtype })), params as never); } catch { return; }
    cases.push({ prim, params: params as PrimParams[Prim], inputs, what: `${prim}${what} ${inputs.map((i) => `[${i.shape}]`).join(' ')} ${JSON.stringify(params)}` });
  };

  for (let k = 0; k < 6; k++) {
    const s = shape(int(1, 4));
    add(pick(UNARY_PRIMS), {}, [f(s, 0.1, 3)]);
    const [a, b] = r() < 0.5 ? [s, bcast(s)] : [bcast(s), s];
    add(pick(BINARY_PRIMS), {}, [f(a, 0.1, 3), f(b, 0.1, 3)]);
    add(pick(['add', 'mul', 'div', 'sub', 'maximum', 'lt'] as const), {}, [ints(a, -9, 9), ints(b, 1, 9)], ' int32');
    add('where', {}, [f(bcast(s), -1, 1), f(bcast(s)), f(s)]);
    const axes = s.map((_, i) => i).filter(() => r() < 0.5);
    if (axes.length) add(pick(['sum', 'max'] as const), { axes }, [f(s)]);
    add('argmax', { axis: int(0, s.length - 1) }, [f(s)]);
    const perm = s.map((_, i) => i).sort(() => r() - 0.5);
    add('permute', { perm }, [f(s)]);
    add('flip', { axes: axes.length ? axes : [0] }, [f(s)]);
    const starts = s.map((d) => int(0, d - 1)), steps = s.map(() => int(1, 3));
    add('slice', { starts, steps, shape: s.map((d, i) => Math.ceil((d - starts[i]) / steps[i])) }, [f(s)]);
    add('pad', { pads: s.map(() => [int(0, 2), int(0, 2)]), value: pick([0, -1.5]) }, [f(s)]);
    const axis = int(0, s.length - 1);
    add('concat', { axis }, [f(s), f(s.map((d, i) => (i === axis ? int(1, 4) : d)))]);
    const n = int(1, 7);
    add('gather', { axis }, [f(s), ints([n], 0, s[axis] - 1)]);
    add('scatterAdd', { axis, size: s[axis] }, [f(s.map((d, i) => (i === axis ? n : d))), ints([n], 0, s[axis] - 1)]);
  }
  for (let k = 0; k < 6; k++) {
    const M = int(1, 40), N = int(1, 40), K = int(1, 70), transA = r() < 0.5, transB = r() < 0.5;
    const batch = shape(int(0, 2), 3);
    const aB = bcast(batch), bB = bcast(batch);
    const a = f([...aB, ...(transA ? [K, M] : [M, K])]), b = f([...bB, ...(transB ? [N, K] : [K, N])]);
    add('matmul', { transA, transB }, [a, b]);
    const act = pick(ACTIVATIONS);
    add('matmulBiasAct', { transA, transB, act, slope: 0.2 }, [f(transA ? [K, M] : [M, K]), f(transB ? [N, K] : [K, N]), f([N])]);
  }
  for (let k = 0; k < 8; k++) {
    const groups = int(1, 3), Cg = int(1, 3), Og = int(1, 3), N = int(1, 3);
    const kh = int(1, 4), kw = int(1, 4), stride: [number, number] = [int(1, 3), int(1, 3)], padding: [number, number] = [int(0, 2), int(0, 2)], dilation: [number, number] = [int(1, 2), int(1, 2)];
    const H = int(1, 6) + (kh - 1) * dilation[0], W = int(1, 6) + (kw - 1) * dilation[1];
    const p = { stride, padding, dilation, groups };
    const Ho = Math.floor((H + 2 * padding[0] - dilation[0] * (kh - 1) - 1) / stride[0]) + 1;
    const Wo = Math.floor((W + 2 * padding[1] - dilation[1] * (kw - 1) - 1) / stride[1]) + 1;
    const x = f([N, groups * Cg, H, W]), w = f([groups * Og, Cg, kh, kw]);
    add('conv2d', p, [x, w]);
    add('conv2dBiasAct', { ...p, act: pick(ACTIVATIONS), slope: 0.2 }, [x, w, f([groups * Og])]);
    add('conv2dWeightGrad', { ...p, kernel: [kh, kw] }, [x, f([N, groups * Og, Ho, Wo])]);
    const outputPadding: [number, number] = [int(0, Math.max(stride[0], dilation[0]) - 1), int(0, Math.max(stride[1], dilation[1]) - 1)];
    add('convTranspose2d', { ...p, outputPadding }, [f([N, groups * Og, Ho, Wo]), f([groups * Og, Cg, kh, kw])]);
  }
  for (let k = 0; k < 4; k++) {
    const s = [int(1, 5), int(1, 6), ...shape(int(0, 2), 5)];
    const C = s[1], eps = 1e-5;
    const x = f(s, -3, 3);
    add('batchNormStats', {}, [x]);
    const stats = { shape: [2, C], data: [...vals([C], -1, 1), ...vals([C], 0.2, 2)], dtype: dtype as Dt };
    add('batchNorm', { eps, batchStats: r() < 0.5 }, [x, stats, f([C]), f([C])]);
    add('batchNormGradStats', { eps }, [f(s), x, stats]);
    add('batchNormInputGrad', { eps }, [f(s), x, stats, f([2, C]), f([C])]);
  }
  add('randNormal', { shape: [int(1, 9), int(1, 9)], dtype, seed: [int(0, 1e6), int(0, 1e6)], offset: int(0, 100) }, []);
  add('randUniform', { shape: [int(1, 50)], dtype, seed: [int(0, 1e6), int(0, 1e6)], offset: int(0, 100) }, []);
  return cases;
}

async function runCase(b: Backend, c: FuzzCase): Promise<{ shape: number[]; data: Float64Array }> {
  wg.setBackend(b);
  const out = wg.tidy(() => {
    const ins: Tensor[] = c.inputs.map((i) => wg.tensor(i.dtype === 'int32' ? Int32Array.from(i.data) : i.data, i.shape, { dtype: i.dtype }));
    return apply(c.prim, ins, c.params);
  });
  const data = Float64Array.from(await out.data());
  const shape = [...out.shape];
  out.dispose();
  return { shape, data };
}

const backends = (await testBackends()).filter((b) => b.name !== 'ref');
const ref = new wg.RefBackend();

describe.each(backends)('fuzzed shapes: $name against the reference', ({ name, make }) => {
  const dtypes = name === 'webgpu' ? (['float32'] as const) : (['float32', 'float64'] as const);
  test.each(dtypes.flatMap((dt) => [1, 2, 3].map((seed) => [dt, seed] as const)))('%s, seed %i', async (dtype, seed) => {
    const b = await make();
    // WGSL lets sin/cos be off by 2^-11 absolute on [-π, π] and exp/log/pow by a few ULP scaled
    // by |x| (SwiftShader uses that room); randNormal is Box–Muller (log, sqrt, cos)
    const tolFor = (p: Prim) => dtype === 'float64' ? 1e-10
      : name !== 'webgpu' ? 2e-5
        : p === 'sin' || p === 'cos' || p === 'randNormal' ? 2 ** -10
          : p === 'exp' || p === 'log' || p === 'pow' || p === 'tanh' || p === 'sigmoid' ? 1e-4 : 2e-5;
    const bad: string[] = [];
    const cases = fuzzCases(seed, dtype);
    expect(cases.length).toBeGreaterThan(100);
    for (const c of cases) {
      const want = await runCase(ref, c), got = await runCase(b, c);
      if (got.shape.join() !== want.shape.join()) { bad.push(`${c.what}: shape [${got.shape}] vs [${want.shape}]`); continue; }
      // sums of K products: the tolerance scales with the magnitude of the result
      const scale = Math.max(1, ...want.data.map(Math.abs)), tol = tolFor(c.prim);
      for (let i = 0; i < want.data.length; i++) {
        const w = want.data[i], g = got.data[i];
        if (Number.isNaN(w) ? !Number.isNaN(g) : Math.abs(g - w) > tol * scale) { bad.push(`${c.what}: element ${i} ${g} vs ${w}`); break; }
      }
    }
    wg.setBackend(new wg.CpuBackend());
    expect(bad).toEqual([]);
  }, 300_000);
});

test('the reference backend is complete: every primitive has a plain kernel', () => {
  const refTable = Object.keys((ref as unknown as { kernels: object }).kernels);
  expect(refTable.sort()).toEqual([...wg.PRIMS].sort());
});
