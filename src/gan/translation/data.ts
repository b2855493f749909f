/**
 * Image-to-image translation data: two domains A → B, paired (pix2pix) or unpaired (CycleGAN),
 * as an endless, exactly resumable stream of batches plus a test split for scoring.
 * Images are float32 [N,C,H,W] in [−1, 1]. The `--data` forms (see parseTranslationSpec):
 *   edges2fashion                        A = sketches (edgeMap) of Fashion-MNIST photos, B = the photos
 *   fashion-mnist:CLASS_A/CLASS_B        A = photos of one class, B = of another (unpaired)
 *   DIR_A,DIR_B                          two folders of PNGs (unpaired; paired when both hold the same file names)
 * Randomness (shuffles, crops, flips) comes from src/data/augment.ts, addressed by (seed, stream,
 * epoch, position), so the state {epoch, position} of each stream is the whole state.
 */
import * as wg from '../../index.ts';
import type { Tensor } from '../../index.ts';
import { cropFlipAt, cropFlipInto, streamPermutation, type CropFlip } from '../../data/augment.ts';
import { FASHION_MNIST_CLASSES, loadFashionMnist } from '../../data/fashion.ts';
import type { ImageDataset } from '../../data/idx.ts';
import { loadImageFolder } from '../../data/imagefolder.ts';
import type { LoaderState } from '../../data/loader.ts';
import { exists, listFilesRecursive } from '../../io/fs.ts';
import { ConfigError } from '../config.ts';
import { padTo32 } from '../data.ts';
import { EDGE_BACKGROUND, edgeMapsOf } from './edges.ts';

export { edgeMap, edgeMapsOf, EDGE_RELATIVE, EDGE_FLOOR, EDGE_BACKGROUND, EDGE_LINE } from './edges.ts';

export const DATA_FORMS =
  "edges2fashion (pairs: Fashion-MNIST sketches → photos), fashion-mnist:CLASS_A/CLASS_B (two classes by name or index 0-9, e.g. fashion-mnist:sneaker/ankle-boot), DIR_A,DIR_B (two folders of PNG images)";

/** Where a translation dataset comes from, parsed from `--data`. */
export type TranslationSpec =
  | { kind: 'edges2fashion' }
  | { kind: 'classes'; a: number; b: number }
  | { kind: 'folders'; a: string; b: string };

export interface TranslationOptions {
  /** pix2pix: rows of a and b are pairs; CycleGAN: independent shuffles of A and B */
  paired: boolean;
  /** shuffles, crops and flips (a non-negative safe integer) */
  seed: number;
  /** the default n of next() */
  batch: number;
  /** at most this many training images per domain */
  limit?: number;
  /** at most this many test images per domain */
  testLimit?: number;
  /** Fashion-MNIST: 28 (default) or 32 (centred, padded); folders: the output size when `crop` is not given */
  size?: number;
  /** Fashion-MNIST: 1; folders: 1 (luma) or 3 (RGB, the default) */
  channels?: number;
  /** folders: the size of the random crop, the images' output size (default `size`, else 64) */
  crop?: number;
  /** folders: the size images are resized to before cropping (default round(crop · 286 / 256)) */
  load?: number;
  /** folders: random horizontal flips (default true) */
  flip?: boolean;
}

/** One domain's training images (folders: at the load size, before cropping). */
export interface TranslationDomain {
  name: string;
  images: Float32Array;
  /** [N, C, H, W] */
  shape: [number, number, number, number];
  labels?: Int32Array;
}

/** The test split, for scoring: fixed images, no crop or flip (folders: the centre crop). */
export interface TranslationTestSet {
  a: Float32Array;
  b: Float32Array;
  labelsA?: Int32Array;
  labelsB?: Int32Array;
  /** images per domain */
  n: number;
  /** [n, C, H, W] of a and of b */
  shape: [number, number, number, number];
  /** row i of b is the target of row i of a (edges2fashion, paired folders) */
  paired: boolean;
}

/** JSON for checkpoints: the stream of pairs (paired) or of A, and the stream of B (null when paired). */
export interface TranslationState {
  a: LoaderState;
  b: LoaderState | null;
}

