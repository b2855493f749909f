/**
 * Every primitive and composed op against PyTorch 1.13 (float64 fixtures from tests/gen_fixtures.py):
 * on every backend in float32, and on the CPU additionally in float64 with a tight tolerance.
 */
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.ts';
import type { DType, Tensor } from '../../src/index.ts';
import { testBackends } from '../helpers/backends.ts';
import { decodeValues, fromJson, loadFixture, mismatch, type TensorJson } from '../helpers/fixtures.ts';

interface ForwardCase {
  name: string;
  op: string;
  params: Record<string, any>;
  inputs: TensorJson[];
  out: TensorJson;
}

type OpFn = (xs: Tensor[], p: Record<string, any>) => Tensor;

const binary = (name: 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'): OpFn =>
  (xs, p) => (p.scalar === undefined ? wg[name](xs[0], xs[1]) : p.scalarFirst ? wg[name](p.scalar, xs[0]) : wg[name](xs[0], p.scalar));
const unary = (f: (x: Tensor) => Tensor): OpFn => ([x]) => f(x);
const reduction = (f: (x: Tensor, a: any, k: boolean, c?: number) => Tensor): OpFn =>
  ([x], p) => f(x, p.axes ?? undefined, p.keepdim, p.correction);
const convOpts = (p: Record<string, any>) => ({ stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups });

/** fixture op name → webgan call */
export const OPS: Record<string, OpFn> = {
  neg: unary(wg.neg), abs: unary(wg.abs), sign: unary(wg.sign), exp: unary(wg.exp), log: unary(wg.log),
  sqrt: unary(wg.sqrt), sin: unary(wg.sin), cos: unary(wg.cos), tanh: unary(wg.tanh), sigmoid: unary(wg.sigmoid),
  relu: unary(wg.relu), floor: unary(wg.floor), square: unary(wg.square), rsqrt: unary(wg.rsqrt),
  softplus: unary(wg.softplus), log1p: unary(wg.log1p),
  leakyRelu: ([x], p) => (p.slope === undefined ? wg.leakyRelu(x) : wg.leakyRelu(x, p.slope)),
  clamp: ([x], p) => wg.clamp(x, p.min, p.max),
  add: binary('add'), sub: binary('sub'), mul: binary('mul'), div: binary('div'), pow: binary('pow'),
  maximum: binary('maximum'), minimum: binary('minimum'), eq: binary('eq'), ne: binary('ne'),
  lt: binary('lt'), le: binary('le'), gt: binary('gt'), ge: binary('ge'),
  where: (xs, p) => (p.a !== undefined ? wg.where(xs[0], p.a, p.b) : wg.where(xs[0], xs[1], xs[2])),
  sum: reduction(wg.sum), mean: reduction(wg.mean), max: reduction(wg.max), min: reduction(wg.min),
  var: reduction(wg.variance), std: reduction(wg.std), logsumexp: reduction((x, a, k) => wg.logsumexp(x, a, k)),
  argmax: ([x], p) => wg.argmax(x, p.axis ?? undefined, p.keepdim),
  argmin: ([x], p) => wg.argmin(x, p.axis, p.keepdim),
  softmax: ([x], p) => wg.softmax(x, p.axis),
  logSoftmax: ([x], p) => wg.logSoftmax(x, p.axis),
  reshape: ([x], p) => wg.reshape(x, p.shape),
  flatten: ([x], p) => wg.flatten(x, p.start, p.end),
  permute: ([x], p) => wg.permute(x, p.perm),
  transpose: ([x], p) => wg.transpose(x, p.dim0, p.dim1),
  expand: ([x], p) => wg.expand(x, p.shape),
  squeeze: ([x], p) => wg.squeeze(x, p.dim),
  unsqueeze: ([x], p) => wg.unsqueeze(x, p.dim),
  slice: ([x], p) => wg.slice(x, (p.specs as any[]).map((s) => (Array.isArray(s) ? s.map((v) => v ?? undefined) : s))),
  narrow: ([x], p) => wg.narrow(x, p.dim, p.start, p.length),
  pad: ([x], p) => wg.pad(x, p.pads, p.value),
  concat: (xs, p) => wg.concat(xs, p.axis),
  stack: (xs, p) => wg.stack(xs, p.axis),
  flip: ([x], p) => wg.flip(x, p.dims),
  indexSelect: ([x, i], p) => wg.indexSelect(x, p.dim, i),
  oneHot: ([l], p) => wg.oneHot(l, p.numClasses),
  matmul: ([a, b], p) => wg.matmul(a, b, { transA: p.transA, transB: p.transB }),
  linear: ([x, w, b]) => wg.linear(x, w, b),
  conv2d: ([x, w, b], p) => wg.conv2d(x, w, b, convOpts(p)),
  convTranspose2d: ([x, w, b], p) => wg.convTranspose2d(x, w, b, { ...convOpts(p), outputPadding: p.outputPadding }),
  avgPool2d: ([x], p) => wg.avgPool2d(x, p.kernel, p.stride, p.padding),
  maxPool2d: ([x], p) => wg.maxPool2d(x, p.kernel, p.stride, p.padding, p.dilation),
  upsampleNearest: ([x], p) => wg.upsampleNearest(x, p.scale),
};

const fixture = loadFixture<{ cases: ForwardCase[] }>('forward.json');

test('the fixtures cover every op in the dispatcher and nothing unknown', () => {
  const used = new Set(fixture.cases.map((c) => c.op));
  expect([...used].filter((o) => !(o in OPS))).toEqual([]);
  expect(Object.keys(OPS).filter((o) => !used.has(o))).toEqual([]);
  expect(fixture.cases.length).toBeGreaterThan(300);
});

async function runCase(c: ForwardCase, dtype: DType, tol: number): Promise<void> {
  const y = wg.tidy(() => OPS[c.op](c.inputs.map((j) => fromJson(j, dtype)), c.params));
  try {
    expect(y.shape, 'shape').toEqual(c.out.shape);
    if (c.op === 'argmax' || c.op === 'argmin') expect(y.dtype).toBe('int32');
    else if (c.op !== 'oneHot' && c.inputs[0].dtype === 'float64') expect(y.dtype).toBe(dtype);
    const got = Array.from(await y.data());
    const err = mismatch(got, decodeValues(c.out.data), tol);
    expect(err, `${c.name} (${dtype})`).toBeNull();
  } finally {
    y.dispose();
  }
}

const backends = await testBackends();

describe.each(backends)('forward vs PyTorch on $name (float32)', ({ make }) => {
  test.each(fixture.cases.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    wg.setBackend(await make());
    await runCase(c, 'float32', 2e-4);
  });
});

describe.each([['ref', () => new wg.RefBackend()], ['cpu', () => new wg.CpuBackend()]] as const)('forward vs PyTorch on %s (float64)', (_name, make) => {
  test.each(fixture.cases.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    wg.setBackend(make());
    await runCase(c, 'float64', 1e-10);
  });
});
