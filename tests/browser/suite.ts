/**
 * Backend conformance, runtime-agnostic (runs in a browser page; imports only the public API).
 * Every case builds the same inputs on the reference backend (plain loops, src/kernels/ref) and on
 * the backend under test (WebGPU by default; the fast CPU backend in tests/core), runs the same
 * ops, and compares: |got - ref| <= atol + rtol * |ref| elementwise (ints exactly, NaN == NaN).
 * Every primitive in PRIMS must be dispatched at least once by the backend under test, else that
 * is a failure too.
 */
import * as wg from '../../src/index.ts';
import type { Backend, Prim, Tensor } from '../../src/index.ts';
import { mulberry32 } from '../helpers/prng.ts';

export interface CaseResult {
  name: string;
  ok: boolean;
  message?: string;
}
export interface SuiteResult {
  passed: number;
  failed: number;
  results: CaseResult[];
  adapter?: Record<string, unknown>;
}

interface Case {
  name: string;
  /** builds the outputs on the active backend; inputs come from `inp` (deterministic) */
  run: () => Tensor | Tensor[];
  atol?: number;
  rtol?: number;
}

// ------------------------------------------------------------------ deterministic inputs

interface InpOpts { lo?: number; hi?: number; seed?: number; int?: boolean; grad?: boolean; round?: boolean }

/** A float32 (or int32) tensor of uniform values in [lo, hi) on the active backend. */
function inp(shape: number[], o: InpOpts = {}): Tensor {
  const { lo = -2, hi = 2, seed = 1 } = o;
  const r = mulberry32(seed * 7919 + shape.reduce((a, b) => a * 31 + b, 17));
  const n = shape.reduce((a, b) => a * b, 1);
  if (o.int) {
    const d = new Int32Array(n);
    for (let i = 0; i < n; i++) d[i] = Math.floor(lo + (hi - lo) * r());
    return wg.tensor(d, shape, { dtype: 'int32' });
  }
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = lo + (hi - lo) * r();
    d[i] = o.round ? Math.round(v) : v;
  }
  return wg.tensor(d, shape, { requiresGrad: !!o.grad });
}

/** positive, away from zero: for log, sqrt, div, pow */
const pos = (shape: number[], seed = 1) => inp(shape, { lo: 0.25, hi: 3, seed });

// ------------------------------------------------------------------ the cases

