/**
 * Bench page for headless Chromium (bench/browser-bench.mjs bundles and serves it): the quick
 * kernel suite (`?suite=kernels`, default) or training suite (`?suite=train`), webgan WebGPU vs
 * tfjs-backend-webgpu, both on the browser's adapter. Results in `window.__bench`
 * ({ done, header, table, result | error }).
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as wg from '../src/index.ts';
import { kernelPreset, runKernelSuite } from '../src/cli/bench/kernels.ts';
import { envelope, headerLine, kernelTable, trainTable } from '../src/cli/bench/report.ts';
import { runTrainSuite, trainPreset } from '../src/cli/bench/train.ts';
import { loadTfPeer } from './peers/tfjs.ts';

const w = window as unknown as { __bench: Record<string, unknown> };
w.__bench = { done: false };
const out = document.getElementById('out')!;
const say = (s: string) => { out.textContent += s + '\n'; console.log(s); };

try {
  const q = new URLSearchParams(location.search);
  await wg.init({ backend: 'webgpu' });
  const peer = q.has('no-tfjs') ? null : await loadTfPeer('webgpu');
  const suite = q.get('suite') ?? 'kernels';
  if (suite !== 'kernels' && suite !== 'train') throw new Error(`bench page: suite must be kernels or train, got '${suite}'`);
  const quick = !q.has('full');
  const env = envelope(suite, quick, peer);
  say(headerLine(env));
  if (suite === 'kernels') {
    const opts = kernelPreset(quick ? 'quick' : 'full');
    const filter = q.get('filter');
    if (filter) opts.filter = new RegExp(filter);
    const k = q.get('calls-per-sample');
    if (k && k !== 'auto') opts.callsPerSample = Number(k);
    const rows = await runKernelSuite(opts, peer, (r) => say(`  ${r.name}: webgan ${r.webganRate.toFixed(2)} ${r.unit}${r.ratio !== null ? `, tfjs ${r.tfjsRate!.toFixed(2)} (${r.ratio.toFixed(2)}×)` : ''}`));
    w.__bench = { done: true, header: headerLine(env), table: kernelTable(rows), result: { ...env, results: rows } };
  } else {
    const opts = trainPreset(quick ? 'quick' : 'full');
    const presets = q.get('preset');
    if (presets) opts.cases = opts.cases.filter((c) => presets.split(',').includes(c.preset));
    const batch = q.get('batch');
    if (batch) for (const c of opts.cases) c.batch = Number(batch);
    const rows = await runTrainSuite(opts, peer, (r) => say(`  ${r.preset}: webgan ${r.webganStepsPerSec.toFixed(3)} steps/s${r.tfjsStepsPerSec !== null ? `, tfjs ${r.tfjsStepsPerSec.toFixed(3)} (${r.ratio!.toFixed(2)}×)` : ''}`));
    w.__bench = { done: true, header: headerLine(env), table: trainTable(rows), result: { ...env, results: rows } };
  }
} catch (e) {
  w.__bench = { done: true, error: (e as Error).stack ?? String(e) };
}
