import * as wg from '../index.ts';
import type { Tensor } from '../index.ts';
import * as nn from '../nn/index.ts';

/**
 * The Fashion-MNIST classifier behind webgan's FID and Inception Score (trained with this engine:
 * `webgan train-classifier`). Features for FID are the 128-d penultimate activations.
 *   Conv(1→32, k4, s2, p1) ReLU → Conv(32→64, k4, s2, p1) ReLU → Flatten → Linear(3136→128) ReLU → Linear(128→10)
 */
export class FashionClassifier extends nn.Module {
  features: nn.Sequential;
  head: nn.Linear;
  constructor() {
    super();
    this.features = new nn.Sequential(
      new nn.Conv2d(1, 32, 4, { stride: 2, padding: 1 }), new nn.ReLU(),
      new nn.Conv2d(32, 64, 4, { stride: 2, padding: 1 }), new nn.ReLU(),
      new nn.Flatten(), new nn.Linear(64 * 7 * 7, 128), new nn.ReLU(),
    );
    this.head = new nn.Linear(128, 10);
  }
  override forward(x: Tensor): Tensor {
    return this.head.call(this.features.call(x));
  }
}

export const DEFAULT_CLASSIFIER = new URL('../../models/fashion-classifier.safetensors', import.meta.url);

/** 128-d features and class probabilities of images [N,1,28,28] in [-1,1], in batches. */
export async function classify(model: FashionClassifier, images: Float32Array, n: number, batch = 250): Promise<{ features: Float32Array; probs: Float32Array }> {
  const features = new Float32Array(n * 128), probs = new Float32Array(n * 10);
  model.eval();
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    const [f, p] = wg.tidy(() => wg.noGrad(() => {
      const x = wg.tensor(images.subarray(i * 784, (i + m) * 784), [m, 1, 28, 28]);
      const h = model.features.call(x);
      return [h, wg.softmax(model.head.call(h), 1)];
    }));
    features.set(await f.data(), i * 128);
    probs.set(await p.data(), i * 10);
    f.dispose(); p.dispose();
  }
  return { features, probs };
}

export async function loadClassifier(path: string | URL = DEFAULT_CLASSIFIER): Promise<FashionClassifier> {
  const { readBytes } = await import('../io/fs.ts');
  const model = new FashionClassifier();
  const { tensors } = wg.safetensorsToTensors(await readBytes(path));
  model.loadStateDict(tensors);
  for (const t of Object.values(tensors)) t.dispose();
  model.eval();
  return model;
}
