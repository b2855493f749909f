/** StyleGAN2 on the engine: `import { stylegan } from 'webgan/gan'` (docs/stylegan.md). */
export {
  pixelNorm, biasLrelu, blurKernel, blur, upsample2d, downsample2d, demodScales, modulatedConv2d, EqualizedLinear, EqualizedConv2d, LRELU_GAIN,
  type ModConvOpts,
} from './layers.ts';
export {
  StyleGenerator, StyleDiscriminator, MappingNetwork, SynthesisNetwork, SynthesisBlock, SynthesisLayer, ToRGBLayer, DiscriminatorBlock,
  DiscriminatorEpilogue, mixWs, channelsAt, resolutions, STYLEGAN_DEFAULTS, type StyleGanOptions, type GenerateOpts, type NoiseMode,
} from './networks.ts';
export { mixingFigure, interpolation, noiseVariation, styleRange, slerpRows, type StyleRange } from './figures.ts';
export { styleTelemetry } from './telemetry.ts';