const UNARY_DOMAIN: Record<string, () => Tensor> = {
  log: () => pos([3, 5]),
  sqrt: () => pos([3, 5]),
};
const UNARY = ['neg', 'abs', 'sign', 'exp', 'log', 'sqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'floor'] as const;
const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;

function cases(): Case[] {
  const cs: Case[] = [];
  for (const u of UNARY) {
    // WGSL allows sin/cos an absolute error of 2^-11 on [-pi, pi] (SwiftShader uses ~2^-13)
    const atol = u === 'sin' || u === 'cos' ? 2 ** -11 : undefined;
    cs.push({ name: `unary ${u} [3,5]`, run: () => (wg[u] as (x: Tensor) => Tensor)(UNARY_DOMAIN[u]?.() ?? inp([3, 5], { lo: -3, hi: 3 })), atol });
  }
  cs.push({ name: 'unary relu/sign/abs at 0', run: () => [wg.relu(wg.zeros([4])), wg.sign(wg.zeros([4])), wg.abs(wg.zeros([4]))] });
  for (const b of BINARY) {
    const cmp = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'maximum', 'minimum'].includes(b);
    cs.push({
      name: `binary ${b} [2,3,4] x [3,1] (broadcast)`,
      run: () => {
        const a = b === 'pow' ? pos([2, 3, 4]) : inp([2, 3, 4], { lo: -3, hi: 3, round: cmp });
        const c = b === 'div' ? pos([3, 1], 2) : b === 'pow' ? inp([3, 1], { seed: 2 }) : inp([3, 1], { lo: -3, hi: 3, seed: 2, round: cmp });
        return (wg[b] as (x: Tensor, y: Tensor) => Tensor)(a, c);
      },
      rtol: b === 'pow' ? 1e-4 : undefined,
    });
  }
  cs.push({ name: 'binary add, scalar operand and rank-0', run: () => [wg.add(inp([5]), 2.5), wg.mul(wg.scalar(3), inp([2, 2]))] });
  cs.push({ name: 'binary add [4,1,3] x [1,5,1]', run: () => wg.add(inp([4, 1, 3]), inp([1, 5, 1], { seed: 3 })) });
  cs.push({ name: 'binary add large 1000x37 (dispatch > 65535 threads?)', run: () => wg.add(inp([1000, 37]), inp([37], { seed: 2 })) });
  cs.push({
    name: 'where(cond, a, b) broadcast',
    run: () => wg.where(wg.gt(inp([3, 1, 4]), 0), inp([2, 4], { seed: 2 }), inp([3, 2, 1], { seed: 3 })),
  });
  cs.push({
    name: 'cast float32 -> int32 -> float32',
    run: () => {
      const x = inp([4, 6], { lo: -5, hi: 5 });
      const i = wg.cast(x, 'int32');
      return [i, wg.cast(i, 'float32'), wg.cast(wg.gt(x, 0), 'int32')];
    },
  });
  cs.push({ name: 'int32 arithmetic (add, mul, maximum)', run: () => {
    const a = inp([3, 4], { int: true, lo: -50, hi: 50 });
    const b = inp([4], { int: true, lo: -9, hi: 9, seed: 2 });
    return [wg.add(a, b), wg.mul(a, b), wg.maximum(a, b)];
  } });
  // reductions
  cs.push({ name: 'sum all / axis 1 / axes [0,2] keepdim', run: () => {
    const x = inp([3, 4, 5]);
    return [wg.sum(x), wg.sum(x, 1), wg.sum(x, [0, 2], true)];
  }, atol: 1e-4 });
  cs.push({ name: 'sum large [7, 4099]', run: () => [wg.sum(inp([7, 4099]), 1), wg.sum(inp([7, 4099]))], atol: 2e-3, rtol: 1e-4 });
  cs.push({ name: 'max all / axis 0 / axis -1', run: () => {
    const x = inp([3, 4, 5]);
    return [wg.max(x), wg.max(x, 0), wg.max(x, -1, true)];
  } });
  cs.push({ name: 'argmax axis 1 / last', run: () => {
    const x = inp([3, 7, 5]);
    return [wg.argmax(x, 1), wg.argmax(x, -1, true)];
  } });
  cs.push({ name: 'argmax ties pick the first', run: () => wg.argmax(wg.tensor([[1, 3, 3, 2], [5, 5, 5, 5]]), 1) });
  cs.push({ name: 'mean/variance/softmax/logsumexp (composed)', run: () => {
    const x = inp([4, 9]);
    return [wg.mean(x, 1), wg.variance(x, 0), wg.softmax(x, -1), wg.logsumexp(x, 1)];
  } });
  // movement
  cs.push({ name: 'reshape + permute [2,0,1]', run: () => wg.permute(wg.reshape(inp([24]), [2, 3, 4]), [2, 0, 1]) });
  cs.push({ name: 'permute 4-D [0,2,3,1]', run: () => wg.permute(inp([2, 3, 4, 5]), [0, 2, 3, 1]) });
  cs.push({ name: 'transpose 2-D 33x17', run: () => wg.transpose(inp([33, 17])) });
  cs.push({ name: 'expand [3,1] -> [2,3,4]', run: () => wg.expand(inp([3, 1]), [2, 3, 4]) });
  cs.push({ name: 'slice with steps and offsets', run: () => {
    const x = inp([5, 6, 7]);
    return [wg.slice(x, [[1, 5, 2], [0, 6, 3], [2, -1]]), wg.slice(x, [2, null, [3]])];
  } });
  cs.push({ name: 'pad constant', run: () => [wg.pad(inp([2, 3, 4]), [1, 2, 0, 3]), wg.pad(inp([3, 3]), [2, 2], -1.5)] });
  cs.push({ name: 'concat axis 0 / axis 1 / 3 parts', run: () => [
    wg.concat([inp([2, 3]), inp([4, 3], { seed: 2 })], 0),
    wg.concat([inp([2, 3]), inp([2, 1], { seed: 2 }), inp([2, 5], { seed: 3 })], 1),
  ] });
  cs.push({ name: 'flip dims [0] and [1,2]', run: () => {
    const x = inp([3, 4, 5]);
    return [wg.flip(x, 0), wg.flip(x, [1, 2])];
  } });
  cs.push({ name: 'indexSelect (gather) axis 0 and 1, repeated indices', run: () => {
    const x = inp([5, 6]);
    const i = wg.tensor(new Int32Array([4, 0, 0, 2, 3]), [5], { dtype: 'int32' });
    return [wg.indexSelect(x, 0, i), wg.indexSelect(x, 1, i)];
  } });
  cs.push({ name: 'scatterAdd (the gradient of indexSelect, repeated indices)', run: () => {
    const x = inp([5, 6], { grad: true });
    const i = wg.tensor(new Int32Array([4, 0, 0, 2, 3, 0]), [6], { dtype: 'int32' });
    const y = wg.indexSelect(x, 0, i);
    return wg.grad(wg.sum(wg.mul(y, inp([6, 6], { seed: 5 }))), [x]);
  } });
  cs.push({ name: 'oneHot', run: () => wg.oneHot(wg.tensor(new Int32Array([0, 3, 1, 3]), [4], { dtype: 'int32' }), 5) });
  // matmul
  cs.push({ name: 'matmul [3,4] @ [4,5]', run: () => wg.matmul(inp([3, 4]), inp([4, 5], { seed: 2 })), atol: 1e-4 });
  cs.push({ name: 'matmul transA / transB', run: () => [
    wg.matmul(inp([4, 3]), inp([4, 5], { seed: 2 }), { transA: true }),
    wg.matmul(inp([3, 4]), inp([5, 4], { seed: 2 }), { transB: true }),
    wg.matmul(inp([4, 3]), inp([5, 4], { seed: 2 }), { transA: true, transB: true }),
  ], atol: 1e-4 });
  cs.push({ name: 'matmul batched broadcast [2,1,3,4] @ [3,4,2]', run: () => wg.matmul(inp([2, 1, 3, 4]), inp([3, 4, 2], { seed: 2 })), atol: 1e-4 });
  cs.push({ name: 'matmul odd sizes 65x47 @ 47x33', run: () => wg.matmul(inp([65, 47]), inp([47, 33], { seed: 2 })), atol: 1e-3, rtol: 1e-4 });
  cs.push({ name: 'matmul vector operands', run: () => [wg.matmul(inp([4]), inp([4, 3], { seed: 2 })), wg.matmul(inp([3, 4]), inp([4], { seed: 2 }))], atol: 1e-4 });
  // convolution family
  const conv = (o: wg.ConvOpts, xs: number[], ws: number[]) => () => wg.conv2d(inp(xs), inp(ws, { seed: 2 }), inp([ws[0]], { seed: 3 }), o);
  cs.push({ name: 'conv2d 3x3 pad 1', run: conv({ padding: 1 }, [2, 3, 8, 8], [4, 3, 3, 3]), atol: 1e-4 });
  cs.push({ name: 'conv2d 4x4 stride 2 pad 1 (DCGAN)', run: conv({ stride: 2, padding: 1 }, [2, 3, 9, 8], [5, 3, 4, 4]), atol: 1e-4 });
  cs.push({ name: 'conv2d dilation 2, groups 2, rectangular', run: conv({ dilation: [2, 1], groups: 2, padding: [2, 0], stride: [1, 2] }, [1, 4, 7, 9], [6, 2, 3, 2]), atol: 1e-4 });
  cs.push({ name: 'convTranspose2d 4x4 stride 2 pad 1', run: () => wg.convTranspose2d(inp([2, 5, 4, 4]), inp([5, 3, 4, 4], { seed: 2 }), inp([3], { seed: 3 }), { stride: 2, padding: 1 }), atol: 1e-4 });
  cs.push({ name: 'convTranspose2d outputPadding, groups 2, dilation', run: () => wg.convTranspose2d(inp([1, 4, 5, 3]), inp([4, 3, 3, 3], { seed: 2 }), null, { stride: 2, padding: 1, outputPadding: 1, groups: 2, dilation: [1, 2] }), atol: 1e-4 });
  cs.push({ name: 'conv2dWeightGrad stride 2 pad 1', run: () => wg.conv2dWeightGrad(inp([2, 3, 8, 8]), inp([2, 4, 4, 4], { seed: 2 }), 4, { stride: 2, padding: 1 }), atol: 1e-3, rtol: 1e-4 });
  cs.push({ name: 'conv2dWeightGrad groups 2 dilation 2', run: () => wg.conv2dWeightGrad(inp([1, 4, 9, 9]), inp([1, 6, 5, 7], { seed: 2 }), [3, 2], { groups: 2, dilation: 2 }), atol: 1e-3, rtol: 1e-4 });
  cs.push({ name: 'pools and upsample (composed)', run: () => {
    const x = inp([1, 2, 6, 6]);
    return [wg.avgPool2d(x, 2), wg.maxPool2d(x, 3, 2, 1), wg.upsampleNearest(x, 2)];
  }, atol: 1e-5 });
  // random: identical Philox streams
  cs.push({ name: 'randUniform stream (manualSeed 1234)', run: () => { wg.manualSeed(1234); return [wg.rand([1000]), wg.rand([3, 7])]; }, atol: 1e-6, rtol: 0 });
  // Box-Muller r·cos(θ): WGSL's cos error 2^-11 (absolute) times r ≤ ~4 bounds the difference
  cs.push({ name: 'randNormal stream (manualSeed 99)', run: () => { wg.manualSeed(99); return [wg.randn([1001]), wg.randint(0, 10, [50])]; }, atol: 4 * 2 ** -11, rtol: 0 });
  // gradients through the vjp rules
  cs.push({ name: 'grad: conv2d -> leakyRelu -> linear', run: () => {
    const x = inp([2, 3, 6, 6], { grad: true });
    const w = inp([4, 3, 3, 3], { seed: 2, grad: true });
    const l = inp([5, 4 * 3 * 3], { seed: 3, grad: true });
    const h = wg.leakyRelu(wg.conv2d(x, w, null, { stride: 2, padding: 1 }), 0.2);
    const y = wg.linear(wg.reshape(h, [2, 36]), l);
    return wg.grad(wg.sum(wg.tanh(y)), [x, w, l]);
  }, atol: 1e-4, rtol: 1e-3 });
  cs.push({ name: 'grad: convTranspose2d -> batch stats -> softplus', run: () => {
    const x = inp([2, 4, 3, 3], { grad: true });
    const w = inp([4, 2, 4, 4], { seed: 2, grad: true });
    const y = wg.convTranspose2d(x, w, null, { stride: 2, padding: 1 });
    const n = wg.div(wg.sub(y, wg.mean(y, [0, 2, 3], true)), wg.sqrt(wg.add(wg.variance(y, [0, 2, 3], true, 0), 1e-5)));
    return wg.grad(wg.mean(wg.softplus(n)), [x, w]);
  }, atol: 1e-4, rtol: 1e-3 });
  cs.push({ name: 'batchNorm (fused prims): training forward and backward, running statistics', run: () => {
    const x = inp([4, 3, 5, 5], { grad: true });
    const w = inp([3], { seed: 2, lo: 0.5, hi: 2, grad: true });
    const b = inp([3], { seed: 3, grad: true });
    const y = wg.nn.F.batchNorm(x, null, null, { weight: w, bias: b, training: true });
    const e = wg.nn.F.batchNorm(x, inp([3], { seed: 4 }), inp([3], { seed: 5, lo: 0.5, hi: 2 }), { weight: w, bias: b });
    return [y, e, ...wg.grad(wg.sum(wg.mul(y, inp([4, 3, 5, 5], { seed: 6 }))), [x, w, b])];
  }, atol: 1e-4, rtol: 1e-4 });
  cs.push({ name: 'linear / conv2d with bias + activation (fused epilogue prims) and their gradients', run: () => {
    const x = inp([5, 7], { grad: true });
    const w = inp([3, 7], { seed: 2, grad: true });
    const b = inp([3], { seed: 3, grad: true });
    const y = wg.linear(x, w, b, { activation: 'tanh' });
    const xc = inp([2, 3, 6, 5], { seed: 4, grad: true });
    const wc = inp([4, 3, 3, 3], { seed: 5, grad: true });
    const z = wg.conv2d(xc, wc, inp([4], { seed: 6 }), { padding: 1, activation: 'leakyRelu', negativeSlope: 0.2 });
    return [y, z, ...wg.grad(wg.add(wg.sum(wg.mul(y, y)), wg.sum(z)), [x, w, b, xc, wc])];
  }, atol: 1e-4, rtol: 1e-4 });
  cs.push({ name: 'grad of grad (gradient penalty shape)', run: () => {
    const x = inp([3, 5], { grad: true });
    const w = inp([5, 1], { seed: 2, grad: true });
    const out = wg.sum(wg.tanh(wg.matmul(x, w)));
    const [gx] = wg.grad(out, [x], { createGraph: true });
    const pen = wg.mean(wg.square(wg.sub(wg.sqrt(wg.sum(wg.square(gx), 1)), 1)));
    return wg.grad(pen, [w]);
  }, atol: 1e-4, rtol: 1e-3 });
  cs.push({ name: 'grad: max, gather, slice, pad, concat, flip, where, pow', run: () => {
    const x = inp([4, 6], { grad: true, lo: 0.5, hi: 2 });
    const a = wg.max(wg.flip(x, 1), 1);
    const b = wg.slice(wg.pad(x, [1, 1]), [[0, 4], [1, 7, 2]]);
    const c = wg.concat([b, wg.where(wg.gt(x, 1), wg.pow(x, 1.5), x)], 1);
    return wg.grad(wg.add(wg.sum(a), wg.sum(wg.mul(c, c))), [x]);
  }, atol: 1e-4, rtol: 1e-3 });
  return cs;
}

