/**
 * The model view of the lab page: the generator of a loaded image checkpoint (the worker holds it)
 * drawn as a grid of samples for a seed, with a class picker (conditional presets), ψ and
 * interpolation strips (stylegan). Each grid is what the CLI command in its caption draws.
 */
import { FASHION_MNIST_CLASSES } from '../data/fashion.ts';
import { drawImageGrid } from './draw.ts';
import type { ModelInfo, SampleOptions } from './model.ts';
import type { ReplyValue, Request, WithoutId } from './protocol.ts';
import { hasBundledTest, type Translation } from './translator.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const samplesOf = (v: ReplyValue) => (v as Extract<ReplyValue, { samples: unknown }>).samples;

export class ModelView {
  private info: ModelInfo | null = null;

  /**
   * `ask` sends a request to the worker and resolves to its reply; `translate` is the page's
   * webganLab.translate (a PNG's bytes and a direction → input, translation, reconstruction)
   */
  constructor(private readonly ask: (msg: WithoutId<Request>) => Promise<ReplyValue>, private readonly translate: (png: Uint8Array, direction: 'a2b' | 'b2a') => Promise<Translation>) {
    const upload = $<HTMLInputElement>('model-upload');
    const run = () => {
      const f = upload.files?.[0];
      if (f) void f.arrayBuffer().then((b) => this.drawTranslation(new Uint8Array(b), f.name));
    };
    upload.addEventListener('change', run);
    $('model-direction').addEventListener('change', run);
    $('model-sample').addEventListener('click', () => void this.sample());
    $('model-test').addEventListener('click', () => void this.testGrid());
    $('model-interpolate').addEventListener('click', () => void this.interpolate());
    $('model-mix').addEventListener('click', () => void this.mix());
    $('model-next').addEventListener('click', () => {
      const seed = $<HTMLInputElement>('model-seed');
      seed.value = String((Number(seed.value) || 0) + 1);
      void this.sample();
    });
    for (const id of ['model-n', 'model-class']) $(id).addEventListener('change', () => void this.sample());
    $('model-psi').addEventListener('input', () => { $('model-psi-value').textContent = $<HTMLInputElement>('model-psi').value; });
    $('model-psi').addEventListener('change', () => void this.sample());
  }

  /** Show a newly loaded model and draw its first grid (a translation checkpoint: the upload). */
  async show(info: ModelInfo): Promise<void> {
    this.info = info;
    const translating = info.kind === 'translate';
    $('model-controls').hidden = translating;
    $('model-translate').hidden = !translating;
    if (translating) {
      $('model-grid').hidden = true;
      $('model-info').textContent = `${info.name}: ${info.preset} on ${info.data}, step ${info.step}; images ${info.sampleShape.join(' × ')} (domain A)`;
      const dir = $<HTMLSelectElement>('model-direction');
      dir.value = 'a2b';
      (dir.options[1] as HTMLOptionElement).disabled = info.preset === 'pix2pix';
      const test = hasBundledTest(info.data);
      const button = $<HTMLButtonElement>('model-test');
      button.disabled = !test;
      button.title = test
        ? "the run's sample grid (webgan train's samples/step-N.png) of the first 8 images of Fashion-MNIST's test split"
        : `the run's data (${info.data}) is a pair of folders: the page has no test images for it; upload a PNG`;
      $('model-caption').textContent = test ? 'choose a PNG to translate, or translate the test images' : 'choose a PNG to translate';
      return;
    }
    $('model-controls').hidden = false;
    $('model-grid').hidden = false;
    $('model-caption').textContent = 'sampling…';
    $('model-info').textContent = `${info.name}: ${info.preset} on ${info.data}, ${info.loss}, step ${info.step}; samples ${info.sampleShape.join(' × ')}`;
    const cls = $<HTMLSelectElement>('model-class');
    cls.replaceChildren(new Option('all, in turn', ''));
    const names = info.data === 'fashion-mnist' ? FASHION_MNIST_CLASSES : [];
    for (let k = 0; k < info.numClasses; k++) cls.append(new Option(`${k}${names[k] ? ` ${names[k]}` : ''}`, String(k)));
    $('model-class-label').hidden = !info.conditional;
    $('model-psi-label').hidden = !info.style;
    $('model-interp').hidden = false;
    $('model-space').hidden = !info.style; // the other presets walk in Z
    $('model-mix').hidden = !info.style;
    await this.sample();
  }

  private seed(): number {
    return Math.max(0, Math.floor(Number($<HTMLInputElement>('model-seed').value) || 0));
  }

  /** the grid of the seed: `webgan sample --seed S --n N [--class K] [--truncation ψ]` */
  async sample(): Promise<void> {
    const info = this.info;
    if (!info) return;
    const seed = this.seed();
    const n = Number($<HTMLSelectElement>('model-n').value);
    const cls = $<HTMLSelectElement>('model-class').value;
    const opts: SampleOptions = {};
    if (info.conditional && cls !== '') opts.label = Number(cls);
    if (info.style) opts.psi = Number($<HTMLInputElement>('model-psi').value);
    try {
      const { data, shape } = samplesOf(await this.ask({ type: 'sample', from: 'model', seed, n, ...opts }));
      drawImageGrid($<HTMLCanvasElement>('model-grid'), data, shape);
      $('model-caption').textContent = `seed ${seed}, ${n} samples${opts.label !== undefined ? `, class ${opts.label}` : info.conditional ? ', classes in turn' : ''}${opts.psi !== undefined ? `, ψ ${opts.psi}` : ''} (webgan sample --seed ${seed} --n ${n}${opts.label !== undefined ? ` --class ${opts.label}` : ''}${opts.psi !== undefined && opts.psi !== 1 ? ` --truncation ${opts.psi}` : ''})`;
    } catch (e) {
      $('model-caption').textContent = (e as Error).message;
    }
  }

