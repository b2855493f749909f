import type { DType, Shape } from '../../base/dtype.ts';
import { sizeOf, broadcastStrides } from '../../base/dtype.ts';
import type { BinaryPrim, UnaryPrim } from '../../base/prims.ts';
import { BINARY_PRIMS, UNARY_PRIMS } from '../../base/prims.ts';
import type { TensorInfo } from '../backend.ts';
import { ENTRY_ARGS, type GpuContext, LINEAR_INDEX, Params, metaDecl } from './engine.ts';
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

/** pow for f32 and i32 (the semantics above), shared with the fused kernels (fuse.ts). */
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

/** How an operand is read: 'c' contiguous (same size as the output), 's' scalar, 'b' broadcast by strides. */
type Mode = 'c' | 's' | 'b';
const WG = 256;

/** Parameter words: [0] n, [1] rank R, [2, 2+R) output shape, then R strides per 'b' operand. */
function ewSource(names: string[], types: string[], modes: Mode[], outT: string, expr: string): string {
  const R = 'mu(1u)';
  const decls = names.map((n, i) => `@group(0) @binding(${i}) var<storage, read> in_${n}: array<${types[i]}>;`).join('\n');
  const strided = modes.some((m) => m === 'b');
  const offs: string[] = [];
  const loads = names.map((n, i) => {
    if (modes[i] === 's') return `let ${n} = in_${n}[0];`;
    if (modes[i] === 'c') return `let ${n} = in_${n}[gi];`;
    offs.push(n);
    return `let ${n} = in_${n}[o_${n}];`;
  });
  const index = strided ? `
  var rem = gi;
  ${offs.map((n) => `var o_${n} = 0u;`).join(' ')}
  for (var d = i32(${R}) - 1; d >= 0; d--) {
    let du = u32(d);
    let s = mu(2u + du);
    let c = rem % s;
    rem = rem / s;
    ${offs.map((n, k) => `o_${n} += c * mu(2u + ${R} * ${k + 1}u + du);`).join('\n    ')}
  }` : '';
  return `${metaDecl(names.length + 1)}
${EW_HELPERS}
${decls}
@group(0) @binding(${names.length}) var<storage, read_write> out: array<${outT}>;
const WG = ${WG}u;
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  ${LINEAR_INDEX}
  if (gi >= mu(0u)) { return; }
  ${index}
  ${loads.join('\n  ')}
  out[gi] = ${expr};
}`;
}


/** Run `expr` over the operands, broadcasting to `outShape`; one thread per output element. */
export function runElementwise(ctx: GpuContext, tag: string, ins: TensorInfo[], names: string[], outShape: Shape, outDtype: DType, expr: string): GBuf {
  const n = sizeOf(outShape);
  const y = allocOut(ctx, { shape: outShape, dtype: outDtype });
  if (n === 0) return y;
  const modes: Mode[] = ins.map((t) => {
    const m = sizeOf(t.shape);
    if (m === n && sameTail(t.shape, outShape)) return 'c';
    if (m === 1) return 's';
    return 'b';
  });
  const types = ins.map((t) => wgslType(t.dtype));
  const outT = wgslType(outDtype);
  const p = new Params().u32(n, outShape.length, ...outShape);
  for (let i = 0; i < ins.length; i++) if (modes[i] === 'b') p.u32(...broadcastStrides(ins[i].shape, outShape));
  const key = `ew:${tag}:${types.join(',')}>${outT}:${modes.join('')}`;
  ctx.dispatch(key, () => ewSource(names, types, modes, outT, expr), [...ins.map(buf), y], p, ctx.grid1d(Math.ceil(n / WG)));
  return y;
}

/** Same element count and same shape up to leading 1s: elementwise index = flat index. */
function sameTail(a: Shape, b: Shape): boolean {
  const sa = a.filter((d) => d !== 1), sb = b.filter((d) => d !== 1);
  return sa.length === sb.length && sa.every((d, i) => d === sb[i]);
}

export const unaryKernels = Object.fromEntries(UNARY_PRIMS.map((p) => [p, ((ctx, [x], _, out) =>
  runElementwise(ctx, p, [x], ['x'], out.shape, out.dtype, UNARY_WGSL[p](wgslType(x.dtype)))) as GpuKernel<typeof p>])) as { [P in UnaryPrim]: GpuKernel<P> };

export const binaryKernels = Object.fromEntries(BINARY_PRIMS.map((p) => [p, ((ctx, [a, b], _, out) =>
  runElementwise(ctx, p, [a, b], ['a', 'b'], out.shape, out.dtype, BINARY_WGSL[p](wgslType(a.dtype)))) as GpuKernel<typeof p>])) as { [P in BinaryPrim]: GpuKernel<P> };

/** where(c, a, b) = c != 0 ? a : b (c of any dtype; NaN counts as true, like the CPU). */
export const whereKernel: GpuKernel<'where'> = (ctx, [c, a, b], _, out) =>
  runElementwise(ctx, 'where', [c, a, b], ['c', 'a', 'b'], out.shape, out.dtype, `select(a, b, c == ${wgslType(c.dtype)}(0))`);

/** cast: float → int32 truncates toward zero (WGSL i32(f32); out-of-range values saturate). */
export const castKernel: GpuKernel<'cast'> = (ctx, [x], { dtype }, out) =>
  runElementwise(ctx, 'cast', [x], ['x'], out.shape, out.dtype, `${wgslType(dtype)}(x)`);
