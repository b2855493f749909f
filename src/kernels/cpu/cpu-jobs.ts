/**
 * The jobs the CPU backend's threads run on the WebAssembly GEMM's memory (`mem`, float32 view):
 * the GEMM's micro-kernel blocks, the packing of its operands into panels (packPanels), the
 * convolution's im2col (written straight into the GEMM's packed B panels) and col2im (read
 * straight from the GEMM's output), and the convolutions with one channel per group that bypass
 * the GEMM (convPlanes). Each phase is split into jobs that write disjoint memory, so a phase
 * gives the same bits on any number of threads.
 *
 * Every job is self-contained — the worker threads run copies of their source (threads.ts) — so
 * they use no module-level names but JOB_HELPERS, and read their arguments from the
 * parameter block `p` (Int32Array) at the slots listed above each one, from P = 16 on. Offsets are
 * in floats unless they say bytes.
 *
 * The packed B layout (the kernel's 8-column panels of a kc-deep slice, matmul.ts):
 *   bp[(⌊j/8⌋·kc + k)·8 + j mod 8] = op(B)[k0 + k, j]        (0 for j ≥ N, up to Npad)
 * The convolution's column matrix (conv.ts), for samples n < nb of the chunk in `mem` at xBase:
 *   cols[(c, ki, kj), (n, oi, oj)] = x[n, c, oi·sh − ph + ki·dh, oj·sw − pw + kj·dw]   (0 outside)
 */

/**
 * A window tap reads input column j·s + off for output column j (of Wout): the first output column
 * whose input column is ≥ 0, and the end of those whose input column is < W — the tap's columns
 * inside the image are [lo, hi), the rest padding. Used by the jobs below (the workers get these
 * with the jobs' source: threads.ts) and by conv.ts.
 */
export function firstInside(off: number, s: number, Wout: number): number {
  return Math.min(Wout, Math.max(0, Math.ceil(-off / s)));
}
export function endInside(off: number, s: number, W: number, Wout: number, lo: number): number {
  return Math.max(lo, Math.min(Wout, Math.floor((W - 1 - off) / s) + 1));
}
/** The functions the jobs call, defined in each worker before them. */
export const JOB_HELPERS = [firstInside, endInside];

export type Kernel = (ap: number, bp: number, c: number, mp: number, np: number, kc: number, ldc: number) => void;
export type Job = (mem: Float32Array, p: Int32Array, kernel: Kernel, j: number) => void;

/**
 * GEMM block j of a packed slice: C[i0.., j0..] += Ap[i0..] · Bp[j0..], blocks numbered
 * column-block-major (j = jb·nI + ib, the order of the single-threaded loop). With `zero` set (the
 * first slice) the job zeroes its block of C first, so C needs no zeroing pass of its own.
 * p[16..]: ap (bytes), bp (bytes), c (bytes), Mpad, Npad, kc, MC, NC, nI, MR (rows of a panel), zero
 */
export function gemmBlock(mem: Float32Array, p: Int32Array, kernel: Kernel, j: number): void {
  const ap = p[16], bp = p[17], c = p[18], Mpad = p[19], Npad = p[20], kc = p[21], MC = p[22], NC = p[23], nI = p[24], MR = p[25];
  const i0 = (j % nI) * MC, j0 = Math.floor(j / nI) * NC;
  const mc = Math.min(MC, Mpad - i0), nc = Math.min(NC, Npad - j0);
  if (p[26]) for (let i = 0, row = c / 4 + i0 * Npad + j0; i < mc; i++, row += Npad) mem.fill(0, row, row + nc);
  kernel(ap + i0 * kc * 4, bp + j0 * kc * 4, c + (i0 * Npad + j0) * 4, mc / MR, nc / 8, kc, Npad);
}

