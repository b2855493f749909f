/** A lab worker's backend: WebGPU when the browser has an adapter (or `backend=webgpu` demands it), else the CPU. */
import { backendInfo, init } from '../init.ts';
import type { BackendReport } from './protocol.ts';
import type { LabBackend } from './settings.ts';

export async function startBackend(want: LabBackend): Promise<BackendReport> {
  if (want !== 'cpu') {
    try {
      await init({ backend: 'webgpu' });
      const i = backendInfo();
      return { name: 'webgpu', adapter: [i.description, i.vendor, i.architecture].filter((v) => v && String(v).length).map(String).join(' · ') || 'unnamed adapter' };
    } catch (e) {
      if (want === 'webgpu') throw new Error(`backend=webgpu: ${(e as Error).message}`);
      await init({ backend: 'cpu' });
      return { name: 'cpu', adapter: `no WebGPU adapter (${(e as Error).message})` };
    }
  }
  await init({ backend: 'cpu' });
  return { name: 'cpu', adapter: 'forced by backend=cpu' };
}
