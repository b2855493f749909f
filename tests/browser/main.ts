/**
 * Browser entry: runs the WebGPU conformance suite in the page and publishes the outcome on
 * `window.__results` (read by scripts/browser-test.mjs); every line also goes to the console.
 */
import { CpuBackend } from '../../src/index.ts';
import { runConformance, type SuiteResult } from './suite.ts';

/** ?selftest: run the suite with the fast CPU backend as the backend under test (no GPU needed). */
const selftest = new URLSearchParams(location.search).has('selftest');

declare global {
  interface Window { __results?: SuiteResult & { done: true; userAgent: string }; }
}

const lines: string[] = [];
const pre = document.getElementById('log');
const log = (line: string) => {
  lines.push(line);
  console.log(line);
  if (pre) pre.textContent = lines.join('\n');
};

/** The page's own adapter check, independent of the library: is WebGPU there at all? */
async function adapterCheck(): Promise<{ name: string; ok: boolean; message: string }> {
  const name = 'navigator.gpu.requestAdapter()';
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { name, ok: false, message: `navigator.gpu is undefined (isSecureContext=${isSecureContext})` };
  const a = await gpu.requestAdapter();
  if (!a) return { name, ok: false, message: 'no adapter (is --enable-unsafe-webgpu set?)' };
  const i = a.info;
  return { name, ok: true, message: [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' | ') };
}

try {
  const probe = await adapterCheck();
  log(`${probe.ok ? 'ok  ' : 'FAIL'} ${probe.name}: ${probe.message}`);
  const r = await runConformance(log, selftest ? { start: async () => new CpuBackend() } : {});
  r.results.unshift(probe);
  if (probe.ok) r.passed++;
  else r.failed++;
  window.__results = { ...r, done: true, userAgent: navigator.userAgent };
} catch (e) {
  log(`FAIL suite crashed: ${(e as Error)?.stack ?? String(e)}`);
  window.__results = { passed: 0, failed: 1, results: [{ name: 'suite', ok: false, message: String(e) }], done: true, userAgent: navigator.userAgent };
}
