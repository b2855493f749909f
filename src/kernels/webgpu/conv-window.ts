import type { GpuContext } from './engine.ts';
import type { GBuf } from './memory/pool.ts';

/**
 * Convolutions whose window is the whole (unpadded) input, so each image maps to a 1×1 output
 * (DCGAN's last discriminator layer, 128→1 k7 on 7×7). With Kg = Cg·H·W and k = (c, i, j)
 * contiguous in x, w and dW:
 *   conv2d:           y[n, g·Og+o]  = Σ_k w[g·Og+o, k] · x[n, g·Kg + k]
 *   conv2dWeightGrad: dW[g·Og+o, k] = Σ_n gy[n, g·Og+o] · x[n, g·Kg + k]
 * (the input gradient is the 1×1-input convTranspose2d, a plain GEMM in conv.ts).
 *
 * Why: both are 0.8 MFLOP over a 1.6 MB input, and on lavapipe (Mesa 22.3 llvmpipe) their time
 * is the loads: a storage-buffer load whose offset is not a compile-time constant is a scalar
 * loop over the SIMD lanes with a bounds test per lane and component, whatever the kernel's
 * shape (GEMM, lane-split K, barrier-free lane per sample, one invocation per workgroup, vec4
 * loads all took about as long). A texel fetch is a vector gather without that loop, several
 * times faster for the same loops. So each call copies its operands into cached textures (flat layout,
 * TW texels per row, any size) and runs one dispatch over them, both recorded into the engine's
 * shared encoder (GpuContext.encode). The textures are a per-device cache (1.6 MB for D3), not
 * counted by memory(), which reports tensor buffers. Used where the `convWindow` route is on
 * (routes.ts: lavapipe) and Og ≤ MAX_OG. Measurements: docs/benchmarks.md, "Kernel routes".
 */
export interface WindowGeom { N: number; G: number; Og: number; Kg: number }

/** Output channels per group these kernels unroll (one accumulator each). */
export const MAX_OG = 4;
/** texels per texture row: bytesPerRow 64 KiB (rgba32float) / 16 KiB (r32float), both 256-aligned */
const TW = 4096;

/** Whether a flat operand of `floats` floats fits a TW-wide texture of the device. */
export function windowFits(ctx: GpuContext, g: WindowGeom): boolean {
  const V = vecOf(g.Kg), max = ctx.device.limits.maxTextureDimension2D;
  return [g.N * g.G * g.Kg / V, g.G * g.Og * g.Kg / V, g.N * g.G * g.Og].every((t) => Math.ceil(t / TW) <= max);
}

const vecOf = (Kg: number) => (Kg % 4 === 0 ? 4 : 1);
const fmt = (V: number): GPUTextureFormat => (V === 4 ? 'rgba32float' : 'r32float');
/** WGSL: the texel at flat index i of a TW-wide texture (as vec4 or its .x) */
const fetchFn = (V: number) => `fn at(t: texture_2d<f32>, i: u32) -> ${V === 4 ? 'vec4<f32>' : 'f32'} {
  return textureLoad(t, vec2<u32>(i % ${TW}u, i / ${TW}u), 0)${V === 4 ? '' : '.x'};
}`;

/** textures per device and role/format/rows, reused by every call (commands run in recording order) */
const textures = new WeakMap<GPUDevice, Map<string, GPUTexture>>();
/** Record the copy of the first `texels` texels of `b` into a TW-wide texture; returns its view. */
function stage(ctx: GpuContext, enc: GPUCommandEncoder, role: string, b: GBuf, texels: number, V: number): GPUTextureView {
  const rows = Math.max(1, Math.ceil(texels / TW));
  let m = textures.get(ctx.device);
  if (!m) textures.set(ctx.device, (m = new Map()));
  const key = `${role}:${V}:${rows}`;
  let tex = m.get(key);
  if (!tex) {
    tex = ctx.device.createTexture({ size: [TW, rows, 1], format: fmt(V), usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST, label: `conv-window ${key}` });
    m.set(key, tex);
  }
  const bpr = TW * V * 4, full = Math.floor(texels / TW), rest = texels % TW;
  if (full > 0) enc.copyBufferToTexture({ buffer: b.buffer, offset: 0, bytesPerRow: bpr, rowsPerImage: full }, { texture: tex }, [TW, full, 1]);
  if (rest > 0) enc.copyBufferToTexture({ buffer: b.buffer, offset: full * bpr, bytesPerRow: bpr }, { texture: tex, origin: [0, full, 0] }, [rest, 1, 1]);
  return tex.createView();
}

/**
 * Copies + one dispatch, recorded into the engine's shared encoder (ctx.encode): in order with the
 * dispatches around them, so a cached texture is only overwritten after the dispatch that read it.
 */
function run(ctx: GpuContext, key: string, src: () => string, stageFn: (enc: GPUCommandEncoder, a: GBuf, b: GBuf) => GPUTextureView[], ins: [GBuf, GBuf], out: GBuf, groups: [number, number, number]): void {
  const pipeline = ctx.pipeline(key, src);
  ctx.encode(key, [...ins, out], (enc, [a, b, out], beginPass) => {
    const views = stageFn(enc, a, b);
    const entries: GPUBindGroupEntry[] = views.map((v, i) => ({ binding: i, resource: v }));
    entries.push({ binding: views.length, resource: { buffer: out.buffer, offset: 0, size: Math.min(out.cls, Math.max(16, Math.ceil(out.bytes / 16) * 16)) } });
    const pass = beginPass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, ctx.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }));
    pass.dispatchWorkgroups(...groups);
    pass.end();
  });
}

