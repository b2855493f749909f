import type { Shape, TypedArray } from '../../base/dtype.ts';
import { arrayFor, sizeOf } from '../../base/dtype.ts';
import type { AbstractValue, Conv2dParams } from '../../base/prims.ts';
import { gemm, gemmWasmWith, copyOut, dense, nchwLines, packPhase, PARALLEL_MIN, JOBS_PER_PHASE } from './matmul.ts';
import { wasmGemm, NR, type WasmGemm } from './wasm-gemm.ts';
import { JOBS, JobKind, PARAMS, endInside, firstInside } from './cpu-jobs.ts';
import { routesFor } from '../routes.ts';

/**
 * The three convolution primitives on the CPU, all through one im2col layout, batched: the columns
 * of `nb` samples sit side by side so each group is ONE large GEMM per chunk of samples (GEMMs of
 * a single sample are too narrow for the SIMD kernel: 7×7 outputs give N = 49):
 *   cols[(c, ki, kj), (n, oi, oj)] = x[n, c, oi*s - p + ki*d, oj*s - p + kj*d]   (0 outside)
 *   conv2d:           y[:, g]  = W[g] · cols(x[:, g])
 *   conv2dWeightGrad: dW[g]   += gy[:, g] · cols(x[:, g])ᵀ        (K = nb·Ho·Wo)
 *   convTranspose2d:  y[:, g]  = col2im(W[g]ᵀ · x[:, g])           (the adjoint of conv2d in x)
 * `nb` is chosen so the columns stay under COLS_LIMIT floats.
 */
interface Geometry {
  C: number; H: number; W: number; kh: number; kw: number; Ho: number; Wo: number; p: Conv2dParams;
}

const COLS_LIMIT = 1 << 23; // 8M elements (32 MB in float32) of im2col columns per chunk

function chunkSize(N: number, rows: number, cols: number): number {
  return Math.max(1, Math.min(N, Math.floor(COLS_LIMIT / Math.max(1, rows * cols))));
}

/** The output columns oj in [lo, hi) whose input column j = oj·s + off lies in [0, W). */
function validRange(off: number, s: number, W: number, Wo: number): [number, number] {
  const lo = firstInside(off, s, Wo);
  const hi = endInside(off, s, W, Wo, lo);
  return [lo, hi];
}

/** im2col of one sample into columns [colOff, colOff + Ho·Wo) of a matrix with row length ld. */
function im2col(x: TypedArray, xOff: number, g: Geometry, cols: TypedArray, ld: number, colOff: number): void {
  const { C, H, W, kh, kw, Ho, Wo, p } = g;
  const [sh, sw] = p.stride, [ph, pw] = p.padding, [dh, dw] = p.dilation;
  let row = 0;
  for (let c = 0; c < C; c++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++, row++) {
        const base = row * ld + colOff;
        for (let oi = 0; oi < Ho; oi++) {
          const i = oi * sh - ph + ki * dh;
          const rb = base + oi * Wo;
          if (i < 0 || i >= H) { cols.fill(0, rb, rb + Wo); continue; }
          const xb = xOff + (c * H + i) * W - pw + kj * dw; // x index of oj = 0, before the stride
          const [lo, hi] = validRange(kj * dw - pw, sw, W, Wo);
          for (let oj = 0; oj < lo; oj++) cols[rb + oj] = 0;
          for (let oj = lo; oj < hi; oj++) cols[rb + oj] = x[xb + oj * sw];
          for (let oj = hi; oj < Wo; oj++) cols[rb + oj] = 0;
        }
      }
    }
  }
}

/** The adjoint of im2col: scatter-add columns [colOff, colOff + Ho·Wo) back into one image. */
function col2im(cols: TypedArray, ld: number, colOff: number, g: Geometry, y: TypedArray, yOff: number): void {
  const { C, H, W, kh, kw, Ho, Wo, p } = g;
  const [sh, sw] = p.stride, [ph, pw] = p.padding, [dh, dw] = p.dilation;
  let row = 0;
  for (let c = 0; c < C; c++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++, row++) {
        const base = row * ld + colOff;
        for (let oi = 0; oi < Ho; oi++) {
          const i = oi * sh - ph + ki * dh;
          if (i < 0 || i >= H) continue;
          const yb = yOff + (c * H + i) * W - pw + kj * dw;
          const cb = base + oi * Wo;
          const [lo, hi] = validRange(kj * dw - pw, sw, W, Wo);
          for (let oj = lo; oj < hi; oj++) y[yb + oj * sw] += cols[cb + oj];
        }
      }
    }
  }
}

