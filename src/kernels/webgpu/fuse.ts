import { type DType, type Shape, sizeOf, stridesOf } from '../../base/dtype.ts';
import { BINARY_PRIMS, type Prim, type PrimParams, UNARY_PRIMS } from '../../base/prims.ts';
import type { Storage, TensorInfo } from '../backend.ts';
import { type GpuContext, META_WORDS } from './engine.ts';
import {
  type Const, type Node, type Op, type Prologue, type Write, leafStrides, leavesOf, mode, moveView, paramWords, planOf, reshaped, runExpression, runWrites, sameShape, walk,
} from './elementwise.ts';
import { allocOut } from './kernel.ts';
import type { GBuf } from './memory/pool.ts';

/**
 * Lazy elementwise fusion: the WebGPU backend's scheduler.
 *
 * An elementwise primitive (unary, binary, where, cast, expand) does not dispatch: it returns a
 * `LazyBuf`, an expression over real buffers (its leaves). A later elementwise op inlines that
 * expression into its own, so a chain such as leakyRelu's `where(gt(x, 0), x, mul(x, a))` or a
 * loss's `log(1 + exp(-|x|))` becomes one generated WGSL kernel. slice / permute / flip become
 * strided views (a leaf's offset and strides), pushed into the leaves of a pending expression;
 * a reshape of one re-indexes its leaves where they allow it. A one-element upload (the lifted
 * 2 of x·2) is a kernel parameter. The expression runs ("is realized") when something needs its
 * values in memory: a kernel that is not elementwise, a read, an in-place write to one of its
 * leaves, or an expression that would exceed the limits below; a sum / max runs it inside its
 * own first pass (`prologue`, reduce.ts). An expression freed before that never runs.
 *
 * Invariants:
 * - a leaf buffer stays allocated while an unrealized expression reads it: `free` of a held
 *   buffer is deferred until the last expression holding it lets go;
 * - before a kernel writes a buffer in place (Adam), every live expression that reads it is
 *   realized, so it sees the values from before the write (eager semantics);
 * - the same WGSL per operation as the one-primitive kernels (elementwise.ts), evaluated in f32/i32
 *   registers instead of memory: the values match eager execution up to the compiler's
 *   contraction of a·b + c.
 * An expression shared by two consumers is inlined into both (recomputed: elementwise work is
 * cheap next to a dispatch and a round trip through memory).
 */

/** Movement primitives that become a strided view of a buffer (read by the consuming kernel, never copied). */
const VIEWS = new Set<Prim>(['slice', 'permute', 'flip']);
export const FUSABLE = new Set<Prim>([...UNARY_PRIMS, ...BINARY_PRIMS, 'where', 'cast', 'expand', ...VIEWS]);


/** An elementwise expression not yet run; once realized, `buf` holds its values. */
export class LazyBuf {
  buf: GBuf | null = null;
  /** false once the front end freed it (tensors sharing a storage free it once, with their StorageRef) */
  alive = true;
  constructor(public node: Node, readonly shape: Shape, readonly dtype: DType, readonly leaves: GBuf[]) {}
}

export const isLazy = (s: Storage): s is LazyBuf => s instanceof LazyBuf;

/** Most operations (unique nodes) one generated kernel evaluates. */
const MAX_OPS = 64;

export class Fuser {
  /** how many live expressions hold each buffer */
  private holds = new Map<GBuf, number>();
  /** buffers freed by the front end while an expression still held them */
  private orphans = new Set<GBuf>();
  private live = new Set<LazyBuf>();
  /** most storage buffers one kernel may read (the output takes one more binding) */
  private readonly maxLeaves: number;
  /** kernels generated and dispatched (for benchmarks) */
  realized = 0;
  /** record new elementwise ops as expressions (off: they run eagerly; recorded ones still resolve) */
  enabled = true;

  /** in-place writes not yet run (writeInto), with every buffer each one binds */
  private writes: (Write & { bufs: GBuf[] })[] = [];

  constructor(private ctx: GpuContext) {
    this.maxLeaves = Math.max(3, Math.min(ctx.limits.maxStorageBuffers, 16) - 1);
    ctx.beforeCommand = () => this.flushWrites();
  }

