import * as wg from '../index.ts';
import type { Tensor } from '../index.ts';
import * as nn from '../nn/index.ts';
import { StyleDiscriminator, StyleGenerator, STYLEGAN_DEFAULTS, type StyleGanOptions } from './stylegan/networks.ts';

/**
 * GAN presets with exact, documented architectures (see docs/gan.md).
 * Every discriminator returns raw scores/logits of shape [N]; losses apply σ where needed.
 */
export type PresetName = 'mlp2d' | 'mlp' | 'dcgan' | 'dcgan64' | 'cgan' | 'cdcgan' | 'stylegan' | 'cyclegan' | 'pix2pix';
export const PRESETS: PresetName[] = ['mlp2d', 'mlp', 'dcgan', 'dcgan64', 'cgan', 'cdcgan', 'stylegan', 'cyclegan', 'pix2pix'];

export interface PresetOptions {
  /** image channels (dcgan64; default 3) */
  channels?: number;
  /** classes for the conditional presets (default 10) */
  numClasses?: number;
  /** PacGAN packing degree: D sees `pack` samples at once (default 1) */
  pack?: number;
  /** spectral normalisation on every Linear/Conv of D */
  spectralNorm?: boolean;
  /** dcgan64 widths (pytorch/examples' --ngf / --ndf; default 64) */
  ngf?: number;
  ndf?: number;
  /** the stylegan preset's network options (src/gan/stylegan/networks.ts; image channels from `channels`) */
  stylegan?: Partial<StyleGanOptions>;
  /** mlp2d: hidden layers and their width, of G and of D (default 3 × 256 each) */
  mlp2d?: Partial<Mlp2dOptions>;
}

export interface Mlp2dOptions { gDepth: number; gWidth: number; dDepth: number; dWidth: number }
export const MLP2D_DEFAULTS: Mlp2dOptions = { gDepth: 3, gWidth: 256, dDepth: 3, dWidth: 256 };

export interface GanModels {
  preset: PresetName;
  G: nn.Module;
  D: nn.Module;
  zDim: number;
  /** shape of one sample: [2] for 2-D presets, [C, H, W] for images */
  sampleShape: number[];
  conditional: boolean;
  numClasses: number;
  pack: number;
  /** noise for n samples: [n, zDim] (MLPs) or [n, zDim, 1, 1] (conv generators) */
  noise(n: number): Tensor;
  /** G(z[, y]) */
  generate(z: Tensor, y?: Tensor): Tensor;
  /** D(x[, y]) as scores [N / pack] (packs `pack` consecutive samples) */
  discriminate(x: Tensor, y?: Tensor): Tensor;
  /** the stylegan preset's generator (mapping, synthesis, ws), for the trainer's regularisers and the CLI */
  style?: StyleGenerator;
}

const seq = (...m: nn.Module[]) => new nn.Sequential(...m);

/** A module whose only child is `main` (state-dict keys main.0.weight, … as in pytorch/examples). */
class Main extends nn.Module {
  main: nn.Sequential;
  constructor(main: nn.Sequential) {
    super();
    this.main = main;
  }
  override forward(x: Tensor): Tensor {
    return this.main.call(x);
  }
}

/** N(0, 0.02) conv/linear weights, N(1, 0.02) BN weights, zero biases (Radford et al. 2016). */
export function dcganInit(m: nn.Module): void {
  m.apply((mod) => {
    const name = mod.constructor.name;
    const w = mod._parameters.get('weight') ?? mod._parameters.get('weight_orig');
    const b = mod._parameters.get('bias');
    if (name.startsWith('Conv') || name === 'Linear' || name === 'Embedding') {
      if (w) nn.init.normal_(w, 0, 0.02);
      if (b) nn.init.zeros_(b);
    } else if (name.startsWith('BatchNorm')) {
      if (w) nn.init.normal_(w, 1, 0.02);
      if (b) nn.init.zeros_(b);
    }
  });
}

function applySpectralNorm(D: nn.Module): void {
  const targets: nn.Module[] = [];
  D.apply((m) => {
    const n = m.constructor.name;
    if (n === 'Linear' || n === 'Conv2d') targets.push(m);
  });
  for (const m of targets) nn.spectralNorm(m);
}

