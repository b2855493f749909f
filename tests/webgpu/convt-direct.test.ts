import { afterEach, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { convTDirectPatch, phaseTaps } from '../../src/kernels/webgpu/convt-direct.ts';
import { compare } from './helpers.ts';
import { webgpuBackend } from './device.ts';

/**
 * The direct few-output-channel convTranspose2d kernel (convt-direct.ts) against the CPU
 * reference, forced on whatever the adapter (lavapipe picks it by default, other adapters keep
 * the per-phase GEMMs), and the per-phase GEMM path forced on the same shapes.
 */
const gpu = await webgpuBackend();
const tol = (K: number) => 2e-6 * Math.sqrt(Math.max(K, 1)) * 4;
type ConvTOpts = wg.ConvOpts & { outputPadding?: number | [number, number] };

// Og·G from 1 to 4; sizes that are multiples of no patch; stride 1/2/3 (and a stride past the
// kernel, so a phase has no taps and must store zeros); padding, dilation, outputPadding, groups
const CASES: { x: number[]; w: number[]; o: ConvTOpts }[] = [
  { x: [2, 5, 9, 11], w: [5, 1, 3, 3], o: { padding: 1 } },
  { x: [2, 3, 7, 5], w: [3, 2, 3, 2], o: { stride: 1 } },
  { x: [3, 4, 5, 7], w: [4, 3, 5, 5], o: { stride: 3, padding: 2, outputPadding: 2 } },
  { x: [2, 3, 6, 5], w: [3, 4, 3, 2], o: { stride: 2, padding: [1, 0], dilation: [2, 1] } },
  { x: [2, 6, 5, 4], w: [6, 2, 4, 4], o: { stride: 2, padding: 1, groups: 2 } },
  { x: [1, 9, 7, 6], w: [9, 1, 3, 3], o: { stride: [2, 3], padding: [0, 1], dilation: [1, 2], groups: 3 } },
  { x: [2, 4, 3, 3], w: [4, 1, 2, 2], o: { groups: 4, stride: [1, 2] } },
  { x: [2, 3, 4, 5], w: [3, 2, 2, 2], o: { stride: 3 } },
  { x: [1, 3, 4, 5], w: [3, 2, 3, 3], o: { stride: 3, dilation: 2, padding: 1, outputPadding: [2, 1] } },
  { x: [2, 2, 3, 4], w: [2, 4, 7, 7], o: { stride: 2, padding: 3 } },
  { x: [1, 1, 1, 1], w: [1, 1, 3, 3], o: { padding: 1 } },
  { x: [2, 7, 13, 15], w: [7, 1, 4, 4], o: { stride: 2, padding: 1, outputPadding: 1 } },
];

describe('convTranspose2d direct kernel: tap table', () => {
  it('every tap lands in exactly one stride phase, at an exact input offset', () => {
    for (const [s, p, d, k] of [[2, 1, 1, 4], [3, 2, 1, 5], [2, 0, 2, 3], [3, 1, 2, 3], [1, 1, 1, 3], [3, 0, 1, 2]]) {
      const t = phaseTaps(s, p, d, k);
      expect(t.flat().map((x) => x.k).sort((a, b) => a - b)).toEqual([...Array(k).keys()]);
      t.forEach((taps, a) => { for (const x of taps) expect(x.delta * s).toBe(a + p - x.k * d); });
    }
    // k4 s2 p1: phase 0 reads taps 1, 3 at rows q, q−1; phase 1 taps 0, 2 at q+1, q
    expect(phaseTaps(2, 1, 1, 4)).toEqual([[{ k: 1, delta: 0 }, { k: 3, delta: -1 }], [{ k: 0, delta: 1 }, { k: 2, delta: 0 }]]);
    expect(convTDirectPatch({ N: 64, C: 128, H: 14, W: 14, G: 1, Og: 1, kh: 4, kw: 4, Ho: 28, Wo: 28 }, [2, 2])).toEqual([4, 4]);
    expect(convTDirectPatch({ N: 1, C: 4, H: 3, W: 1, G: 1, Og: 4, kh: 4, kw: 4, Ho: 6, Wo: 2 }, [2, 2])).toEqual([3, 1]);
  });
});

describe.skipIf(!gpu)('webgpu convTranspose2d: direct few-output-channel kernel vs the reference', () => {
  // each test forces its routes; the defaults come back after it
  let restore = (): void => {};
  const force = (r: Partial<wg.Routes>) => { restore(); restore = wg.overrideRoutes(r); };
  afterEach(() => restore());

  it('DCGAN G3 (128→1) and D1 input-gradient (64→1), k4 s2 p1 14→28, batch 3', async () => {
    force({ convTransposeDirect: true });
    for (const c of [{ x: [3, 128, 14, 14], w: [128, 1, 4, 4] }, { x: [3, 64, 14, 14], w: [64, 1, 4, 4] }]) {
      await compare(gpu!, (mk) => wg.convTranspose2d(mk.f(c.x), mk.f(c.w), null, { stride: 2, padding: 1 }), tol(c.x[1] * 4), 1e-5, `direct ${JSON.stringify(c)}`);
    }
  });

  for (const direct of [true, false]) {
    it(`${direct ? 'direct kernel' : 'per-phase GEMMs'}: odd sizes, stride 1/2/3, padding, dilation, groups, Og·G 1..4`, async () => {
      force({ convTransposeDirect: direct });
      for (const c of CASES) {
        await compare(gpu!, (mk) => wg.convTranspose2d(mk.f(c.x), mk.f(c.w), null, c.o), tol(c.x[1] * c.w[2] * c.w[3]), 1e-5, `${direct} convT ${JSON.stringify(c)}`);
      }
    });
  }

  it('every patch size (partial patches at the edges)', async () => {
    for (const patch of [[1, 1], [1, 2], [2, 2], [2, 4], [4, 4], [3, 2]] as [number, number][]) {
      force({ convTransposeDirect: true, directPatch: patch });
      for (const c of [CASES[2], CASES[4], CASES[11]]) {
        await compare(gpu!, (mk) => wg.convTranspose2d(mk.f(c.x), mk.f(c.w), null, c.o), tol(c.x[1] * c.w[2] * c.w[3]), 1e-5, `patch ${patch} convT ${JSON.stringify(c)}`);
      }
    }
  });

  it('gradients that run it: conv2d input gradient (few input channels), convTranspose2d through a conv2d', async () => {
    force({ convTransposeDirect: true });
    // dx of conv2d(x, w) = convTranspose2d(gy, w): Og = conv2d's input channels per group
    await compare(gpu!, (mk) => {
      const x = mk.f([3, 1, 28, 28], -1, 1, true), w = mk.f([16, 1, 4, 4], -1, 1, true);
      const y = wg.conv2d(x, w, null, { stride: 2, padding: 1 });
      return wg.grad(wg.sum(wg.mul(wg.tanh(y), y)), [x, w]);
    }, 1e-4, 1e-4, 'D1 conv2d grads');
    await compare(gpu!, (mk) => {
      const x = mk.f([2, 6, 9, 7], -1, 1, true), w = mk.f([4, 3, 3, 3], -1, 1, true);
      const y = wg.conv2d(x, w, null, { stride: 2, padding: 1, groups: 2, dilation: [1, 2] });
      return wg.grad(wg.sum(wg.mul(wg.tanh(y), y)), [x, w]);
    }, 1e-4, 1e-4, 'grouped conv2d grads');
    // G3-like forward plus its gradients, and the second order through the direct kernel
    await compare(gpu!, (mk) => {
      const h = mk.f([2, 8, 7, 7], -1, 1, true), w = mk.f([8, 1, 4, 4], -1, 1, true);
      const y = wg.convTranspose2d(h, w, null, { stride: 2, padding: 1 });
      return wg.grad(wg.mean(wg.mul(y, y)), [h, w]);
    }, 1e-4, 1e-4, 'convT grads');
    await compare(gpu!, (mk) => {
      const x = mk.f([2, 2, 10, 10], -1, 1, true), w = mk.f([5, 2, 4, 4], -1, 1, true);
      const y = wg.conv2d(x, w, null, { stride: 2, padding: 1 });
      const [gx] = wg.grad(wg.sum(wg.sigmoid(y)), x, { createGraph: true });
      return wg.grad(wg.sum(wg.mul(gx, gx)), [w]);
    }, 1e-4, 1e-3, 'gradient penalty');
  });
});