// ------------------------------------------------------------------ comparison

interface Out { shape: readonly number[]; dtype: string; data: ArrayLike<number> }

async function collect(t: Tensor | Tensor[]): Promise<Out[]> {
  const ts = Array.isArray(t) ? t : [t];
  return Promise.all(ts.map(async (x) => ({ shape: x.shape, dtype: x.dtype, data: await x.data() })));
}

function compare(gpu: Out[], cpu: Out[], atol: number, rtol: number, name: string): string | null {
  if (gpu.length !== cpu.length) return `${gpu.length} outputs on ${name}, ${cpu.length} on ref`;
  for (let k = 0; k < cpu.length; k++) {
    const g = gpu[k], c = cpu[k];
    if (g.dtype !== c.dtype) return `output ${k}: dtype ${g.dtype} vs ref ${c.dtype}`;
    if (g.shape.join() !== c.shape.join()) return `output ${k}: shape [${g.shape}] vs ref [${c.shape}]`;
    let worst = -1, worstErr = 0, bad = 0;
    for (let i = 0; i < c.data.length; i++) {
      const a = g.data[i], b = c.data[i];
      if (Number.isNaN(a) && Number.isNaN(b)) continue;
      const err = Math.abs(a - b);
      const tol = c.dtype === 'int32' ? 0 : atol + rtol * Math.abs(b);
      if (!(err <= tol)) {
        bad++;
        if (!(err <= worstErr)) { worst = i; worstErr = err; }
      }
    }
    if (bad) return `output ${k} [${c.shape}]: ${bad}/${c.data.length} elements off; worst at ${worst}: ${name} ${g.data[worst]} vs ref ${c.data[worst]} (atol ${atol}, rtol ${rtol})`;
  }
  return null;
}

