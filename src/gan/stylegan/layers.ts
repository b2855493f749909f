/**
 * The building blocks of StyleGAN2 (Karras et al. 2020), written with public tensor ops so that
 * every one is differentiable twice (R1 and path-length regularisation differentiate through
 * them): pixel norm, the [1,3,3,1] blur and its 2× resamplers, equalized-learning-rate linear and
 * convolution layers, and the modulated convolution with weight demodulation.
 *
 * Resampling follows the paper's code (upfirdn2d with the [1,3,3,1] filter): up-sampling is a
 * stride-2 transposed convolution followed by the blur, down-sampling the blur followed by a
 * stride-2 convolution. The blur is a convolution with a fixed 4×4 filter, so it runs on the
 * engine's convolution kernels and has their gradients.
 */
import * as wg from '../../index.ts';
import type { Tensor } from '../../index.ts';
import { ShapeError } from '../../index.ts';
import * as nn from '../../nn/index.ts';

/** √2: the gain that keeps LeakyReLU(0.2)'s output variance at its input's (the paper's `def_gain`). */
export const LRELU_GAIN = Math.SQRT2;

const fmt = (s: readonly number[]) => `[${s.join(',')}]`;

/** z / √(mean(z², features) + ε): every latent on the sphere of radius √dim (the mapping network's input). */
export function pixelNorm(z: Tensor, eps = 1e-8): Tensor {
  if (z.ndim < 2) throw new ShapeError('pixelNorm', `expected [N,features,...], got ${fmt(z.shape)}`);
  return wg.mul(z, wg.rsqrt(wg.add(wg.mean(wg.square(z), 1, true), eps)));
}

/** LeakyReLU(0.2)(x + b) · gain, the paper's `bias_act` (b over channel axis 1). */
export function biasLrelu(x: Tensor, bias: Tensor | null, gain = LRELU_GAIN): Tensor {
  const shape = x.shape.map((d, i) => (i === 1 ? d : 1));
  const y = bias ? wg.add(x, wg.reshape(bias, shape)) : x;
  return wg.mul(wg.leakyRelu(y, 0.2), gain);
}

/** The 4×4 low-pass filter [1,3,3,1]ᵀ[1,3,3,1] / 64 · gain, as a one-channel weight [1,1,4,4] of `dtype`. */
export function blurKernel(gain = 1, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  const f = [1, 3, 3, 1];
  const k = dtype === 'float64' ? new Float64Array(16) : new Float32Array(16);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) k[i * 4 + j] = (f[i] * f[j] * gain) / 64;
  return wg.tensor(k, [1, 1, 4, 4], { dtype });
}

const floatType = (x: Tensor) => (x.dtype === 'float64' ? 'float64' : 'float32');

function check4d(op: string, x: Tensor): void {
  if (x.ndim !== 4) throw new ShapeError(op, `input must be [N,C,H,W], got ${fmt(x.shape)}`);
}

/**
 * The filter applied to every channel alike: [N,C,H,W] as N·C one-channel images through one
 * convolution with the [1,1,4,4] kernel, rather than a depthwise convolution with groups = C (which
 * needs the kernel repeated C times and, when this was written, ran on the CPU as a tiny GEMM per
 * group: bench/stylegan.bench.ts). The CPU backend now runs both plane by plane (cpu/conv.ts).
 */
function perChannel(x: Tensor, f: (x1: Tensor) => Tensor): Tensor {
  const [n, c, h, w] = x.shape;
  const y = f(wg.reshape(x, [n * c, 1, h, w]));
  return wg.reshape(y, [n, c, y.shape[2], y.shape[3]]);
}

/** The blur with `pad` zeros on every side and `gain` (upfirdn2d with up = down = 1). */
export function blur(x: Tensor, pad: number, gain = 1): Tensor {
  check4d('blur', x);
  return perChannel(x, (x1) => wg.conv2d(x1, blurKernel(gain, floatType(x)), null, { padding: pad }));
}

/** 2× up-sampling: zero insertion and the blur with gain 4 (upfirdn2d.upsample2d), [N,C,H,W] → [N,C,2H,2W]. */
export function upsample2d(x: Tensor): Tensor {
  check4d('upsample2d', x);
  // a stride-2 transposed convolution with the 4×4 filter is exactly zero insertion + pad [2,1] + blur
  return perChannel(x, (x1) => wg.convTranspose2d(x1, blurKernel(4, floatType(x)), null, { stride: 2, padding: 1 }));
}

/** 2× down-sampling: the blur and every second pixel (upfirdn2d.downsample2d), [N,C,H,W] → [N,C,H/2,W/2]. */
export function downsample2d(x: Tensor): Tensor {
  check4d('downsample2d', x);
  if (x.shape[2] % 2 || x.shape[3] % 2) throw new ShapeError('downsample2d', `height and width must be even, got ${fmt(x.shape)}`);
  return perChannel(x, (x1) => wg.conv2d(x1, blurKernel(1, floatType(x)), null, { stride: 2, padding: 1 }));
}

