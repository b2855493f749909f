import type { Tensor } from '../index.ts';
import { DataLoader, type LoaderState } from '../data/loader.ts';
import { loadFashionMnist } from '../data/fashion.ts';
import { loadIdxDataset, type ImageDataset } from '../data/idx.ts';
import { loadImageFolder } from '../data/imagefolder.ts';
import { sampleMixture, type MixtureName } from '../data/mixtures.ts';
import { exists, listFilesRecursive } from '../io/fs.ts';
import { ConfigError, isTwoD, type TrainConfig } from './config.ts';
import type { GanModels } from './models.ts';

/** Where real samples come from: an endless, resumable stream of batches. */
export interface RealSource {
  next(n: number): { x: Tensor; y?: Tensor };
  /** JSON state for checkpoints (2-D mixtures draw from the global RNG, whose state is saved anyway) */
  state(): LoaderState | null;
  setState(s: LoaderState | null): void;
  numClasses: number;
  /** the dataset (images) for metrics, if any */
  dataset?: ImageDataset;
}

export async function loadImages(data: string, sampleShape: number[], limit = 0, split: 'train' | 'test' = 'train'): Promise<ImageDataset> {
  const [c, h, w] = sampleShape;
  let ds: ImageDataset;
  if (data === 'fashion-mnist') ds = await loadFashionMnist({ split, limit: limit || undefined });
  else if (!(await exists(data))) throw new ConfigError(`--data '${data}': not a known dataset (ring, grid, spiral, moons, fashion-mnist) and no such directory`);
  else {
    const files = await listFilesRecursive(data);
    const idx = files.some((f) => /images-idx3-ubyte(\.gz)?$/.test(String(f)));
    ds = idx ? await loadIdxDataset(data, { split, limit: limit || undefined }) : await loadImageFolder(data, { size: [h, w], channels: c as 1 | 3 });
    if (!idx && ds.shape[0] === 0) throw new ConfigError(`--data '${data}': no PNG images or IDX files found`);
  }
  const [, dc, dh, dw] = ds.shape;
  if (dc !== c || dh !== h || dw !== w) {
    throw new ConfigError(`the dataset '${data}' has images [${dc},${dh},${dw}] but the model expects [${c},${h},${w}]; pick a matching --preset`);
  }
  return ds;
}

export async function makeSource(cfg: TrainConfig, models: GanModels): Promise<RealSource> {
  if (isTwoD(cfg.data)) {
    if (models.conditional) throw new ConfigError(`${cfg.preset} needs labelled images, not '${cfg.data}'`);
    return { next: (n) => ({ x: sampleMixture(cfg.data as MixtureName, n) }), state: () => null, setState: () => {}, numClasses: 0 };
  }
  const ds = await loadImages(cfg.data, models.sampleShape, cfg.limit);
  if (models.conditional && !ds.labels) throw new ConfigError(`${cfg.preset} is conditional but '${cfg.data}' has no labels`);
  const numClasses = ds.labels ? Math.max(...ds.labels) + 1 : 0;
  if (models.conditional && numClasses > models.numClasses) throw new ConfigError(`'${cfg.data}' has ${numClasses} classes, the model ${models.numClasses}`);
  const loader = new DataLoader({ images: ds.images, shape: ds.shape, labels: ds.labels }, { batchSize: cfg.batch, shuffle: true, seed: cfg.seed, dropLast: true });
  return {
    next: () => {
      const b = loader.next();
      if (!models.conditional && b.y) {
        b.y.dispose();
        return { x: b.x };
      }
      return b;
    },
    state: () => loader.state,
    setState: (s) => { if (s) loader.setState(s); },
    numClasses,
    dataset: ds,
  };
}

