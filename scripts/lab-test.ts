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
 * there and gives the samples of loadGenerator + drawSamples for a seed (max abs diff ≤ 1e-5, on
 * WebGPU and on the CPU), and continues as a trainer resumed in Node; the page's Download checkpoint
 * loads with loadGenerator and `webgan sample`; dcgan / cdcgan checkpoints dropped on the page open
 * the model view (grid, class picker) with the CLI's samples, a stylegan one (CPU) ψ and `webgan
 * interpolate`'s strips; pix2pix (and on the CPU cyclegan) checkpoints translate an uploaded PNG
 * with the numbers of `webgan translate --input DIR` (input | translation | reconstruction drawn);
 * dcgan / cdcgan latent walks in Z in the model view equal LabModel.interpolate's in Node; stylegan's
 * style mixing equals `webgan mix`'s figure (mixingFigure). The image view (CPU): bad image settings give a message; a cdcgan run from the URL
 * trains, its grid, coverage and latent walk equal an ImageSession's in Node, its Download checkpoint
 * continues in Node as in the page; the page's defaults train with autoplay (steps/s printed);
 * Continue training carries a model-view checkpoint into it. Screenshot: out/lab-image.png.
 * Saves a screenshot of the 2-D view in out/lab-2d.png (git-ignored, so a test run leaves the checkout
 * clean); WEBGAN_LAB_SCREENSHOT=docs/results/lab-2d.png refreshes the one the docs show.
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
import { LabModel, readCheckpoint, type ModelInfo, type SampleOptions } from '../src/lab/model.ts';
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

const files = await bundleLab();
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
  // the CPU backend in the page computes what it computes in Node, to the bit; on WebGPU the normal
  // noise differs (SwiftShader's log / cos in Box–Muller: up to 7e-4 in the tails), so G's samples by a few 1e-5
  const TOL = { cpu: 1e-5, webgpu: 2e-4 };
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
      check(`cpu: 3 steps in the page after loading = 3 steps of a trainer resumed in Node (max abs diff ${d3.toExponential(2)})`, d3 <= 1e-5, `step ${(await state(page)).step}`);
      await page.evaluate(() => window.webganLab.reset());
      const r = await state(page);
      check('cpu: Reset returns to the loaded checkpoint', r.step === 8 && maxDiff(await pageSamples(page, 7, 300), ref) <= 1e-5, `step ${r.step}`);
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
    check(`cpu: the image view from the URL (${imgQuery}) trains 3 steps; its grid (class 3) = an ImageSession's in Node (max abs diff ${d.toExponential(2)} ≤ 1e-5), its coverage = classify's`,
      s0.backend === 'cpu' && s.status === 'ready' && s.step === 3 && s.label === 3 && d <= 1e-5 && JSON.stringify(s.coverage) === JSON.stringify(nf.coverage) &&
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
    check(`image view: a latent walk = the session's in Node (max abs diff ${dw.toExponential(2)}); the Latent walk button draws the strips`, dw <= 1e-5 && walked && strip.ink > 0.3, JSON.stringify(strip));
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
    check(`image view: Download checkpoint (${dl.suggestedFilename()}) resumes in Node: 2 more steps there = 2 more in the page (max abs diff ${dr.toExponential(2)} ≤ 1e-5)`,
      dl.suggestedFilename() === 'webgan-lab-cdcgan-step-000003.safetensors' && ck.meta.step === 3 && JSON.stringify(ck.meta.config) === JSON.stringify(cfg) && dr <= 1e-5, `step ${ck.meta.step}`);
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
    check(`cpu: Continue training (model view, cdcgan step 1) trains on in the image view as in Node (max abs diff ${d.toExponential(2)} ≤ 1e-5)`,
      visible && s.step === 1 && s.config?.batch === 4 && after.step === 2 && (await state(page)).view === 'image' && /continued from cdcgan\.safetensors \(step 1\)/.test(await page.locator('#image-summary').innerText()) &&
        /continued in the image view/.test(await page.locator('#ckpt-status').innerText()) && d <= 1e-5 && errors.length === 0,
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
