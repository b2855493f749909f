/**
 * PNG output without dependencies: 8-bit grayscale/RGB/RGBA, filter 0 on every row, IDAT
 * compressed with the platform's CompressionStream('deflate') (zlib format, as PNG requires).
 * Image grids follow torchvision's make_grid + save_image.
 */
import { Tensor } from '../tensor/tensor.ts';
import { concatBytes, crc32, deflateZlib } from './bytes.ts';
import { type PathLike, writeFileAtomic } from './fs.ts';

const COLOR_TYPE: Record<number, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length, false);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)), false);
  return out;
}

/** Encode interleaved 8-bit pixels (channels 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) as PNG. */
export async function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 2 | 3 | 4): Promise<Uint8Array> {
  if (!(channels in COLOR_TYPE)) throw new Error(`encodePng: channels must be 1-4, got ${channels}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`encodePng: bad size ${width}x${height}`);
  if (pixels.length !== width * height * channels) throw new Error(`encodePng: ${pixels.length} bytes for ${width}x${height}x${channels}`);
  const row = width * channels;
  const raw = new Uint8Array((row + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * row, y * row + row), y * (row + 1) + 1); // filter byte 0
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width, false);
  dv.setUint32(4, height, false);
  ihdr[8] = 8;
  ihdr[9] = COLOR_TYPE[channels];
  const sig = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return concatBytes([sig, chunk('IHDR', ihdr), chunk('IDAT', await deflateZlib(raw)), chunk('IEND', new Uint8Array(0))]);
}

export interface GridOptions {
  /** images per row (default 8) */
  nrow?: number;
  /** pixels between and around images (default 2) */
  padding?: number;
  /** value of the padding in [0, 1] (default 0, black) */
  padValue?: number;
  /** the input range mapped to [0, 255] (default [-1, 1]) */
  range?: [number, number];
}

export interface PixelGrid {
  width: number;
  height: number;
  channels: 1 | 3;
  /** interleaved 8-bit pixels, row-major */
  pixels: Uint8Array;
}

/**
 * Tile N images [N, C, H, W] (C = 1 or 3) like torchvision.utils.make_grid: min(nrow, N) columns,
 * ceil(N / columns) rows, each cell H+padding by W+padding, `padding` more at the right/bottom edge.
 * A value v becomes floor(clamp(255 (v - lo) / (hi - lo) + 0.5, 0, 255)) as in save_image.
 */
export function makeImageGrid(data: ArrayLike<number>, shape: readonly number[], opts: GridOptions = {}): PixelGrid {
  if (shape.length !== 4) throw new Error(`makeImageGrid: expected [N, C, H, W], got [${shape}]`);
  const [n, c, h, w] = shape;
  if (c !== 1 && c !== 3) throw new Error(`makeImageGrid: C must be 1 or 3, got ${c}`);
  if (data.length !== n * c * h * w) throw new Error(`makeImageGrid: ${data.length} values for shape [${shape}]`);
  if (n < 1) throw new Error('makeImageGrid: no images');
  const nrow = opts.nrow ?? 8, padding = opts.padding ?? 2, padValue = opts.padValue ?? 0;
  const [lo, hi] = opts.range ?? [-1, 1];
  const xmaps = Math.min(nrow, n), ymaps = Math.ceil(n / xmaps);
  const cellH = h + padding, cellW = w + padding;
  const height = ymaps * cellH + padding, width = xmaps * cellW + padding;
  const toByte = (v: number) => Math.floor(Math.min(255, Math.max(0, v * 255 + 0.5)));
  const pixels = new Uint8Array(height * width * c).fill(toByte(padValue));
  const scale = 1 / (hi - lo);
  for (let k = 0; k < n; k++) {
    const gy = Math.floor(k / xmaps) * cellH + padding, gx = (k % xmaps) * cellW + padding;
    for (let ch = 0; ch < c; ch++) {
      const base = (k * c + ch) * h * w;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) pixels[((gy + y) * width + gx + x) * c + ch] = toByte((data[base + y * w + x] - lo) * scale);
      }
    }
  }
  return { width, height, channels: c as 1 | 3, pixels };
}

/** PNG bytes of an image grid (a Tensor is read back from its device). */
export async function encodeImageGrid(images: Tensor | { data: ArrayLike<number>; shape: readonly number[] }, opts: GridOptions = {}): Promise<Uint8Array> {
  const { data, shape } = images instanceof Tensor ? { data: await images.data(), shape: images.shape } : images;
  const g = makeImageGrid(data, shape, opts);
  return encodePng(g.pixels, g.width, g.height, g.channels);
}

/** Write images [N, C, H, W] in [-1, 1] as one PNG grid (torchvision's save_image). */
export async function saveImageGrid(path: PathLike, images: Tensor | { data: ArrayLike<number>; shape: readonly number[] }, opts: GridOptions = {}): Promise<void> {
  await writeFileAtomic(path, await encodeImageGrid(images, opts));
}
