import { backendInfo } from '../init.ts';
import { startBackend } from './backend.ts';

export async function infoCommand(o: { backend: 'webgpu' | 'cpu' | 'auto' }): Promise<void> {
  await startBackend(o.backend, true);
  const g = globalThis as { Deno?: { version: { deno: string } }; process?: { version: string } };
  const runtime = g.Deno ? `deno ${g.Deno.version.deno}` : `node ${g.process?.version}`;
  console.log(JSON.stringify({ runtime, ...backendInfo() }, null, 2));
}
