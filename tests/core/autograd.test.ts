/** Autograd semantics: .grad accumulation, retainGraph, freed graphs, noGrad, detach, allowUnused, error messages. */
import { beforeEach, describe, expect, test } from 'vitest';
import * as wg from '../../src/index.ts';
import { AutogradError, type Tensor } from '../../src/index.ts';

const f64 = (v: number[], shape = [v.length]) => wg.tensor(Float64Array.from(v), shape, { dtype: 'float64', requiresGrad: true });
const vals = (t: Tensor | null) => Array.from(t!.dataSync());

beforeEach(() => wg.setBackend(new wg.CpuBackend()));

describe('backward', () => {
  test('accumulates into .grad across calls and leaves non-leaves without .grad', () => {
    const x = f64([1, 2, 3]);
    const y = wg.mul(x, x);
    wg.sum(y).backward();
    expect(vals(x.grad)).toEqual([2, 4, 6]);
    wg.sum(wg.mul(x, 3)).backward();
    expect(vals(x.grad)).toEqual([5, 7, 9]);
    expect(y.grad).toBeNull();
    expect(x.isLeaf).toBe(true);
    expect(y.isLeaf).toBe(false);
  });

  test('retainGrad keeps the gradient of a non-leaf', () => {
    const x = f64([1, -2]);
    const y = wg.mul(x, 2).retainGrad();
    wg.sum(wg.mul(y, y)).backward();
    expect(vals(y.grad)).toEqual([4, -8]);
    expect(vals(x.grad)).toEqual([8, -16]);
  });

  test('a used-twice input sums both paths (x·x + x)', () => {
    const x = f64([3]);
    wg.sum(wg.add(wg.mul(x, x), x)).backward();
    expect(vals(x.grad)).toEqual([7]);
  });

  test('explicit gradient for a non-scalar output; implicit one needs a scalar', () => {
    const x = f64([1, 2]);
    const y = wg.mul(x, x);
    expect(() => y.backward()).toThrow(AutogradError);
    expect(() => y.backward()).toThrow(/only for scalar outputs.*\[2\]/);
    y.backward(wg.tensor(Float64Array.from([1, 10]), [2], { dtype: 'float64' }));
    expect(vals(x.grad)).toEqual([2, 40]);
  });

  test('backward twice without retainGraph throws a clear AutogradError; with retainGraph it accumulates', () => {
    const x = f64([1, 2]);
    const y = wg.sum(wg.exp(x));
    // a common slip: options in the gradient slot
    expect(() => y.backward({ retainGraph: true } as never)).toThrow(/gradOutputs\[0\] must be a Tensor/);
    const z = wg.sum(wg.mul(wg.exp(x), 2));
    z.backward(undefined, { retainGraph: true });
    z.backward(undefined, { retainGraph: true });
    expect(vals(x.grad)).toEqual(vals(wg.mul(wg.exp(x.detach()), 4)).map((v) => v) as number[]);
    const w = wg.sum(wg.mul(x, x));
    w.backward();
    expect(() => w.backward()).toThrow(AutogradError);
    expect(() => w.backward()).toThrow(/backward through the graph a second time.*retainGraph: true/);
  });

  test('grad() of a freed graph throws too; createGraph retains by default', () => {
    const x = f64([0.5]);
    const y = wg.sum(wg.tanh(x));
    wg.grad(y, x);
    expect(() => wg.grad(y, x)).toThrow(/second time/);
    const y2 = wg.sum(wg.tanh(x));
    const [g1] = wg.grad(y2, x, { createGraph: true });
    const [g2] = wg.grad(y2, x);
    expect(vals(g1)).toEqual(vals(g2));
  });

  test('backward on a tensor that does not require grad throws', () => {
    const x = wg.tensor([1, 2]);
    expect(() => wg.sum(x).backward()).toThrow(AutogradError);
    expect(() => wg.sum(x).backward()).toThrow(/does not require grad/);
  });

  test('backward through a tensor that tidy already freed names the op and the fix', () => {
    const x = f64([1, 2]);
    const y = wg.tidy(() => wg.mul(wg.exp(x), 2)); // exp(x) is freed on exit but mul's vjp needs it
    expect(() => wg.sum(y).backward()).toThrow(AutogradError);
    const y2 = wg.tidy(() => wg.mul(wg.exp(x), 2));
    expect(() => wg.sum(y2).backward()).toThrow(/backward through mul: a tensor saved for its gradient was disposed.*inside the same tidy/);
    // ops whose gradient needs no saved values still work
    const y3 = wg.tidy(() => wg.add(wg.neg(x), 1));
    wg.sum(y3).backward();
    expect(x.grad).not.toBeNull();
  });

  test('cast: the gradient comes back in the input dtype', () => {
    const x = wg.tensor([1, 2], undefined, { requiresGrad: true });
    wg.sum(wg.mul(wg.cast(x, 'float64'), 3)).backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(vals(x.grad)).toEqual([3, 3]);
  });
});

