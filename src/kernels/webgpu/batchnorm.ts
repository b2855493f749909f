import { sizeOf } from '../../base/dtype.ts';
import { ENTRY_ARGS, type GpuContext, LINEAR_INDEX, Params, metaDecl } from './engine.ts';
import { type GpuKernel, allocOut, buf } from './kernel.ts';
import type { GBuf } from './memory/pool.ts';

/**
 * Batch normalisation over channel axis 1 (rules of src/kernels/ref/batchnorm.ts). x [N,C,*] is
 * viewed as [N,C,S]; channel c owns R = N·S values, value j of it at ((j / S)·C + c)·S + j % S.
 * stats [2,C] = (mean, biased variance), r = 1/√(var + eps), x̂ = (x − mean)·r.
 *
 * Per-channel reductions (stats, gradStats): T threads per (channel, chunk of ≤ CHUNK values);
 * each thread folds its values into an accumulator, the T threads merge them by a shared-memory
 * tree, and with one chunk per channel the first writes the channel's result. With more
 * chunks the partial accumulators [C, chunks] are merged by a second, one-thread-per-channel pass.
 * The statistics accumulate (count, mean, M2) and merge them as Chan et al. do — no Σx² − (Σx)²/n
 * cancellation in f32. Elementwise passes (normalize, input gradient): one thread per 4 or 1 elements.
 */
const WG = 256;
const CHUNK = WG * 16;
const PER_THREAD = 8;

/** A per-channel reduction: its inputs, accumulator width, fold, merge and result. */
interface ChannelReduce {
  key: string;
  /** read-only bindings 0..k−1; the output is binding k */
  inputs: string[];
  /** the inputs that `setup` and `finish` read (the bindings of the merge pass) */
  finishInputs: string[];
  width: 2 | 3;
  /** statements run once per channel before the fold (channel `c`) */
  setup: string;
  /** fold the value at offset `i` into `acc` */
  fold: string;
  /** WGSL body of fn merge(a, b) -> A */
  merge: string;
  /** write channel c's results from the merged accumulator `t` into y[c] and y[C + c] */
  finish: string;
}

// meta: [0] C, [1] S, [2] R, [3] chunk, [4] chunks, [5] eps, [6] T (threads per channel chunk)
const STATS: ChannelReduce = {
  key: 'bn:stats',
  inputs: ['x'],
  finishInputs: [],
  width: 3,
  setup: '',
  // Welford: acc = (count, mean, M2)
  fold: 'let v = x[i]; acc.x += 1.0; let d = v - acc.y; acc.y += d / acc.x; acc.z += d * (v - acc.y);',
  merge: `if (b.x == 0.0) { return a; }
  if (a.x == 0.0) { return b; }
  let n = a.x + b.x; let d = b.y - a.y; let fb = b.x / n;
  return A(n, a.y + d * fb, a.z + b.z + d * d * a.x * fb);`,
  finish: 'y[c] = t.y; y[C + c] = t.z / t.x;',
};

// acc = (Σ gy, Σ gy·(x − mean)); the second becomes Σ gy·x̂ = r·Σ gy·(x − mean) at the end
const GRAD_STATS: ChannelReduce = {
  key: 'bn:gradStats',
  inputs: ['gy', 'x', 'st'],
  finishInputs: ['st'],
  width: 2,
  setup: 'let m = st[c];',
  fold: 'let gv = gy[i]; acc += A(gv, gv * (x[i] - m));',
  merge: 'return a + b;',
  finish: 'y[c] = t.x; y[C + c] = t.y / sqrt(st[C + c] + mf(5u));',
};

/** read-only bindings `names` (0..k−1), then y (k), then the parameter block (k + 1) */
function header(spec: ChannelReduce, names: string[]): string {
  const bindings = names.map((n, i) => `@group(0) @binding(${i}) var<storage, read> ${n}: array<f32>;`).join('\n');
  return `${metaDecl(names.length + 1)}
${bindings}
@group(0) @binding(${names.length}) var<storage, read_write> y: array<f32>;
alias A = vec${spec.width}<f32>;
const WG = ${WG}u;
fn merge(a: A, b: A) -> A {
  ${spec.merge}
}`;
}

