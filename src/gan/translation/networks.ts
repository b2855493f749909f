import * as wg from '../../index.ts';
import type { Tensor } from '../../index.ts';
import * as nn from '../../nn/index.ts';
import { checkImageInput } from '../../tensor/validate.ts';

/**
 * The image-to-image translation networks of Zhu et al. 2017 (CycleGAN) and Isola et al. 2017
 * (pix2pix), with the module structure — and so the state-dict keys — of the authors' PyTorch code
 * (junyanz/pytorch-CycleGAN-and-pix2pix, models/networks.py): `model.1.weight`, …
 * `model.10.conv_block.1.weight`, `model.model.1.model.3.weight`. Weights N(0, 0.02), biases 0,
 * batch-norm scales N(1, 0.02) (their `init_weights('normal', 0.02)`).
 */

export type NormKind = 'instance' | 'batch' | 'none';
export type PaddingKind = 'reflect' | 'replicate' | 'zero';

/** The norm layer after a conv (instance: affine-free, no running statistics, as the authors use it). */
function norm(kind: NormKind, c: number): nn.Module {
  if (kind === 'instance') return new nn.InstanceNorm2d(c);
  if (kind === 'batch') return new nn.BatchNorm2d(c);
  return new nn.Identity();
}

/** Convs feeding an instance norm keep their bias (it has no shift of its own); before batch norm they drop it. */
const convBias = (kind: NormKind) => kind !== 'batch';

function padLayer(kind: PaddingKind, p: number): nn.Module[] {
  if (kind === 'reflect') return [new nn.ReflectionPad2d(p)];
  if (kind === 'replicate') return [new nn.ReplicationPad2d(p)];
  return [];
}

/** N(0, 0.02) conv weights, zero biases, N(1, 0.02) batch-norm scales. */
export function initTranslationWeights(m: nn.Module): void {
  m.apply((mod) => {
    const name = mod.constructor.name;
    const w = mod._parameters.get('weight');
    const b = mod._parameters.get('bias');
    if (name.startsWith('Conv')) {
      if (w) nn.init.normal_(w, 0, 0.02);
      if (b) nn.init.zeros_(b);
    } else if (name === 'BatchNorm2d') {
      if (w) nn.init.normal_(w, 1, 0.02);
      if (b) nn.init.zeros_(b);
    }
  });
}

/** x + (pad, conv3×3, norm, ReLU, [dropout], pad, conv3×3, norm)(x) */
export class ResnetBlock extends nn.Module {
  conv_block: nn.Sequential;
  constructor(dim: number, opts: { norm: NormKind; padding: PaddingKind; dropout: boolean }) {
    super();
    const p = opts.padding === 'zero' ? 1 : 0;
    const conv = () => new nn.Conv2d(dim, dim, 3, { padding: p, bias: convBias(opts.norm) });
    this.conv_block = new nn.Sequential(
      ...padLayer(opts.padding, 1), conv(), norm(opts.norm, dim), new nn.ReLU(),
      ...(opts.dropout ? [new nn.Dropout(0.5)] : []),
      ...padLayer(opts.padding, 1), conv(), norm(opts.norm, dim),
    );
  }
  override forward(x: Tensor): Tensor {
    return wg.add(x, this.conv_block.call(x));
  }
}

export interface ResnetGeneratorOptions {
  /** filters of the first layer (the paper's 64) */
  ngf: number;
  /** residual blocks at the bottleneck (the paper: 6 at 128 px, 9 at 256 px) */
  nBlocks: number;
  norm: NormKind;
  padding: PaddingKind;
  dropout: boolean;
}

/**
 * CycleGAN's generator (Johnson et al. 2016's architecture): c7s1-ngf, d(2ngf), d(4ngf),
 * nBlocks × R(4ngf), u(2ngf), u(ngf), c7s1-C, tanh. Down-sampling by stride-2 3×3 convolutions,
 * up-sampling by stride-2 3×3 transposed convolutions (output padding 1), so H and W must be
 * multiples of 4.
 */
