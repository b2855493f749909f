import { type DType, type Shape, sizeOf, stridesOf } from '../../base/dtype.ts';
import type { BinaryPrim, Prim, PrimParams, UnaryPrim } from '../../base/prims.ts';
import { BINARY_PRIMS, UNARY_PRIMS } from '../../base/prims.ts';
import type { TensorInfo } from '../backend.ts';
import { ENTRY_ARGS, type GpuContext, LINEAR_INDEX, META_WORDS, Params, metaDecl } from './engine.ts';
import { type GpuKernel, allocOut, buf, wgslType } from './kernel.ts';
import type { GBuf } from './memory/pool.ts';

/**
 * Every elementwise primitive is one WGSL expression over its operands (x | a, b | c, a, b) of
 * element type T. Semantics follow src/kernels/ref/elementwise.ts:
 *   sign(0) = 0 and sign(NaN) = NaN; relu(NaN) = 0; sigmoid in the overflow-free two-branch form;
 *   tanh evaluated on clamp(x, ±15) (= ±1 in f32) so no implementation overflows to NaN;
 *   maximum/minimum propagate NaN (bit test, not x != x, so fast-math cannot drop it);
 *   int32 div truncates and x / 0 = 0; int32 mul/add/sub wrap;
 *   pow: |a|^b = exp2(b·log2|a|); a < 0 gives NaN unless b is an integer, negated for odd b;
 *        pow(x, 0) = 1 (Math.pow); int32 pow by squaring (wraps; a^-n = 0 unless |a| = 1).
 */
type Expr = (T: 'f32' | 'i32') => string;

export const UNARY_WGSL: { [P in UnaryPrim]: Expr } = {
  neg: () => '-x',
  abs: () => 'abs(x)',
  sign: (T) => `select(select(x, ${T}(-1), x < ${T}(0)), ${T}(1), x > ${T}(0))`,
  exp: () => 'exp(x)',
  // log(±0) = -inf and log(x<0) = NaN as on the CPU: WGSL leaves log outside x > 0 undefined (SwiftShader
  // gives -88 for 0). The special values are built from x's bits at run time (-inf/NaN literals are const-eval errors).
  log: () => 'select(select(log(x), bitcast<f32>(bitcast<u32>(x) | 0xff800000u), x == 0.0), bitcast<f32>(bitcast<u32>(x) | 0x7fc00000u), x < 0.0)',
  sqrt: () => 'sqrt(x)',
  sin: () => 'sin(x)',
  cos: () => 'cos(x)',
  tanh: () => 'select(tanh(clamp(x, -15.0, 15.0)), x, isnan_f(x))',
  sigmoid: () => 'select(exp(x) / (1.0 + exp(x)), 1.0 / (1.0 + exp(-x)), x >= 0.0)',
  relu: (T) => `select(${T}(0), x, x > ${T}(0))`,
  floor: () => 'floor(x)',
};

const cmp = (op: string): Expr => (T) => `select(${T}(0), ${T}(1), a ${op} b)`;

export const BINARY_WGSL: { [P in BinaryPrim]: Expr } = {
  add: () => 'a + b',
  sub: () => 'a - b',
  mul: () => 'a * b',
  div: (T) => (T === 'i32' ? 'select(a / b, 0, b == 0)' : 'a / b'),
  pow: (T) => (T === 'i32' ? 'pow_i(a, b)' : 'pow_f(a, b)'),
  maximum: (T) => (T === 'i32' ? 'max(a, b)' : 'select(b, a, a >= b || isnan_f(a))'),
  minimum: (T) => (T === 'i32' ? 'min(a, b)' : 'select(b, a, a <= b || isnan_f(a))'),
  eq: cmp('=='), ne: cmp('!='), lt: cmp('<'), le: cmp('<='), gt: cmp('>'), ge: cmp('>='),
};

/** pow for f32 and i32 (the semantics above). */
export const EW_HELPERS = /* wgsl */ `
fn pow_f(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (isnan_f(a) || isnan_f(b)) { return nan_f(); }
  if (a == 0.0) { return select(0.0, -neginf_f(), b < 0.0); }   // 0^b = 0 (b > 0), +inf (b < 0)
  let r = exp2(b * log2(abs(a)));
  if (a < 0.0) {
    if (floor(b) != b) { return nan_f(); }
    if (fract(b * 0.5) != 0.0) { return -r; }
  }
  return r;
}
fn pow_i(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(1, -1, (b & 1) != 0); }
    return 0;
  }
  var r = 1; var base = a; var e = b;
  loop { if (e == 0) { break; } if ((e & 1) != 0) { r = r * base; } base = base * base; e = e >> 1; }
  return r;
}
`;

