import { CpuBackend, RefBackend, init, setBackend, type Backend } from '../../src/index.ts';

export interface TestBackend {
  name: string;
  make: () => Promise<Backend>;
}

const env = (): Record<string, string | undefined> => (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
const inCI = (): boolean => env().CI === 'true';

let webgpu: Promise<Backend | null> | null = null;

/**
 * The backends every backend-parameterised test runs on: always the reference (plain loops) and
 * the fast CPU backend; WebGPU when `init({backend: 'webgpu'})` finds an adapter. In CI (CI=true) a missing adapter is an error,
 * not a skip. WEBGAN_TEST_BACKENDS=cpu (local runs only) skips the WebGPU probe. Leaves the CPU
 * backend active.
 */
export async function testBackends(): Promise<TestBackend[]> {
  const ref: TestBackend = { name: 'ref', make: async () => new RefBackend() };
  const cpu: TestBackend = { name: 'cpu', make: async () => new CpuBackend() };
  if (env().WEBGAN_TEST_BACKENDS === 'cpu' && !inCI()) return [ref, cpu];
  webgpu ??= (async () => {
    try {
      return await init({ backend: 'webgpu' });
    } catch (e) {
      if (inCI()) throw new Error(`testBackends: CI=true but no WebGPU backend: ${(e as Error).message}`);
      return null;
    } finally {
      setBackend(new CpuBackend());
    }
  })();
  const gpu = await webgpu;
  const list: TestBackend[] = [ref, cpu];
  if (gpu) list.push({ name: 'webgpu', make: async () => gpu });
  return list;
}