  /** Record prim as an expression (the caller checked FUSABLE). */
  lazy<P extends Prim>(prim: P, inputs: TensorInfo[], params: PrimParams[P], out: { shape: Shape; dtype: DType }): LazyBuf {
    const castTo = prim === 'cast' ? (params as PrimParams['cast']).dtype : undefined;
    let node: Op;
    if (VIEWS.has(prim)) {
      let v = this.view(prim, inputs[0], params, out.shape);
      // pushed into every leaf of a pending expression, the view may need too many parameter
      // words (each leaf becomes strided): then the expression runs and the view reads its buffer
      if (v.kind === 'op' && !this.fits(v, out.shape)) v = this.view(prim, { ...inputs[0], storage: this.realize(inputs[0].storage as LazyBuf) }, params, out.shape);
      // a view of a buffer: the identity ('expand' evaluates to its operand) over the view leaf
      node = v.kind === 'op' ? v : { kind: 'op', prim: 'expand', args: [v], dtype: out.dtype };
    } else {
      node = { kind: 'op', prim, args: inputs.map((t) => this.nodeOf(t, false)), dtype: out.dtype, castTo };
      // past a limit: run the operand expressions, the widest first, until the rest fits
      if (!this.fits(node, out.shape)) {
        const order = inputs.map((_, i) => i).sort((i, j) => walk(node.args[j]).leaves.length - walk(node.args[i]).leaves.length);
        for (const i of order) {
          node = { ...node, args: node.args.map((a, k) => (k === i ? this.nodeOf(inputs[k], true) : a)) };
          if (this.fits(node, out.shape)) break;
        }
      }
    }
    const leaves = [...new Set(leavesOf(node).map((l) => l.buf))];
    this.hold(leaves);
    const lz = new LazyBuf(node, [...out.shape], out.dtype, leaves);
    this.live.add(lz);
    return lz;
  }

  /** A one-element tensor uploaded from the host: kept as a value until a kernel needs a buffer. */
  constant(value: number, dtype: DType): LazyBuf {
    const lz = new LazyBuf({ kind: 'const', value, dtype }, [1], dtype, []);
    this.live.add(lz);
    return lz;
  }

  /** The tensor as an expression node: an unrealized expression of the same shape is inlined. */
  private nodeOf(t: TensorInfo, realize: boolean): Node {
    const s = t.storage;
    if (isLazy(s)) {
      if (s.node.kind === 'const') return s.node; // one element: broadcasts to any shape
      if (!s.buf && !realize) {
        const n = reshaped(s.node, s.shape, t.shape);
        if (n) return n;
      }
      return { kind: 'leaf', buf: this.realize(s), shape: t.shape, dtype: t.dtype };
    }
    return { kind: 'leaf', buf: s as GBuf, shape: t.shape, dtype: t.dtype };
  }

  /**
   * slice / permute / flip of x: a buffer becomes a strided view of it; an expression keeps
   * running lazily with the view pushed into each of its leaves (movement commutes with
   * elementwise ops, and a view of a view is one view).
   */
  private view(prim: Prim, x: TensorInfo, params: unknown, outShape: Shape): Node {
    const s = x.storage;
    const move = (strides: number[], offset: number) => moveView(prim, params, x.shape, strides, offset);
    if (isLazy(s) && !s.buf && sameShape(s.shape, x.shape) && s.node.kind === 'op') {
      const done = new Map<Node, Node>();
      const push = (n: Node): Node => {
        let r = done.get(n);
        if (r) return r;
        if (n.kind === 'const') r = n;
        else if (n.kind === 'leaf') {
          const v = move(leafStrides(n, x.shape), n.offset ?? 0);
          r = { ...n, shape: [...outShape], ...v };
        } else r = { ...n, args: n.args.map(push) };
        done.set(n, r);
        return r;
      };
      return push(s.node);
    }
    const buf = isLazy(s) ? this.realize(s) : (s as GBuf);
    return { kind: 'leaf', buf, shape: [...outShape], dtype: x.dtype, ...move(stridesOf(x.shape), 0) };
  }

  private fits(node: Op, shape: Shape): boolean {
    // one walk, no WGSL key: this runs for every elementwise op
    const { ops, leaves, consts } = walk(node);
    return ops.length <= MAX_OPS && leaves.length <= this.maxLeaves && paramWords(leaves, consts, shape) <= META_WORDS;
  }

