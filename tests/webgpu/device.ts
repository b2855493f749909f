/**
 * The WebGPU backend for the tests, or null (the suite skips, printing why) when this machine has
 * no adapter. On CI (CI=true) a missing adapter is an error, not a skip.
 */
import type { Backend } from '../../src/index.ts';
import { createWebGPUBackend } from '../../src/kernels/webgpu/index.ts';

const env = (k: string): string | undefined =>
  (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env[k];

let cached: Promise<Backend | null> | null = null;

export function webgpuBackend(): Promise<Backend | null> {
  cached ??= (async () => {
    try {
      return await createWebGPUBackend();
    } catch (e) {
      if (env('CI') === 'true') throw new Error(`CI=true but no WebGPU adapter: ${(e as Error).message}`);
      console.warn(`[tests/webgpu] skipping the WebGPU suite: ${(e as Error).message}`);
      return null;
    }
  })();
  return cached;
}
