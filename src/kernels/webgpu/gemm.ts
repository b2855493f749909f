import type { Activation } from '../../base/prims.ts';
import { type Block, routesFor } from '../routes.ts';
import { ENTRY_ARGS, type GpuContext, LINEAR_INDEX, Params, metaDecl } from './engine.ts';
import type { GBuf } from './memory/pool.ts';
import { reduceView } from './reduce.ts';

/**
 * One tiled GEMM template behind matmul and the three convolutions:
 *   C[z][m, n] = Σ_k A[z](m, k) · B[z](k, n)
 * where the spec supplies how A(m,k) and B(k,n) are read (strided matrices, or an implicit im2col
 * view of an image) and where C(m,n) is stored. A workgroup computes a TM×TN tile; each thread a
 * 4×4 register block (acc0..acc3, a vec4 over 4 columns each; never indexed dynamically, which
 * would push them out of registers). K is walked in TK-slices staged through workgroup memory;
 * the inner loop builds one vec4 of A and one of B and does 16 FMAs. Out-of-range elements
 * load as 0, so any M, N, K works (K = 0 stores zeros).
 *
 * A second, barrier-free template (`directSource`) runs where the `gemm` route says so (routes.ts:
 * lavapipe). Its variant `directKSource` splits K across the lanes of a workgroup for GEMMs with
 * few outputs and a long K (GEMV-like convolutions and weight gradients).
 *
 * Split-K: with few output tiles and a long K, z also enumerates `splits` K-ranges; each writes
 * its partial C to its own slice of a scratch buffer, and a sum over the split axis follows.
 *
 * Epilogue: `runGemm(..., epi)` stores act(C + bias[channel]) (the fused matmul/conv2d + bias +
 * activation primitives); after a split-K sum it runs as a separate in-place pass instead.
 */
export interface GemmSpec {
  /** unique name of the loaders (part of the pipeline key) */
  key: string;
  /** element type (f32, or i32 for integer matmul) */
  T: 'f32' | 'i32';
  /** module-scope WGSL (helper functions reading the parameter block) */
  functions?: string;
  /** WGSL declarations of the input bindings 0..nInputs-1 (the output is bound after them) */
  inputs: string;
  nInputs: number;
  /** WGSL run once per invocation with `bz` (batch index); may define `let`s used below */
  prologue: string;
  /** expression for A(m, k) (m < M, k < K guaranteed) */
  loadA: string;
  /** expression for B(k, n) */
  loadB: string;
  /** lets needed by `index` inside the store helper (which sees m, n, M, N, bz) */
  storePrologue?: string;
  /** expression for the flat output index of C(m, n) */
  index: string;
  /** whether neighbouring k are contiguous in memory (then threads walk k fastest when loading) */
  aKFast: boolean;
  bKFast: boolean;
  /** value stored for C(m, n) = `v` (default `v`; sees m, n, M, N, bz and storePrologue's lets) */
  storeValue?: string;
  /** cheap loaders: the direct template may use its largest register block (32×16) */
  largeBlock?: boolean;
  /**
   * Optional hoisted loaders for the direct templates: index math that depends only on k runs
   * once per k step (`kSetup`, shared by the block's rows and columns), math that depends only on
   * the column runs once before the k loop (`colSetup`, lets suffixed by the column number j),
   * so the per-element load is a few adds and a bounds test.
   */
  direct?: {
    kSetup: string;
    colSetup: (j: number, n: string) => string;
    /** A(m, k) (sees m, k and the kSetup lets); default loadA */
    loadA?: string;
    /** B(k, column j) */
    loadB: (j: number) => string;
  };
}

export interface GemmShape {
  M: number; N: number; K: number;
  /** number of independent products (z) */
  batch: number;
  /** total output elements (for split-K scratch) */
  outSize: number;
  /** spec parameters, placed from word 16 of the parameter block */
  extra: (p: Params) => void;
  /** override the split-K choice */
  splits?: number;
}

