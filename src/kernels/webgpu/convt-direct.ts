import type { Conv2dParams } from '../../base/prims.ts';
import type { GpuContext } from './engine.ts';
import { routesFor } from '../routes.ts';
import type { GBuf } from './memory/pool.ts';

/**
 * convTranspose2d with few output channels per group, as one direct (not GEMM) dispatch:
 *   y[n, g·Og+o, yh, yw] = Σ_{c, ki, kj} x[n, g·Cg+c, ih, iw] · w[g·Cg+c, o, ki, kj],
 *   yh = ih·sh − ph + ki·dh (same in w).
 * Write yh = qh·sh + a (stride phase a). Phase a sees exactly the taps ki with
 * ki·dh ≡ a + ph (mod sh), each at input row ih = qh + δ(ki), δ = (a + ph − ki·dh)/sh (exact);
 * every tap belongs to exactly one phase. One invocation owns a PH×PW patch of q positions of
 * one image and group, i.e. all sh·sw phases of a (PH·sh)×(PW·sw) output block and all Og output
 * channels, so every tap offset (row q + δ, column q' + δ') is a WGSL constant and each loaded
 * input value feeds every tap and output channel that reads it: for k4 s2 p1 a 2×2 q patch is an
 * 4×4 input neighbourhood (16 loads) for 64·Og multiply-adds per input channel, against one load
 * per multiply-add in the per-phase GEMMs (M = Og = 1 there). The input-channel loop is innermost;
 * its weights are indexed by the channel and the workgroup's group only (uniform across lanes).
 *
 * Why: on lavapipe (llvmpipe) every per-lane storage load is a scalar gather, so loads per
 * multiply-add set the speed; the GEMM's register block cannot help when M = Og = 1 (DCGAN's last
 * generator layer, the discriminator's first-layer input gradient). Used where the
 * `convTransposeDirect` route is on (routes.ts: lavapipe) for Og ≤ 4; other adapters keep the
 * per-phase GEMMs (not measured there). A 1×1 patch is slower than the GEMMs; larger patches keep
 * getting faster but take longer to compile, so the body is capped at MAX_UNROLL; vec4 weight
 * loads gained nothing and were dropped. Measurements: docs/benchmarks.md, "Kernel routes".
 *
 * Geometry is baked into the WGSL (one pipeline per layer shape): on llvmpipe run-time integer
 * division is scalar work, and the tap table must be known when generating the code anyway.
 */
export interface ConvTDirectGeom {
  N: number; C: number; H: number; W: number; G: number; Og: number; kh: number; kw: number; Ho: number; Wo: number;
}

/** The taps of each stride phase a ∈ [0, s): tap index k and input offset δ = (a + p − k·d)/s. */
export function phaseTaps(s: number, p: number, d: number, k: number): { k: number; delta: number }[][] {
  const out: { k: number; delta: number }[][] = Array.from({ length: s }, () => []);
  for (let ki = 0; ki < k; ki++) {
    const a = (((ki * d - p) % s) + s) % s;
    out[a].push({ k: ki, delta: (a + p - ki * d) / s });
  }
  return out;
}

/** Multiply-adds per input channel one invocation may unroll (keeps pipelines small to compile). */
const MAX_UNROLL = 256;
const WG = 64;

/**
 * The default q patch (rows, cols) per invocation (the `directPatch` route may name another):
 * the largest of 4×4, 2×4, 2×2, 1×2, 1×1 whose unrolled body
 * stays ≤ MAX_UNROLL multiply-adds per input channel, not wider than the q grid. Loads per
 * multiply-add for k4 s2 p1, Og 1: 1×1 9/16, 2×2 16/64, 2×4 24/128, 4×4 36/256.
 */
export function convTDirectPatch(g: ConvTDirectGeom, stride: [number, number]): [number, number] {
  const per = g.Og * g.kh * g.kw;
  const Qh = Math.ceil(g.Ho / stride[0]), Qw = Math.ceil(g.Wo / stride[1]);
  const fit = ([ph, pw]: [number, number]): [number, number] => [Math.max(1, Math.min(ph, Qh)), Math.max(1, Math.min(pw, Qw))];
  for (const p of [[4, 4], [2, 4], [2, 2], [1, 2]] as [number, number][]) {
    const [ph, pw] = fit(p);
    if (ph * pw * per <= MAX_UNROLL) return [ph, pw];
  }
  return [1, 1];
}

/** Whether convTranspose2d goes to this kernel: few output channels per group (see above). */
export function convTDirectApplies(g: ConvTDirectGeom, ctx: GpuContext): boolean {
  return g.Og >= 1 && g.Og <= 4 && g.G <= ctx.limits.maxWorkgroups && g.Og * g.kh * g.kw <= MAX_UNROLL;
}

const nm = (v: number) => (v < 0 ? `m${-v}` : `${v}`);