/**
 * Pass 1: a segment of T threads (T a power of two ≤ WG; WG/T segments per workgroup) folds chunk
 * k of channel c, segment index g = c·chunks + k, and merges by a tree within the segment; writes
 * y (chunks = 1) or the partial accumulators. Small channels take small segments (T = 1: one
 * thread per channel), so no workgroup idles on a few values.
 */
function chunkSource(spec: ChannelReduce): string {
  return `${header(spec, spec.inputs)}
var<workgroup> part: array<A, WG>;
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  let C = mu(0u); let S = mu(1u); let R = mu(2u); let chunk = mu(3u); let chunks = mu(4u); let T = mu(6u);
  let ti = lid_i % T;
  let g = (wid.y * nwg.x + wid.x) * (WG / T) + lid_i / T;
  let c = g / chunks;
  let k = g % chunks;
  var acc = A(0.0);
  if (c < C) {
    ${spec.setup}
    let end = min(R, (k + 1u) * chunk);
    // value j = (n, s) = (j / S, j % S), advanced by T = q·S + rem without dividing again
    let q = T / S; let rem = T % S;
    let j0 = k * chunk + ti;
    var n = j0 / S; var s = j0 % S;
    for (var j = j0; j < end; j += T) {
      let i = (n * C + c) * S + s;
      ${spec.fold}
      n += q; s += rem;
      if (s >= S) { s -= S; n += 1u; }
    }
  }
  part[lid_i] = acc;
  for (var h = T / 2u; h > 0u; h = h / 2u) {
    workgroupBarrier();
    if (ti < h) { part[lid_i] = merge(part[lid_i], part[lid_i + h]); }
  }
  if (ti == 0u && c < C) {
    let t = part[lid_i];
    if (chunks == 1u) {
      ${spec.finish}
    } else {
      for (var e = 0u; e < ${spec.width}u; e++) { y[${spec.width}u * g + e] = t[e]; }
    }
  }
}`;
}

/** Pass 2 (chunks > 1): one thread per channel merges its partials in order. */
function mergeSource(spec: ChannelReduce): string {
  return `${header(spec, [...spec.finishInputs, 'partial'])}
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  ${LINEAR_INDEX}
  let C = mu(0u); let chunks = mu(4u);
  let c = gi;
  if (c >= C) { return; }
  ${spec.setup}
  var t = A(0.0);
  for (var k = 0u; k < chunks; k++) {
    var p = A(0.0);
    for (var e = 0u; e < ${spec.width}u; e++) { p[e] = partial[${spec.width}u * (c * chunks + k) + e]; }
    t = merge(t, p);
  }
  ${spec.finish}
}`;
}

function channelReduce(ctx: GpuContext, spec: ChannelReduce, ins: GBuf[], shape: readonly number[], eps: number, out: GBuf): GBuf {
  const [N, C] = shape;
  const S = sizeOf(shape.slice(2));
  const R = N * S;
  if (C === 0 || R === 0) return out;
  const chunks = Math.max(1, Math.ceil(R / CHUNK));
  const chunk = Math.ceil(R / chunks);
  // threads per (channel, chunk): about PER_THREAD values each, a power of two ≤ WG
  const T = Math.min(WG, 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(chunk / PER_THREAD)))));
  const p = new Params().u32(C, S, R, chunk, chunks).f(eps).u32(T);
  const grid = ctx.grid1d(Math.ceil((C * chunks * T) / WG));
  if (chunks === 1) {
    ctx.dispatch(`${spec.key}:chunk`, () => chunkSource(spec), [...ins, out], p, grid);
    return out;
  }
  const partial = ctx.pool.alloc(C * chunks * spec.width * 4, 'batch-norm partials');
  ctx.dispatch(`${spec.key}:chunk`, () => chunkSource(spec), [...ins, partial], p, grid);
  const finishIns = spec.finishInputs.map((n) => ins[spec.inputs.indexOf(n)]);
  ctx.dispatch(`${spec.key}:merge`, () => mergeSource(spec), [...finishIns, partial, out], p, ctx.grid1d(Math.ceil(C / WG)));
  ctx.pool.release(partial);
  return out;
}

