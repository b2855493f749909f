import { sizeOf } from '../../base/dtype.ts';
import type { AbstractValue, Conv2dParams } from '../../base/prims.ts';
import type { TensorInfo } from '../backend.ts';
import type { GBuf } from './memory/pool.ts';
import { type GemmEpilogue, type GemmSpec, runGemm } from './gemm.ts';
import { routesFor } from '../routes.ts';
import { type GpuKernel, allocOut, buf } from './kernel.ts';
import { gemmBuffers } from './matmul.ts';
import { convTDirectApplies, convTranspose2dDirect } from './convt-direct.ts';
import { MAX_OG, type WindowGeom, conv2dWeightGradWindowInput, conv2dWindowInput, windowFits } from './conv-window.ts';
import type { GpuContext, Params } from './engine.ts';

/**
 * The three convolutions as implicit GEMMs over the GEMM template (no im2col buffer), one z per
 * group g. With cols(x)[(c,ki,kj), (n,oh,ow)] = x[n, g·Cg+c, oh·s − p + ki·d, ow·s − p + kj·d]
 * (0 outside the image):
 *   conv2d:           y[n, g·Og+m, oh, ow] = Σ_k W[g·Og+m, k] · cols[k, (n,oh,ow)]
 *   conv2dWeightGrad: dW[g·Og+m, k]        = Σ_(n,oh,ow) gy[n, g·Og+m, oh, ow] · cols[k, (n,oh,ow)]
 *   convTranspose2d:  see convTranspose2dKernel (per stride phase, only the taps that hit).
 * Parameter words from 16: C H W O Og Cg kh kw Ho Wo sh sw ph pw dh dw.
 */
const GEOM_NAMES = ['C_', 'H_', 'W_', 'O_', 'Og_', 'Cg_', 'kh_', 'kw_', 'Ho_', 'Wo_', 'sh_', 'sw_', 'ph_', 'pw_', 'dh_', 'dw_'] as const;
/**
 * Geometry accessors: read from the parameter block (one pipeline for every shape), or, when
 * `consts` is given, WGSL constants (one pipeline per layer shape). On llvmpipe an integer
 * division by a run-time value is scalarised (no vector integer divide on x86) and the im2col
 * index math is ~8 of them per operand load; by a constant it is a multiply and shift.
 */
function geomAccessors(consts: number[] | null, extraFrom = 32, extra: number[] = []): string {
  const fn = (name: string, word: number, v: number | undefined) => `fn ${name}() -> u32 { return ${v === undefined ? `mu(${word}u)` : `${v >>> 0}u`}; }`;
  const base = GEOM_NAMES.map((n, i) => fn(n, 16 + i, consts?.[i])).join('\n');
  return `${base}\n${extra.map((_, i) => fn(`e${i}_`, extraFrom + i, consts ? extra[i] : undefined)).join('\n')}`;
}
const IM2COL = `
/** X[i] where the tap is inside the image, else 0 (the padding) */
fn xat(inside: bool, i: i32) -> f32 { return select(0.0, X[u32(select(0, i, inside))], inside); }
/** cols[k, col] of group g: the input pixel tap k = (c, ki, kj) of output pixel col = (n, oh, ow) sees. */
fn im2col(g: u32, k: u32, col: u32) -> f32 {
  let HoWo = Ho_() * Wo_(); let khw = kh_() * kw_();
  let nb = col / HoWo; let pix = col % HoWo; let oh = pix / Wo_(); let ow = pix % Wo_();
  let c = k / khw; let r = k % khw; let ki = r / kw_(); let kj = r % kw_();
  let ih = i32(oh * sh_() + ki * dh_()) - i32(ph_());
  let iw = i32(ow * sw_() + kj * dw_()) - i32(pw_());
  if (ih < 0 || ih >= i32(H_()) || iw < 0 || iw >= i32(W_())) { return 0.0; }
  return X[((nb * C_() + g * Cg_() + c) * H_() + u32(ih)) * W_() + u32(iw)];
}`;

