import type { DType, Shape } from '../../base/dtype.ts';
import type { TensorInfo } from '../backend.ts';
import { stridesOf, sizeOf } from '../../base/dtype.ts';
import { ENTRY_ARGS, type GpuContext, LINEAR_INDEX, Params, metaDecl } from './engine.ts';
import { type GpuKernel, allocOut, buf, wgslType } from './kernel.ts';
import type { GBuf } from './memory/pool.ts';
import { mergeDims } from './dims.ts';
import { type Prologue, isPrologue } from './elementwise.ts';

/**
 * sum / max over any set of axes. The input is viewed as kept dims × reduced dims, each list with
 * its own strides (adjacent dims that are contiguous are merged first). Two strategies:
 *   per-thread:    one thread per output loops over the R reduced elements (coalesced when the
 *                  innermost input dim is kept: neighbouring threads read neighbouring elements);
 *   per-workgroup: 256 threads stride over a chunk of ≤ CHUNK reduced elements of one output and
 *                  combine by a shared-memory tree; with more than one chunk per output the
 *                  partials [nOut, chunks] are reduced again by the same kernel (two passes).
 * max propagates NaN like the CPU (v > acc || isnan(v)).
 * The input is a buffer or a pending elementwise expression (fuse.ts `Prologue`): then the first
 * pass evaluates it where it would load (`load_x(i)`), and the chain the reduction ends never
 * goes through memory.
 */
type Op = 'sum' | 'max';
const WG = 256;
const CHUNK = WG * 16;

interface Dims { shape: number[]; strides: number[] }


function init(op: Op, T: string): string {
  if (op === 'sum') return `${T}(0)`;
  return T === 'f32' ? 'neginf_f()' : 'i32(-2147483647 - 1)';
}
function combine(op: Op, T: string, acc: string, v: string): string {
  if (op === 'sum') return `${acc} + ${v}`;
  return T === 'f32' ? `select(${acc}, ${v}, ${v} > ${acc} || isnan_f(${v}))` : `max(${acc}, ${v})`;
}

/** WGSL computing the offset of index `idx` over dims stored at meta[shapeAt..], strides after. */
function offsetCode(name: string, idx: string, rankExpr: string, at: string): string {
  return `var ${name} = 0u;
  { var rem = ${idx};
    for (var d = i32(${rankExpr}) - 1; d >= 0; d--) {
      let du = u32(d);
      let s = mu(${at} + du);
      ${name} += (rem % s) * mu(${at} + ${rankExpr} + du);
      rem = rem / s;
    } }`;
}

// meta: [0] nOut, [1] R, [2] nk, [3] nr, [4] chunk size, [5] chunks, [8..] kept shape, kept strides, red shape, red strides;
// a prologue's words from PROLOGUE_AT
const HEAD = 8;
export const PROLOGUE_AT = 32;

/** The input's declarations and how element i is read: a buffer `x`, or a prologue's `load_x`. */
function input(T: string, pro: Prologue | null): { decls: string; n: number; at: (i: string) => string } {
  if (pro) return { decls: pro.wgsl, n: pro.buffers.length, at: (i) => `load_x(${i})` };
  return { decls: `@group(0) @binding(0) var<storage, read> x: array<${T}>;`, n: 1, at: (i) => `x[${i}]` };
}
const KEPT = `${HEAD}u`;
const RED = `${HEAD}u + 2u * mu(2u)`;

function perThreadSource(op: Op, T: string, pro: Prologue | null): string {
  const x = input(T, pro);
  return `${metaDecl(x.n + 1)}
${x.decls}
@group(0) @binding(${x.n}) var<storage, read_write> y: array<${T}>;
const WG = ${WG}u;
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  ${LINEAR_INDEX}
  if (gi >= mu(0u)) { return; }
  ${offsetCode('base', 'gi', 'mu(2u)', KEPT)}
  var acc = ${init(op, T)};
  let R = mu(1u);
  if (mu(3u) == 1u) {
    let st = mu(${RED} + 1u);
    for (var r = 0u; r < R; r++) { let v = ${x.at('base + r * st')}; acc = ${combine(op, T, 'acc', 'v')}; }
  } else {
    for (var r = 0u; r < R; r++) {
      ${offsetCode('o', 'r', 'mu(3u)', RED)}
      let v = ${x.at('base + o')};
      acc = ${combine(op, T, 'acc', 'v')};
    }
  }
  y[gi] = acc;
}`;
}

function perGroupSource(op: Op, T: string, pro: Prologue | null): string {
  const x = input(T, pro);
  return `${metaDecl(x.n + 1)}
${x.decls}
@group(0) @binding(${x.n}) var<storage, read_write> y: array<${T}>;
var<workgroup> part: array<${T}, ${WG}>;
const WG = ${WG}u;
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  let g = wid.y * nwg.x + wid.x;          // (output, chunk) pair
  let chunks = mu(5u);
  let o = g / chunks;
  let c = g % chunks;
  var acc = ${init(op, T)};
  if (o < mu(0u)) {
    ${offsetCode('base', 'o', 'mu(2u)', KEPT)}
    let R = mu(1u);
    let start = c * mu(4u);
    let end = min(R, start + mu(4u));
    if (mu(3u) == 1u) {
      let st = mu(${RED} + 1u);
      for (var r = start + lid_i; r < end; r += WG) { let v = ${x.at('base + r * st')}; acc = ${combine(op, T, 'acc', 'v')}; }
    } else {
      for (var r = start + lid_i; r < end; r += WG) {
        ${offsetCode('off', 'r', 'mu(3u)', RED)}
        let v = ${x.at('base + off')};
        acc = ${combine(op, T, 'acc', 'v')};
      }
    }
  }
  part[lid_i] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid_i < s) { let a = part[lid_i]; let v = part[lid_i + s]; part[lid_i] = ${combine(op, T, 'a', 'v')}; }
    workgroupBarrier();
  }
  if (lid_i == 0u && o < mu(0u)) { y[g] = part[0]; }
}`;
}