  /**
   * A value that is one buffer read contiguously from an element offset — an unrealized slice,
   * reshape or copy of a real buffer (a batch norm's weight and bias gradients are the two rows
   * of one [2, C] result) — as that buffer and offset, so a kernel that reads it once (Adam)
   * needs no copy; null for anything else.
   */
  contiguousRange(t: TensorInfo): { buf: GBuf; offset: number } | null {
    const s = t.storage;
    if (!isLazy(s) || s.buf || s.node.kind !== 'op' || s.node.prim !== 'expand' || s.node.castTo) return null;
    const [l] = s.node.args;
    if (l.kind !== 'leaf' || l.dtype !== s.dtype || sizeOf(l.shape) !== sizeOf(s.shape)) return null;
    const dense = stridesOf(l.shape);
    if (l.strides && !l.shape.every((d, i) => d === 1 || l.strides![i] === dense[i])) return null;
    return { buf: l.buf, offset: l.offset ?? 0 };
  }

  /** The storage as a real buffer (running its expression first if it is lazy). */
  info(t: TensorInfo): TensorInfo {
    return isLazy(t.storage) ? { storage: this.realize(t.storage), shape: t.shape, dtype: t.dtype } : t;
  }

  realize(lz: LazyBuf): GBuf {
    if (lz.buf) return lz.buf;
    if (!lz.alive) throw new Error('webgan internal: a freed expression was used');
    lz.buf = this.generated(() => (lz.node.kind === 'const' ? this.upload(lz.node) : runExpression(this.ctx, lz.node as Op, lz.shape, lz.dtype)));
    this.realized++;
    this.settle(lz);
    return lz.buf;
  }

  /**
   * Realize several expressions at once: one kernel computes them all where their bindings and
   * parameters fit (runWrites; a kernel that reads two pending inputs, the values a traced call
   * leaves pending), instead of one dispatch each.
   */
  realizeAll(lzs: LazyBuf[]): void {
    const todo = [...new Set(lzs)].filter((lz) => !lz.buf && lz.node.kind === 'op');
    if (todo.length < 2) { for (const lz of todo) this.realize(lz); return; }
    if (todo.some((lz) => !lz.alive)) throw new Error('webgan internal: a freed expression was used');
    const writes = todo.map((lz) => ({ into: allocOut(this.ctx, lz), root: lz.node as Op, shape: lz.shape, dtype: lz.dtype }));
    this.realized += this.generated(() => runWrites(this.ctx, writes, this.maxLeaves + 1));
    todo.forEach((lz, i) => { lz.buf = writes[i].into; this.settle(lz); });
  }

  /** lz's values are in lz.buf: it reads no other buffer from now on */
  private settle(lz: LazyBuf): void {
    lz.node = { kind: 'leaf', buf: lz.buf!, shape: lz.shape, dtype: lz.dtype };
    this.live.delete(lz);
    this.drop(lz.leaves);
    lz.leaves.length = 0;
  }

  /** Whether the expression reads a buffer that the front end has freed. */
  readsFreed(lz: LazyBuf): boolean {
    return lz.leaves.some((b) => this.orphans.has(b));
  }

  private upload(c: Const): GBuf {
    const b = this.ctx.pool.alloc(4);
    this.ctx.upload(b, c.dtype === 'int32' ? new Int32Array([c.value]) : new Float32Array([c.value]));
    return b;
  }

