/**
 * Numerical gradient checks (float64 central differences, error ≤ 1e-6) for every differentiable
 * op, and second-order checks: the gradient of a gradient norm built with createGraph.
 * On the reference backend (plain loops; WebGPU has no float64); the fast CPU backend's float64
 * kernels are checked against it in tests/core/ref-conformance.test.ts.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import * as wg from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { det, gradcheck } from '../helpers/gradcheck.ts';

beforeAll(() => wg.setBackend(new wg.RefBackend()));

const idx = (v: number[]) => wg.tensor(Int32Array.from(v), [v.length], { dtype: 'int32' });
type Case = [name: string, fn: (...xs: Tensor[]) => Tensor, inputs: () => Tensor[]];

// inputs kept away from kinks: `det(shape, seed, lo, hi, avoid)` keeps |x − avoid| ≥ 0.05
const A = (s: number[], seed = 1) => det(s, seed, -2, 2, 0);
const POS = (s: number[], seed = 1) => det(s, seed, 0.5, 2.5);

const FIRST_ORDER: Case[] = [
  // unary primitives
  ['neg', wg.neg, () => [A([3, 4])]],
  ['abs', wg.abs, () => [A([3, 4])]],
  ['exp', wg.exp, () => [A([3, 4])]],
  ['log', wg.log, () => [POS([3, 4])]],
  ['sqrt', wg.sqrt, () => [POS([3, 4])]],
  ['sin', wg.sin, () => [A([3, 4])]],
  ['cos', wg.cos, () => [A([3, 4])]],
  ['tanh', wg.tanh, () => [A([3, 4])]],
  ['sigmoid', wg.sigmoid, () => [A([3, 4])]],
  ['relu', wg.relu, () => [A([3, 4])]],
  // composed unary
  ['square', wg.square, () => [A([5])]],
  ['rsqrt', wg.rsqrt, () => [POS([5])]],
  ['log1p', wg.log1p, () => [POS([5])]],
  ['leakyRelu', (x) => wg.leakyRelu(x, 0.2), () => [A([3, 4])]],
  ['leakyRelu default slope', (x) => wg.leakyRelu(x), () => [A([6])]],
  ['softplus', wg.softplus, () => [A([3, 4])]],
  ['clamp', (x) => wg.clamp(x, -0.5, 0.7), () => [det([4, 4], 3, -2, 2, 0.7)]],
  ['clamp min only', (x) => wg.clamp(x, 0.3), () => [det([10], 4, -2, 2, 0.3)]],
  // binary, with broadcasting both ways
  ['add', wg.add, () => [A([3, 1]), A([4], 2)]],
  ['sub', wg.sub, () => [A([2, 3, 4]), A([3, 1], 2)]],
  ['mul', wg.mul, () => [A([3, 4]), A([4], 2)]],
  ['div', wg.div, () => [A([3, 4]), A([3, 1], 2)]],
  ['pow', wg.pow, () => [POS([3, 4]), A([4], 2)]],
  ['pow scalar exponent', (x) => wg.pow(x, 3), () => [A([5])]],
  ['pow scalar base', (x) => wg.pow(2, x), () => [A([5])]],
  ['maximum', wg.maximum, () => [A([3, 4]), A([4], 2)]],
  ['minimum', wg.minimum, () => [A([3, 1]), A([3, 4], 2)]],
  ['mul by number', (x) => wg.mul(x, 2.5), () => [A([4])]],
  ['div number by tensor', (x) => wg.div(1.5, x), () => [A([4])]],
  ['where', (c, a, b) => wg.where(c, a, b), () => [wg.tensor(Float64Array.from([1, 0, 1]), [3, 1], { dtype: 'float64' }), A([1, 4]), A([3, 4], 2)]],
  ['where with numbers', (c, a) => wg.mul(wg.where(c, a, 0), wg.where(c, 1, a)), () => [wg.tensor(Float64Array.from([1, 0, 1, 0]), [4], { dtype: 'float64' }), A([2, 4])]],
  ['self-use (x*x + x)', (x) => wg.add(wg.mul(x, x), x), () => [A([3])]],
  // reductions
  ['sum all', (x) => wg.sum(x), () => [A([3, 4])]],
  ['sum axes keepdim', (x) => wg.sum(x, [0, 2], true), () => [A([2, 3, 4])]],
  ['mean', (x) => wg.mean(x, 1), () => [A([2, 3, 4])]],
  ['max', (x) => wg.max(x, -1), () => [A([3, 5])]],
  ['max all', (x) => wg.max(x), () => [A([3, 5])]],
  ['min', (x) => wg.min(x, 0, true), () => [A([3, 5])]],
  ['var', (x) => wg.variance(x, 1), () => [A([3, 5])]],
  ['var correction 0 all', (x) => wg.variance(x, undefined, false, 0), () => [A([3, 5])]],
  ['std', (x) => wg.std(x, [0, 1]), () => [A([3, 5, 2])]],
  ['logsumexp', (x) => wg.logsumexp(x, -1), () => [A([3, 5])]],
  ['softmax', (x) => wg.softmax(x, 0), () => [A([3, 5])]],
  ['logSoftmax', (x) => wg.logSoftmax(x, -1), () => [A([3, 5])]],
  // movement
  ['reshape', (x) => wg.reshape(x, [4, -1]), () => [A([2, 3, 4])]],
  ['flatten', (x) => wg.flatten(x, 1), () => [A([2, 3, 4])]],
  ['permute', (x) => wg.permute(x, [2, 0, 1]), () => [A([2, 3, 4])]],
  ['transpose', (x) => wg.transpose(x, 0, 2), () => [A([2, 3, 4])]],
  ['expand', (x) => wg.expand(x, [2, 3, 4]), () => [A([3, 1])]],
  ['squeeze/unsqueeze', (x) => wg.unsqueeze(wg.squeeze(x), 1), () => [A([1, 3, 1, 2])]],
  ['slice with steps', (x) => wg.slice(x, [[1, 5, 2], null, [0, 7, 3]]), () => [A([5, 6, 7])]],
  ['slice index + negative', (x) => wg.slice(x, [-2, [-4, -1]]), () => [A([3, 5])]],
  ['narrow', (x) => wg.narrow(x, 1, 1, 2), () => [A([3, 4])]],
  ['pad', (x) => wg.pad(x, [1, 2, 0, 1], 0.5), () => [A([2, 3])]],
  ['concat', (a, b, c) => wg.concat([a, b, c], 1), () => [A([2, 1]), A([2, 3], 2), A([2, 2], 3)]],
  ['stack', (a, b) => wg.stack([a, b], -1), () => [A([2, 3]), A([2, 3], 2)]],
  ['flip', (x) => wg.flip(x, [0, 2]), () => [A([2, 3, 4])]],
  ['indexSelect with repeats', (x) => wg.indexSelect(x, 1, idx([2, 0, 2, 3])), () => [A([2, 4, 3])]],
  ['gather N-D index', (x) => wg.indexSelect(x, 0, wg.tensor(Int32Array.from([1, 0, 1, 1]), [2, 2], { dtype: 'int32' })), () => [A([2, 3])]],
  ['upsampleNearest', (x) => wg.upsampleNearest(x, [2, 3]), () => [A([1, 2, 2, 3])]],
  // linear algebra and convolution
  ['matmul', (a, b) => wg.matmul(a, b), () => [A([3, 4]), A([4, 5], 2)]],
  ['matmul batched broadcast', (a, b) => wg.matmul(a, b), () => [A([2, 1, 3, 4]), A([3, 4, 2], 2)]],
  ['matmul 1-D operands', (a, b) => wg.matmul(a, b), () => [A([4]), A([2, 4, 3], 2)]],
  ['matmul vector·vector', (a, b) => wg.matmul(a, b), () => [A([4]), A([4], 2)]],
  ['matmul transA', (a, b) => wg.matmul(a, b, { transA: true }), () => [A([2, 4, 3]), A([4, 5], 2)]],
  ['matmul transB', (a, b) => wg.matmul(a, b, { transB: true }), () => [A([3, 4]), A([2, 5, 4], 2)]],
  ['matmul transA transB', (a, b) => wg.matmul(a, b, { transA: true, transB: true }), () => [A([4, 3]), A([5, 4], 2)]],
  ['linear', (x, w, b) => wg.linear(x, w, b), () => [A([5, 3]), A([4, 3], 2), A([4], 3)]],
  // the fused epilogues in float64 (the CPU's bias + activation loops: a bias per column, per channel)
  ['matmulBiasAct leakyRelu', (x, w, b) => wg.matmulBiasAct(x, w, b, { transB: true, activation: 'leakyRelu', negativeSlope: 0.2 }), () => [A([5, 3]), A([4, 3], 2), A([4], 3)]],
  ['matmulBiasAct tanh', (x, w, b) => wg.matmulBiasAct(x, w, b, { activation: 'tanh' }), () => [A([5, 3]), A([3, 4], 2), A([4], 3)]],
  ['conv2dBiasAct sigmoid', (x, w, b) => wg.conv2dBiasAct(x, w, b, { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 }, { activation: 'sigmoid' }),
    () => [A([2, 3, 4, 4]), A([2, 3, 3, 3], 2), A([2], 3)]],
  ['conv2d', (x, w, b) => wg.conv2d(x, w, b), () => [A([2, 3, 5, 4]), A([4, 3, 3, 2], 2), A([4], 3)]],
  ['conv2d stride/pad/dilation/groups', (x, w) => wg.conv2d(x, w, null, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }),
    () => [A([2, 4, 6, 5]), A([6, 2, 3, 2], 2)]],
  ['convTranspose2d', (x, w, b) => wg.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }),
    () => [A([2, 3, 3, 4]), A([3, 2, 3, 3], 2), A([2], 3)]],
  ['convTranspose2d groups/dilation', (x, w) => wg.convTranspose2d(x, w, null, { stride: [1, 2], padding: [0, 1], dilation: [2, 1], groups: 2 }),
    () => [A([1, 4, 3, 3]), A([4, 3, 2, 3], 2)]],
  ['convTranspose2d outputPadding ≥ stride (dilation 2)', (x, w) => wg.convTranspose2d(x, w, null, { stride: 1, padding: 1, outputPadding: 1, dilation: 2 }),
    () => [A([1, 2, 3, 4]), A([2, 2, 2, 3], 2)]],
  ['conv2dWeightGrad', (x, gy) => wg.conv2dWeightGrad(x, gy, [3, 2], { stride: 2, padding: 1, groups: 2 }),
    () => [A([2, 4, 5, 5]), A([2, 6, 3, 3], 2)]],
  ['avgPool2d', (x) => wg.avgPool2d(x, 3, 2, 1), () => [A([1, 2, 5, 6])]],
  ['maxPool2d', (x) => wg.maxPool2d(x, 3, 2, 1), () => [A([1, 2, 5, 6])]],
  ['maxPool2d dilation', (x) => wg.maxPool2d(x, [2, 2], 1, 0, 2), () => [A([1, 1, 5, 5])]],
];

describe('first-order gradcheck (float64, central differences)', () => {
  test.each(FIRST_ORDER)('%s', (_name, fn, inputs) => {
    const xs = inputs();
    const r = gradcheck(fn, xs);
    expect(r.maxError).toBeLessThanOrEqual(1e-6);
    // a zero gradient everywhere would be a vacuous pass
    expect(r.analytic.some((a) => a.some((v) => v !== 0))).toBe(true);
    xs.forEach((x) => x.dispose());
  });
});

/** ‖∂f/∂xs[k]‖² for k in `wrt`, built with createGraph so it can be differentiated again. */
function gradNorm(f: (...xs: Tensor[]) => Tensor, wrt: number[]) {
  return (...xs: Tensor[]): Tensor => {
    const gs = wg.grad(f(...xs), wrt.map((i) => xs[i]), { createGraph: true });
    return gs.map((g) => wg.sum(wg.mul(g, g))).reduce((a, b) => wg.add(a, b));
  };
}

