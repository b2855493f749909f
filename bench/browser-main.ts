/**
 * Bench page for headless Chromium (bench/browser-bench.mjs bundles and serves it): the quick
 * kernel suite, webgan WebGPU vs tfjs-backend-webgpu, both on the browser's adapter. Results in
 * `window.__bench` ({ done, header, table, result | error }).
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as wg from '../src/index.ts';
import { kernelPreset, runKernelSuite } from '../src/bench/kernels.ts';
import { envelope, headerLine, kernelTable } from '../src/bench/report.ts';
import { loadTfPeer } from '../src/bench/tfjs.ts';

const w = window as unknown as { __bench: Record<string, unknown> };
w.__bench = { done: false };
const out = document.getElementById('out')!;
const say = (s: string) => { out.textContent += s + '\n'; console.log(s); };

try {
  const q = new URLSearchParams(location.search);
  await wg.init({ backend: 'webgpu' });
  const peer = q.has('no-tfjs') ? null : await loadTfPeer('webgpu');
  const env = envelope('kernels', true, peer);
  say(headerLine(env));
  const opts = kernelPreset(q.has('full') ? 'full' : 'quick');
  const filter = q.get('filter');
  if (filter) opts.filter = new RegExp(filter);
  const rows = await runKernelSuite(opts, peer, (r) => say(`  ${r.name}: webgan ${r.webganRate.toFixed(2)} ${r.unit}${r.ratio !== null ? `, tfjs ${r.tfjsRate!.toFixed(2)} (${r.ratio.toFixed(2)}×)` : ''}`));
  const table = kernelTable(rows);
  w.__bench = { done: true, header: headerLine(env), table, result: { ...env, results: rows } };
} catch (e) {
  w.__bench = { done: true, error: (e as Error).stack ?? String(e) };
}