interface Tile { wgx: number; wgy: number }
const TK = 16;
const BIG: Tile = { wgx: 16, wgy: 16 }; // 64×64 tile, 256 threads
const THIN: Tile = { wgx: 16, wgy: 4 }; // 16×64 tile for small M, 64 threads
const TINY: Tile = { wgx: 16, wgy: 1 }; // 4×64 tile for M ≤ 4 (e.g. one output channel), 16 threads

function source(spec: GemmSpec, tile: Tile): string {
  const TM = 4 * tile.wgy, TN = 4 * tile.wgx, NT = tile.wgx * tile.wgy;
  const aIdx = spec.aKFast ? ['e / TK', 'e % TK'] : ['e % TM', 'e / TM'];
  const bIdx = spec.bKFast ? ['e / TK', 'e % TK'] : ['e % TN', 'e / TN'];
  return `${metaDecl(spec.nInputs + 1)}
${spec.inputs}
@group(0) @binding(${spec.nInputs}) var<storage, read_write> out: array<T>;
alias T = ${spec.T};
${spec.functions ?? ''}
fn storeRow(partial: u32, m: u32, nBase: u32, M: u32, N: u32, bz: u32, r: vec4<T>) {
  if (m >= M) { return; }
  ${spec.storePrologue ?? ''}
  for (var j = 0u; j < 4u; j++) {
    let n = nBase + j;
    if (n < N) { let v = r[j]; out[partial + ${spec.index}] = ${spec.storeValue ?? 'v'}; }
  }
}
const TM = ${TM}u; const TN = ${TN}u; const TK = ${TK}u; const NT = ${NT}u;
var<workgroup> As: array<T, ${TK * TM}>;
var<workgroup> Bs: array<T, ${TK * TN}>;
@compute @workgroup_size(${tile.wgx}, ${tile.wgy})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = mu(0u); let N = mu(1u); let K = mu(2u);
  let splits = mu(3u); let kChunk = mu(4u);
  let z = wid.z + mu(5u);
  let split = z % splits;
  let bz = z / splits;
  ${spec.prologue}
  let m0 = wid.y * TM; let n0 = wid.x * TN;
  let tx = lid.x; let ty = lid.y; let t = ty * ${tile.wgx}u + tx;
  var acc0 = vec4<T>(); var acc1 = vec4<T>(); var acc2 = vec4<T>(); var acc3 = vec4<T>();
  let kBeg = split * kChunk;
  let kEnd = min(K, kBeg + kChunk);
  for (var k0 = kBeg; k0 < kEnd; k0 += TK) {
    for (var r = 0u; r < TM * TK / NT; r++) {
      let e = t + r * NT;
      let mm = ${aIdx[0]}; let kk = ${aIdx[1]};
      let m = m0 + mm; let k = k0 + kk;
      var v = T(0);
      if (m < M && k < kEnd) { v = ${spec.loadA}; }
      As[kk * TM + mm] = v;
    }
    for (var r = 0u; r < TN * TK / NT; r++) {
      let e = t + r * NT;
      let nn = ${bIdx[0]}; let kk = ${bIdx[1]};
      let n = n0 + nn; let k = k0 + kk;
      var v = T(0);
      if (n < N && k < kEnd) { v = ${spec.loadB}; }
      Bs[kk * TN + nn] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let ai = kk * TM + 4u * ty; let bi = kk * TN + 4u * tx;
      let a = vec4<T>(As[ai], As[ai + 1u], As[ai + 2u], As[ai + 3u]);
      let b = vec4<T>(Bs[bi], Bs[bi + 1u], Bs[bi + 2u], Bs[bi + 3u]);
      acc0 += vec4<T>(a.x) * b;
      acc1 += vec4<T>(a.y) * b;
      acc2 += vec4<T>(a.z) * b;
      acc3 += vec4<T>(a.w) * b;
    }
    workgroupBarrier();
  }
  let partial = split * mu(7u);
  // unrolled: indexing the accumulators dynamically would force them out of registers
  storeRow(partial, m0 + 4u * ty, n0 + 4u * tx, M, N, bz, acc0);
  storeRow(partial, m0 + 4u * ty + 1u, n0 + 4u * tx, M, N, bz, acc1);
  storeRow(partial, m0 + 4u * ty + 2u, n0 + 4u * tx, M, N, bz, acc2);
  storeRow(partial, m0 + 4u * ty + 3u, n0 + 4u * tx, M, N, bz, acc3);
}`;
}