/**
 * Pack an operand of the GEMM, op(X)[a, k] (a: rows of op(A), or columns of op(B); k: the
 * product's inner index), from the memory into `width`-wide panels, KC-deep slice by slice:
 *   dst[nPanels·width·(k0 − kStart) + (panel·kc + k − k0)·width + lane] = op(X)[panel·width + lane, k]
 * for the slice [k0, k0 + kc) holding k (0 for a ≥ nAcross). Where an element lies is a sum of
 * two terms, one per index, each blocked once — t ↦ ⌊t/P⌋·block + (t mod P)·stride — which
 * covers plain and transposed matrices (P beyond the index range) and NCHW tensors read as
 * [C, N·H·W] matrices (P = H·W, block = C·H·W), so a convolution's operands need no reordering
 * first. Job j packs panels [part·per, (part+1)·per) of slice ⌊j / parts⌋.
 * p[16..]: dst, src, width, nAcross, nPanels, kStart, kEnd, KC, parts, per, aP, aBlock, aStride, kP, kBlock, kStride
 */
export function packPanels(mem: Float32Array, p: Int32Array, _kernel: Kernel, j: number): void {
  const dst = p[16], src = p[17], width = p[18], nAcross = p[19], nPanels = p[20], kStart = p[21], kEnd = p[22], KC = p[23];
  const parts = p[24], per = p[25], aP = p[26], aBlock = p[27], aStride = p[28], kP = p[29], kBlock = p[30], kStride = p[31];
  const k0 = kStart + Math.floor(j / parts) * KC, kc = Math.min(KC, kEnd - k0);
  const from = (j % parts) * per, to = Math.min(nPanels, from + per);
  const start = new Int32Array(width);
  const n0 = Math.floor(k0 / kP), s0 = k0 % kP;
  for (let panel = from; panel < to; panel++) {
    let valid = 0;
    for (let lane = 0, a = panel * width; lane < width && a < nAcross; lane++, a++, valid++) {
      start[lane] = src + Math.floor(a / aP) * aBlock + (a % aP) * aStride;
    }
    const o0 = dst + nPanels * width * (k0 - kStart) + panel * kc * width;
    if (kStride === 1) {
      // k runs along memory: lane by lane, a contiguous read per run of k inside one block
      for (let lane = 0; lane < width; lane++) {
        let o = o0 + lane;
        if (lane >= valid) { for (let k = 0; k < kc; k++, o += width) mem[o] = 0; continue; }
        for (let k = 0, n = n0, s = s0; k < kc; n++, s = 0) {
          const run = Math.min(kc - k, kP - s);
          for (let i = start[lane] + n * kBlock + s, e = i + run; i < e; i++, o += width) mem[o] = mem[i];
          k += run;
        }
      }
    } else if (valid === width && aStride === 1 && start[width - 1] - start[0] === width - 1) {
      // the panel's lanes are adjacent in memory: one contiguous read per k
      for (let k = 0, o = o0, n = n0, s = s0, at = start[0] + n0 * kBlock + s0 * kStride; k < kc; k++, o += width) {
        for (let lane = 0; lane < width; lane++) mem[o + lane] = mem[at + lane];
        if (++s === kP) { s = 0; n++; at = start[0] + n * kBlock; } else at += kStride;
      }
    } else {
      for (let k = 0, o = o0, n = n0, s = s0, off = n0 * kBlock + s0 * kStride; k < kc; k++, o += width) {
        for (let lane = 0; lane < valid; lane++) mem[o + lane] = mem[start[lane] + off];
        for (let lane = valid; lane < width; lane++) mem[o + lane] = 0;
        if (++s === kP) { s = 0; n++; off = n * kBlock; } else off += kStride;
      }
    }
  }
}

/**
 * Pack rows k0 .. k0+kc of cols (B = cols: conv2d) into panels; job j packs `rowsPerJob` rows.
 * In blocks of 512 columns (64 panels), all the job's rows for one block before the next, so the
 * panel lines a row writes are still in cache for the next row; within a row, output columns
 * outside the input (padding) are zero runs, the rest a strided copy, the destination stepped
 * along (no per-element index arithmetic or bounds test).
 * p[16..]: bp, xBase, k0, kc, rowsPerJob, Npad, C, H, W, kh, kw, Ho, Wo, sh, sw, ph, pw, dh, dw, nb
 */
