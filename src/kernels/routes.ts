import { envVar } from './env.ts';

/**
 * Kernel routes: which of several correct implementations a backend runs, in one table per
 * adapter class. Every route gives the same results within the kernels' tolerances (the tests
 * run each one against the reference); they differ only in speed on a given adapter. Kernels ask
 * `routesFor(class)` when they choose, so an override or an environment variable takes effect
 * at the next dispatch. Measurements behind the defaults: docs/benchmarks.md, "Kernel routes".
 */

/**
 * What runs the kernels. `lavapipe` is Mesa's software Vulkan (llvmpipe) under Deno, `swiftshader`
 * Google's (Node's Dawn and Chrome without a GPU), `gpu` any other WebGPU adapter, `cpu` the CPU
 * backend (no adapter).
 */
export type AdapterClass = 'gpu' | 'lavapipe' | 'swiftshader' | 'cpu';
export const ADAPTER_CLASSES: readonly AdapterClass[] = ['gpu', 'lavapipe', 'swiftshader', 'cpu'];

/** rows × columns */
export type Block = readonly [rows: number, cols: number];

export interface Routes {
  /** WebGPU, gemm.ts: the GEMM template behind matmul and the convolutions: workgroup-tiled, or barrier-free register blocks */
  gemm: 'tiled' | 'direct';
  /** WebGPU, gemm.ts: rows × columns of C per invocation of the direct template; 'auto' = by shape */
  directBlock: Block | 'auto';
  /** WebGPU, convt-direct.ts: convTranspose2d with ≤ 4 output channels per group as one direct dispatch, not per-phase GEMMs */
  convTransposeDirect: boolean;
  /** WebGPU, convt-direct.ts: the input patch per invocation of that kernel; 'auto' = by shape */
  directPatch: Block | 'auto';
  /** WebGPU, conv-window.ts: convolutions whose window is the whole input through texture-staged kernels */
  convWindow: boolean;
  /** CPU, wasm-gemm.ts: the float32 GEMM in WebAssembly SIMD with fused multiply-adds and a 6×8 tile ('fma', the default: relaxed SIMD where the runtime has it — Deno 2, Chrome ≥ 114 — else as 'wasm'), with separate multiply and add and a 4×8 tile ('wasm'), or the JavaScript loops */
  cpuGemm: 'fma' | 'wasm' | 'js';
  /** CPU, threads.ts: threads of the GEMM and convolution phases; 'auto' = the logical cores, at most 8 */
  cpuThreads: number | 'auto';
  /** CPU, conv.ts: float32 one-group convolutions packed straight into the GEMM's panels and one-channel-per-group ones plane by plane, or everything through a column matrix */
  cpuConv: 'fused' | 'im2col';
}

/**
 * The defaults. Why each differs:
 * - lavapipe runs a workgroup barrier as a loop over the invocations and every per-lane storage
 *   load as a scalar gather, so it takes the barrier-free direct GEMM template and the kernels
 *   built for it (few-channel convTranspose2d, texture-staged window = input convolutions).
 * - SwiftShader runs the direct matmul faster too, but compiles the direct convolution
 *   pipelines so slowly that it stays on the tiled template.
 * - GPUs keep the tiled template (the direct kernels were never measured on one).
 * The WebGPU fields of `cpu` and the CPU fields of the adapters are not read (the CPU backend
 * reads only `cpu`, WebGPU only its adapter's row); they hold the same values everywhere.
 */
export const ROUTES: Readonly<Record<AdapterClass, Readonly<Routes>>> = {
  gpu: { gemm: 'tiled', directBlock: 'auto', convTransposeDirect: false, directPatch: 'auto', convWindow: false, cpuGemm: 'fma', cpuThreads: 'auto', cpuConv: 'fused' },
  lavapipe: { gemm: 'direct', directBlock: 'auto', convTransposeDirect: true, directPatch: 'auto', convWindow: true, cpuGemm: 'fma', cpuThreads: 'auto', cpuConv: 'fused' },
  swiftshader: { gemm: 'tiled', directBlock: 'auto', convTransposeDirect: false, directPatch: 'auto', convWindow: false, cpuGemm: 'fma', cpuThreads: 'auto', cpuConv: 'fused' },
  cpu: { gemm: 'tiled', directBlock: 'auto', convTransposeDirect: false, directPatch: 'auto', convWindow: false, cpuGemm: 'fma', cpuThreads: 'auto', cpuConv: 'fused' },
};

/** The class of a WebGPU adapter, from its info (the one place adapter names are matched). */
export function adapterClass(info: { vendor?: string; architecture?: string; device?: string; description?: string }): AdapterClass {
  const text = `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''}`.toLowerCase();
  if (/llvmpipe|lavapipe/.test(text)) return 'lavapipe';
  if (/swiftshader/.test(text)) return 'swiftshader';
  return 'gpu';
}

