/**
 * webgan/gan: the GAN library on the engine — presets, objectives, the trainer and its run
 * directory, metrics; `stylegan` and `translation` (CycleGAN, pix2pix) as namespaces.
 * `import { GanTrainer, runTraining } from 'webgan/gan'`.
 */
export { buildGan, dcganInit, PRESETS, MLP2D_DEFAULTS, type PresetName, type PresetOptions, type Mlp2dOptions, type GanModels } from './models.ts';
export { ganLosses, gradientPenalty, r1Penalty, LOSS_NAMES, type GanLoss, type LossName } from './losses.ts';
export {
  resolveConfig, resumeConfig, lossDefaults, twoDRecipe, lrFactor, flagName, isTwoD, BASE_DEFAULTS, LR_DECAYS, RESUMABLE_CHANGES, ConfigError,
  type TrainConfig, type LrDecay,
} from './config.ts';
export { GanTrainer, loadGenerator, DivergenceError, STAT_NAMES, gradAndWeightNorms, type LogRecord, type StatName, type CheckpointMeta, type RunTrainer, type Curve } from './trainer.ts';
export { runTraining, resolveCheckpoint, plot2d, type RunOptions, type RunResult, type ResumeRecord } from './run.ts';
export { makeSource, loadImages, type RealSource } from './data.ts';
export { drawSamples, evaluate2d, evaluateImages, type ImageMetrics } from './evaluate.ts';
export { modeMetrics, frechetDistance, inceptionScore, classCoverage, type ModeMetrics } from './metrics.ts';
export { FashionClassifier, loadClassifier, classify, DEFAULT_CLASSIFIER } from './classifier.ts';
export * as stylegan from './stylegan/index.ts';
export * as translation from './translation/index.ts';
export { styleganRecipe, translationRecipe, MLP2D_FIELDS, STYLEGAN_FIELDS, TRANSLATION_FIELDS, SHARED_IMAGE_FIELDS } from './config.ts';
export { presetOptions } from './trainer.ts';