export class ResnetGenerator extends nn.Module {
  model: nn.Sequential;
  constructor(readonly inChannels: number, readonly outChannels: number, opts: Partial<ResnetGeneratorOptions> = {}) {
    super();
    const o: ResnetGeneratorOptions = { ngf: 64, nBlocks: 9, norm: 'instance', padding: 'reflect', dropout: false, ...opts };
    const bias = convBias(o.norm);
    const layers: nn.Module[] = [
      new nn.ReflectionPad2d(3), new nn.Conv2d(inChannels, o.ngf, 7, { bias }), norm(o.norm, o.ngf), new nn.ReLU(),
    ];
    for (const mult of [1, 2]) {
      layers.push(new nn.Conv2d(o.ngf * mult, o.ngf * mult * 2, 3, { stride: 2, padding: 1, bias }), norm(o.norm, o.ngf * mult * 2), new nn.ReLU());
    }
    for (let i = 0; i < o.nBlocks; i++) layers.push(new ResnetBlock(o.ngf * 4, o));
    for (const mult of [4, 2]) {
      layers.push(new nn.ConvTranspose2d(o.ngf * mult, (o.ngf * mult) / 2, 3, { stride: 2, padding: 1, outputPadding: 1, bias }), norm(o.norm, (o.ngf * mult) / 2), new nn.ReLU());
    }
    layers.push(new nn.ReflectionPad2d(3), new nn.Conv2d(o.ngf, outChannels, 7, {}), new nn.Tanh());
    this.model = new nn.Sequential(...layers);
    initTranslationWeights(this);
  }
  override forward(x: Tensor): Tensor {
    checkImageInput('ResnetGenerator', x.shape, this.inChannels, 4, 'two stride-2 down-samplings');
    return this.model.call(x);
  }
}

export interface PatchDiscriminatorOptions {
  ndf: number;
  /** stride-2 conv layers (the paper's 70×70 PatchGAN: 3) */
  nLayers: number;
  norm: NormKind;
}

/**
 * The PatchGAN discriminator: C(ndf) without norm, then C(ndf·2ⁿ) with norm (n < nLayers, stride
 * 2; the last stride 1; at most 8·ndf), LeakyReLU 0.2, and a 4×4 stride-1 conv to one score per
 * patch: [N, 1, H', W'] raw scores. With nLayers = 3 each score sees 70×70 input pixels.
 */
export class NLayerDiscriminator extends nn.Module {
  model: nn.Sequential;
  constructor(readonly inChannels: number, opts: Partial<PatchDiscriminatorOptions> = {}) {
    super();
    const o: PatchDiscriminatorOptions = { ndf: 64, nLayers: 3, norm: 'instance', ...opts };
    const bias = convBias(o.norm);
    const lrelu = () => new nn.LeakyReLU(0.2);
    const layers: nn.Module[] = [new nn.Conv2d(inChannels, o.ndf, 4, { stride: 2, padding: 1 }), lrelu()];
    let mult = 1;
    for (let n = 1; n <= o.nLayers; n++) {
      const prev = mult;
      mult = Math.min(2 ** n, 8);
      layers.push(new nn.Conv2d(o.ndf * prev, o.ndf * mult, 4, { stride: n < o.nLayers ? 2 : 1, padding: 1, bias }), norm(o.norm, o.ndf * mult), lrelu());
    }
    layers.push(new nn.Conv2d(o.ndf * mult, 1, 4, { stride: 1, padding: 1 }));
    this.model = new nn.Sequential(...layers);
    initTranslationWeights(this);
  }
  override forward(x: Tensor): Tensor {
    checkImageInput('NLayerDiscriminator', x.shape, this.inChannels);
    return this.model.call(x);
  }
  /** side of the score map for an input of side s */
  static outSize(s: number, nLayers: number): number {
    for (let n = 0; n < nLayers; n++) s = Math.floor(s / 2);
    return s - 2;
  }
  /** input pixels each score sees: (k − 1)·(product of the strides before) summed over the layers, + 1 */
  static receptiveField(nLayers: number): number {
    let rf = 1;
    const strides = [...Array(nLayers).fill(2), 1, 1];
    for (const s of strides.reverse()) rf = (rf - 1) * s + 4;
    return rf;
  }
}

/**
 * One level of the U-Net: down (LeakyReLU 0.2, conv 4×4 s2, norm) → the inner levels → up (ReLU,
 * transposed conv 4×4 s2, norm [, dropout 0.5]), its output concatenated with its input (the skip).
 * The outermost level has no skip and ends in tanh; the innermost has no inner level and no norm
 * on its way down.
 */