/**
 * Elementwise expressions: a tree of the operations above over buffers (leaves: strided views
 * that broadcast), one-element constants and other operations, compiled to one WGSL function
 * `load_x(gi)` that evaluates it at a flat output index. A primitive's own kernel is the
 * expression of that one operation (the table at the end); the WebGPU backend's scheduler
 * (fuse.ts) builds longer ones from chains of primitives.
 */

/** A buffer read at `offset + Σ index_d · strides[d]` (absent: contiguous in `shape`). */
export type Leaf = { kind: 'leaf'; buf: GBuf; shape: Shape; dtype: DType; strides?: number[]; offset?: number };
/** a one-element upload (a lifted scalar such as the 2 in x·2): a kernel parameter, not a buffer */
export type Const = { kind: 'const'; value: number; dtype: DType };
export type Op = { kind: 'op'; prim: Prim; args: Node[]; dtype: DType; castTo?: DType };
export type Node = Leaf | Const | Op;

/**
 * An expression compiled for one output shape: WGSL declaring its buffers (bindings 0…) and
 * `fn load_x(gi: u32) -> T`, its value at flat output index gi, reading its parameters from the
 * kernel's parameter words at `at`; `fill` writes them.
 */
export interface Prologue {
  buffers: GBuf[];
  /** names the computation (for the pipeline cache): operations, operands, leaf types and read modes */
  key: string;
  wgsl: string;
  /** parameter words used */
  words: number;
  fill(p: Params): void;
}
export const isPrologue = (s: unknown): s is Prologue => typeof s === 'object' && s !== null && 'wgsl' in s && 'fill' in s;

/** Parameter words an expression with these leaves and constants needs over `shape` (see `fill`). */
export function paramWords(leaves: Leaf[], consts: Const[], shape: Shape): number {
  const strided = leaves.filter((l) => mode(l, shape) === 'b').length;
  return 2 + consts.length + shape.length * (1 + strided) + strided;
}

/**
 * `self`: the buffer the kernel writes (runExpression's `into`); leaves that read it, each at its
 * output's own index, load `out[gi]` instead of a binding of their own (WebGPU forbids binding
 * one buffer as read and read-write in one dispatch; each thread reads its element before writing it).
 * `tag` and `firstBinding` name and place one of several expressions in one kernel (runWrites):
 * its function is `load_x<tag>`, its buffers `in<tag><i>` from binding `firstBinding`, its output
 * `out<tag>`; with a tag the WGSL helpers are left to the caller (declared once per kernel).
 */
export function planOf(root: Op, shape: Shape, dtype: DType, at: number, self?: GBuf, tag = '', firstBinding = 0): Prologue {
  const { ops, leaves, consts } = walk(root);
  const modes = leaves.map((l) => mode(l, shape));
  const selfs = leaves.map((l, i) => l.buf === self && modes[i] === 'c');
  const id = new Map<Node, string>();
  leaves.forEach((l, i) => id.set(l, `l${i}`));
  consts.forEach((c, i) => id.set(c, `k${i}`));
  ops.forEach((o, i) => id.set(o, `v${i}`));
  const key = `fused@${at}:${leaves.map((l, i) => wgslType(l.dtype) + (selfs[i] ? 'o' : modes[i])).join(',')};${consts.map((c) => wgslType(c.dtype)).join(',')}|` +
    ops.map((o) => `${o.prim}${o.castTo ?? ''}(${o.args.map((a) => id.get(a)).join(',')})`).join(';') + `>${wgslType(dtype)}`;
  return {
    buffers: leaves.filter((_, i) => !selfs[i]).map((l) => l.buf),
    key,
    get wgsl() { return source(leaves, modes, selfs, consts, ops, id, wgslType(dtype), at, tag, firstBinding); },
    words: paramWords(leaves, consts, shape),
    // words from `at`: n, rank R, the constants, the shape, then per strided leaf its offset and R strides
    fill: (p: Params) => {
      p.at(at).u32(sizeOf(shape), shape.length);
      for (const c of consts) (c.dtype === 'int32' ? p.int(c.value) : p.f(c.value));
      p.u32(...shape);
      leaves.forEach((l, i) => { if (modes[i] === 'b') p.int(l.offset ?? 0, ...leafStrides(l, shape)); });
    },
  };
}