export interface TranslationSource {
  readonly spec: TranslationSpec;
  readonly paired: boolean;
  /** [C, H, W] of every image next() returns, in both domains */
  readonly sampleShape: [number, number, number];
  readonly batch: number;
  readonly domains: { a: TranslationDomain; b: TranslationDomain };
  /** null for folders without CycleGAN's testA/testB siblings */
  readonly test: TranslationTestSet | null;
  /** the next n (default batch) examples of each domain, as [n, C, H, W] tensors on the active backend */
  next(n?: number): { a: Tensor; b: Tensor };
  state(): TranslationState;
  setState(s: TranslationState): void;
}

const fail = (spec: string, msg: string): never => {
  throw new ConfigError(`--data '${spec}': ${msg}`);
};

/** 'T-shirt/top' → 'tshirttop': lower case without spaces, hyphens, underscores, slashes. */
const normName = (s: string) => s.toLowerCase().replace(/[\s\-_/]/g, '');

/** A Fashion-MNIST class from its index (0-9), its name, a part of 'T-shirt/top', or a plural. */
export function fashionClass(name: string): number | null {
  const t = name.trim();
  if (/^\d+$/.test(t)) return Number(t) < FASHION_MNIST_CLASSES.length ? Number(t) : null;
  const n = normName(t);
  if (!n) return null;
  for (const cand of [n, n.replace(/s$/, '')]) {
    const k = FASHION_MNIST_CLASSES.findIndex((c) => normName(c) === cand || c.split('/').some((p) => normName(p) === cand));
    if (k >= 0) return k;
  }
  return null;
}

/** Parse `--data` for translation (the forms in DATA_FORMS); throws ConfigError naming them. */
export function parseTranslationSpec(spec: string): TranslationSpec {
  const s = spec.trim();
  if (s === 'edges2fashion') return { kind: 'edges2fashion' };
  const names = FASHION_MNIST_CLASSES.map((c) => normName(c.split('/')[0])).join(', ');
  if (/^fashion-mnist:/i.test(s)) {
    // class names may hold '/' ('t-shirt/top'): try every split of the parts into two classes
    const parts = s.slice(s.indexOf(':') + 1).split('/');
    const splits: [number, number][] = [];
    for (let k = 1; k < parts.length; k++) {
      const a = fashionClass(parts.slice(0, k).join('/')), b = fashionClass(parts.slice(k).join('/'));
      if (a !== null && b !== null) splits.push([a, b]);
    }
    if (!splits.length) fail(spec, `expected fashion-mnist:CLASS_A/CLASS_B with two classes by name (${names}) or index 0-9`);
    if (new Set(splits.map((p) => p.join())).size > 1) fail(spec, `ambiguous: reads as ${splits.map(([a, b]) => `${FASHION_MNIST_CLASSES[a]} → ${FASHION_MNIST_CLASSES[b]}`).join(' or ')}`);
    const [a, b] = splits[0];
    if (a === b) fail(spec, `both domains are class ${a} (${FASHION_MNIST_CLASSES[a]}); name two different classes`);
    return { kind: 'classes', a, b };
  }
  const dirs = s.split(',');
  if (dirs.length === 2 && dirs.every((d) => d.trim())) return { kind: 'folders', a: dirs[0].trim().replace(/(.)\/+$/, '$1'), b: dirs[1].trim().replace(/(.)\/+$/, '$1') };
  if (s === 'fashion-mnist') fail(spec, `name two classes to translate between, e.g. fashion-mnist:sneaker/ankle-boot (classes: ${names}); or edges2fashion`);
  return fail(spec, `not a translation dataset; the accepted forms are ${DATA_FORMS}`);
}

const positive = (spec: string, name: string, v: number | undefined) => {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) fail(spec, `${name} must be a positive integer, got ${v}`);
};