export function packColsRows(mem: Float32Array, p: Int32Array, _kernel: Kernel, j: number): void {
  const bp = p[16], xBase = p[17], k0 = p[18], kc = p[19], per = p[20], Npad = p[21], C = p[22], H = p[23], W = p[24];
  const kh = p[25], kw = p[26], Ho = p[27], Wo = p[28], sh = p[29], sw = p[30], ph = p[31], pw = p[32], dh = p[33], dw = p[34], nb = p[35];
  const kFrom = j * per, kEnd = Math.min(kc, kFrom + per);
  const N = nb * Ho * Wo, jump = kc * 8 - 7; // from lane 7 of a panel's row k to lane 0 of the next panel's
  for (let cs = 0; cs < N; cs += 512) {
    const ce = Math.min(N, cs + 512);
    const n0 = Math.floor(cs / (Ho * Wo)), oi0 = Math.floor(cs / Wo) % Ho, oj0 = cs % Wo;
    for (let k = kFrom; k < kEnd; k++) {
      const r = k0 + k, c = Math.floor(r / (kh * kw)), ki = Math.floor(r / kw) % kh, kj = r % kw;
      // the output columns oj whose input column oj·sw + off lies in [0, W): [lo, hi)
      const off = kj * dw - pw;
      const lo = firstInside(off, sw, Wo), hi = endInside(off, sw, W, Wo, lo);
      let n = n0, oi = oi0, oj = oj0, col = cs, dst = bp + ((cs >> 3) * kc + k) * 8;
      while (col < ce) {
        const rowEnd = Math.min(Wo, oj + ce - col), i = oi * sh - ph + ki * dh;
        if (i < 0 || i >= H) {
          for (; oj < rowEnd; oj++) { mem[dst] = 0; dst = (++col & 7) === 0 ? dst + jump : dst + 1; }
        } else {
          const xRow = xBase + ((n * C + c) * H + i) * W + off;
          for (const e = Math.min(lo, rowEnd); oj < e; oj++) { mem[dst] = 0; dst = (++col & 7) === 0 ? dst + jump : dst + 1; }
          for (const e = Math.min(hi, rowEnd); oj < e; oj++) { mem[dst] = mem[xRow + oj * sw]; dst = (++col & 7) === 0 ? dst + jump : dst + 1; }
          for (; oj < rowEnd; oj++) { mem[dst] = 0; dst = (++col & 7) === 0 ? dst + jump : dst + 1; }
        }
        if (oj === Wo) { oj = 0; if (++oi === Ho) { oi = 0; n++; } }
      }
    }
  }
  for (let k = kFrom; k < kEnd; k++) for (let col = N; col < Npad; col++) mem[bp + ((col >> 3) * kc + k) * 8 + (col & 7)] = 0;
}

/**
 * Pack columns k0 .. k0+kc of cols as rows of colsᵀ (B = colsᵀ: the weight gradient, whose k runs
 * over (n, oi, oj)); job j packs `panelsPerJob` 8-wide panels of the R = C·kh·kw rows of cols.
 * p[16..]: bp, xBase, k0, kc, panelsPerJob, R, C, H, W, kh, kw, Ho, Wo, sh, sw, ph, pw, dh, dw, nPanels
 */
