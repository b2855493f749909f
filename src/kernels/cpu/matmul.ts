import type { Shape, TypedArray } from '../../base/dtype.ts';
import { arrayFor, sizeOf } from '../../base/dtype.ts';
import type { AbstractValue } from '../../base/prims.ts';
import { stridedOffsets } from '../ref/strided.ts';
import { broadcastStrides } from '../../base/dtype.ts';
import { NR as WNR, wasmGemm, type WasmGemm } from './wasm-gemm.ts';
import { JobKind } from './cpu-jobs.ts';

const MR = 4; // rows of the register tile
const NR = 4; // columns of the register tile
const KC = 256; // k-block: one packed B panel (KC x NR) stays in L1
const MC = 64; // rows per A block (MC x KC packed, kept in L2)
/** Rows per A block of the WebAssembly kernel: 16 of its mr-row panels; the GEMM jobs are MC × NC blocks. */
export const wasmRowBlock = (w: WasmGemm): number => 16 * w.mr;

type Packed = Float32Array | Float64Array;

/** Packing buffer in the output's float type (int32 products pack as float64: exact below 2^53). */
function packBuffer(like: TypedArray, size: number, old: TypedArray | undefined): Packed {
  const f32 = like instanceof Float32Array;
  if (old && old.length >= size && (old instanceof Float32Array) === f32 && !(old instanceof Int32Array)) return old as Packed;
  return f32 ? new Float32Array(size) : new Float64Array(size);
}

/**
 * Pack rows [i0, i0+mc) x cols [k0, k0+kc) of op(A) into MR-row panels:
 *   ap[(p·kc + k)·MR + r] = op(A)[i0 + p·MR + r, k0 + k]   (0 past row M)
 * op(A)[i, k] = transA ? A[k·M + i] : A[i·K + k].
 */
function packA(A: TypedArray, aOff: number, transA: boolean, M: number, K: number, i0: number, mc: number, k0: number, kc: number, ap: Packed): void {
  for (let p = 0; p * MR < mc; p++) {
    for (let r = 0; r < MR; r++) {
      const i = i0 + p * MR + r;
      const base = p * kc * MR + r;
      if (i >= M || p * MR + r >= mc) {
        for (let k = 0; k < kc; k++) ap[base + k * MR] = 0;
      } else if (transA) {
        for (let k = 0; k < kc; k++) ap[base + k * MR] = A[aOff + (k0 + k) * M + i];
      } else {
        const row = aOff + i * K + k0;
        for (let k = 0; k < kc; k++) ap[base + k * MR] = A[row + k];
      }
    }
  }
}

/**
 * Pack rows [k0, k0+kc) of op(B) into NR-column panels:
 *   bp[(p·kc + k)·NR + c] = op(B)[k0 + k, p·NR + c]   (0 past column N)
 * op(B)[k, j] = transB ? B[j·K + k] : B[k·N + j].
 */
function packB(B: TypedArray, bOff: number, transB: boolean, N: number, K: number, k0: number, kc: number, bp: Packed): void {
  const np = Math.ceil(N / NR);
  if (transB) {
    for (let p = 0; p < np; p++) {
      for (let c = 0; c < NR; c++) {
        const j = p * NR + c, base = p * kc * NR + c;
        if (j >= N) for (let k = 0; k < kc; k++) bp[base + k * NR] = 0;
        else for (let k = 0; k < kc; k++) bp[base + k * NR] = B[bOff + j * K + k0 + k];
      }
    }
  } else {
    const full = Math.floor(N / NR); // panels with no column past N
    for (let k = 0; k < kc; k++) {
      const row = bOff + (k0 + k) * N;
      for (let p = 0; p < full; p++) {
        const base = (p * kc + k) * NR, src = row + p * NR;
        for (let c = 0; c < NR; c++) bp[base + c] = B[src + c];
      }
      for (let p = full; p < np; p++) {
        const base = (p * kc + k) * NR;
        for (let c = 0; c < NR; c++) {
          const j = p * NR + c;
          bp[base + c] = j < N ? B[row + j] : 0;
        }
      }
    }
  }
}