  /** stylegan: `webgan mix`'s figure for the seed (4 row, 6 column sources; coarse, middle, fine; ψ) */
  async mix(): Promise<void> {
    if (!this.info?.style) return;
    const seed = this.seed();
    const psi = Number($<HTMLInputElement>('model-psi').value);
    try {
      const { data, shape } = samplesOf(await this.ask({ type: 'mix', seed, rows: 4, cols: 6, ranges: ['coarse', 'middle', 'fine'], psi }));
      drawImageGrid($<HTMLCanvasElement>('model-grid'), data, shape, 512, 7);
      $('model-caption').textContent = `style mixing, seed ${seed}, ψ ${psi}: column sources on top, row sources on the left; blocks of rows take the coarse, middle and fine styles from the columns (webgan mix --seed ${seed}${psi !== 1 ? ` --truncation ${psi}` : ''})`;
    } catch (e) {
      $('model-caption').textContent = (e as Error).message;
    }
  }

  /** input | translation (| reconstruction for cyclegan), each at the run's resolution, in a row */
  async drawTranslation(png: Uint8Array, name: string): Promise<void> {
    const info = this.info;
    if (info?.kind !== 'translate') return;
    const direction = $<HTMLSelectElement>('model-direction').value as 'a2b' | 'b2a';
    try {
      const t = await this.translate(png, direction);
      const r = t.resolution, px = r * r;
      // one row of 3-channel tiles (grey tiles repeated), since the domains may differ in channels
      const tiles = [t.input, t.output, ...(t.reconstruction ? [t.reconstruction] : [])];
      const chans = [t.channels[0], t.channels[1], t.channels[0]];
      const rgb = new Float32Array(tiles.length * 3 * px);
      tiles.forEach((x, i) => { for (let k = 0; k < 3; k++) rgb.set(x.subarray((chans[i] === 3 ? k : 0) * px, ((chans[i] === 3 ? k : 0) + 1) * px), (i * 3 + k) * px); });
      const canvas = $<HTMLCanvasElement>('model-grid');
      canvas.hidden = false;
      drawImageGrid(canvas, rgb, [tiles.length, 3, r, r], 480, tiles.length);
      $('model-caption').textContent = `${name}: input | translation ${direction === 'a2b' ? 'A → B' : 'B → A'}${t.reconstruction ? ' | reconstruction (translated back)' : ''}, ${r} × ${r} (webgan translate --ckpt ${info.name} --input DIR --direction ${direction})`;
    } catch (e) {
      $('model-caption').textContent = (e as Error).message;
    }
  }

  /** The run's sample grid of the bundled test split's first 8 images (`samples/step-N.png`'s layout). */
  async testGrid(): Promise<void> {
    const info = this.info;
    if (info?.kind !== 'translate') return;
    $('model-caption').textContent = 'fetching the test images and translating…';
    try {
      const { data, shape } = samplesOf(await this.ask({ type: 'testGrid' }));
      const canvas = $<HTMLCanvasElement>('model-grid');
      canvas.hidden = false;
      drawImageGrid(canvas, data, shape, 512, 8);
      const rows = info.preset === 'pix2pix' ? 'input | translation | target' : 'A | G_A(A) | G_B(G_A(A)), then B | G_B(B) | G_A(G_B(B))';
      $('model-caption').textContent = `the first 8 test images of ${info.data}, a row each: ${rows} (webgan train's samples/step-${String(info.step).padStart(6, '0')}.png for this step)`;
    } catch (e) {
      $('model-caption').textContent = (e as Error).message;
    }
  }

  /**
   * Strips of 8 between two latents of the seed, one per 8 of the sample count: stylegan `webgan
   * interpolate`'s; the other presets slerp in Z (conditional: the picked class, or strip r in class r)
   */
  async interpolate(): Promise<void> {
    const info = this.info;
    if (info?.kind !== 'model') return;
    const seed = this.seed();
    const rows = Math.max(1, Math.floor(Number($<HTMLSelectElement>('model-n').value) / 8));
    const space = info.style ? $<HTMLSelectElement>('model-space').value as 'z' | 'w' : 'z';
    const psi = info.style ? Number($<HTMLInputElement>('model-psi').value) : undefined;
    const cls = $<HTMLSelectElement>('model-class').value;
    const label = info.conditional && cls !== '' ? Number(cls) : undefined;
    try {
      const { data, shape } = samplesOf(await this.ask({ type: 'interpolate', seed, n: 8, rows, space, psi, label }));
      drawImageGrid($<HTMLCanvasElement>('model-grid'), data, shape, 512, 8);
      $('model-caption').textContent = info.style
        ? `interpolation in ${space === 'z' ? 'Z (slerp)' : 'W (lerp)'}: ${rows} strip${rows > 1 ? 's' : ''} of 8, seed ${seed}, ψ ${psi} (webgan interpolate --seed ${seed} --n 8 --rows ${rows} --space ${space}${psi !== 1 ? ` --truncation ${psi}` : ''})`
        : `latent walk in Z (slerp): ${rows} strip${rows > 1 ? 's' : ''} of 8, seed ${seed}${info.conditional ? (label === undefined ? ', strip r in class r' : `, class ${label}`) : ''} (as webgan interpolate --space z walks a stylegan's Z)`;
    } catch (e) {
      $('model-caption').textContent = (e as Error).message;
    }
  }
}
