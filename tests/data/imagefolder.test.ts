import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadImageFolder, resizePlane } from '../../src/data/index.ts';
import { encodePng } from '../../src/io/index.ts';
import { tempDir } from '../io/helpers.ts';

async function png(path: string, w: number, h: number, rgb: (x: number, y: number) => [number, number, number]) {
  const px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set(rgb(x, y), 3 * (y * w + x));
  await writeFile(path, await encodePng(px, w, h, 3));
}

describe('image folder loader', () => {
  it('class subfolders → sorted class names and labels; RGB and luma; [-1, 1]', async () => {
    const dir = await tempDir('webgan-imgs-');
    await mkdir(join(dir, 'dogs'));
    await mkdir(join(dir, 'cats', 'nested'), { recursive: true });
    await png(join(dir, 'dogs', 'a.png'), 2, 2, () => [255, 0, 0]);
    await png(join(dir, 'cats', 'b.png'), 2, 2, () => [0, 255, 0]);
    await png(join(dir, 'cats', 'nested', 'c.PNG'), 2, 2, (x) => (x ? [255, 255, 255] : [0, 0, 0]));
    await writeFile(join(dir, 'cats', 'notes.txt'), 'not an image');
    const rgb = await loadImageFolder(dir, { channels: 3 });
    expect(rgb.files).toEqual(['cats/b.png', 'cats/nested/c.PNG', 'dogs/a.png']);
    expect(rgb.classNames).toEqual(['cats', 'dogs']);
    expect(Array.from(rgb.labels!)).toEqual([0, 0, 1]);
    expect(rgb.shape).toEqual([3, 3, 2, 2]);
    expect(Array.from(rgb.images.subarray(0, 12))).toEqual([-1, -1, -1, -1, 1, 1, 1, 1, -1, -1, -1, -1]); // green, CHW
    expect(Array.from(rgb.images.subarray(12, 16))).toEqual([-1, 1, -1, 1]); // c.PNG red plane
    const gray = await loadImageFolder(dir, { channels: 1 });
    expect(gray.shape).toEqual([3, 1, 2, 2]);
    expect(gray.images[0]).toBeCloseTo((0.587 * 255) / 127.5 - 1, 5);
    expect(gray.images[8]).toBeCloseTo((0.299 * 255) / 127.5 - 1, 5);
  });

  it('flat folder → no labels; size mismatch needs {size}; resize', async () => {
    const dir = await tempDir('webgan-imgs-');
    await png(join(dir, '1.png'), 4, 4, (x, y) => [x * 60, y * 60, 0]);
    await png(join(dir, '2.png'), 2, 2, () => [255, 255, 255]);
    await expect(loadImageFolder(dir)).rejects.toThrow(/2\.png is 2x2, the first image is 4x4; pass \{size\}/);
    const ds = await loadImageFolder(dir, { size: 2, channels: 3, resize: 'bilinear' });
    expect(ds.labels).toBeUndefined();
    expect(ds.shape).toEqual([2, 3, 2, 2]);
    // bilinear 4→2 with half-pixel centres averages pixel pairs: x ∈ {0,1} → 30, x ∈ {2,3} → 150
    expect(Array.from(ds.images.subarray(0, 4)).map((v) => Math.round((v + 1) * 127.5))).toEqual([30, 150, 30, 150]);
    const up = await loadImageFolder(dir, { size: [8, 8], resize: 'nearest', limit: 1 });
    expect(up.shape).toEqual([1, 1, 8, 8]);
    await expect(loadImageFolder(await tempDir())).rejects.toThrow(/no \.png files/);
  });

  it('resizePlane matches torch interpolate (align_corners=False) on a known case', () => {
    // torch.nn.functional.interpolate(torch.tensor([[[[0., 1.], [2., 3.]]]]), size=(3, 3), mode='bilinear')
    const out = resizePlane(new Float32Array([0, 1, 2, 3]), 2, 2, 3, 3, 'bilinear');
    const want = [0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3];
    out.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
    expect(Array.from(resizePlane(new Float32Array([0, 1, 2, 3]), 2, 2, 4, 4, 'nearest'))).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]);
  });
});
