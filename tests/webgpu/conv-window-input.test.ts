import { afterEach, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import type { GpuContext } from '../../src/kernels/webgpu/engine.ts';
import { compare } from './helpers.ts';
import { webgpuBackend } from './device.ts';

/**
 * The window-covers-input conv2d and weight-gradient kernels (conv-window.ts: operands staged in
 * textures, one dispatch) against the CPU reference, forced on whatever the adapter (lavapipe
 * picks them by default), and the GEMM path forced on the same shapes.
 */
const gpu = await webgpuBackend();
const tol = (K: number) => 2e-6 * Math.sqrt(Math.max(K, 1)) * 4;

// x [N, C, H, W], w [O, C/G, H, W]: output 1×1. Kg = Cg·H·W a multiple of 4 (rgba textures) or
// not (r32float); x past one texture row (4096 texels) with a partial last row; batch 1, odd;
// Og 1..4; groups; a 1×1 kernel with dilation (dilation is moot there)
const CASES: { x: number[]; w: number[]; o: wg.ConvOpts }[] = [
  { x: [3, 128, 7, 7], w: [1, 128, 7, 7], o: {} },
  { x: [13, 130, 7, 7], w: [1, 130, 7, 7], o: { stride: 2 } },
  { x: [1, 3, 3, 3], w: [1, 3, 3, 3], o: {} },
  { x: [5, 4, 5, 3], w: [2, 4, 5, 3], o: {} },
  { x: [7, 6, 4, 4], w: [3, 6, 4, 4], o: { stride: [1, 3] } },
  { x: [9, 2, 2, 2], w: [4, 2, 2, 2], o: {} },
  { x: [6, 6, 3, 3], w: [4, 3, 3, 3], o: { groups: 2 } },
  { x: [3, 6, 2, 5], w: [3, 2, 2, 5], o: { groups: 3 } },
  { x: [11, 5, 1, 1], w: [2, 5, 1, 1], o: { dilation: 2 } },
];

describe.skipIf(!gpu)('webgpu conv2d / conv2dWeightGrad, window = whole input, vs the reference', () => {
  // each test forces the route; the default comes back after it
  let restore = (): void => {};
  const force = (r: Partial<wg.Routes>) => { restore(); restore = wg.overrideRoutes(r); };
  afterEach(() => restore());

  it('routes the DCGAN D3 shapes to one dispatch per call (texture-staged kernels)', async () => {
    force({ convWindow: true });
    const ctx = (gpu as unknown as { ctx: GpuContext }).ctx;
    wg.setBackend(gpu!);
    const x = wg.zeros([64, 128, 7, 7]), w = wg.zeros([1, 128, 7, 7]), gy = wg.zeros([64, 1, 1, 1]);
    for (const f of [() => wg.conv2d(x, w), () => wg.conv2dWeightGrad(x, gy, [7, 7])]) {
      await (f()).data();
      const before = ctx.dispatches;
      const y = f();
      await y.data();
      expect(ctx.dispatches - before).toBe(1);
      y.dispose();
    }
    for (const t of [x, w, gy]) t.dispose();
  });

  it('several calls recorded before one sync reuse the staging textures in order (no stale reads)', async () => {
    force({ convWindow: true });
    const shapes = { x: [5, 8, 3, 3], w: [2, 8, 3, 3] };
    const vals = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed * 1.7));
    const xs = [1, 2, 3].map((s) => vals(5 * 8 * 9, s)), wv = vals(2 * 8 * 9, 9), gv = vals(5 * 2, 4);
    const run = () => {
      const w = wg.tensor(wv, shapes.w), gy = wg.tensor(gv, [5, 2, 1, 1]);
      // all six calls are recorded before the first read
      const outs = xs.flatMap((v) => { const x = wg.tensor(v, shapes.x); return [wg.conv2d(x, w), wg.conv2dWeightGrad(x, gy, [3, 3])]; });
      return Promise.all(outs.map(async (t) => Array.from(await t.data())));
    };
    wg.setBackend(gpu!);
    const got = await run();
    wg.setBackend(new wg.CpuBackend());
    const want = await run();
    for (let i = 0; i < want.length; i++) for (let j = 0; j < want[i].length; j++) expect(Math.abs(got[i][j] - want[i][j]), `output ${i}[${j}]`).toBeLessThan(1e-4);
    // the three inputs differ, so a stale texture would repeat an earlier output
    expect(got[0]).not.toEqual(got[2]);
  });

  for (const on of [true, false]) {
    it(`${on ? 'window kernels' : 'GEMM path'}: conv2d and conv2dWeightGrad, odd shapes`, async () => {
      force({ convWindow: on });
      for (const c of CASES) {
        const K = c.w[1] * c.w[2] * c.w[3];
        await compare(gpu!, (mk) => wg.conv2d(mk.f(c.x), mk.f(c.w), null, c.o), tol(K), 1e-5, `${on} conv2d ${JSON.stringify(c)}`);
        await compare(gpu!, (mk) => wg.conv2dWeightGrad(mk.f(c.x), mk.f([c.x[0], c.w[0], 1, 1]), [c.w[2], c.w[3]], c.o), tol(c.x[0]), 1e-5, `${on} wgrad ${JSON.stringify(c)}`);
      }
    });
  }

  it('first- and second-order gradients through them (a D3-like head, a gradient penalty)', async () => {
    force({ convWindow: true });
    for (const c of [CASES[0], CASES[3], CASES[6]]) {
      await compare(gpu!, (mk) => {
        const x = mk.f(c.x, -1, 1, true), w = mk.f(c.w, -1, 1, true);
        const y = wg.conv2d(x, w, null, c.o);
        return wg.grad(wg.sum(wg.mul(wg.tanh(y), y)), [x, w]);
      }, 1e-4, 1e-4, `grads ${JSON.stringify(c)}`);
      // WGAN-GP style: ‖∂D/∂x‖² differentiated w.r.t. w (conv2d, its input gradient, and their vjps)
      await compare(gpu!, (mk) => {
        const x = mk.f(c.x, -1, 1, true), w = mk.f(c.w, -1, 1, true);
        const y = wg.conv2d(x, w, null, c.o);
        const [gx] = wg.grad(wg.sum(wg.sigmoid(y)), x, { createGraph: true });
        return wg.grad(wg.sum(wg.mul(gx, gx)), [w]);
      }, 1e-4, 1e-3, `gradient penalty ${JSON.stringify(c)}`);
    }
  });
});
