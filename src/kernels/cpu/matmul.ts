import type { Shape, TypedArray } from '../../tensor/dtype.ts';
import { arrayFor, sizeOf } from '../../tensor/dtype.ts';
import type { AbstractValue } from '../../tensor/prims.ts';
import { broadcastStrides, stridedOffsets } from './strided.ts';

/** Copy a [rows, cols] row-major block into its transpose [cols, rows]. */
function transposeInto(src: TypedArray, off: number, rows: number, cols: number, dst: TypedArray): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[off + r * cols + c];
}

const KB = 128; // k-block: a KB x NB panel of B stays in L1/L2
const NB = 512;

/**
 * C[M,N] (+)= op(A)[M,K] · op(B)[K,N]. Operands are packed to row-major A[M,K], B[K,N] first;
 * then an i-k-j loop blocked over k and j keeps a panel of B hot and the inner loop contiguous.
 */
export function gemm(
  A: TypedArray, aOff: number, transA: boolean, B: TypedArray, bOff: number, transB: boolean,
  C: TypedArray, cOff: number, M: number, N: number, K: number, accumulate: boolean,
  scratch: { a?: TypedArray; b?: TypedArray } = {},
): void {
  let a = A, ao = aOff, b = B, bo = bOff;
  if (transA) {
    a = scratch.a && scratch.a.length >= M * K ? scratch.a : (scratch.a = new Float64Array(M * K) as TypedArray);
    transposeInto(A, aOff, K, M, a);
    ao = 0;
  }
  if (transB) {
    b = scratch.b && scratch.b.length >= K * N ? scratch.b : (scratch.b = new Float64Array(K * N) as TypedArray);
    transposeInto(B, bOff, N, K, b);
    bo = 0;
  }
  if (!accumulate) C.fill(0, cOff, cOff + M * N);
  for (let j0 = 0; j0 < N; j0 += NB) {
    const j1 = Math.min(N, j0 + NB);
    for (let k0 = 0; k0 < K; k0 += KB) {
      const k1 = Math.min(K, k0 + KB);
      for (let i = 0; i < M; i++) {
        const crow = cOff + i * N;
        const arow = ao + i * K;
        for (let k = k0; k < k1; k++) {
          const av = a[arow + k];
          const brow = bo + k * N;
          for (let j = j0; j < j1; j++) C[crow + j] += av * b[brow + j];
        }
      }
    }
  }
}

export function matmul(a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, transA: boolean, transB: boolean, out: AbstractValue): TypedArray {
  const r = out.shape.length;
  const M = out.shape[r - 2], N = out.shape[r - 1];
  const K = transA ? aShape[aShape.length - 2] : aShape[aShape.length - 1];
  const batch = out.shape.slice(0, -2);
  const y = arrayFor(out.dtype, sizeOf(out.shape));
  // batch offsets (in units of whole matrices) of each operand, broadcast
  const ab = stridedOffsets(batch, broadcastStrides(aShape.slice(0, -2), batch));
  const bb = stridedOffsets(batch, broadcastStrides(bShape.slice(0, -2), batch));
  const scratch = {};
  for (let i = 0; i < ab.length; i++) {
    gemm(a, ab[i] * M * K, transA, b, bb[i] * K * N, transB, y, i * M * N, M, N, K, false, scratch);
  }
  return y;
}
