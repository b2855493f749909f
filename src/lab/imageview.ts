/**
 * The image view of the lab page: a dcgan / cdcgan run on Fashion-MNIST in its own worker
 * (image-worker.ts), started when the view first opens. Draws the fixed-noise grid, the curves, the
 * classifier's class coverage and latent walks; publishes `window.webganLab.image` (docs/lab.md).
 */
import { FASHION_MNIST_CLASSES } from '../data/fashion.ts';
import type { TrainConfig } from '../gan/config.ts';
import { drawCurves, drawImageGrid, thin, COLORS } from './draw.ts';
import { settingsForm } from './form.ts';
import { drawClassBars } from './image-draw.ts';
import type { FromImageWorker, ImageReplyValue, ImageRequest, ImageRun, ToImageWorker } from './image-protocol.ts';
import type { Coverage, ImageFrame } from './image-session.ts';
import { WALK_N, WALK_ROWS } from './image-session.ts';
import { IMAGE_PARAMS, parseImageSettings, type ImageSettings } from './image-settings.ts';
import type { WithoutId } from './protocol.ts';
import type { LabRecord } from './session.ts';
import type { LabBackend } from './settings.ts';

export interface ImageState {
  /** idle: not started (the view has not been opened); loading: fetching data, building the run */
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  step: number;
  playing: boolean;
  backend: 'webgpu' | 'cpu' | null;
  adapter: string | null;
  /** the run's full config (what `webgan train` would run), and the checkpoint it continues, or null */
  config: TrainConfig | null;
  resumedFrom: string | null;
  settings: ImageSettings;
  losses: { lossD: number; lossG: number; dReal: number; dFake: number } | null;
  history: LabRecord[];
  /** the latest frame's coverage (the classifier on 200 samples) */
  coverage: Coverage | null;
  /** cdcgan: the class the grid shows (null: the classes in turn) */
  label: number | null;
  frames: number;
  stepsPerSec: number | null;
}