export const batchNormStatsKernel: GpuKernel<'batchNormStats'> = (ctx, [x], _, out) =>
  channelReduce(ctx, STATS, [buf(x)], x.shape, 0, allocOut(ctx, out));

export const batchNormGradStatsKernel: GpuKernel<'batchNormGradStats'> = (ctx, [gy, x, st], { eps }, out) =>
  channelReduce(ctx, GRAD_STATS, [buf(gy), buf(x), buf(st)], x.shape, eps, allocOut(ctx, out));

/** The x-shaped bindings of the elementwise passes; the others are per-channel ([C] or [2,C]). */
const PER_ELEMENT = new Set(['x', 'gy']);

/**
 * One thread per V elements of x (V = 4 when S % 4 = 0: one channel per vec4, its per-channel
 * values loaded once), channel c = (i·V / S) % C. `names` are the read-only bindings; `body`
 * writes y[gi] with expressions valid for f32 and vec4<f32> alike.
 */
function elementwise(ctx: GpuContext, key: string, names: string[], ins: GBuf[], body: string, shape: readonly number[], extra: number[]): GBuf {
  const total = sizeOf(shape);
  const y = ctx.pool.alloc(total * 4);
  if (total === 0) return y;
  const S = sizeOf(shape.slice(2));
  const V = S % 4 === 0 ? 4 : 1;
  const E = V === 4 ? 'vec4<f32>' : 'f32';
  const src = () => `${metaDecl(names.length + 1)}
${names.map((n, i) => `@group(0) @binding(${i}) var<storage, read> ${n}: array<${PER_ELEMENT.has(n) ? E : 'f32'}>;`).join('\n')}
@group(0) @binding(${names.length}) var<storage, read_write> y: array<${E}>;
const WG = ${WG}u;
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  ${LINEAR_INDEX}
  if (gi >= mu(0u)) { return; }
  let C = mu(1u);
  let c = (gi / mu(2u)) % C;
  let r = 1.0 / sqrt(st[C + c] + mf(3u));
  ${body}
}`;
  const p = new Params().u32(total / V, shape[1], S / V).f(...extra);
  ctx.dispatch(`${key}:v${V}`, src, [...ins, y], p, ctx.grid1d(Math.ceil(total / V / WG)));
  return y;
}

// meta: [0] numel / V, [1] C, [2] S / V, [3] eps, [4] n (float)

/** y = (x − mean)·(r·w) + b */
export const batchNormKernel: GpuKernel<'batchNorm'> = (ctx, [x, st, w, b], { eps }) => {
  const names = ['x', 'st', ...(w ? ['w'] : []), ...(b ? ['b'] : [])];
  const ins = [x, st, w, b].filter((t) => t).map(buf);
  const body = `y[gi] = (x[gi] - st[c]) * (r${w ? ' * w[c]' : ''})${b ? ' + b[c]' : ''};`;
  return elementwise(ctx, `bn:normalize:${names.join(',')}`, names, ins, body, x.shape, [eps]);
};

/** dx = a·(gy − k0 − (x − mean)·k1),  a = w·r, k0 = Σgy/n, k1 = r·Σgy·x̂/n */
export const batchNormInputGradKernel: GpuKernel<'batchNormInputGrad'> = (ctx, [gy, x, st, gs, w], { eps }) => {
  const names = ['gy', 'x', 'st', 'gs', ...(w ? ['w'] : [])];
  const ins = [gy, x, st, gs, w].filter((t) => t).map(buf);
  const body = `let n = mf(4u);
  let k0 = gs[c] / n;
  let k1 = r * gs[C + c] / n;
  y[gi] = r${w ? ' * w[c]' : ''} * (gy[gi] - k0 - (x[gi] - st[c]) * k1);`;
  const n = x.shape[1] === 0 ? 1 : sizeOf(x.shape) / x.shape[1];
  return elementwise(ctx, `bn:inputGrad:${names.join(',')}`, names, ins, body, x.shape, [eps, n]);
};