/**
 * The barrier-free ("direct") template, for Mesa's lavapipe (llvmpipe), where a workgroupBarrier
 * is a coroutine switch over every invocation of the workgroup, workgroup memory buys nothing
 * over the CPU caches, and every per-lane operand load is a gather. Each invocation computes an
 * RM×RN block of C (rows m0..m0+RM−1, columns n0 + j·DWGX), so neighbouring lanes of a workgroup
 * (DWGX along N) read neighbouring B and write neighbouring C; A(m, k) is the same for all lanes.
 * Operands are read straight from the storage buffers through the spec's loaders, so the same
 * specs serve matmul and the implicit-GEMM convolutions. Rows / columns past the edge are
 * clamped to M−1 / N−1 (valid reads, discarded at the store), so the k loop has no bounds checks.
 * Unrolling k by 4 did not change the speed but multiplied pipeline compile time; not done.
 */
const DWGX = 64;
/** WGSL of one k step of an RM×RN register block: RN loads of B, RM loads of A, RM·RN FMAs. */
function blockStep(spec: GemmSpec, RM: number, RN: number) {
  // accumulators acc{i}_{g}: row i, column group g of W = min(RN, 4) columns
  const W = Math.min(RN, 4), NG = RN / W;
  const R = [...Array(RM).keys()], C = [...Array(RN).keys()], G = [...Array(NG).keys()];
  const V = W === 1 ? 'T' : `vec${W}<T>`;
  const comp = (j: number) => (W === 1 ? '' : `.${'xyzw'[j % W]}`);
  const d = spec.direct;
  const la = (m: string) => `{ let m = ${m}; v = ${d?.loadA ?? spec.loadA}; }`;
  const lb = (j: number) => (d ? `v = ${d.loadB(j)};` : `{ let n = nb${j}; v = ${spec.loadB}; }`);
  const step = (k: string) => `{
      let k = ${k}; ${d?.kSetup ?? ''}
      var v: T; ${G.map((g) => `var b${g}: ${V};`).join(' ')}
      ${C.map((j) => `${lb(j)} b${Math.floor(j / W)}${comp(j)} = v;`).join(' ')}
      ${R.map((i) => `${la(`ma${i}`)} ${G.map((g) => `acc${i}_${g} += ${V}(v) * b${g};`).join(' ')}`).join('\n      ')}
    }`;
  const colSetup = d ? C.map((j) => d.colSetup(j, `nb${j}`)).join('\n  ') : '';
  const decl = R.flatMap((i) => G.map((g) => `var acc${i}_${g} = ${V}();`)).join(' ');
  /** acc of row i, column j */
  const acc = (i: number, j: number) => `acc${i}_${Math.floor(j / W)}${comp(j)}`;
  return { R, C, step, decl, acc, colSetup };
}

function directHeader(spec: GemmSpec): string {
  return `${metaDecl(spec.nInputs + 1)}
${spec.inputs}
@group(0) @binding(${spec.nInputs}) var<storage, read_write> out: array<T>;
alias T = ${spec.T};
${spec.functions ?? ''}
fn store1(partial: u32, m: u32, n: u32, M: u32, N: u32, bz: u32, r: T) {
  if (m >= M || n >= N) { return; }
  ${spec.storePrologue ?? ''}
  let v = r;
  out[partial + ${spec.index}] = ${spec.storeValue ?? 'v'};
}`;
}
const DIRECT_MAIN_HEAD = `
  let M = mu(0u); let N = mu(1u); let K = mu(2u);
  let splits = mu(3u); let kChunk = mu(4u);
  let z = wid.z + mu(5u);
  let split = z % splits;
  let bz = z / splits;`;

