/** The backend a lab worker starts (the training workers and the kernel view's): the URL's `backend`. */
import { backendInfo, init, isSoftwareAdapter } from '../init.ts';
import type { BackendReport } from './protocol.ts';
import type { LabBackend } from './settings.ts';

/**
 * `webgpu`: WebGPU on the browser's adapter (an error without one); `cpu`: the CPU backend; `auto`:
 * WebGPU when the browser has a hardware adapter, else the CPU — a software adapter (SwiftShader,
 * llvmpipe) counts as none, as for the library's init('auto'): it trains the 2-D view's default
 * ~40× slower than the CPU backend on the same machine (docs/lab.md#speed). The kernel view, which
 * measures the adapter itself, passes `softwareAdapter: 'use'`.
 */
export async function startBackend(want: LabBackend, o: { softwareAdapter?: 'use' | 'avoid' } = {}): Promise<BackendReport> {
  if (want !== 'cpu') {
    try {
      const gpu = await init({ backend: 'webgpu' });
      const i = backendInfo();
      const adapter = [i.description, i.vendor, i.architecture].filter((v) => v && String(v).length).map(String).join(' · ') || 'unnamed adapter';
      if (want === 'auto' && (o.softwareAdapter ?? 'avoid') === 'avoid' && isSoftwareAdapter(i)) {
        (gpu as { destroy?: () => void }).destroy?.();
        await init({ backend: 'cpu' });
        return { name: 'cpu', adapter: `${adapter} is a software WebGPU adapter, slower than the CPU backend (backend=webgpu uses it)` };
      }
      return { name: 'webgpu', adapter };
    } catch (e) {
      if (want === 'webgpu') throw new Error(`backend=webgpu: ${(e as Error).message}`);
      await init({ backend: 'cpu' });
      return { name: 'cpu', adapter: `no WebGPU adapter (${(e as Error).message})` };
    }
  }
  await init({ backend: 'cpu' });
  return { name: 'cpu', adapter: 'forced by backend=cpu' };
}
