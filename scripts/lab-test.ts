/**
 * The lab page (src/lab, docs/lab.md) in headless Chromium, as a user opens it: bundled and served
 * by the code of `webgan lab` (src/cli/lab.ts), driven with playwright-core (Debian's Chromium, the
 * flags of scripts/browser-test.mjs). Prints 'lab (chromium): N passed, M failed'.
 *
 *   npx vite-node scripts/lab-test.ts        (npm run test:lab; a step of scripts/test-all.sh)
 *
 * Checks: bad URL settings give a visible message and no crash; a grid run started from the URL
 * (autoplay=1, small networks) trains on WebGPU (SwiftShader here) and captures more modes
 * (window.webganLab.state()); the canvases are drawn; the CPU fallback (backend=cpu) trains; the
 * same settings replay the same run (steps, D / G updates, reset); no console errors anywhere.
 * Saves a screenshot of the 2-D view in out/lab-2d.png (git-ignored, so a test run leaves the checkout
 * clean); WEBGAN_LAB_SCREENSHOT=docs/results/lab-2d.png refreshes the one the docs show.
 *
 * Environment: CHROMIUM_PATH, WEBGAN_BROWSER_ARGS (extra flags), WEBGAN_LAB_STEPS (steps the grid
 * run may take to improve, default 400), WEBGAN_LAB_NO_WEBGPU=1 (a machine whose Chromium has no
 * adapter: the WebGPU case expects the CPU fallback instead).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { chromium, type ConsoleMessage, type Page } from 'playwright-core';
import { bundleLab, serveLab } from '../src/cli/lab.ts';
import type { LabState } from '../src/lab/main.ts';

const root = resolve(import.meta.dirname, '..');
const ARGS = ['--enable-unsafe-webgpu', '--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'];
const exe = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => p && existsSync(p));
const maxSteps = Number(process.env.WEBGAN_LAB_STEPS ?? 400);
const expectGpu = process.env.WEBGAN_LAB_NO_WEBGPU !== '1';
const screenshot = process.env.WEBGAN_LAB_SCREENSHOT ?? resolve(root, 'out/lab-2d.png');
const small = 'data=grid&seed=1&batch=128&gdepth=2&gwidth=32&ddepth=2&dwidth=32&lr=0.002';
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);

let passed = 0, failed = 0;
function check(name: string, ok: boolean, detail = ''): void {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
}

const state = (page: Page) => page.evaluate(() => window.webganLab.state()) as Promise<LabState>;
async function until(page: Page, what: string, pred: (s: LabState) => boolean, timeoutMs: number): Promise<LabState> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await state(page);
    if (pred(s) || s.status === 'error' || Date.now() > end) return s;
    await page.waitForTimeout(250);
  }
}

/** Non-background pixels of a canvas and its distinct colours (quantised). */
const canvasInk = (page: Page, id: string) => page.evaluate((id) => {
  const c = document.getElementById(id) as HTMLCanvasElement;
  const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
  let ink = 0;
  const colours = new Set<number>();
  for (let i = 0; i < d.length; i += 4) {
    if (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250) ink++;
    colours.add(((d[i] >> 4) << 8) | ((d[i + 1] >> 4) << 4) | (d[i + 2] >> 4));
  }
  return { ink: ink / (c.width * c.height), colours: colours.size };
}, id);

if (!exe) {
  console.error('[lab] no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)');
  console.log('lab (chromium): 0 passed, 1 failed');
  process.exit(1);
}

const files = await bundleLab();
const { server, url } = await serveLab(files);
console.log(`[lab] bundled the lab (main.js ${(files['main.js'].length / 1024).toFixed(0)} KiB, worker.js ${(files['worker.js'].length / 1024).toFixed(0)} KiB) in ${secs()} s; serving ${url}`);
const browser = await chromium.launch({ executablePath: exe, headless: true, args: [...ARGS, ...(process.env.WEBGAN_BROWSER_ARGS ?? '').split(/\s+/).filter(Boolean)] });
console.log(`[lab] ${exe} ${browser.version()}`);

/** A page that records console errors and uncaught exceptions (the worker's too). */
async function open(query: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('worker', (w) => w.on('console', (m: ConsoleMessage) => { if (m.type() === 'error') errors.push(`worker: ${m.text()}`); }));
  await page.goto(`${url}?${query}`);
  await page.waitForFunction(() => !!window.webganLab);
  return { page, errors };
}