/** How a leaf is read: 'c' at the output's index, 's' its first element, 'b' at offset + strides. */
type Mode = 'c' | 's' | 'b';
export function mode(l: Leaf, out: Shape): Mode {
  if (l.strides && (l.offset || !sameShape(l.strides, stridesOf(l.shape)))) return 'b';
  const m = sizeOf(l.shape);
  if (m === sizeOf(out) && sameShape(dropOnes(l.shape), dropOnes(out))) return 'c';
  return m === 1 ? 's' : 'b';
}

/**
 * The expression read as `to` (a reshape of its shape `from`), or null where a leaf cannot follow:
 * size-1 axes added or removed move every leaf's strides; another reshape works when every leaf
 * is read contiguously (its flat index is the output's).
 */
export function reshaped(root: Node, from: Shape, to: Shape): Node | null {
  if (sameShape(from, to)) return root;
  const onesOnly = sameShape(dropOnes(from), dropOnes(to));
  const done = new Map<Node, Node | null>();
  const go = (n: Node): Node | null => {
    if (done.has(n)) return done.get(n)!;
    let r: Node | null;
    if (n.kind === 'const') r = n;
    else if (n.kind === 'op') {
      const args = n.args.map(go);
      r = args.every((a) => a) ? { ...n, args: args as Node[] } : null;
    } else if (onesOnly) {
      const st = leafStrides(n, from).filter((_, d) => from[d] !== 1);
      let k = 0;
      r = { ...n, shape: [...to], strides: to.map((d) => (d === 1 ? 0 : st[k++])), offset: n.offset ?? 0 };
    } else {
      r = mode(n, from) === 'c' ? { kind: 'leaf', buf: n.buf, shape: [...to], dtype: n.dtype } : null;
    }
    done.set(n, r);
    return r;
  };
  return go(root);
}

/** A strided view (over `shape`) after slice / permute / flip. */
export function moveView(prim: Prim, params: unknown, shape: Shape, strides: number[], offset: number): { strides: number[]; offset: number } {
  if (prim === 'slice') {
    const { starts, steps } = params as PrimParams['slice'];
    return { offset: offset + starts.reduce((a, st, d) => a + st * strides[d], 0), strides: strides.map((st, d) => st * steps[d]) };
  }
  if (prim === 'permute') return { offset, strides: (params as PrimParams['permute']).perm.map((d) => strides[d]) };
  const { axes } = params as PrimParams['flip'];
  return { offset: offset + axes.reduce((a, d) => a + (shape[d] - 1) * strides[d], 0), strides: strides.map((st, d) => (axes.includes(d) ? -st : st)) };
}

/** The leaf's element strides along each output axis (0 where it broadcasts). */
export function leafStrides(l: Leaf, out: Shape): number[] {
  const st = l.strides ?? stridesOf(l.shape);
  const off = out.length - l.shape.length;
  return out.map((_, i) => (i < off || l.shape[i - off] === 1 ? 0 : st[i - off]));
}
const leafId = (l: Leaf, bufId: number) => `${bufId}:${l.shape.join('x')}:${l.dtype}:${l.strides?.join(',') ?? ''}@${l.offset ?? 0}`;
const dropOnes = (s: Shape) => s.filter((d) => d !== 1);
export const sameShape = (a: Shape, b: Shape) => a.length === b.length && a.every((d, i) => d === b[i]);

/** The distinct leaves (by buffer and shape), constants and operations of an expression, operands first. */
export function walk(root: Node): { ops: Op[]; leaves: Leaf[]; consts: Const[] } {
  const ops: Op[] = [];
  const leaves: Leaf[] = [];
  const consts: Const[] = [];
  const leafKey = new Map<string, Leaf>();
  const seen = new Set<Node>();
  const bufIds = new Map<GBuf, number>();
  const visit = (n: Node): void => {
    if (seen.has(n)) return;
    seen.add(n);
    if (n.kind === 'const') { consts.push(n); return; }
    if (n.kind === 'leaf') {
      if (!bufIds.has(n.buf)) bufIds.set(n.buf, bufIds.size);
      const k = leafId(n, bufIds.get(n.buf)!);
      if (!leafKey.has(k)) { leafKey.set(k, n); leaves.push(n); }
      return;
    }
    n.args.forEach(visit);
    ops.push(n);
  };
  visit(root);
  // leaves equal by buffer and shape share one binding: point every operand at the first one
  for (const o of ops) o.args = o.args.map((a) => a.kind === 'leaf' ? leafKey.get(leafId(a, bufIds.get(a.buf)!))! : a);
  return { ops, leaves, consts };
}

