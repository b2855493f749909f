/**
 * StyleGAN2's networks (Karras et al. 2020, config E/F: skip generator, residual discriminator),
 * scaled by options to run on a CPU. State-dict keys follow NVIDIA's stylegan2-ada-pytorch where
 * the architecture matches (docs/stylegan.md lists them):
 *
 *   mapping.fc{i}.weight / .bias, mapping.w_avg
 *   synthesis.b4.const, synthesis.b{R}.conv0 / conv1.{weight, bias, noise_strength, noise_const, affine.weight, affine.bias},
 *   synthesis.b{R}.torgb.{weight, bias, affine.weight, affine.bias}
 *   D: b{R}.fromrgb, b{R}.conv0, b{R}.conv1, b{R}.skip, b4.conv, b4.fc, b4.out
 */
import * as wg from '../../index.ts';
import type { Tensor } from '../../index.ts';
import { ShapeError } from '../../index.ts';
import * as nn from '../../nn/index.ts';
import { biasLrelu, demodScales, EqualizedConv2d, EqualizedLinear, modulatedConv2d, pixelNorm, upsample2d } from './layers.ts';

export interface StyleGanOptions {
  /** image side: a power of two ≥ 8 (default 32) */
  resolution: number;
  /** image channels (default 1) */
  imgChannels: number;
  /** latent z and intermediate w dimensions (default 128) */
  zDim: number;
  wDim: number;
  /** fully connected layers of the mapping network (default 4; 8 in the paper) */
  mappingLayers: number;
  /** the mapping network's learning-rate multiplier (0.01, the paper's) */
  mappingLrMul: number;
  /** channels at resolution r: min(channelBase / r, channelMax) */
  channelBase: number;
  channelMax: number;
  /** minibatch standard deviation group (default 4) */
  mbstdGroup: number;
}

export const STYLEGAN_DEFAULTS: StyleGanOptions = {
  resolution: 32, imgChannels: 1, zDim: 128, wDim: 128, mappingLayers: 4, mappingLrMul: 0.01, channelBase: 4096, channelMax: 128, mbstdGroup: 4,
};

export function checkStyleGanOptions(o: StyleGanOptions): void {
  const r = o.resolution;
  if (!Number.isInteger(Math.log2(r)) || r < 8) throw new ShapeError('stylegan', `resolution must be a power of two ≥ 8, got ${r}`);
  for (const k of ['imgChannels', 'zDim', 'wDim', 'mappingLayers', 'channelBase', 'channelMax', 'mbstdGroup'] as const) {
    if (!Number.isSafeInteger(o[k]) || o[k] < 1) throw new ShapeError('stylegan', `${k} must be a positive integer, got ${o[k]}`);
  }
  if (!(o.mappingLrMul > 0)) throw new ShapeError('stylegan', `mappingLrMul must be positive, got ${o.mappingLrMul}`);
}

/** Channels at each resolution: min(channelBase / r, channelMax). */
export const channelsAt = (o: StyleGanOptions, res: number) => Math.max(1, Math.min(Math.floor(o.channelBase / res), o.channelMax));

/** The resolutions of the synthesis blocks: 4, 8, …, resolution. */
export const resolutions = (r: number) => Array.from({ length: Math.log2(r) - 1 }, (_, i) => 4 << i);

/** z → w: pixel norm, then `mappingLayers` equalized FC layers with LeakyReLU(0.2) and lr multiplier 0.01. Tracks w̄. */
export class MappingNetwork extends nn.Module {
  readonly layers: EqualizedLinear[] = [];
  /** the moving average of w (β = 0.995), the centre of the truncation trick */
  w_avg: Tensor;
  constructor(readonly o: StyleGanOptions, readonly wAvgBeta = 0.995) {
    super();
    for (let i = 0; i < o.mappingLayers; i++) {
      const l = new EqualizedLinear(i === 0 ? o.zDim : o.wDim, o.wDim, { lrMul: o.mappingLrMul, activation: 'lrelu' });
      this.registerModule(`fc${i}`, l);
      this.layers.push(l);
    }
    this.w_avg = wg.zeros([o.wDim]);
    this.registerBuffer('w_avg', this.w_avg);
  }
  /** w [N, wDim] for z [N, zDim]. With `trackAvg` (training), w̄ ← lerp(mean w, w̄, β). */
  override forward(z: Tensor, trackAvg = false): Tensor {
    if (z.ndim !== 2 || z.shape[1] !== this.o.zDim) throw new ShapeError('MappingNetwork', `z must be [N,${this.o.zDim}], got [${z.shape.join(',')}]`);
    let x = pixelNorm(z);
    for (const l of this.layers) x = l.call(x);
    if (trackAvg) {
      const m = wg.noGrad(() => wg.add(wg.mul(wg.mean(x.detach(), 0), 1 - this.wAvgBeta), wg.mul(this.w_avg, this.wAvgBeta)));
      nn.assign_(this.w_avg, m);
    }
    return x;
  }
  /** w̄ + ψ (w − w̄): ψ = 1 leaves w, ψ = 0 gives w̄ for every z. */
  truncate(w: Tensor, psi: number): Tensor {
    if (psi === 1) return w;
    const shape = w.shape.map((d, i) => (i === w.ndim - 1 ? d : 1));
    const avg = wg.reshape(this.w_avg, shape);
    return wg.add(avg, wg.mul(wg.sub(w, avg), psi));
  }
}