/**
 * C[M,N] (+)= op(A)[M,K] · op(B)[K,N], GotoBLAS-style: pack a KC-deep slice of op(B) into NR-wide
 * panels and an MC x KC block of op(A) into MR-high panels (transposes are absorbed by the
 * packing), then a 4x4 register tile accumulates Σ_k a[i,k]·b[k,j] in 16 locals (doubles).
 */
export function gemm(
  A: TypedArray, aOff: number, transA: boolean, B: TypedArray, bOff: number, transB: boolean,
  C: TypedArray, cOff: number, M: number, N: number, K: number, accumulate: boolean,
  scratch: { a?: TypedArray; b?: TypedArray } = {},
): void {
  if (!accumulate) C.fill(0, cOff, cOff + M * N);
  if (M === 0 || N === 0 || K === 0) return;
  if (C instanceof Float32Array && A instanceof Float32Array && B instanceof Float32Array) {
    const w = wasmGemm();
    if (w) return gemmWasm(w, A, aOff, transA, B, bOff, transB, C, cOff, M, N, K, accumulate);
  }
  const np = Math.ceil(N / NR);
  const kcMax = Math.min(KC, K);
  const bp = packBuffer(C, np * NR * kcMax, scratch.b);
  const ap = packBuffer(C, Math.ceil(Math.min(MC, M) / MR) * MR * kcMax, scratch.a);
  scratch.a = ap; scratch.b = bp;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    packB(B, bOff, transB, N, K, k0, kc, bp);
    for (let i0 = 0; i0 < M; i0 += MC) {
      const mc = Math.min(MC, M - i0);
      packA(A, aOff, transA, M, K, i0, mc, k0, kc, ap);
      const mp = Math.ceil(mc / MR);
      for (let jp = 0; jp < np; jp++) {
        const bBase = jp * kc * NR;
        const j = jp * NR;
        for (let ip = 0; ip < mp; ip++) {
          const aBase = ip * kc * MR;
          let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
          let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
          for (let k = 0, ak = aBase, bk = bBase; k < kc; k++, ak += MR, bk += NR) {
            const a0 = ap[ak], a1 = ap[ak + 1], a2 = ap[ak + 2], a3 = ap[ak + 3];
            const b0 = bp[bk], b1 = bp[bk + 1], b2 = bp[bk + 2], b3 = bp[bk + 3];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
          }
          const i = i0 + ip * MR;
          const o = cOff + i * N + j;
          if (i + MR <= M && j + NR <= N) {
            C[o] += c00; C[o + 1] += c01; C[o + 2] += c02; C[o + 3] += c03;
            const o1 = o + N; C[o1] += c10; C[o1 + 1] += c11; C[o1 + 2] += c12; C[o1 + 3] += c13;
            const o2 = o1 + N; C[o2] += c20; C[o2 + 1] += c21; C[o2 + 2] += c22; C[o2 + 3] += c23;
            const o3 = o2 + N; C[o3] += c30; C[o3 + 1] += c31; C[o3 + 2] += c32; C[o3 + 3] += c33;
          } else {
            const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
            for (let r = 0; r < MR && i + r < M; r++) {
              for (let c = 0; c < NR && j + c < N; c++) C[o + r * N + c] += tile[r * NR + c];
            }
          }
        }
      }
    }
  }
}

