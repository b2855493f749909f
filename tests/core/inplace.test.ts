/**
 * In-place writes and autograd: every write counts in the tensor's version; backward refuses a
 * tensor written after a recorded op read it (as PyTorch's version counter does), naming the op,
 * the tensor and the write.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import * as wg from '../../src/index.ts';
import { nn } from '../../src/index.ts';

beforeEach(() => wg.setBackend(new wg.CpuBackend()));

describe('version counter', () => {
  test('each in-place write counts once and names itself', () => {
    const w = wg.tensor([1, 2, 3]);
    expect(w.version).toBe(0);
    nn.assign_(w, wg.tensor([4, 5, 6]));
    expect(w.version).toBe(1);
    expect(w.lastWrite).toBe('assign_');
    expect(Array.from(w.dataSync())).toEqual([4, 5, 6]);
  });

  test('backward through an op whose input was assigned since: a clear error, not the new values', () => {
    const w = wg.tensor([1, 2, 3]).requiresGrad_();
    const x = wg.tensor([2, 2, 2]);
    const loss = wg.sum(wg.mul(w, x));
    nn.assign_(w, wg.tensor([7, 8, 9]).requiresGrad_(false));
    expect(() => loss.backward()).toThrow(wg.AutogradError);
    expect(() => wg.sum(wg.mul(w, x)).backward()).not.toThrow(); // a fresh graph is fine
    const loss2 = wg.sum(wg.mul(wg.exp(w), x));
    nn.assign_(w, wg.tensor([0, 0, 0]));
    expect(() => loss2.backward()).toThrow(/backward through exp: its input 0, Tensor\(\[3\], float32, requiresGrad\), was modified in place by assign_ after exp read it \(version 2; exp saw version 1\)/);
  });

  test('an optimizer step between forward and backward is caught (fused Adam and composed SGD)', () => {
    for (const make of [(p: wg.Tensor[]) => new nn.Adam(p, { lr: 0.1 }), (p: wg.Tensor[]) => new nn.SGD(p, { lr: 0.1, momentum: 0.9 })]) {
      const lin = new nn.Linear(3, 2);
      const opt = make([...lin.parameters()]);
      const x = wg.randn([4, 3]);
      wg.sum(lin.call(x)).backward();
      opt.step(); // after backward: fine
      opt.zeroGrad();
      const loss = wg.sum(lin.call(x));
      wg.sum(lin.call(x)).backward();
      opt.step(); // the parameters change under `loss`'s graph
      expect(() => loss.backward()).toThrow(/was modified in place by (adamUpdate_|assign_)/);
    }
  });

  test('snapshots taken before a write keep the old values and their own graphs', () => {
    const w = wg.tensor([1, 2]).requiresGrad_();
    const snap = w.detach();
    nn.assign_(w, wg.tensor([5, 6]));
    expect(Array.from(snap.dataSync())).toEqual([1, 2]);
    const y = wg.sum(wg.mul(snap.requiresGrad_(), 3));
    y.backward();
    expect(Array.from(snap.grad!.dataSync())).toEqual([3, 3]);
  });
});