/** Reduce the [kept × reduced] view of x; returns a buffer of sizeOf(kept) results in kept order. */
export function reduceView(ctx: GpuContext, op: Op, dtype: DType, src: GBuf | Prologue, kept: Dims, red: Dims, into?: GBuf): GBuf {
  const T = wgslType(dtype);
  const nOut = sizeOf(kept.shape), R = sizeOf(red.shape);
  if (nOut === 0) return into ?? ctx.pool.alloc(16);
  const innerReduced = red.strides.includes(1) && !kept.strides.includes(1);
  const pro = isPrologue(src) ? src : null;
  const ins = pro ? pro.buffers : [src as GBuf];
  const tag = pro ? `:${pro.key}` : '';
  const params = (chunk: number, chunks: number) => {
    const p = new Params().u32(nOut, R, kept.shape.length, red.shape.length, chunk, chunks).at(HEAD)
      .u32(...kept.shape, ...kept.strides, ...red.shape, ...red.strides);
    if (p.n > PROLOGUE_AT && pro) throw new Error('webgan internal: a reduction with a prologue has too many dims');
    pro?.fill(p);
    return p;
  };
  if (R <= 16 || (!innerReduced && nOut >= 512)) {
    const y = into ?? ctx.pool.alloc(nOut * 4);
    ctx.dispatch(`reduce:thread:${op}:${T}${tag}`, () => perThreadSource(op, T, pro), [...ins, y], params(0, 1), ctx.grid1d(Math.ceil(nOut / WG)));
    return y;
  }
  const chunks = Math.max(1, Math.ceil(R / CHUNK));
  const chunk = Math.ceil(R / chunks);
  if (chunks === 1) {
    const y = into ?? ctx.pool.alloc(nOut * 4);
    ctx.dispatch(`reduce:group:${op}:${T}${tag}`, () => perGroupSource(op, T, pro), [...ins, y], params(chunk, 1), ctx.grid1d(nOut));
    return y;
  }
  const partial = ctx.pool.alloc(nOut * chunks * 4, 'reduction partial');
  ctx.dispatch(`reduce:group:${op}:${T}${tag}`, () => perGroupSource(op, T, pro), [...ins, partial], params(chunk, chunks), ctx.grid1d(nOut * chunks));
  const out = reduceView(ctx, op, dtype, partial, { shape: [nOut], strides: [chunks] }, { shape: [chunks], strides: [1] }, into);
  ctx.pool.release(partial);
  return out;
}

export function reduceAxes(ctx: GpuContext, op: Op, x: GBuf | Prologue, shape: Shape, dtype: DType, axes: number[]): GBuf {
  const st = stridesOf(shape);
  const kept = mergeDims(shape.filter((_, i) => !axes.includes(i)), st.filter((_, i) => !axes.includes(i)));
  const red = mergeDims(shape.filter((_, i) => axes.includes(i)), st.filter((_, i) => axes.includes(i)));
  return reduceView(ctx, op, dtype, x, kept, red);
}

export const sumKernel: GpuKernel<'sum'> = (ctx, [x], { axes }, out) => {
  const n = sizeOf(out.shape);
  if (n === 0) return allocOut(ctx, out);
  // an empty reduction is 0 everywhere: every output reads a zero-length view
  if (sizeOf(x.shape) === 0) return reduceView(ctx, 'sum', out.dtype, buf(x), { shape: [n], strides: [0] }, { shape: [0], strides: [1] });
  return reduceAxes(ctx, 'sum', source(x), x.shape, x.dtype, axes);
};

export const maxKernel: GpuKernel<'max'> = (ctx, [x], { axes }, out) => {
  if (sizeOf(out.shape) === 0) return allocOut(ctx, out);
  return reduceAxes(ctx, 'max', source(x), x.shape, x.dtype, axes);
};

/** the input buffer, or the expression the backend handed over in its place (fuse.ts) */
const source = (x: TensorInfo): GBuf | Prologue => (isPrologue(x.storage) ? x.storage : buf(x));

/** argmax along one axis: one thread per output scans the axis; first maximum wins, NaN beats numbers. */
export const argmaxKernel: GpuKernel<'argmax'> = (ctx, [x], { axis }, out) => {
  const y = allocOut(ctx, out);
  const n = sizeOf(out.shape);
  if (n === 0) return y;
  const T = wgslType(x.dtype);
  const inner = sizeOf(x.shape.slice(axis + 1)), len = x.shape[axis];
  const p = new Params().u32(n, len, inner);
  const src = () => `${metaDecl(2)}
@group(0) @binding(0) var<storage, read> x: array<${T}>;
@group(0) @binding(1) var<storage, read_write> y: array<i32>;
const WG = ${WG}u;
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  ${LINEAR_INDEX}
  if (gi >= mu(0u)) { return; }
  let len = mu(1u); let inner = mu(2u);
  let base = (gi / inner) * len * inner + gi % inner;
  var best = 0u; var bv = x[base];
  for (var i = 1u; i < len; i++) {
    let v = x[base + i * inner];
    ${T === 'f32' ? 'if (v > bv || (isnan_f(v) && !isnan_f(bv))) { bv = v; best = i; }' : 'if (v > bv) { bv = v; best = i; }'}
  }
  y[gi] = i32(best);
}`;
  ctx.dispatch(`argmax:${T}`, src, [buf(x), y], p, ctx.grid1d(Math.ceil(n / WG)));
  return y;
};
