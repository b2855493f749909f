/**
 * The CPU backend's float32 GEMM micro-kernel in WebAssembly SIMD (128-bit, f32x4), assembled
 * here from its opcodes — no toolchain, no binary blob, the same source in Node, Deno and Chrome.
 *
 * What the module computes (one call = one KC-deep slice for one MC-high block of rows):
 *   for jp < np, ip < mp:   C[ip·6 .. ip·6+5, jp·8 .. jp·8+7] += Ap[ip] · Bp[jp]
 * where Ap[ip] is a packed 6-row panel (kc × 6, k-major: ap[k·6 + r]; 4 rows without FMA), Bp[jp] a packed
 * 8-column panel (kc × 8: bp[k·8 + c]), and C a row-major float32 block with leading dimension ldc
 * (in elements). The 6×8 register tile lives in twelve f32x4 accumulators (with the two B vectors
 * and the broadcast A, 15 of x86-64's 16 vector registers); per k the kernel loads two f32x4 of B,
 * broadcasts six scalars of A (v128.load32_splat) and does 12 fused multiply-adds (relaxed SIMD's
 * f32x4.relaxed_madd, where the runtime has it). A 6×8 tile ran matmul 1024 8–11 % faster than the
 * 4×8 one on one thread and 20 % on two (bench/RESULTS-cpu.md); without FMA (8 mul + 8 add per
 * step) it was 4–7 % slower, so that form keeps the 4×8 tile.
 * Accumulation is float32 (like PyTorch and the GPU); the JavaScript GEMM in matmul.ts stays the
 * path for float64 and int32, and for float32 when WebAssembly SIMD is unavailable or the
 * `cpuGemm` route (routes.ts; WEBGAN_CPU_GEMM=js) says 'js'. Speed: docs/benchmarks.md,
 * "Kernel routes", and bench/RESULTS-cpu.md.
 */
import { routesFor } from '../routes.ts';
import { startPhases, threadCount, type Phases } from './threads.ts';

/** Rows of the register tile: 6 with fused multiply-adds, 4 without (where 6 ran 4–7 % slower). */
export const tileRows = (fma: boolean): number => (fma ? 6 : 4);
export const NR = 8;

// ---- a tiny assembler: only what this one function needs --------------------------------------

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
const str = (s: string) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

const I32 = 0x7f, V128 = 0x7b;
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32c = (n: number) => [0x41, ...sleb(n)];
const add = 0x6a, mul = 0x6c, shl = 0x74, geU = 0x4f, eqz = 0x45, sub = 0x6b;
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const memarg = (align: number, offset: number) => [...uleb(align), ...uleb(offset)];
const v128load = (off: number) => simd(0, ...memarg(2, off));
const v128splat32 = (off: number) => simd(9, ...memarg(2, off));
const v128store = (off: number) => simd(11, ...memarg(2, off));
const v128zero = () => simd(12, ...new Array(16).fill(0));
const f32x4add = simd(228);
const f32x4mul = simd(230);
const f32x4relaxedMadd = simd(0x105); // a·b + c, one fused multiply-add where the CPU has it
const block = [0x02, 0x40], loop = [0x03, 0x40], end = 0x0b;
const br = (d: number) => [0x0c, ...uleb(d)];
const brIf = (d: number) => [0x0d, ...uleb(d)];

// locals: params ap bp c mp np kc ldc, then i32 jp ip a b k cp bpan apan ldcb, then v128s
const [AP, BP, C, MP, NP, KC, LDC] = [0, 1, 2, 3, 4, 5, 6];
const [JP, IP, A, B, K, CP, BPAN, APAN, LDCB] = [7, 8, 9, 10, 11, 12, 13, 14, 15];
const ACC = (r: number, h: number) => 16 + r * 2 + h;

