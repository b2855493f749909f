/**
 * The CPU backend's fused float32 convolutions (conv.ts: im2col written straight into the GEMM's
 * packed panels, col2im read straight from its output, both shared over threads) against the
 * im2col path that builds the column matrix: bitwise equal, on one thread and on three, for
 * conv2d, its weight gradient and convTranspose2d over strides, paddings, dilations, kernel
 * sizes, output paddings, ragged sizes and chunked batches; and against a direct convolution
 * in float64.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import * as wg from '../../src/index.ts';
import { wasmGemm } from '../../src/kernels/cpu/wasm-gemm.ts';
import { threadCount } from '../../src/kernels/cpu/threads.ts';
import { JobKind } from '../../src/kernels/cpu/cpu-jobs.ts';

interface Case { N: number; C: number; O: number; H: number; W: number; k: [number, number]; stride: [number, number]; padding: [number, number]; dilation: [number, number]; outputPadding?: [number, number] }
const CASES: Case[] = [
  { N: 4, C: 3, O: 5, H: 9, W: 7, k: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1] },
  { N: 8, C: 16, O: 32, H: 14, W: 14, k: [4, 4], stride: [2, 2], padding: [1, 1], dilation: [1, 1] }, // dcgan D2 / G2 shape
  { N: 3, C: 5, O: 7, H: 11, W: 13, k: [3, 5], stride: [2, 3], padding: [2, 0], dilation: [1, 2], outputPadding: [1, 2] },
  { N: 2, C: 1, O: 9, H: 28, W: 28, k: [4, 4], stride: [2, 2], padding: [1, 1], dilation: [1, 1] }, // dcgan D1 / G3 shape
  { N: 5, C: 7, O: 1, H: 6, W: 10, k: [2, 2], stride: [3, 1], padding: [0, 1], dilation: [2, 1], outputPadding: [2, 0] },
  { N: 2, C: 40, O: 12, H: 20, W: 17, k: [3, 3], stride: [1, 2], padding: [3, 1], dilation: [2, 2] }, // R = 360: two k-slices
  // 1,311 output columns: im2col's 512-column blocks end mid-row and mid-sample; one padding column; the weight gradient's k runs over 6 slices
  { N: 3, C: 4, O: 6, H: 19, W: 23, k: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1] },
];

function seeded(shape: number[], seed: number): wg.Tensor {
  wg.manualSeed(seed);
  return wg.randn(shape);
}

/** The three primitives for one case, as float32 arrays. */
async function run(c: Case): Promise<Float32Array[]> {
  const x = seeded([c.N, c.C, c.H, c.W], 1), w = seeded([c.O, c.C, ...c.k], 2);
  const opts = { stride: c.stride, padding: c.padding, dilation: c.dilation };
  const y = wg.conv2d(x, w, null, opts);
  const gy = seeded(y.shape as number[], 3);
  const dw = wg.conv2dWeightGrad(x, gy, c.k, opts);
  // convTranspose2d from y's space back to (at least) x's, with the case's output padding
  const wt = seeded([c.O, c.C, ...c.k], 4);
  const op = c.outputPadding && c.outputPadding.every((v, i) => v < Math.max(c.stride[i], c.dilation[i])) ? c.outputPadding : [0, 0] as [number, number];
  const xt = wg.convTranspose2d(gy, wt, null, { ...opts, outputPadding: op });
  const out = [await y.data(), await dw.data(), await xt.data()] as Float32Array[];
  for (const t of [x, w, y, gy, dw, wt, xt]) t.dispose();
  return out;
}