interface Geom { C: number; H: number; W: number; O: number; Og: number; Cg: number; kh: number; kw: number; Ho: number; Wo: number }
const geomList = (g: Geom, p: Conv2dParams) => [g.C, g.H, g.W, g.O, g.Og, g.Cg, g.kh, g.kw, g.Ho, g.Wo, ...p.stride, ...p.padding, ...p.dilation];
const geomWords = (g: Geom, p: Conv2dParams) => (q: Params) => q.u32(...geomList(g, p));
/** geometry baked into the pipeline on the direct (llvmpipe) template; see geomAccessors */
const specialize = (ctx: GpuContext) => routesFor(ctx.adapterClass).gemm === 'direct';

function conv2dSpec(consts: number[] | null): GemmSpec {
  return {
    key: `conv2d${consts ? `[${consts}]` : ''}`, T: 'f32', nInputs: 2, functions: geomAccessors(consts) + IM2COL,
    inputs: `@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Wt: array<f32>;`,
    prologue: 'let g = bz; let HoWo = Ho_() * Wo_();',
    loadA: 'Wt[(g * Og_() + m) * K + k]',
    loadB: 'im2col(g, k, n)',
    storePrologue: 'let g = bz; let HoWo = Ho_() * Wo_();',
    index: '(n / HoWo * O_() + g * Og_() + m) * HoWo + n % HoWo',
    aKFast: true, bKFast: false,
    // k = (c, ki, kj) once per step; column (n, oh, ow) → window origin once per column
    direct: {
      kSetup: `let kc = k / (kh_() * kw_()); let kr = k % (kh_() * kw_());
      let kdi = i32(kr / kw_() * dh_()); let kdj = i32(kr % kw_() * dw_());
      let kOff = i32(kc * H_() * W_()) + kdi * i32(W_()) + kdj;`,
      colSetup: (j, n) => `let pix${j} = ${n} % HoWo; let ih${j} = i32(pix${j} / Wo_() * sh_()) - i32(ph_()); let iw${j} = i32(pix${j} % Wo_() * sw_()) - i32(pw_());
  let xb${j} = i32((${n} / HoWo * C_() + g * Cg_()) * H_() * W_()) + ih${j} * i32(W_()) + iw${j};`,
      loadB: (j) => `xat(u32(ih${j} + kdi) < H_() && u32(iw${j} + kdj) < W_(), xb${j} + kOff)`,
    },
  };
}

/**
 * A convolution whose window covers the whole (unpadded) input maps each image to a 1×1 output:
 *   y[n, o] = Σ_k W[o, k] · X[n, k]   (k = (c, ki, kj), contiguous in both)
 * i.e. a plain product with no im2col: C[o, n] = W · Xᵀ stored at y[n, o].
 */
const DENSE_1X1: GemmSpec = {
  key: 'conv2d:dense1x1', T: 'f32', nInputs: 2,
  inputs: `@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Wt: array<f32>;`,
  prologue: '',
  loadA: 'Wt[m * K + k]',
  loadB: 'X[n * K + k]',
  index: 'n * M + m',
  aKFast: true, bKFast: true,
  largeBlock: true,
};

/** The window is the whole unpadded input, so the output is 1×1 (dilation is moot for a 1-tap axis). */
function windowIsInput([, , H, W]: readonly number[], [, , kh, kw]: readonly number[], [, , Ho, Wo]: readonly number[], p: Conv2dParams): boolean {
  return Ho === 1 && Wo === 1 && kh === H && kw === W && p.padding[0] === 0 && p.padding[1] === 0 &&
    (kh === 1 || p.dilation[0] === 1) && (kw === 1 || p.dilation[1] === 1);
}

/**
 * The window is the whole unpadded input (output 1×1): Kg = Cg·H·W contiguous in x, w and dW.
 * Routed to conv-window.ts (one dispatch each) for few output channels where the `convWindow`
 * route is on (routes.ts: lavapipe).
 */
function windowGeom(ctx: GpuContext, x: readonly number[], wShape: readonly number[], yShape: readonly number[], p: Conv2dParams): WindowGeom | null {
  const [N, , H, W] = x, [O, Cg] = wShape;
  const G = p.groups, Og = O / G;
  if (!routesFor(ctx.adapterClass).convWindow) return null;
  if (!windowIsInput(x, wShape, yShape, p)) return null;
  if (Og < 1 || Og > MAX_OG || G > ctx.limits.maxWorkgroups || N === 0) return null;
  const g = { N, G, Og, Kg: Cg * H * W };
  return windowFits(ctx, g) ? g : null;
}