function kernelBody(fma: boolean): number[] {
  const MR = tileRows(fma), B0 = 16 + 2 * MR, B1 = B0 + 1, AV = B0 + 2;
  const c: number[] = [];
  const emit = (...xs: (number | number[])[]) => { for (const x of xs) Array.isArray(x) ? c.push(...x) : c.push(x); };
  emit(get(LDC), i32c(2), shl, set(LDCB));
  emit(get(BP), set(BPAN), i32c(0), set(JP));
  emit(block, loop); // B1 / L1 over jp
  emit(get(JP), get(NP), geU, brIf(1));
  emit(get(AP), set(APAN), i32c(0), set(IP));
  emit(block, loop); // B2 / L2 over ip
  emit(get(IP), get(MP), geU, brIf(1));
  for (let r = 0; r < MR; r++) for (let h = 0; h < 2; h++) emit(v128zero(), set(ACC(r, h)));
  emit(get(APAN), set(A), get(BPAN), set(B), get(KC), set(K));
  emit(block); // B3: skip when kc = 0
  emit(get(K), eqz, brIf(0));
  emit(loop); // L3 over k
  emit(get(B), v128load(0), set(B0), get(B), v128load(16), set(B1));
  for (let r = 0; r < MR; r++) {
    emit(get(A), v128splat32(4 * r), set(AV));
    for (let h = 0; h < 2; h++) {
      if (fma) emit(get(AV), get(h ? B1 : B0), get(ACC(r, h)), f32x4relaxedMadd, set(ACC(r, h)));
      else emit(get(ACC(r, h)), get(AV), get(h ? B1 : B0), f32x4mul, f32x4add, set(ACC(r, h)));
    }
  }
  emit(get(A), i32c(4 * MR), add, set(A));
  emit(get(B), i32c(4 * NR), add, set(B));
  emit(get(K), i32c(1), sub, set(K));
  emit(get(K), brIf(0));
  emit(end, end); // L3, B3
  // cp = c + ip·MR·ldc·4 + jp·8·4
  emit(get(C), get(IP), get(LDC), mul, i32c(MR * 4), mul, add, get(JP), i32c(5), shl, add, set(CP));
  for (let r = 0; r < MR; r++) {
    for (let h = 0; h < 2; h++) {
      emit(get(CP), get(CP), v128load(16 * h), get(ACC(r, h)), f32x4add, v128store(16 * h));
    }
    if (r < MR - 1) emit(get(CP), get(LDCB), add, set(CP));
  }
  emit(get(APAN), get(KC), i32c(MR * 4), mul, add, set(APAN)); // apan += kc·MR·4
  emit(get(IP), i32c(1), add, set(IP));
  emit(br(0), end, end); // L2, B2
  emit(get(BPAN), get(KC), i32c(5), shl, add, set(BPAN)); // bpan += kc·NR·4 (NR·4 = 32)
  emit(get(JP), i32c(1), add, set(JP));
  emit(br(0), end, end); // L1, B1
  emit(end);
  return c;
}

/** Pages (64 KiB) a shared memory may grow to: the wasm32 limit, 4 GiB (address space only). */
const MAX_PAGES = 65536;