function directSource(spec: GemmSpec, RM: number, RN: number): string {
  const { R, C, step, decl, acc, colSetup } = blockStep(spec, RM, RN);
  return `${directHeader(spec)}
@compute @workgroup_size(${DWGX})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {${DIRECT_MAIN_HEAD}
  ${spec.prologue}
  let m0 = wid.y * ${RM}u; let n0 = wid.x * ${RN * DWGX}u + lid.x;
  if (n0 >= N) { return; }
  ${R.map((i) => `let ma${i} = min(m0 + ${i}u, M - 1u);`).join(' ')}
  ${C.map((j) => `let nb${j} = min(n0 + ${j * DWGX}u, N - 1u);`).join(' ')}
  ${colSetup}
  ${decl}
  let kBeg = split * kChunk;
  let kEnd = min(K, kBeg + kChunk);
  for (var kk = kBeg; kk < kEnd; kk++) {
    ${step('kk')}
  }
  let partial = split * mu(7u);
  ${R.flatMap((i) => C.map((j) => `store1(partial, m0 + ${i}u, n0 + ${j * DWGX}u, M, N, bz, ${acc(i, j)});`)).join('\n  ')}
}`;
}

/** lanes per workgroup: RM·RN·KL floats of workgroup memory, kept ≤ 16 KiB (the default limit) */
const klFor = (RM: number, RN: number) => Math.max(1, Math.min(32, 4096 / (RM * RN)));
/**
 * Split-K across the lanes of a workgroup, for GEMMs with few outputs and a long K (a conv whose
 * window covers its input, a weight gradient over batch × pixels, GEMV): a workgroup owns one
 * RM×RN block of C (contiguous columns); lane l sums k ≡ l (mod KL) of the workgroup's K range
 * into its own register block (neighbouring lanes read neighbouring k, contiguous when the
 * operands are k-fast), then the KL partial blocks are summed through workgroup memory (one
 * barrier per workgroup). Split-K over z (scratch + sum) adds workgroups when blocks are few.
 * Larger blocks with fewer lanes were faster on lavapipe (docs/benchmarks.md, "Kernel routes").
 */
function directKSource(spec: GemmSpec, RM: number, RN: number): string {
  const KL = klFor(RM, RN);
  const { R, C, step, decl, acc, colSetup } = blockStep(spec, RM, RN);
  return `${directHeader(spec)}
var<workgroup> red: array<T, ${RM * RN * KL}>;
@compute @workgroup_size(${KL})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {${DIRECT_MAIN_HEAD}
  ${spec.prologue}
  let m0 = wid.y * ${RM}u; let n0 = wid.x * ${RN}u;
  ${R.map((i) => `let ma${i} = min(m0 + ${i}u, M - 1u);`).join(' ')}
  ${C.map((j) => `let nb${j} = min(n0 + ${j}u, N - 1u);`).join(' ')}
  ${colSetup}
  ${decl}
  let kBeg = split * kChunk;
  let kEnd = min(K, kBeg + kChunk);
  for (var kk = kBeg + lid.x; kk < kEnd; kk += ${KL}u) {
    ${step('kk')}
  }
  ${R.flatMap((i) => C.map((j) => `red[${(i * RN + j) * KL}u + lid.x] = ${acc(i, j)};`)).join(' ')}
  workgroupBarrier();
  let partial = split * mu(7u);
  for (var o = lid.x; o < ${RM * RN}u; o += ${KL}u) {
    var s = T(0);
    for (var l = 0u; l < ${KL}u; l++) { s += red[o * ${KL}u + l]; }
    store1(partial, m0 + o / ${RN}u, n0 + o % ${RN}u, M, N, bz, s);
  }
}`;
}

/**
 * Rows × columns of C per invocation of the direct template (unless the route names one). Every
 * operand load is a per-lane gather on llvmpipe, so the block is as large as registers allow.
 * Rows beyond M would be wasted work (clamped loads), so small M gets fewer rows.
 */