/**
 * mlp2d: G z∈R² → gDepth×(Linear gWidth, ReLU) → 2;  D 2·pack → dDepth×(Linear dWidth, LeakyReLU 0.2) → 1
 * (default 3 × 256 each). Layers are made in order, so the defaults draw the same initial weights as ever.
 */
function mlp2d(o: Required<PresetOptions>) {
  const { gDepth, gWidth, dDepth, dWidth } = { ...MLP2D_DEFAULTS, ...o.mlp2d };
  for (const [k, v] of Object.entries({ gDepth, gWidth, dDepth, dWidth })) {
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`mlp2d: ${k} must be a positive integer, got ${v}`);
  }
  // G's layers, then D's: each Linear draws its initial weights from the global generator in this order
  const g: nn.Module[] = [];
  for (let i = 0; i < gDepth; i++) g.push(new nn.Linear(i === 0 ? 2 : gWidth, gWidth), new nn.ReLU());
  g.push(new nn.Linear(gWidth, 2));
  const d: nn.Module[] = [];
  for (let i = 0; i < dDepth; i++) d.push(new nn.Linear(i === 0 ? 2 * o.pack : dWidth, dWidth), new nn.LeakyReLU(0.2));
  d.push(new nn.Linear(dWidth, 1));
  return { G: seq(...g), D: seq(...d), zDim: 2, sampleShape: [2] };
}

/**
 * mlp: the original GAN's MLP for 28×28 images (Goodfellow et al. 2014): G 100 → 1200 → 1200 → 784
 * (ReLU, Tanh output for data in [-1, 1]); D 784 → 240 → 240 → 1 with LeakyReLU(0.2) in place of maxout.
 */
function mlp(o: Required<PresetOptions>) {
  const G = seq(new nn.Linear(100, 1200), new nn.ReLU(), new nn.Linear(1200, 1200), new nn.ReLU(), new nn.Linear(1200, 784), new nn.Tanh(), new nn.Unflatten(1, [1, 28, 28]));
  const D = seq(new nn.Flatten(), new nn.Linear(784 * o.pack, 240), new nn.LeakyReLU(0.2), new nn.Linear(240, 240), new nn.LeakyReLU(0.2), new nn.Linear(240, 1));
  return { G, D, zDim: 100, sampleShape: [1, 28, 28] };
}

/** dcgan (28×28×1), no biases, see docs/gan.md. */
function dcgan(o: Required<PresetOptions>, zIn = 100) {
  const nb = { bias: false };
  const G = new Main(seq(
    new nn.ConvTranspose2d(zIn, 256, 7, { stride: 1, padding: 0, ...nb }), new nn.BatchNorm2d(256), new nn.ReLU(),
    new nn.ConvTranspose2d(256, 128, 4, { stride: 2, padding: 1, ...nb }), new nn.BatchNorm2d(128), new nn.ReLU(),
    new nn.ConvTranspose2d(128, 1, 4, { stride: 2, padding: 1, ...nb }), new nn.Tanh(),
  ));
  const D = new Main(seq(
    new nn.Conv2d(o.pack, 64, 4, { stride: 2, padding: 1, ...nb }), new nn.LeakyReLU(0.2),
    new nn.Conv2d(64, 128, 4, { stride: 2, padding: 1, ...nb }), new nn.BatchNorm2d(128), new nn.LeakyReLU(0.2),
    new nn.Conv2d(128, 1, 7, { stride: 1, padding: 0, ...nb }),
  ));
  return { G, D, zDim: 100, sampleShape: [1, 28, 28] };
}

