/**
 * The CPU backend's plane-by-plane convolutions (conv.ts: groups of one input and one output
 * channel — StyleGAN's blurs over N·C single-channel planes, depthwise convolutions) against the
 * im2col path (`cpuConv: 'im2col'`) and against the definition in float64: conv2d, convTranspose2d
 * and their gradients, over strides, paddings, dilations, output paddings and kernel shapes, in
 * float32 on the threads and float64 on the calling thread.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import * as wg from '../../src/index.ts';
import { wasmGemm } from '../../src/kernels/cpu/wasm-gemm.ts';
import { JobKind } from '../../src/kernels/cpu/cpu-jobs.ts';

interface Case { N: number; C: number; H: number; W: number; k: [number, number]; stride: [number, number]; padding: [number, number]; dilation: [number, number]; groups: number; outputPadding?: [number, number] }
const CASES: Case[] = [
  // StyleGAN's blurs: 4×4 over N·C single-channel planes (pad 1 or 2, stride 1 and 2)
  { N: 24, C: 1, H: 17, W: 17, k: [4, 4], stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 },
  { N: 12, C: 1, H: 16, W: 16, k: [4, 4], stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 1 },
  { N: 6, C: 1, H: 9, W: 9, k: [4, 4], stride: [1, 1], padding: [2, 2], dilation: [1, 1], groups: 1 },
  // depthwise, ragged: strides, dilations and paddings that differ per axis, a padding larger than the window reaches
  { N: 3, C: 5, H: 11, W: 13, k: [3, 5], stride: [2, 3], padding: [2, 0], dilation: [1, 2], groups: 5, outputPadding: [1, 2] },
  { N: 2, C: 4, H: 6, W: 10, k: [2, 2], stride: [3, 1], padding: [0, 4], dilation: [2, 1], groups: 4, outputPadding: [2, 0] },
  { N: 2, C: 3, H: 7, W: 5, k: [1, 1], stride: [1, 2], padding: [0, 0], dilation: [1, 1], groups: 3 },
];

const opts = (c: Case) => ({ stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups });
const outSize = (n: number, k: number, s: number, p: number, d: number) => Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;

/** conv2d, convTranspose2d (from y's space, with the case's output padding) and both input gradients. */
async function run(c: Case, dtype: 'float32' | 'float64'): Promise<Float64Array[]> {
  wg.manualSeed(7);
  const x = wg.randn([c.N, c.C, c.H, c.W], { dtype, requiresGrad: true });
  const w = wg.randn([c.C, 1, ...c.k], { dtype });
  const y = wg.conv2d(x, w, null, opts(c));
  const gy = wg.randn(y.shape as number[], { dtype });
  const [gx] = wg.grad(wg.sum(wg.mul(y, gy)), [x]);
  const op = c.outputPadding ?? [0, 0];
  const yt = wg.randn(y.shape as number[], { dtype, requiresGrad: true });
  const xt = wg.convTranspose2d(yt, w, null, { ...opts(c), outputPadding: op });
  const gxt = wg.randn(xt.shape as number[], { dtype });
  const [gyt] = wg.grad(wg.sum(wg.mul(xt, gxt)), [yt]);
  const out = [];
  for (const t of [y, gx, xt, gyt]) out.push(Float64Array.from(await t.data()));
  return out;
}

/** The definition in float64: y[n,c,i,j] = Σ w[c,ki,kj] x[n,c,i·s − p + ki·d, j·s − p + kj·d]. */
function definition(c: Case, x: Float64Array, w: Float64Array): Float64Array {
  const Ho = outSize(c.H, c.k[0], c.stride[0], c.padding[0], c.dilation[0]), Wo = outSize(c.W, c.k[1], c.stride[1], c.padding[1], c.dilation[1]);
  const y = new Float64Array(c.N * c.C * Ho * Wo);
  for (let n = 0; n < c.N; n++) for (let ch = 0; ch < c.C; ch++) for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
    let s = 0;
    for (let ki = 0; ki < c.k[0]; ki++) for (let kj = 0; kj < c.k[1]; kj++) {
      const a = i * c.stride[0] - c.padding[0] + ki * c.dilation[0], b = j * c.stride[1] - c.padding[1] + kj * c.dilation[1];
      if (a >= 0 && a < c.H && b >= 0 && b < c.W) s += x[((n * c.C + ch) * c.H + a) * c.W + b] * w[(ch * c.k[0] + ki) * c.k[1] + kj];
    }
    y[((n * c.C + ch) * Ho + i) * Wo + j] = s;
  }
  return y;
}

const maxDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('plane-by-plane convolutions on the CPU', () => {
  beforeAll(async () => {
    await wg.init({ backend: 'cpu' });
  });

  for (const [i, c] of CASES.entries()) {
    test(`case ${i}: N${c.N} C${c.C} groups ${c.groups} ${c.H}×${c.W} k${c.k} s${c.stride} p${c.padding} d${c.dilation}`, async () => {
      for (const dtype of ['float32', 'float64'] as const) {
        const ref = await wg.withRoutes({ cpuConv: 'im2col' }, () => run(c, dtype));
        const planes = await run(c, dtype);
        const tol = dtype === 'float32' ? 1e-5 : 1e-12;
        for (let k = 0; k < 4; k++) {
          expect(planes[k].length).toBe(ref[k].length);
          expect(planes[k].length).toBeGreaterThan(0);
          expect(maxDiff(planes[k], ref[k])).toBeLessThan(tol * Math.max(1, ...ref[k].map(Math.abs)));
        }
      }
      // and the definition, in float64
      wg.manualSeed(7);
      const x = Float64Array.from(await wg.randn([c.N, c.C, c.H, c.W], { dtype: 'float64' }).data());
      const w = Float64Array.from(await wg.randn([c.C, 1, ...c.k], { dtype: 'float64' }).data());
      const y = (await run(c, 'float64'))[0];
      expect(maxDiff(y, definition(c, x, w))).toBeLessThan(1e-12);
    });
  }

  const blur: Case = { N: 64, C: 1, H: 32, W: 32, k: [4, 4], stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };

  test('they never reach the GEMM: a blur of 64 planes runs only the plane jobs', async () => {
    const phases = wasmGemm()!.phases;
    const original = phases.run;
    const kinds = new Set<number>();
    phases.run = (kind, params, nJobs, parallel) => (kinds.add(kind), original.call(phases, kind, params, nJobs, parallel));
    try {
      await run(blur, 'float32');
    } finally {
      phases.run = original;
    }
    expect([...kinds]).toEqual([JobKind.ConvPlanes]);
  });

  test('the same bits on one thread and on three (each job writes its own planes)', async () => {
    const one = await wg.withRoutes({ cpuThreads: 1 }, () => run(blur, 'float32'));
    const three = await wg.withRoutes({ cpuThreads: 3 }, async () => {
      const pool = wasmGemm()!.phases;
      for (let t0 = Date.now(); pool.threads > 1 && pool.ready() < pool.threads - 1 && Date.now() - t0 < 20_000;) await new Promise((r) => setTimeout(r, 10));
      return run(blur, 'float32');
    });
    for (let k = 0; k < 4; k++) expect(three[k]).toEqual(one[k]);
  });
});
