/** Lifetimes: tidy, keep, dispose, views, and a flat memory profile over many training-like steps. */
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { testBackends } from '../helpers/backends.ts';

const live = () => wg.memory().liveBuffers;
const backends = await testBackends();

describe.each(backends)('memory on $name', ({ make }) => {
  test('tidy frees what it did not return', async () => {
    wg.setBackend(await make());
    const base = live();
    const y = wg.tidy(() => {
      const a = wg.ones([4, 4]);
      const b = wg.add(a, 1);
      return wg.mul(wg.exp(b), 2);
    });
    expect(live()).toBe(base + 1);
    expect(Array.from(await y.data())[0]).toBeCloseTo(2 * Math.exp(2), 4);
    y.dispose();
    expect(live()).toBe(base);
  });

  test('tidy keeps tensors in returned arrays, objects and maps', async () => {
    wg.setBackend(await make());
    const base = live();
    const r = wg.tidy(() => {
      const a = wg.ones([2]);
      const b = wg.zeros([3]);
      void wg.add(a, 1);
      return { list: [a], nested: { m: new Map([['b', b]]) } };
    });
    expect(live()).toBe(base + 2);
    r.list[0].dispose();
    r.nested.m.get('b')!.dispose();
    expect(live()).toBe(base);
  });

  test('nested tidy: the inner result moves to the outer scope', async () => {
    wg.setBackend(await make());
    const base = live();
    let inner: Tensor | null = null;
    const out = wg.tidy(() => {
      inner = wg.tidy(() => wg.add(wg.ones([3]), 1));
      expect(live()).toBe(base + 1);
      return wg.mul(inner, 3);
    });
    expect(inner!.isDisposed).toBe(true); // not returned by the outer tidy
    expect(live()).toBe(base + 1);
    expect(Array.from(await out.data())).toEqual([6, 6, 6]);
    out.dispose();
    expect(live()).toBe(base);
  });

  test('keep() survives tidy; a throwing tidy frees everything it made', async () => {
    wg.setBackend(await make());
    const base = live();
    let kept: Tensor | null = null;
    wg.tidy(() => { kept = wg.keep(wg.ones([2])); void wg.ones([5]); });
    expect(live()).toBe(base + 1);
    expect(() => wg.tidy(() => { void wg.ones([7]); throw new Error('x'); })).toThrow('x');
    expect(live()).toBe(base + 1);
    kept!.dispose();
    expect(live()).toBe(base);
  });

  test('dispose is idempotent; views share storage until the last holder lets go', async () => {
    wg.setBackend(await make());
    const base = live();
    const t = wg.tensor([1, 2, 3, 4]);
    const v = wg.reshape(t, [2, 2]);
    const d = t.detach();
    expect(live()).toBe(base + 1);
    t.dispose();
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(live()).toBe(base + 1);
    expect(Array.from(await v.data())).toEqual([1, 2, 3, 4]);
    v.dispose();
    v.dispose();
    expect(live()).toBe(base + 1);
    d.dispose();
    expect(live()).toBe(base);
    expect(() => wg.add(t, 1)).toThrow(/used after dispose/);
  });

  test('backward outside tidy adds only the .grad buffers', async () => {
    wg.setBackend(await make());
    const x = wg.randn([4, 3], { requiresGrad: true });
    const w = wg.randn([3, 5], { requiresGrad: true });
    const loss = wg.mean(wg.tanh(wg.matmul(x, w)));
    const before = live();
    loss.backward();
    expect(live()).toBe(before + 2);
    [x, w, loss].forEach((t) => t.dispose());
  });

  test('200 forward+backward steps under tidy stay flat (incl. grad-of-grad)', async () => {
    wg.setBackend(await make());
    const w = wg.keep(wg.randn([8, 3, 3, 3], { requiresGrad: true }));
    const v = wg.keep(wg.randn([16, 1], { requiresGrad: true }));
    const samples: number[] = [];
    const bytes: number[] = [];
    for (let it = 0; it < 200; it++) {
      wg.tidy(() => {
        const x = wg.randn([2, 3, 8, 8], { requiresGrad: true });
        const h = wg.leakyRelu(wg.conv2d(x, w, null, { stride: 2, padding: 1 }), 0.2);
        const f = wg.matmul(wg.reshape(wg.maxPool2d(h, 2), [2, 32]), wg.concat([v, v]));
        const d = wg.mean(wg.sigmoid(f));
        const [gx] = wg.grad(d, x, { createGraph: true });
        const loss = wg.add(d, wg.mean(wg.mul(gx, gx)));
        loss.backward();
        wg.noGrad(() => {
          // in-place-free SGD: swap the gradient out (it is kept by backward)
          w.grad!.dispose(); w.grad = null;
          v.grad!.dispose(); v.grad = null;
        });
      });
      samples.push(live());
      bytes.push(wg.memory().liveBytes);
    }
    expect(samples[199]).toBe(samples[9]);
    expect(bytes[199]).toBe(bytes[9]);
    w.dispose(); v.dispose();
  });
});
