import * as wg from '../index.ts';
import { loadFashionMnist } from '../data/fashion.ts';
import { mixtureModes, type MixtureName } from '../data/mixtures.ts';
import { ConfigError } from './config.ts';
import { classify, loadClassifier, type FashionClassifier } from './classifier.ts';
import { classCoverage, frechetDistance, inceptionScore, modeMetrics, type ModeMetrics } from './metrics.ts';
import type { GanModels } from './models.ts';
import type { GenerateOpts } from './stylegan/networks.ts';
import type * as nn from '../nn/index.ts';

export interface ImageMetrics {
  n: number;
  /** FID against the Fashion-MNIST test set in the classifier's 128-d feature space (not Inception FID) */
  fid: number;
  /** FID of real training images against the test set: the floor for this n */
  fidRealVsReal: number;
  isMean: number;
  isStd: number;
  /** classes holding ≥ 1 % of the samples, of 10 */
  classesCovered: number;
  classHistogram: number[];
}

/** Draw n samples from G in eval mode, in batches, as host data (stylegan: with truncation ψ and the noise mode, default random). */
export async function drawSamples(models: GanModels, G: nn.Module, n: number, batch = 500, label?: number, style: GenerateOpts = {}): Promise<Float32Array> {
  const per = models.sampleShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n * per);
  G.eval();
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    const x = wg.tidy(() => wg.noGrad(() => {
      const z = models.noise(m);
      if (models.style) return G.call(z, style);
      if (!models.conditional) return G.call(z);
      const y = wg.tensor(Int32Array.from({ length: m }, (_, j) => label ?? (i + j) % models.numClasses), [m], { dtype: 'int32' });
      return G.call(z, y);
    }));
    out.set(await x.data(), i * per);
    x.dispose();
  }
  return out;
}

export function evaluate2d(points: Float32Array, data: string): ModeMetrics {
  const modes = mixtureModes(data as MixtureName | 'drawn');
  // a ConfigError: the CLI (webgan eval) prints the message, not a stack
  if (!modes) throw new ConfigError(`mode metrics need a mixture with discrete modes (ring or grid), not '${data}'`);
  return modeMetrics(points, modes.centres, modes.std);
}

/** FID / IS / class coverage of n generated Fashion-MNIST images [n,1,28,28] in [-1,1]. */
export async function evaluateImages(images: Float32Array, n: number, classifier?: FashionClassifier): Promise<ImageMetrics> {
  if (images.length !== n * 784) throw new Error(`evaluateImages: expected [${n},1,28,28] images, got ${images.length} values`);
  const model = classifier ?? (await loadClassifier());
  const test = await loadFashionMnist({ split: 'test' });
  const train = await loadFashionMnist({ split: 'train', limit: n });
  const m = Math.min(n, test.shape[0]);
  const real = await classify(model, test.images, test.shape[0]);
  const gen = await classify(model, images, n);
  const trainF = await classify(model, train.images, Math.min(n, train.shape[0]));
  const fid = frechetDistance(gen.features, n, real.features, test.shape[0], 128);
  const fidRR = frechetDistance(trainF.features, Math.min(n, train.shape[0]), real.features, test.shape[0], 128);
  const is = inceptionScore(gen.probs, n, 10, Math.min(10, Math.max(1, Math.floor(n / 100))));
  const cov = classCoverage(gen.probs, n, 10);
  void m;
  return { n, fid, fidRealVsReal: fidRR, isMean: is.mean, isStd: is.std, classesCovered: cov.covered, classHistogram: cov.histogram };
}
