import type { Tensor } from '../index.ts';
import { DataLoader, type LoaderState } from '../data/loader.ts';
import { loadFashionMnist } from '../data/fashion.ts';
import { loadIdxDataset, type ImageDataset } from '../data/idx.ts';
import { loadImageFolder } from '../data/imagefolder.ts';
import { sampleDrawn, sampleMixture, type MixtureName } from '../data/mixtures.ts';
import { exists, listFilesRecursive } from '../io/fs.ts';
import { ConfigError, isTwoD, type TrainConfig } from './config.ts';
import type { GanModels } from './models.ts';

/** Where real samples come from: an endless, resumable stream of batches. */
export interface RealSource {
  next(n: number): { x: Tensor; y?: Tensor };
  /** batches are drawn on the device from the global generator (2-D mixtures): a traced step draws them itself */
  drawn?: boolean;
  /** JSON state for checkpoints (2-D mixtures draw from the global RNG, whose state is saved anyway) */
  state(): LoaderState | null;
  setState(s: LoaderState | null): void;
  numClasses: number;
  /** the dataset (images) for metrics, if any */
  dataset?: ImageDataset;
}

/** Fashion-MNIST's 28×28 images centred in 32×32 with background (−1, or `value`) borders: the stylegan preset's 32×32 input. */
export function padTo32(ds: ImageDataset, value = -1): ImageDataset {
  const [n, c] = ds.shape;
  const out = new Float32Array(n * c * 1024).fill(value);
  for (let i = 0; i < n * c; i++) for (let r = 0; r < 28; r++) out.set(ds.images.subarray(i * 784 + r * 28, i * 784 + r * 28 + 28), i * 1024 + (r + 2) * 32 + 2);
  return { ...ds, images: out, shape: [n, c, 32, 32] };
}

/** The inverse of padTo32: the centre 28×28 of [N,C,32,32] images (the classifier's input). */
export function cropTo28(images: Float32Array, n: number, c: number): Float32Array {
  const out = new Float32Array(n * c * 784);
  for (let i = 0; i < n * c; i++) for (let r = 0; r < 28; r++) out.set(images.subarray(i * 1024 + (r + 2) * 32 + 2, i * 1024 + (r + 2) * 32 + 30), i * 784 + r * 28);
  return out;
}

/**
 * The training images for a model that takes [C,H,W]. A folder of PNGs is resized to H×W; with
 * `sameSize` (the stylegan preset) its images must all have one size (then resized if it is not
 * H×W). Fashion-MNIST for a 32×32 model is padded (padTo32).
 */
export async function loadImages(data: string, sampleShape: number[], limit = 0, split: 'train' | 'test' = 'train', opts: { sameSize?: boolean } = {}): Promise<ImageDataset> {
  const [c, h, w] = sampleShape;
  let ds: ImageDataset;
  if (data === 'fashion-mnist') {
    ds = await loadFashionMnist({ split, limit: limit || undefined });
    if (h === 32 && w === 32) ds = padTo32(ds);
  } else if (!(await exists(data))) throw new ConfigError(`--data '${data}': not a known dataset (ring, grid, spiral, moons, fashion-mnist) and no such directory`);
  else {
    const files = await listFilesRecursive(data);
    const idx = files.some((f) => /images-idx3-ubyte(\.gz)?$/.test(String(f)));
    if (idx) ds = await loadIdxDataset(data, { split, limit: limit || undefined });
    else {
      let same: ImageDataset | null = null;
      if (!files.some((f) => /\.png$/i.test(String(f)))) throw new ConfigError(`--data '${data}': no PNG images or IDX files found`);
      if (opts.sameSize) {
        try {
          same = await loadImageFolder(data, { channels: c as 1 | 3, limit: limit || undefined });
        } catch (e) {
          const m = /(\S+) is (\d+x\d+), the first image is (\d+x\d+)/.exec((e as Error).message);
          if (m) throw new ConfigError(`--data '${data}': images of different sizes (${m[1]} is ${m[2]}, the first is ${m[3]}); this preset needs one size`);
          throw e;
        }
      }
      ds = same && same.shape[2] === h && same.shape[3] === w ? same : await loadImageFolder(data, { size: [h, w], channels: c as 1 | 3, limit: limit || undefined });
    }
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
    const points = cfg.points;
    const sample = cfg.data === 'drawn' ? (n: number) => sampleDrawn(points!, n) : (n: number) => sampleMixture(cfg.data as MixtureName, n);
    return { next: (n) => ({ x: sample(n) }), drawn: true, state: () => null, setState: () => {}, numClasses: 0 };
  }
  const ds = await loadImages(cfg.data, models.sampleShape, cfg.limit, 'train', { sameSize: cfg.preset === 'stylegan' });
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

