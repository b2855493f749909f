/**
 * A minibatch iterator over an in-memory dataset.
 * Shuffling uses its own Philox stream, independent of the global generator:
 *   key = (seed mod 2^32, floor(seed / 2^32)); epoch e uses counter blocks (b, e, 0, 0), b = 0, 1, ...
 *   permutation = Fisher-Yates: for i = N-1 .. 1, swap(i, j) with j = floor(w · (i+1) / 2^32),
 *   w the (N-1-i)-th word of the stream.
 * It is computed on the host, so it is identical on every backend, and the loader's whole state is
 * `{epoch, position}`: set it back and the same next batch comes out.
 */
import { philoxWords } from '../base/philox.ts';
import { tensor } from '../tensor/ops.ts';
import type { Tensor } from '../tensor/tensor.ts';

export interface ArrayDataset {
  /** all examples, flat, row-major */
  images: Float32Array;
  /** [N, ...] */
  shape: readonly number[];
  labels?: Int32Array;
}

export interface DataLoaderOptions {
  batchSize: number;
  shuffle?: boolean;
  /** shuffle seed, a non-negative safe integer (default 0) */
  seed?: number;
  /** drop the last batch of an epoch when it is smaller than batchSize (default false) */
  dropLast?: boolean;
}

export interface LoaderState {
  epoch: number;
  /** index into the epoch's order of the next example */
  position: number;
}

export interface Batch {
  /** [B, ...] float32 */
  x: Tensor;
  /** [B] int32, when the dataset has labels */
  y?: Tensor;
}

/** The epoch's permutation of 0..n-1 for a seed (see the module comment). */
export function shufflePermutation(n: number, seed: number, epoch: number): Int32Array {
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  if (n < 2) return perm;
  const words = philoxWords([seed >>> 0, Math.floor(seed / 4294967296) >>> 0], epoch * 4294967296, n - 1);
  for (let i = n - 1, k = 0; i >= 1; i--, k++) {
    const j = Math.floor((words[k] * (i + 1)) / 4294967296);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}

export class DataLoader {
  readonly n: number;
  readonly sampleShape: number[];
  readonly sampleSize: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  private epochIndex = 0;
  private pos = 0;
  private order: Int32Array | null = null;
  private orderEpoch = -1;

  constructor(readonly dataset: ArrayDataset, opts: DataLoaderOptions) {
    const { shape, images, labels } = dataset;
    if (shape.length < 1) throw new Error('DataLoader: dataset shape must be [N, ...]');
    this.n = shape[0];
    this.sampleShape = shape.slice(1);
    this.sampleSize = this.sampleShape.reduce((a, b) => a * b, 1);
    if (images.length !== this.n * this.sampleSize) throw new Error(`DataLoader: images has ${images.length} values, shape [${shape}] needs ${this.n * this.sampleSize}`);
    if (labels && labels.length !== this.n) throw new Error(`DataLoader: ${labels.length} labels for ${this.n} examples`);
    if (!Number.isSafeInteger(opts.batchSize) || opts.batchSize < 1) throw new Error(`DataLoader: batchSize must be a positive integer, got ${opts.batchSize}`);
    this.batchSize = opts.batchSize;
    this.shuffle = opts.shuffle ?? false;
    this.seed = opts.seed ?? 0;
    if (!Number.isSafeInteger(this.seed) || this.seed < 0) throw new Error(`DataLoader: seed must be a non-negative safe integer, got ${this.seed}`);
    this.dropLast = opts.dropLast ?? false;
    if (this.dropLast && this.n < this.batchSize) throw new Error(`DataLoader: dropLast with ${this.n} examples < batchSize ${this.batchSize} yields no batches`);
    if (this.n === 0) throw new Error('DataLoader: empty dataset');
  }

  /** Batches per epoch. */
  get length(): number {
    return this.dropLast ? Math.floor(this.n / this.batchSize) : Math.ceil(this.n / this.batchSize);
  }

  get state(): LoaderState {
    return { epoch: this.epochIndex, position: this.pos };
  }

  setState(s: LoaderState): void {
    if (!Number.isSafeInteger(s.epoch) || s.epoch < 0 || !Number.isSafeInteger(s.position) || s.position < 0 || s.position > this.n) {
      throw new Error(`DataLoader: invalid state ${JSON.stringify(s)}`);
    }
    this.epochIndex = s.epoch;
    this.pos = s.position;
  }

  /** The example order of an epoch. */
  epochOrder(epoch = this.epochIndex): Int32Array {
    if (!this.shuffle) return (this.order ??= Int32Array.from({ length: this.n }, (_, i) => i));
    if (this.orderEpoch !== epoch || !this.order) {
      this.order = shufflePermutation(this.n, this.seed, epoch);
      this.orderEpoch = epoch;
    }
    return this.order;
  }

  private epochDone(): boolean {
    const left = this.n - this.pos;
    return left <= 0 || (this.dropLast && left < this.batchSize);
  }

  /** Indices of the next batch (advancing the state), or null at the end of the epoch. */
  nextIndices(): Int32Array | null {
    if (this.epochDone()) return null;
    const order = this.epochOrder();
    const end = Math.min(this.n, this.pos + this.batchSize);
    const idx = order.slice(this.pos, end);
    this.pos = end;
    return idx;
  }

  /** Gather examples into host arrays. */
  gather(idx: Int32Array): { x: Float32Array; y?: Int32Array } {
    const s = this.sampleSize;
    const x = new Float32Array(idx.length * s);
    for (let i = 0; i < idx.length; i++) x.set(this.dataset.images.subarray(idx[i] * s, idx[i] * s + s), i * s);
    const labels = this.dataset.labels;
    return labels ? { x, y: Int32Array.from(idx, (k) => labels[k]) } : { x };
  }

  private makeBatch(idx: Int32Array): Batch {
    const { x, y } = this.gather(idx);
    const xt = tensor(x, [idx.length, ...this.sampleShape]);
    return y ? { x: xt, y: tensor(y, [idx.length], { dtype: 'int32' }) } : { x: xt };
  }

  /** Next batch of the current epoch, or null when it is finished (then call nextEpoch()). */
  nextInEpoch(): Batch | null {
    const idx = this.nextIndices();
    return idx ? this.makeBatch(idx) : null;
  }

  nextEpoch(): void {
    this.epochIndex++;
    this.pos = 0;
  }

  /** Endless stream: the next batch, rolling over into the next epoch as needed. */
  next(): Batch {
    if (this.epochDone()) this.nextEpoch();
    return this.nextInEpoch()!;
  }

  /**
   * The remaining batches of the current epoch (of the next one if this one is used up); after a
   * complete pass the loader is at the next epoch's start. Breaking out early keeps the position.
   */
  *epoch(): Generator<Batch> {
    if (this.epochDone()) this.nextEpoch();
    for (;;) {
      const b = this.nextInEpoch();
      if (!b) break;
      yield b;
    }
    this.nextEpoch();
  }

  [Symbol.iterator](): Generator<Batch> {
    return this.epoch();
  }
}
