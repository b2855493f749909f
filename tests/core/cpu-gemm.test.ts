/** The CPU gemm (packed panels, 4x4 register tiles, k-blocking) against a naive triple loop. */
import { describe, expect, test } from 'vitest';
import { gemm } from '../../src/kernels/cpu/matmul.ts';
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
});