describe('grad()', () => {
  test('returns gradients without touching .grad', () => {
    const x = f64([1, 2]), w = f64([3, 4]);
    const [gx, gw] = wg.grad(wg.sum(wg.mul(x, w)), [x, w]);
    expect(vals(gx)).toEqual([3, 4]);
    expect(vals(gw)).toEqual([1, 2]);
    expect(x.grad).toBeNull();
    expect(gx.requiresGrad).toBe(false);
  });

  test('of an input that does not require grad throws', () => {
    const x = f64([1]);
    const c = wg.tensor(Float64Array.from([2]), [1], { dtype: 'float64' });
    const y = wg.sum(wg.mul(x, c));
    expect(() => wg.grad(y, [x, c])).toThrow(AutogradError);
    expect(() => wg.grad(y, [x, c])).toThrow(/inputs\[1\].*does not require grad/);
  });

  test('unused input throws unless allowUnused, which gives null', () => {
    const x = f64([1]), u = f64([5]);
    const y = wg.sum(wg.mul(x, 2));
    expect(() => wg.grad(y, [x, u], { retainGraph: true })).toThrow(/inputs\[1\].*not used.*allowUnused/);
    const [gx, gu] = wg.grad(y, [x, u], { allowUnused: true });
    expect(vals(gx)).toEqual([2]);
    expect(gu).toBeNull();
  });

  test('gradOutputs weights the outputs; a shape mismatch is an AutogradError naming both shapes', () => {
    const x = f64([1, 2, 3]);
    const y = wg.mul(x, 2);
    const bad = wg.tensor(Float64Array.from([1, 1]), [2], { dtype: 'float64' });
    expect(() => wg.grad(y, x, { gradOutputs: [bad], retainGraph: true })).toThrow(AutogradError);
    expect(() => wg.grad(y, x, { gradOutputs: [bad], retainGraph: true })).toThrow(/gradOutputs\[0\] has shape \[2\] but the output has shape \[3\]/);
    const [g] = wg.grad(y, x, { gradOutputs: [wg.tensor(Float64Array.from([1, 0, -1]), [3], { dtype: 'float64' })] });
    expect(vals(g)).toEqual([2, 0, -2]);
  });

  test('several outputs sum their contributions', () => {
    const x = f64([2]);
    const [g] = wg.grad([wg.sum(wg.mul(x, x)), wg.sum(wg.mul(x, 3))], x);
    expect(vals(g)).toEqual([7]);
  });

  test('grad w.r.t. an intermediate tensor', () => {
    const x = f64([1, 2]);
    const h = wg.mul(x, 3);
    const [gh, gx] = wg.grad(wg.sum(wg.mul(h, h)), [h, x]);
    expect(vals(gh)).toEqual([6, 12]);
    expect(vals(gx)).toEqual([18, 36]);
  });

  test('createGraph: the result is differentiable (d²/dx² x³ = 6x)', () => {
    const x = f64([2, -1]);
    const [g] = wg.grad(wg.sum(wg.pow(x, 3)), x, { createGraph: true });
    expect(g.requiresGrad).toBe(true);
    expect(vals(g)).toEqual([12, 3]);
    const [gg] = wg.grad(wg.sum(g), x);
    expect(vals(gg)).toEqual([12, -6]);
  });

  test('the same tensor twice in inputs gives two independent tensors', () => {
    const x = f64([1]);
    const [a, b] = wg.grad(wg.sum(wg.mul(x, 5)), [x, x]);
    expect(a).not.toBe(b);
    a.dispose();
    expect(vals(b)).toEqual([5]);
  });
});