/** The module; its memory import is `shared` (limits flag 3, with a maximum) for the thread pool. */
function moduleBytes(shared: boolean, fma: boolean): Uint8Array<ArrayBuffer> {
  const type = section(1, vec([[0x60, ...vec(new Array(7).fill([I32])), 0]]));
  const limits = shared ? [0x03, ...uleb(1), ...uleb(MAX_PAGES)] : [0x00, ...uleb(1)];
  const imports = section(2, vec([[...str('env'), ...str('mem'), 0x02, ...limits]]));
  const funcs = section(3, vec([[0]]));
  const exports = section(7, vec([[...str('gemm'), 0x00, 0]]));
  const locals = vec([[...uleb(9), I32], [...uleb(2 * tileRows(fma) + 3), V128]]);
  const body = [...locals, ...kernelBody(fma)];
  const code = section(10, vec([[...uleb(body.length), ...body]]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}

// ---- runtime -------------------------------------------------------------------------------

type KernelFn = (ap: number, bp: number, c: number, mp: number, np: number, kc: number, ldc: number) => void;

export interface WasmGemm {
  /** float32 view of the whole memory (re-read after `reserve`, which may grow it) */
  f32: Float32Array;
  /** make the memory at least `floats` float32 long; returns the (possibly new) view */
  reserve(floats: number): Float32Array;
  kernel: KernelFn;
  /** whether the kernel uses relaxed SIMD's fused multiply-add (one rounding per step of k) */
  fma: boolean;
  /** rows of its register tile, so of a packed A panel (tileRows) */
  mr: number;
  /** runs the GEMM's and the convolutions' phases, on worker threads sharing the memory where there are any (threads.ts) */
  phases: Phases;
}

/** One instance per thread count and form in use (normally one: threadCount(), FMA where it validates). */
const instances = new Map<string, WasmGemm | null>();

/**
 * The WebAssembly SIMD GEMM on the routed thread count (threadCount()), or null when this runtime
 * lacks WebAssembly SIMD or the `cpuGemm` route is 'js'. Route 'fma' (the default) uses relaxed
 * SIMD's fused multiply-add where the runtime validates it (Deno 2, Chrome ≥ 114; not Node 20) and the
 * separate multiply and add elsewhere (Node 20); 'wasm' (WEBGAN_CPU_GEMM=wasm) always the latter.
 * The two round differently, so the same training run in Deno and in Node 20 drifts apart by
 * rounding (bit-identical runs across runtimes: WEBGAN_CPU_GEMM=wasm on both).
 */
export function wasmGemm(): WasmGemm | null {
  const route = routesFor('cpu').cpuGemm;
  if (route === 'js') return null;
  const threads = threadCount(), key = `${threads}:${route}`;
  if (!instances.has(key)) instances.set(key, createWasmGemm(threads, route === 'fma'));
  return instances.get(key)!;
}

/**
 * Wait, up to `ms`, until every worker thread of `w` (threads.ts) has reported ready, so that the
 * next products already use them (until then phases run on the calling thread: right, but a first
 * training step or a benchmark would run on one thread). Resolves to whether they all have.
 */
export async function workersReady(w: WasmGemm, ms = 10_000): Promise<boolean> {
  for (const t0 = Date.now(); w.phases.ready() < w.phases.threads - 1 && Date.now() - t0 < ms;) await new Promise((r) => setTimeout(r, 5));
  return w.phases.ready() === w.phases.threads - 1;
}

/**
 * Whether this runtime's WebAssembly has relaxed SIMD's f32x4.relaxed_madd. Node 20's V8 (11.3)
 * has it behind --experimental-wasm-relaxed-simd, which can be set while running; with it the
 * `dcgan` step ran 1.4–1.6× slower than with the separate multiply and add (7 Dec), so it is
 * left off there.
 */
export function hasRelaxedMadd(): boolean {
  const W = (globalThis as { WebAssembly?: typeof WebAssembly }).WebAssembly;
  return !!W && W.validate(relaxedMaddModule());
}

/** the fused kernel's module bytes: another runtime (a browser page) validates them to tell whether it fuses */
export const relaxedMaddModule = (): Uint8Array<ArrayBuffer> => moduleBytes(false, true);

/**
 * A fresh instance of the kernel with its own memory, shared with `threads − 1` workers when
 * threads > 1 and the runtime can start them; null without WebAssembly SIMD. `fma`: use the fused
 * multiply-add where it validates (`fma` in the result says whether it did).
 */
export function createWasmGemm(threads: number, fma = true): WasmGemm | null {
  const W = (globalThis as { WebAssembly?: typeof WebAssembly }).WebAssembly;
  if (!W) return null;
  const shared = threads > 1;
  let bytes = moduleBytes(shared, fma);
  if (fma && !W.validate(bytes)) bytes = moduleBytes(shared, (fma = false));
  if (!W.validate(bytes)) return null;
  const mem = shared ? new W.Memory({ initial: 16, maximum: MAX_PAGES, shared: true }) : new W.Memory({ initial: 16 });
  const module = new W.Module(bytes);
  const kernel = new W.Instance(module, { env: { mem } }).exports.gemm as KernelFn;
  const state: WasmGemm = {
    f32: new Float32Array(mem.buffer),
    reserve(floats: number) {
      const need = floats * 4 - mem.buffer.byteLength;
      if (need > 0) mem.grow(Math.ceil(need / 65536));
      // (a shared memory's `buffer` is a fresh object after a grow; compare lengths, not objects)
      if (state.f32.byteLength !== mem.buffer.byteLength) state.f32 = new Float32Array(mem.buffer);
      return state.f32;
    },
    kernel,
    fma,
    mr: tileRows(fma),
    phases: startPhases(module, mem, kernel, threads),
  };
  return state;
}
