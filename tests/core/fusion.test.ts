/**
 * Fusion is decided in one place (src/tensor/fusion.ts): with it on, linear / conv2d with a bias
 * or an activation, nn.Sequential's Linear/Conv2d + activation pairs and training batch norm's
 * first-order backward dispatch the fused primitives; with setFusion(false) none is dispatched
 * and the values and gradients are those of the unfused composition.
 */
import { afterEach, expect, test } from 'vitest';
import * as wg from '../../src/index.ts';
import { nn } from '../../src/index.ts';
import type { Backend } from '../../src/index.ts';

const FUSED = ['matmulBiasAct', 'conv2dBiasAct', 'batchNormGradStats', 'batchNormInputGrad'];

/** the CPU backend, recording every primitive it runs */
function recording(seen: string[]): Backend {
  const b = new wg.CpuBackend();
  return new Proxy(b, {
    get(target, key) {
      const v = Reflect.get(target, key);
      if (key === 'run') return (...args: unknown[]) => { seen.push(args[0] as string); return (v as (...a: unknown[]) => unknown).apply(target, args); };
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

afterEach(() => { wg.setFusion(true); wg.setBackend(new wg.CpuBackend()); });

async function step(fuse: boolean) {
  const seen: string[] = [];
  wg.setFusion(fuse);
  wg.setBackend(recording(seen));
  wg.manualSeed(0);
  const net = new nn.Sequential(
    new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.LeakyReLU(0.2),
    new nn.Conv2d(4, 4, 3, { stride: 2 }), new nn.ReLU(), new nn.Flatten(), new nn.Linear(4 * 3 * 3, 5), new nn.Tanh(),
  );
  const x = wg.randn([3, 2, 7, 7]);
  const y = net.call(x);
  const params = [...net.parameters()];
  const gs = wg.grad(wg.sum(wg.mul(y, y)), params);
  return { seen, y: Array.from(await y.data(), Number), gs: await Promise.all(gs.map(async (g) => Array.from(await g.data(), Number))) };
}

test('one switch: fused primitives with fusion on, none with it off, same values and gradients', async () => {
  const on = await step(true), off = await step(false);
  for (const p of FUSED) expect(on.seen, `${p} with fusion on`).toContain(p);
  for (const p of FUSED) expect(off.seen, `${p} with fusion off`).not.toContain(p);
  expect(off.seen).toContain('matmul');
  expect(off.seen).toContain('conv2d');
  on.y.forEach((v, i) => expect(v).toBeCloseTo(off.y[i], 5));
  on.gs.forEach((g, k) => g.forEach((v, i) => expect(v, `grad ${k}[${i}]`).toBeCloseTo(off.gs[k][i], 4)));
});

test('setFusion returns the previous setting; fusionEnabled reads it', () => {
  expect(wg.fusionEnabled()).toBe(true);
  expect(wg.setFusion(false)).toBe(true);
  expect(wg.fusionEnabled()).toBe(false);
  expect(wg.setFusion(true)).toBe(false);
});