/**
 * Channels [c0, c0 + Cg) of samples [n0, n0 + nb) of a [N, Ctot, P] tensor, as a [Cg, nb·P]
 * matrix (toMatrix) or back (fromMatrix).
 */
function toMatrix(src: TypedArray, n0: number, nb: number, Ctot: number, c0: number, Cg: number, P: number, dst: TypedArray): void {
  for (let c = 0; c < Cg; c++) {
    for (let n = 0; n < nb; n++) {
      const s = ((n0 + n) * Ctot + c0 + c) * P;
      dst.set(src.subarray(s, s + P), (c * nb + n) * P);
    }
  }
}
function fromMatrix(src: TypedArray, n0: number, nb: number, Ctot: number, c0: number, Cg: number, P: number, dst: TypedArray): void {
  for (let c = 0; c < Cg; c++) {
    for (let n = 0; n < nb; n++) {
      const s = (c * nb + n) * P;
      dst.set(src.subarray(s, s + P), ((n0 + n) * Ctot + c0 + c) * P);
    }
  }
}

/**
 * The kernel window is exactly the (unpadded, undilated) input, so each sample's image is one row
 * of its im2col matrix as stored: the convolution is a plain product of [N, C·kh·kw] with the
 * weights (dcgan's 7×7 → 1×1 layers), with no column matrix to build.
 */
function windowIsInput(H: number, W: number, kh: number, kw: number, p: Conv2dParams): boolean {
  return p.groups === 1 && H === kh && W === kw && p.padding[0] === 0 && p.padding[1] === 0 && p.dilation[0] === 1 && p.dilation[1] === 1;
}

// ---- one input and one output channel per group: plane by plane, no GEMM ----------------------

/**
 * Groups of one input and one output channel — StyleGAN's [1,3,3,1] blurs, which run as a
 * single-channel convolution over N·C planes, and depthwise convolutions — are a GEMM with one
 * output row and K = kh·kw: too narrow for the GEMM's register tile, and their column matrix is
 * kh·kw times the input. They run directly instead (cpu-jobs.ts convPlanes), the planes shared
 * over the CPU threads in float32. Each output adds its taps in (ki, kj) order, and
 * convTranspose2d scatters in col2im's order, but a product is not rounded to float32 before the
 * add as in the GEMM, so float32 results agree with the column path to round-off, not bitwise
 * (tests/core/conv-planes.test.ts). The `cpuConv` route 'im2col' forces the column path here too.
 */
function planeByPlane(Cg: number, Og: number): boolean {
  return Cg === 1 && Og === 1 && routesFor('cpu').cpuConv !== 'im2col';
}

/** geo: planes, G, H, W, kh, kw, Ho, Wo (x holds `planes` planes H × W, the result as many Ho × Wo) */
function planes(transposed: boolean, x: TypedArray, w: TypedArray, geo: number[], p: Conv2dParams, out: AbstractValue): TypedArray {
  const [nPlanes, , H, W, kh, kw, Ho, Wo] = geo;
  const xn = nPlanes * H * W, wn = w.length, yn = nPlanes * Ho * Wo;
  const per = Math.max(1, Math.ceil(nPlanes / JOBS_PER_PHASE)), nJobs = Math.ceil(nPlanes / per);
  const params = [0, xn, xn + wn, nPlanes, per, ...geo.slice(1), ...p.stride, ...p.padding, ...p.dilation, transposed ? 1 : 0];
  const wasm = x instanceof Float32Array && w instanceof Float32Array ? wasmGemm() : null;
  if (wasm) {
    const mem = wasm.reserve(xn + wn + yn);
    mem.set(x, 0);
    mem.set(w, xn);
    wasm.phases.run(JobKind.ConvPlanes, params, nJobs, yn * kh * kw >= PARALLEL_MIN);
    return wasm.f32.slice(xn + wn, xn + wn + yn);
  }
  // float64 (or no WebAssembly): the same jobs on this thread, over one array holding x, w and y
  const mem = arrayFor(out.dtype, xn + wn + yn);
  mem.set(x, 0);
  mem.set(w, xn);
  const block = new Int32Array(PARAMS + params.length);
  block.set(params, PARAMS);
  for (let j = 0; j < nJobs; j++) JOBS[JobKind.ConvPlanes](mem as Float32Array, block, null as never, j);
  return mem.slice(xn + wn, xn + wn + yn);
}