/** The source for `--data spec` (module comment); errors are ConfigErrors naming `--data`. */
export async function makeTranslationSource(spec: string, opts: TranslationOptions): Promise<TranslationSource> {
  const parsed = parseTranslationSpec(spec);
  if (!Number.isSafeInteger(opts.seed) || opts.seed < 0) fail(spec, `seed must be a non-negative safe integer, got ${opts.seed}`);
  for (const k of ['batch', 'limit', 'testLimit', 'size', 'crop', 'load'] as const) positive(spec, k, opts[k]);
  if (opts.batch === undefined) fail(spec, 'batch is required');
  const src = parsed.kind === 'folders' ? await folderSource(spec, parsed, opts) : await fashionSource(spec, parsed, opts);
  for (const d of [src.domains.a, src.domains.b]) if (opts.batch > d.shape[0]) fail(spec, `batch ${opts.batch} is larger than domain '${d.name}' (${d.shape[0]} training images)`);
  return src;
}

// ---------------------------------------------------------------- Fashion-MNIST

const slice = (ds: ImageDataset, from: number, to: number): ImageDataset => {
  const per = ds.shape[1] * ds.shape[2] * ds.shape[3];
  const n = Math.max(0, Math.min(to, ds.shape[0]) - from);
  return { images: ds.images.slice(from * per, (from + n) * per), shape: [n, ds.shape[1], ds.shape[2], ds.shape[3]], labels: ds.labels?.slice(from, from + n) };
};

const ofClass = (ds: ImageDataset, k: number, limit?: number): ImageDataset => {
  const per = ds.shape[1] * ds.shape[2] * ds.shape[3];
  let idx = [...ds.labels!.keys()].filter((i) => ds.labels![i] === k);
  if (limit !== undefined) idx = idx.slice(0, limit);
  const images = new Float32Array(idx.length * per);
  idx.forEach((i, j) => images.set(ds.images.subarray(i * per, (i + 1) * per), j * per));
  return { images, shape: [idx.length, ds.shape[1], ds.shape[2], ds.shape[3]], labels: Int32Array.from(idx, () => k) };
};

async function withEdges(ds: ImageDataset): Promise<ImageDataset> {
  const [n, , h, w] = ds.shape;
  return { ...ds, images: await edgeMapsOf(ds.images, n, h, w) };
}

/** The size option of a Fashion-MNIST source: 28 (default) or 32 (padded). */
function fashionSize(spec: string, size = 28): 28 | 32 {
  if (size !== 28 && size !== 32) fail(spec, `Fashion-MNIST images are 28×28 (size 28) or padded to 32×32 (size 32), not size ${size}`);
  return size as 28 | 32;
}

/**
 * The test split of a Fashion-MNIST translation dataset (`edges2fashion`: the first `testLimit`
 * test photos' sketches → the photos, paired; two classes: the first `testLimit` test images of each,
 * as many in both): what a source's `test` holds. It needs only the test files (the lab provides
 * them with provideFashionMnist('test', …)).
 */
export async function fashionTestSet(spec: string, opts: { size?: number; testLimit?: number } = {}): Promise<TranslationTestSet> {
  const parsed = parseTranslationSpec(spec);
  if (parsed.kind === 'folders') fail(spec, 'a folder dataset has no bundled test split (CycleGAN layout: testA / testB beside trainA / trainB)');
  positive(spec, 'testLimit', opts.testLimit);
  return fashionTest(parsed as FashionSpec, fashionSize(spec, opts.size), opts.testLimit);
}

type FashionSpec = TranslationSpec & { kind: 'edges2fashion' | 'classes' };
const padder = (size: 28 | 32) => (ds: ImageDataset, value: number) => (size === 32 ? padTo32(ds, value) : ds);