/** Per-sample weights: weight [O,I,k,k] scaled by styles [N,I] → [N,O,I,k,k]. */
function modulate(weight: Tensor, styles: Tensor): Tensor {
  const [O, I, kh, kw] = weight.shape;
  const N = styles.shape[0];
  return wg.mul(wg.reshape(weight, [1, O, I, kh, kw]), wg.reshape(styles, [N, 1, I, 1, 1]));
}

/**
 * The demodulation scales 1 / √(Σ_{i,k} (w_{oik}·s_i)² + 1e-8), [N,O]: the factor that brings each
 * output channel of the modulated weights back to unit norm. Σ_{i,k} w²s² = Σ_i s_i² Σ_k w_{oik}²,
 * so it is one small matmul, [N,I] @ [I,O], without forming the per-sample weights.
 */
export function demodScales(weight: Tensor, styles: Tensor): Tensor {
  const wsq = wg.sum(wg.square(weight), [2, 3]); // [O,I]
  return wg.rsqrt(wg.add(wg.matmul(wg.square(styles), wsq, { transB: true }), 1e-8));
}

export interface ModConvOpts {
  /** divide each output channel by its norm (weight demodulation; default true) */
  demodulate?: boolean;
  /** 2× up-sampling (transposed convolution, then the blur) */
  up?: boolean;
  /**
   * 'grouped': per-sample weights w·s (demodulated), all samples as one convolution with
   * groups = N — the paper's formulation. 'scaled' (default): the same result as
   * conv(x · s, w) · d — the input scaled by the styles, one convolution with the shared weight,
   * the output scaled by the demodulation scales — as the authors' code trains
   * (stylegan2-ada-pytorch's `fused_modconv = False`). See docs/stylegan.md for both costs.
   */
  form?: 'grouped' | 'scaled';
}

function checkModConv(x: Tensor, weight: Tensor, styles: Tensor): void {
  check4d('modulatedConv2d', x);
  if (weight.ndim !== 4) throw new ShapeError('modulatedConv2d', `weight must be [O,I,k,k], got ${fmt(weight.shape)}`);
  const [N, I] = x.shape;
  const [, wi, kh, kw] = weight.shape;
  if (wi !== I) throw new ShapeError('modulatedConv2d', `weight ${fmt(weight.shape)} expects ${wi} input channels, input ${fmt(x.shape)} has ${I}`);
  if (kh !== kw || kh % 2 !== 1) throw new ShapeError('modulatedConv2d', `weight must have an odd square kernel, got ${fmt(weight.shape)}`);
  if (styles.ndim !== 2 || styles.shape[0] !== N || styles.shape[1] !== I) {
    throw new ShapeError('modulatedConv2d', `styles must be [${N},${I}] for input ${fmt(x.shape)}, got ${fmt(styles.shape)}`);
  }
}

/** conv (or the 2× up conv: transposed stride-2 convolution then the blur with gain 4) with 'same' padding. */
function convSame(x: Tensor, w: Tensor, up: boolean, groups: number): Tensor {
  const k = w.shape[2];
  if (!up) return wg.conv2d(x, w, null, { padding: (k - 1) / 2, groups });
  // the transposed convolution gives 2H + k − 2 pixels; the blur (4 taps) with (5 − k)/2 zeros a
  // side takes them to 2H (upfirdn2d's padding for this order)
  if (k > 5) throw new ShapeError('modulatedConv2d', `up-sampling supports kernels up to 5, got ${k}`);
  return blur(wg.convTranspose2d(x, w, null, { stride: 2, padding: 0, groups }), (5 - k) / 2, 4);
}

/**
 * StyleGAN2's modulated convolution: x [N,I,H,W], weight [O,I,k,k] (odd k, 'same' padding),
 * styles [N,I] → [N,O,H,W] (or [N,O,2H,2W] with `up`). Each sample's weights are
 * weight · style (per input channel), demodulated per output channel.
 */
