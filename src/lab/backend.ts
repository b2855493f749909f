/** The backend a lab worker starts (the training worker and the kernel view's): the URL's `backend`. */
import { backendInfo, init } from '../init.ts';
import type { BackendReport } from './protocol.ts';
import type { LabBackend } from './settings.ts';

/** WebGPU when the browser has an adapter (auto, webgpu), else the CPU; webgpu without an adapter is an error. */
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
