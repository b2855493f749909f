/** The CPU gemm (packed panels, 4x4 register tiles, k-blocking) against a naive triple loop. */
import { describe, expect, test } from 'vitest';
import { gemm } from '../../src/kernels/cpu/matmul.ts';
import { hasRelaxedMadd, wasmGemm } from '../../src/kernels/cpu/wasm-gemm.ts';
import { withRoutes } from '../../src/kernels/routes.ts';
import { CpuBackend } from '../../src/kernels/cpu/index.ts';
import { detRandom } from '../helpers/gradcheck.ts';

function naive(A: ArrayLike<number>, aOff: number, tA: boolean, B: ArrayLike<number>, bOff: number, tB: boolean, M: number, N: number, K: number): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += (tA ? A[aOff + k * M + i] : A[aOff + i * K + k]) * (tB ? B[bOff + j * K + k] : B[bOff + k * N + j]);
    C[i * N + j] = s;
  }
  return C;
}

const SIZES: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [4, 4, 4], [5, 9, 2], [17, 3, 300], [65, 66, 257], [1, 33, 513], [70, 1, 9], [0, 3, 4], [3, 4, 0]];

describe('gemm', () => {
  for (const [M, N, K] of SIZES) {
    for (const tA of [false, true]) for (const tB of [false, true]) {
      test(`M=${M} N=${N} K=${K} transA=${tA} transB=${tB} (float64, offsets, accumulate)`, () => {
        const aOff = 3, bOff = 5, cOff = 2;
        const A = detRandom(aOff + M * K, M + 11), B = detRandom(bOff + K * N, N + 13);
        const C = new Float64Array(cOff + M * N + 4).fill(7);
        gemm(A, aOff, tA, B, bOff, tB, C, cOff, M, N, K, false, {});
        const ref = naive(A, aOff, tA, B, bOff, tB, M, N, K);
        for (let i = 0; i < M * N; i++) expect(Math.abs(C[cOff + i] - ref[i])).toBeLessThan(1e-12 * (1 + K));
        expect(C[0]).toBe(7); expect(C[1]).toBe(7); // outside the output: untouched
        expect(C[cOff + M * N]).toBe(7);
        gemm(A, aOff, tA, B, bOff, tB, C, cOff, M, N, K, true, {});
        for (let i = 0; i < M * N; i++) expect(Math.abs(C[cOff + i] - 2 * ref[i])).toBeLessThan(1e-12 * (1 + K));
      });
    }
  }

  test('float32 output and a reused scratch of another dtype', () => {
    const scratch = {};
    const A = Float32Array.from(detRandom(20 * 30, 1)), B = Float32Array.from(detRandom(30 * 10, 2));
    const C = new Float32Array(200);
    gemm(A, 0, false, B, 0, false, C, 0, 20, 10, 30, false, scratch);
    const ref = naive(A, 0, false, B, 0, false, 20, 10, 30);
    C.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThan(1e-5));
    const C64 = new Float64Array(200);
    gemm(Float64Array.from(A), 0, false, Float64Array.from(B), 0, false, C64, 0, 20, 10, 30, false, scratch);
    C64.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThan(1e-12));
  });

  test('int32 products are exact', () => {
    const A = Int32Array.from({ length: 6 }, (_, i) => 40000 + i), B = Int32Array.from({ length: 6 }, (_, i) => 3 - i);
    const C = new Int32Array(4);
    gemm(A, 0, false, B, 0, false, C, 0, 2, 2, 3, false, {});
    expect(Array.from(C)).toEqual(Array.from(naive(A, 0, false, B, 0, false, 2, 2, 3)));
  });

  // float32 goes through the WebAssembly SIMD micro-kernel (6×8 tiles with FMA, 4×8 without; float32 accumulation)
  // unless forced to the JavaScript path; both are checked on every shape, with offsets,
  // transposes, accumulate, and sizes that are not multiples of the tile (6×8, 4×8, or the JS path's 4×4), the 256-deep k-block,
  // the row block (JS path 64: M = 65; WebAssembly path 96 or 64: M = 97, 193) or the 512-column block (N = 1000).
  const F32_SIZES: [number, number, number][] = [...SIZES, [4, 8, 1], [9, 17, 256], [64, 49, 300], [3, 1000, 7], [97, 13, 40], [193, 20, 260]];
  // 'fma': relaxed SIMD's fused multiply-add where the runtime has it (Deno, Chrome; not Node 20)
  for (const path of ['fma', 'wasm', 'js'] as const) {
    describe(`float32 (${path} path)`, () => {
      test('WebAssembly SIMD is available in this runtime', () => {
        expect(wasmGemm()).not.toBeNull();
        withRoutes({ cpuGemm: path }, () => {
          expect(wasmGemm()?.fma ?? false).toBe(path === 'fma' && hasRelaxedMadd());
          // backendInfo() says which ran
          const info = new CpuBackend().info();
          expect(info).toMatchObject({ gemm: path === 'js' ? 'js' : 'wasm-simd', fma: path === 'fma' && hasRelaxedMadd() });
          expect(String(info.description).includes('fused multiply-add')).toBe(info.fma);
        });
        if ('Deno' in globalThis) expect(hasRelaxedMadd()).toBe(true); // so the fma path is the one tested there
      });
      for (const [M, N, K] of F32_SIZES) {
        test(`M=${M} N=${N} K=${K}, all transposes, offsets, accumulate`, () => {
          withRoutes({ cpuGemm: path }, () => {
            for (const tA of [false, true]) for (const tB of [false, true]) {
              const aOff = 3, bOff = 5, cOff = 2;
              const A = Float32Array.from(detRandom(aOff + M * K, M + 11)), B = Float32Array.from(detRandom(bOff + K * N, N + 13));
              const C = new Float32Array(cOff + M * N + 4).fill(7);
              gemm(A, aOff, tA, B, bOff, tB, C, cOff, M, N, K, false, {});
              const ref = naive(A, aOff, tA, B, bOff, tB, M, N, K);
              const tol = 2e-6 * Math.sqrt(K + 1) * 4;
              for (let i = 0; i < M * N; i++) expect(Math.abs(C[cOff + i] - ref[i])).toBeLessThan(tol);
              expect([C[0], C[1], C[cOff + M * N]]).toEqual([7, 7, 7]);
              gemm(A, aOff, tA, B, bOff, tB, C, cOff, M, N, K, true, {});
              for (let i = 0; i < M * N; i++) expect(Math.abs(C[cOff + i] - 2 * ref[i])).toBeLessThan(2 * tol);
            }
          });
        });
      }
    });
  }
});
