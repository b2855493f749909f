import * as wg from '../index.ts';
import * as nn from '../nn/index.ts';
import { DataLoader } from '../data/loader.ts';
import { loadFashionMnist } from '../data/fashion.ts';
import { loadIdxDataset } from '../data/idx.ts';
import { FashionClassifier, classify, loadClassifier } from '../gan/classifier.ts';
import { mkdirp, writeFileAtomic } from '../io/fs.ts';
import { startBackend } from './backend.ts';

export async function trainClassifierCommand(o: { data?: string; epochs: number; batch: number; lr: number; seed: number; out: string; init?: string; backend: 'webgpu' | 'cpu' | 'auto' }): Promise<void> {
  const backend = await startBackend(o.backend);
  wg.manualSeed(o.seed);
  const train = o.data ? await loadIdxDataset(o.data, { split: 'train' }) : await loadFashionMnist({ split: 'train' });
  const test = o.data ? await loadIdxDataset(o.data, { split: 'test' }) : await loadFashionMnist({ split: 'test' });
  const model = o.init ? await loadClassifier(o.init) : new FashionClassifier();
  model.train();
  const opt = new nn.Adam(model.parameters(), { lr: o.lr });
  const loader = new DataLoader({ images: train.images, shape: train.shape, labels: train.labels }, { batchSize: o.batch, shuffle: true, seed: o.seed, dropLast: true });
  const t0 = Date.now();
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    let k = 0;
    let lossAcc = wg.keep(wg.zeros([]));
    for (const { x, y } of loader) {
      wg.tidy(() => {
        const loss = nn.F.crossEntropy(model.call(x), y!);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        const next = wg.add(lossAcc, loss.detach());
        lossAcc.dispose();
        lossAcc = wg.keep(next);
      });
      x.dispose(); y!.dispose();
      k++;
    }
    const loss = (await lossAcc.item()) / k;
    lossAcc.dispose();
    console.error(`epoch ${epoch + 1}/${o.epochs}  loss ${loss.toFixed(4)}  ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const { probs } = await classify(model, test.images, test.shape[0]);
  let correct = 0;
  for (let i = 0; i < test.shape[0]; i++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (probs[i * 10 + c] > probs[i * 10 + best]) best = c;
    if (best === test.labels![i]) correct++;
  }
  const acc = correct / test.shape[0];
  const dir = o.out.includes('/') ? o.out.slice(0, o.out.lastIndexOf('/')) : '.';
  await mkdirp(dir);
  const meta = { accuracy: acc.toFixed(4), trainImages: String(train.shape[0]), epochs: String(o.epochs), initFrom: o.init ?? '', lr: String(o.lr), backend, seed: String(o.seed), date: new Date().toISOString() };
  await writeFileAtomic(o.out, await wg.tensorsToSafetensors(model.stateDict(), meta));
  console.log(`test accuracy ${(100 * acc).toFixed(2)} % on ${test.shape[0]} images; weights written to ${o.out}`);
}