async function fashionTest(parsed: FashionSpec, size: 28 | 32, testLimit?: number): Promise<TranslationTestSet> {
  const pad = padder(size);
  const testSet = await loadFashionMnist({ split: 'test' });
  if (parsed.kind === 'edges2fashion') {
    const t = slice(testSet, 0, testLimit ?? testSet.shape[0]);
    const [ta, tb] = [pad(await withEdges(t), EDGE_BACKGROUND), pad(t, -1)];
    return { a: ta.images, b: tb.images, labelsA: t.labels, labelsB: t.labels, n: t.shape[0], shape: ta.shape, paired: true };
  }
  const [ta, tb] = [pad(ofClass(testSet, parsed.a, testLimit), -1), pad(ofClass(testSet, parsed.b, testLimit), -1)];
  const n = Math.min(ta.shape[0], tb.shape[0]);
  const [sa, sb] = [slice(ta, 0, n), slice(tb, 0, n)];
  return { a: sa.images, b: sb.images, labelsA: sa.labels, labelsB: sb.labels, n, shape: sa.shape, paired: false };
}

async function fashionSource(spec: string, parsed: FashionSpec, opts: TranslationOptions): Promise<TranslationSource> {
  const size = fashionSize(spec, opts.size);
  if ((opts.channels ?? 1) !== 1) fail(spec, `Fashion-MNIST is grayscale: channels must be 1, got ${opts.channels}`);
  if (opts.crop !== undefined || opts.load !== undefined) fail(spec, 'random-crop jitter (crop, load) is for folders of PNGs; Fashion-MNIST takes size 28 or 32');
  const pad = padder(size);
  let a: ImageDataset, b: ImageDataset;
  let names: [string, string];
  if (parsed.kind === 'edges2fashion') {
    if (opts.paired) {
      const photos = await loadFashionMnist({ split: 'train', limit: opts.limit });
      [a, b] = [await withEdges(photos), photos];
    } else {
      // A: sketches of the first half, B: photos of the second half; no photo meets its own sketch
      const all = await loadFashionMnist({ split: 'train', limit: opts.limit !== undefined ? 2 * opts.limit : undefined });
      const half = Math.floor(all.shape[0] / 2);
      [a, b] = [await withEdges(slice(all, 0, half)), slice(all, half, 2 * half)];
    }
    names = ['edges', 'photos'];
    a = pad(a, EDGE_BACKGROUND);
    b = pad(b, -1);
  } else {
    if (opts.paired) fail(spec, `two classes are unpaired (CycleGAN): no ${FASHION_MNIST_CLASSES[parsed.a]} has a ${FASHION_MNIST_CLASSES[parsed.b]} counterpart; paired training (pix2pix) needs edges2fashion or two folders with the same file names`);
    const train = await loadFashionMnist({ split: 'train' });
    [a, b] = [pad(ofClass(train, parsed.a, opts.limit), -1), pad(ofClass(train, parsed.b, opts.limit), -1)];
    names = [FASHION_MNIST_CLASSES[parsed.a], FASHION_MNIST_CLASSES[parsed.b]];
  }
  const test = await fashionTest(parsed, size, opts.testLimit);
  for (const [d, name] of [[a, names[0]], [b, names[1]]] as const) if (d.shape[0] < 1) fail(spec, `no training images in domain '${name}' (limit ${opts.limit})`);
  return new Source(parsed, opts, { a: { name: names[0], ...a }, b: { name: names[1], ...b } }, test, null);
}

// ---------------------------------------------------------------- folders of PNGs

async function checkFolder(spec: string, dir: string): Promise<void> {
  if (!(await exists(dir))) fail(spec, `folder '${dir}' does not exist`);
  let files: string[];
  try {
    files = await listFilesRecursive(dir);
  } catch (e) {
    return fail(spec, `'${dir}' is not a readable folder (${(e as Error).message})`);
  }
  if (!files.some((f) => /\.png$/i.test(f))) fail(spec, `no PNG images in folder '${dir}'`);
}

async function loadFolder(spec: string, dir: string, name: string, size: number, channels: 1 | 3, limit?: number) {
  try {
    const ds = await loadImageFolder(dir, { size, channels, labels: false, limit });
    return { name, images: ds.images, shape: ds.shape, files: ds.files };
  } catch (e) {
    return fail(spec, `${dir}: ${(e as Error).message.replace(/^loadImageFolder: /, '')}`);
  }
}

/** CycleGAN's layout: DIR/trainA beside DIR/testA. */
const testSibling = (dir: string): string | null => {
  const m = /^(.*?)(^|\/)train([^/]*)$/.exec(dir);
  return m ? `${m[1]}${m[2]}test${m[3]}` : null;
};