export type NoiseMode = 'random' | 'const' | 'none';

/** One 3×3 modulated convolution (optionally 2× up), per-pixel noise with a learned per-channel strength, bias and LeakyReLU(0.2)·√2. */
export class SynthesisLayer extends nn.Module {
  affine: EqualizedLinear;
  weight: nn.Parameter;
  bias: nn.Parameter;
  noise_strength: nn.Parameter;
  noise_const: Tensor;
  constructor(readonly inChannels: number, readonly outChannels: number, wDim: number, readonly resolution: number, readonly up: boolean) {
    super();
    this.affine = new EqualizedLinear(wDim, inChannels, { biasInit: 1 });
    this.weight = new nn.Parameter(wg.randn([outChannels, inChannels, 3, 3]));
    this.bias = new nn.Parameter(wg.zeros([outChannels]));
    this.noise_strength = new nn.Parameter(wg.zeros([outChannels]));
    this.noise_const = wg.randn([resolution, resolution]);
    this.registerBuffer('noise_const', this.noise_const);
  }
  styles(w: Tensor): Tensor {
    return this.affine.call(w);
  }
  override forward(x: Tensor, w: Tensor, noise: NoiseMode = 'random'): Tensor {
    let y = modulatedConv2d(x, this.weight, this.styles(w), { up: this.up });
    if (noise !== 'none') {
      const r = this.resolution;
      const n = noise === 'const' ? wg.reshape(this.noise_const, [1, 1, r, r]) : wg.randn([x.shape[0], 1, r, r]);
      y = wg.add(y, wg.mul(n, wg.reshape(this.noise_strength, [1, this.outChannels, 1, 1])));
    }
    return biasLrelu(y, this.bias);
  }
  /** the demodulation scales for w, [N, out] */
  demod(w: Tensor): Tensor {
    return demodScales(this.weight, this.styles(w));
  }
}

/** 1×1 modulated convolution to image channels, without demodulation (styles scaled by 1/√in). */
export class ToRGBLayer extends nn.Module {
  affine: EqualizedLinear;
  weight: nn.Parameter;
  bias: nn.Parameter;
  constructor(readonly inChannels: number, readonly imgChannels: number, wDim: number) {
    super();
    this.affine = new EqualizedLinear(wDim, inChannels, { biasInit: 1 });
    this.weight = new nn.Parameter(wg.randn([imgChannels, inChannels, 1, 1]));
    this.bias = new nn.Parameter(wg.zeros([imgChannels]));
  }
  styles(w: Tensor): Tensor {
    return wg.mul(this.affine.call(w), 1 / Math.sqrt(this.inChannels));
  }
  override forward(x: Tensor, w: Tensor): Tensor {
    const y = modulatedConv2d(x, this.weight, this.styles(w), { demodulate: false });
    return wg.add(y, wg.reshape(this.bias, [1, this.imgChannels, 1, 1]));
  }
}

