import { bytesPer } from '../../base/dtype.ts';
import { ArrayBackend, elementwiseKernels, refKernels, type ArrayKernels } from '../ref/index.ts';
import { conv2d, conv2dWeightGrad, convTranspose2d } from './conv.ts';
import { biasAct } from './epilogue.ts';
import * as ew from './elementwise.ts';
import { matmul } from './matmul.ts';
import { sum } from './reduce.ts';
import { wasmGemm } from './wasm-gemm.ts';

/**
 * The fast CPU kernels: the reference table with the hot primitives overridden — elementwise
 * loops compiled per op, sums over contiguous blocks, the packed (WebAssembly SIMD, threaded)
 * GEMM and the convolutions built on it, and the fused epilogues on top of them. Each override is
 * tested against the reference kernel it replaces (tests/core/ref-conformance.test.ts).
 */
export const cpuKernels: ArrayKernels = {
  ...refKernels,
  ...elementwiseKernels(ew.unary, ew.binary),
  where: ([c, a, b], _, out) => ew.where(c.data, c.shape, a.data, a.shape, b.data, b.shape, out),
  cast: ([x], _, out) => ew.cast(x.data, out),
  sum: ([x], { axes }, out) => sum(x.data, x.shape, axes, out),
  reshape: ([x]) => x.data, // contiguous: the same array, no copy
  matmul: ([a, b], { transA, transB }, out) => matmul(a.data, a.shape, b.data, b.shape, transA, transB, out),
  conv2d: ([x, w], p, out) => conv2d(x.data, x.shape, w.data, w.shape, p, out),
  convTranspose2d: ([x, w], p, out) => convTranspose2d(x.data, x.shape, w.data, w.shape, p, out),
  conv2dWeightGrad: ([x, gy], p, out) => conv2dWeightGrad(x.data, x.shape, gy.data, gy.shape, p, out),
  // the GEMM, then bias + activation in one pass over its fresh output
  matmulBiasAct: ([a, b, bias], { transA, transB, act, slope }, out) => biasAct(matmul(a.data, a.shape, b.data, b.shape, transA, transB, out), bias?.data ?? null, 1, act, slope),
  conv2dBiasAct: ([x, w, bias], p, out) => biasAct(conv2d(x.data, x.shape, w.data, w.shape, p, out), bias?.data ?? null, out.shape[2] * out.shape[3], p.act, p.slope),
};

/** The CPU backend: storage is a plain typed array; the fast kernels above. */
export class CpuBackend extends ArrayBackend {
  readonly name = 'cpu' as const;
  protected readonly kernels = cpuKernels;

  info(): Record<string, unknown> {
    const w = wasmGemm();
    const threads = w ? w.phases.threads : 1;
    const gemm = w ? `float32 GEMM and convolutions in WebAssembly SIMD on ${threads} thread${threads > 1 ? 's' : ''}` : 'JavaScript GEMM';
    return { backend: 'cpu', description: `webgan CPU backend (JavaScript; ${gemm})`, bytesPerFloat: bytesPer('float32'), gemm: w ? 'wasm-simd' : 'js', threads };
  }
}