/** The centre crop×crop of each image [n,c,load,load]. */
function centreCrop(images: Float32Array, n: number, c: number, load: number, crop: number): Float32Array {
  const out = new Float32Array(n * c * crop * crop);
  const at: CropFlip = { y: Math.floor((load - crop) / 2), x: Math.floor((load - crop) / 2), flip: false };
  for (let i = 0; i < n; i++) cropFlipInto(images.subarray(i * c * load * load, (i + 1) * c * load * load), c, load, load, at, crop, out, i * c * crop * crop);
  return out;
}

async function folderSource(spec: string, parsed: TranslationSpec & { kind: 'folders' }, opts: TranslationOptions): Promise<TranslationSource> {
  const channels = opts.channels ?? 3;
  if (channels !== 1 && channels !== 3) fail(spec, `channels must be 1 or 3, got ${channels}`);
  if (opts.crop !== undefined && opts.size !== undefined && opts.crop !== opts.size) fail(spec, `crop ${opts.crop} and size ${opts.size} disagree (the crop is the output size)`);
  const crop = opts.crop ?? opts.size ?? 64;
  const load = opts.load ?? Math.round((crop * 286) / 256);
  if (load < crop) fail(spec, `load size ${load} is smaller than the crop ${crop}`);
  for (const d of [parsed.a, parsed.b]) await checkFolder(spec, d);
  const c = channels as 1 | 3;
  const a = await loadFolder(spec, parsed.a, parsed.a, load, c, opts.limit);
  const b = await loadFolder(spec, parsed.b, parsed.b, load, c, opts.limit);
  if (opts.paired && (a.files.length !== b.files.length || a.files.some((f, i) => f !== b.files[i]))) {
    const missing = a.files.find((f) => !b.files.includes(f)) ?? b.files.find((f) => !a.files.includes(f));
    fail(spec, `paired training (pix2pix) pairs files by name, but the folders differ${missing ? ` ('${missing}' is in one only)` : ` (${a.files.length} vs ${b.files.length} files)`}`);
  }
  let test: TranslationTestSet | null = null;
  const [sa, sb] = [testSibling(parsed.a), testSibling(parsed.b)];
  if (sa && sb && (await exists(sa)) && (await exists(sb))) {
    await checkFolder(spec, sa);
    await checkFolder(spec, sb);
    const ta = await loadFolder(spec, sa, sa, load, c, opts.testLimit), tb = await loadFolder(spec, sb, sb, load, c, opts.testLimit);
    const paired = opts.paired && ta.files.length === tb.files.length && ta.files.every((f, i) => f === tb.files[i]);
    const n = Math.min(ta.shape[0], tb.shape[0]);
    test = {
      a: centreCrop(ta.images, n, c, load, crop), b: centreCrop(tb.images, n, c, load, crop), n, shape: [n, c, crop, crop], paired,
    };
  }
  return new Source(parsed, opts, { a, b }, test, { crop, flip: opts.flip ?? true });
}

// ---------------------------------------------------------------- the stream

/** Positions in the shuffled epochs of one stream; a batch never straddles two epochs (dropLast). */
class ShuffledStream {
  epoch = 0;
  position = 0;
  private order: Int32Array | null = null;
  private orderEpoch = -1;
  constructor(readonly n: number, readonly seed: number, readonly stream: number) {}

  take(k: number): { idx: Int32Array; epoch: number; start: number } {
    if (this.position + k > this.n) {
      this.epoch++;
      this.position = 0;
    }
    if (this.orderEpoch !== this.epoch) {
      this.order = streamPermutation(this.n, this.seed, this.epoch, this.stream);
      this.orderEpoch = this.epoch;
    }
    const start = this.position;
    this.position += k;
    return { idx: this.order!.slice(start, start + k), epoch: this.epoch, start };
  }

  get state(): LoaderState {
    return { epoch: this.epoch, position: this.position };
  }