const SECOND_ORDER: Case[] = [
  ['matmul', gradNorm((a, b) => wg.sum(wg.tanh(wg.matmul(a, b))), [0]), () => [A([3, 4]), A([4, 2], 2)]],
  ['matmul transB, both inputs', gradNorm((a, b) => wg.sum(wg.pow(wg.matmul(a, b, { transB: true }), 2)), [0, 1]), () => [A([2, 3]), A([4, 3], 2)]],
  ['conv2d (WGAN-GP shape)', gradNorm((x, w) => wg.sum(wg.sigmoid(wg.conv2d(x, w, null, { stride: 2, padding: 1 }))), [0]),
    () => [A([2, 2, 5, 5]), A([3, 2, 3, 3], 2)]],
  ['conv2d w.r.t. weight', gradNorm((x, w) => wg.sum(wg.tanh(wg.conv2d(x, w, null, { padding: 1, groups: 2 }))), [1]),
    () => [A([1, 4, 4, 4]), A([2, 2, 3, 3], 2)]],
  ['convTranspose2d', gradNorm((x, w) => wg.sum(wg.tanh(wg.convTranspose2d(x, w, null, { stride: 2, padding: 1, outputPadding: 1 }))), [0, 1]),
    () => [A([1, 2, 3, 3]), A([2, 3, 3, 3], 2)]],
  ['leakyRelu', gradNorm((x, w) => wg.sum(wg.mul(wg.leakyRelu(wg.mul(x, w), 0.2), w)), [0]), () => [A([6]), A([6], 2)]],
  ['tanh', gradNorm((x) => wg.sum(wg.tanh(x)), [0]), () => [A([2, 3])]],
  ['sigmoid', gradNorm((x) => wg.sum(wg.sigmoid(wg.mul(x, 1.5))), [0]), () => [A([2, 3])]],
  ['pow', gradNorm((x, y) => wg.sum(wg.pow(x, y)), [0, 1]), () => [POS([4]), A([4], 2)]],
  ['sqrt', gradNorm((x) => wg.sum(wg.sqrt(x)), [0]), () => [POS([5])]],
  ['sum / mean', gradNorm((x) => wg.mul(wg.sum(wg.mul(x, x)), wg.mean(wg.exp(x))), [0]), () => [A([2, 3])]],
  ['softplus + logSoftmax', gradNorm((x) => wg.sum(wg.mul(wg.softplus(x), wg.logSoftmax(x, -1))), [0]), () => [A([2, 4])]],
  ['maxPool2d + avgPool2d', gradNorm((x) => wg.sum(wg.pow(wg.add(wg.maxPool2d(x, 2), wg.avgPool2d(x, 2)), 2)), [0]), () => [A([1, 1, 4, 4])]],
  ['indexSelect (scatterAdd vjp)', gradNorm((x, w) => wg.sum(wg.mul(wg.pow(wg.indexSelect(x, 0, idx([1, 1, 0])), 2), w)), [0]), () => [A([2, 3]), A([3, 3], 2)]],
  ['div / max / var', gradNorm((x) => wg.add(wg.sum(wg.div(wg.max(x, 1), wg.add(wg.variance(x, 1), 1))), wg.sum(wg.std(x, 0))), [0]), () => [A([3, 4])]],
  ['slice/pad/concat', gradNorm((x) => wg.sum(wg.pow(wg.concat([wg.slice(x, [[0, 3, 2]]), wg.pad(x, [0, 0, 1, 0])], 0), 3)), [0]), () => [A([3, 2])]],
];

describe('second-order gradcheck: d‖∇f‖² (createGraph)', () => {
  test.each(SECOND_ORDER)('%s', (_name, fn, inputs) => {
    const xs = inputs();
    const r = gradcheck(fn, xs);
    expect(r.maxError).toBeLessThanOrEqual(1e-6);
    expect(r.analytic.some((a) => a.some((v) => v !== 0))).toBe(true);
    xs.forEach((x) => x.dispose());
  });
});

test('gradcheck itself catches a wrong gradient', () => {
  // x · detach(x): the analytic gradient sees only one factor (x), the numeric one both (2x)
  const x = A([4]);
  expect(() => gradcheck((t) => wg.mul(t, t.detach()), [x])).toThrow(/gradcheck failed/);
  x.dispose();
});