/**
 * The float32 path through the WebAssembly SIMD micro-kernel (wasm-gemm.ts), blocked like
 * GotoBLAS: per KC-deep slice, op(B) is packed into 8-column panels and op(A) into w.mr-row panels
 * once; then for each NC-wide block of columns (its packed B, KC·NC floats, stays in L2) and each
 * MC-high block of rows (its packed A stays in L1/L2) the kernel accumulates into a zero-padded
 * Mpad × Npad copy of C in the module's memory; C += that copy at the end.
 * With more than one CPU thread (threads.ts) the MC × NC blocks of each slice are shared out
 * over the workers (cpu-jobs.ts gemmBlock, numbered in this loop order), and so is the packing of
 * both operands (packPanels: the operands are copied into the memory first); the result is bitwise
 * the same. NC blocking keeps a block's packed B in L2 (docs/benchmarks.md, "Kernel routes").
 */
const NC = 512;
/**
 * Multiply-adds below which a GEMM stays on one thread: waking the workers and waiting for the
 * last one costs about what 2^20 multiply-adds take on one core.
 */
const THREADED_MIN_MACS = 1 << 20;
export function gemmWasm(
  w: WasmGemm, A: Float32Array, aOff: number, transA: boolean,
  B: Float32Array, bOff: number, transB: boolean, C: Float32Array, cOff: number, M: number, N: number, K: number,
  accumulate: boolean,
): void {
  const b = dense(B, bOff, N, K, !transB); // op(B)[k, j] with j across its panels
  gemmWasmWith(w, dense(A, aOff, M, K, transA), M, N, K, {
    extra: b.length,
    prepare: (f32, xb) => f32.set(B.subarray(bOff, bOff + b.length), xb),
    packB: (_f32, bp, k0, kc, Npad, xb) => packPhase(w, bp, xb, WNR, N, Npad / WNR, k0, k0 + kc, b),
    finish: (f32, Npad) => copyOut(f32, Npad, C, cOff, M, N, accumulate),
  });
}

/** C (+)= the Mpad × Npad product at the start of the memory, rows of N. */
export function copyOut(f32: Float32Array, Npad: number, C: Float32Array, cOff: number, M: number, N: number, accumulate: boolean): void {
  if (!accumulate && Npad === N) {
    C.set(f32.subarray(0, M * N), cOff); // (memcpy)
    return;
  }
  for (let i = 0; i < M; i++) {
    const src = i * Npad, dst = cOff + i * N;
    if (!accumulate) C.set(f32.subarray(src, src + N), dst);
    else for (let j = 0; j < N; j++) C[dst + j] += f32[src + j];
  }
}

/**
 * Where the elements of one index of an operand lie: t ↦ ⌊t/P⌋·block + (t mod P)·stride
 * (cpu-jobs.ts packPanels). A matrix's index has one stride (P beyond any index); an NCHW tensor's
 * (n, h·w) index, read as one index of N·H·W, has P = H·W and block = C·H·W.
 */
export type Lines = readonly [P: number, block: number, stride: number];
export const strided = (stride: number): Lines => [0x3fffffff, 0, stride];

/**
 * The two indexes of an NCHW tensor read as a [C, N·H·W] matrix (P = H·W): the channel, and the
 * pixel (n, h·w) as one index. A convolution's weight gradient reads its output gradient with
 * channels across and pixels along k; a transposed convolution its input the other way round.
 */
export const nchwLines = (C: number, P: number): { channel: Lines; pixel: Lines } => ({ channel: strided(P), pixel: [P, C * P, 1] });

/**
 * A GEMM operand op(X)[a, k] — a: a row of op(A) or a column of op(B); k: the product's inner
 * index — stored in `data` from `offset` on over `length` elements: element (a, k) is at
 * offset + across(a) + along(k).
 */
export interface Operand { data: Float32Array; offset: number; length: number; across: Lines; along: Lines }

/** op(X)[a, k] of a row-major matrix: X[a·nk + k], or X[k·na + a] when `kMajor`. */
export function dense(data: Float32Array, offset: number, na: number, nk: number, kMajor: boolean): Operand {
  return { data, offset, length: na * nk, across: strided(kMajor ? 1 : nk), along: strided(kMajor ? na : 1) };
}

