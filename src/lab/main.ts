/**
 * The lab page: reads its settings from the URL, starts the training worker, draws each frame the
 * worker sends and publishes `window.webganLab` (state and controls, for people and tests; docs/lab.md).
 */
import type { ModeMetrics } from '../gan/metrics.ts';
import { MLP2D_DEFAULTS } from '../gan/models.ts';
import { drawCurves, drawHistogram, drawView, thin, COLORS, type Layers } from './draw.ts';
import { settingsForm } from './form.ts';
import { drawModelGraph, graphNodes } from './graph.ts';
import { drawNormCurves, type NormPoint } from './norms.ts';
import { PRESETS, presetQuery, recognise } from './presets.ts';
import { ModelView } from './modelview.ts';
import { ImageView, type WebganLabImage } from './imageview.ts';
import { IMAGE_PARAMS } from './image-settings.ts';
import { KernelView } from './kernelview.ts';
import type { KernelsResult, KernelViewOptions } from './kernels.ts';
import type { InterpolateOptions, MixOptions, ModelInfo, SampleOptions } from './model.ts';
import type { Translation } from './translator.ts';
import type { BackendReport, FrameTiming, FromWorker, ReplyValue, Request, ToWorker, WithoutId } from './protocol.ts';
import type { LabFrame, LabRecord, LabSetup } from './session.ts';
import { LAB_VIEWS, PARAMS, paramText, parseSettings, settingsQuery, type LabSettings, type LabView } from './settings.ts';
import { DrawPad } from './drawdata.ts';

export interface LabState {
  /** ready: the worker trains; error: bad settings or a failure (see `error`) */
  status: 'starting' | 'ready' | 'error';
  error: string | null;
  step: number;
  playing: boolean;
  /** 'webgpu' or 'cpu' (null until the worker has started one) and the adapter's name, or why the CPU runs */
  backend: 'webgpu' | 'cpu' | null;
  adapter: string | null;
  /** the latest window means of the losses and D's outputs (σ(D) for probabilistic losses), or null */
  losses: { lossD: number; lossG: number; dReal: number; dFake: number } | null;
  /** the records so far (window means of training steps; single D / G updates), thinned to at most 4,000 on long runs (older ones: every other) */
  history: LabRecord[];
  /** the mode metrics of the last frame's 1,000 generated samples (ring and grid; null for spiral and moons) */
  modes: number | null;
  totalModes: number | null;
  highQualityPct: number | null;
  reverseKl: number | null;
  histogram: number[] | null;
  /** frames received from the worker */
  frames: number;
  /** times the page was drawn (frames that arrive between two animation frames are drawn once) */
  drawn: number;
  /** ms summed over the frames: the worker's training steps (with their read-back) and view data (LabSession.frame), the page's drawing (bench/lab-speed.ts) */
  timing: { trainMs: number; frameMs: number; drawMs: number };
  stepsPerSec: number | null;
  settings: LabSettings;
  /** the mlp2d checkpoint the 2-D run was loaded from (Reset goes back to it), or null */
  loaded: ModelInfo | null;
  /** the model view's checkpoint (an image preset), or null */
  model: ModelInfo | null;
  /** the view (tab) shown */
  view: LabView;
  /** ‖∇‖₂ per layer of G and of D (setup's layers, in order) after the latest frame's last updates; NaN before a network's first update */
  gradNorms: { g: number[]; d: number[] } | null;
  /** the layers those norms belong to: 'G 2→32', … */
  gradLayers: { g: string[]; d: string[] } | null;
  /** mean D(x) − mean D(G(z)) of the critic's raw outputs in the latest record: the Wasserstein-1 estimate for wgan / wgan-gp, the D-output gap otherwise */
  wasserstein: number | null;
  /** the failure preset these settings are (with the cures applied to it), or null */
  preset: { failure: string; cures: string[] } | null;
  /** draw mode: the data plane is a pad; `drawing` is its points (flat x, y, …) */
  drawMode: boolean;
  drawing: number[];
}