export function packColsT(mem: Float32Array, p: Int32Array, _kernel: Kernel, j: number): void {
  const bp = p[16], xBase = p[17], k0 = p[18], kc = p[19], per = p[20], R = p[21], C = p[22], H = p[23], W = p[24];
  const kh = p[25], kw = p[26], Ho = p[27], Wo = p[28], sh = p[29], sw = p[30], ph = p[31], pw = p[32], dh = p[33], dw = p[34], nPanels = p[35];
  const P = Ho * Wo;
  for (let panel = j * per, pEnd = Math.min(nPanels, panel + per); panel < pEnd; panel++) {
    for (let e = 0; e < 8; e++) {
      const r = panel * 8 + e;
      let out = bp + panel * kc * 8 + e;
      if (r >= R) {
        for (let k = 0; k < kc; k++, out += 8) mem[out] = 0;
        continue;
      }
      const c = Math.floor(r / (kh * kw)), ki = Math.floor(r / kw) % kh, kj = r % kw;
      // the output columns oj whose input column oj·sw + off lies in [0, W): [lo, hi)
      const off = kj * dw - pw;
      const lo = firstInside(off, sw, Wo), hi = endInside(off, sw, W, Wo, lo);
      // (n, oi, oj) of column k0, then stepped along with k, a row segment at a time: zero runs and a strided copy
      let n = Math.floor(k0 / P), oi = Math.floor((k0 % P) / Wo), oj = k0 % Wo;
      for (let k = 0; k < kc;) {
        const rowEnd = Math.min(Wo, oj + kc - k), i = oi * sh - ph + ki * dh;
        if (i < 0 || i >= H) {
          for (; oj < rowEnd; oj++, k++, out += 8) mem[out] = 0;
        } else {
          const xRow = xBase + ((n * C + c) * H + i) * W + off;
          for (const e2 = Math.min(lo, rowEnd); oj < e2; oj++, k++, out += 8) mem[out] = 0;
          for (const e2 = Math.min(hi, rowEnd); oj < e2; oj++, k++, out += 8) mem[out] = mem[xRow + oj * sw];
          for (; oj < rowEnd; oj++, k++, out += 8) mem[out] = 0;
        }
        if (oj === Wo) { oj = 0; if (++oi === Ho) { oi = 0; n++; } }
      }
    }
  }
}

/**
 * col2im (convTranspose2d): y = Σ over the rows (o, ki, kj) of the GEMM output cols (row stride
 * ldc, columns (n, i, jx) over the nb × Hx × Wx input grid), scattered to
 * y[n, o, i·sh − ph + ki·dh, jx·sw − pw + kj·dw] (skipped outside [0, Hy) × [0, Wy));
 * job j owns output channels [j·per, (j+1)·per) and zeroes them first.
 * p[16..]: cBase, ldc, yBase, per, O, Hy, Wy, kh, kw, Hx, Wx, sh, sw, ph, pw, dh, dw, nb
 */
export function col2imChannels(mem: Float32Array, p: Int32Array, _kernel: Kernel, j: number): void {
  const cBase = p[16], ldc = p[17], yBase = p[18], per = p[19], O = p[20], Hy = p[21], Wy = p[22], kh = p[23], kw = p[24];
  const Hx = p[25], Wx = p[26], sh = p[27], sw = p[28], ph = p[29], pw = p[30], dh = p[31], dw = p[32], nb = p[33];
  for (let o = j * per, oEnd = Math.min(O, o + per); o < oEnd; o++) {
    for (let n = 0; n < nb; n++) mem.fill(0, yBase + (n * O + o) * Hy * Wy, yBase + (n * O + o + 1) * Hy * Wy);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const row = cBase + ((o * kh + ki) * kw + kj) * ldc;
        // input columns jx whose output column jx·sw − pw + kj·dw lies in [0, Wy)
        const off = kj * dw - pw;
        const lo = firstInside(off, sw, Wx), hi = endInside(off, sw, Wy, Wx, lo);
        for (let n = 0; n < nb; n++) {
          for (let i = 0; i < Hx; i++) {
            const yi = i * sh - ph + ki * dh;
            if (yi < 0 || yi >= Hy) continue;
            const yRow = yBase + ((n * O + o) * Hy + yi) * Wy + off, src = row + (n * Hx + i) * Wx;
            for (let jx = lo; jx < hi; jx++) mem[yRow + jx * sw] += mem[src + jx];
          }
        }
      }
    }
  }
}