export function conv2d(x: TypedArray, xs: Shape, w: TypedArray, ws: Shape, p: Conv2dParams, out: AbstractValue): TypedArray {
  const [N, C, H, W] = xs, [O, Cg, kh, kw] = ws, [, , Ho, Wo] = out.shape;
  const G = p.groups, Og = O / G, P = Ho * Wo, R = Cg * kh * kw;
  if (planeByPlane(Cg, Og)) return planes(false, x, w, [N * C, G, H, W, kh, kw, Ho, Wo], p, out);
  if (windowIsInput(H, W, kh, kw, p)) {
    const y = arrayFor(out.dtype, N * O); // y[n, o] = Σ_r x[n, r] · w[o, r]
    gemm(x, 0, false, w, 0, true, y, 0, N, O, R, false, {});
    return y;
  }
  const fused = fusedPath(x, w, p);
  if (fused) return conv2dFused(fused, x as Float32Array, xs, w as Float32Array, ws, p, out);
  const geo: Geometry = { C: Cg, H, W, kh, kw, Ho, Wo, p };
  const nbMax = chunkSize(N, R, P);
  const cols = arrayFor(out.dtype, R * nbMax * P), tmp = arrayFor(out.dtype, Og * nbMax * P);
  const y = arrayFor(out.dtype, sizeOf(out.shape));
  const scratch = {};
  for (let n0 = 0; n0 < N; n0 += nbMax) {
    const nb = Math.min(nbMax, N - n0), ld = nb * P;
    for (let g = 0; g < G; g++) {
      for (let n = 0; n < nb; n++) im2col(x, ((n0 + n) * C + g * Cg) * H * W, geo, cols, ld, n * P);
      gemm(w, g * Og * R, false, cols, 0, false, tmp, 0, Og, ld, R, false, scratch);
      fromMatrix(tmp, n0, nb, O, g * Og, Og, P, y);
    }
  }
  return y;
}

export function conv2dWeightGrad(x: TypedArray, xs: Shape, gy: TypedArray, gs: Shape, p: Conv2dParams, out: AbstractValue): TypedArray {
  const [N, C, H, W] = xs, [, O, Ho, Wo] = gs, [, Cg, kh, kw] = out.shape;
  const G = p.groups, Og = O / G, P = Ho * Wo, R = Cg * kh * kw;
  if (windowIsInput(H, W, kh, kw, p)) {
    const dw = arrayFor(out.dtype, O * R); // dw[o, r] = Σ_n gy[n, o] · x[n, r]
    gemm(gy, 0, true, x, 0, false, dw, 0, O, R, N, false, {});
    return dw;
  }
  const fused = fusedPath(x, gy, p);
  if (fused) return conv2dWeightGradFused(fused, x as Float32Array, xs, gy as Float32Array, gs, p, out);
  const geo: Geometry = { C: Cg, H, W, kh, kw, Ho, Wo, p };
  const nbMax = chunkSize(N, R, P);
  const cols = arrayFor(out.dtype, R * nbMax * P), gm = arrayFor(out.dtype, Og * nbMax * P);
  const dw = arrayFor(out.dtype, sizeOf(out.shape));
  const scratch = {};
  for (let n0 = 0; n0 < N; n0 += nbMax) {
    const nb = Math.min(nbMax, N - n0), ld = nb * P;
    for (let g = 0; g < G; g++) {
      for (let n = 0; n < nb; n++) im2col(x, ((n0 + n) * C + g * Cg) * H * W, geo, cols, ld, n * P);
      toMatrix(gy, n0, nb, O, g * Og, Og, P, gm);
      gemm(gm, 0, false, cols, 0, true, dw, g * Og * R, Og, R, ld, true, scratch);
    }
  }
  return dw;
}