export function modulatedConv2d(x: Tensor, weight: Tensor, styles: Tensor, opts: ModConvOpts = {}): Tensor {
  checkModConv(x, weight, styles);
  const [N, I, H, W] = x.shape;
  const [O, , k] = weight.shape;
  const demod = opts.demodulate ?? true;
  const up = !!opts.up;
  if ((opts.form ?? 'scaled') === 'scaled') {
    let y = convSame(wg.mul(x, wg.reshape(styles, [N, I, 1, 1])), up ? wg.transpose(weight, 0, 1) : weight, up, 1);
    if (demod) y = wg.mul(y, wg.reshape(demodScales(weight, styles), [N, O, 1, 1]));
    return y;
  }
  let w = modulate(weight, styles); // [N,O,I,k,k]
  if (demod) w = wg.mul(w, wg.reshape(wg.rsqrt(wg.add(wg.sum(wg.square(w), [2, 3, 4]), 1e-8)), [N, O, 1, 1, 1]));
  const xg = wg.reshape(x, [1, N * I, H, W]);
  // groups = N: conv2d weight [N·O, I, k, k]; transposed: [N·I, O, k, k]
  const wgk = up ? wg.reshape(wg.transpose(w, 1, 2), [N * I, O, k, k]) : wg.reshape(w, [N * O, I, k, k]);
  const y = convSame(xg, wgk, up, N);
  return wg.reshape(y, [N, O, y.shape[2], y.shape[3]]);
}

/**
 * A fully connected layer with equalized learning rate: the weight is stored as N(0, 1) / lrMul
 * and scaled by lrMul / √in at run time (bias by lrMul), so that Adam's step is the same size for
 * every layer. Keys `weight` [out,in] and `bias` [out], as stylegan2-ada-pytorch's
 * FullyConnectedLayer.
 */
export class EqualizedLinear extends nn.Module {
  weight: nn.Parameter;
  bias: nn.Parameter | null;
  readonly weightGain: number;
  constructor(readonly inFeatures: number, readonly outFeatures: number, readonly o: { bias?: boolean; biasInit?: number; lrMul?: number; activation?: 'linear' | 'lrelu' } = {}) {
    super();
    const lrMul = o.lrMul ?? 1;
    this.weight = new nn.Parameter(wg.div(wg.randn([outFeatures, inFeatures]), lrMul));
    this.bias = o.bias ?? true ? new nn.Parameter(wg.full([outFeatures], o.biasInit ?? 0)) : null;
    this.weightGain = lrMul / Math.sqrt(inFeatures);
  }
  override forward(x: Tensor): Tensor {
    const lrMul = this.o.lrMul ?? 1;
    const b = this.bias ? (lrMul === 1 ? this.bias : wg.mul(this.bias, lrMul)) : null;
    const y = wg.linear(x, wg.mul(this.weight, this.weightGain), b);
    return this.o.activation === 'lrelu' ? biasLrelu(y, null) : y;
  }
  override extraRepr(): string { return `${this.inFeatures}, ${this.outFeatures}, lrMul=${this.o.lrMul ?? 1}, activation=${this.o.activation ?? 'linear'}`; }
}

/**
 * A convolution with equalized learning rate (stylegan2-ada-pytorch's Conv2dLayer): weight
 * [O,I,k,k] ~ N(0, 1) scaled by 1/√(I·k²) at run time, 'same' padding, optional 2× down-sampling
 * (blur, then stride 2), bias and LeakyReLU(0.2) with gain √2 · `gain`.
 */
export class EqualizedConv2d extends nn.Module {
  weight: nn.Parameter;
  bias: nn.Parameter | null;
  readonly weightGain: number;
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernel: number, readonly o: { bias?: boolean; down?: boolean; activation?: 'linear' | 'lrelu' } = {}) {
    super();
    if (kernel % 2 !== 1) throw new ShapeError('EqualizedConv2d', `kernel must be odd, got ${kernel}`);
    this.weight = new nn.Parameter(wg.randn([outChannels, inChannels, kernel, kernel]));
    this.bias = o.bias ?? true ? new nn.Parameter(wg.zeros([outChannels])) : null;
    this.weightGain = 1 / Math.sqrt(inChannels * kernel * kernel);
  }
  override forward(x: Tensor, gain = 1): Tensor {
    const w = wg.mul(this.weight, this.weightGain);
    let y: Tensor;
    if (!this.o.down) y = wg.conv2d(x, w, null, { padding: (this.kernel - 1) / 2 });
    else if (this.kernel === 1) y = wg.conv2d(downsample2d(x), w);
    // blur with (k − 1)/2 + 1 zeros a side, then a stride-2 convolution without padding (upfirdn2d's order)
    else y = wg.conv2d(blur(x, (this.kernel - 1) / 2 + 1), w, null, { stride: 2 });
    if (this.o.activation === 'lrelu') return biasLrelu(y, this.bias, LRELU_GAIN * gain);
    const yb = this.bias ? wg.add(y, wg.reshape(this.bias, [1, this.outChannels, 1, 1])) : y;
    return gain === 1 ? yb : wg.mul(yb, gain);
  }
  override extraRepr(): string { return `${this.inChannels}, ${this.outChannels}, kernel=${this.kernel}, down=${!!this.o.down}, activation=${this.o.activation ?? 'linear'}`; }
}
