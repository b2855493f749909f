/**
 * The lab's speed in headless Chromium: the 2-D view training and redrawing, as a user runs it.
 * The lab is bundled and served by the code of `webgan lab` (src/cli/lab.ts) and driven with
 * playwright-core (Debian's Chromium, the flags of scripts/lab-test.ts). For each setting (GAN
 * Lab-sized networks at two batches, and first the page's defaults as they are), backend (`cpu`: the CPU
 * fallback; `webgpu`: SwiftShader here) and speed (steps per frame) it opens the page with
 * autoplay=1, waits out a warm-up, then reads `window.webganLab.state()` at the ends of `repeats`
 * back-to-back windows of fixed wall time: training steps/s, frames drawn per second, and where a
 * frame's time goes (the worker's steps and view data, the page's drawing; the rest is message
 * passing and waiting). Median and range over the windows. Results: bench/RESULTS-lab.md.
 *
 *   node_modules/.bin/vite-node bench/lab-speed.ts [-- --backends cpu,webgpu] [--window 5] [--repeats 3]
 *        [--warmup 4] [--speeds 1,3,5,20] [--quick] [--json FILE]      (npm run bench:lab)
 */
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { chromium, type Page } from 'playwright-core';
import { bundleLab, serveLab } from '../src/cli/lab.ts';
import type { LabState } from '../src/lab/main.ts';
import { median } from '../src/cli/bench/measure.ts';
import { LAB_DEFAULTS } from '../src/lab/settings.ts';

const argv = process.argv.slice(2);
const arg = (k: string, d: string) => { const i = argv.indexOf(k); return i >= 0 ? argv[i + 1] : d; };
const num = (k: string, d: number) => {
  const v = Number(arg(k, String(d)));
  if (!(v > 0)) throw new Error(`${k} must be a positive number, got '${arg(k, '')}'`);
  return v;
};
const backends = arg('--backends', 'cpu,webgpu').split(',');
for (const b of backends) if (b !== 'cpu' && b !== 'webgpu') throw new Error(`--backends: each must be cpu or webgpu, got '${b}'`);
const windowS = num('--window', 5), repeats = num('--repeats', 3), warmupS = num('--warmup', 4);
const quick = argv.includes('--quick');
const speeds = arg('--speeds', quick ? '1,5' : '1,3,5,20').split(',').map(Number);
if (speeds.some((s) => !Number.isSafeInteger(s) || s < 1 || s > 1000)) throw new Error(`--speeds: integers from 1 to 1000, got '${arg('--speeds', '')}'`);

/** depth × width of G and D alike, batch */
const SETTINGS: { depth: number; width: number; batch: number }[] = quick
  ? [{ depth: 2, width: 32, batch: 64 }, { depth: 3, width: 64, batch: 256 }]
  : [{ depth: 1, width: 64, batch: 64 }, { depth: 2, width: 32, batch: 64 }, { depth: 2, width: 64, batch: 64 }, { depth: 3, width: 64, batch: 64 }, { depth: 3, width: 64, batch: 256 }];
/** SwiftShader trains a few steps/s: fewer cases there */
const WEBGPU_SETTINGS = SETTINGS.filter((s) => (s.depth === 2 && s.width === 32) || (s.depth === 3 && s.batch === 256));

const ARGS = ['--enable-unsafe-webgpu', '--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'];
const exe = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => p && existsSync(p));
if (!exe) throw new Error('lab-speed: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)');

interface Window { stepsPerSec: number; fps: number; received: number; trainMs: number; frameMs: number; drawMs: number; otherMs: number }
interface Row { backend: string; adapter: string; setting: string; speed: number; windows: Window[] }

const snap = async (page: Page) => ({ t: performance.now(), s: (await page.evaluate(() => window.webganLab.state())) as LabState });
const fmt = (xs: number[], d = 1) => {
  const m = median(xs);
  return xs.length > 1 ? `${m.toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})` : m.toFixed(d);
};

