import { backendInfo, init } from '../init.ts';

/** Start the requested backend; init() says which one runs (on stderr, so stdout stays data). */
export async function startBackend(name: 'webgpu' | 'cpu' | 'auto', quiet = false): Promise<string> {
  const b = await init({ backend: name, verbose: !quiet });
  const info = backendInfo();
  return b.name === 'webgpu' ? `webgpu (${String(info.description || info.vendor || 'adapter')})` : 'cpu';
}
