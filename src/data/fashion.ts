/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017; © Zalando SE, MIT licence), bundled in
 * data/fashion-mnist/: the full 10,000-image test set and the first 20,000 training images.
 */
import type { PathLike } from '../io/fs.ts';
import { decodeIdx, idxDataset, type ImageDataset, loadIdxDataset } from './idx.ts';

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** The bundled copy, resolved relative to this module. */
export const BUNDLED_FASHION_MNIST_DIR = new URL('../../data/fashion-mnist/', import.meta.url);

export interface FashionMnistOptions {
  split?: 'train' | 'test';
  /** A directory (or URL) holding the four IDX files; defaults to the bundled copy. */
  dir?: PathLike;
  limit?: number;
}

/** The IDX files (gzip or plain) of a split, as bytes. */
export interface FashionMnistFiles { images: Uint8Array; labels: Uint8Array }

const provided: Partial<Record<'train' | 'test', FashionMnistFiles & { where: string }>> = {};

/**
 * A page has no file system: it fetches the bundled files from its server and hands them over
 * here; from then on loadFashionMnist without `dir` (so `--data fashion-mnist` in GanTrainer)
 * reads these bytes, with the same limit and the same images as the bundled copy gives in Node.
 */
export function provideFashionMnist(split: 'train' | 'test', files: FashionMnistFiles, where: string): void {
  provided[split] = { ...files, where };
}

/** Images in [-1, 1] as [N, 1, 28, 28] plus int32 labels 0..9. */
export async function loadFashionMnist(opts: FashionMnistOptions = {}): Promise<ImageDataset> {
  const split = opts.split ?? 'train';
  const p = opts.dir === undefined ? provided[split] : undefined;
  const ds = p
    ? idxDataset(await decodeIdx(p.images, { expectDims: 3, name: `${p.where} images` }), await decodeIdx(p.labels, { expectDims: 1, name: `${p.where} labels` }), { limit: opts.limit }, p.where)
    : await loadIdxDataset(opts.dir ?? BUNDLED_FASHION_MNIST_DIR, { split, limit: opts.limit });
  return { ...ds, classNames: FASHION_MNIST_CLASSES };
}