function directBlockFor(M: number, N: number, large: boolean, forced: Block | 'auto'): readonly [number, number] {
  if (forced !== 'auto') return forced;
  // plain operands (no im2col loaders, so the pipeline compiles fast): the largest block that
  // still fills the columns
  if (large && M >= 32 && N >= 4 * DWGX) return [32, N >= 16 * DWGX ? 16 : N >= 8 * DWGX ? 8 : 4];
  // likewise columns: a workgroup spans DWGX·RN columns, the clamped ones past N would redo loads
  return [M <= 1 ? 1 : M <= 2 ? 2 : M <= 4 ? 4 : M <= 8 ? 8 : 16, N <= DWGX ? 1 : N <= 2 * DWGX ? 2 : N <= 4 * DWGX ? 4 : 8];
}

/**
 * A bias + activation applied where the GEMM stores C(m, n): act(v + bias[channel]). `channel`
 * is WGSL over the store's m, n, bz (and storePrologue); `inner` / `channels` describe the same
 * map on the flat output, channel = (i / inner) mod channels, for the separate pass that follows
 * a split-K sum.
 */
export interface GemmEpilogue { act: Activation; slope: number; bias: GBuf | null; channel: string; inner: number; channels: number }

/** WGSL of act(v) for f32 v, matching the unfused elementwise kernels. */
function actWGSL(act: Activation, slope: number, v = 'v'): string {
  const s = `bitcast<f32>(${new Uint32Array(new Float32Array([slope]).buffer)[0]}u)`;
  switch (act) {
    case 'none': return v;
    case 'relu': return `select(0.0, ${v}, ${v} > 0.0)`;
    case 'leakyRelu': return `select(${v} * ${s}, ${v}, ${v} > 0.0)`;
    case 'tanh': return `select(tanh(clamp(${v}, -15.0, 15.0)), ${v}, isnan_f(${v}))`;
    case 'sigmoid': return `select(exp(${v}) / (1.0 + exp(${v})), 1.0 / (1.0 + exp(-${v})), ${v} >= 0.0)`;
  }
}
const actKey = (e: GemmEpilogue) => `${e.act}${e.act === 'leakyRelu' ? e.slope : ''}${e.bias ? '+b' : ''}`;

/** The spec with the epilogue in its store (bias bound after the spec's inputs). */
function withEpilogue(spec: GemmSpec, e: GemmEpilogue): GemmSpec {
  const z = e.bias ? `(v + Bias[${e.channel}])` : 'v';
  return {
    ...spec,
    key: `${spec.key}|${actKey(e)}`,
    nInputs: spec.nInputs + (e.bias ? 1 : 0),
    inputs: e.bias ? `${spec.inputs}\n@group(0) @binding(${spec.nInputs}) var<storage, read> Bias: array<f32>;` : spec.inputs,
    storeValue: actWGSL(e.act, e.slope, `${z}`),
  };
}

/** In place: y[i] = act(y[i] + bias[(i / inner) mod C]) (after a split-K sum). */
function epiloguePass(ctx: GpuContext, y: GBuf, size: number, e: GemmEpilogue): void {
  const WG = 64;
  const hasBias = e.bias !== null;
  const key = `gemm-epilogue:${actKey(e)}`;
  const src = () => `${metaDecl(hasBias ? 2 : 1)}
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
${hasBias ? '@group(0) @binding(1) var<storage, read> Bias: array<f32>;' : ''}
const WG = ${WG}u;
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  ${LINEAR_INDEX}
  if (gi >= mu(0u)) { return; }
  let v = ${hasBias ? 'out[gi] + Bias[gi / mu(1u) % mu(2u)]' : 'out[gi]'};
  out[gi] = ${actWGSL(e.act, e.slope)};
}`;
  ctx.dispatch(key, src, hasBias ? [y, e.bias!] : [y], new Params().u32(size, Math.max(e.inner, 1), Math.max(e.channels, 1)), ctx.grid1d(Math.ceil(size / WG)));
}

/** Few outputs and a long K: the lanes of a workgroup split K (directKSource) instead of N. */
function useSplitKLanes(M: number, N: number, K: number, batch: number): boolean {
  return K >= 512 && (N < DWGX || M * N * batch <= 16384);
}
const pow2AtMost = (n: number, cap: number) => { let p = 1; while (p * 2 <= Math.min(n, cap)) p *= 2; return p; };