/** Direct float64 convolution of the same inputs (the definition), for conv2d only. */
function direct(c: Case, x: Float64Array, w: Float64Array): Float64Array {
  const Ho = Math.floor((c.H + 2 * c.padding[0] - c.dilation[0] * (c.k[0] - 1) - 1) / c.stride[0]) + 1;
  const Wo = Math.floor((c.W + 2 * c.padding[1] - c.dilation[1] * (c.k[1] - 1) - 1) / c.stride[1]) + 1;
  const y = new Float64Array(c.N * c.O * Ho * Wo);
  for (let n = 0; n < c.N; n++) for (let o = 0; o < c.O; o++) for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
    let s = 0;
    for (let ch = 0; ch < c.C; ch++) for (let ki = 0; ki < c.k[0]; ki++) for (let kj = 0; kj < c.k[1]; kj++) {
      const yi = i * c.stride[0] - c.padding[0] + ki * c.dilation[0], yj = j * c.stride[1] - c.padding[1] + kj * c.dilation[1];
      if (yi >= 0 && yi < c.H && yj >= 0 && yj < c.W) s += x[((n * c.C + ch) * c.H + yi) * c.W + yj] * w[((o * c.C + ch) * c.k[0] + ki) * c.k[1] + kj];
    }
    y[((n * c.O + o) * Ho + i) * Wo + j] = s;
  }
  return y;
}

describe('fused float32 convolutions on the CPU', () => {
  beforeAll(async () => {
    await wg.init({ backend: 'cpu' });
    expect(wasmGemm()).not.toBeNull();
  });

  for (const [i, c] of CASES.entries()) {
    test(`case ${i}: N${c.N} C${c.C}→O${c.O} ${c.H}×${c.W} k${c.k} s${c.stride} p${c.padding} d${c.dilation}`, async () => {
      const ref = await wg.withRoutes({ cpuThreads: 1, cpuConv: 'im2col' }, () => run(c));
      const one = await wg.withRoutes({ cpuThreads: 1, cpuConv: 'fused' }, () => run(c));
      const three = await wg.withRoutes({ cpuThreads: 3, cpuConv: 'fused' }, async () => {
        const pool = wasmGemm()!.phases;
        for (let t0 = Date.now(); pool.threads > 1 && pool.ready() < pool.threads - 1 && Date.now() - t0 < 20_000;) await new Promise((r) => setTimeout(r, 10));
        return run(c);
      });
      for (let k = 0; k < 3; k++) {
        expect(ref[k].length).toBeGreaterThan(0);
        expect(one[k]).toEqual(ref[k]);
        expect(three[k]).toEqual(ref[k]);
      }
      const x = Float64Array.from(await seeded([c.N, c.C, c.H, c.W], 1).data()), w = Float64Array.from(await seeded([c.O, c.C, ...c.k], 2).data());
      const d = direct(c, x, w);
      let worst = 0;
      for (let j = 0; j < d.length; j++) worst = Math.max(worst, Math.abs(d[j] - ref[0][j]));
      expect(worst).toBeLessThan(1e-4 * Math.sqrt(c.C * c.k[0] * c.k[1]));
    });
  }

  test('a batch larger than one im2col chunk (several chunks, weight gradient accumulated across them)', async () => {
    // R·P = 64·16·49 per sample: 8M / 50176 → 167 samples per chunk, so 200 samples take two chunks
    const c: Case = { N: 200, C: 64, O: 3, H: 14, W: 14, k: [4, 4], stride: [2, 2], padding: [1, 1], dilation: [1, 1] };
    const ref = await wg.withRoutes({ cpuConv: 'im2col' }, () => run(c));
    const fused = await run(c);
    for (let k = 0; k < 3; k++) expect(fused[k]).toEqual(ref[k]);
  });

  test('the default is the fused path, on the threads the process has', async () => {
    const phases = wasmGemm()!.phases;
    expect(phases.threads).toBe(threadCount());
    const original = phases.run;
    const kinds = new Set<number>();
    phases.run = (kind, params, nJobs, parallel) => (kinds.add(kind), original.call(phases, kind, params, nJobs, parallel));
    try {
      await run(CASES[1]);
    } finally {
      phases.run = original;
    }
    // PackPanels: every product's A operand, and convTranspose2d's input as its B, packed on the threads
    expect([...kinds].sort()).toEqual([JobKind.Gemm, JobKind.PackColsRows, JobKind.PackColsT, JobKind.Col2im, JobKind.PackPanels].sort());
  });
});
