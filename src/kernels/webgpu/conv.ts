import type { Conv2dParams } from '../../tensor/prims.ts';
import { type GemmSpec, runGemm } from './gemm.ts';
import { type GpuKernel, allocOut, buf, numel } from './kernel.ts';
import { gemmBuffers } from './matmul.ts';
import type { Params } from './engine.ts';

/**
 * The three convolutions as implicit GEMMs over the GEMM template (no im2col buffer), one z per
 * group g. With cols(x)[(c,ki,kj), (n,oh,ow)] = x[n, g·Cg+c, oh·s − p + ki·d, ow·s − p + kj·d]
 * (0 outside the image):
 *   conv2d:           y[n, g·Og+m, oh, ow] = Σ_k W[g·Og+m, k] · cols[k, (n,oh,ow)]
 *   conv2dWeightGrad: dW[g·Og+m, k]        = Σ_(n,oh,ow) gy[n, g·Og+m, oh, ow] · cols[k, (n,oh,ow)]
 *   convTranspose2d:  see convTranspose2dKernel (per stride phase, only the taps that hit).
 * Parameter words from 16: C H W O Og Cg kh kw Ho Wo sh sw ph pw dh dw.
 */
const GEOM = `
fn C_() -> u32 { return mu(16u); } fn H_() -> u32 { return mu(17u); } fn W_() -> u32 { return mu(18u); }
fn O_() -> u32 { return mu(19u); } fn Og_() -> u32 { return mu(20u); } fn Cg_() -> u32 { return mu(21u); }
fn kh_() -> u32 { return mu(22u); } fn kw_() -> u32 { return mu(23u); }
fn Ho_() -> u32 { return mu(24u); } fn Wo_() -> u32 { return mu(25u); }
/** cols[k, col] of group g: the input pixel tap k = (c, ki, kj) of output pixel col = (n, oh, ow) sees. */
fn im2col(g: u32, k: u32, col: u32) -> f32 {
  let HoWo = Ho_() * Wo_(); let khw = kh_() * kw_();
  let nb = col / HoWo; let pix = col % HoWo; let oh = pix / Wo_(); let ow = pix % Wo_();
  let c = k / khw; let r = k % khw; let ki = r / kw_(); let kj = r % kw_();
  let ih = i32(oh * mu(26u) + ki * mu(30u)) - i32(mu(28u));
  let iw = i32(ow * mu(27u) + kj * mu(31u)) - i32(mu(29u));
  if (ih < 0 || ih >= i32(H_()) || iw < 0 || iw >= i32(W_())) { return 0.0; }
  return X[((nb * C_() + g * Cg_() + c) * H_() + u32(ih)) * W_() + u32(iw)];
}`;

interface Geom { C: number; H: number; W: number; O: number; Og: number; Cg: number; kh: number; kw: number; Ho: number; Wo: number }
const geomWords = (g: Geom, p: Conv2dParams) => (q: Params) =>
  q.u32(g.C, g.H, g.W, g.O, g.Og, g.Cg, g.kh, g.kw, g.Ho, g.Wo, ...p.stride, ...p.padding, ...p.dilation);

const CONV2D: GemmSpec = {
  key: 'conv2d', T: 'f32', nInputs: 2, functions: GEOM,
  inputs: `@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Wt: array<f32>;`,
  prologue: 'let g = bz; let HoWo = Ho_() * Wo_();',
  loadA: 'Wt[(g * Og_() + m) * K + k]',
  loadB: 'im2col(g, k, n)',
  storePrologue: 'let g = bz; let HoWo = Ho_() * Wo_();',
  index: '(n / HoWo * O_() + g * Og_() + m) * HoWo + n % HoWo',
  aKFast: true, bKFast: false,
};

export const conv2dKernel: GpuKernel<'conv2d'> = (ctx, [x, w], p, out) => {
  const y = allocOut(ctx, out);
  if (numel(out.shape) === 0) return y;
  const [N, C, H, W] = x.shape, [O, Cg, kh, kw] = w.shape, [, , Ho, Wo] = out.shape;
  const G = p.groups, Og = O / G;
  runGemm(ctx, CONV2D, {
    M: Og, N: N * Ho * Wo, K: Cg * kh * kw, batch: G, outSize: numel(out.shape),
    extra: geomWords({ C, H, W, O, Og, Cg, kh, kw, Ho, Wo }, p),
  }, [buf(x), buf(w)], y);
  return y;
};

const WGRAD: GemmSpec = {
  key: 'conv2dWeightGrad', T: 'f32', nInputs: 2, functions: GEOM,
  inputs: `@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> GY: array<f32>;`,
  prologue: 'let g = bz; let HoWo = Ho_() * Wo_();',
  loadA: 'GY[(k / HoWo * O_() + g * Og_() + m) * HoWo + k % HoWo]',
  loadB: 'im2col(g, n, k)',
  storePrologue: 'let g = bz;',
  index: '(g * Og_() + m) * N + n',
  aKFast: true, bKFast: true,
};