export class UnetSkipConnectionBlock extends nn.Module {
  model: nn.Sequential;
  readonly outermost: boolean;
  constructor(outerC: number, innerC: number, opts: { inputC?: number; submodule?: UnetSkipConnectionBlock; outermost?: boolean; innermost?: boolean; norm: NormKind; dropout?: boolean }) {
    super();
    this.outermost = !!opts.outermost;
    const bias = convBias(opts.norm);
    const downconv = new nn.Conv2d(opts.inputC ?? outerC, innerC, 4, { stride: 2, padding: 1, bias });
    let layers: nn.Module[];
    if (opts.outermost) {
      const upconv = new nn.ConvTranspose2d(innerC * 2, outerC, 4, { stride: 2, padding: 1 });
      layers = [downconv, opts.submodule!, new nn.ReLU(), upconv, new nn.Tanh()];
    } else if (opts.innermost) {
      const upconv = new nn.ConvTranspose2d(innerC, outerC, 4, { stride: 2, padding: 1, bias });
      layers = [new nn.LeakyReLU(0.2), downconv, new nn.ReLU(), upconv, norm(opts.norm, outerC)];
    } else {
      const upconv = new nn.ConvTranspose2d(innerC * 2, outerC, 4, { stride: 2, padding: 1, bias });
      layers = [new nn.LeakyReLU(0.2), downconv, norm(opts.norm, innerC), opts.submodule!, new nn.ReLU(), upconv, norm(opts.norm, outerC)];
      if (opts.dropout) layers.push(new nn.Dropout(0.5));
    }
    this.model = new nn.Sequential(...layers);
  }
  override forward(x: Tensor): Tensor {
    return this.outermost ? this.model.call(x) : wg.cat([x, this.model.call(x)], 1);
  }
}

export interface UnetGeneratorOptions {
  ngf: number;
  /** down-samplings: the input side must be 2^numDowns (the paper: 8 at 256 px; 5 at 32 px) */
  numDowns: number;
  norm: NormKind;
  /**
   * dropout 0.5 in the `dropoutLayers` decoder layers after the innermost one: the authors' code at
   * 256 px (numDowns 8: the three 8·ngf levels); at smaller sizes the same three levels keep it
   */
  dropoutLayers: number;
}

/**
 * pix2pix's U-Net: encoder C64-C128-C256-C512-…, decoder mirrored with skips. Widths
 * ngf·(1, 2, 4, 8, 8, …). The authors' code builds the levels from the inside out; so does this,
 * and the state-dict keys match (`model.model.1.model.3.…`).
 */
export class UnetGenerator extends nn.Module {
  model: UnetSkipConnectionBlock;
  readonly numDowns: number;
  constructor(readonly inChannels: number, readonly outChannels: number, opts: Partial<UnetGeneratorOptions> = {}) {
    super();
    const o: UnetGeneratorOptions = { ngf: 64, numDowns: 8, norm: 'batch', dropoutLayers: 3, ...opts };
    if (!Number.isSafeInteger(o.numDowns) || o.numDowns < 2) throw new RangeError(`UnetGenerator: numDowns must be an integer ≥ 2, got ${o.numDowns}`);
    const n = (this.numDowns = o.numDowns);
    const widths = Array.from({ length: n }, (_, k) => o.ngf * Math.min(2 ** k, 8)); // level k's down conv: widths[k − 1] → widths[k]
    let block = new UnetSkipConnectionBlock(widths[n - 2], widths[n - 1], { innermost: true, norm: o.norm });
    for (let k = n - 2; k >= 1; k--) {
      // the innermost level is the decoder's first layer; the next dropoutLayers levels out have dropout
      block = new UnetSkipConnectionBlock(widths[k - 1], widths[k], { submodule: block, norm: o.norm, dropout: n - 1 - k <= o.dropoutLayers });
    }
    this.model = new UnetSkipConnectionBlock(outChannels, o.ngf, { inputC: inChannels, submodule: block, outermost: true, norm: o.norm });
    initTranslationWeights(this);
  }
  override forward(x: Tensor): Tensor {
    checkImageInput('UnetGenerator', x.shape, this.inChannels, 2 ** this.numDowns, `${this.numDowns} down-samplings`);
    return this.model.call(x);
  }
}
