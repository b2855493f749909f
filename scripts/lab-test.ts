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
 * Checkpoints: one `webgan train` wrote in Node (mlp2d), chosen in the page's file input, resumes
 * there and gives the samples of loadGenerator + drawSamples for a seed (max abs diff ≤ 1e-5 on the
 * CPU when the page's and Node's GEMMs both fuse multiply-adds or neither does, else 2e-4; 2e-4 on
 * WebGPU), and continues as a trainer resumed in Node; the page's Download checkpoint
 * loads with loadGenerator and `webgan sample`; dcgan / cdcgan checkpoints dropped on the page open
 * the model view (grid, class picker) with the CLI's samples, a stylegan one (CPU) ψ and `webgan
 * interpolate`'s strips; a translation checkpoint is refused
 * with a message. The failure and cure buttons navigate to their settings and the run shows the
 * effect (vanishing gradients, WGAN-GP's; mode collapse, packing's); the gradient-norm, Wasserstein
 * and model-graph canvases are drawn; drawn data (drag, erase, "Train on the drawing") trains.
 * The kernel view (view=kernels, WebGPU and the CPU): a filtered quick kernel suite
 * next to TensorFlow.js (tfjs.js, served as `webgan lab` does from a checkout), table and chart
 * drawn, Export JSON = webganLab.kernels() with `webgan bench --json`'s envelope; out/lab-kernels.png.
 * pix2pix (and on the CPU cyclegan) checkpoints translate an uploaded PNG
 * with the numbers of `webgan translate --input DIR` (input | translation | reconstruction drawn),
 * and Translate test images draws the run's sample grid of the bundled test split (= Node's);
 * dcgan / cdcgan latent walks in Z in the model view equal LabModel.interpolate's in Node; stylegan's
 * style mixing equals `webgan mix`'s figure (mixingFigure). The image view (CPU): bad image settings give a message; a cdcgan run from the URL
 * trains, its grid, coverage and latent walk equal an ImageSession's in Node, its Download checkpoint
 * continues in Node as in the page; the page's defaults train with autoplay (steps/s printed); on
 * WebGPU (SwiftShader) a dcgan run trains one step whose grid equals Node's CPU session;
 * Continue training carries a model-view checkpoint into it. Screenshot: out/lab-image.png.
 * Saves a screenshot of the 2-D view in out/lab-2d.png (git-ignored, so a test run leaves the checkout
 * clean), and beside it lab-vanishing.png (the Vanishing gradients preset) and lab-model.png;
 * WEBGAN_LAB_SCREENSHOT=docs/results/lab-2d.png refreshes the ones the docs show.
 *
 * Environment: CHROMIUM_PATH, WEBGAN_BROWSER_ARGS (extra flags), WEBGAN_LAB_STEPS (steps the grid
 * run may take to improve, default 400), WEBGAN_LAB_NO_WEBGPU=1 (a machine whose Chromium has no
 * adapter: the WebGPU case expects the CPU fallback instead).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type ConsoleMessage, type Page } from 'playwright-core';
import { bundleLab, serveLab } from '../src/cli/lab.ts';
import type { LabState } from '../src/lab/main.ts';
import { LabModel, readCheckpoint, translationCheckpoint, type ModelInfo, type SampleOptions } from '../src/lab/model.ts';
import { LabTranslator } from '../src/lab/translator.ts';
import { isSoftwareAdapter } from '../src/init.ts';
import { relaxedMaddModule } from '../src/kernels/cpu/wasm-gemm.ts';
import { presetQuery, type PresetName } from '../src/lab/presets.ts';
import { parseSettings } from '../src/lab/settings.ts';
import * as wg from '../src/index.ts';
import { main as cliMain } from '../src/cli/main.ts';
import { drawSamples } from '../src/gan/evaluate.ts';
import { runTraining } from '../src/gan/run.ts';
import { GanTrainer, loadGenerator } from '../src/gan/trainer.ts';
import { loadTranslator, TranslationTrainer } from '../src/gan/translation/trainer.ts';
import { translateImages } from '../src/gan/translation/translate.ts';
import { loadImageFolder } from '../src/data/imagefolder.ts';
import { encodePng } from '../src/io/png.ts';
import { interpolation, mixingFigure } from '../src/gan/stylegan/figures.ts';
import type { StyleGenerator } from '../src/gan/stylegan/networks.ts';
import { readNpy } from '../src/io/npy.ts';
import { loadClassifier } from '../src/gan/classifier.ts';
import { decodeCheckpoint } from '../src/io/checkpoint.ts';
import type { CheckpointMeta } from '../src/gan/trainer.ts';
import { ImageSession } from '../src/lab/image-session.ts';
import { parseImageSettings } from '../src/lab/image-settings.ts';
import type { ImageState } from '../src/lab/imageview.ts';

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
const imageState = (page: Page) => page.evaluate(() => window.webganLab.image.state()) as Promise<ImageState>;
async function imageUntil(page: Page, pred: (s: ImageState) => boolean, timeoutMs: number): Promise<ImageState> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await imageState(page);
    if (pred(s) || s.status === 'error' || Date.now() > end) return s;
    await page.waitForTimeout(250);
  }
}
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

const files = await bundleLab({ tfjs: true }); // tfjs.js: TensorFlow.js for the kernel view, as `webgan lab` serves it from a checkout
const { server, url } = await serveLab(files);
console.log(`[lab] bundled the lab (main.js ${(files['main.js'].length / 1024).toFixed(0)} KiB, worker.js ${(files['worker.js'].length / 1024).toFixed(0)} KiB) in ${secs()} s; serving ${url}`);
const browser = await chromium.launch({ executablePath: exe, headless: true, args: [...ARGS, ...(process.env.WEBGAN_BROWSER_ARGS ?? '').split(/\s+/).filter(Boolean)] });
console.log(`[lab] ${exe} ${browser.version()}`);

/** A page that records console errors and uncaught exceptions (the worker's too). */
async function open(query: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, acceptDownloads: true });
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
    const { page, errors } = await open(`${small}&speed=10&autoplay=1${expectGpu ? '&backend=webgpu' : ''}`);
    const first = await until(page, 'first frame', (s) => s.frames >= 1 && s.modes !== null, 120_000);
    check(`backend: ${expectGpu ? 'WebGPU (backend=webgpu), with the adapter named' : 'the CPU fallback'}`,
      expectGpu ? first.backend === 'webgpu' && !!first.adapter : first.backend === 'cpu',
      `${first.backend} (${first.adapter}); badge '${await page.locator('#backend').innerText()}'`);
    if (expectGpu) {
      // backend=auto (the default): a hardware adapter trains on WebGPU; a software one (SwiftShader here) on the CPU, saying why
      const software = isSoftwareAdapter({ description: first.adapter ?? '' }); // the rule init('auto') and the page use
      const auto = await open(`${small}`);
      const a = await until(auto.page, 'auto backend', (s) => s.status === 'ready' || s.status === 'error', 120_000);
      check(`backend=auto on ${software ? 'a software adapter: the CPU backend, the adapter and the reason named' : 'a hardware adapter: WebGPU'}`,
        software ? a.backend === 'cpu' && /is a software WebGPU adapter, slower than the CPU backend/.test(a.adapter ?? '') && /CPU/.test(await auto.page.locator('#backend').innerText()) : a.backend === 'webgpu',
        `${a.backend} (${a.adapter}); badge '${await auto.page.locator('#backend').innerText()}'`);
      await auto.page.close();
    }
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

  // ---- views (tabs): the URL's view opens it; leaving the 2-D view pauses its run; the URL follows
  {
    const { page, errors } = await open(`${small}&backend=cpu&speed=5&view=model`);
    const s0 = await until(page, 'ready', (s) => s.status === 'ready', 60_000);
    const opened = s0.view === 'model' && await page.locator('#view-model').isVisible() && !(await page.locator('#view-2d').isVisible()) &&
      /No model loaded/.test(await page.locator('#model-info').innerText());
    await page.locator('nav#tabs button[data-view="2d"]').click();
    await until(page, '2d', (s) => s.view === '2d', 10_000);
    const back = await page.locator('#view-2d').isVisible() && !new URL(page.url()).searchParams.has('view');
    await page.evaluate(() => window.webganLab.play());
    await until(page, 'steps', (s) => s.step >= 5, 60_000);
    await page.evaluate(() => window.webganLab.setView('model'));
    const s1 = await state(page);
    await page.waitForTimeout(500);
    const s2 = await state(page);
    check('views: view=model opens the model view; the 2-D tab shows the run; leaving it pauses the run; the URL names the view',
      opened && back && !s1.playing && s2.step === s1.step && new URL(page.url()).searchParams.get('view') === 'model' && errors.length === 0,
      `opened ${opened}, back ${back}, playing ${s1.playing}, steps ${s1.step} → ${s2.step}, url ${page.url()} ${errors.join(' | ')}`);
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

  // ---- failure presets and cures: each button navigates to its settings; the run shows the effect; the
  // gradient-norm and Wasserstein curves and the model graph are drawn (docs/lab.md#failures-and-cures)
  {
    const { page, errors } = await open(`${small}&backend=cpu`);
    await until(page, 'ready', (s) => s.status === 'ready' && s.frames >= 1, 60_000);
    /** click a preset's button; the page reloads with the query presetQuery gives for the settings it had */
    const press = async (name: PresetName) => {
      const want = presetQuery(name, (await state(page)).settings);
      await Promise.all([page.waitForURL((u) => u.search === `?${want}`, { timeout: 30_000 }), page.locator(`button[data-preset="${name}"]`).click()]);
      await page.waitForFunction(() => !!window.webganLab);
      return new URL(page.url()).search === `?${want}`;
    };
    const gMax = (s: LabState) => Math.max(...(s.gradNorms?.g ?? [NaN]));
    let ok = await press('vanishing');
    const v = await until(page, 'vanishing', (s) => s.step >= 250, 120_000);
    const graphLabel = (await page.locator('#graph').getAttribute('aria-label')) ?? '';
    const set = parseSettings(new URL(page.url()).search).settings;
    check(`Vanishing gradients: the URL is the preset's (${new URL(page.url()).search}); it plays; G's gradient norms fall to ≤ 1e-3 with D(G(z)) → 0`,
      ok && v.preset?.failure === 'vanishing' && v.playing && gMax(v) < 1e-3 && (v.losses?.dFake ?? 1) < 0.01 && v.gradNorms!.d.every((x) => x > 0),
      `step ${v.step}, ‖∇G‖ ${v.gradNorms?.g.map((x) => x.toExponential(1))}, ‖∇D‖ ${v.gradNorms?.d.map((x) => x.toExponential(1))}, D(G(z)) ${v.losses?.dFake}`);
    await page.evaluate(() => window.webganLab.pause());
    await page.screenshot({ path: join(dirname(screenshot), 'lab-vanishing.png'), fullPage: true });
    console.log(`[lab] screenshot: ${join(dirname(screenshot), 'lab-vanishing.png')}`);
    const norms = await canvasInk(page, 'gradnorms'), w1 = await canvasInk(page, 'wasserstein'), graph = await canvasInk(page, 'graph');
    check('the gradient-norm curves (one line per layer), the D-output gap curve and the model graph are drawn; the graph names the layers of the settings',
      norms.ink > 0.02 && norms.colours > 6 && w1.ink > 0.01 && graph.ink > 0.05 && v.gradLayers?.g.join() === `G 2→${set.gwidth},G ${set.gwidth}→${set.gwidth},G ${set.gwidth}→2` &&
        graphLabel.includes(`G 2→${set.gwidth} (ReLU)`) && graphLabel.includes(`D 2→${set.dwidth} (LeakyReLU)`) && graphLabel.includes(`D ${set.dwidth}→1`) && graphLabel.includes('minimax') && Number.isFinite(v.wasserstein),
      JSON.stringify({ norms, w1, graph, graphLabel, layers: v.gradLayers, wasserstein: v.wasserstein }));
    ok = await press('wgan-gp');
    const c = await until(page, 'cured', (s) => s.step >= 150, 120_000);
    check('WGAN-GP on it: the same run with loss=wgan-gp; G\'s gradient norms stay large; the curve is the Wasserstein estimate',
      ok && c.preset?.failure === 'vanishing' && c.preset.cures.join() === 'wgan-gp' && c.settings.loss === 'wgan-gp' && gMax(c) > 1e-2 && Number.isFinite(c.wasserstein) &&
        (await page.locator('#preset-note').innerText()).startsWith('Vanishing gradients + WGAN-GP:'),
      `step ${c.step}, ‖∇G‖ ${c.gradNorms?.g.map((x) => x.toExponential(1))}, W ${c.wasserstein}`);
    ok = await press('collapse');
    const m = await until(page, 'collapse', (s) => s.step >= 300, 120_000);
    check('Mode collapse: a few modes hold the samples (reverse KL > 0.5 nats at step 300)', ok && m.preset?.failure === 'collapse' && (m.reverseKl ?? 0) > 0.5, `step ${m.step}, KL ${m.reverseKl}, histogram ${m.histogram}`);
    ok = await press('packing');
    const p = await until(page, 'packed', (s) => s.step >= 700, 120_000);
    check('Packing on it: pack=2, the samples spread (reverse KL < 0.2 at step 700)', ok && p.settings.pack === 2 && p.preset?.cures.join() === 'packing' && (p.reverseKl ?? 9) < 0.2, `step ${p.step}, KL ${p.reverseKl}, histogram ${p.histogram}`);
    check('no console errors (presets)', errors.length === 0, errors.join(' | '));
    await page.close();
  }

  // ---- draw your own data: the pad adds (drag) and erases points; "Train on the drawing" is a link; the run learns them
  {
    const { page, errors } = await open(`${small}&backend=cpu&speed=20`);
    await until(page, 'ready', (s) => s.status === 'ready' && s.frames >= 1, 60_000);
    await page.locator('#draw-mode').check();
    const box = (await page.locator('#view').boundingBox())!;
    const px = (x: number, y: number): [number, number] => [box.x + ((x + 2) / 4) * box.width, box.y + ((2 - y) / 4) * box.height];
    // a line from (−1.5, 0.5) to (1.5, 1.5), away from where G starts (about the origin)
    await page.mouse.move(...px(-1.5, 0.5));
    await page.mouse.down();
    for (let i = 1; i <= 30; i++) await page.mouse.move(...px(-1.5 + (3 * i) / 30, 0.5 + i / 30));
    await page.mouse.up();
    const drawn = await state(page);
    const pad = await canvasInk(page, 'view');
    await page.locator('#draw-erase').check();
    await page.mouse.click(...px(0, 1));
    const erased = await state(page);
    await page.locator('#draw-erase').uncheck();
    const n0 = drawn.drawing.length / 2, n1 = erased.drawing.length / 2;
    check(`draw mode: dragging adds points on the line drawn (${n0}), erasing removes those near the pointer (${n0 - n1}); the pad replaces the plane`,
      drawn.drawMode && n0 >= 20 && n1 < n0 && n1 >= n0 - 6 && pad.ink > 0.02 && pad.ink < 0.5 && // the pad (grid, points), not the run's surface
       
        erased.drawing.every((v, i) => i % 2 || Math.abs(erased.drawing[i + 1] - (0.5 + (v + 1.5) / 3)) < 0.05),
      `points ${n0} → ${n1}, pad ink ${pad.ink.toFixed(2)}`);
    await Promise.all([page.waitForURL((u) => u.searchParams.get('data') === 'drawn', { timeout: 30_000 }), page.locator('#draw-train').click()]);
    await page.waitForFunction(() => !!window.webganLab);
    const url = new URL(page.url());
    const first = await until(page, 'first frame', (s) => s.frames >= 1 && s.status === 'ready', 60_000);
    /** the mean distance of the page's G samples to the nearest drawn point */
    const off = async () => {
      const x = await page.evaluate(() => window.webganLab.sample(11, 300));
      const p = first.settings.points!;
      let d = 0;
      for (let i = 0; i < x.length; i += 2) {
        let b = Infinity;
        for (let j = 0; j < p.length; j += 2) b = Math.min(b, Math.hypot(x[i] - p[j], x[i + 1] - p[j + 1]));
        d += b;
      }
      return (2 * d) / x.length;
    };
    const before = await off();
    const t = await until(page, 'trained', (s) => s.step >= 400, 120_000);
    await page.evaluate(() => window.webganLab.pause());
    const after = await off();
    check(`Train on the drawing: the link holds the points (${url.searchParams.get('points')?.length} characters); the run trains on them (G's samples ${before.toFixed(2)} → ${after.toFixed(2)} from the drawing by step ${t.step}); no mode metrics`,
      first.settings.data === 'drawn' && JSON.stringify(first.settings.points) === JSON.stringify(erased.drawing) && t.step >= 400 && after < before / 2 && after < 0.25 &&
        t.modes === null && /no mode metrics for drawn/.test(await page.locator('#metrics').innerText()) && /drawn \(\d+ points\)/.test(await page.locator('#summary').innerText()),
      `url ${url.search.slice(0, 80)}…, step ${t.step}, summary '${await page.locator('#summary').innerText()}'`);
    check('no console errors (draw mode)', errors.length === 0, errors.join(' | '));
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

  // ---- the kernel view from the URL: a small filtered suite on the page's adapter, TensorFlow.js beside it; Export JSON
  for (const backend of [expectGpu ? 'webgpu' : 'cpu', 'cpu'] as const) {
    const { page, errors } = await open(`${small}&backend=${backend}&view=kernels`);
    const shown = await page.locator('#view-kernels').isVisible() && !(await page.locator('#view-2d').isVisible());
    const tfjsOffered = await page.waitForFunction(() => !(document.getElementById('kernels-tfjs') as HTMLInputElement).disabled, null, { timeout: 10_000 }).then(() => true, () => false);
    let detail = '';
    const fails: string[] = [];
    const want = (what: string, ok: boolean) => { if (!ok) fails.push(what); };
    want('the view shown', shown);
    want('TensorFlow.js offered', tfjsOffered);
    if (backend !== 'cpu' || !expectGpu) {
      // the Run button with a filter: one case, its table row and bars
      await page.fill('#kernels-filter', '^matmul 256');
      await page.click('#kernels-run');
      await page.waitForFunction(() => /: 1 case$/.test(document.getElementById('kernels-status')!.textContent ?? '') || document.getElementById('kernels-status')!.className === 'bad', null, { timeout: 180_000 });
      const rows = await page.locator('#kernels-table tr').count();
      const chart = await canvasInk(page, 'kernels-chart');
      const cells = await page.locator('#kernels-table tr').nth(1).innerText();
      want('Run: one table row, the chart drawn', rows === 2 && chart.ink > 0.02 && chart.colours >= 3 && /matmul 256×256×256/.test(cells));
      detail += `button: ${rows - 1} row (${cells.replace(/\s+/g, ' ')}), chart ${JSON.stringify(chart)}; `;
    }
    // webganLab.kernels: two cases; Export JSON downloads the same object
    const r = await page.evaluate(() => window.webganLab.kernels({ filter: '^(matmul 256|conv2d dcgan D3)' }));
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#kernels-export')]);
    const path = join(mkdtempSync(join(tmpdir(), 'wg-lab-kernels-')), dl.suggestedFilename());
    await dl.saveAs(path);
    const text = readFileSync(path, 'utf8');
    const exported = JSON.parse(text);
    const backendLine = await page.locator('#kernels-backend').innerText();
    const rows = await page.locator('#kernels-table tr').count();
    const chart = await canvasInk(page, 'kernels-chart');
    want('Export JSON = webganLab.kernels()', text === JSON.stringify(r, null, 2) + '\n');
    want('the envelope', exported.suite === 'kernels' && exported.quick === true && !Number.isNaN(Date.parse(exported.date)) && /Chrome/.test(exported.runtime) &&
      exported.webgan?.backend === backend && typeof exported.webgan.adapter === 'string' && !!exported.webgan.info && exported.tfjs?.backend === backend && /^\d/.test(exported.tfjs.version));
    want('the two cases', exported.results.map((x: { name: string }) => x.name).join() === 'matmul 256×256×256,conv2d dcgan D3 Conv 128→1 k7 s1 p0 7→1');
    want('rates of both libraries, outputs agreeing', exported.results.every((x: { webganRate: number; tfjsRate: number; relDiff?: number }) => x.webganRate > 0 && x.tfjsRate > 0 && x.relDiff !== undefined && x.relDiff < 1e-3));
    want('table and chart', rows === 3 && chart.ink > 0.02);
    want('the backends named', (backend === 'cpu' ? /CPU backend/.test(backendLine) : /WebGPU — /.test(backendLine)) && /TensorFlow\.js \d/.test(backendLine));
    detail += `exported ${dl.suggestedFilename()}: ${exported.results.map((x: { name: string; webganRate: number; tfjsRate: number; unit: string; relDiff?: number }) => `${x.name} webgan ${x.webganRate.toFixed(2)} / tfjs ${x.tfjsRate?.toFixed(2)} ${x.unit} (check ${x.relDiff?.toExponential(1)})`).join(', ')}; '${backendLine}'`;
    if (backend !== 'cpu' || !expectGpu) {
      await page.fill('#kernels-filter', '^(matmul 256|conv2d dcgan D3)');
      await page.screenshot({ path: join(dirname(screenshot), 'lab-kernels.png'), fullPage: true });
      console.log(`[lab] screenshot: ${join(dirname(screenshot), 'lab-kernels.png')}`);
    }
    // a bad filter: the reason, on the page and in the rejection
    const bad = await page.evaluate(() => window.webganLab.kernels({ filter: '^conv3d' }).then(() => 'resolved', (e: Error) => e.message));
    const badShown = await page.locator('#kernels-status').innerText();
    want('a bad filter named', /filter '\^conv3d' matches no case/.test(bad) && badShown === bad);
    // the full suite (the box): a case only it has, and the export says quick: false
    if (backend === 'cpu') {
      await page.fill('#kernels-filter', '^conv2d dcgan64 D5 ');
      await page.check('#kernels-full');
      await page.uncheck('#kernels-tfjs');
      await page.click('#kernels-run');
      await page.waitForFunction(() => /: 1 case$/.test(document.getElementById('kernels-status')!.textContent ?? '') || document.getElementById('kernels-status')!.className === 'bad', null, { timeout: 180_000 });
      const [dlFull] = await Promise.all([page.waitForEvent('download'), page.click('#kernels-export')]);
      const fullPath = join(mkdtempSync(join(tmpdir(), 'wg-lab-kernels-')), dlFull.suggestedFilename());
      await dlFull.saveAs(fullPath);
      const full = JSON.parse(readFileSync(fullPath, 'utf8'));
      want('the full suite from its box (quick: false, a dcgan64 case)', full.quick === false && full.results.length === 1 && full.results[0].name === 'conv2d dcgan64 D5 Conv 512→1 k4 s1 p0 4→1' && full.results[0].webganRate > 0);
      await page.uncheck('#kernels-full');
    }
    check(`${backend}: kernel view from the URL (view=kernels): a filtered quick suite next to TensorFlow.js, table and chart drawn, Export JSON = webganLab.kernels() = webgan bench's envelope; a bad filter is named${backend === 'cpu' ? '; the full-suite box runs a dcgan64 case (quick: false)' : ''}`,
      fails.length === 0, `${fails.length ? `failed: ${fails.join('; ')} — ` : ''}${detail}`);
    check(`no console errors (kernel view, ${backend})`, errors.length === 0, errors.join(' | '));
    await page.close();
  }

  // ---- the kernel view of the page as published (no tfjs.js): webgan alone, and it says so
  {
    const plain = await serveLab(await bundleLab());
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m: ConsoleMessage) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${plain.url}?${small}&backend=cpu&view=kernels`);
      await page.waitForFunction(() => !!window.webganLab);
      const note = await page.locator('#kernels-tfjs-note').innerText();
      const disabled = await page.locator('#kernels-tfjs').isDisabled();
      const refused = await page.evaluate(() => window.webganLab.kernels({ tfjs: true }).then(() => 'resolved', (e: Error) => e.message));
      const r = await page.evaluate(() => window.webganLab.kernels({ filter: '^matmul 256' }));
      check('kernel view without TensorFlow.js (the published page): says so, refuses tfjs: true, runs webgan alone (tfjs null), no console errors',
        /not served with this page/.test(note) && disabled && /not served with this page/.test(refused) && r.tfjs === null && r.results.length === 1 && r.results[0].tfjsRate === null && r.results[0].webganRate > 0 && errors.length === 0,
        JSON.stringify({ note, disabled, refused, tfjs: r.tfjs, errors }));
      await page.close();
    } finally {
      plain.server.close();
    }
  }

  // ---- checkpoints across the CLI and the page
  await wg.init({ backend: 'cpu' });
  const dir = mkdtempSync(join(tmpdir(), 'wg-lab-test-'));
  /** loadGenerator + manualSeed + drawSamples: `webgan sample --seed` in Node on the CPU */
  const nodeSamples = async (path: string, seed: number, n: number, o: SampleOptions = {}) => {
    const { models, G } = await loadGenerator(path);
    wg.manualSeed(seed);
    const x = await drawSamples(models, G, n, 500, o.label, o.psi === undefined ? {} : { psi: o.psi });
    models.G.dispose(); models.D.dispose();
    return x;
  };
  const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    if (a.length !== b.length) return Infinity;
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  };
  const pageSamples = (page: Page, seed: number, n: number, o: SampleOptions = {}) => page.evaluate(([s, k, opt]) => window.webganLab.sample(s, k, opt), [seed, n, o] as const);
  // the CPU backend in the page computes what it computes in Node, to the bit, when both GEMMs fuse
  // multiply and add or neither does (Chrome ≥ 114 fuses, Node 20 cannot: then rounding apart, 4e-5
  // seen after a cdcgan step); on WebGPU the normal noise differs (SwiftShader's log / cos in
  // Box–Muller: up to 7e-4 in the tails), so G's samples by a few 1e-5
  const nodeFma = wg.backendInfo().fma === true;
  const pageFma = await (async () => {
    const p = await browser.newPage();
    try { return await p.evaluate((b) => WebAssembly.validate(new Uint8Array(b)), [...relaxedMaddModule()]); } finally { await p.close(); }
  })();
  const TOL = { cpu: nodeFma === pageFma ? 1e-5 : 2e-4, webgpu: 2e-4 };
  console.log(`CPU GEMM: fused multiply-add in the page ${pageFma}, in Node ${nodeFma}; CPU tolerance ${TOL.cpu}`);
  const ckCfg = { preset: 'mlp2d' as const, data: 'ring', loss: 'nsgan' as const, batch: 64, steps: 8, lrDecay: 'none' as const, gDepth: 2, gWidth: 32, dDepth: 2, dWidth: 32, seed: 5, ckptEvery: 8, logEvery: 8, sampleEvery: 1000 };
  await runTraining(ckCfg, { out: join(dir, 'cli') }); // `webgan train --preset mlp2d --data ring --steps 8 …`
  const cliCk = join(dir, 'cli', 'checkpoints', 'step-000008.safetensors');
  const cliBytes = readFileSync(cliCk);
  const ref = await nodeSamples(cliCk, 7, 300);
  // the same checkpoint continued 3 steps by a trainer in Node (as `webgan train --resume`), then sampled
  const resumed = await GanTrainer.create((await loadGenerator(cliCk)).cfg);
  await resumed.loadCheckpoint(cliCk);
  for (let i = 0; i < 3; i++) resumed.trainStep();
  await resumed.saveCheckpoint(join(dir, 'resumed.safetensors'));
  resumed.dispose();
  const refResumed = await nodeSamples(join(dir, 'resumed.safetensors'), 7, 300);

  for (const backend of [expectGpu ? 'webgpu' : 'cpu', 'cpu'] as const) {
    const { page, errors } = await open(`${small}&backend=${backend}`);
    await until(page, 'ready', (s) => s.status === 'ready' && s.frames >= 1, 120_000);
    await page.setInputFiles('#ckpt-file', { name: 'step-000008.safetensors', mimeType: 'application/octet-stream', buffer: cliBytes });
    await page.waitForFunction(() => !/^loading/.test(document.getElementById('ckpt-status')!.textContent ?? ''), null, { timeout: 60_000 });
    const s = await state(page);
    const status = await page.locator('#ckpt-status').innerText();
    const got = await pageSamples(page, 7, 300);
    const d = maxDiff(got, ref);
    const tol = TOL[backend];
    check(`${backend}: a CLI checkpoint chosen in the file input resumes the 2-D run (step 8, its config) with loadGenerator's samples for a seed (max abs diff ${d.toExponential(2)} ≤ ${tol})`,
      s.loaded?.kind === '2d' && s.step === 8 && s.backend === backend && /ring/.test(await page.locator('#summary').innerText()) && /resumed from step-000008/.test(await page.locator('#summary').innerText()) && d <= tol && /continued in the 2-D view/.test(status),
      `step ${s.step}, loaded ${JSON.stringify(s.loaded)}, status '${status}'`);
    if (backend === 'cpu') {
      await page.evaluate(async () => { for (let i = 0; i < 3; i++) await window.webganLab.step(); });
      const d3 = maxDiff(await pageSamples(page, 7, 300), refResumed);
      check(`cpu: 3 steps in the page after loading = 3 steps of a trainer resumed in Node (max abs diff ${d3.toExponential(2)} ≤ ${TOL.cpu})`, d3 <= TOL.cpu, `step ${(await state(page)).step}`);
      await page.evaluate(() => window.webganLab.reset());
      const r = await state(page);
      check('cpu: Reset returns to the loaded checkpoint', r.step === 8 && maxDiff(await pageSamples(page, 7, 300), ref) <= TOL.cpu, `step ${r.step}`);
    }
    // Download checkpoint → a file the CLI loads, with the page's samples
    await page.evaluate(() => window.webganLab.step());
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const file = join(dir, `page-${backend}.safetensors`);
    await dl.saveAs(file);
    const pageNow = await pageSamples(page, 3, 100);
    const g = await loadGenerator(file);
    const npy = join(dir, `page-${backend}.npy`);
    const code = await cliMain(['sample', '--ckpt', file, '--seed', '3', '--n', '100', '--out', npy, '--backend', 'cpu']);
    const arr = code === 0 ? await readNpy(npy) : null;
    const dd = arr ? maxDiff(arr.data, pageNow) : Infinity;
    check(`${backend}: Download checkpoint (${dl.suggestedFilename()}) loads with loadGenerator and \`webgan sample --ckpt\` writes the page's samples (max abs diff ${dd.toExponential(2)} ≤ ${tol})`,
      /\.safetensors$/.test(dl.suggestedFilename()) && g.step === 9 && g.cfg.data === 'ring' && g.cfg.gWidth === 32 && code === 0 && arr!.shape.join() === '100,2' && dd <= tol,
      `step ${g.step}, exit ${code}`);
    g.models.G.dispose(); g.models.D.dispose();
    await wg.init({ backend: 'cpu' }); // the CLI started its own backend
    check(`no console errors (checkpoints, ${backend})`, errors.length === 0, errors.join(' | '));
    await page.close();
  }

  // ---- the model view: image checkpoints dropped on the page; a translation checkpoint refused
  const files: Record<string, Buffer> = {};
  {
    for (const preset of ['dcgan', 'cdcgan', 'stylegan'] as const) {
      const t = await GanTrainer.create({ preset, batch: 4, limit: 16, seed: 2, ...(preset === 'stylegan' ? { zDim: 8, mappingLayers: 2, channelBase: 64, channelMax: 8 } : {}) });
      t.trainStep();
      await t.saveCheckpoint(join(dir, `${preset}.safetensors`));
      t.dispose();
      files[preset] = readFileSync(join(dir, `${preset}.safetensors`));
    }
    for (const preset of ['pix2pix', 'cyclegan'] as const) {
      const tt = await TranslationTrainer.create({ preset, batch: 1, limit: 4, ngf: 4, ndf: 4, seed: 3, ...(preset === 'cyclegan' ? { blocks: 1 } : {}) });
      tt.trainStep();
      await tt.saveCheckpoint(join(dir, `${preset}.safetensors`));
      tt.dispose();
    }
    // an RGB PNG of 40 × 36 to translate (converted to luma, resized to 32 × 32 as webgan translate --input DIR does)
    const px = new Uint8Array(40 * 36 * 3);
    for (let y = 0; y < 36; y++) for (let x = 0; x < 40; x++) px.set([(x * 6) % 256, (y * 7) % 256, ((x + y) * 3) % 256], 3 * (y * 40 + x));
    mkdirSync(join(dir, 'png'));
    writeFileSync(join(dir, 'png', 'x.png'), await encodePng(px, 40, 36, 3));
  }
  for (const [backend, presets] of [[expectGpu ? 'webgpu' : 'cpu', ['dcgan', 'cdcgan']], ['cpu', ['stylegan', 'cdcgan']]] as const) {
    const tol = TOL[backend];
    const { page, errors } = await open(`${small}&backend=${backend}`);
    await until(page, 'ready', (s) => s.status === 'ready' && s.frames >= 1, 120_000);
    const drop = (name: string, bytes: Buffer) => page.evaluate(([name, b64]) => {
      const bin = atob(b64);
      const u8 = Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([u8], name));
      document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, [name, bytes.toString('base64')] as const);
    for (const preset of presets) {
      await drop(`${preset}.safetensors`, files[preset]);
      const s = await until(page, 'model', (s) => s.model?.preset === preset, 120_000);
      await page.waitForFunction(() => /seed 0, 36 samples/.test(document.getElementById('model-caption')!.textContent ?? ''), null, { timeout: 120_000 }).catch(() => {});
      const grid = await canvasInk(page, 'model-grid');
      const classes = await page.locator('#model-class option').count();
      const classVisible = await page.locator('#model-class-label').isVisible();
      const path = join(dir, `${preset}.safetensors`);
      const d = maxDiff(await pageSamples(page, 4, 8), await nodeSamples(path, 4, 8));
      // cdcgan: one class (--class 3); stylegan: truncation ψ 0.5 (--truncation 0.5)
      const o: SampleOptions | null = preset === 'cdcgan' ? { label: 3 } : preset === 'stylegan' ? { psi: 0.5 } : null;
      const dl = o ? maxDiff(await pageSamples(page, 4, 8, o), await nodeSamples(path, 4, 8, o)) : 0;
      const psiVisible = await page.locator('#model-psi-label').isVisible();
      check(`${backend}: ${preset} dropped on the page: the model view shows a grid, ${preset === 'cdcgan' ? 'a class picker, ' : preset === 'stylegan' ? 'ψ, ' : ''}the CLI's samples for a seed (max abs diff ${d.toExponential(2)}${o ? `, ${JSON.stringify(o)}: ${dl.toExponential(2)}` : ''} ≤ ${tol}); the 2-D run is untouched`,
        (s.model as ModelInfo).step === 1 && s.view === 'model' && await page.locator('#view-model').isVisible() && !(await page.locator('#view-2d').isVisible()) && grid.ink > 0.3 && grid.colours >= 3 && d <= tol && dl <= tol &&
          classVisible === (preset === 'cdcgan') && (preset !== 'cdcgan' || classes === 11) && psiVisible === (preset === 'stylegan') && s.step === 0 && s.loaded === null,
        JSON.stringify({ grid, classes, classVisible, psiVisible, step: s.step, caption: await page.locator('#model-caption').innerText() }));
      if (preset !== 'stylegan') {
        // a latent walk in Z (slerp) through the checkpoint's G, as LabModel.interpolate computes it in Node
        const o = { n: 4, rows: 2, space: 'z' as const, ...(preset === 'cdcgan' ? { label: 5 } : {}) };
        const got = await page.evaluate((o) => window.webganLab.interpolate(3, o), o);
        const saved = wg.getRngState();
        const m = LabModel.fromCheckpoint(readCheckpoint(new Uint8Array(files[preset]), `${preset}.safetensors`).ck, `${preset}.safetensors`);
        const want = await m.interpolate(3, o);
        m.dispose();
        wg.setRngState(saved);
        const di = maxDiff(got, want.data);
        await page.click('#model-interpolate');
        const shown = await page.waitForFunction(() => /latent walk in Z \(slerp\): 4 strips of 8, seed 0/.test(document.getElementById('model-caption')!.textContent ?? ''), null, { timeout: 60_000 }).then(() => true, () => false);
        check(`${backend}: ${preset}: a latent walk in the model view = LabModel.interpolate's in Node (max abs diff ${di.toExponential(2)} ≤ ${tol}); the Interpolate button draws it`, di <= tol && shown && !(await page.locator('#model-space').isVisible()), await page.locator('#model-caption').innerText());
      }
      if (preset === 'stylegan') {
        // `webgan interpolate`'s strips: window.webganLab.interpolate and the Interpolate button
        const got = await page.evaluate(() => window.webganLab.interpolate(3, { n: 4, rows: 2, space: 'z', psi: 0.7 }));
        const saved = wg.getRngState();
        const { G } = await loadGenerator(path);
        const { images } = await interpolation(G as StyleGenerator, { n: 4, rows: 2, space: 'z', psi: 0.7, seed: 3 });
        const di = maxDiff(got, await images.data());
        images.dispose();
        wg.setRngState(saved);
        await page.click('#model-interpolate');
        const shown = await page.waitForFunction(() => /webgan interpolate --seed 0 --n 8 --rows 4 --space w/.test(document.getElementById('model-caption')!.textContent ?? ''), null, { timeout: 60_000 }).then(() => true, () => false);
        check(`${backend}: stylegan interpolation in the page = webgan interpolate's (max abs diff ${di.toExponential(2)} ≤ ${tol}); the Interpolate button draws the strips`, di <= tol && shown, await page.locator('#model-caption').innerText());
        // `webgan mix`'s figure: window.webganLab.mix and the Style mixing button
        const gotMix = await page.evaluate(() => window.webganLab.mix(3, { rows: 2, cols: 3, psi: 0.8 }));
        const saved2 = wg.getRngState();
        const { G: G2 } = await loadGenerator(path);
        const fig = mixingFigure(G2 as StyleGenerator, { rows: 2, cols: 3, ranges: ['coarse', 'middle', 'fine'], psi: 0.8, noise: 'const', seed: 3 });
        const dm = maxDiff(gotMix, await fig.images.data());
        fig.images.dispose();
        wg.setRngState(saved2);
        await page.click('#model-mix');
        const mixShown = await page.waitForFunction(() => /style mixing, seed 0/.test(document.getElementById('model-caption')!.textContent ?? ''), null, { timeout: 60_000 }).then(() => true, () => false);
        check(`${backend}: stylegan style mixing in the page = webgan mix's figure (max abs diff ${dm.toExponential(2)} ≤ ${tol}); the Style mixing button draws it`, dm <= tol && mixShown && (await canvasInk(page, 'model-grid')).ink > 0.3, await page.locator('#model-caption').innerText());
      }
    }
    // the picker: a class redraws the grid with that class (the caption names the CLI's flags)
    await page.selectOption('#model-class', '3');
    const picked = await page.waitForFunction(() => /--class 3\)/.test(document.getElementById('model-caption')!.textContent ?? ''), null, { timeout: 60_000 }).then(() => true, () => false);
    check(`${backend}: the class picker resamples the grid for that class`, picked, await page.locator('#model-caption').innerText());
    if (backend !== 'cpu' || !expectGpu) {
      await page.screenshot({ path: join(dirname(screenshot), 'lab-model.png'), fullPage: true });
      console.log(`[lab] screenshot: ${join(dirname(screenshot), 'lab-model.png')}`);
    }
    // translation checkpoints: an uploaded PNG translated as `webgan translate --input DIR` translates it
    const png = readFileSync(join(dir, 'png', 'x.png'));
    for (const tp of backend === 'cpu' ? ['pix2pix', 'cyclegan'] as const : ['pix2pix'] as const) {
      await page.setInputFiles('#ckpt-file', { name: `${tp}.safetensors`, mimeType: 'application/octet-stream', buffer: readFileSync(join(dir, `${tp}.safetensors`)) });
      const s = await until(page, 'translator', (s) => s.model?.preset === tp, 60_000);
      const got = await page.evaluate(([b64]) => window.webganLab.translate(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)), 'a2b'), [png.toString('base64')] as const);
      const { cfg, models } = await loadTranslator(join(dir, `${tp}.safetensors`));
      const ds = await loadImageFolder(join(dir, 'png'), { size: [cfg.resolution!, cfg.resolution!], channels: models.channelsA as 1 | 3, labels: false });
      const want = await translateImages(models, ds.images, ds.shape, 'a2b');
      const back = tp === 'cyclegan' ? await translateImages(models, want.data, want.shape, 'b2a') : null;
      const [di, d, dr] = [maxDiff(got.input, ds.images), maxDiff(got.output, want.data), back ? maxDiff(got.reconstruction!, back.data) : 0];
      for (const n of Object.values(models.nets)) n.dispose();
      await page.setInputFiles('#model-upload', { name: 'x.png', mimeType: 'image/png', buffer: png });
      const drawn = await page.waitForFunction((tp) => new RegExp(`x\\.png: input \\| translation A → B${tp === 'cyclegan' ? ' \\| reconstruction' : ''}`).test(document.getElementById('model-caption')!.textContent ?? ''), tp, { timeout: 60_000 }).then(() => true, () => false);
      const grid = await canvasInk(page, 'model-grid');
      check(`${backend}: a ${tp} checkpoint: the model view translates an uploaded PNG as webgan translate --input DIR (input ${di.toExponential(2)}, translation ${d.toExponential(2)}${back ? `, reconstruction ${dr.toExponential(2)}` : ''} ≤ ${tol}), drawn input | translation${back ? ' | reconstruction' : ''}`,
        s.model?.kind === 'translate' && s.status === 'ready' && di <= 1e-6 && d <= tol && dr <= tol && got.reconstruction === null === (tp === 'pix2pix') && drawn && grid.ink > 0.3 &&
          await page.locator('#model-translate').isVisible() && !(await page.locator('#model-controls').isVisible()),
        JSON.stringify({ grid, caption: await page.locator('#model-caption').innerText(), status: await page.locator('#ckpt-status').innerText() }));
      // Translate test images: the run's samples/step-N.png grid of the test split's first 8 (the page fetches the test files)
      const labGrid = LabTranslator.fromCheckpoint(translationCheckpoint(readCheckpoint(new Uint8Array(readFileSync(join(dir, `${tp}.safetensors`))), `${tp}.safetensors`).ck), `${tp}.safetensors`);
      const wantGrid = await labGrid.testGrid();
      labGrid.dispose();
      await page.click('#model-test');
      const gridShown = await page.waitForFunction(() => /the first 8 test images of edges2fashion/.test(document.getElementById('model-caption')!.textContent ?? ''), null, { timeout: 120_000 }).then(() => true, () => false);
      const gotGrid = await page.evaluate(() => window.webganLab.testGrid());
      const dg = gotGrid.data.length === wantGrid.data.length ? maxDiff(gotGrid.data, wantGrid.data) : Infinity;
      check(`${backend}: a ${tp} checkpoint: Translate test images draws the run's sample grid of the bundled test split (${gotGrid.shape.join('×')}, max abs diff ${dg.toExponential(2)} ≤ ${tol} against Node)`,
        gridShown && dg <= tol && JSON.stringify(gotGrid.shape) === JSON.stringify(wantGrid.shape) && (await canvasInk(page, 'model-grid')).ink > 0.3,
        await page.locator('#model-caption').innerText());
    }
    check(`no console errors (model view, ${backend})`, errors.length === 0, errors.join(' | '));
    await page.close();
  }

  // ---- the image view: cdcgan / dcgan on Fashion-MNIST in its own worker (src/lab/imageview.ts), on the CPU
  // (SwiftShader takes ~2 min to the first frame and ~2 min a step at batch 16: docs/lab.md)
  {
    const classifier = await loadClassifier();
    {
      const { page, errors } = await open('view=image&preset=stylegan&imgbatch=0');
      const s = await imageUntil(page, (s) => s.status === 'error', 30_000);
      const box = await page.locator('#image-errors').innerText();
      check('image view: bad image settings in the URL give a message naming each in the view, no exception',
        s.status === 'error' && await page.locator('#image-errors').isVisible() && /preset: must be one of dcgan, cdcgan, got 'stylegan'/.test(box) && /imgbatch: must be an integer from 1 to 1024/.test(box) && errors.length === 0,
        JSON.stringify({ status: s.status, box, errors }));
      await page.close();
    }
    const imgQuery = 'view=image&preset=cdcgan&imgbatch=4&imgseed=2';
    const cfg = parseImageSettings(`?${imgQuery}`).config!;
    const { page, errors } = await open(`${imgQuery}&backend=cpu`);
    const s0 = await imageUntil(page, (s) => s.frames >= 1, 180_000);
    await page.evaluate(async () => {
      const img = window.webganLab.image;
      for (let i = 0; i < 3; i++) await img.step();
      await img.setClass(3);
    });
    const s = await imageState(page);
    const grid = await page.evaluate(() => window.webganLab.image.grid());
    const node = await ImageSession.create(cfg, classifier);
    await node.train(3);
    const nf = await node.frame(3);
    const d = maxDiff(grid, nf.grid);
    check(`cpu: the image view from the URL (${imgQuery}) trains 3 steps; its grid (class 3) = an ImageSession's in Node (max abs diff ${d.toExponential(2)} ≤ ${TOL.cpu}), its coverage = classify's`,
      s0.backend === 'cpu' && s.status === 'ready' && s.step === 3 && s.label === 3 && d <= TOL.cpu && JSON.stringify(s.coverage) === JSON.stringify(nf.coverage) &&
        s.coverage!.accuracy !== null && s.history.length === 3 && s.history.every((r) => Number.isFinite(r.lossD) && Number.isFinite(r.lossG)) && (await state(page)).view === 'image',
      JSON.stringify({ step: s.step, label: s.label, coverage: s.coverage, node: nf.coverage, status: s.status, error: s.error }));
    await page.waitForTimeout(300);
    const inks = { grid: await canvasInk(page, 'image-grid'), bars: await canvasInk(page, 'image-coverage'), losses: await canvasInk(page, 'image-losses'), dout: await canvasInk(page, 'image-doutputs') };
    check('image view: the grid, the coverage bars and the curves are drawn; the class picker is shown (cdcgan)',
      inks.grid.ink > 0.3 && inks.grid.colours >= 3 && inks.bars.ink > 0.005 && inks.losses.ink > 0.01 && inks.dout.ink > 0.01 && await page.locator('#image-class-label').isVisible() &&
        /all of class 3 Dress/.test(await page.locator('#image-caption').innerText()), JSON.stringify(inks));
    const walk = await page.evaluate(() => window.webganLab.image.walk(5));
    const dw = maxDiff(walk, await node.walk(5));
    await page.click('#image-walk');
    const walked = await page.waitForFunction(() => /latent walk, seed 0/.test(document.getElementById('image-walk-caption')!.textContent ?? ''), null, { timeout: 60_000 }).then(() => true, () => false);
    const strip = await canvasInk(page, 'image-walk-strip');
    check(`image view: a latent walk = the session's in Node (max abs diff ${dw.toExponential(2)} ≤ ${TOL.cpu}); the Latent walk button draws the strips`, dw <= TOL.cpu && walked && strip.ink > 0.3, JSON.stringify(strip));
    // Download checkpoint → continued in Node (ImageSession.fromCheckpoint: GanTrainer.restoreCheckpoint, as webgan train --resume) = the page continued
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#image-download')]);
    const file = join(dir, 'page-image.safetensors');
    await dl.saveAs(file);
    await page.evaluate(async () => { for (let i = 0; i < 2; i++) await window.webganLab.image.step(); });
    const after = await page.evaluate(() => window.webganLab.image.grid());
    const ck = decodeCheckpoint<CheckpointMeta>(new Uint8Array(readFileSync(file)), 'page-image.safetensors');
    const resumed = await ImageSession.fromCheckpoint(ck, 'page-image.safetensors', classifier);
    await resumed.train(2);
    const dr = maxDiff(after, (await resumed.frame(3)).grid);
    check(`image view: Download checkpoint (${dl.suggestedFilename()}) resumes in Node: 2 more steps there = 2 more in the page (max abs diff ${dr.toExponential(2)} ≤ ${TOL.cpu})`,
      dl.suggestedFilename() === 'webgan-lab-cdcgan-step-000003.safetensors' && ck.meta.step === 3 && JSON.stringify(ck.meta.config) === JSON.stringify(cfg) && dr <= TOL.cpu, `step ${ck.meta.step}`);
    resumed.dispose();
    node.dispose();
    await page.screenshot({ path: join(dirname(screenshot), 'lab-image.png'), fullPage: true });
    console.log(`[lab] screenshot: ${join(dirname(screenshot), 'lab-image.png')}`);
    // leaving the view pauses its run
    await page.evaluate(() => window.webganLab.image.play());
    await page.evaluate(() => window.webganLab.setView('2d'));
    const p1 = await imageState(page);
    await page.waitForTimeout(1500);
    const p2 = await imageState(page);
    check('image view: leaving it pauses its run', !p1.playing && p2.step === p1.step, `${p1.step} → ${p2.step}`);
    check('no console errors (image view, cpu)', errors.length === 0, errors.join(' | '));
    await page.close();
  }
  if (expectGpu) {
    // the image view on WebGPU (SwiftShader here: minutes to the first frame, so one step at batch 2): trains, and its grid
    // after the step = an ImageSession's on the CPU in Node, to the float32 differences one Adam step leaves
    const q = 'view=image&preset=dcgan&imgbatch=2&imgseed=4&backend=webgpu';
    const cfgG = parseImageSettings(`?${q}`).config!;
    const t0 = Date.now();
    const { page, errors } = await open(q);
    const s0 = await imageUntil(page, (s) => s.frames >= 1, 480_000);
    const firstS = (Date.now() - t0) / 1000;
    await page.evaluate(() => window.webganLab.image.step());
    const s = await imageState(page);
    const grid = await page.evaluate(() => window.webganLab.image.grid());
    const node = await ImageSession.create(cfgG, await loadClassifier());
    await node.train(1);
    const d = maxDiff(grid, (await node.frame(1)).grid);
    node.dispose();
    check(`webgpu: the image view (${q}) trains on WebGPU (${s0.adapter}); its grid after 1 step = an ImageSession's on the CPU in Node (max abs diff ${d.toExponential(2)} ≤ 2e-3); first frame after ${firstS.toFixed(0)} s`,
      s0.backend === 'webgpu' && s.status === 'ready' && s.step === 1 && d <= 2e-3 && s.history.length === 1 && Number.isFinite(s.history[0].lossD) && errors.length === 0 &&
        (await canvasInk(page, 'image-grid')).ink > 0.3,
      JSON.stringify({ step: s.step, status: s.status, error: s.error, errors }));
    await page.close();
  }
  {
    // the page's defaults (dcgan, batch 16) with autoplay on the CPU fallback: the speed docs/lab.md reports
    const { page, errors } = await open('view=image&backend=cpu&autoplay=1');
    const s = await imageUntil(page, (s) => s.step >= 6, 240_000);
    const rates = s.history.slice(1).map((r) => r.stepsPerSec);
    check(`cpu: view=image&autoplay=1 trains dcgan at batch 16: ${(rates.reduce((a, b) => a + b, 0) / Math.max(rates.length, 1)).toFixed(2)} steps/s (grid every step, coverage every 10)`,
      s.playing && s.step >= 6 && s.config?.preset === 'dcgan' && s.config.batch === 16 && s.coverage?.accuracy === null && !(await page.locator('#image-class-label').isVisible()) && errors.length === 0 && (await state(page)).playing === false,
      `step ${s.step}, ${errors.join(' | ')}`);
    await page.close();
  }
  {
    // a dcgan / cdcgan checkpoint in the model view: Continue training carries it to the image view, where it trains on as in Node
    const { page, errors } = await open(`${small}&backend=cpu`);
    await until(page, 'ready', (s) => s.status === 'ready' && s.frames >= 1, 120_000);
    await page.setInputFiles('#ckpt-file', { name: 'cdcgan.safetensors', mimeType: 'application/octet-stream', buffer: files.cdcgan });
    await until(page, 'model', (s) => s.model?.preset === 'cdcgan', 120_000);
    const visible = await page.locator('#model-continue').isVisible();
    await page.click('#model-continue');
    const s = await imageUntil(page, (s) => s.resumedFrom === 'cdcgan.safetensors' && s.frames >= 1, 180_000);
    await page.evaluate(() => window.webganLab.image.step());
    const grid = await page.evaluate(() => window.webganLab.image.grid());
    const ck = decodeCheckpoint<CheckpointMeta>(new Uint8Array(files.cdcgan), 'cdcgan.safetensors');
    const node = await ImageSession.fromCheckpoint(ck, 'cdcgan.safetensors', await loadClassifier());
    await node.train(1);
    const d = maxDiff(grid, (await node.frame(null)).grid);
    node.dispose();
    const after = await imageState(page);
    check(`cpu: Continue training (model view, cdcgan step 1) trains on in the image view as in Node (max abs diff ${d.toExponential(2)} ≤ ${TOL.cpu})`,
      visible && s.step === 1 && s.config?.batch === 4 && after.step === 2 && (await state(page)).view === 'image' && /continued from cdcgan\.safetensors \(step 1\)/.test(await page.locator('#image-summary').innerText()) &&
        /continued in the image view/.test(await page.locator('#ckpt-status').innerText()) && d <= TOL.cpu && errors.length === 0,
      JSON.stringify({ visible, step: s.step, after: after.step, status: after.status, error: after.error, errors }));
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
