/**
 * PNG images from a directory tree → [N, C, H, W] float32 in [-1, 1].
 * Files are found recursively and sorted by path. With class subfolders (torchvision's
 * ImageFolder layout, `root/<class>/.../*.png`) the first path segment is the label; classes are
 * numbered in sorted order.
 * Colour: C = 1 uses ITU-R 601 luma L = 0.299 R + 0.587 G + 0.114 B (like PIL's convert('L')),
 * C = 3 keeps RGB; alpha is ignored. Resizing samples pixel centres, src = (dst + ½)·in/out - ½
 * (bilinear, like torch's interpolate with align_corners=False, no antialiasing) or
 * src = floor(dst·in/out) (nearest).
 */
import { type PathLike, joinPath, listFilesRecursive, pathString, readBytes } from '../io/fs.ts';
import type { ImageDataset } from './idx.ts';

export interface ImageFolderOptions {
  /** output size: n (square) or [height, width]; default: the first image's size (all must match) */
  size?: number | [number, number];
  /** 1 grayscale (default) or 3 RGB */
  channels?: 1 | 3;
  resize?: 'bilinear' | 'nearest';
  /** label by class subfolder: default true when every image lies in a subfolder */
  labels?: boolean;
  /** keep only the first `limit` files (after sorting) */
  limit?: number;
}

export interface ImageFolderDataset extends ImageDataset {
  files: string[];
}

type PngSync = { sync: { read(b: Uint8Array): { width: number; height: number; data: Uint8Array } } };
let pngLib: Promise<{ PNG: PngSync; toBuffer: (b: Uint8Array) => Uint8Array }> | null = null;

/** pngjs and node:buffer are loaded on first use, so importing this module works in a browser. */
function loadPngLib() {
  pngLib ??= Promise.all([import('pngjs'), import('node:buffer')]).then(([m, { Buffer }]) => {
    const mod = m as unknown as { PNG?: PngSync; default?: { PNG: PngSync } };
    return { PNG: (mod.PNG ?? mod.default!.PNG), toBuffer: (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength) };
  });
  return pngLib;
}

/** Decode PNG bytes (any bit depth / colour type pngjs supports) to 8-bit RGBA. */
export async function decodePng(bytes: Uint8Array): Promise<{ width: number; height: number; rgba: Uint8Array }> {
  const { PNG, toBuffer } = await loadPngLib();
  const png = PNG.sync.read(toBuffer(bytes));
  return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

/** One channel plane (h×w floats) resized to oh×ow. */
export function resizePlane(src: Float32Array, h: number, w: number, oh: number, ow: number, mode: 'bilinear' | 'nearest'): Float32Array {
  if (h === oh && w === ow) return src;
  const out = new Float32Array(oh * ow);
  const sy = h / oh, sx = w / ow;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      if (mode === 'nearest') {
        out[y * ow + x] = src[Math.min(h - 1, Math.floor(y * sy)) * w + Math.min(w - 1, Math.floor(x * sx))];
        continue;
      }
      const fy = Math.max(0, (y + 0.5) * sy - 0.5), fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const y0 = Math.min(h - 1, Math.floor(fy)), x0 = Math.min(w - 1, Math.floor(fx));
      const y1 = Math.min(h - 1, y0 + 1), x1 = Math.min(w - 1, x0 + 1);
      const dy = fy - y0, dx = fx - x0;
      const top = src[y0 * w + x0] * (1 - dx) + src[y0 * w + x1] * dx;
      const bot = src[y1 * w + x0] * (1 - dx) + src[y1 * w + x1] * dx;
      out[y * ow + x] = top * (1 - dy) + bot * dy;
    }
  }
  return out;
}

/** RGBA 8-bit → C planes of values in [0, 255]. */
export function rgbaToPlanes(rgba: Uint8Array | Uint8ClampedArray, h: number, w: number, channels: 1 | 3): Float32Array[] {
  const planes = Array.from({ length: channels }, () => new Float32Array(h * w));
  for (let i = 0; i < h * w; i++) {
    const r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2];
    if (channels === 1) planes[0][i] = 0.299 * r + 0.587 * g + 0.114 * b;
    else {
      planes[0][i] = r;
      planes[1][i] = g;
      planes[2][i] = b;
    }
  }
  return planes;
}

/** One decoded image (8-bit RGBA, h×w) as [C, oh, ow] in [−1, 1]: luma or RGB, resized (loadImageFolder's conversion; the lab's upload). */
export function rgbaToImage(rgba: Uint8Array | Uint8ClampedArray, h: number, w: number, oh: number, ow: number, channels: 1 | 3, mode: 'bilinear' | 'nearest' = 'bilinear'): Float32Array {
  const out = new Float32Array(channels * oh * ow);
  const planes = rgbaToPlanes(rgba, h, w, channels);
  for (let c = 0; c < channels; c++) {
    const p = resizePlane(planes[c], h, w, oh, ow, mode);
    for (let i = 0; i < oh * ow; i++) out[c * oh * ow + i] = p[i] / 127.5 - 1;
  }
  return out;
}

export async function loadImageFolder(dir: PathLike, opts: ImageFolderOptions = {}): Promise<ImageFolderDataset> {
  const channels = opts.channels ?? 1;
  if (channels !== 1 && channels !== 3) throw new Error(`loadImageFolder: channels must be 1 or 3, got ${channels}`);
  const mode = opts.resize ?? 'bilinear';
  let files = (await listFilesRecursive(dir)).filter((f) => /\.png$/i.test(f));
  if (opts.limit !== undefined) files = files.slice(0, opts.limit);
  if (!files.length) throw new Error(`loadImageFolder: no .png files under ${pathString(dir)}`);
  const useLabels = opts.labels ?? files.every((f) => f.includes('/'));
  if (useLabels && !files.every((f) => f.includes('/'))) throw new Error('loadImageFolder: labels need every image inside a class subfolder');
  const classNames = useLabels ? [...new Set(files.map((f) => f.split('/')[0]))].sort() : undefined;
  let oh = 0, ow = 0;
  if (opts.size !== undefined) [oh, ow] = typeof opts.size === 'number' ? [opts.size, opts.size] : opts.size;
  let images: Float32Array | null = null;
  for (let k = 0; k < files.length; k++) {
    let img: Awaited<ReturnType<typeof decodePng>>;
    try {
      img = await decodePng(await readBytes(joinPath(dir, files[k])));
    } catch (e) {
      throw new Error(`loadImageFolder: ${files[k]}: ${(e as Error).message}`);
    }
    if (!oh) [oh, ow] = [img.height, img.width];
    if (opts.size === undefined && (img.height !== oh || img.width !== ow)) {
      throw new Error(`loadImageFolder: ${files[k]} is ${img.width}x${img.height}, the first image is ${ow}x${oh}; pass {size}`);
    }
    images ??= new Float32Array(files.length * channels * oh * ow);
    images.set(rgbaToImage(img.rgba, img.height, img.width, oh, ow, channels, mode), k * channels * oh * ow);
  }
  const labels = classNames ? Int32Array.from(files, (f) => classNames.indexOf(f.split('/')[0])) : undefined;
  return { images: images!, shape: [files.length, channels, oh, ow], labels, classNames, files };
}