export function leavesOf(root: Node): Leaf[] {
  return walk(root).leaves;
}

/** Each operation's WGSL over its operand names (as in elementwise.ts). */
function opExpr(o: Op): { names: string[]; expr: string } {
  const T = wgslType(o.args[0].dtype);
  if ((UNARY_PRIMS as readonly string[]).includes(o.prim)) return { names: ['x'], expr: UNARY_WGSL[o.prim as UnaryPrim](T) };
  if ((BINARY_PRIMS as readonly string[]).includes(o.prim)) return { names: ['a', 'b'], expr: BINARY_WGSL[o.prim as BinaryPrim](T) };
  if (o.prim === 'where') return { names: ['c', 'a', 'b'], expr: `select(a, b, c == ${T}(0))` };
  if (o.prim === 'cast') return { names: ['x'], expr: `${wgslType(o.castTo!)}(x)` };
  return { names: ['x'], expr: 'x' }; // expand: the broadcast is in the leaves' strides
}

function source(leaves: Leaf[], modes: Mode[], selfs: boolean[], consts: Const[], ops: Op[], id: Map<Node, string>, outT: string, at: number, tag: string, firstBinding: number): string {
  const R = `mu(${at + 1}u)`;
  const SH = at + 2 + consts.length; // where the shape starts in the parameter words
  const strided = leaves.map((_, i) => i).filter((i) => modes[i] === 'b');
  let binding = firstBinding;
  const decls = leaves.map((l, i) => (selfs[i] ? '' : `@group(0) @binding(${binding++}) var<storage, read> in${tag}${i}: array<${wgslType(l.dtype)}>;`)).filter((d) => d).join('\n');
  const index = strided.length ? `
  var rem = gi;
  ${strided.map((i, k) => `let b${i} = ${SH}u + ${R} + ${k}u * (${R} + 1u); var o${i} = mu(b${i});`).join('\n  ')}
  for (var d = i32(${R}) - 1; d >= 0; d--) {
    let du = u32(d);
    let s = mu(${SH}u + du);
    let c = rem % s;
    rem = rem / s;
    ${strided.map((i) => `o${i} += c * mu(b${i} + 1u + du); // u32 wraps: negative strides (flip) work`).join('\n    ')}
  }` : '';
  const loads = leaves.map((_, i) => (selfs[i] ? `let l${i} = out${tag}[gi];` : `let l${i} = in${tag}${i}[${modes[i] === 'c' ? 'gi' : modes[i] === 's' ? '0' : `o${i}`}];`));
  consts.forEach((c, i) => loads.push(`let k${i} = ${c.dtype === 'int32' ? 'mi' : 'mf'}(${at + 2 + i}u);`));
  const body = ops.map((o) => {
    const { names, expr } = opExpr(o);
    const T = o.prim === 'cast' ? wgslType(o.castTo!) : wgslType(o.dtype);
    const binds = names.map((nm, k) => `let ${nm} = ${id.get(o.args[k])};`).join(' ');
    return `var ${id.get(o)}: ${T}; { ${binds} ${id.get(o)} = ${expr}; }`;
  });
  return `${tag ? '' : EW_HELPERS}
${decls}
fn load_x${tag}(gi: u32) -> ${outT} {
  ${index}
  ${loads.join('\n  ')}
  ${body.join('\n  ')}
  return ${id.get(ops[ops.length - 1])};
}`;
}

/** Run the expression over `shape`, one thread per output element, into a new buffer. */
export function runExpression(ctx: GpuContext, root: Op, shape: Shape, dtype: DType, into?: GBuf): GBuf {
  const n = sizeOf(shape);
  const out = into ?? allocOut(ctx, { shape, dtype });
  if (n === 0) return out;
  const plan = planOf(root, shape, dtype, 0, into);
  const p = new Params();
  plan.fill(p);
  const WG = 256;
  const source = () => `${metaDecl(plan.buffers.length + 1)}
