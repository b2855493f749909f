import type { Backend, MemoryInfo } from './kernels/backend.ts';
import { CpuBackend } from './kernels/cpu/index.ts';
import { getBackend, setBackend } from './tensor/runtime.ts';

export interface InitOptions {
  /** 'auto' picks WebGPU when an adapter is found, else the CPU */
  backend?: 'webgpu' | 'cpu' | 'auto';
  powerPreference?: 'low-power' | 'high-performance';
  /** print which backend was chosen (default: false) */
  verbose?: boolean;
}

/** Choose and start a backend. Returns it; `backendInfo()` describes it. */
export async function init(opts: InitOptions = {}): Promise<Backend> {
  const want = opts.backend ?? 'auto';
  if (want !== 'cpu' && want !== 'auto' && want !== 'webgpu') throw new Error(`init: backend must be 'webgpu', 'cpu' or 'auto', got ${String(want)}`);
  let backend: Backend | null = null;
  if (want !== 'cpu') {
    try {
      const { createWebGPUBackend } = await import('./kernels/webgpu/index.ts');
      backend = await createWebGPUBackend({ powerPreference: opts.powerPreference });
    } catch (e) {
      if (want === 'webgpu') throw e;
      if (opts.verbose) console.error(`webgan: no WebGPU adapter (${(e as Error).message}); using the CPU backend`);
    }
  }
  backend ??= new CpuBackend();
  setBackend(backend);
  if (opts.verbose) console.error(`webgan: backend ${backend.name}`);
  return backend;
}

export function backendInfo(): Record<string, unknown> {
  return getBackend().info();
}

export function memory(): MemoryInfo {
  return getBackend().memory();
}
