import type { Backend, MemoryInfo } from './kernels/backend.ts';
import { CpuBackend } from './kernels/cpu/index.ts';
import { wasmGemm, workersReady } from './kernels/cpu/wasm-gemm.ts';
import { RefBackend } from './kernels/ref/index.ts';
import { getBackend, setBackend } from './tensor/runtime.ts';

export interface InitOptions {
  /**
   * 'auto' picks WebGPU when a hardware adapter is found, else the CPU. A software adapter
   * (SwiftShader, llvmpipe/lavapipe) counts as not found: measured here, the CPU backend's packed
   * GEMM runs at ~1.7 GFLOP/s where both webgan's and TensorFlow.js's WGSL run at ~0.2 on lavapipe
   * (bench/RESULTS.md); 'webgpu' uses it anyway. 'ref' is the reference backend: plain loops,
   * slow, the oracle the others are tested against (for checking a result, not for training).
   */
  backend?: 'webgpu' | 'cpu' | 'ref' | 'auto';
  powerPreference?: 'low-power' | 'high-performance';
  /** print which backend was chosen (default: false) */
  verbose?: boolean;
}

/** Choose and start a backend. Returns it; `backendInfo()` describes it. */
export async function init(opts: InitOptions = {}): Promise<Backend> {
  const want = opts.backend ?? 'auto';
  if (want !== 'cpu' && want !== 'auto' && want !== 'webgpu' && want !== 'ref') throw new Error(`init: backend must be 'webgpu', 'cpu', 'ref' or 'auto', got ${String(want)}`);
  let backend: Backend | null = want === 'ref' ? new RefBackend() : null;
  if (want === 'auto' || want === 'webgpu') {
    try {
      const { createWebGPUBackend } = await import('./kernels/webgpu/index.ts');
      backend = await createWebGPUBackend({ powerPreference: opts.powerPreference });
      const info = backend.info();
      if (want === 'auto' && isSoftwareAdapter(info)) {
        if (opts.verbose) console.error(`webgan: ${String(info.description)} is a software WebGPU adapter, slower than the CPU backend; using the CPU (pass backend 'webgpu' to use it)`);
        (backend as { destroy?: () => void }).destroy?.();
        backend = null;
      }
    } catch (e) {
      if (want === 'webgpu') throw e;
      if (opts.verbose) console.error(`webgan: no WebGPU adapter (${(e as Error).message}); using the CPU backend`);
    }
  }
  backend ??= new CpuBackend();
  const gemm = backend instanceof CpuBackend ? wasmGemm() : null; // starts the GEMM's worker threads
  if (gemm) await workersReady(gemm); // up before the first step
  setBackend(backend);
  if (opts.verbose) console.error(`webgan: backend ${backend.name}${backend.name === 'webgpu' ? ` (${String(backend.info().description)})` : ''}`);
  return backend;
}

/** SwiftShader, llvmpipe/lavapipe and other CPU implementations of WebGPU. */
export function isSoftwareAdapter(info: Record<string, unknown>): boolean {
  const text = [info.vendor, info.architecture, info.device, info.description].map(String).join(' ');
  return /swiftshader|llvmpipe|lavapipe|software|warp/i.test(text);
}

export function backendInfo(): Record<string, unknown> {
  return getBackend().info();
}

export function memory(): MemoryInfo {
  return getBackend().memory();
}