describe('gradients at ties and kinks (values from torch 1.13 where they agree)', () => {
  const g1 = (f: (x: Tensor) => Tensor, v: number[], shape = [v.length]) => {
    const x = f64(v, shape);
    wg.sum(f(x)).backward();
    return vals(x.grad);
  };
  test('clamp at its bounds passes the gradient (torch: 1)', () => {
    expect(g1((x) => wg.clamp(x, 0.5, 2), [0.5, 1, 2, 3])).toEqual([1, 1, 1, 0]);
  });
  test('maxPool2d ties: the first element of the window gets it (torch: [1,0,0,0])', () => {
    expect(g1((x) => wg.maxPool2d(x, 2), [1, 1, 1, 1], [1, 1, 2, 2])).toEqual([1, 0, 0, 0]);
  });
  test('max/amax ties share equally (torch.amax: [0, .5, .5])', () => {
    expect(g1((x) => wg.max(x, 1), [1, 3, 3], [1, 3])).toEqual([0, 0.5, 0.5]);
  });
  test('maximum/minimum ties go to the first argument (torch splits 0.5/0.5: a documented difference)', () => {
    const a = f64([1, 2]), b = f64([1, 1]);
    wg.sum(wg.maximum(a, b)).backward();
    expect(vals(a.grad)).toEqual([1, 1]);
    expect(vals(b.grad)).toEqual([0, 0]);
  });
  test('relu, abs and leakyRelu at 0 (torch: 0, 0, slope)', () => {
    expect(g1(wg.relu, [0])).toEqual([0]);
    expect(g1(wg.abs, [0])).toEqual([0]);
    expect(g1((x) => wg.leakyRelu(x, 0.2), [0])).toEqual([0.2]);
  });
});

describe('ownership of returned gradients', () => {
  test('backward with createGraph: leaves sharing a cotangent get separate .grad tensors', () => {
    const x = f64([1, 2]), y = f64([3, 4]);
    wg.sum(wg.add(x, y)).backward(undefined, { createGraph: true });
    expect(x.grad).not.toBe(y.grad);
    x.grad!.dispose();
    expect(vals(y.grad)).toEqual([1, 1]);
  });

  test('backward with createGraph never makes the caller\'s gradient a .grad', () => {
    const x = f64([1, 2]);
    const g = wg.tensor(Float64Array.from([5, 6]), [2], { dtype: 'float64' });
    wg.add(x, 0).backward(g, { createGraph: true });
    expect(x.grad).not.toBe(g);
    x.grad!.dispose();
    expect(vals(g)).toEqual([5, 6]);
  });

  test('grad() never returns the caller\'s gradOutputs tensor', () => {
    const x = f64([1, 2]);
    const go = wg.tensor(Float64Array.from([2, 3]), [2], { dtype: 'float64' });
    const [gx] = wg.grad(wg.add(x, 0), x, { gradOutputs: [go] });
    expect(gx).not.toBe(go);
    gx.dispose();
    expect(vals(go)).toEqual([2, 3]);
  });
});

describe('grad mode and detach', () => {
  test('noGrad records nothing and restores the mode, even after a throw', () => {
    const x = f64([1]);
    const y = wg.noGrad(() => wg.mul(x, 2));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    expect(wg.isGradEnabled()).toBe(true);
    expect(() => wg.noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(wg.isGradEnabled()).toBe(true);
    expect(wg.mul(x, 2).requiresGrad).toBe(true);
  });

  test('detach cuts the graph and shares the data', () => {
    const x = f64([1, 2]);
    const d = wg.mul(x, 2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    const y = wg.sum(wg.mul(wg.mul(x, d), 1));
    y.backward();
    expect(vals(x.grad)).toEqual([2, 4]); // d treated as a constant
  });

  test('non-differentiable ops give outputs that do not require grad', () => {
    const x = f64([1.5, -2]);
    for (const t of [wg.sign(x), wg.floor(x), wg.gt(x, 0), wg.eq(x, x), wg.argmax(x)]) expect(t.requiresGrad).toBe(false);
  });

  test('requiresGrad_ refuses int tensors and non-leaves', () => {
    expect(() => wg.arange(3).requiresGrad_()).toThrow(/floating-point/);
    const x = f64([1]);
    expect(() => wg.mul(x, 2).requiresGrad_()).toThrow(/leaf/);
  });
});
