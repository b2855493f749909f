import { describe, expect, it } from 'vitest';
import { loadFashionMnist } from '../../src/data/fashion.ts';
import { classify, loadClassifier } from '../../src/gan/classifier.ts';
import { frechetDistance, inceptionScore } from '../../src/gan/metrics.ts';

describe('the shipped Fashion-MNIST classifier (FID / IS features)', () => {
  it('classifies held-out test images and separates real from noise in FID', async () => {
    const model = await loadClassifier();
    const test = await loadFashionMnist({ split: 'test', limit: 1000 });
    const n = test.shape[0];
    const { features, probs } = await classify(model, test.images, n);
    let correct = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (probs[i * 10 + c] > probs[i * 10 + best]) best = c;
      if (best === test.labels![i]) correct++;
    }
    expect(correct / n).toBeGreaterThan(0.85);
    // real images: confident, diverse predictions (IS well above 1); FID of two real halves ≪ FID of real vs noise
    expect(inceptionScore(probs, n, 10, 1).mean).toBeGreaterThan(5);
    const half = n / 2;
    const fidReal = frechetDistance(features.subarray(0, half * 128), half, features.subarray(half * 128), half, 128);
    const noise = new Float32Array(half * 784).map((_, i) => Math.sin(i * 12.9898) % 1);
    const fidNoise = frechetDistance((await classify(model, noise, half)).features, half, features.subarray(half * 128), half, 128);
    expect(fidReal * 10).toBeLessThan(fidNoise);
  });
});