/**
 * Record the GEMM; `inputs` are bound in order, the result lands in `out` (allocated by the
 * caller). `epi`: a bias + activation applied to C (in the store, or after the split-K sum).
 */
export function runGemm(ctx: GpuContext, spec: GemmSpec, shape: GemmShape, inputs: GBuf[], out: GBuf, epi?: GemmEpilogue): void {
  const { M, N, K, batch, outSize } = shape;
  if (M === 0 || N === 0 || batch === 0) return;
  const route = routesFor(ctx.adapterClass), kind = route.gemm;
  let make: (s: GemmSpec) => [key: string, src: () => string], TM: number, TN: number, splits = shape.splits ?? 1;
  if (kind === 'direct' && shape.splits === undefined && useSplitKLanes(M, N, K, batch)) {
    // cheap loaders: up to 32×8 (16 lanes), else 16×8 (32 lanes); see klFor
    const rn = N >= 8 ? 8 : N >= 4 ? 4 : N >= 2 ? 2 : 1;
    const rm = route.directBlock !== 'auto' ? route.directBlock[0] : pow2AtMost(M, spec.largeBlock ? 32 : 16);
    [TM, TN] = [rm, rn];
    make = (s) => [`gemm:${s.key}:${s.T}:directK${rm}x${rn}`, () => directKSource(s, rm, rn)];
    // enough workgroups for every core, each lane still summing ≥ 16 k
    const blocks = Math.ceil(M / TM) * Math.ceil(N / TN) * batch;
    splits = Math.max(1, Math.min(Math.ceil(32 / blocks), Math.floor(K / (klFor(rm, rn) * 16))));
  } else {
    const [rm, rn] = directBlockFor(M, N, spec.largeBlock === true, route.directBlock);
    const tile = kind === 'direct' ? { wgx: DWGX * rn / 4, wgy: 1 } : M <= 4 ? TINY : M <= 16 ? THIN : BIG;
    TM = kind === 'direct' ? rm : 4 * tile.wgy; TN = 4 * tile.wgx;
    const tiles = Math.ceil(M / TM) * Math.ceil(N / TN) * batch;
    if (shape.splits === undefined && tiles < 32 && K >= 512) splits = Math.min(Math.ceil(K / 256), Math.ceil(64 / tiles));
    make = kind === 'direct'
      ? (s) => [`gemm:${s.key}:${s.T}:direct${rm}x${rn}`, () => directSource(s, rm, rn)]
      : (s) => [`gemm:${s.key}:${s.T}:${tile.wgx}x${tile.wgy}`, () => source(s, tile)];
  }
  const kChunk = Math.max(TK, Math.ceil(K / splits / TK) * TK);
  splits = Math.max(1, Math.ceil(K / kChunk));
  // the epilogue goes into the GEMM's store, unless split-K partials must be summed first
  const fused = epi !== undefined && splits === 1;
  const [key, src] = make(fused ? withEpilogue(spec, epi) : spec);
  const bound = fused && epi.bias ? [...inputs, epi.bias] : inputs;
  const target = splits > 1 ? ctx.pool.alloc(splits * outSize * 4, 'split-K scratch') : out;
  const zTotal = batch * splits, zMax = ctx.limits.maxWorkgroups;
  for (let zBase = 0; zBase < zTotal; zBase += zMax) {
    const p = new Params().u32(M, N, K, splits, kChunk, zBase, batch, outSize).at(16);
    shape.extra(p);
    ctx.dispatch(key, src, [...bound, target], p, [Math.ceil(N / TN), Math.ceil(M / TM), Math.min(zMax, zTotal - zBase)]);
  }
  if (splits > 1) {
    reduceView(ctx, 'sum', spec.T === 'f32' ? 'float32' : 'int32', target, { shape: [outSize], strides: [1] }, { shape: [splits], strides: [outSize] }, out);
    ctx.pool.release(target);
  }
  if (epi && !fused) epiloguePass(ctx, out, outSize, epi);
}