/** x [N,C,H,W] is the conv's output space; y [N,O,Ho,Wo] its input space; w [C, O/g, kh, kw]. */
export function convTranspose2d(x: TypedArray, xs: Shape, w: TypedArray, ws: Shape, p: Conv2dParams, out: AbstractValue): TypedArray {
  const [N, C, H, W] = xs, [, Og, kh, kw] = ws, [, O, Ho, Wo] = out.shape;
  const G = p.groups, Cg = C / G, P = H * W, R = Og * kh * kw;
  if (planeByPlane(Cg, Og)) return planes(true, x, w, [N * C, G, H, W, kh, kw, Ho, Wo], p, out);
  if (windowIsInput(Ho, Wo, kh, kw, p)) {
    const y = arrayFor(out.dtype, N * R); // the adjoint of the dense conv2d: y[n, r] = Σ_c x[n, c] · w[c, r]
    gemm(x, 0, false, w, 0, false, y, 0, N, R, C, false, {});
    return y;
  }
  const fused = fusedPath(x, w, p);
  if (fused) return convTranspose2dFused(fused, x as Float32Array, xs, w as Float32Array, ws, p, out);
  // geometry of the conv whose input is y: channels Og, image Ho x Wo, output H x W
  const geo: Geometry = { C: Og, H: Ho, W: Wo, kh, kw, Ho: H, Wo: W, p };
  const nbMax = chunkSize(N, Math.max(R, Cg), P);
  const cols = arrayFor(out.dtype, R * nbMax * P), xm = arrayFor(out.dtype, Cg * nbMax * P);
  const y = arrayFor(out.dtype, sizeOf(out.shape));
  const scratch = {};
  for (let n0 = 0; n0 < N; n0 += nbMax) {
    const nb = Math.min(nbMax, N - n0), ld = nb * P;
    for (let g = 0; g < G; g++) {
      // cols[Og*kh*kw, nb*H*W] = W[g]ᵀ · x[:, g]   with W[g] viewed as [Cg, Og*kh*kw]
      toMatrix(x, n0, nb, C, g * Cg, Cg, P, xm);
      gemm(w, g * Cg * R, true, xm, 0, false, cols, 0, R, ld, Cg, false, scratch);
      for (let n = 0; n < nb; n++) col2im(cols, ld, n * P, geo, y, ((n0 + n) * O + g * Og) * Ho * Wo);
    }
  }
  return y;
}

// ---- float32 through the WebAssembly GEMM, im2col / col2im fused with it -----------------------

/**
 * float32, one group: the column matrix is never built. im2col writes straight into the GEMM's
 * packed B panels (cpu-jobs.ts packColsRows / packColsT, reading the input chunk copied into the
 * kernel's memory), and col2im reads straight from the GEMM's output (col2imChannels). Both are
 * phases that the CPU threads share (threads.ts). The panels hold the same values in the same
 * places as packing the built column matrix, and col2im adds in the same order, so these paths
 * give bitwise the results of the im2col path above (tests/core/conv-fused.test.ts). The `cpuConv`
 * route (routes.ts) 'im2col' forces the path above. Speed: bench/RESULTS-cpu.md.
 */
function fusedPath(a: TypedArray, b: TypedArray, p: Conv2dParams): WasmGemm | null {
  if (routesFor('cpu').cpuConv === 'im2col' || p.groups !== 1 || !(a instanceof Float32Array) || !(b instanceof Float32Array)) return null;
  return wasmGemm();
}

/** The geometry parameters shared by the pack jobs: C, H, W, kh, kw, Ho, Wo, sh, sw, ph, pw, dh, dw. */
function geometryParams(C: number, H: number, W: number, kh: number, kw: number, Ho: number, Wo: number, p: Conv2dParams): number[] {
  return [C, H, W, kh, kw, Ho, Wo, p.stride[0], p.stride[1], p.padding[0], p.padding[1], p.dilation[0], p.dilation[1]];
}

function conv2dFused(w: WasmGemm, x: Float32Array, xs: Shape, wt: Float32Array, ws: Shape, p: Conv2dParams, out: AbstractValue): Float32Array {
  const [N, C, H, W] = xs, [O, , kh, kw] = ws, [, , Ho, Wo] = out.shape;
  const P = Ho * Wo, R = C * kh * kw, img = C * H * W;
  const geo = geometryParams(C, H, W, kh, kw, Ho, Wo, p);
  const nbMax = chunkSize(N, R, P);
  const y = new Float32Array(N * O * P);
  for (let n0 = 0; n0 < N; n0 += nbMax) {
    const nb = Math.min(nbMax, N - n0);
    // y[:, chunk] = W · cols(x[chunk])
    gemmWasmWith(w, dense(wt, 0, O, R, false), O, nb * P, R, {
      extra: nb * img,
      prepare: (f32, xb) => f32.set(x.subarray(n0 * img, (n0 + nb) * img), xb),
      packB: (_f32, bp, k0, kc, Npad, xb) => {
        const per = Math.ceil(kc / JOBS_PER_PHASE);
        w.phases.run(JobKind.PackColsRows, [bp, xb, k0, kc, per, Npad, ...geo, nb], Math.ceil(kc / per), kc * Npad >= PARALLEL_MIN);
      },
      finish: (f32, Npad) => {
        for (let o = 0; o < O; o++) for (let n = 0; n < nb; n++) y.set(f32.subarray(o * Npad + n * P, o * Npad + (n + 1) * P), ((n0 + n) * O + o) * P);
      },
    });
  }
  return y;
}