/**
 * Convolutions with one input and one output channel per group (conv.ts, `planes`), directly:
 * planes [j·per, (j+1)·per) of x (H × W) into the same planes of y (Ho × Wo), plane q with the
 * weights of group q mod G, a kernel tap at a time over a whole row (stride 1: contiguous).
 * `mem` is the WebAssembly memory, or on the calling thread any one array holding x, w and y.
 * p[16..]: xBase, wBase, yBase, planes, per, G, H, W, kh, kw, Ho, Wo, sh, sw, ph, pw, dh, dw, transposed
 *   conv2d (transposed 0):          y[q, oi, oj] = Σ_(ki,kj) w[q mod G, ki, kj] · x[q, oi·sh − ph + ki·dh, oj·sw − pw + kj·dw]
 *   convTranspose2d (transposed 1): its adjoint in x (y is the conv's input space), scattered in col2im's order
 */
export function convPlanes(mem: Float32Array, p: Int32Array, _kernel: Kernel, j: number): void {
  const xBase = p[16], wBase = p[17], yBase = p[18], planes = p[19], per = p[20], G = p[21], H = p[22], W = p[23], kh = p[24], kw = p[25];
  const Ho = p[26], Wo = p[27], sh = p[28], sw = p[29], ph = p[30], pw = p[31], dh = p[32], dw = p[33], transposed = p[34] !== 0;
  for (let q = j * per, qEnd = Math.min(planes, q + per); q < qEnd; q++) {
    const xq = xBase + q * H * W, yq = yBase + q * Ho * Wo, wq = wBase + (q % G) * kh * kw;
    mem.fill(0, yq, yq + Ho * Wo);
    if (!transposed) {
      for (let oi = 0; oi < Ho; oi++) {
        const yb = yq + oi * Wo;
        for (let ki = 0; ki < kh; ki++) {
          const i = oi * sh - ph + ki * dh;
          if (i < 0 || i >= H) continue;
          for (let kj = 0; kj < kw; kj++) {
            // output columns whose input column oj·sw + off lies in [0, W)
            const off = kj * dw - pw;
            const lo = firstInside(off, sw, Wo), hi = endInside(off, sw, W, Wo, lo);
            const wv = mem[wq + ki * kw + kj], xb = xq + i * W + off;
            if (sw === 1) for (let oj = lo; oj < hi; oj++) mem[yb + oj] += wv * mem[xb + oj];
            else for (let oj = lo; oj < hi; oj++) mem[yb + oj] += wv * mem[xb + oj * sw];
          }
        }
      }
      continue;
    }
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        // input columns whose output column jx·sw + off lies in [0, Wo)
        const off = kj * dw - pw;
        const lo = firstInside(off, sw, W), hi = endInside(off, sw, Wo, W, lo);
        const wv = mem[wq + ki * kw + kj];
        for (let i = 0; i < H; i++) {
          const r = i * sh - ph + ki * dh;
          if (r < 0 || r >= Ho) continue;
          const yb = yq + r * Wo + off, xb = xq + i * W;
          if (sw === 1) for (let jx = lo; jx < hi; jx++) mem[yb + jx] += wv * mem[xb + jx];
          else for (let jx = lo; jx < hi; jx++) mem[yb + jx * sw] += wv * mem[xb + jx];
        }
      }
    }
  }
}

/** The job table, indexed by phase kind (the workers receive the same list, stringified). */
export const JOBS: readonly Job[] = [gemmBlock, packColsRows, packColsT, col2imChannels, convPlanes, packPanels];
export const JobKind = { Gemm: 0, PackColsRows: 1, PackColsT: 2, Col2im: 3, ConvPlanes: 4, PackPanels: 5 } as const;
/** First parameter slot of the control block (slots below it belong to the thread protocol). */
export const PARAMS = 16;