/** dcgan64: pytorch/examples/dcgan (nz 100, ngf = ndf = 64), same state-dict keys; D ends in logits. */
function dcgan64(o: Required<PresetOptions>) {
  const nc = o.channels, nz = 100, ngf = o.ngf, ndf = o.ndf, nb = { bias: false };
  const G = new Main(seq(
    new nn.ConvTranspose2d(nz, ngf * 8, 4, { stride: 1, padding: 0, ...nb }), new nn.BatchNorm2d(ngf * 8), new nn.ReLU(),
    new nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, { stride: 2, padding: 1, ...nb }), new nn.BatchNorm2d(ngf * 4), new nn.ReLU(),
    new nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, { stride: 2, padding: 1, ...nb }), new nn.BatchNorm2d(ngf * 2), new nn.ReLU(),
    new nn.ConvTranspose2d(ngf * 2, ngf, 4, { stride: 2, padding: 1, ...nb }), new nn.BatchNorm2d(ngf), new nn.ReLU(),
    new nn.ConvTranspose2d(ngf, nc, 4, { stride: 2, padding: 1, ...nb }), new nn.Tanh(),
  ));
  const D = new Main(seq(
    new nn.Conv2d(nc * o.pack, ndf, 4, { stride: 2, padding: 1, ...nb }), new nn.LeakyReLU(0.2),
    new nn.Conv2d(ndf, ndf * 2, 4, { stride: 2, padding: 1, ...nb }), new nn.BatchNorm2d(ndf * 2), new nn.LeakyReLU(0.2),
    new nn.Conv2d(ndf * 2, ndf * 4, 4, { stride: 2, padding: 1, ...nb }), new nn.BatchNorm2d(ndf * 4), new nn.LeakyReLU(0.2),
    new nn.Conv2d(ndf * 4, ndf * 8, 4, { stride: 2, padding: 1, ...nb }), new nn.BatchNorm2d(ndf * 8), new nn.LeakyReLU(0.2),
    new nn.Conv2d(ndf * 8, 1, 4, { stride: 1, padding: 0, ...nb }),
  ));
  return { G, D, zDim: nz, sampleShape: [nc, 64, 64] };
}

/** cgan: G [z(100), embed(y)(10)] → 256 → 512 → 784 Tanh;  D [x, embed(y)(10)] → 512 → 256 → 1 (concatenation). */
class CondMlpG extends nn.Module {
  embed: nn.Embedding; net: nn.Sequential;
  constructor(k: number) {
    super();
    this.embed = new nn.Embedding(k, 10);
    this.net = seq(new nn.Linear(110, 256), new nn.LeakyReLU(0.2), new nn.Linear(256, 512), new nn.LeakyReLU(0.2), new nn.Linear(512, 784), new nn.Tanh(), new nn.Unflatten(1, [1, 28, 28]));
  }
  override forward(z: Tensor, y: Tensor): Tensor {
    return this.net.call(wg.concat([z, this.embed.call(y)], 1));
  }
}
class CondMlpD extends nn.Module {
  embed: nn.Embedding; net: nn.Sequential;
  constructor(k: number, pack: number) {
    super();
    this.embed = new nn.Embedding(k, 10);
    this.net = seq(new nn.Linear((784 + 10) * pack, 512), new nn.LeakyReLU(0.2), new nn.Linear(512, 256), new nn.LeakyReLU(0.2), new nn.Linear(256, 1));
  }
  override forward(x: Tensor, y: Tensor): Tensor {
    const h = wg.concat([wg.flatten(x, 1), this.embed.call(y)], 1);
    return this.net.call(h);
  }
}

/**
 * cdcgan: G = dcgan's generator on [z, embed(y)] (100 + 10 input channels);
 * D = dcgan's trunk to 128×7×7 features φ(x), score = w·φ(x) + ⟨embed(y), φ(x)⟩ (projection, Miyato & Koyama 2018).
 */
class CondConvG extends nn.Module {
  embed: nn.Embedding; main: nn.Sequential;
  constructor(k: number, o: Required<PresetOptions>) {
    super();
    this.embed = new nn.Embedding(k, 10);
    this.main = (dcgan(o, 110).G as Main).main;
  }
  override forward(z: Tensor, y: Tensor): Tensor {
    const e = wg.reshape(this.embed.call(y), [y.shape[0], 10, 1, 1]);
    return this.main.call(wg.concat([z, e], 1));
  }
}
class ProjectionD extends nn.Module {
  trunk: nn.Sequential; linear: nn.Linear; embed: nn.Embedding;
  constructor(k: number, pack: number) {
    super();
    const nb = { bias: false };
    this.trunk = seq(
      new nn.Conv2d(pack, 64, 4, { stride: 2, padding: 1, ...nb }), new nn.LeakyReLU(0.2),
      new nn.Conv2d(64, 128, 4, { stride: 2, padding: 1, ...nb }), new nn.BatchNorm2d(128), new nn.LeakyReLU(0.2), new nn.Flatten(),
    );
    this.linear = new nn.Linear(128 * 49, 1);
    this.embed = new nn.Embedding(k, 128 * 49);
  }
  override forward(x: Tensor, y: Tensor): Tensor {
    const phi = this.trunk.call(x);
    return wg.add(this.linear.call(phi), wg.sum(wg.mul(this.embed.call(y), phi), 1, true));
  }
}

