/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017; © Zalando SE, MIT licence), bundled in
 * data/fashion-mnist/: the full 10,000-image test set and the first 20,000 training images.
 */
import type { PathLike } from '../io/fs.ts';
import { type ImageDataset, loadIdxDataset } from './idx.ts';

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** The bundled copy, resolved relative to this module. */
export const BUNDLED_FASHION_MNIST_DIR = new URL('../../data/fashion-mnist/', import.meta.url);

export interface FashionMnistOptions {
  split?: 'train' | 'test';
  /** A directory (or URL) holding the four IDX files; defaults to the bundled copy. */
  dir?: PathLike;
  limit?: number;
}

/** Images in [-1, 1] as [N, 1, 28, 28] plus int32 labels 0..9. */
export async function loadFashionMnist(opts: FashionMnistOptions = {}): Promise<ImageDataset> {
  const ds = await loadIdxDataset(opts.dir ?? BUNDLED_FASHION_MNIST_DIR, { split: opts.split ?? 'train', limit: opts.limit });
  return { ...ds, classNames: FASHION_MNIST_CLASSES };
}