/** One resolution of the skip generator: (const | up-conv0), conv1, toRGB added to the up-sampled image. */
export class SynthesisBlock extends nn.Module {
  const: nn.Parameter | null = null;
  conv0: SynthesisLayer | null = null;
  conv1: SynthesisLayer;
  torgb: ToRGBLayer;
  constructor(readonly inChannels: number, readonly outChannels: number, wDim: number, readonly resolution: number, imgChannels: number) {
    super();
    if (inChannels === 0) this.const = new nn.Parameter(wg.randn([outChannels, 4, 4]));
    else this.conv0 = new SynthesisLayer(inChannels, outChannels, wDim, resolution, true);
    this.conv1 = new SynthesisLayer(outChannels, outChannels, wDim, resolution, false);
    this.torgb = new ToRGBLayer(outChannels, imgChannels, wDim);
  }
  /** w's used: conv0 (if any), conv1; the toRGB shares the next block's first */
  get numConv(): number { return this.conv0 ? 2 : 1; }
  /** the modulated layers in w order (toRGB last) */
  get layers(): (SynthesisLayer | ToRGBLayer)[] { return [...(this.conv0 ? [this.conv0] : []), this.conv1, this.torgb]; }
  override forward(x: Tensor | null, img: Tensor | null, ws: Tensor[], noise: NoiseMode): [Tensor, Tensor] {
    let h: Tensor;
    let i = 0;
    if (this.const) {
      const n = ws[0].shape[0];
      h = wg.expand(wg.reshape(this.const, [1, this.outChannels, 4, 4]), [n, this.outChannels, 4, 4]);
    } else h = this.conv0!.call(x!, ws[i++], noise);
    h = this.conv1.call(h, ws[i++], noise);
    const y = this.torgb.call(h, ws[i]);
    return [h, img ? wg.add(upsample2d(img), y) : y];
  }
}

/** ws [N, numWs, wDim] → image [N, C, R, R] through the blocks b4 … bR. */
export class SynthesisNetwork extends nn.Module {
  readonly blocks: SynthesisBlock[] = [];
  readonly numWs: number;
  constructor(readonly o: StyleGanOptions) {
    super();
    let numWs = 0;
    for (const res of resolutions(o.resolution)) {
      const b = new SynthesisBlock(res === 4 ? 0 : channelsAt(o, res / 2), channelsAt(o, res), o.wDim, res, o.imgChannels);
      this.registerModule(`b${res}`, b);
      this.blocks.push(b);
      numWs += b.numConv;
    }
    this.numWs = numWs + 1; // + the last toRGB
  }
  /** the ws slice of each block: [first, count] */
  wRanges(): [number, number][] {
    let i = 0;
    return this.blocks.map((b) => {
      const r: [number, number] = [i, b.numConv + 1];
      i += b.numConv;
      return r;
    });
  }
  override forward(ws: Tensor, noise: NoiseMode = 'random'): Tensor {
    if (ws.ndim !== 3 || ws.shape[1] !== this.numWs || ws.shape[2] !== this.o.wDim) {
      throw new ShapeError('SynthesisNetwork', `ws must be [N,${this.numWs},${this.o.wDim}], got [${ws.shape.join(',')}]`);
    }
    const [n, , d] = ws.shape;
    const per = Array.from({ length: this.numWs }, (_, i) => wg.reshape(wg.narrow(ws, 1, i, 1), [n, d]));
    let x: Tensor | null = null, img: Tensor | null = null;
    this.wRanges().forEach(([first, count], k) => {
      [x, img] = this.blocks[k].call(x, img, per.slice(first, first + count), noise);
    });
    return img!;
  }
}

export interface GenerateOpts {
  /** truncation ψ: w̄ + ψ (w − w̄) (default 1: none) */
  psi?: number;
  noise?: NoiseMode;
}

/** z → w (mapping) → broadcast to every layer → image (synthesis). */
export class StyleGenerator extends nn.Module {
  mapping: MappingNetwork;
  synthesis: SynthesisNetwork;
  constructor(readonly o: StyleGanOptions) {
    super();
    checkStyleGanOptions(o);
    this.synthesis = new SynthesisNetwork(o);
    this.mapping = new MappingNetwork(o);
  }
  get numWs(): number { return this.synthesis.numWs; }
  /** w [N, wDim] → ws [N, numWs, wDim] (every layer the same w) */
  broadcast(w: Tensor): Tensor {
    const [n, d] = w.shape;
    return wg.expand(wg.reshape(w, [n, 1, d]), [n, this.numWs, d]);
  }
  /** ws for z, truncated by ψ */
  ws(z: Tensor, o: GenerateOpts = {}): Tensor {
    return this.broadcast(this.mapping.truncate(this.mapping.call(z), o.psi ?? 1));
  }
  override forward(z: Tensor, o: GenerateOpts = {}): Tensor {
    return this.synthesis.call(this.ws(z, o), o.noise ?? 'random');
  }
  /**
   * The ws of a training step: w = mapping(z), tracking w̄; with probability `mixing` the layers
   * from a crossover drawn uniformly in [1, numWs) take a second latent's w instead (style-mixing
   * regularisation, one crossover per minibatch as in the paper's code). All on the device.
   */
  trainingWs(z: Tensor, o: { mixing: number; trackAvg: boolean }): Tensor {
    const ws = this.broadcast(this.mapping.call(z, o.trackAvg));
    if (!(o.mixing > 0)) return ws;
    const ws2 = this.broadcast(this.mapping.call(wg.randn(z.shape)));
    const n = this.numWs;
    const crossover = wg.add(wg.floor(wg.mul(wg.rand([]), n - 1)), 1);
    return mixWs(ws, ws2, wg.where(wg.lt(wg.rand([]), o.mixing), crossover, n));
  }
}