  /**
   * dst ← src in dst's own buffer (an in-place `assign_` while a step is traced, so that state
   * keeps its buffer from call to call). A pending src that reads dst only at each output's own
   * index (e ← d·e + (1−d)·θ, clamp(p)) is computed straight into dst (planOf's `self`);
   * anything else is realized first and copied. `srcShared`: another tensor holds src's storage
   * (it must stay computable, so it is realized).
   *
   * The write is deferred until the next command (dispatch, submit or read-back:
   * GpuContext.beforeCommand), so that consecutive writes — a batch norm's running mean,
   * variance and count, an EMA's parameters — run as one kernel (runWrites). Program order is
   * kept: any later command runs the deferred writes first, a write that conflicts with a
   * deferred one (same destination, or one reads what the other writes) runs them first, and a
   * traced call ends with none deferred. (Deferring past commands that touch none of their
   * buffers would merge more, but which commands those are depends on the pool's choice of
   * buffers, and a trace needs the same commands in the same order from call to call.)
   */
  writeInto(dst: TensorInfo, src: TensorInfo, srcShared: boolean): void {
    const d = this.info(dst).storage as GBuf;
    const s = src.storage;
    let node: Node | null = null;
    if (!srcShared && isLazy(s) && !s.buf && s.node.kind === 'op' && s.dtype === dst.dtype) {
      node = reshaped(s.node, s.shape, dst.shape);
      // read as dst's shape the leaves may need more parameter words than the expression had
      if (node && (node.kind !== 'op' || !this.fits(node, dst.shape) || leavesOf(node).some((l) => l.buf === d && mode(l, dst.shape) !== 'c'))) node = null;
    }
    for (const lz of [...this.live]) if ((lz !== s || !node) && lz.leaves.includes(d)) this.realize(lz);
    if (!node) {
      const from = this.info(src).storage as GBuf;
      node = { kind: 'op', prim: 'expand', args: [{ kind: 'leaf', buf: from, shape: [...dst.shape], dtype: src.dtype }], dtype: dst.dtype };
    }
    const reads = [...new Set(leavesOf(node).map((l) => l.buf))];
    if (this.writes.some((w) => w.into === d || w.bufs.includes(d) || reads.includes(w.into))) this.flushWrites();
    const bufs = [...new Set([...reads, d])];
    this.hold(bufs); // kept until the write runs
    this.writes.push({ into: d, root: node as Op, shape: [...dst.shape], dtype: dst.dtype, bufs });
  }

  /** Run the deferred in-place writes now, as few kernels as their bindings allow. */
  flushWrites(): void {
    if (!this.writes.length) return;
    const ws = this.writes;
    this.writes = [];
    try {
      this.realized += this.generated(() => runWrites(this.ctx, ws, this.maxLeaves + 1));
    } finally {
      for (const w of ws) this.drop(w.bufs);
    }
  }

  /** Run `fn`, which dispatches generated kernels, with the profiler's label for them. */
  private generated<T>(fn: () => T): T {
    const label = this.ctx.timestampLabel;
    this.ctx.timestampLabel = 'fused elementwise';
    try {
      return fn();
    } finally {
      this.ctx.timestampLabel = label;
    }
  }

  /** The expressions not yet run (a trace compares it before and after a call). */
  pending(): Set<LazyBuf> {
    return new Set(this.live);
  }

  /** Realize every live expression that reads one of `bufs` (they are about to be written in place). */
  beforeWrite(bufs: GBuf[]): void {
    if (!bufs.some((b) => this.holds.has(b))) return;
    for (const lz of [...this.live]) if (lz.leaves.some((b) => bufs.includes(b))) this.realize(lz);
  }

  /** The front end let go of a storage. */
  free(s: Storage): void {
    if (isLazy(s)) {
      if (!s.alive) return;
      s.alive = false;
      this.live.delete(s);
      this.drop(s.leaves);
      s.leaves.length = 0;
      if (s.buf) this.freeBuf(s.buf);
      return;
    }
    this.freeBuf(s as GBuf);
  }

  private freeBuf(b: GBuf): void {
    if (this.holds.has(b)) this.orphans.add(b);
    else this.ctx.pool.release(b);
  }

  /** Keep `bufs` from the pool while an expression or a deferred write reads them (`drop` lets go). */
  private hold(bufs: GBuf[]): void {
    for (const b of bufs) this.holds.set(b, (this.holds.get(b) ?? 0) + 1);
  }

  private drop(bufs: GBuf[]): void {
    for (const b of bufs) {
      const n = (this.holds.get(b) ?? 0) - 1;
      if (n > 0) { this.holds.set(b, n); continue; }
      this.holds.delete(b);
      if (this.orphans.delete(b)) this.ctx.pool.release(b);
    }
  }

  /**
   * The input of a reduction (sum / max) as the expression that computes it, when it is pending
   * and small enough to share the reduction's parameter block: the reduction reads `load_x(i)`
   * instead of a buffer (reduce.ts), so the chain that a reduction ends runs inside it.
   */
  prologue(t: TensorInfo, at: number): Prologue | null {
    const s = t.storage;
    if (!this.enabled || !isLazy(s) || s.buf || s.node.kind !== 'op') return null;
    const node = reshaped(s.node, s.shape, t.shape);
    if (!node || node.kind !== 'op') return null;
    const plan = planOf(node, t.shape, t.dtype, at);
    return at + plan.words <= META_WORDS && plan.buffers.length <= this.maxLeaves ? plan : null;
  }
}