function conv2dWeightGradFused(w: WasmGemm, x: Float32Array, xs: Shape, gy: Float32Array, gs: Shape, p: Conv2dParams, out: AbstractValue): Float32Array {
  const [N, C, H, W] = xs, [, O, Ho, Wo] = gs, [, , kh, kw] = out.shape;
  const P = Ho * Wo, R = C * kh * kw, img = C * H * W;
  const geo = geometryParams(C, H, W, kh, kw, Ho, Wo, p);
  const nbMax = chunkSize(N, R, P);
  const dw = new Float32Array(O * R);
  for (let n0 = 0; n0 < N; n0 += nbMax) {
    const nb = Math.min(nbMax, N - n0);
    // dW += gy[chunk] · cols(x[chunk])ᵀ   (K runs over the chunk's (n, oi, oj)): gy read as [O, nb·P]
    const { channel, pixel } = nchwLines(O, P);
    gemmWasmWith(w, { data: gy, offset: n0 * O * P, length: nb * O * P, across: channel, along: pixel }, O, R, nb * P, {
      extra: nb * img,
      prepare: (f32, xb) => f32.set(x.subarray(n0 * img, (n0 + nb) * img), xb),
      packB: (_f32, bp, k0, kc, Npad, xb) => {
        const nPanels = Npad / NR, per = Math.ceil(nPanels / JOBS_PER_PHASE);
        w.phases.run(JobKind.PackColsT, [bp, xb, k0, kc, per, R, ...geo, nPanels], Math.ceil(nPanels / per), kc * Npad >= PARALLEL_MIN);
      },
      finish: (f32, Npad) => copyOut(f32, Npad, dw, 0, O, R, true),
    });
  }
  return dw;
}

function convTranspose2dFused(w: WasmGemm, x: Float32Array, xs: Shape, wt: Float32Array, ws: Shape, p: Conv2dParams, out: AbstractValue): Float32Array {
  const [N, C, H, W] = xs, [, O, kh, kw] = ws, [, , Ho, Wo] = out.shape;
  const P = H * W, R = O * kh * kw, yImg = O * Ho * Wo;
  const nbMax = chunkSize(N, Math.max(R, C), P);
  const y = new Float32Array(N * yImg);
  // col2im's geometry: the conv whose input is y (O × Ho × Wo) and output x (H × W)
  const [sh, sw] = p.stride, [ph, pw] = p.padding, [dh, dw] = p.dilation;
  // x[chunk] read as the [C, nb·H·W] matrix op(B)
  const { channel, pixel } = nchwLines(C, P), b = { across: pixel, along: channel };
  for (let n0 = 0; n0 < N; n0 += nbMax) {
    const nb = Math.min(nbMax, N - n0), ld = nb * P, xImgs = nb * C * P;
    // cols = Wᵀ · x[chunk], then y[chunk] = col2im(cols)
    gemmWasmWith(w, dense(wt, 0, R, C, true), R, ld, C, {
      extra: xImgs + nb * yImg,
      prepare: (f32, xb) => f32.set(x.subarray(n0 * C * P, n0 * C * P + xImgs), xb),
      packB: (_f32, bp, k0, kc, Npad, xb) => packPhase(w, bp, xb, NR, ld, Npad / NR, k0, k0 + kc, b),
      finish: (_f32, Npad, xb) => {
        const yb = xb + xImgs, per = Math.ceil(O / JOBS_PER_PHASE);
        w.phases.run(JobKind.Col2im, [0, Npad, yb, per, O, Ho, Wo, kh, kw, H, W, sh, sw, ph, pw, dh, dw, nb], Math.ceil(O / per), R * ld >= PARALLEL_MIN);
        y.set(w.f32.subarray(yb, yb + nb * yImg), n0 * yImg);
      },
    });
  }
  return y;
}