export interface WebganLabImage {
  state(): ImageState;
  /** each control starts the run if needed and resolves when the worker has done it and the next frame is drawn */
  play(): Promise<void>;
  pause(): Promise<void>;
  step(): Promise<void>;
  reset(): Promise<void>;
  setSpeed(stepsPerFrame: number): Promise<void>;
  /** cdcgan: the class the grid shows (null: the classes in turn) */
  setClass(label: number | null): Promise<void>;
  /** the grid of the latest frame, flat [64, 1, 28, 28] in [−1, 1] */
  grid(): number[];
  /** a latent walk of a seed: 4 strips of 8 images (slerp between two z), flat [32, 1, 28, 28] */
  walk(seed: number, label?: number | null): Promise<number[]>;
  /** the run's checkpoint: the .safetensors bytes `webgan train` writes (Download checkpoint saves them) */
  checkpoint(): Promise<Uint8Array>;
  /** continue a dcgan / cdcgan checkpoint (of `webgan train` or this page) in the image view */
  load(bytes: Uint8Array, name?: string): Promise<ImageRun>;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export class ImageView {
  private worker: Worker | null = null;
  private started: Promise<void> | null = null;
  private readonly parsed;
  private readonly st: ImageState;
  private nextId = 1;
  private readonly pending = new Map<number, () => void>();
  private readonly replies = new Map<number, { resolve: (v: ImageReplyValue) => void; reject: (e: Error) => void }>();
  private lastGrid: Float32Array | null = null;
  private dirty = false;
  readonly api: WebganLabImage;

  constructor(search: string, private readonly backend: LabBackend, private readonly autoplay: boolean) {
    this.parsed = parseImageSettings(search);
    const s = this.parsed.settings;
    this.st = {
      status: 'idle', error: null, step: 0, playing: false, backend: null, adapter: null, config: this.parsed.config, resumedFrom: null, settings: s,
      losses: null, history: [], coverage: null, label: null, frames: 0, stepsPerSec: null,
    };
    this.buildForm();
    const cls = $<HTMLSelectElement>('image-class');
    cls.replaceChildren(new Option('all, in turn', ''), ...FASHION_MNIST_CLASSES.map((n, k) => new Option(`${k} ${n}`, String(k))));
    cls.addEventListener('change', () => void this.api.setClass(cls.value === '' ? null : Number(cls.value)));
    $('image-play').addEventListener('click', () => void (this.st.playing ? this.api.pause() : this.api.play()));
    $('image-stepbtn').addEventListener('click', () => void this.api.step());
    $('image-reset').addEventListener('click', () => void this.api.reset());
    $('image-walk').addEventListener('click', () => void this.drawWalk());
    $('image-download').addEventListener('click', () => void this.download().catch((e: Error) => this.fail(e.message)));
    const speed = $<HTMLInputElement>('image-speed');
    speed.value = String(s.imgspeed);
    $('image-speed-value').textContent = String(s.imgspeed);
    speed.addEventListener('input', () => void this.api.setSpeed(Number(speed.value)));
    this.api = {
      state: () => structuredClone(this.st),
      play: () => this.send('play'),
      pause: () => (this.worker ? this.send('pause') : Promise.resolve()),
      step: () => this.send('step'),
      reset: () => this.send('reset'),
      setSpeed: (n) => {
        const v = Math.round(n);
        if (!(v >= 1 && v <= 100)) return Promise.reject(new RangeError(`image speed must be 1 to 100 steps per frame, got ${n}`));
        this.st.settings.imgspeed = v;
        speed.value = String(v);
        $('image-speed-value').textContent = String(v);
        return this.send('speed', { speed: v });
      },
      setClass: (label) => {
        if (label !== null && !(Number.isInteger(label) && label >= 0 && label < 10)) return Promise.reject(new RangeError(`class must be 0 to 9 or null (the classes in turn), got ${label}`));
        cls.value = label === null ? '' : String(label);
        return this.send('label', { label });
      },
      grid: () => Array.from(this.lastGrid ?? []),
      walk: async (seed, label = null) => {
        const v = await this.request({ type: 'walk', seed, label });
        return Array.from((v as Extract<ImageReplyValue, { type: 'walk' }>).data);
      },
      checkpoint: async () => ((await this.request({ type: 'checkpoint' })) as Extract<ImageReplyValue, { type: 'checkpoint' }>).bytes,
      load: async (bytes, name = 'checkpoint.safetensors') => {
        const copy = bytes.slice();
        const v = await this.request({ type: 'load', bytes: copy, name }, [copy.buffer]);
        return (v as Extract<ImageReplyValue, { type: 'load' }>).run;
      },
    };
  }

  /** Start the worker (once): fetch the data, build the run, draw the first frame. */
  open(): Promise<void> {
    this.started ??= new Promise<void>((resolve, reject) => {
      if (this.parsed.errors.length) {
        const msg = `The image view's settings in the URL are not valid:\n${this.parsed.errors.map((e) => `• ${e}`).join('\n')}\nFix them in the form below (or the URL) and apply.`;
        this.fail(msg);
        reject(new Error(msg));
        return;
      }
      this.st.status = 'loading';
      $('image-summary').textContent = 'starting the image worker…';
      const w = new Worker(new URL('./image-worker.js', import.meta.url), { type: 'module' });
      this.worker = w;
      let first = true;
      w.onmessage = (ev: MessageEvent<FromImageWorker>) => {
        const m = ev.data;
        if (m.type === 'status') $('image-summary').textContent = m.message;
        else if (m.type === 'ready') this.onReady(m.backend.name, m.backend.adapter, m.run);
        else if (m.type === 'frame') {
          this.onFrame(m.frame, m.records, m.playing, m.ack);
          if (first) { first = false; resolve(); }
        } else if (m.type === 'reply') {
          const r = this.replies.get(m.id);
          this.replies.delete(m.id);
          if (m.ok) r?.resolve(m.value);
          else r?.reject(new Error(m.message));
        } else {
          this.fail(`The image worker stopped: ${m.message}`);
          reject(new Error(m.message));
        }
      };
      w.onerror = (e) => {
        this.fail(`The image worker failed to load: ${e.message || 'see the console'}`);
        reject(new Error(e.message));
      };
      w.postMessage({ type: 'init', config: this.parsed.config!, backend: this.backend, speed: this.st.settings.imgspeed, label: null } satisfies ToImageWorker);
      // (not send(): it awaits this very promise)
      if (this.autoplay) {
        const id = this.nextId++;
        this.pending.set(id, () => {});
        w.postMessage({ type: 'play', id } satisfies ToImageWorker);
      }
    });
    return this.started;
  }

  private fail(message: string): void {
    this.st.status = 'error';
    this.st.error = message;
    this.st.playing = false;
    const box = $('image-errors');
    box.hidden = false;
    box.textContent = message;
    for (const p of this.pending.values()) p();
    this.pending.clear();
    for (const r of this.replies.values()) r.reject(new Error(message));
    this.replies.clear();
  }

  private async send(type: 'play' | 'pause' | 'step' | 'reset' | 'speed' | 'label', extra: { speed?: number; label?: number | null } = {}): Promise<void> {
    await this.open();
    if (this.st.status === 'error') return;
    const id = this.nextId++;
    const done = new Promise<void>((resolve) => this.pending.set(id, resolve));
    this.worker!.postMessage({ type, id, ...extra } as ToImageWorker);
    return done;
  }

  private async request(msg: WithoutId<ImageRequest>, transfer: Transferable[] = []): Promise<ImageReplyValue> {
    await this.open();
    if (this.st.status === 'error') throw new Error(this.st.error ?? 'the image view is not running');
    const id = this.nextId++;
    const done = new Promise<ImageReplyValue>((resolve, reject) => this.replies.set(id, { resolve, reject }));
    this.worker!.postMessage({ ...msg, id } as ImageRequest, transfer);
    return done;
  }

  private onReady(backend: 'webgpu' | 'cpu', adapter: string, run: ImageRun): void {
    Object.assign(this.st, { status: 'ready', backend, adapter, config: run.config, resumedFrom: run.resumedFrom, step: run.step, history: [], losses: null, coverage: null, stepsPerSec: null });
    const c = run.config;
    $('image-summary').textContent = `${run.resumedFrom ? `continued from ${run.resumedFrom} (step ${run.step}) · ` : ''}${c.preset} on Fashion-MNIST (the bundled 20,000 training images), ${c.loss}; batch ${c.batch}, ${c.optimizer} lr ${c.lr}, ${c.steps} steps; seed ${c.seed} · ${backend === 'webgpu' ? `WebGPU — ${adapter}` : `CPU — ${adapter}`} (webgan train --preset ${c.preset} --batch ${c.batch} --seed ${c.seed}${c.steps !== 1000 ? ` --steps ${c.steps}` : ''})`;
    $('image-class-label').hidden = !(c.preset === 'cdcgan');
  }

  private onFrame(frame: ImageFrame, records: LabRecord[], playing: boolean, ack: number[]): void {
    const st = this.st;
    st.step = frame.step;
    st.playing = playing;
    st.frames++;
    st.coverage = frame.coverage;
    st.label = frame.label;
    this.lastGrid = frame.grid;
    st.history.push(...records);
    st.history = thin(st.history);
    for (const r of records) {
      st.losses = { lossD: r.lossD, lossG: r.lossG, dReal: r.dReal, dFake: r.dFake };
      st.stepsPerSec = r.stepsPerSec;
    }
    this.redraw();
    for (const id of ack) {
      this.pending.get(id)?.();
      this.pending.delete(id);
    }
  }

  private redraw(): void {
    if (this.dirty) return;
    this.dirty = true;
    requestAnimationFrame(() => this.draw());
  }

  private draw(): void {
    this.dirty = false;
    const st = this.st;
    if (this.lastGrid) drawImageGrid($<HTMLCanvasElement>('image-grid'), this.lastGrid, [64, 1, 28, 28], 480);
    const cond = st.config?.preset === 'cdcgan';
    $('image-caption').textContent = `step ${st.step}: the run's fixed noise (webgan train's samples/step-N.png)${cond ? (st.label === null ? ', classes in turn (a row per class)' : `, all of class ${st.label} ${FASHION_MNIST_CLASSES[st.label]}`) : ''}`;
    drawCurves($<HTMLCanvasElement>('image-losses').getContext('2d')!, st.history, [['lossD', COLORS.lossD, 'D loss'], ['lossG', COLORS.lossG, 'G loss']], 'losses');
    drawCurves($<HTMLCanvasElement>('image-doutputs').getContext('2d')!, st.history, [['dReal', COLORS.dReal, 'D(x)'], ['dFake', COLORS.dFake, 'D(G(z))']], 'mean σ(D)');
    const c = st.coverage;
    if (c) drawClassBars($<HTMLCanvasElement>('image-coverage').getContext('2d')!, c.histogram, FASHION_MNIST_CLASSES);
    $('image-coverage-text').textContent = c
      ? `classifier: ${c.covered} of 10 classes in ${c.n} samples (≥ 1 % each)${c.accuracy !== null ? ` · ${(100 * c.accuracy).toFixed(1)} % classified as the class asked for` : ''}`
      : '';
    $('image-step').textContent = String(st.step);
    $('image-rate').textContent = st.stepsPerSec === null ? '–' : st.stepsPerSec.toFixed(2);
    $('image-play').textContent = st.playing ? 'Pause' : 'Play';
    const l = st.losses;
    $('image-latest').textContent = l ? `D loss ${l.lossD.toFixed(3)} · G loss ${l.lossG.toFixed(3)} · D(x) ${l.dReal.toFixed(3)} · D(G(z)) ${l.dFake.toFixed(3)}` : '';
  }

  private async drawWalk(): Promise<void> {
    const seed = Math.max(0, Math.floor(Number($<HTMLInputElement>('image-walk-seed').value) || 0));
    const cls = $<HTMLSelectElement>('image-class').value;
    const label = this.st.config?.preset === 'cdcgan' && cls !== '' ? Number(cls) : null;
    try {
      const data = Float32Array.from(await this.api.walk(seed, label));
      const canvas = $<HTMLCanvasElement>('image-walk-strip');
      canvas.hidden = false;
      drawImageGrid(canvas, data, [WALK_ROWS * WALK_N, 1, 28, 28], 480, WALK_N);
      $('image-walk-caption').textContent = `latent walk, seed ${seed}, step ${this.st.step}: ${WALK_ROWS} strips of ${WALK_N}, each along the great circle between two z (slerp, as webgan interpolate --space z)${this.st.config?.preset === 'cdcgan' ? (label === null ? '; strip r in class r' : `; class ${label}`) : ''}`;
    } catch (e) {
      $('image-walk-caption').textContent = (e as Error).message;
    }
  }

  private async download(): Promise<void> {
    const bytes = await this.api.checkpoint();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
    a.download = `webgan-lab-${this.st.config!.preset}-step-${String(this.st.step).padStart(6, '0')}.safetensors`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  /** the image parameters as a form; Apply reloads the page with them (the other parameters kept) */
  private buildForm(): void {
    const s = this.parsed.settings;
    const fields = (Object.keys(IMAGE_PARAMS) as (keyof ImageSettings)[]).map((k) => ({ name: k, value: s[k] === undefined ? '' : String(s[k]), help: IMAGE_PARAMS[k].help }));
    settingsForm($('image-settings'), fields, (filled) => {
      const q = new URLSearchParams(location.search);
      for (const k of Object.keys(IMAGE_PARAMS)) q.delete(k);
      for (const [k, v] of filled) q.set(k, v);
      q.set('view', 'image');
      location.search = q.toString();
    });
  }

}
