import { sizeOf, broadcastStrides } from '../../base/dtype.ts';
import type { GpuContext } from './engine.ts';
import { type GemmEpilogue, type GemmSpec, runGemm } from './gemm.ts';
import { type GpuKernel, allocOut, buf, wgslType } from './kernel.ts';
import type { GBuf } from './memory/pool.ts';

/**
 * matmul: out[z] = op(A[za]) · op(B[zb]) with the batch dims broadcast (za, zb from the batch
 * index by broadcast strides). transA / transB only change the load expressions, so transposed
 * operands are read in place (no copies).
 * Parameter words: [16] batch rank nb, [17..] batch shape, A batch strides, B batch strides
 * (in whole matrices).
 */
function spec(T: 'f32' | 'i32', transA: boolean, transB: boolean): GemmSpec {
  return {
    key: `matmul:${+transA}${+transB}`,
    T,
    nInputs: 2,
    inputs: `@group(0) @binding(0) var<storage, read> A: array<${T}>;
@group(0) @binding(1) var<storage, read> B: array<${T}>;`,
    prologue: `var aOff = 0u; var bOff = 0u;
  { var rem = bz; let nb = mu(16u);
    for (var d = i32(nb) - 1; d >= 0; d--) {
      let du = u32(d); let s = mu(17u + du); let c = rem % s; rem = rem / s;
      aOff += c * mu(17u + nb + du); bOff += c * mu(17u + 2u * nb + du);
    } }
  aOff *= M * K; bOff *= K * N;`,
    loadA: transA ? 'A[aOff + k * M + m]' : 'A[aOff + m * K + k]',
    loadB: transB ? 'B[bOff + n * K + k]' : 'B[bOff + k * N + n]',
    index: 'bz * M * N + m * N + n',
    aKFast: !transA,
    bKFast: transB,
    largeBlock: true,
  };
}

const batchStrides = (shape: readonly number[], batch: readonly number[]): number[] => broadcastStrides(shape, batch);

/** C[batch, M, N] = op(A) · op(B) for buffers already laid out as matrices. */
export function gemmBuffers(
  ctx: GpuContext, T: 'f32' | 'i32', a: GBuf, aShape: readonly number[], b: GBuf, bShape: readonly number[],
  transA: boolean, transB: boolean, outShape: readonly number[], y: GBuf, epi?: GemmEpilogue,
): void {
  const r = outShape.length;
  const M = outShape[r - 2], N = outShape[r - 1];
  const K = transA ? aShape[aShape.length - 2] : aShape[aShape.length - 1];
  const batch = outShape.slice(0, -2);
  const sa = batchStrides(aShape.slice(0, -2), batch), sb = batchStrides(bShape.slice(0, -2), batch);
  runGemm(ctx, spec(T, transA, transB), {
    M, N, K, batch: sizeOf(batch), outSize: sizeOf(outShape),
    extra: (p) => p.u32(batch.length, ...batch, ...sa, ...sb),
  }, [a, b], y, epi);
}

export const matmulKernel: GpuKernel<'matmul'> = (ctx, [a, b], { transA, transB }, out) => {
  const y = allocOut(ctx, out);
  if (sizeOf(out.shape) === 0) return y;
  gemmBuffers(ctx, wgslType(out.dtype), buf(a), a.shape, buf(b), b.shape, transA, transB, out.shape, y);
  return y;
};

/** act(op(A)·op(B) + bias[n]): the epilogue runs in the GEMM's store (bias per column n). */
export const matmulBiasActKernel: GpuKernel<'matmulBiasAct'> = (ctx, [a, b, bias], { transA, transB, act, slope }, out) => {
  const y = allocOut(ctx, out);
  if (sizeOf(out.shape) === 0) return y;
  const N = out.shape[out.shape.length - 1];
  gemmBuffers(ctx, 'f32', buf(a), a.shape, buf(b), b.shape, transA, transB, out.shape, y,
    { act, slope, bias: bias ? buf(bias) : null, channel: 'n', inner: 1, channels: N });
  return y;
};