export interface WebganLab {
  state(): LabState;
  /** each control resolves when the worker has carried it out and the next frame is drawn */
  play(): Promise<void>;
  pause(): Promise<void>;
  step(): Promise<void>;
  stepD(): Promise<void>;
  stepG(): Promise<void>;
  reset(): Promise<void>;
  setSpeed(stepsPerFrame: number): Promise<void>;
  /**
   * Load a `.safetensors` checkpoint (what `webgan train` or this page writes): an mlp2d run
   * replaces the 2-D run and continues from its step; another GAN preset's generator opens the
   * model view. Rejects with the reason for anything else (a translation checkpoint, a corrupt file).
   */
  load(bytes: Uint8Array, name?: string): Promise<ModelInfo>;
  /**
   * The generator's samples for a seed, flat ([n, 2] or [n, C, H, W] row-major): the numbers
   * `webgan sample --ckpt FILE --seed seed --n n` draws. From the model view's generator when the
   * last checkpoint loaded was an image preset's, else from the 2-D run's G; `label` (conditional
   * presets; default: the classes in turn) and `psi` (stylegan) as the CLI's --class and --truncation.
   */
  sample(seed: number, n: number, opts?: SampleOptions): Promise<number[]>;
  /**
   * The model view's latent walks; for the other presets (space 'z' only, no ψ; `label` for the
   * conditional ones, absent: row r in class r) 'rows' strips of n images slerped between two z of the seed.
   * stylegan: the images `webgan interpolate --seed seed --n n --rows rows --space
   * space --truncation psi` draws (defaults 8, 1, 'w', 1; constant noise), flat [rows · n, C, H, W].
   */
  interpolate(seed: number, opts?: InterpolateOptions): Promise<number[]>;
  /**
   * stylegan (the model view): `webgan mix --seed seed --rows rows --cols cols --styles ranges
   * --truncation psi`'s figure (defaults 4, 6, coarse/middle/fine, 1), flat [(rows·R + 1)·(cols + 1), C, H, W].
   */
  mix(seed: number, opts?: MixOptions): Promise<number[]>;
  /**
   * A cyclegan / pix2pix checkpoint in the model view: translate a PNG (its bytes) in `direction`
   * (default a2b), converted as `webgan translate --input DIR` converts a folder's PNGs. The numbers:
   * the input as the networks see it, the translation `webgan translate` computes ([1, C, r, r]
   * flat) and for cyclegan the reconstruction (translated back).
   */
  translate(png: Uint8Array, direction?: 'a2b' | 'b2a'): Promise<{ input: number[]; output: number[]; reconstruction: number[] | null; channels: [number, number]; resolution: number }>;
  /**
   * A cyclegan / pix2pix checkpoint on Fashion-MNIST data in the model view: the grid `webgan train`
   * writes as samples/step-N.png, from the bundled test split's first 8 images (fetched on first
   * use): 8 a row, CycleGAN A | G_A(A) | G_B(G_A(A)), B | G_B(B) | G_A(G_B(B)); pix2pix input |
   * translation | target. Flat [rows · 8, C, r, r] in [−1, 1], and its shape.
   */
  testGrid(): Promise<{ data: number[]; shape: number[] }>;
  /** The 2-D run's checkpoint, the `.safetensors` bytes `webgan train` writes (Download checkpoint saves them). */
  checkpoint(): Promise<Uint8Array>;
  /**
   * Show a view (tab): '2d', 'model', … (LAB_VIEWS). Leaving the 2-D view pauses its run, so a
   * view that trains or benchmarks has the machine to itself. The URL's `view=` follows.
   */
  setView(view: LabView): Promise<void>;
  /**
   * The kernel view's run (it shows the view, so the 2-D run pauses): the quick kernel suite on the
   * page's backend (`full: true`: the whole suite), `filter` a regular expression of case names,
   * `tfjs` (default: when the page has TensorFlow.js) beside it. Resolves to the JSON
   * `webgan bench --suite kernels [--quick] --json` writes.
   */
  kernels(opts?: KernelViewOptions): Promise<KernelsResult>;
  /** the image view's run (dcgan / cdcgan on Fashion-MNIST; imageview.ts): state and controls, started on first use */
  image: WebganLabImage;
}

