import type { Backend } from '../backend.ts';

export async function createWebGPUBackend(_opts: { powerPreference?: 'low-power' | 'high-performance' } = {}): Promise<Backend> {
  throw new Error('WebGPU backend not built yet');
}
