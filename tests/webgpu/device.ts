/**
 * The WebGPU backend for the tests, or null (the suite skips) when this machine has no adapter:
 * the one probe of tests/helpers/backends.ts (on CI, CI=true, a missing adapter is an error there).
 */
import type { Backend } from '../../src/index.ts';
import { testBackends } from '../helpers/backends.ts';

export async function webgpuBackend(): Promise<Backend | null> {
  const gpu = (await testBackends()).find((b) => b.name === 'webgpu');
  if (!gpu) console.warn('[tests/webgpu] skipping the WebGPU suite: no WebGPU adapter (or WEBGAN_TEST_BACKENDS=cpu)');
  return gpu ? gpu.make() : null;
}