try {
  // ---- bad settings: a message on the page, no worker, no crash
  {
    const { page, errors } = await open('gdepth=0&colour=red&loss=gan');
    const s = await state(page);
    const box = await page.locator('#errors').innerText();
    check('bad URL settings: a visible message naming each, status error, no exception',
      s.status === 'error' && (await page.locator('#errors').isVisible()) && /gdepth/.test(box) && /colour/.test(box) && /loss/.test(box) && errors.length === 0,
      JSON.stringify({ status: s.status, box: box.split('\n').slice(0, 4), errors }));
    await page.close();
  }

  // ---- a grid run from the URL on WebGPU: trains and captures more modes
  {
    const { page, errors } = await open(`${small}&speed=10&autoplay=1`);
    const first = await until(page, 'first frame', (s) => s.frames >= 1 && s.modes !== null, 120_000);
    check(`backend: ${expectGpu ? 'WebGPU, with the adapter named' : 'the CPU fallback'}`,
      expectGpu ? first.backend === 'webgpu' && !!first.adapter : first.backend === 'cpu',
      `${first.backend} (${first.adapter}); badge '${await page.locator('#backend').innerText()}'`);
    const start = first.modes ?? 0;
    let best = first;
    const end = Date.now() + 240_000;
    while (Date.now() < end) {
      const s = await state(page);
      if ((s.modes ?? 0) > (best.modes ?? 0)) best = s;
      if ((best.modes ?? 0) >= start + 4 || s.step >= maxSteps || s.status === 'error') break;
      await page.waitForTimeout(500);
    }
    const last = await state(page);
    check('grid run from the URL (autoplay=1) trains and captures more modes',
      last.playing && last.step > first.step && (best.modes ?? 0) >= start + 4 && last.histogram?.length === 25 && Number.isFinite(last.highQualityPct) && Number.isFinite(last.reverseKl),
      `modes ${start} at step ${first.step} → ${best.modes} at step ${best.step} (${last.step} steps, ${last.stepsPerSec?.toFixed(1)} steps/s, ${secs()} s)`);
    check('losses recorded and finite', last.losses !== null && Object.values(last.losses).every(Number.isFinite) && last.history.length > 1, JSON.stringify(last.losses));
    await window_pause(page);
    await page.waitForTimeout(300);
    const view = await canvasInk(page, 'view'), losses = await canvasInk(page, 'losses'), dout = await canvasInk(page, 'doutputs'), hist = await canvasInk(page, 'histogram');
    check('the canvases are drawn (view: surface, samples, mesh, arrows; curves; histogram)',
      view.ink > 0.5 && view.colours > 20 && losses.ink > 0.01 && dout.ink > 0.01 && hist.ink > 0.01, JSON.stringify({ view, losses, dout, hist }));
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`[lab] screenshot: ${screenshot}`);
    check('no console errors (WebGPU run)', errors.length === 0, errors.join(' | '));
    await page.close();
  }

  // ---- the CPU fallback, forced from the URL
  {
    const { page, errors } = await open(`${small}&backend=cpu&speed=20&autoplay=1`);
    const s = await until(page, 'cpu steps', (s) => s.step >= 100, 120_000);
    check('backend=cpu: the CPU backend trains', s.backend === 'cpu' && s.step >= 100 && s.losses !== null && Number.isFinite(s.losses.lossD) && (s.modes ?? 0) > 0,
      `${s.backend} (${s.adapter}), step ${s.step}, modes ${s.modes}, ${s.stepsPerSec?.toFixed(1)} steps/s`);
    check('no console errors (CPU run)', errors.length === 0, errors.join(' | '));
    await page.close();
  }

  // ---- other data, losses and options on the CPU: a critic's raw surface, no surface with packing, no modes for spiral
  for (const q of ['data=spiral&loss=wgan-gp&pack=2&gdepth=1&gwidth=16&ddepth=1&dwidth=16', 'data=ring&loss=hinge&sn=1&gdepth=2&gwidth=16&ddepth=2&dwidth=16']) {
    const { page, errors } = await open(`${q}&batch=64&backend=cpu&speed=5&autoplay=1`);
    const s = await until(page, 'steps', (s) => s.step >= 20, 60_000);
    const view = await canvasInk(page, 'view');
    const legend = await page.locator('#surface-legend').innerText();
    const spiral = q.startsWith('data=spiral');
    check(`${q.split('&').slice(0, 4).join('&')}: trains and draws`,
      s.status === 'ready' && s.step >= 20 && s.losses !== null && Number.isFinite(s.losses.lossD) && view.ink > 0.05 && errors.length === 0 &&
        (spiral ? s.modes === null && /packing/.test(legend) : s.totalModes === 8 && /D\(x\), purple/.test(legend)),
      `step ${s.step}, modes ${s.modes}/${s.totalModes}, legend '${legend}', ${errors.join(' | ')}`);
    await page.close();
  }

  // ---- the same settings replay the same run: step, D step, G step; a reload and a reset
  {
    const run = async (page: Page) => {
      await page.evaluate(async () => {
        const lab = window.webganLab;
        for (let i = 0; i < 3; i++) await lab.step();
        await lab.stepD();
        await lab.stepG();
        await lab.step();
      });
      const s = await state(page);
      return JSON.stringify(s.history.map(({ stepsPerSec: _, ...r }) => r));
    };
    const { page, errors } = await open(`${small}&backend=cpu`);
    await until(page, 'ready', (s) => s.status === 'ready' && s.frames >= 1, 60_000);
    const a = await run(page);
    await page.evaluate(() => window.webganLab.reset());
    const b = await run(page);
    await page.reload();
    await page.waitForFunction(() => !!window.webganLab);
    await until(page, 'ready', (s) => s.status === 'ready' && s.frames >= 1, 60_000);
    const c = await run(page);
    const steps = (JSON.parse(a) as { kind: string; step: number }[]).map((r) => `${r.kind}${r.step}`).join(' ');
    check('same settings and seed replay the same run (reset, reload)', a === b && a === c && steps === 'step1 step2 step3 d3 g4 step5', steps);
    check('no console errors (replay)', errors.length === 0, errors.join(' | '));
    await page.close();
  }
} catch (e) {
  check('the lab test ran to the end', false, (e as Error).stack ?? String(e));
} finally {
  await browser.close().catch(() => {});
  server.close();
}

async function window_pause(page: Page): Promise<void> {
  await page.evaluate(() => window.webganLab.pause());
}

console.log(`lab (chromium): ${passed} passed, ${failed} failed (${secs()} s)`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
