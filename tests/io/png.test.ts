import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePng } from '../../src/data/index.ts';
import { encodeImageGrid, encodePng, makeImageGrid, saveImageGrid } from '../../src/io/index.ts';
import { tensor } from '../../src/index.ts';
import { tempDir } from './helpers.ts';

describe('PNG image grids', () => {
  it('make_grid geometry: 5 images, nrow 3, padding 2 → 3×2 cells of 6×6 plus a 2-pixel border', () => {
    const g = makeImageGrid(new Float32Array(5 * 4 * 4), [5, 1, 4, 4], { nrow: 3, padding: 2 });
    expect([g.width, g.height, g.channels]).toEqual([3 * 6 + 2, 2 * 6 + 2, 1]);
    const g8 = makeImageGrid(new Float32Array(3 * 3 * 2 * 2), [3, 3, 2, 2]); // nrow 8 > N: one row of 3
    expect([g8.width, g8.height, g8.channels]).toEqual([3 * 4 + 2, 4 + 2, 3]);
  });

  it('maps [-1, 1] to bytes like save_image and places each image in its cell', () => {
    // image k has value v_k everywhere except pixel (0,0) = -1
    const vals = [1, 0, -1, 0.5];
    const data = new Float32Array(4 * 2 * 2);
    vals.forEach((v, k) => { data.fill(v, k * 4, k * 4 + 4); data[k * 4] = -1; });
    const g = makeImageGrid(data, [4, 1, 2, 2], { nrow: 2, padding: 1, padValue: 1 });
    expect([g.width, g.height]).toEqual([7, 7]);
    const px = (x: number, y: number) => g.pixels[y * g.width + x];
    // save_image: floor(clamp(255 (v + 1)/2 + 0.5))
    const byte = (v: number) => Math.floor(Math.min(255, 255 * ((v + 1) / 2) + 0.5));
    expect([byte(1), byte(0), byte(-1), byte(0.5)]).toEqual([255, 128, 0, 191]);
    expect(px(0, 0)).toBe(255); // padding
    expect(px(3, 3)).toBe(255);
    const cell = (k: number) => [1 + (k % 2) * 3, 1 + Math.floor(k / 2) * 3];
    vals.forEach((v, k) => {
      const [x, y] = cell(k);
      expect([px(x, y), px(x + 1, y), px(x, y + 1), px(x + 1, y + 1)]).toEqual([0, byte(v), byte(v), byte(v)]);
    });
    // out-of-range values clamp
    expect(makeImageGrid([5, -5], [2, 1, 1, 1], { padding: 0 }).pixels).toEqual(new Uint8Array([255, 0]));
  });

  it('encodes a PNG that pngjs decodes to the same pixels (gray and RGB)', async () => {
    const rgb = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 29) % 256);
    const dec = await decodePng(await encodePng(rgb, 5, 3, 3));
    expect([dec.width, dec.height]).toEqual([5, 3]);
    for (let i = 0; i < 15; i++) expect([dec.rgba[4 * i], dec.rgba[4 * i + 1], dec.rgba[4 * i + 2], dec.rgba[4 * i + 3]]).toEqual([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255]);
    const gray = Uint8Array.from({ length: 4 * 2 }, (_, i) => i * 30);
    const dg = await decodePng(await encodePng(gray, 4, 2, 1));
    for (let i = 0; i < 8; i++) expect(dg.rgba[4 * i]).toBe(gray[i]);
    await expect(encodePng(gray, 3, 2, 1)).rejects.toThrow(/8 bytes for 3x2x1/);
  });

  it('saveImageGrid writes a tensor grid to disk', async () => {
    const dir = await tempDir();
    const path = join(dir, 'grid.png');
    const x = tensor(Float32Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => (i % 3) - 1), [2, 3, 2, 2]);
    await saveImageGrid(path, x, { nrow: 2, padding: 2 });
    const file = new Uint8Array(await readFile(path));
    expect(Array.from(file.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const dec = await decodePng(file);
    expect([dec.width, dec.height]).toEqual([2 * 4 + 2, 4 + 2]);
    const g = makeImageGrid(await x.data(), x.shape, { nrow: 2, padding: 2 });
    for (let i = 0; i < dec.width * dec.height; i++) for (let c = 0; c < 3; c++) expect(dec.rgba[4 * i + c]).toBe(g.pixels[3 * i + c]);
    expect((await encodeImageGrid(x)).length).toBeGreaterThan(50);
  });
});
