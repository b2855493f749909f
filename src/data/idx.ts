/**
 * IDX files (the MNIST family: MNIST, Fashion-MNIST, KMNIST, EMNIST), plain or gzip.
 *   bytes 0-1: 0x00 0x00; byte 2: element type; byte 3: number of dims D;
 *   then D big-endian u32 sizes; then the elements, big-endian, row-major.
 * Element types: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64.
 */
import { gunzip, isGzip } from '../io/bytes.ts';
import { type PathLike, exists, joinPath, pathString, readBytes } from '../io/fs.ts';

export type IdxType = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  type: IdxType;
  dims: number[];
  data: IdxData;
}

const TYPES: Record<number, { type: IdxType; bytes: number }> = {
  0x08: { type: 'u8', bytes: 1 },
  0x09: { type: 'i8', bytes: 1 },
  0x0b: { type: 'i16', bytes: 2 },
  0x0c: { type: 'i32', bytes: 4 },
  0x0d: { type: 'f32', bytes: 4 },
  0x0e: { type: 'f64', bytes: 8 },
};

export class IdxError extends Error {
  constructor(name: string, message: string) {
    super(`IDX ${name}: ${message}`);
    this.name = 'IdxError';
  }
}

/** Parse uncompressed IDX bytes. `expectDims` checks the number of dimensions. */
export function parseIdx(bytes: Uint8Array, opts: { expectDims?: number; name?: string } = {}): IdxArray {
  const name = opts.name ?? '<bytes>';
  if (bytes.length < 4) throw new IdxError(name, `truncated: ${bytes.length} bytes, too short for the 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxError(name, `bad magic number 0x${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('')} (must start with 0x0000)`);
  }
  const t = TYPES[bytes[2]];
  if (!t) throw new IdxError(name, `bad magic number: unknown element type 0x${bytes[2].toString(16).padStart(2, '0')}`);
  const nd = bytes[3];
  if (nd === 0) throw new IdxError(name, 'wrong number of dimensions: 0');
  if (opts.expectDims !== undefined && nd !== opts.expectDims) throw new IdxError(name, `wrong number of dimensions: expected ${opts.expectDims}, got ${nd}`);
  const headerLen = 4 + 4 * nd;
  if (bytes.length < headerLen) throw new IdxError(name, `truncated: ${bytes.length} bytes, the header of ${nd} dims needs ${headerLen}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < nd; i++) {
    const d = dv.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const want = headerLen + count * t.bytes;
  if (bytes.length < want) throw new IdxError(name, `truncated: dims [${dims}] need ${want} bytes, file has ${bytes.length}`);
  if (bytes.length > want) throw new IdxError(name, `${bytes.length - want} unexpected trailing bytes after dims [${dims}]`);
  const off = headerLen;
  let data: IdxData;
  switch (t.type) {
    case 'u8': data = bytes.slice(off, want); break;
    case 'i8': data = new Int8Array(bytes.slice(off, want).buffer); break;
    case 'i16': data = Int16Array.from({ length: count }, (_, i) => dv.getInt16(off + 2 * i, false)); break;
    case 'i32': data = Int32Array.from({ length: count }, (_, i) => dv.getInt32(off + 4 * i, false)); break;
    case 'f32': data = Float32Array.from({ length: count }, (_, i) => dv.getFloat32(off + 4 * i, false)); break;
    case 'f64': data = Float64Array.from({ length: count }, (_, i) => dv.getFloat64(off + 8 * i, false)); break;
  }
  return { type: t.type, dims, data };
}

/** Parse IDX bytes, gunzipping first when they start with the gzip magic 1f 8b. */
export async function decodeIdx(bytes: Uint8Array, opts: { expectDims?: number; name?: string } = {}): Promise<IdxArray> {
  const raw = isGzip(bytes) ? await gunzip(bytes, `IDX ${opts.name ?? '<bytes>'}`) : bytes;
  return parseIdx(raw, opts);
}

export async function readIdx(path: PathLike, opts: { expectDims?: number } = {}): Promise<IdxArray> {
  return decodeIdx(await readBytes(path), { ...opts, name: pathString(path) });
}

/** Encode an IDX array (big-endian); used by tests and the dataset subset script. */
export function encodeIdx(arr: IdxArray): Uint8Array {
  const code = Number(Object.entries(TYPES).find(([, v]) => v.type === arr.type)![0]);
  const size = TYPES[code].bytes;
  const headerLen = 4 + 4 * arr.dims.length;
  const out = new Uint8Array(headerLen + arr.data.length * size);
  const dv = new DataView(out.buffer);
  out[2] = code;
  out[3] = arr.dims.length;
  arr.dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < arr.data.length; i++) {
    const o = headerLen + i * size, v = arr.data[i];
    switch (arr.type) {
      case 'u8': dv.setUint8(o, v); break;
      case 'i8': dv.setInt8(o, v); break;
      case 'i16': dv.setInt16(o, v, false); break;
      case 'i32': dv.setInt32(o, v, false); break;
      case 'f32': dv.setFloat32(o, v, false); break;
      case 'f64': dv.setFloat64(o, v, false); break;
    }
  }
  return out;
}