/** conv2d into y, with an optional bias + activation epilogue (bias per output channel). */
function conv2dInto(ctx: GpuContext, x: TensorInfo, w: TensorInfo, p: Conv2dParams, out: AbstractValue, y: GBuf, e?: Omit<GemmEpilogue, 'channel' | 'inner' | 'channels'>): void {
  const [N, C, H, W] = x.shape, [O, Cg, kh, kw] = w.shape, [, , Ho, Wo] = out.shape;
  const G = p.groups, Og = O / G;
  const epi = (channel: string): GemmEpilogue | undefined => (e ? { ...e, channel, inner: Ho * Wo, channels: O } : undefined);
  const win = e ? null : windowGeom(ctx, x.shape, w.shape, out.shape, p);
  if (win) {
    conv2dWindowInput(ctx, win, buf(x), buf(w), y);
    return;
  }
  if (G === 1 && windowIsInput(x.shape, w.shape, out.shape, p)) {
    runGemm(ctx, DENSE_1X1, { M: O, N, K: C * H * W, batch: 1, outSize: sizeOf(out.shape), extra: () => {} }, [buf(x), buf(w)], y, epi('m'));
    return;
  }
  const geom = { C, H, W, O, Og, Cg, kh, kw, Ho, Wo };
  runGemm(ctx, conv2dSpec(specialize(ctx) ? geomList(geom, p) : null), {
    M: Og, N: N * Ho * Wo, K: Cg * kh * kw, batch: G, outSize: sizeOf(out.shape),
    extra: geomWords(geom, p),
  }, [buf(x), buf(w)], y, epi('bz * Og_() + m'));
}

export const conv2dKernel: GpuKernel<'conv2d'> = (ctx, [x, w], p, out) => {
  const y = allocOut(ctx, out);
  if (sizeOf(out.shape) > 0) conv2dInto(ctx, x, w, p, out, y);
  return y;
};

/** act(conv2d(x, w) + bias[o]), the epilogue in the GEMM's store. */
export const conv2dBiasActKernel: GpuKernel<'conv2dBiasAct'> = (ctx, [x, w, bias], p, out) => {
  const y = allocOut(ctx, out);
  if (sizeOf(out.shape) > 0) conv2dInto(ctx, x, w, p, out, y, { act: p.act, slope: p.slope, bias: bias ? buf(bias) : null });
  return y;
};

function wgradSpec(consts: number[] | null): GemmSpec {
  return {
    key: `conv2dWeightGrad${consts ? `[${consts}]` : ''}`, T: 'f32', nInputs: 2, functions: geomAccessors(consts) + IM2COL,
    inputs: `@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> GY: array<f32>;`,
    prologue: 'let g = bz; let HoWo = Ho_() * Wo_();',
    loadA: 'GY[(k / HoWo * O_() + g * Og_() + m) * HoWo + k % HoWo]',
    loadB: 'im2col(g, n, k)',
    storePrologue: 'let g = bz;',
    index: '(g * Og_() + m) * N + n',
    aKFast: true, bKFast: true,
    // k = output pixel (n, oh, ow) once per step; column = tap (c, ki, kj) once per column
    direct: {
      kSetup: `let kb = k / HoWo; let kp = k % HoWo;
      let kih = i32(kp / Wo_() * sh_()) - i32(ph_()); let kiw = i32(kp % Wo_() * sw_()) - i32(pw_());
      let kOff = i32((kb * C_() + g * Cg_()) * H_() * W_()) + kih * i32(W_()) + kiw;
      let gyOff = (kb * O_() + g * Og_()) * HoWo + kp;`,
      colSetup: (j, n) => `let tr${j} = ${n} % (kh_() * kw_()); let tdi${j} = i32(tr${j} / kw_() * dh_()); let tdj${j} = i32(tr${j} % kw_() * dw_());
  let tOff${j} = i32(${n} / (kh_() * kw_()) * H_() * W_()) + tdi${j} * i32(W_()) + tdj${j};`,
      loadA: 'GY[gyOff + m * HoWo]',
      loadB: (j) => `xat(u32(kih + tdi${j}) < H_() && u32(kiw + tdj${j}) < W_(), kOff + tOff${j})`,
    },
  };
}