${plan.wgsl}
@group(0) @binding(${plan.buffers.length}) var<storage, read_write> out: array<${wgslType(dtype)}>;
const WG = ${WG}u;
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  ${LINEAR_INDEX}
  if (gi >= mu(0u)) { return; }
  out[gi] = load_x(gi);
}`;
  ctx.dispatch(plan.key, source, [...plan.buffers, out], p, ctx.grid1d(Math.ceil(n / WG)));
  return out;
}

/** An expression written into a buffer of its own shape (a pending in-place write, fuse.ts). */
export interface Write { into: GBuf; root: Op; shape: Shape; dtype: DType }

/**
 * Run several writes as few kernels: each thread gi evaluates every expression with more than gi
 * elements and stores it into that write's buffer. A kernel takes writes in order while their
 * bindings (inputs and output) stay within `maxBuffers` and their parameters within one block.
 * The caller guarantees that no write reads another's output (each may read its own, `self`).
 * Returns the number of kernels dispatched.
 */
export function runWrites(ctx: GpuContext, writes: Write[], maxBuffers: number): number {
  let group: { w: Write; plan: Prologue; at: number; first: number }[] = [];
  let at = 0, bindings = 0, kernels = 0;
  const emit = () => {
    if (group.length) kernels++;
    if (group.length === 1) {
      const { w } = group[0];
      runExpression(ctx, w.root, w.shape, w.dtype, w.into);
    } else if (group.length) runGroup(ctx, group);
    group = [];
    at = bindings = 0;
  };
  for (const w of writes) {
    if (sizeOf(w.shape) === 0) continue;
    let tag = `w${group.length}_`;
    let plan = planOf(w.root, w.shape, w.dtype, at, w.into, tag, bindings);
    if (group.length && (at + plan.words > META_WORDS || bindings + plan.buffers.length + 1 > maxBuffers)) {
      emit();
      tag = 'w0_';
      plan = planOf(w.root, w.shape, w.dtype, 0, w.into, tag, 0);
    }
    group.push({ w, plan, at, first: bindings });
    at += plan.words;
    bindings += plan.buffers.length + 1;
  }
  emit();
  return kernels;
}

function runGroup(ctx: GpuContext, group: { w: Write; plan: Prologue; at: number; first: number }[]): void {
  const p = new Params();
  for (const g of group) g.plan.fill(p);
  p.n = group.reduce((m, g) => Math.max(m, g.at + g.plan.words), 0);
  const WG = 256;
  const buffers = group.flatMap((g) => [...g.plan.buffers, g.w.into]);
  const key = `writes:${group.map((g) => `${g.plan.key}#${g.first}`).join('|')}`;
  const n = Math.max(...group.map((g) => sizeOf(g.w.shape)));
  const source = () => `${metaDecl(buffers.length)}
${EW_HELPERS}
${group.map((g, k) => `${g.plan.wgsl}
@group(0) @binding(${g.first + g.plan.buffers.length}) var<storage, read_write> outw${k}_: array<${wgslType(g.w.dtype)}>;`).join('\n')}
const WG = ${WG}u;
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  ${LINEAR_INDEX}
  ${group.map((g, k) => `if (gi < mu(${g.at}u)) { outw${k}_[gi] = load_xw${k}_(gi); }`).join('\n  ')}
}`;
  ctx.dispatch(key, source, buffers, p, ctx.grid1d(Math.ceil(n / WG)));
}

/** One primitive as the expression of one operation over its inputs' buffers. */
const one = (prim: Prim, ctx: GpuContext, ins: TensorInfo[], out: { shape: Shape; dtype: DType }, castTo?: DType): GBuf =>
  runExpression(ctx, { kind: 'op', prim, args: ins.map((t) => ({ kind: 'leaf', buf: buf(t), shape: t.shape, dtype: t.dtype })), dtype: out.dtype, castTo }, out.shape, out.dtype);

export const unaryKernels = Object.fromEntries(UNARY_PRIMS.map((p) => [p, ((ctx, ins, _, out) => one(p, ctx, ins, out)) as GpuKernel<typeof p>])) as { [P in UnaryPrim]: GpuKernel<P> };

export const binaryKernels = Object.fromEntries(BINARY_PRIMS.map((p) => [p, ((ctx, ins, _, out) => one(p, ctx, ins, out)) as GpuKernel<typeof p>])) as { [P in BinaryPrim]: GpuKernel<P> };

/** where(c, a, b) = c != 0 ? a : b (c of any dtype; NaN counts as true, like the CPU). */
export const whereKernel: GpuKernel<'where'> = (ctx, ins, _, out) => one('where', ctx, ins, out);

/** cast: float → int32 truncates toward zero (WGSL i32(f32); out-of-range values saturate). */
export const castKernel: GpuKernel<'cast'> = (ctx, ins, { dtype }, out) => one('cast', ctx, ins, out, dtype);
