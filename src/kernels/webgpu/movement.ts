import type { Shape } from '../../base/dtype.ts';
import { stridesOf, sizeOf, broadcastStrides } from '../../base/dtype.ts';
import type { TensorInfo } from '../backend.ts';
import { ENTRY_ARGS, type GpuContext, LINEAR_INDEX, Params, metaDecl } from './engine.ts';
import { type GpuKernel, allocOut, buf, wgslType } from './kernel.ts';
import type { GBuf } from './memory/pool.ts';
import { mergeDims } from './dims.ts';

/**
 * Movement primitives by index math; every output is contiguous. permute / expand / slice / flip /
 * reshape are one strided gather:  out[i] = x[base + Σ_d coord_d(i) · stride_d]  (strides may be
 * 0 for broadcast or negative for flip).
 */
const WG = 256;

function header(T: string, nIn: number): string {
  const ins = Array.from({ length: nIn }, (_, i) => `@group(0) @binding(${i}) var<storage, read> in${i}: array<${i === 1 ? 'i32' : T}>;`).join('\n');
  return `${metaDecl(nIn + 1)}
${ins}
@group(0) @binding(${nIn}) var<storage, read_write> out: array<${T}>;
const WG = ${WG}u;`;
}

// meta: [0] n, [1] rank, [2] base (i32), [4..] shape, strides (i32)
function stridedSource(T: string): string {
  return `${header(T, 1)}
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  ${LINEAR_INDEX}
  if (gi >= mu(0u)) { return; }
  let R = mu(1u);
  var rem = gi;
  var off = mi(2u);
  for (var d = i32(R) - 1; d >= 0; d--) {
    let du = u32(d);
    let s = mu(4u + du);
    off += i32(rem % s) * mi(4u + R + du);
    rem = rem / s;
  }
  out[gi] = in0[off];
}`;
}


export function stridedCopy(ctx: GpuContext, x: TensorInfo, outShape: Shape, strides: number[], base: number): GBuf {
  const y = allocOut(ctx, { shape: outShape, dtype: x.dtype });
  const n = sizeOf(outShape);
  if (n === 0) return y;
  const T = wgslType(x.dtype);
  const v = mergeDims(outShape, strides);
  const p = new Params().u32(n, v.shape.length).int(base).at(4).u32(...v.shape).int(...v.strides);
  ctx.dispatch(`strided:${T}`, () => stridedSource(T), [buf(x), y], p, ctx.grid1d(Math.ceil(n / WG)));
  return y;
}

export const reshapeKernel: GpuKernel<'reshape'> = (ctx, [x], _, out) =>
  stridedCopy(ctx, x, out.shape, stridesOf(out.shape), 0);

export const permuteKernel: GpuKernel<'permute'> = (ctx, [x], { perm }, out) => {
  const st = stridesOf(x.shape);
  return stridedCopy(ctx, x, out.shape, perm.map((p) => st[p]), 0);
};

export const expandKernel: GpuKernel<'expand'> = (ctx, [x], _, out) => {
  return stridedCopy(ctx, x, out.shape, broadcastStrides(x.shape, out.shape), 0);
};

export const sliceKernel: GpuKernel<'slice'> = (ctx, [x], { starts, steps }, out) => {
  const st = stridesOf(x.shape);
  return stridedCopy(ctx, x, out.shape, steps.map((s, i) => s * st[i]), starts.reduce((a, s, i) => a + s * st[i], 0));
};

export const flipKernel: GpuKernel<'flip'> = (ctx, [x], { axes }, out) => {
  const st = stridesOf(x.shape);
  const base = axes.reduce((a, d) => a + (x.shape[d] - 1) * st[d], 0);
  return stridedCopy(ctx, x, out.shape, st.map((s, i) => (axes.includes(i) ? -s : s)), base);
};

/** pad: out[c] = x[c - before] inside, `value` outside. meta: [0] n, [1] rank, [2] value bits, [4..] out shape, in shape, before. */
export const padKernel: GpuKernel<'pad'> = (ctx, [x], { pads, value }, out) => {
  const y = allocOut(ctx, out);
  const n = sizeOf(out.shape);
  if (n === 0) return y;
  const T = wgslType(x.dtype);
  const R = out.shape.length;
  const p = new Params().u32(n, R);
  if (T === 'f32') p.f(value); else p.int(value);
  p.at(4).u32(...out.shape, ...x.shape, ...pads.map((q) => q[0]));
  const src = () => `${header(T, 1)}
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  ${LINEAR_INDEX}
  if (gi >= mu(0u)) { return; }
  let R = mu(1u);
  var rem = gi;
  var off = 0u;
  var stride = 1u;
  var inside = true;
  for (var d = i32(R) - 1; d >= 0; d--) {
    let du = u32(d);
    let s = mu(4u + du);
    let c = i32(rem % s) - i32(mu(4u + 2u * R + du));
    rem = rem / s;
    let len = mu(4u + R + du);
    if (c < 0 || c >= i32(len)) { inside = false; }
    off += u32(max(c, 0)) * stride;
    stride *= len;
  }
  out[gi] = select(bitcast<${T}>(mu(2u)), in0[select(0u, off, inside)], inside);
}`;
  ctx.dispatch(`pad:${T}`, src, [buf(x), y], p, ctx.grid1d(Math.ceil(n / WG)));
  return y;
};