function source(g: ConvTDirectGeom, p: Conv2dParams, [PH, PW]: readonly [number, number]): string {
  const { N, C, H, W, G, Og, kh, kw, Ho, Wo } = g;
  const [sh, sw] = p.stride, [ph, pw] = p.padding, [dh, dw] = p.dilation;
  const Cg = C / G;
  const tH = phaseTaps(sh, ph, dh, kh), tW = phaseTaps(sw, pw, dw, kw);
  const Qh = Math.ceil(Ho / sh), Qw = Math.ceil(Wo / sw);
  const BH = Math.ceil(Qh / PH), BW = Math.ceil(Qw / PW);
  // input rows / columns (relative to the patch origin) that some tap of the patch reads
  const rel = (P: number, taps: { delta: number }[][]) => [...new Set(taps.flat().flatMap((t) => Array.from({ length: P }, (_, r) => r + t.delta)))].sort((a, b) => a - b);
  const rows = rel(PH, tH), cols = rel(PW, tW);
  const L: string[] = [];
  // per-lane offsets of the neighbourhood (clamped to 0 outside the image) and their masks
  for (const ro of rows) L.push(`  let ih${nm(ro)} = i32(qh0) + (${ro}); let rok${nm(ro)} = ih${nm(ro)} >= 0 && ih${nm(ro)} < ${H};`);
  for (const co of cols) L.push(`  let iw${nm(co)} = i32(qw0) + (${co}); let cok${nm(co)} = iw${nm(co)} >= 0 && iw${nm(co)} < ${W};`);
  for (const ro of rows) {
    for (const co of cols) {
      const s = `${nm(ro)}_${nm(co)}`;
      L.push(`  let ok${s} = rok${nm(ro)} && cok${nm(co)}; let o${s} = u32(select(0, ih${nm(ro)} * ${W} + iw${nm(co)}, ok${s}));`);
    }
  }
  // accumulators: output channel o, patch (r, c), phase (a, b)
  const accs: { name: string; o: number; r: number; c: number; a: number; b: number }[] = [];
  for (let o = 0; o < Og; o++) for (let r = 0; r < PH; r++) for (let c = 0; c < PW; c++) for (let a = 0; a < sh; a++) for (let b = 0; b < sw; b++) {
    accs.push({ name: `acc${o}_${r}_${c}_${a}_${b}`, o, r, c, a, b });
  }
  L.push(`  ${accs.map((x) => `var ${x.name} = 0.0;`).join(' ')}`);
  // the channel loop: loads of the neighbourhood, then the weights and multiply-adds per tap
  const body: string[] = [];
  body.push(`    let xc = xb + ci * ${H * W}u; let wc = (g * ${Cg}u + ci) * ${Og * kh * kw}u;`);
  for (const ro of rows) for (const co of cols) {
    const s = `${nm(ro)}_${nm(co)}`;
    body.push(`    let x${s} = select(0.0, X[xc + o${s}], ok${s});`);
  }
  for (let o = 0; o < Og; o++) {
    for (let a = 0; a < sh; a++) for (const th of tH[a]) for (let b = 0; b < sw; b++) for (const tw of tW[b]) {
      body.push(`    { let wv = Wt[wc + ${(o * kh + th.k) * kw + tw.k}u];`);
      for (let r = 0; r < PH; r++) for (let c = 0; c < PW; c++) {
        body.push(`      acc${o}_${r}_${c}_${a}_${b} += wv * x${nm(r + th.delta)}_${nm(c + tw.delta)};`);
      }
      body.push('    }');
    }
  }
  const stores = accs.map((x) => {
    const yh = `qh0 * ${sh}u + ${x.r * sh + x.a}u`, yw = `qw0 * ${sw}u + ${x.c * sw + x.b}u`;
    return `  if (${yh} < ${Ho}u && ${yw} < ${Wo}u) { Y[yb + ${x.o * Ho * Wo}u + (${yh}) * ${Wo}u + ${yw}] = ${x.name}; }`;
  });
  return `@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Wt: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let idx = (wid.y * nwg.x + wid.x) * ${WG}u + li;
  if (idx >= ${N * BH * BW}u) { return; }
  let g = wid.z;
  let bw = idx % ${BW}u; let t = idx / ${BW}u; let bh = t % ${BH}u; let n = t / ${BH}u;
  let qh0 = bh * ${PH}u; let qw0 = bw * ${PW}u;
  let xb = (n * ${C}u + g * ${Cg}u) * ${H * W}u;
  let yb = (n * ${G * Og}u + g * ${Og}u) * ${Ho * Wo}u;
${L.join('\n')}
  for (var ci = 0u; ci < ${Cg}u; ci++) {
${body.join('\n')}
  }
${stores.join('\n')}
}`;
}

/** Record the dispatch; y (allocated by the caller) is fully written. */
export function convTranspose2dDirect(ctx: GpuContext, g: ConvTDirectGeom, p: Conv2dParams, x: GBuf, w: GBuf, y: GBuf): void {
  const route = routesFor(ctx.adapterClass).directPatch;
  const patch = route === 'auto' ? convTDirectPatch(g, p.stride) : route;
  const { N, Ho, Wo, G } = g;
  const BH = Math.ceil(Math.ceil(Ho / p.stride[0]) / patch[0]), BW = Math.ceil(Math.ceil(Wo / p.stride[1]) / patch[1]);
  const lanes = N * BH * BW;
  if (lanes === 0 || G === 0) return;
  const key = `convT-direct[${Object.values(g)};${p.stride};${p.padding};${p.dilation};${patch}]`;
  const [gx, gy] = ctx.grid1d(Math.ceil(lanes / WG));
  ctx.dispatch(key, () => source(g, p, patch), [x, w, y], null, [gx, gy, G]);
}