export const conv2dWeightGradKernel: GpuKernel<'conv2dWeightGrad'> = (ctx, [x, gy], p, out) => {
  const y = allocOut(ctx, out);
  if (sizeOf(out.shape) === 0) return y;
  const [N, C, H, W] = x.shape, [, O, Ho, Wo] = gy.shape, [, Cg, kh, kw] = out.shape;
  const G = p.groups, Og = O / G;
  const win = windowGeom(ctx, x.shape, out.shape, gy.shape, p);
  if (win) {
    conv2dWeightGradWindowInput(ctx, win, buf(x), buf(gy), y);
    return y;
  }
  const geom = { C, H, W, O, Og, Cg, kh, kw, Ho, Wo };
  runGemm(ctx, wgradSpec(specialize(ctx) ? geomList(geom, p) : null), {
    M: Og, N: Cg * kh * kw, K: N * Ho * Wo, batch: G, outSize: sizeOf(out.shape),
    extra: geomWords(geom, p),
  }, [buf(x), buf(gy)], y);
  return y;
};

/**
 * convTranspose2d, x [N,C,H,W] (the conv's output space), w [C, Og, kh, kw], y [N, G·Og, Ho, Wo]:
 *   y[n, g·Og+o, yh, yw] = Σ_{c, ki, kj : yh + p − ki·d = ih·s, 0 ≤ ih < H (same in w)} x[n, g·Cg+c, ih, iw] · w[g·Cg+c, o, ki, kj]
 * Output rows of one stride phase a = yh mod s see exactly the taps with ki·d ≡ a + p (mod s),
 * an arithmetic progression ki0 + t·s/gcd(s,d). So one GEMM per phase (ah, aw) with
 * K = Cg · |taps_h(ah)| · |taps_w(aw)|: no work on the zero-inserted positions of the
 * equivalent stride-1 convolution. Each output pixel is written by exactly one phase.
 * Phase words from 32 (e0_..e9_): ah aw ki0 stepH cntH kj0 stepW cntW nQh nQw.
 */