/**
 * concat: input k, viewed as [outer, w_k] (w_k = its length along the axis · inner), goes to
 * columns [e_k − w_k, e_k) of out viewed as [outer, total·inner]. One dispatch copies up to
 * eight inputs (each bound as its own buffer; fewer where the storage-buffer limit is lower): an
 * invocation per output element of the group's columns picks its input by comparing its column
 * with the group's running ends. A `stack` of a training step's six loss statistics is one
 * dispatch, not six.
 */
export const concatKernel: GpuKernel<'concat'> = (ctx, xs, { axis }, out) => {
  const y = allocOut(ctx, out);
  const T = wgslType(out.dtype);
  const inner = sizeOf(out.shape.slice(axis + 1)), outer = sizeOf(out.shape.slice(0, axis)), total = out.shape[axis] * inner;
  const parts = xs.map((x) => ({ x, w: x.shape[axis] * inner })).filter((q) => q.w > 0 && outer > 0);
  // inputs per dispatch: the storage buffers a shader may bind, less the output, at most 8
  const per = Math.max(1, Math.min(ctx.limits.maxStorageBuffers, 9) - 1);
  let c0 = 0;
  for (let i = 0; i < parts.length; i += per) {
    const group = parts.slice(i, i + per);
    const width = group.reduce((a, q) => a + q.w, 0);
    const n = outer * width;
    // words: n, group width, out row length, first column, then per input its width and its running end
    const p = new Params().u32(n, width, total, c0);
    let end = 0;
    for (const q of group) p.u32(q.w, (end += q.w));
    const k = group.length;
    const src = () => `${metaDecl(k + 1)}
${group.map((_, j) => `@group(0) @binding(${j}) var<storage, read> in${j}: array<${T}>;`).join('\n')}
@group(0) @binding(${k}) var<storage, read_write> out: array<${T}>;
const WG = ${WG}u;
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  ${LINEAR_INDEX}
  if (gi >= mu(0u)) { return; }
  let row = gi / mu(1u); let col = gi % mu(1u);
  var v: ${T};
  ${group.map((_, j) => `${j ? 'else ' : ''}${j < k - 1 ? `if (col < mu(${5 + 2 * j}u)) ` : ''}{ v = in${j}[row * mu(${4 + 2 * j}u) + col - ${j ? `mu(${3 + 2 * j}u)` : '0u'}]; }`).join('\n  ')}
  out[row * mu(2u) + mu(3u) + col] = v;
}`;
    ctx.dispatch(`concat${k}:${T}`, src, [...group.map((q) => buf(q.x)), y], p, ctx.grid1d(Math.ceil(n / WG)));
    c0 += width;
  }
  return y;
};

/**
 * gather: out[o, j, i] = x[o, idx[j], i] (o < outer, j < |idx|, i < inner). An index out of
 * range yields 0 (the CPU throws; a kernel cannot).
 */
export const gatherKernel: GpuKernel<'gather'> = (ctx, [x, idx], { axis }, out) => {
  const y = allocOut(ctx, out);
  const n = sizeOf(out.shape);
  if (n === 0) return y;
  const T = wgslType(x.dtype);
  const p = new Params().u32(n, sizeOf(idx.shape), x.shape[axis], sizeOf(x.shape.slice(axis + 1)));
  const src = () => `${header(T, 2)}
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  ${LINEAR_INDEX}
  if (gi >= mu(0u)) { return; }
  let J = mu(1u); let N = mu(2u); let inner = mu(3u);
  let i = gi % inner;
  let t = gi / inner;
  let j = t % J;
  let o = t / J;
  let k = in1[j];
  out[gi] = select(${T}(0), in0[(o * N + u32(max(k, 0))) * inner + i], k >= 0 && u32(k) < N);
}`;
  ctx.dispatch(`gather:${T}`, src, [buf(x), buf(idx), y], p, ctx.grid1d(Math.ceil(n / WG)));
  return y;
};

/**
 * scatterAdd (the adjoint of gather): out[o, k, i] = Σ_{j : idx[j] = k} g[o, j, i]. One thread per
 * output element loops over the index in order, so the sum is deterministic (no atomics).
 */
export const scatterAddKernel: GpuKernel<'scatterAdd'> = (ctx, [g, idx], { axis, size }, out) => {
  const y = allocOut(ctx, out);
  const n = sizeOf(out.shape);
  if (n === 0) return y;
  const T = wgslType(g.dtype);
  const p = new Params().u32(n, sizeOf(idx.shape), size, sizeOf(out.shape.slice(axis + 1)));
  const src = () => `${header(T, 2)}
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  ${LINEAR_INDEX}
  if (gi >= mu(0u)) { return; }
  let J = mu(1u); let N = mu(2u); let inner = mu(3u);
  let i = gi % inner;
  let t = gi / inner;
  let k = i32(t % N);
  let o = t / N;
  var acc = ${T}(0);
  for (var j = 0u; j < J; j++) {
    if (in1[j] == k) { acc += in0[(o * J + j) * inner + i]; }
  }
  out[gi] = acc;
}`;
  ctx.dispatch(`scatterAdd:${T}`, src, [buf(g), buf(idx), y], p, ctx.grid1d(Math.ceil(n / WG)));
  return y;
};
