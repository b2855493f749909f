import { bytesPer } from '../../base/dtype.ts';
import { ArrayBackend, elementwiseKernels, linalgKernels, refKernels, type ArrayKernels } from '../ref/index.ts';
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
  ...elementwiseKernels(ew),
  sum: ([x], { axes }, out) => sum(x.data, x.shape, axes, out),
  reshape: ([x]) => x.data, // contiguous: the same array, no copy
  ...linalgKernels({ matmul, conv2d, convTranspose2d, conv2dWeightGrad, biasAct }),
};

/** The CPU backend: storage is a plain typed array; the fast kernels above. */
export class CpuBackend extends ArrayBackend {
  readonly name = 'cpu' as const;
  protected readonly kernels = cpuKernels;

  info(): Record<string, unknown> {
    const w = wasmGemm();
    const threads = w ? w.phases.threads : 1;
    const gemm = w ? `float32 GEMM and convolutions in WebAssembly SIMD${w.fma ? ' with fused multiply-add' : ''} on ${threads} thread${threads > 1 ? 's' : ''}` : 'JavaScript GEMM';
    return { backend: 'cpu', description: `webgan CPU backend (JavaScript; ${gemm})`, bytesPerFloat: bytesPer('float32'), gemm: w ? 'wasm-simd' : 'js', fma: w ? w.fma : false, threads };
  }
}
