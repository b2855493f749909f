import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdxError, decodeIdx, encodeIdx, loadIdxDataset, parseIdx, readIdx } from '../../src/data/index.ts';
import { gzip } from '../../src/io/index.ts';
import { FIXTURES, fixture, tempDir } from '../io/helpers.ts';

describe('IDX reader (fixtures written by Python struct)', () => {
  it.each([
    ['i8.idx', 'i8', [4], [-128, -1, 0, 127]],
    ['i16.idx', 'i16', [3], [-32768, 258, 32767]],
    ['i32.idx', 'i32', [2, 2], [-2147483648, 1, 65536, 2147483647]],
    ['f32.idx', 'f32', [3], [0.5, -1.25, Math.fround(3e38)]],
    ['f64.idx', 'f64', [2], [1 / 3, -1e300]],
    ['u8_2x3x4.idx', 'u8', [2, 3, 4], Array.from({ length: 24 }, (_, i) => (i * 37) % 256)],
    ['u8_2x3x4.idx.gz', 'u8', [2, 3, 4], Array.from({ length: 24 }, (_, i) => (i * 37) % 256)],
  ] as const)('%s', async (file, type, dims, values) => {
    const a = await readIdx(join(FIXTURES, file));
    expect(a.type).toBe(type);
    expect(a.dims).toEqual(dims);
    expect(Array.from(a.data)).toEqual(values);
    // our encoder writes the same bytes as Python's
    if (!file.endsWith('.gz')) expect(encodeIdx(a)).toEqual(await fixture(file));
  });

  const u8 = () => encodeIdx({ type: 'u8', dims: [2, 3], data: new Uint8Array(6) });
  const cases: [string, () => Uint8Array, { expectDims?: number }, RegExp][] = [
    ['too short for the magic', () => new Uint8Array([0, 0, 8]), {}, /truncated: 3 bytes, too short for the 4-byte magic/],
    ['nonzero leading bytes', () => { const b = u8(); b[0] = 0x1a; return b; }, {}, /bad magic number 0x1a000802/],
    ['unknown element type', () => { const b = u8(); b[2] = 0x07; return b; }, {}, /bad magic number: unknown element type 0x07/],
    ['zero dims', () => new Uint8Array([0, 0, 8, 0]), {}, /wrong number of dimensions: 0/],
    ['wrong dims count', () => u8(), { expectDims: 3 }, /wrong number of dimensions: expected 3, got 2/],
    ['truncated header', () => u8().subarray(0, 9), {}, /truncated: 9 bytes, the header of 2 dims needs 12/],
    ['truncated data', () => u8().subarray(0, 17), {}, /truncated: dims \[2,3\] need 18 bytes, file has 17/],
    ['trailing bytes', () => new Uint8Array([...u8(), 1, 2]), {}, /2 unexpected trailing bytes/],
  ];
  it.each(cases)('corrupt: %s', (_n, make, opts, message) => {
    expect(() => parseIdx(make(), { ...opts, name: 'f' })).toThrow(IdxError);
    expect(() => parseIdx(make(), { ...opts, name: 'f' })).toThrow(message);
  });

  it('corrupt: truncated gzip stream', async () => {
    const gz = await fixture('u8_2x3x4.idx.gz');
    await expect(decodeIdx(gz.subarray(0, gz.length - 10), { name: 'x.gz' })).rejects.toThrow(/IDX x\.gz: corrupt or truncated gzip stream/);
  });
});

describe('loadIdxDataset', () => {
  async function makeDir(opts: { n?: number; labels?: number; names?: [string, string]; gz?: boolean } = {}) {
    const dir = await tempDir('webgan-idx-');
    const n = opts.n ?? 3;
    const px = Uint8Array.from({ length: n * 2 * 3 }, (_, i) => (i * 51) % 256);
    let img = encodeIdx({ type: 'u8', dims: [n, 2, 3], data: px });
    let lbl = encodeIdx({ type: 'u8', dims: [opts.labels ?? n], data: Uint8Array.from({ length: opts.labels ?? n }, (_, i) => i % 10) });
    if (opts.gz) [img, lbl] = [await gzip(img), await gzip(lbl)];
    const [a, b] = opts.names ?? ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'];
    const sfx = opts.gz ? '.gz' : '';
    await writeFile(join(dir, a + sfx), img);
    await writeFile(join(dir, b + sfx), lbl);
    return { dir, px };
  }

  it('scales u8 to [-1, 1] as [N, 1, H, W] with int32 labels (plain and gz)', async () => {
    for (const gz of [false, true]) {
      const { dir, px } = await makeDir({ gz });
      const ds = await loadIdxDataset(dir, { split: 'train' });
      expect(ds.shape).toEqual([3, 1, 2, 3]);
      expect(ds.labels).toEqual(new Int32Array([0, 1, 2]));
      expect(Array.from(ds.images)).toEqual(Array.from(px, (v) => Math.fround(v / 127.5 - 1)));
    }
  });

  it('finds t10k files for the test split, the dotted spelling, and prefixes', async () => {
    const { dir } = await makeDir({ names: ['t10k-images.idx3-ubyte', 't10k-labels.idx1-ubyte'] });
    expect((await loadIdxDataset(dir, { split: 'test' })).shape[0]).toBe(3);
    const e = await makeDir({ names: ['emnist-letters-test-images-idx3-ubyte', 'emnist-letters-test-labels-idx1-ubyte'] });
    const ds = await loadIdxDataset(e.dir, { split: 'test', prefix: 'emnist-letters-', transpose: true });
    expect(ds.shape).toEqual([3, 1, 3, 2]);
    // transposed: out[j][i] = in[i][j]
    expect(ds.images[1 * 2 + 0]).toBeCloseTo(((1 * 51) % 256) / 127.5 - 1, 6);
  });

  it('limit, count mismatch, missing files', async () => {
    const { dir } = await makeDir();
    expect((await loadIdxDataset(dir, { limit: 2 })).shape).toEqual([2, 1, 2, 3]);
    const bad = await makeDir({ labels: 2 });
    await expect(loadIdxDataset(bad.dir)).rejects.toThrow(/3 images but 2 labels/);
    await expect(loadIdxDataset(dir, { split: 'test' })).rejects.toThrow(/none of t10k-images-idx3-ubyte, t10k-images-idx3-ubyte\.gz, t10k-images\.idx3-ubyte/);
    const swapped = await tempDir();
    await copyFile(join(FIXTURES, 'i8.idx'), join(swapped, 'train-images-idx3-ubyte'));
    await copyFile(join(FIXTURES, 'i8.idx'), join(swapped, 'train-labels-idx1-ubyte'));
    await expect(loadIdxDataset(swapped)).rejects.toThrow(/wrong number of dimensions: expected 3, got 1/);
  });
});