/** Elements a pack or col2im phase must move before it is worth waking the workers. */
export const PARALLEL_MIN = 1 << 15;
/** Jobs a phase is split into (a few per thread, so uneven jobs still balance). */
export const JOBS_PER_PHASE = 16;

/**
 * Pack rows [kStart, kEnd) of an operand whose elements are in the memory from `src` on into
 * `width`-wide panels at `dst`, KC-deep slice after slice (cpu-jobs.ts packPanels), on the threads.
 */
export function packPhase(w: WasmGemm, dst: number, src: number, width: number, nAcross: number, nPanels: number, kStart: number, kEnd: number, op: Pick<Operand, 'across' | 'along'>): void {
  const slices = Math.ceil((kEnd - kStart) / KC), parallel = nPanels * width * (kEnd - kStart) >= PARALLEL_MIN;
  // on the threads: a few jobs per thread in all, slices split into parts; here: a job per slice
  const per = parallel ? Math.ceil(nPanels / Math.max(1, Math.min(nPanels, Math.ceil(JOBS_PER_PHASE / slices)))) : nPanels;
  const parts = Math.ceil(nPanels / per);
  const params = [dst, src, width, nAcross, nPanels, kStart, kEnd, KC, parts, per, ...op.across, ...op.along];
  w.phases.run(JobKind.PackPanels, params, slices * parts, parallel);
}

/**
 * Where op(B) comes from and where the product goes, for gemmWasmWith: offsets are in floats into
 * the kernel's memory (`f32`, re-read by the caller after any growth).
 */
export interface GemmIO {
  /** floats the caller needs after the GEMM's own buffers, at `extra` (e.g. a convolution's input) */
  extra: number;
  /** fill the memory's extra part before the products start */
  prepare?(f32: Float32Array, extra: number): void;
  /** pack rows k0 .. k0+kc of op(B) into 8-column panels at bp (zero columns N .. Npad) */
  packB(f32: Float32Array, bp: number, k0: number, kc: number, Npad: number, extra: number): void;
  /** read the Mpad × Npad product at offset 0 out */
  finish(f32: Float32Array, Npad: number, extra: number): void;
}

/**
 * C = op(A) · op(B) in the kernel's memory, op(B) packed by `io`; then `io.finish` reads it.
 * op(A) is copied into the memory and packed whole, every slice in one phase; each GEMM job of
 * the first slice zeroes its own block of C.
 */
export function gemmWasmWith(w: WasmGemm, A: Operand, M: number, N: number, K: number, io: GemmIO): void {
  const np = Math.ceil(N / WNR), Npad = np * WNR;
  const WMR = w.mr, WMC = wasmRowBlock(w);
  const Mpad = Math.ceil(M / WMR) * WMR;
  const kcMax = Math.min(KC, K);
  const cSize = Mpad * Npad, bSize = Npad * kcMax;
  const bp = cSize, ap = cSize + bSize, aCopy = ap + Mpad * K, extra = aCopy + A.length;
  let f32 = w.reserve(extra + io.extra);
  f32.set(A.data.subarray(A.offset, A.offset + A.length), aCopy);
  io.prepare?.(f32, extra);
  if (K === 0) f32.fill(0, 0, cSize);
  packPhase(w, ap, aCopy, WMR, M, Mpad / WMR, 0, K, A);
  const nI = Math.ceil(Mpad / WMC), nJ = Math.ceil(Npad / NC);
  // on the worker threads (threads.ts) once they are up, for products worth waking them for
  const parallel = Mpad * Npad * K >= THREADED_MIN_MACS && nI * nJ > 1;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    io.packB(f32, bp, k0, kc, Npad, extra);
    f32 = w.f32;
    w.phases.run(JobKind.Gemm, [(ap + Mpad * k0) * 4, bp * 4, 0, Mpad, Npad, kc, WMC, NC, nI, WMR, k0 === 0 ? 1 : 0], nI * nJ, parallel);
  }
  io.finish(w.f32, Npad, extra);
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