  check(s: LoaderState): void {
    if (!s || !Number.isSafeInteger(s.epoch) || s.epoch < 0 || !Number.isSafeInteger(s.position) || s.position < 0 || s.position > this.n) {
      throw new Error(`translation data: invalid stream state ${JSON.stringify(s)} for ${this.n} images`);
    }
  }

  set state(s: LoaderState) {
    this.check(s);
    this.epoch = s.epoch;
    this.position = s.position;
  }
}

class Source implements TranslationSource {
  readonly paired: boolean;
  readonly sampleShape: [number, number, number];
  readonly batch: number;
  private readonly streams: [ShuffledStream, ShuffledStream | null];

  constructor(
    readonly spec: TranslationSpec,
    private readonly opts: TranslationOptions,
    readonly domains: { a: TranslationDomain; b: TranslationDomain },
    readonly test: TranslationTestSet | null,
    private readonly jitter: { crop: number; flip: boolean } | null,
  ) {
    const { a, b } = domains;
    if (a.shape[1] !== b.shape[1] || a.shape[2] !== b.shape[2] || a.shape[3] !== b.shape[3]) throw new Error(`translation data: domains of shapes [${a.shape}] and [${b.shape}]`);
    this.paired = opts.paired;
    this.batch = opts.batch;
    const side = jitter ? [jitter.crop, jitter.crop] : [a.shape[2], a.shape[3]];
    this.sampleShape = [a.shape[1], side[0], side[1]];
    if (this.paired && a.shape[0] !== b.shape[0]) throw new Error(`translation data: ${a.shape[0]} and ${b.shape[0]} images cannot pair`);
    // stream 0: pairs, or domain A; stream 1: domain B
    this.streams = [new ShuffledStream(a.shape[0], opts.seed, 0), this.paired ? null : new ShuffledStream(b.shape[0], opts.seed, 1)];
  }

  next(n = this.batch): { a: Tensor; b: Tensor } {
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`translation data: next(n) needs a positive integer n, got ${n}`);
    for (const [s, d] of [[this.streams[0], 'A'], [this.streams[1], 'B']] as const) {
      if (s && n > s.n) throw new Error(`translation data: a batch of ${n} is larger than domain ${d} (${s.n} images)`);
    }
    const ta = this.streams[0].take(n);
    const tb = this.streams[1]?.take(n) ?? ta;
    const stream = this.paired ? 0 : 1;
    return { a: this.gather(this.domains.a, ta, 0), b: this.gather(this.domains.b, tb, stream) };
  }

  /** Rows idx of a domain, cropped and flipped as slot (epoch, start + i) of the stream says. */
  private gather(d: TranslationDomain, t: { idx: Int32Array; epoch: number; start: number }, stream: number): Tensor {
    const [, c, h, w] = d.shape, per = c * h * w;
    const [, oh, ow] = this.sampleShape, outPer = c * oh * ow;
    const out = new Float32Array(t.idx.length * outPer);
    for (let i = 0; i < t.idx.length; i++) {
      const img = d.images.subarray(t.idx[i] * per, (t.idx[i] + 1) * per);
      if (!this.jitter) {
        out.set(img, i * outPer);
        continue;
      }
      const at = cropFlipAt(this.opts.seed, stream, t.epoch, t.start + i, h, w, this.jitter.crop);
      cropFlipInto(img, c, h, w, { ...at, flip: this.jitter.flip && at.flip }, this.jitter.crop, out, i * outPer);
    }
    return wg.tensor(out, [t.idx.length, c, oh, ow]);
  }

  state(): TranslationState {
    return { a: this.streams[0].state, b: this.streams[1]?.state ?? null };
  }

  setState(s: TranslationState): void {
    if (!s || typeof s !== 'object' || (this.paired ? s.b !== null : !s.b)) {
      throw new Error(`translation data: a ${this.paired ? 'paired' : 'unpaired'} source cannot take the state ${JSON.stringify(s)}`);
    }
    this.streams[0].check(s.a);
    this.streams[1]?.check(s.b!);
    this.streams[0].state = s.a;
    if (this.streams[1]) this.streams[1].state = s.b!;
  }
}