/**
 * Style mixing: the layers before `cutoff` take ws1, the rest ws2. `cutoff` is a device scalar,
 * so mixing with a random crossover needs no read-back (the mask is computed on the device).
 */
export function mixWs(ws1: Tensor, ws2: Tensor, cutoff: Tensor | number): Tensor {
  const n = ws1.shape[1];
  const layer = wg.reshape(wg.arange(0, n, 1, { dtype: 'float32' }), [1, n, 1]);
  return wg.where(wg.lt(layer, cutoff), ws1, ws2);
}

/** One resolution of the residual discriminator: (fromRGB), conv0, conv1 ↓2, plus a 1×1 ↓2 skip; both branches · √½. */
export class DiscriminatorBlock extends nn.Module {
  fromrgb: EqualizedConv2d | null = null;
  conv0: EqualizedConv2d;
  conv1: EqualizedConv2d;
  skip: EqualizedConv2d;
  constructor(readonly inChannels: number, tmpChannels: number, outChannels: number, imgChannels: number) {
    super();
    if (inChannels === 0) this.fromrgb = new EqualizedConv2d(imgChannels, tmpChannels, 1, { activation: 'lrelu' });
    this.conv0 = new EqualizedConv2d(tmpChannels, tmpChannels, 3, { activation: 'lrelu' });
    this.conv1 = new EqualizedConv2d(tmpChannels, outChannels, 3, { activation: 'lrelu', down: true });
    this.skip = new EqualizedConv2d(tmpChannels, outChannels, 1, { bias: false, down: true });
  }
  override forward(x: Tensor): Tensor {
    const h = this.fromrgb ? this.fromrgb.call(x) : x;
    const y = this.skip.call(h, Math.SQRT1_2);
    return wg.add(y, this.conv1.call(this.conv0.call(h), Math.SQRT1_2));
  }
}

/** The 4×4 end of D: minibatch standard deviation, 3×3 conv, FC, FC to one score. */
export class DiscriminatorEpilogue extends nn.Module {
  mbstd: nn.MinibatchStdDev;
  conv: EqualizedConv2d;
  fc: EqualizedLinear;
  out: EqualizedLinear;
  constructor(readonly channels: number, mbstdGroup: number) {
    super();
    this.mbstd = new nn.MinibatchStdDev(mbstdGroup);
    this.conv = new EqualizedConv2d(channels + 1, channels, 3, { activation: 'lrelu' });
    this.fc = new EqualizedLinear(channels * 16, channels, { activation: 'lrelu' });
    this.out = new EqualizedLinear(channels, 1);
  }
  override forward(x: Tensor): Tensor {
    const h = this.conv.call(this.mbstd.call(x));
    return this.out.call(this.fc.call(wg.flatten(h, 1)));
  }
}

/** Residual discriminator: image [N,C,R,R] → scores [N]. */
export class StyleDiscriminator extends nn.Module {
  readonly blocks: DiscriminatorBlock[] = [];
  b4: DiscriminatorEpilogue;
  constructor(readonly o: StyleGanOptions) {
    super();
    checkStyleGanOptions(o);
    for (const res of resolutions(o.resolution).reverse()) {
      if (res === 4) continue;
      const b = new DiscriminatorBlock(res === o.resolution ? 0 : channelsAt(o, res), channelsAt(o, res), channelsAt(o, res / 2), o.imgChannels);
      this.registerModule(`b${res}`, b);
      this.blocks.push(b);
    }
    this.b4 = new DiscriminatorEpilogue(channelsAt(o, 4), o.mbstdGroup);
  }
  override forward(img: Tensor): Tensor {
    const r = this.o.resolution;
    if (img.ndim !== 4 || img.shape[1] !== this.o.imgChannels || img.shape[2] !== r || img.shape[3] !== r) {
      throw new ShapeError('StyleDiscriminator', `images must be [N,${this.o.imgChannels},${r},${r}], got [${img.shape.join(',')}]`);
    }
    let x = img;
    for (const b of this.blocks) x = b.call(x);
    return wg.reshape(this.b4.call(x), [-1]);
  }
}
