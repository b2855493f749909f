/**
 * The GEMM's operand packing job (cpu-jobs.ts packPanels): op(X)[a, k] gathered from the memory
 * into width-wide panels, KC-deep slice by slice, on one thread and on the workers. Checked element
 * by element against the layout's formula for plain and transposed matrices and for NCHW tensors
 * read as [C, N·H·W] (blocked in the across index or in the inner index), with ragged panels,
 * several slices and a start row inside the operand.
 */
import { describe, expect, test } from 'vitest';
import { packPhase, strided, type Lines } from '../../src/kernels/cpu/matmul.ts';
import { createWasmGemm, workersReady } from '../../src/kernels/cpu/wasm-gemm.ts';

const line = ([P, block, stride]: Lines, t: number) => Math.floor(t / P) * block + (t % P) * stride;

interface Case { name: string; na: number; nk: number; across: Lines; along: Lines; size: number }
const N = 3, C = 37, P = 7 * 5; // an NCHW tensor [3, 37, 7, 5]
const CASES: Case[] = [
  { name: 'row-major [na, nk]', na: 45, nk: 600, across: strided(600), along: strided(1), size: 45 * 600 },
  { name: 'k-major (transposed)', na: 45, nk: 600, across: strided(1), along: strided(45), size: 45 * 600 },
  { name: 'NCHW as [C, N·H·W], blocked along k (weight gradient A)', na: C, nk: N * P, across: strided(P), along: [P, C * P, 1], size: N * C * P },
  { name: 'NCHW as [N·H·W, C], blocked across (transposed conv B)', na: N * P, nk: C, across: [P, C * P, 1], along: strided(P), size: N * C * P },
];

describe('packPanels', () => {
  for (const c of CASES) {
    for (const width of [4, 6, 8]) {
      test(`${c.name}, width ${width}`, async () => {
        for (const threads of [1, 2]) {
          const w = createWasmGemm(threads)!;
          expect(await workersReady(w, 20_000)).toBe(true);
          expect(w.phases.ready()).toBe(threads - 1);
          const src = 1000, nPanels = Math.ceil(c.na / width), dst = src + c.size + 17;
          const f32 = w.reserve(dst + nPanels * width * c.nk + 64);
          for (let i = 0; i < c.size; i++) f32[src + i] = i + 1; // every element its own value
          for (const [kStart, kEnd] of [[0, c.nk], [5, Math.min(c.nk, 5 + 300)]]) {
            f32.fill(NaN, dst);
            packPhase(w, dst, src, width, c.na, nPanels, kStart, kEnd, c);
            let wrong = 0;
            for (let k0 = kStart; k0 < kEnd; k0 += 256) {
              const kc = Math.min(256, kEnd - k0), base = dst + nPanels * width * (k0 - kStart);
              for (let panel = 0; panel < nPanels; panel++) for (let k = 0; k < kc; k++) for (let lane = 0; lane < width; lane++) {
                const a = panel * width + lane;
                const want = a < c.na ? f32[src + line(c.across, a) + line(c.along, k0 + k)] : 0;
                if (f32[base + (panel * kc + k) * width + lane] !== want) wrong++;
              }
            }
            expect(wrong).toBe(0);
            expect(f32[dst + nPanels * width * (kEnd - kStart)]).toBeNaN(); // nothing written past the panels
          }
        }
      });
    }
  }
});