/** Build a preset's G and D (initialised: PyTorch defaults for MLPs, N(0, 0.02) for conv presets). */
export function buildGan(preset: PresetName, opts: PresetOptions = {}): GanModels {
  if (!PRESETS.includes(preset)) throw new Error(`unknown preset '${preset}' (choose one of ${PRESETS.join(', ')})`);
  if (preset === 'cyclegan' || preset === 'pix2pix') throw new Error(`${preset} translates images (no noise → image generator): build it with buildTranslation (src/gan/translation/models.ts)`);
  const o: Required<PresetOptions> = { channels: 3, numClasses: 10, pack: 1, spectralNorm: false, ngf: 64, ndf: 64, ...opts, stylegan: opts.stylegan ?? {}, mlp2d: opts.mlp2d ?? {} };
  if (!Number.isInteger(o.pack) || o.pack < 1) throw new Error(`pack must be a positive integer, got ${o.pack}`);
  if ((preset === 'cgan' || preset === 'cdcgan' || preset === 'stylegan') && o.pack !== 1) throw new Error(`PacGAN packing is not supported by the preset ${preset}`);
  if (preset !== 'mlp2d' && opts.mlp2d) throw new Error(`depth and width options apply to the mlp2d preset only, not ${preset}`);
  if (preset === 'stylegan' && o.spectralNorm) throw new Error('spectral normalisation is not supported by the stylegan preset (its layers use equalized learning rate)');
  let built!: { G: nn.Module; D: nn.Module; zDim: number; sampleShape: number[] };
  const conditional = preset === 'cgan' || preset === 'cdcgan';
  switch (preset) {
    case 'mlp2d': built = mlp2d(o); break;
    case 'mlp': built = mlp(o); break;
    case 'dcgan': built = dcgan(o); break;
    case 'dcgan64': built = dcgan64(o); break;
    case 'cgan': built = { G: new CondMlpG(o.numClasses), D: new CondMlpD(o.numClasses, 1), zDim: 100, sampleShape: [1, 28, 28] }; break;
    case 'cdcgan': built = { G: new CondConvG(o.numClasses, o), D: new ProjectionD(o.numClasses, 1), zDim: 100, sampleShape: [1, 28, 28] }; break;
    case 'stylegan': {
      const so: StyleGanOptions = { ...STYLEGAN_DEFAULTS, imgChannels: opts.channels ?? STYLEGAN_DEFAULTS.imgChannels, ...o.stylegan };
      built = { G: new StyleGenerator(so), D: new StyleDiscriminator(so), zDim: so.zDim, sampleShape: [so.imgChannels, so.resolution, so.resolution] };
      break;
    }
  }
  if (preset === 'dcgan' || preset === 'dcgan64' || preset === 'cdcgan') {
    dcganInit(built.G);
    dcganInit(built.D);
  }
  if (o.spectralNorm) applySpectralNorm(built.D);
  const { G, D, zDim, sampleShape } = built;
  const convG = preset === 'dcgan' || preset === 'dcgan64' || preset === 'cdcgan';
  const pack = o.pack;
  return {
    preset, G, D, zDim, sampleShape, conditional, numClasses: o.numClasses, pack,
    style: preset === 'stylegan' ? (G as StyleGenerator) : undefined,
    noise: (n) => wg.randn(convG ? [n, zDim, 1, 1] : [n, zDim]),
    generate: (z, y) => {
      if (conditional && !y) throw new Error(`${preset}: the generator needs class labels`);
      return conditional ? G.call(z, y) : G.call(z);
    },
    discriminate: (x, y) => {
      if (conditional && !y) throw new Error(`${preset}: the discriminator needs class labels`);
      const n = x.shape[0];
      if (n % pack !== 0) throw new Error(`PacGAN: batch ${n} is not divisible by pack ${pack}`);
      // pack consecutive samples: [N, ...s] → [N/pack, pack·s0, ...] (features for 2-D, channels for images)
      const xp = pack === 1 ? x : wg.reshape(x, [n / pack, x.shape[1] * pack, ...x.shape.slice(2)]);
      const out = conditional ? D.call(xp, y) : D.call(xp);
      return wg.reshape(out, [-1]);
    },
  };
}
