/**
 * Image-to-image translation (`webgan/gan` → `translation`): CycleGAN (Zhu et al. 2017) and pix2pix
 * (Isola et al. 2017) — their networks, trainer, data, metrics and evaluation. docs/translation.md.
 */
export {
  ResnetGenerator, ResnetBlock, NLayerDiscriminator, UnetGenerator, UnetSkipConnectionBlock, initTranslationWeights,
  type NormKind, type PaddingKind, type ResnetGeneratorOptions, type PatchDiscriminatorOptions, type UnetGeneratorOptions,
} from './networks.ts';
export { buildTranslation, ganTerm, isTranslation, TRANSLATION_PRESETS, type TranslationModels, type TranslationPreset } from './models.ts';
export { TranslationTrainer, ImagePool, loadTranslator, TRANSLATION_STATS, type TranslationCheckpointMeta } from './trainer.ts';
export { translateImages, type Direction } from './translate.ts';
export { evaluateTranslation, scoreTranslations, type DirectionReport, type TranslationReport } from './evaluate.ts';
export {
  makeTranslationSource, parseTranslationSpec, fashionClass, edgeMap, edgeMapsOf, DATA_FORMS,
  type TranslationSource, type TranslationSpec, type TranslationOptions, type TranslationTestSet, type TranslationState, type TranslationDomain,
} from './data.ts';
export { translationScores, l1PerImage, msePerImage, ssimPerImage, psnrFromMse, classPreservation, targetClassShare, type TranslationScores } from './metrics.ts';