/**
 * The environment variables (Node, Deno with --allow-env; read once, when a kernel first asks),
 * for A/B benchmarks of one build:
 *   WEBGAN_GEMM=tiled|direct   gemm
 *   WEBGAN_CONV_WINDOW=on|off  convWindow
 *   WEBGAN_CPU_GEMM=fma|wasm|js  cpuGemm
 *   WEBGAN_CPU_THREADS=N       cpuThreads: N (1 = no worker threads; the better setting when
 *                              several runs share the machine)
 * Other values of the first three are ignored; a WEBGAN_CPU_THREADS that is not a positive integer
 * throws.
 */
export function routesFromEnv(read: (name: string) => string | undefined = envVar): Partial<Routes> {
  const r: Partial<Routes> = {};
  const gemm = read('WEBGAN_GEMM');
  if (gemm === 'tiled' || gemm === 'direct') r.gemm = gemm;
  const win = read('WEBGAN_CONV_WINDOW');
  if (win === 'on' || win === 'off') r.convWindow = win === 'on';
  const cpuGemm = read('WEBGAN_CPU_GEMM');
  if (cpuGemm === 'fma' || cpuGemm === 'wasm' || cpuGemm === 'js') r.cpuGemm = cpuGemm;
  const threads = read('WEBGAN_CPU_THREADS');
  if (threads !== undefined && threads !== '') {
    const n = Number(threads);
    if (!Number.isInteger(n) || n < 1) throw new Error(`WEBGAN_CPU_THREADS must be a positive integer, got '${threads}'`);
    r.cpuThreads = n;
  }
  return r;
}

let fromEnv: Partial<Routes> | undefined;
/** override layers, oldest first */
const layers: Partial<Routes>[] = [];
const resolved = new Map<AdapterClass, Routes>();

/**
 * The routes in force for `cls`: its row of ROUTES, then the environment, then the overrides
 * (newest wins). Forcing `gemm` without naming convTransposeDirect / convWindow sets those two to
 * match it: they are the direct template's companions (WEBGAN_GEMM=tiled on lavapipe runs the
 * GPU routes).
 */
export function routesFor(cls: AdapterClass): Readonly<Routes> {
  let r = resolved.get(cls);
  if (r) return r;
  fromEnv ??= routesFromEnv();
  const forced: Partial<Routes> = Object.assign({}, fromEnv, ...layers);
  r = { ...ROUTES[cls], ...forced };
  if (forced.gemm !== undefined) {
    if (forced.convTransposeDirect === undefined) r.convTransposeDirect = forced.gemm === 'direct';
    if (forced.convWindow === undefined) r.convWindow = forced.gemm === 'direct';
  }
  resolved.set(cls, r);
  return r;
}

const positive = (n: unknown) => Number.isInteger(n) && (n as number) >= 1;
const block = (b: unknown) => b === 'auto' || (Array.isArray(b) && b.length === 2 && b.every(positive));
const CHECKS: { [K in keyof Routes]: (v: unknown) => boolean } = {
  gemm: (v) => v === 'tiled' || v === 'direct',
  directBlock: block,
  convTransposeDirect: (v) => typeof v === 'boolean',
  directPatch: block,
  convWindow: (v) => typeof v === 'boolean',
  cpuGemm: (v) => v === 'fma' || v === 'wasm' || v === 'js',
  cpuThreads: (v) => v === 'auto' || positive(v),
  cpuConv: (v) => v === 'fused' || v === 'im2col',
};

/**
 * Force routes on every adapter class (tests, benchmarks) until the returned function is called.
 * Overrides stack: the newest wins, and restoring one (in any order, any number of times) leaves
 * the others in force. A field set to undefined is left as it was.
 */
export function overrideRoutes(partial: Partial<Routes>): () => void {
  const layer: Partial<Routes> = {};
  for (const [k, v] of Object.entries(partial) as [keyof Routes, unknown][]) {
    if (v === undefined) continue;
    if (!(k in CHECKS)) throw new Error(`overrideRoutes: unknown route '${k}'`);
    if (!CHECKS[k](v)) throw new Error(`overrideRoutes: invalid ${k}: ${JSON.stringify(v)}`);
    (layer as Record<string, unknown>)[k] = v;
  }
  layers.push(layer);
  resolved.clear();
  return () => {
    const i = layers.indexOf(layer);
    if (i >= 0) { layers.splice(i, 1); resolved.clear(); }
  };
}

/**
 * fn() with `partial` in force, restored when fn returns or throws; for an async fn, when its
 * promise settles. The override is global: other work running meanwhile sees it too.
 */
export function withRoutes<T>(partial: Partial<Routes>, fn: () => T): T {
  const restore = overrideRoutes(partial);
  let out: T;
  try {
    out = fn();
  } catch (e) {
    restore();
    throw e;
  }
  if (out instanceof Promise) return out.finally(restore) as T;
  restore();
  return out;
}
