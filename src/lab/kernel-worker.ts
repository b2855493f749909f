/**
 * The kernel view's worker: the quick kernel suite (kernels.ts) off the page's thread, on the
 * backend the URL asks for (backend.ts) and, when asked, next to TensorFlow.js: `./tfjs.js`, the
 * bundle of bench/peers/tfjs.ts that `webgan lab` serves from a checkout with the tfjs packages
 * installed (src/cli/lab.ts; never in dist/lab). One run at a time; rows are sent as they are measured.
 */
import type { Peer } from '../cli/bench/peer.ts';
import { startBackend } from './backend.ts';
import { kernelCaseNames, runKernels, type FromKernelWorker, type ToKernelWorker } from './kernels.ts';
import type { BackendReport } from './protocol.ts';

const post = (m: FromKernelWorker) => (self as unknown as Worker).postMessage(m);
let backend: BackendReport | null = null;
let peer: Peer | null = null;

/** TensorFlow.js on the backend webgan runs on (the bundle's loadTfPeer), loaded once. */
async function loadPeer(kind: 'webgpu' | 'cpu'): Promise<Peer> {
  if (peer) return peer;
  const url = new URL('./tfjs.js', import.meta.url).href;
  let mod: { loadTfPeer: (b: 'webgpu' | 'cpu') => Promise<Peer | null> };
  try {
    mod = await import(/* @vite-ignore */ url);
  } catch (e) {
    throw new Error(`TensorFlow.js is not served with this page (${url}: ${(e as Error).message}); run \`webgan lab\` from a checkout after \`npm ci\`, or leave tfjs off`);
  }
  const p = await mod.loadTfPeer(kind);
  if (!p) throw new Error(`TensorFlow.js could not start its ${kind} backend (see the console)`);
  return (peer = p);
}

self.onmessage = async (ev: MessageEvent<ToKernelWorker>) => {
  const m = ev.data;
  try {
    backend ??= await startBackend(m.backend, { softwareAdapter: 'use' });
    const p = m.tfjs ? await loadPeer(backend.name) : null;
    post({ type: 'start', id: m.id, backend, tfjs: p ? `${p.version} ${p.backend} (${p.adapter})` : null, cases: kernelCaseNames(m.filter, m.full) });
    const result = await runKernels({ filter: m.filter, full: m.full }, p, (row) => post({ type: 'row', id: m.id, row }));
    post({ type: 'done', id: m.id, result });
  } catch (e) {
    post({ type: 'error', id: m.id, message: (e as Error).message });
  }
};