declare global {
  interface Window { webganLab: WebganLab }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const parsed = parseSettings(location.search, Object.keys(IMAGE_PARAMS));
const state: LabState = {
  status: 'starting', error: null, step: 0, playing: false, backend: null, adapter: null, losses: null, history: [], modes: null, totalModes: null,
  highQualityPct: null, reverseKl: null, histogram: null, frames: 0, drawn: 0, timing: { trainMs: 0, frameMs: 0, drawMs: 0 }, stepsPerSec: null, settings: parsed.settings, loaded: null, model: null,
  view: parsed.settings.view, gradNorms: null, gradLayers: null, wasserstein: null, preset: null,
  drawMode: false, drawing: parsed.settings.points?.slice() ?? [],
};
/** the frames' gradient norms, for their curves (thinned like the history) */
let normHistory: NormPoint[] = [];
/** which generator sample() draws from: the last checkpoint loaded decides */
let sampleFrom: 'run' | 'model' = 'run';
const replies = new Map<number, { resolve: (v: ReplyValue) => void; reject: (e: Error) => void }>();
let setup: LabSetup | null = null;
let lastFrame: LabFrame | null = null;
let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, () => void>();

function fail(message: string): void {
  state.status = 'error';
  state.error = message;
  state.playing = false;
  const box = $('errors');
  box.hidden = false;
  box.textContent = message;
  for (const p of pending.values()) p();
  pending.clear();
  for (const r of replies.values()) r.reject(new Error(message));
  replies.clear();
}

/** a request the worker answers with a value (or the reason it cannot) */
function request(msg: WithoutId<Request>, transfer: Transferable[] = []): Promise<ReplyValue> {
  if (!worker || state.status === 'error') return Promise.reject(new Error(state.error ?? 'the lab is not running'));
  const id = nextId++;
  const done = new Promise<ReplyValue>((resolve, reject) => replies.set(id, { resolve, reject }));
  worker.postMessage({ ...msg, id } as Request, transfer);
  return done;
}

function send(type: Exclude<ToWorker['type'], 'init' | 'speed'> | 'speed', extra: { speed?: number } = {}): Promise<void> {
  if (!worker || state.status === 'error') return Promise.resolve();
  const id = nextId++;
  const done = new Promise<void>((resolve) => pending.set(id, resolve));
  worker.postMessage({ type, id, ...extra } as ToWorker);
  return done;
}

// ---------------------------------------------------------------- settings form
function buildForm(s: LabSettings): void {
  const fields = (Object.keys(PARAMS) as (keyof LabSettings)[]).map((k) => ({ name: k, value: paramText(k, s[k]), help: PARAMS[k].help }));
  settingsForm($('settings'), fields, (q) => {
    const next = parseSettings('?' + q.toString());
    // the image view's parameters are not in this form: they stay as the URL has them
    const image = new URLSearchParams();
    for (const [k, v] of new URLSearchParams(location.search)) if (k in IMAGE_PARAMS) image.set(k, v);
    const own = next.errors.length ? q.toString() : settingsQuery(next.settings);
    location.search = [own, image.toString()].filter(Boolean).join('&');
  });
}

// ---------------------------------------------------------------- drawing
const layers: Layers = { surface: true, manifold: true, real: true, fake: true, gradients: true };
let dirty = false;

function draw(): void {
  dirty = false;
  const t0 = performance.now();
  if (state.drawMode) pad.draw($<HTMLCanvasElement>('view').getContext('2d')!);
  else if (setup && lastFrame) {
    const range = drawView($<HTMLCanvasElement>('view').getContext('2d')!, setup, lastFrame, layers);
    $('surface-legend').textContent = lastFrame.surface
      ? `background: ${setup.probabilistic ? 'σ(D(x)), purple 0 (generated) → green 1 (real)' : `D(x), purple ${range?.[0].toFixed(2)} → green ${range?.[1].toFixed(2)}`}`
      : 'background: none (with packing D scores packs of samples, not points)';
  }
  const h = state.history;
  drawCurves($<HTMLCanvasElement>('losses').getContext('2d')!, h, [['lossD', COLORS.lossD, 'D loss'], ['lossG', COLORS.lossG, 'G loss']], 'losses');
  drawCurves($<HTMLCanvasElement>('doutputs').getContext('2d')!, h, [['dReal', COLORS.dReal, 'D(x)'], ['dFake', COLORS.dFake, 'D(G(z))']], setup?.probabilistic ? 'mean σ(D)' : 'mean D');
  if (setup) {
    const w1 = setup.config.loss === 'wgan' || setup.config.loss === 'wgan-gp';
    drawCurves($<HTMLCanvasElement>('wasserstein').getContext('2d')!, h, [['wasserstein', COLORS.axis, w1 ? 'E D(x) − E D(G(z))' : 'E D(x) − E D(G(z)) of raw D: not a distance']], w1 ? 'W₁ estimate' : 'D-output gap');
    drawNormCurves($<HTMLCanvasElement>('gradnorms').getContext('2d')!, normHistory, setup.layers);
    const graph = $<HTMLCanvasElement>('graph');
    drawModelGraph(graph.getContext('2d')!, setup.layers, setup.config, lastFrame?.gradNorms ?? null);
    graph.setAttribute('aria-label', `model: ${graphNodes(setup.layers, setup.config).map((n) => `${n.label} (${n.sub})`).join(' → ')}; real x into D`);
  }
  const hist = $<HTMLCanvasElement>('histogram');
  const m = lastFrame?.metrics;
  if (m) drawHistogram(hist.getContext('2d')!, m.histogram, m.highQualityHistogram);
  hist.hidden = !m;
  $('step').textContent = String(state.step);
  $('rate').textContent = state.stepsPerSec === null ? '–' : state.stepsPerSec.toFixed(1);
  $('play').textContent = state.playing ? 'Pause' : 'Play';
  $('metrics').textContent = m
    ? `modes ${m.modes} / ${m.totalModes} · high quality ${m.highQuality.toFixed(1)} % · reverse KL ${m.reverseKL.toFixed(3)} nats`
    : `no mode metrics for ${state.settings.data} (ring and grid have modes)`;
  const l = state.losses;
  $('latest').textContent = l ? `D loss ${l.lossD.toFixed(3)} · G loss ${l.lossG.toFixed(3)} · D(x) ${l.dReal.toFixed(3)} · D(G(z)) ${l.dFake.toFixed(3)}` : '';
  state.drawn++;
  state.timing.drawMs += performance.now() - t0;
}
const redraw = () => {
  if (!dirty) {
    dirty = true;
    requestAnimationFrame(draw);
  }
};

function onFrame(frame: LabFrame, records: LabRecord[], playing: boolean, ack: number[], timing: FrameTiming): void {
  lastFrame = frame;
  state.timing.trainMs += timing.trainMs;
  state.timing.frameMs += timing.frameMs;
  state.step = frame.step;
  state.playing = playing;
  state.frames++;
  state.history.push(...records);
  state.history = thin(state.history);
  for (const r of records) {
    if (r.kind === 'step') {
      state.losses = { lossD: r.lossD, lossG: r.lossG, dReal: r.dReal, dFake: r.dFake };
      state.stepsPerSec = r.stepsPerSec;
    }
  }
  const m: ModeMetrics | null = frame.metrics;
  state.modes = m?.modes ?? null;
  state.totalModes = m?.totalModes ?? null;
  state.highQualityPct = m?.highQuality ?? null;
  state.reverseKl = m?.reverseKL ?? null;
  state.histogram = m?.histogram ?? null;
  state.gradNorms = frame.gradNorms;
  for (const r of records) if (Number.isFinite(r.wasserstein)) state.wasserstein = r.wasserstein;
  normHistory = thin([...normHistory, { step: frame.step, ...frame.gradNorms }]);
  redraw();
  for (const id of ack) {
    pending.get(id)?.();
    pending.delete(id);
  }
}

function onReady(backend: BackendReport, s: LabSetup, loaded: ModelInfo | null): void {
  setup = s;
  state.loaded = loaded;
  state.status = 'ready';
  state.backend = backend.name;
  state.adapter = backend.adapter;
  state.history = [];
  state.losses = null;
  state.stepsPerSec = null;
  state.wasserstein = null;
  state.gradLayers = { g: s.layers.g.map((l) => `G ${l.inFeatures}→${l.outFeatures}`), d: s.layers.d.map((l) => `D ${l.inFeatures}→${l.outFeatures}`) };
  normHistory = [];
  const badge = $('backend');
  badge.textContent = backend.name === 'webgpu' ? `WebGPU — ${backend.adapter}` : `CPU — ${backend.adapter}`;
  badge.className = backend.name;
  const c = s.config;
  $('summary').textContent = `${loaded ? `resumed from ${loaded.name} (step ${loaded.step}) · ` : ''}mlp2d on ${c.data}${c.points ? ` (${c.points.length / 2} points)` : ''}, ${c.loss}; G ${c.gDepth ?? MLP2D_DEFAULTS.gDepth}×${c.gWidth ?? MLP2D_DEFAULTS.gWidth}, D ${c.dDepth ?? MLP2D_DEFAULTS.dDepth}×${c.dWidth ?? MLP2D_DEFAULTS.dWidth}; batch ${c.batch}, ${c.optimizer} lr ${c.lr} (${c.lrDecay} over ${c.steps} steps), ${c.nCritic} critic step${c.nCritic > 1 ? 's' : ''}${c.r1Gamma ? `, R1 γ ${c.r1Gamma}${c.r1Until ? ` to step ${c.r1Until}` : ''}` : ''}${c.loss === 'wgan-gp' ? `, GP λ ${c.gpLambda}` : ''}${c.pack > 1 ? `, pack ${c.pack}` : ''}${c.spectralNorm ? ', spectral norm' : ''}; seed ${c.seed}`;
}

// ---------------------------------------------------------------- views (tabs)
async function setView(view: LabView): Promise<void> {
  if (!LAB_VIEWS.includes(view)) throw new RangeError(`view must be one of ${LAB_VIEWS.join(', ')}, got '${view}'`);
  if (view !== '2d' && state.playing) await send('pause');
  if (view !== 'image') await imageView.api.pause();
  state.view = view;
  document.querySelectorAll<HTMLButtonElement>('nav#tabs button').forEach((b) => b.classList.toggle('active', b.dataset.view === view));
  for (const v of LAB_VIEWS) $(`view-${v}`).hidden = v !== view;
  // the link names the view (other settings as they are)
  const q = new URLSearchParams(location.search);
  if (view === '2d') q.delete('view');
  else q.set('view', view);
  const search = q.toString();
  history.replaceState(null, '', search ? `?${search}` : location.pathname);
  redraw();
  if (view === 'image') void imageView.open().catch(() => {}); // its errors are shown in the view
}

// ---------------------------------------------------------------- start
/** PNG bytes → 8-bit RGBA as drawn, without colour conversion (loadImageFolder's pngjs gives the file's own values) */
async function decodePngInPage(png: Uint8Array): Promise<{ rgba: Uint8Array; width: number; height: number }> {
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(new Blob([png as BlobPart], { type: 'image/png' }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new Error('not a PNG image the browser can decode');
  }
  const c = new OffscreenCanvas(bmp.width, bmp.height);
  const ctx = c.getContext('2d')!;
  ctx.drawImage(bmp, 0, 0);
  const d = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
  return { rgba: new Uint8Array(d.buffer, d.byteOffset, d.byteLength), width: bmp.width, height: bmp.height };
}

async function translatePng(png: Uint8Array, direction: 'a2b' | 'b2a' = 'a2b'): Promise<Translation> {
  const { rgba, width, height } = await decodePngInPage(png);
  return ((await request({ type: 'translate', rgba, width, height, direction }, [rgba.buffer])) as Extract<ReplyValue, { type: 'translate' }>).translation;
}

const modelView = new ModelView(request, translatePng);
// the image view's run plays on autoplay=1 when the page opens on it (the 2-D run then waits)
const imageView = new ImageView(location.search, parsed.settings.backend, parsed.settings.autoplay && parsed.settings.view === 'image');
/** the model view's dcgan / cdcgan checkpoint, which Continue training hands to the image view */
let continuable: { bytes: Uint8Array; name: string } | null = null;
const kernelView = new KernelView(parsed.settings.backend);
window.webganLab = {
  state: () => structuredClone(state),
  play: () => send('play'),
  pause: () => send('pause'),
  step: () => send('step'),
  stepD: () => send('stepD'),
  stepG: () => send('stepG'),
  reset: () => send('reset'),
  setSpeed: (n: number) => {
    const v = Math.round(n);
    if (!(v >= 1 && v <= 1000)) return Promise.reject(new RangeError(`speed must be 1 to 1000 steps per frame, got ${n}`));
    state.settings.speed = v;
    ($<HTMLInputElement>('speed')).value = String(v);
    $('speed-value').textContent = String(v);
    return send('speed', { speed: v });
  },
  load: async (bytes: Uint8Array, name = 'checkpoint.safetensors') => {
    const copy = bytes.slice(); // transferred to the worker
    const v = await request({ type: 'load', bytes: copy, name }, [copy.buffer]);
    const info = (v as Extract<ReplyValue, { type: 'load' }>).info;
    sampleFrom = info.kind === '2d' ? 'run' : 'model';
    if (info.kind !== '2d') {
      state.model = info;
      continuable = info.preset === 'dcgan' || info.preset === 'cdcgan' ? { bytes: bytes.slice(), name } : null;
      $('model-continue').hidden = !continuable;
      await setView('model');
      await modelView.show(info);
    }
    return info;
  },
  sample: async (seed: number, n: number, opts: SampleOptions = {}) => {
    const v = await request({ type: 'sample', from: sampleFrom, seed, n, ...opts });
    return Array.from((v as Extract<ReplyValue, { samples: unknown }>).samples.data);
  },
  mix: async (seed: number, o: MixOptions = {}) => {
    const v = await request({ type: 'mix', seed, rows: o.rows ?? 4, cols: o.cols ?? 6, ranges: o.ranges ?? ['coarse', 'middle', 'fine'], psi: o.psi ?? 1 });
    return Array.from((v as Extract<ReplyValue, { samples: unknown }>).samples.data);
  },
  translate: async (png: Uint8Array, direction: 'a2b' | 'b2a' = 'a2b') => {
    const t = await translatePng(png, direction);
    return { input: Array.from(t.input), output: Array.from(t.output), reconstruction: t.reconstruction && Array.from(t.reconstruction), channels: t.channels, resolution: t.resolution };
  },
  testGrid: async () => {
    const { data, shape } = (await request({ type: 'testGrid' }) as Extract<ReplyValue, { samples: unknown }>).samples;
    return { data: Array.from(data), shape };
  },
  interpolate: async (seed: number, o: InterpolateOptions = {}) => {
    const v = await request({ type: 'interpolate', seed, n: o.n ?? 8, rows: o.rows ?? 1, space: o.space ?? (state.model?.style ? 'w' : 'z'), psi: o.psi, label: o.label });
    return Array.from((v as Extract<ReplyValue, { samples: unknown }>).samples.data);
  },
  checkpoint: async () => ((await request({ type: 'checkpoint' })) as Extract<ReplyValue, { type: 'checkpoint' }>).bytes,
  setView,
  kernels: async (o: KernelViewOptions = {}) => {
    await setView('kernels');
    return kernelView.run(o);
  },
  image: imageView.api,
};

// ---------------------------------------------------------------- checkpoints: load (file input, drag and drop), download
async function loadFile(file: File): Promise<void> {
  const status = $('ckpt-status');
  status.className = '';
  status.textContent = `loading ${file.name}…`;
  try {
    const info = await window.webganLab.load(new Uint8Array(await file.arrayBuffer()), file.name);
    status.textContent = info.kind === '2d'
      ? `${file.name}: the ${info.data} run (${info.loss}) at step ${info.step}, continued in the 2-D view (Reset returns to it)`
      : `${file.name}: ${info.preset} (${info.loss}) at step ${info.step}, in the model view`;
  } catch (e) {
    status.className = 'bad';
    status.textContent = (e as Error).message;
  }
}

async function download(): Promise<void> {
  const bytes = await window.webganLab.checkpoint();
  const c = setup!.config;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
  a.download = `webgan-lab-${c.data}-${c.loss}-step-${String(state.step).padStart(6, '0')}.safetensors`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

buildForm(parsed.settings);
// draw mode: the data plane becomes a pad; "Train on the drawing" navigates to data=drawn&points=…
const pad = new DrawPad($<HTMLCanvasElement>('view'), () => { state.drawing = pad.points.slice(); $('draw-status').textContent = ''; redraw(); });
pad.points = state.drawing.slice();
$<HTMLInputElement>('draw-mode').addEventListener('change', (e) => {
  state.drawMode = pad.active = (e.target as HTMLInputElement).checked;
  if (state.drawMode && state.playing) void send('pause');
  redraw();
});
$<HTMLInputElement>('draw-erase').addEventListener('change', (e) => { pad.erase = (e.target as HTMLInputElement).checked; redraw(); });
$('draw-clear').addEventListener('click', () => { pad.points = []; state.drawing = []; redraw(); });
$('draw-train').addEventListener('click', () => {
  if (!pad.points.length) {
    $('draw-status').textContent = 'draw some points first (tick "draw data", then click or drag on the plane)';
    return;
  }
  location.search = settingsQuery({ ...parsed.settings, data: 'drawn', points: pad.points, autoplay: true, view: '2d' });
});
// failure presets and cures: each navigates to its settings (a link)
const known = recognise(parsed.settings);
state.preset = known && { failure: known.failure.name, cures: known.cured.map((c) => c.name) };
for (const p of PRESETS) {
  const b = document.createElement('button');
  b.textContent = p.label;
  b.dataset.preset = p.name;
  b.className = p.kind;
  b.title = `${p.kind === 'failure' ? 'provoke' : 'cure (added to the current settings)'}: ${p.note}`;
  b.addEventListener('click', () => { location.search = presetQuery(p.name, parsed.settings); });
  $(p.kind === 'failure' ? 'failures' : 'cures').append(b);
}
$('preset-note').textContent = known
  ? `${known.failure.label}${known.cured.length ? ` + ${known.cured.map((c) => c.label).join(' + ')}` : ''}: ${known.cured.length ? known.cured.map((c) => c.note).join(' ') : known.failure.note}`
  : 'Failures set up a run that shows the phenomenon; cures add their fix to the current settings. Each is a link (the URL changes).';
document.querySelectorAll<HTMLButtonElement>('nav#tabs button').forEach((b) => b.addEventListener('click', () => void setView(b.dataset.view as LabView)));
void setView(parsed.settings.view);
for (const k of Object.keys(layers) as (keyof Layers)[]) {
  const box = $<HTMLInputElement>(`layer-${k}`);
  box.checked = layers[k];
  box.addEventListener('change', () => { layers[k] = box.checked; redraw(); });
}
$('play').addEventListener('click', () => void (state.playing ? window.webganLab.pause() : window.webganLab.play()));
$('stepbtn').addEventListener('click', () => void window.webganLab.step());
$('stepD').addEventListener('click', () => void window.webganLab.stepD());
$('stepG').addEventListener('click', () => void window.webganLab.stepG());
$('reset').addEventListener('click', () => void window.webganLab.reset());
const fileInput = $<HTMLInputElement>('ckpt-file');
fileInput.addEventListener('change', () => {
  const f = fileInput.files?.[0];
  if (f) void loadFile(f).finally(() => { fileInput.value = ''; });
});
document.addEventListener('dragover', (e) => { e.preventDefault(); document.body.classList.add('dropping'); });
document.addEventListener('dragleave', (e) => { if (!e.relatedTarget) document.body.classList.remove('dropping'); });
document.addEventListener('drop', (e) => {
  e.preventDefault();
  document.body.classList.remove('dropping');
  const f = e.dataTransfer?.files[0];
  if (f) void loadFile(f);
});
$('model-continue').addEventListener('click', () => {
  if (!continuable) return;
  const { bytes, name } = continuable;
  void setView('image').then(() => imageView.api.load(bytes, name)).then(
    (run) => { $('ckpt-status').className = ''; $('ckpt-status').textContent = `${name}: ${run.config.preset} at step ${run.step}, continued in the image view (Reset returns to it)`; },
    (e: Error) => { $('ckpt-status').className = 'bad'; $('ckpt-status').textContent = e.message; },
  );
});
$('download').addEventListener('click', () => void download().catch((e: Error) => { $('ckpt-status').className = 'bad'; $('ckpt-status').textContent = e.message; }));
const speedInput = $<HTMLInputElement>('speed');
speedInput.value = String(parsed.settings.speed);
$('speed-value').textContent = String(parsed.settings.speed);
speedInput.addEventListener('input', () => void window.webganLab.setSpeed(Number(speedInput.value)));

if (parsed.errors.length) {
  fail(`The settings in the URL are not valid:\n${parsed.errors.map((e) => `• ${e}`).join('\n')}\nFix them in the form below (or the URL) and apply.`);
} else {
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (ev: MessageEvent<FromWorker>) => {
    const m = ev.data;
    if (m.type === 'ready') onReady(m.backend, m.setup, m.loaded);
    else if (m.type === 'frame') onFrame(m.frame, m.records, m.playing, m.ack, m.timing);
    else if (m.type === 'reply') {
      const r = replies.get(m.id);
      replies.delete(m.id);
      if (m.ok) r?.resolve(m.value);
      else r?.reject(new Error(m.message));
    } else fail(`The training worker stopped: ${m.message}`);
  };
  worker.onerror = (e) => fail(`The training worker failed to load: ${e.message || 'see the console'}`);
  worker.postMessage({ type: 'init', config: parsed.config!, backend: parsed.settings.backend, speed: parsed.settings.speed } satisfies ToWorker);
  if (parsed.settings.autoplay && parsed.settings.view !== 'image') void window.webganLab.play();
}
draw();
