import * as wg from '../../index.ts';
import type { Tensor } from '../../index.ts';
import * as nn from '../../nn/index.ts';
import { ConfigError, type TrainConfig } from '../config.ts';
import { NLayerDiscriminator, ResnetGenerator, UnetGenerator } from './networks.ts';

export type TranslationPreset = 'cyclegan' | 'pix2pix';
export const TRANSLATION_PRESETS: readonly TranslationPreset[] = ['cyclegan', 'pix2pix'];
export const isTranslation = (preset: string): preset is TranslationPreset => (TRANSLATION_PRESETS as readonly string[]).includes(preset);

/**
 * The networks of a translation run, named as in the authors' code: CycleGAN's G_A (A → B),
 * G_B (B → A), D_A (judges domain B), D_B (judges domain A); pix2pix's G (A → B) and D (judges
 * the pair: input and output concatenated on the channel axis).
 */
export interface TranslationModels {
  preset: TranslationPreset;
  nets: Record<string, nn.Module>;
  /** the generators and the discriminators (one optimizer each group) */
  generators: nn.Module[];
  discriminators: nn.Module[];
  channelsA: number;
  channelsB: number;
  /** A → B (G_A or G) and, for CycleGAN, B → A */
  translate(x: Tensor, direction: 'a2b' | 'b2a'): Tensor;
}

/** The translation fields of a config for a source with these channels. */
export function buildTranslation(cfg: TrainConfig, channelsA: number, channelsB: number): TranslationModels {
  const preset = cfg.preset as TranslationPreset;
  const norm = cfg.norm!;
  const ndf = cfg.ndf!, ngf = cfg.ngf!;
  if (preset === 'cyclegan') {
    const g = { ngf, nBlocks: cfg.blocks!, norm, dropout: cfg.dropout! };
    const nets = {
      G_A: new ResnetGenerator(channelsA, channelsB, g),
      G_B: new ResnetGenerator(channelsB, channelsA, g),
      D_A: new NLayerDiscriminator(channelsB, { ndf, nLayers: cfg.dLayers!, norm }),
      D_B: new NLayerDiscriminator(channelsA, { ndf, nLayers: cfg.dLayers!, norm }),
    };
    return {
      preset, nets, generators: [nets.G_A, nets.G_B], discriminators: [nets.D_A, nets.D_B], channelsA, channelsB,
      translate: (x, dir) => (dir === 'a2b' ? nets.G_A : nets.G_B).call(x),
    };
  }
  const side = cfg.resolution!;
  const numDowns = Math.log2(side);
  if (!Number.isInteger(numDowns)) throw new ConfigError(`pix2pix's U-Net needs a power-of-two image side, got --resolution ${side}`);
  const nets = {
    G: new UnetGenerator(channelsA, channelsB, { ngf, numDowns, norm, dropoutLayers: cfg.dropout ? 3 : 0 }),
    D: new NLayerDiscriminator(channelsA + channelsB, { ndf, nLayers: cfg.dLayers!, norm }),
  };
  return {
    preset, nets, generators: [nets.G], discriminators: [nets.D], channelsA, channelsB,
    translate: (x, dir) => {
      if (dir !== 'a2b') throw new ConfigError('pix2pix translates A → B only (--direction a2b)');
      return nets.G.call(x);
    },
  };
}

/** The adversarial terms: LSGAN (the authors' MSELoss to 1 / 0) or the standard GAN on logits (their BCEWithLogitsLoss). */
export function ganTerm(kind: 'lsgan' | 'nsgan', pred: Tensor, real: boolean): Tensor {
  if (kind === 'lsgan') return wg.mean(wg.square(real ? wg.sub(pred, 1) : pred));
  // −log σ(x) = softplus(−x), −log(1 − σ(x)) = softplus(x)
  return wg.mean(wg.softplus(real ? wg.neg(pred) : pred));
}

export const l1 = (x: Tensor, y: Tensor) => wg.mean(wg.abs(wg.sub(x, y)));
