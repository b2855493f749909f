import { backendInfo, init } from '../init.ts';

/** Start the requested backend and say which one runs (stderr, so stdout stays data). */
export async function startBackend(name: 'webgpu' | 'cpu' | 'auto', quiet = false): Promise<string> {
  const b = await init({ backend: name });
  const info = backendInfo();
  const desc = b.name === 'webgpu' ? `webgpu (${String(info.description || info.vendor || 'adapter')})` : 'cpu';
  if (!quiet) console.error(`webgan: backend ${desc}`);
  return desc;
}