/** Wrap a backend to record which primitives it dispatches (reshape never reaches a backend). */
function recording(b: Backend, seen: Set<string>): Backend {
  return new Proxy(b, {
    get(target, key) {
      const v = Reflect.get(target, key);
      if (key === 'run') return (...args: unknown[]) => { seen.add(args[0] as string); return (v as (...a: unknown[]) => unknown).apply(target, args); };
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

export interface SuiteOptions {
  /** the backend under test (default: `init({ backend: 'webgpu' })`), e.g. the fast CpuBackend */
  start?: () => Promise<Backend>;
}

export async function runConformance(log: (line: string) => void = console.log, opts: SuiteOptions = {}): Promise<SuiteResult> {
  const results: CaseResult[] = [];
  const report = (r: CaseResult) => {
    results.push(r);
    log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.message ? `: ${r.message}` : ''}`);
  };
  let gpuRaw: Backend;
  try {
    gpuRaw = opts.start ? await opts.start() : await wg.init({ backend: 'webgpu' });
  } catch (e) {
    report({ name: "init({ backend: 'webgpu' })", ok: false, message: (e as Error)?.stack ?? String(e) });
    return { passed: 0, failed: 1, results };
  }
  const adapter = (() => { try { return gpuRaw.info(); } catch { return {}; } })();
  report({ name: "init({ backend: 'webgpu' })", ok: true, message: JSON.stringify(adapter) });
  const seen = new Set<string>();
  const gpu = recording(gpuRaw, seen);
  const ref = new wg.RefBackend();
  for (const c of cases()) {
    try {
      wg.setBackend(ref);
      const want = wg.tidy(() => c.run());
      const refOut = await collect(want);
      wg.setBackend(gpu);
      const got = wg.tidy(() => c.run());
      const gpuOut = await collect(got);
      for (const t of [want, got].flat()) t.dispose();
      const err = compare(gpuOut, refOut, c.atol ?? 1e-5, c.rtol ?? 1e-5, gpuRaw.name);
      report({ name: c.name, ok: err === null, message: err ?? undefined });
    } catch (e) {
      report({ name: c.name, ok: false, message: (e as Error)?.stack ?? String(e) });
    }
  }
  wg.setBackend(gpu);
  const missing = wg.PRIMS.filter((p: Prim) => p !== 'reshape' && !seen.has(p));
  report({ name: `every primitive dispatched on ${gpuRaw.name}`, ok: missing.length === 0, message: missing.length ? `never dispatched: ${missing.join(', ')}` : undefined });
  try {
    const mem = wg.memory();
    report({ name: 'no live buffers left after the cases', ok: mem.liveBuffers === 0, message: JSON.stringify(mem) });
  } catch (e) {
    report({ name: 'memory()', ok: false, message: String(e) });
  }
  const failed = results.filter((r) => !r.ok).length;
  return { passed: results.length - failed, failed, results, adapter };
}