export const conv2dWeightGradKernel: GpuKernel<'conv2dWeightGrad'> = (ctx, [x, gy], p, out) => {
  const y = allocOut(ctx, out);
  if (numel(out.shape) === 0) return y;
  const [N, C, H, W] = x.shape, [, O, Ho, Wo] = gy.shape, [, Cg, kh, kw] = out.shape;
  const G = p.groups, Og = O / G;
  runGemm(ctx, WGRAD, {
    M: Og, N: Cg * kh * kw, K: N * Ho * Wo, batch: G, outSize: numel(out.shape),
    extra: geomWords({ C, H, W, O, Og, Cg, kh, kw, Ho, Wo }, p),
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
 * Extra words: [32] ah [33] aw [34] ki0 [35] stepH [36] cntH [37] kj0 [38] stepW [39] cntW [40] nQh [41] nQw.
 */
const CONVT: GemmSpec = {
  key: 'convTranspose2d', T: 'f32', nInputs: 2, functions: GEOM.slice(0, GEOM.indexOf('/**')) + `
fn tap(k: u32) -> vec3<u32> {   // (c, ki, kj) of reduction index k in this phase
  let cnt = mu(36u) * mu(39u);
  let t = k % cnt;
  return vec3<u32>(k / cnt, mu(34u) + (t / mu(39u)) * mu(35u), mu(37u) + (t % mu(39u)) * mu(38u));
}
fn xval(g: u32, k: u32, col: u32) -> f32 {
  let nq = mu(40u) * mu(41u);
  let nb = col / nq; let q = col % nq; let qh = q / mu(41u); let qw = q % mu(41u);
  let tp = tap(k);
  // exact division: the numerator is a multiple of the stride by choice of the taps
  let ih = (i32(qh * mu(26u) + mu(32u) + mu(28u)) - i32(tp.y * mu(30u))) / i32(mu(26u));
  let iw = (i32(qw * mu(27u) + mu(33u) + mu(29u)) - i32(tp.z * mu(31u))) / i32(mu(27u));
  if (ih < 0 || ih >= i32(H_()) || iw < 0 || iw >= i32(W_())) { return 0.0; }
  return X[((nb * C_() + g * Cg_() + tp.x) * H_() + u32(ih)) * W_() + u32(iw)];
}
fn yindex(g: u32, m: u32, col: u32) -> u32 {
  let nq = mu(40u) * mu(41u);
  let nb = col / nq; let q = col % nq; let qh = q / mu(41u); let qw = q % mu(41u);
  return ((nb * O_() + g * Og_() + m) * Ho_() + mu(32u) + qh * mu(26u)) * Wo_() + mu(33u) + qw * mu(27u);
}`,
  inputs: `@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Wt: array<f32>;`,
  prologue: 'let g = bz;',
  loadA: 'Wt[((g * Cg_() + tap(k).x) * Og_() + m) * kh_() * kw_() + tap(k).y * kw_() + tap(k).z]',
  loadB: 'xval(g, k, n)',
  storePrologue: 'let g = bz;',
  index: 'yindex(g, m, n)',
  aKFast: true, bKFast: false,
};

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
  if (numel(out.shape) === 0) return y;
  const [N, C, H, W] = x.shape, [, Og, kh, kw] = w.shape, [, O, Ho, Wo] = out.shape;
  const G = p.groups, Cg = C / G;
  const [sh, sw] = p.stride, [ph, pw] = p.padding;
  // a 1×1 input with no padding is a plain product: y[n, (o,i,j)] = Σ_c x[n, c] · w[c, (o,i,j)]
  if (H === 1 && W === 1 && ph === 0 && pw === 0 && G === 1 && Ho === (kh - 1) * p.dilation[0] + 1 && Wo === (kw - 1) * p.dilation[1] + 1 && p.dilation[0] === 1 && p.dilation[1] === 1) {
    gemmBuffers(ctx, 'f32', buf(x), [N, C], buf(w), [C, Og * kh * kw], false, false, [N, Og * kh * kw], y);
    return y;
  }
  const geom = geomWords({ C, H, W, O, Og, Cg, kh, kw, Ho, Wo }, p);
  for (let ah = 0; ah < sh; ah++) {
    for (let aw = 0; aw < sw; aw++) {
      const nQh = ah < Ho ? Math.ceil((Ho - ah) / sh) : 0, nQw = aw < Wo ? Math.ceil((Wo - aw) / sw) : 0;
      if (nQh === 0 || nQw === 0) continue;
      const th = taps((ah + ph) % sh, kh, sh, p.dilation[0]), tw = taps((aw + pw) % sw, kw, sw, p.dilation[1]);
      runGemm(ctx, CONVT, {
        M: Og, N: N * nQh * nQw, K: Cg * th[2] * tw[2], batch: G, outSize: numel(out.shape), splits: 1,
        extra: (q) => { geom(q); q.u32(ah, aw, ...th, ...tw, nQh, nQw); },
      }, [buf(x), buf(w)], y);
    }
  }
  return y;
};