/**
 * Forward: one lane per sample (LW lanes = one llvmpipe SIMD vector per workgroup), wid.z = group;
 * each lane walks the Kg/V texels of its sample's x row and the Og w rows (the same texel for
 * every lane). Lanes past N compute a clamped sample and do not store.
 */
const LW = 8;
function forwardSource(g: WindowGeom): string {
  const { N, G, Og, Kg } = g;
  const V = vecOf(Kg), Kv = Kg / V, T = V === 4 ? 'vec4<f32>' : 'f32';
  const O = [...Array(Og).keys()];
  const sum = (a: string) => (V === 4 ? `dot(${a}, vec4<f32>(1.0))` : a);
  return `@group(0) @binding(0) var X: texture_2d<f32>;
@group(0) @binding(1) var Wt: texture_2d<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
${fetchFn(V)}
@compute @workgroup_size(${LW})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let g = wid.z; let n = wid.x * ${LW}u + li;
  let xb = (min(n, ${N - 1}u) * ${G}u + g) * ${Kv}u;
  let wb = g * ${Og * Kv}u;
  ${O.map((o) => `var acc${o} = ${T}();`).join(' ')}
  for (var kv = 0u; kv < ${Kv}u; kv++) {
    let xv = at(X, xb + kv);
    ${O.map((o) => `acc${o} += xv * at(Wt, wb + ${o * Kv}u + kv);`).join(' ')}
  }
  if (n < ${N}u) { ${O.map((o) => `Y[n * ${G * Og}u + g * ${Og}u + ${o}u] = ${sum(`acc${o}`)};`).join(' ')} }
}`;
}

/** y [N, G·Og] (as [N, O, 1, 1]) = the window-covers-input conv2d of x [N, G·Kg] and w [G·Og, Kg]. */
export function conv2dWindowInput(ctx: GpuContext, g: WindowGeom, x: GBuf, w: GBuf, y: GBuf): void {
  const V = vecOf(g.Kg), Kv = g.Kg / V;
  run(ctx, `conv2d-window[${g.N},${g.G},${g.Og},${g.Kg}]`, () => forwardSource(g),
    (enc, x, w) => [stage(ctx, enc, 'x', x, g.N * g.G * Kv, V), stage(ctx, enc, 'w', w, g.G * g.Og * Kv, V)], [x, w], y, [Math.ceil(g.N / LW), 1, g.G]);
}

/**
 * Weight gradient: one lane per texel k of the group's row (wid.z = group), a loop over the N
 * samples: one x fetch (neighbouring lanes, neighbouring texels) and Og gy fetches (the same for
 * every lane) per sample. No reduction across lanes.
 */
const WG = 64;
function wgradSource(g: WindowGeom): string {
  const { N, G, Og, Kg } = g;
  const V = vecOf(Kg), Kv = Kg / V, T = V === 4 ? 'vec4<f32>' : 'f32';
  const O = [...Array(Og).keys()];
  return `@group(0) @binding(0) var X: texture_2d<f32>;
@group(0) @binding(1) var GY: texture_2d<f32>;
@group(0) @binding(2) var<storage, read_write> DW: array<${T}>;
${fetchFn(V)}
fn at1(t: texture_2d<f32>, i: u32) -> f32 { return textureLoad(t, vec2<u32>(i % ${TW}u, i / ${TW}u), 0).x; }
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let idx = (wid.y * nwg.x + wid.x) * ${WG}u + li;
  let g = wid.z; let k = min(idx, ${Kv - 1}u);
  ${O.map((o) => `var acc${o} = ${T}();`).join(' ')}
  for (var n = 0u; n < ${N}u; n++) {
    let xv = at(X, (n * ${G}u + g) * ${Kv}u + k);
    ${O.map((o) => `acc${o} += at1(GY, n * ${G * Og}u + g * ${Og}u + ${o}u) * xv;`).join(' ')}
  }
  if (idx < ${Kv}u) { ${O.map((o) => `DW[(g * ${Og}u + ${o}u) * ${Kv}u + idx] = acc${o};`).join(' ')} }
}`;
}

/** dW [G·Og, Kg] of the window-covers-input conv2d, from x [N, G·Kg] and gy [N, G·Og]. */
export function conv2dWeightGradWindowInput(ctx: GpuContext, g: WindowGeom, x: GBuf, gy: GBuf, dw: GBuf): void {
  const V = vecOf(g.Kg), Kv = g.Kg / V;
  const [gx, gyy] = ctx.grid1d(Math.ceil(Kv / WG));
  run(ctx, `conv2dWeightGrad-window[${g.N},${g.G},${g.Og},${g.Kg}]`, () => wgradSource(g),
    (enc, x, gy) => [stage(ctx, enc, 'x', x, g.N * g.G * Kv, V), stage(ctx, enc, 'gy', gy, g.N * g.G * g.Og, 1)], [x, gy], dw, [gx, gyy, g.G]);
}
