import { classify, type FashionClassifier } from '../classifier.ts';
import { frechetDistance } from '../metrics.ts';
import type { TranslationSpec, TranslationTestSet } from './data.ts';
import { classifierInput, classPreservation, targetClassShare, translationScores } from './metrics.ts';
import type { TranslationModels } from './models.ts';
import { translateImages, type Direction } from './translate.ts';

/** The scores of one direction's translations of the test split (the fields that apply to the data). */
export interface DirectionReport {
  direction: Direction;
  n: number;
  /** paired data: the translation against the true target (L1 in [-1, 1] units; PSNR, SSIM on [0, 1]) */
  l1?: number;
  psnr?: number;
  ssim?: number;
  /** Fashion-MNIST photos as the target domain: FID (classifier features) of the translations against the test targets, and real train images against them (the floor for this n) */
  fid?: number;
  fidFloor?: number;
  /** edges2fashion a2b: the classifier's accuracy on translations, labelled with their source's class */
  classPreservation?: number;
  /** class ↔ class: the share of translations the classifier assigns to the target class */
  targetClassShare?: number;
  /** CycleGAN: L1 of x against G_back(G(x)) */
  cycleL1?: number;
  /** CycleGAN, class ↔ class: the share of reconstructions G_back(G(x)) the classifier assigns to the source class */
  cycleClassShare?: number;
}

export interface TranslationReport {
  preset: string;
  data: string;
  directions: DirectionReport[];
}

/** The centre 28×28 of 32×32 Fashion-MNIST images (the padding carries no content), or the images as they are. */
function content(data: Float32Array, shape: readonly number[], fashion: boolean): { data: Float32Array; shape: number[] } {
  const [n, c, h, w] = shape;
  if (!fashion || h !== 32 || w !== 32 || c !== 1) return { data, shape: [...shape] };
  return { data: classifierInput(data, n), shape: [n, 1, 28, 28] };
}

async function features(classifier: FashionClassifier, images: Float32Array, n: number): Promise<{ features: Float32Array; probs: Float32Array }> {
  return classify(classifier, classifierInput(images, n), n);
}

/**
 * Score translations `out` of the test split's `direction` inputs (row i translates input i):
 * L1 / PSNR / SSIM against the paired targets, FID against the target domain's test images, class
 * preservation (edges2fashion) or the target-class share (class ↔ class), and, given the
 * reconstructions, the cycle error.
 */
export async function scoreTranslations(
  spec: TranslationSpec, test: TranslationTestSet, direction: Direction, out: Float32Array,
  opts: { classifier?: FashionClassifier; reconstructions?: Float32Array; trainTargets?: Float32Array } = {},
): Promise<DirectionReport> {
  const [n0, c, h, w] = test.shape;
  const per = c * h * w;
  const n = out.length / per;
  if (!Number.isInteger(n) || n < 1 || n > n0) throw new Error(`scoreTranslations: expected up to ${n0} translations of [${c}, ${h}, ${w}], got ${out.length} values`);
  const fashion = spec.kind !== 'folders';
  const src = direction === 'a2b' ? test.a : test.b;
  const target = direction === 'a2b' ? test.b : test.a;
  const shape = [n, c, h, w];
  const r: DirectionReport = { direction, n };
  const tgt = content(target.subarray(0, n * per), shape, fashion);
  const mine = content(out, shape, fashion);
  if (test.paired) {
    const s = await translationScores(mine, tgt);
    Object.assign(r, { l1: s.l1, psnr: s.psnr, ssim: s.ssim });
  }
  // photos are the target: edges2fashion a2b, either direction between two classes
  const photosOut = fashion && (spec.kind === 'classes' || direction === 'a2b');
  if (photosOut && opts.classifier) {
    const gen = await features(opts.classifier, out, n);
    const ref = await features(opts.classifier, target, n0);
    r.fid = frechetDistance(gen.features, n, ref.features, n0, 128);
    if (opts.trainTargets) {
      const m = Math.min(n, opts.trainTargets.length / per);
      const floor = await features(opts.classifier, opts.trainTargets.subarray(0, m * per), m);
      r.fidFloor = frechetDistance(floor.features, m, ref.features, n0, 128);
    }
    if (spec.kind === 'edges2fashion' && test.labelsA) r.classPreservation = (await classPreservation(opts.classifier, out, test.labelsA.subarray(0, n))).accuracy;
    if (spec.kind === 'classes') r.targetClassShare = targetClassShare(gen.probs, direction === 'a2b' ? spec.b : spec.a);
  }
  if (opts.reconstructions) {
    const s = await translationScores(content(opts.reconstructions, shape, fashion), content(src.subarray(0, n * per), shape, fashion));
    r.cycleL1 = s.l1;
    if (spec.kind === 'classes' && opts.classifier) r.cycleClassShare = targetClassShare((await features(opts.classifier, opts.reconstructions, n)).probs, direction === 'a2b' ? spec.a : spec.b);
  }
  return r;
}

/** Translate the test split with a run's networks (both directions for CycleGAN) and score each direction. */
export async function evaluateTranslation(models: TranslationModels, spec: TranslationSpec, test: TranslationTestSet, opts: { classifier?: FashionClassifier; n?: number; trainA?: Float32Array; trainB?: Float32Array } = {}): Promise<DirectionReport[]> {
  const [n0, c, h, w] = test.shape;
  const n = Math.min(opts.n ?? n0, n0);
  const per = c * h * w;
  const dirs: Direction[] = models.preset === 'cyclegan' ? ['a2b', 'b2a'] : ['a2b'];
  const reports: DirectionReport[] = [];
  for (const d of dirs) {
    const input = (d === 'a2b' ? test.a : test.b).subarray(0, n * per);
    const out = await translateImages(models, input, [n, c, h, w], d);
    const back = models.preset === 'cyclegan' ? (await translateImages(models, out.data, out.shape, d === 'a2b' ? 'b2a' : 'a2b')).data : undefined;
    reports.push(await scoreTranslations(spec, test, d, out.data, { classifier: opts.classifier, reconstructions: back, trainTargets: d === 'a2b' ? opts.trainB : opts.trainA }));
  }
  return reports;
}