function convTSpec(consts: number[] | null, phase: number[]): GemmSpec {
  return {
    key: `convTranspose2d${consts ? `[${consts};${phase}]` : ''}`, T: 'f32', nInputs: 2, functions: geomAccessors(consts, 32, phase) + `
fn xat(inside: bool, i: i32) -> f32 { return select(0.0, X[u32(select(0, i, inside))], inside); }
fn tap(k: u32) -> vec3<u32> {   // (c, ki, kj) of reduction index k in this phase
  let cnt = e4_() * e7_();
  let t = k % cnt;
  return vec3<u32>(k / cnt, e2_() + (t / e7_()) * e3_(), e5_() + (t % e7_()) * e6_());
}
fn xval(g: u32, k: u32, col: u32) -> f32 {
  let nq = e8_() * e9_();
  let nb = col / nq; let q = col % nq; let qh = q / e9_(); let qw = q % e9_();
  let tp = tap(k);
  // exact division: the numerator is a multiple of the stride by choice of the taps
  let ih = (i32(qh * sh_() + e0_() + ph_()) - i32(tp.y * dh_())) / i32(sh_());
  let iw = (i32(qw * sw_() + e1_() + pw_()) - i32(tp.z * dw_())) / i32(sw_());
  if (ih < 0 || ih >= i32(H_()) || iw < 0 || iw >= i32(W_())) { return 0.0; }
  return X[((nb * C_() + g * Cg_() + tp.x) * H_() + u32(ih)) * W_() + u32(iw)];
}
fn yindex(g: u32, m: u32, col: u32) -> u32 {
  let nq = e8_() * e9_();
  let nb = col / nq; let q = col % nq; let qh = q / e9_(); let qw = q % e9_();
  return ((nb * O_() + g * Og_() + m) * Ho_() + e0_() + qh * sh_()) * Wo_() + e1_() + qw * sw_();
}`,
    inputs: `@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Wt: array<f32>;`,
    prologue: 'let g = bz;',
    loadA: 'Wt[((g * Cg_() + tap(k).x) * Og_() + m) * kh_() * kw_() + tap(k).y * kw_() + tap(k).z]',
    loadB: 'xval(g, k, n)',
    storePrologue: 'let g = bz;',
    index: 'yindex(g, m, n)',
    aKFast: true, bKFast: false,
    // ih = qh + (ah + ph − ki·dh)/sh: the second term is exact and depends on k only
    direct: {
      kSetup: `let tp = tap(k);
      let kdi = (i32(e0_() + ph_()) - i32(tp.y * dh_())) / i32(sh_());
      let kdj = (i32(e1_() + pw_()) - i32(tp.z * dw_())) / i32(sw_());
      let kOff = i32(tp.x * H_() * W_()) + kdi * i32(W_()) + kdj;
      let wOff = ((g * Cg_() + tp.x) * Og_()) * kh_() * kw_() + tp.y * kw_() + tp.z;`,
      colSetup: (j, n) => `let q${j} = ${n} % (e8_() * e9_()); let qh${j} = i32(q${j} / e9_()); let qw${j} = i32(q${j} % e9_());
  let xb${j} = i32((${n} / (e8_() * e9_()) * C_() + g * Cg_()) * H_() * W_()) + qh${j} * i32(W_()) + qw${j};`,
      loadA: 'Wt[wOff + m * kh_() * kw_()]',
      loadB: (j) => `xat(u32(qh${j} + kdi) < H_() && u32(qw${j} + kdj) < W_(), xb${j} + kOff)`,
    },
  };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Taps k < kernel with k·d ≡ r (mod s), as (first, step, count). */
function taps(r: number, kernel: number, s: number, d: number): [number, number, number] {
  const step = s / gcd(s, d);
  let first = -1;
  for (let k = 0; k < Math.min(kernel, step); k++) if ((k * d - r) % s === 0) { first = k; break; }
  if (first < 0) return [0, step, 0];
  return [first, step, Math.floor((kernel - 1 - first) / step) + 1];
}

export const convTranspose2dKernel: GpuKernel<'convTranspose2d'> = (ctx, [x, w], p, out) => {
  const y = allocOut(ctx, out);
  if (sizeOf(out.shape) === 0) return y;
  const [N, C, H, W] = x.shape, [, Og, kh, kw] = w.shape, [, O, Ho, Wo] = out.shape;
  const G = p.groups, Cg = C / G;
  const [sh, sw] = p.stride, [ph, pw] = p.padding;
  // a 1×1 input with no padding is a plain product: y[n, (o,i,j)] = Σ_c x[n, c] · w[c, (o,i,j)]
  if (H === 1 && W === 1 && ph === 0 && pw === 0 && G === 1 && Ho === (kh - 1) * p.dilation[0] + 1 && Wo === (kw - 1) * p.dilation[1] + 1 && p.dilation[0] === 1 && p.dilation[1] === 1) {
    gemmBuffers(ctx, 'f32', buf(x), [N, C], buf(w), [C, Og * kh * kw], false, false, [N, Og * kh * kw], y);
    return y;
  }
  const direct = { N, C, H, W, G, Og, kh, kw, Ho, Wo };
  // the direct few-output-channel kernel (convt-direct.ts) where the route says so (lavapipe)
  if (routesFor(ctx.adapterClass).convTransposeDirect && convTDirectApplies(direct, ctx)) {
    convTranspose2dDirect(ctx, direct, p, buf(x), buf(w), y);
    return y;
  }
  const geom = { C, H, W, O, Og, Cg, kh, kw, Ho, Wo };
  const consts = specialize(ctx) ? geomList(geom, p) : null;
  for (let ah = 0; ah < sh; ah++) {
    for (let aw = 0; aw < sw; aw++) {
      const nQh = ah < Ho ? Math.ceil((Ho - ah) / sh) : 0, nQw = aw < Wo ? Math.ceil((Wo - aw) / sw) : 0;
      if (nQh === 0 || nQw === 0) continue;
      const th = taps((ah + ph) % sh, kh, sh, p.dilation[0]), tw = taps((aw + pw) % sw, kw, sw, p.dilation[1]);
      const phase = [ah, aw, ...th, ...tw, nQh, nQw];
      runGemm(ctx, convTSpec(consts, phase), {
        M: Og, N: N * nQh * nQw, K: Cg * th[2] * tw[2], batch: G, outSize: sizeOf(out.shape), splits: 1,
        extra: (q) => { geomWords(geom, p)(q); q.u32(...phase); },
      }, [buf(x), buf(w)], y);
    }
  }
  return y;
};