const load0 = loadavg();
const files = await bundleLab();
const { server, url } = await serveLab(files);
const browser = await chromium.launch({ executablePath: exe, headless: true, args: ARGS });
const rows: Row[] = [];
try {
  for (const backend of backends) {
    // the page's defaults (LAB_DEFAULTS: data, networks, batch and speed), then each setting at each speed on the grid
    const cases = [{ st: null, speed: LAB_DEFAULTS.speed }, ...(backend === 'webgpu' ? WEBGPU_SETTINGS : SETTINGS).flatMap((st) => speeds.map((speed) => ({ st, speed })))];
    for (const { st, speed } of cases) {
      const q = st
        ? `data=grid&seed=1&batch=${st.batch}&gdepth=${st.depth}&gwidth=${st.width}&ddepth=${st.depth}&dwidth=${st.width}&backend=${backend}&speed=${speed}&autoplay=1`
        : `backend=${backend}&autoplay=1`;
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${url}?${q}`);
      await page.waitForFunction(() => window.webganLab?.state().frames >= 2 || window.webganLab?.state().status === 'error', null, { timeout: 180_000, polling: 200 });
      await page.waitForTimeout(warmupS * 1000);
      const windows: Window[] = [];
      let a = await snap(page);
      for (let r = 0; r < repeats; r++) {
        await page.waitForTimeout(windowS * 1000);
        const b = await snap(page);
        const s = (b.t - a.t) / 1000, frames = b.s.frames - a.s.frames, drawn = b.s.drawn - a.s.drawn;
        const per = (x: number) => (frames > 0 ? x / frames : NaN);
        const trainMs = per(b.s.timing.trainMs - a.s.timing.trainMs), frameMs = per(b.s.timing.frameMs - a.s.timing.frameMs);
        windows.push({
          stepsPerSec: (b.s.step - a.s.step) / s, fps: drawn / s, received: frames / s, trainMs, frameMs,
          drawMs: drawn > 0 ? (b.s.timing.drawMs - a.s.timing.drawMs) / drawn : NaN,
          otherMs: per(s * 1000) - trainMs - frameMs,
        });
        a = b;
      }
      const s = a.s;
      if (s.status !== 'ready' || !s.playing || errors.length) throw new Error(`${q}: status ${s.status} ${s.error ?? ''} playing ${s.playing} ${errors.join(' | ')}`);
      if (s.backend !== backend) throw new Error(`${q}: asked for ${backend}, the page runs ${s.backend} (${s.adapter})`);
      const d = LAB_DEFAULTS;
      const setting = st ? `${st.depth}×${st.width}, batch ${st.batch}` : `the page's defaults: ${d.data}, ${d.gdepth}×${d.gwidth}, batch ${d.batch}`;
      const row: Row = { backend, adapter: s.adapter ?? '', setting, speed, windows };
      rows.push(row);
      const w = row.windows;
      console.error(`  ${backend} ${row.setting} speed ${speed}: ${fmt(w.map((x) => x.stepsPerSec))} steps/s, ${fmt(w.map((x) => x.fps))} frames drawn/s`);
      await page.close();
    }
  }
} finally {
  await browser.close().catch(() => {});
  server.close();
}
const load1 = loadavg();

const header = `lab speed — ${new Date().toISOString()} — Chromium ${browser.version()} headless — ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}) — load average ${load0.map((x) => x.toFixed(2)).join(' ')} before, ${load1.map((x) => x.toFixed(2)).join(' ')} after — ${repeats} windows of ${windowS} s after ${warmupS} s warm-up`;
const table = [
  '| backend | G and D, batch | steps/frame | steps/s | frames drawn/s | frames received/s | worker: steps ms/frame | worker: view data ms/frame | page: draw ms | other ms/frame |',
  '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ...rows.map((r) => {
    const w = r.windows;
    return `| ${r.backend} | ${r.setting} | ${r.speed} | ${fmt(w.map((x) => x.stepsPerSec))} | ${fmt(w.map((x) => x.fps))} | ${fmt(w.map((x) => x.received))} | ${fmt(w.map((x) => x.trainMs))} | ${fmt(w.map((x) => x.frameMs))} | ${fmt(w.map((x) => x.drawMs))} | ${fmt(w.map((x) => x.otherMs))} |`;
  }),
].join('\n');
console.log(`${header}\nadapters: ${[...new Set(rows.map((r) => `${r.backend}: ${r.adapter}`))].join('; ')}\n\n${table}`);
const json = arg('--json', '');
if (json) writeFileSync(json, JSON.stringify({ suite: 'lab-speed', date: new Date().toISOString(), browser: `chromium ${browser.version()}`, cpus: cpus().length, loadavg: { before: load0, after: load1 }, windowS, repeats, warmupS, rows }, null, 2) + '\n');
process.exit(0);