/** An image classification dataset in memory: images in [-1, 1], NCHW. */
export interface ImageDataset {
  images: Float32Array;
  /** [N, C, H, W] */
  shape: [number, number, number, number];
  labels?: Int32Array;
  classNames?: string[];
}

export interface IdxDatasetOptions {
  split?: 'train' | 'test';
  /** File-name prefix, e.g. 'emnist-balanced-' for EMNIST. */
  prefix?: string;
  /** Keep only the first `limit` examples. */
  limit?: number;
  /** Swap H and W of each image (EMNIST's files are stored transposed). */
  transpose?: boolean;
}

async function findFile(dir: PathLike, stems: string[]): Promise<PathLike> {
  const tried: string[] = [];
  for (const stem of stems) {
    for (const name of [stem, `${stem}.gz`]) {
      const p = joinPath(dir, name);
      if (await exists(p)) return p;
      tried.push(name);
    }
  }
  throw new Error(`IDX dataset: none of ${tried.join(', ')} found in ${pathString(dir)}`);
}

/** u8 → [-1, 1]: x / 127.5 - 1 (0 → -1, 255 → 1). */
export function bytesToUnit(data: ArrayLike<number>, out = new Float32Array(data.length)): Float32Array {
  for (let i = 0; i < data.length; i++) out[i] = data[i] / 127.5 - 1;
  return out;
}

/**
 * Load `{train,t10k}-images-idx3-ubyte[.gz]` and the matching labels from dir (also accepts the
 * `train-images.idx3-ubyte` spelling). Images: Float32Array in [-1, 1], shape [N, 1, H, W].
 */
export async function loadIdxDataset(dir: PathLike, opts: IdxDatasetOptions = {}): Promise<ImageDataset> {
  const split = opts.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new Error(`IDX dataset: split must be 'train' or 'test', got ${JSON.stringify(split)}`);
  const prefix = opts.prefix ?? '';
  // MNIST/Fashion/KMNIST name the test split t10k; EMNIST names it test
  const splitNames = split === 'train' ? ['train'] : ['t10k', 'test'];
  const stems = (kind: string, d: number) => splitNames.flatMap((s) => [`${prefix}${s}-${kind}-idx${d}-ubyte`, `${prefix}${s}-${kind}.idx${d}-ubyte`]);
  const imgPath = await findFile(dir, stems('images', 3));
  const lblPath = await findFile(dir, stems('labels', 1));
  const [img, lbl] = await Promise.all([readIdx(imgPath, { expectDims: 3 }), readIdx(lblPath, { expectDims: 1 })]);
  return idxDataset(img, lbl, opts, `${pathString(imgPath)}, ${pathString(lblPath)}`);
}

/** The dataset of decoded IDX images [N, H, W] and labels [N] (loadIdxDataset's files, or bytes a page fetched); `where` names them in errors. */
export function idxDataset(img: IdxArray, lbl: IdxArray, opts: Pick<IdxDatasetOptions, 'limit' | 'transpose'>, where: string): ImageDataset {
  if (img.dims.length !== 3 || lbl.dims.length !== 1) throw new Error(`IDX dataset: expected images [N, H, W] and labels [N], got [${img.dims}] and [${lbl.dims}] (${where})`);
  if (img.type !== 'u8' || lbl.type !== 'u8') throw new Error(`IDX dataset: expected u8 images and labels, got ${img.type} and ${lbl.type}`);
  let [n, h, w] = img.dims;
  if (lbl.dims[0] !== n) throw new Error(`IDX dataset: ${n} images but ${lbl.dims[0]} labels (${where})`);
  if (opts.limit !== undefined) n = Math.min(n, Math.max(0, Math.floor(opts.limit)));
  const px = h * w;
  let images: Float32Array;
  if (opts.transpose) {
    images = new Float32Array(n * px);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) images[k * px + j * h + i] = img.data[k * px + i * w + j] / 127.5 - 1;
    }
    [h, w] = [w, h];
  } else images = bytesToUnit(img.data.subarray(0, n * px));
  const labels = Int32Array.from(lbl.data.subarray(0, n));
  return { images, shape: [n, 1, h, w], labels };
}
