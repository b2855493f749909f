import { afterEach, beforeEach, describe, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { compare, compareExact } from './helpers.ts';
import { webgpuBackend } from './device.ts';

const gpu = await webgpuBackend();

/** Input ranges where each unary op is defined and well conditioned in f32. */
const UNARY: [string, (x: wg.Tensor) => wg.Tensor, number, number][] = [
  ['neg', wg.neg, -5, 5], ['abs', wg.abs, -5, 5], ['sign', wg.sign, -2, 2], ['exp', wg.exp, -10, 10],
  ['log', wg.log, 0.01, 100], ['sqrt', wg.sqrt, 0, 100], ['sin', wg.sin, -3, 3], ['cos', wg.cos, -3, 3],
  ['tanh', wg.tanh, -30, 30], ['sigmoid', wg.sigmoid, -60, 60], ['relu', wg.relu, -3, 3], ['floor', wg.floor, -10, 10],
];

const BINARY: [string, (a: wg.Tensor, b: wg.Tensor) => wg.Tensor][] = [
  ['add', wg.add], ['sub', wg.sub], ['mul', wg.mul], ['div', wg.div], ['maximum', wg.maximum], ['minimum', wg.minimum],
  ['eq', wg.eq], ['ne', wg.ne], ['lt', wg.lt], ['le', wg.le], ['gt', wg.gt], ['ge', wg.ge],
];

/** operand shape pairs: same, broadcast both ways, scalar, size-1 dims, size 0, higher rank */
const SHAPES: [number[], number[]][] = [
  [[5, 7], [5, 7]], [[3, 1, 5], [4, 1]], [[], [2, 3]], [[2, 3], []], [[1, 1, 9], [9]],
  [[0, 3], [1, 3]], [[2, 1, 3, 1, 2], [1, 4, 1, 5, 1]], [[257], [257]],
];

// each case twice: as generated fused kernels (the default, src/kernels/webgpu/fuse.ts) and one
// kernel per primitive (src/kernels/webgpu/elementwise.ts, what setFusion(false) runs)
describe.skipIf(!gpu).each([['fused', true], ['one kernel per primitive', false]] as const)('webgpu elementwise vs the reference (%s)', (_, fuse) => {
  beforeEach(() => { wg.setFusion(fuse); });
  afterEach(() => { wg.setFusion(true); });

  it('unary ops (float32), incl. size 0 and odd sizes', async () => {
    for (const [name, f, lo, hi] of UNARY) {
      // WGSL only promises sin/cos to an absolute 2^-11 on [-π, π] (SwiftShader uses that slack);
      // the other built-ins are accurate to a few ulp
      const atol = name === 'sin' || name === 'cos' ? 2 ** -11 : 2e-6;
      for (const shape of [[3, 1, 7], [0], [1000]]) await compare(gpu!, (mk) => f(mk.f(shape, lo, hi)), atol, 2e-5, name);
    }
  });

  it('unary edge values: sign(0), NaN, ±inf handling', async () => {
    const vals = [0, -0, 1, -1, 1e-30, 88, -88, 100, -100, NaN];
    for (const [name, f] of [['sign', wg.sign], ['relu', wg.relu], ['tanh', wg.tanh], ['sigmoid', wg.sigmoid], ['abs', wg.abs], ['neg', wg.neg]] as const) {
      await compare(gpu!, (mk) => f(mk.v(vals)), 1e-6, 1e-5, name);
    }
  });

  it('integer unary ops', async () => {
    for (const f of [wg.neg, wg.abs, wg.sign, wg.relu]) await compareExact(gpu!, (mk) => f(mk.i([33], -5, 5)));
  });

  it('binary ops with broadcasting (float32)', async () => {
    for (const [name, f] of BINARY) {
      for (const [sa, sb] of SHAPES) await compare(gpu!, (mk) => f(mk.f(sa), mk.f(sb)), 1e-6, 1e-6, `${name} ${sa} ${sb}`);
    }
  });

  it('comparisons on ties return masks in the input dtype', async () => {
    for (const [name, f] of BINARY.slice(6)) {
      await compareExact(gpu!, (mk) => f(mk.v([1, 2, 3, 2]), mk.v([2, 2, 2, 2])), name);
      await compareExact(gpu!, (mk) => f(mk.i([4, 5], -2, 2), mk.i([5], -2, 2)), `${name} int`);
    }
  });

  it('maximum/minimum propagate NaN like the CPU', async () => {
    for (const f of [wg.maximum, wg.minimum]) await compare(gpu!, (mk) => f(mk.v([NaN, 1, NaN, 2]), mk.v([1, NaN, NaN, 3])));
  });

  it('pow: positive bases, negative bases with integer exponents, zero', async () => {
    await compare(gpu!, (mk) => wg.pow(mk.f([40], 0.1, 4), mk.f([40], -3, 3)), 1e-5, 2e-5, 'pow positive');
    await compare(gpu!, (mk) => wg.pow(mk.v([-2, -2, -3, -1.5, 0, 0, 0, 5, -0.5]), mk.v([2, 3, -1, 2, 2, 0, -1, 0, 0.5])), 1e-6, 1e-5, 'pow signs');
    await compareExact(gpu!, (mk) => wg.pow(mk.v([2, -3, 5, 1, -1, 2, 0], undefined, 'int32'), mk.v([10, 3, 0, -4, -3, -1, 2], undefined, 'int32')), 'pow int');
  });

  it('integer binary ops: wrapping, truncating division, div by zero = 0', async () => {
    for (const [name, f] of [['add', wg.add], ['sub', wg.sub], ['mul', wg.mul], ['div', wg.div], ['maximum', wg.maximum], ['minimum', wg.minimum]] as const) {
      await compareExact(gpu!, (mk) => f(mk.i([3, 1, 6], -50, 50), mk.i([4, 1], -7, 7)), name);
    }
    await compareExact(gpu!, (mk) => wg.mul(mk.v([2147483647, -2147483648, 65536], undefined, 'int32'), mk.v([2, 2, 65536], undefined, 'int32')), 'mul wraps');
    await compareExact(gpu!, (mk) => wg.div(mk.v([7, -7, 7, -7, 5], undefined, 'int32'), mk.v([2, 2, -2, -2, 0], undefined, 'int32')), 'div truncates');
  });

  it('where with float and int conditions, broadcast', async () => {
    await compare(gpu!, (mk) => wg.where(wg.gt(mk.f([3, 1, 4]), 0), mk.f([1, 5, 4]), mk.f([4])));
    await compare(gpu!, (mk) => wg.where(mk.i([5, 1], 0, 2), mk.f([5, 3]), mk.f([])));
    await compareExact(gpu!, (mk) => wg.where(mk.v([1, 0, NaN]), mk.i([3], 0, 9), mk.i([3], 10, 19)));
  });

  it('cast float ↔ int32 (truncation toward zero)', async () => {
    await compareExact(gpu!, (mk) => wg.cast(mk.v([1.7, -1.7, 0.5, -0.5, 3, -1e6]), 'int32'));
    await compareExact(gpu!, (mk) => wg.cast(mk.i([17], -1000, 1000), 'float32'));
    await compareExact(gpu!, (mk) => wg.cast(mk.f([0, 4]), 'int32'));
  });
});
