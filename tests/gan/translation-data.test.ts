import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { CpuBackend, setBackend } from '../../src/index.ts';
import { loadFashionMnist } from '../../src/data/fashion.ts';
import { cropFlipAt, streamPermutation } from '../../src/data/augment.ts';
import { loadClassifier } from '../../src/gan/classifier.ts';
import { padTo32 } from '../../src/gan/data.ts';
import { ConfigError } from '../../src/gan/config.ts';
import {
  edgeMap, edgeMapsOf, fashionClass, makeTranslationSource, parseTranslationSpec, type TranslationOptions, type TranslationSource,
} from '../../src/gan/translation/data.ts';
import {
  classPreservation, l1PerImage, psnrFromMse, ssimPerImage, targetClassShare, translationScores,
} from '../../src/gan/translation/metrics.ts';
import { encodePng } from '../../src/io/png.ts';
import { testBackends } from '../helpers/backends.ts';
import { tempDir } from '../io/helpers.ts';

interface Case { shape: number[]; x: number[]; y: number[]; l1: number[]; mse: number[]; psnr: number[]; ssim: number[] }
const fx = JSON.parse(readFileSync(new URL('../fixtures/translation-metrics/metrics.json', import.meta.url), 'utf8')) as Record<string, Case>;
const backends = await testBackends();
afterAll(() => setBackend(new CpuBackend()));
/** the tests that are not run per backend run on the fast CPU backend */
const onCpu = () => beforeEach(() => setBackend(new CpuBackend()));

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe.each(backends)('translation metrics on $name', ({ name, make }) => {
  it.each(Object.keys(fx))('%s: per-image L1, PSNR, SSIM match the numpy reference (float32)', async (key) => {
    setBackend(await make());
    const c = fx[key];
    const s = await translationScores(wg.tensor(Float32Array.from(c.x), c.shape), wg.tensor(Float32Array.from(c.y), c.shape));
    expect(s.n).toBe(c.shape[0]);
    expect(maxDiff(s.perImage.l1, c.l1)).toBeLessThan(2e-6);
    expect(maxDiff(s.perImage.psnr, c.psnr)).toBeLessThan(1e-4);
    expect(maxDiff(s.perImage.ssim, c.ssim)).toBeLessThan(2e-5);
    const mean = (a: number[]) => a.reduce((p, v) => p + v, 0) / a.length;
    expect(s.l1).toBeCloseTo(mean(c.l1), 5);
    expect(s.psnr).toBeCloseTo(mean(c.psnr), 3);
    expect(s.ssim).toBeCloseTo(mean(c.ssim), 4);
  });

  it.runIf(name !== 'webgpu')('float64 inputs agree with the reference to 1e-10', async () => {
    setBackend(await make());
    for (const c of Object.values(fx)) {
      const x = wg.tensor(Float64Array.from(c.x, Math.fround), c.shape, { dtype: 'float64' }), y = wg.tensor(Float64Array.from(c.y, Math.fround), c.shape, { dtype: 'float64' });
      expect(maxDiff(await ssimPerImage(x, y).data(), c.ssim)).toBeLessThan(1e-10);
      expect(maxDiff(await l1PerImage(x, y).data(), c.l1)).toBeLessThan(1e-12);
      const s = await translationScores({ data: (await x.data()) as Float64Array, shape: c.shape }, { data: (await y.data()) as Float64Array, shape: c.shape }, { batch: 1 });
      expect(maxDiff(s.perImage.psnr, c.psnr)).toBeLessThan(1e-9);
    }
  });

  it('identical images: L1 0, PSNR +Infinity (per image and mean), SSIM 1', async () => {
    setBackend(await make());
    const c = fx.rgb32;
    const x = wg.tensor(Float32Array.from(c.x), c.shape);
    const s = await translationScores(x, x);
    expect(Array.from(s.perImage.l1)).toEqual([0, 0, 0]);
    expect(Array.from(s.perImage.psnr)).toEqual([Infinity, Infinity, Infinity]);
    expect(s.psnr).toBe(Infinity);
    for (const v of s.perImage.ssim) expect(v).toBeCloseTo(1, 6);
    // one identical image among others: its PSNR alone is infinite, the mean is too
    const y = wg.concat([wg.narrow(x, 0, 0, 1), wg.tensor(Float32Array.from(c.y), c.shape).narrow(0, 1, 2)], 0);
    const t = await translationScores(x, y);
    expect(t.perImage.psnr[0]).toBe(Infinity);
    expect(t.perImage.psnr[1]).toBeCloseTo(c.psnr[1], 3);
    expect(t.psnr).toBe(Infinity);
  });

  it('host data in batches gives the tensor result', async () => {
    setBackend(await make());
    const c = fx.fashion;
    const x = Float32Array.from(c.x), y = Float32Array.from(c.y);
    const whole = await translationScores(wg.tensor(x, c.shape), wg.tensor(y, c.shape));
    const batched = await translationScores({ data: x, shape: c.shape }, { data: y, shape: c.shape }, { batch: 3 });
    expect(Array.from(batched.perImage.ssim)).toEqual(Array.from(whole.perImage.ssim));
    expect(Array.from(batched.perImage.l1)).toEqual(Array.from(whole.perImage.l1));
  });

  it('edge maps are deterministic, in {−1, 1}, and agree with the reference backend', async () => {
    setBackend(await make());
    const ds = await loadFashionMnist({ split: 'test', limit: 64 });
    const e1 = await edgeMapsOf(ds.images, 64, 28, 28, 40), e2 = await edgeMapsOf(ds.images, 64, 28, 28, 64);
    expect(e1).toEqual(e2);
    expect(new Set(e1)).toEqual(new Set([-1, 1]));
    setBackend(new wg.RefBackend());
    const ref = await edgeMapsOf(ds.images, 64, 28, 28);
    const differ = e1.filter((v, i) => v !== ref[i]).length;
    expect(differ).toBeLessThanOrEqual(e1.length * 1e-3);
  });
});

describe('translation metrics: checks and classifier helpers', () => {
  onCpu();
  it('PSNR from MSE; shape and size errors', () => {
    expect(psnrFromMse(0.01)).toBeCloseTo(20, 12);
    expect(psnrFromMse(0)).toBe(Infinity);
    const a = wg.zeros([1, 1, 10, 12]), b = wg.zeros([1, 1, 12, 12]);
    expect(() => ssimPerImage(a, a)).toThrow(/10×12 are smaller than the 11×11 window/);
    expect(() => l1PerImage(a, b)).toThrow(/one shape/);
  });

  it('class preservation: the shipped classifier on real test photos, 28×28 and padded 32×32; targetClassShare', async () => {
    const clf = await loadClassifier();
    const ds = await loadFashionMnist({ split: 'test', limit: 200 });
    const r = await classPreservation(clf, ds.images, ds.labels!);
    expect(r.accuracy).toBeGreaterThan(0.8);
    expect(r.predicted.length).toBe(200);
    const p32 = await classPreservation(clf, padTo32(ds).images, ds.labels!);
    expect(p32.accuracy).toBe(r.accuracy);
    expect(Array.from(p32.predicted)).toEqual(Array.from(r.predicted));
    // labelled with the wrong class (the next one), preservation collapses
    const wrong = await classPreservation(clf, ds.images, Int32Array.from(ds.labels!, (l) => (l + 1) % 10));
    expect(wrong.accuracy).toBeLessThan(0.2);
    const share = targetClassShare(r.probs, 9);
    expect(share).toBeCloseTo(Array.from(r.predicted).filter((k) => k === 9).length / 200, 12);
    expect(share).toBeGreaterThan(0);
    expect(targetClassShare([0.1, 0.9, 0, 0.6, 0.3, 0.1, 0.2, 0.5, 0.3], 1, 3)).toBeCloseTo(2 / 3, 12);
    expect(() => targetClassShare([0.5, 0.5], 3, 2)).toThrow(/targetClass/);
    await expect(classPreservation(clf, new Float32Array(10 * 100), new Int32Array(10))).rejects.toThrow(/28×28 or 32×32/);
  });
});

describe('translation data: --data specs', () => {
  onCpu();
  it('class names: case, spaces, hyphens, slashes, plurals, indices', () => {
    for (const [n, k] of [['t-shirt', 0], ['tshirt', 0], ['T-shirt/top', 0], ['top', 0], ['ankle-boot', 9], ['Ankle boot', 9], ['ankle_boot', 9], ['sneakers', 7], ['7', 7], ['0', 0], ['bag', 8]] as const) {
      expect(fashionClass(n), n).toBe(k);
    }
    expect(fashionClass('10')).toBeNull();
    expect(fashionClass('hat')).toBeNull();
    expect(parseTranslationSpec('edges2fashion')).toEqual({ kind: 'edges2fashion' });
    expect(parseTranslationSpec('fashion-mnist:sneaker/ankle-boot')).toEqual({ kind: 'classes', a: 7, b: 9 });
    expect(parseTranslationSpec('fashion-mnist:t-shirt/top/trouser')).toEqual({ kind: 'classes', a: 0, b: 1 });
    expect(parseTranslationSpec('fashion-mnist:7/9')).toEqual({ kind: 'classes', a: 7, b: 9 });
    expect(parseTranslationSpec('data/h2z/trainA/, data/h2z/trainB')).toEqual({ kind: 'folders', a: 'data/h2z/trainA', b: 'data/h2z/trainB' });
  });

  it('bad specs: one ConfigError line naming --data and the accepted forms', () => {
    const bad = (s: string, re: RegExp) => {
      let err: unknown;
      try { parseTranslationSpec(s); } catch (e) { err = e; }
      expect(err, s).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/^--data '/);
      expect((err as Error).message).not.toContain('\n');
      expect((err as Error).message).toMatch(re);
    };
    bad('mnist', /accepted forms are edges2fashion .*fashion-mnist:CLASS_A\/CLASS_B.*DIR_A,DIR_B/);
    bad('a,b,c', /accepted forms/);
    bad('fashion-mnist', /name two classes .*fashion-mnist:sneaker\/ankle-boot/);
    bad('fashion-mnist:hat/sneaker', /two classes by name \(tshirt, trouser, pullover, dress, coat, sandal, shirt, sneaker, bag, ankleboot\) or index 0-9/);
    bad('fashion-mnist:sneaker', /CLASS_A\/CLASS_B/);
    bad('fashion-mnist:bag/bags', /both domains are class 8 \(Bag\)/);
  });

  it('option errors', async () => {
    const base: TranslationOptions = { paired: false, seed: 0, batch: 4, limit: 8, testLimit: 4 };
    await expect(makeTranslationSource('fashion-mnist:sneaker/bag', { ...base, paired: true })).rejects.toThrow(/unpaired \(CycleGAN\).*needs edges2fashion/);
    await expect(makeTranslationSource('edges2fashion', { ...base, size: 64 })).rejects.toThrow(/28×28 \(size 28\) or padded to 32×32 \(size 32\), not size 64/);
    await expect(makeTranslationSource('edges2fashion', { ...base, channels: 3 })).rejects.toThrow(/grayscale: channels must be 1/);
    await expect(makeTranslationSource('edges2fashion', { ...base, crop: 24 })).rejects.toThrow(/crop, load\) is for folders/);
    await expect(makeTranslationSource('edges2fashion', { ...base, seed: -1 })).rejects.toThrow(/seed must be a non-negative safe integer/);
    await expect(makeTranslationSource('edges2fashion', { ...base, batch: 0 })).rejects.toThrow(/batch must be a positive integer/);
    await expect(makeTranslationSource('edges2fashion', { ...base, batch: 9 })).rejects.toThrow(/^--data 'edges2fashion': batch 9 is larger than domain 'edges' \(8 training images\)$/);
  });
});

async function rows(t: wg.Tensor): Promise<Float32Array[]> {
  const d = (await t.data()) as Float32Array, per = d.length / t.shape[0];
  t.dispose();
  return Array.from({ length: t.shape[0] }, (_, i) => d.slice(i * per, (i + 1) * per));
}
const key = (r: Float32Array) => Array.from(r).join();
async function draw(src: TranslationSource, batches: number): Promise<string[][]> {
  const out: string[][] = [];
  for (let i = 0; i < batches; i++) {
    const { a, b } = src.next();
    out.push([...(await rows(a)).map(key), '|', ...(await rows(b)).map(key)]);
  }
  return out;
}

describe('translation data: Fashion-MNIST', () => {
  onCpu();
  it('edge maps: a white square on black gives a closed one-pixel dark outline on white', async () => {
    const sq = new Float32Array(784).fill(-1);
    for (let r = 8; r < 20; r++) for (let c = 8; c < 20; c++) sq[r * 28 + c] = 1;
    const e = await edgeMap(wg.tensor(sq, [1, 1, 28, 28])).data();
    const edge = (r: number, c: number) => e[r * 28 + c] === -1;
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        // every line pixel lies on the square's boundary (within one pixel of it)
        const d = Math.max(Math.max(8 - r, r - 19, 0), Math.max(8 - c, c - 19, 0));
        const inside = r >= 9 && r <= 18 && c >= 9 && c <= 18;
        if (edge(r, c)) expect(d <= 1 && !inside, `(${r}, ${c})`).toBe(true);
      }
    }
    // one pixel wide: each row and column through the square's middle crosses the outline exactly twice
    for (let k = 10; k <= 17; k++) {
      expect(Array.from({ length: 28 }, (_, c) => edge(k, c)).filter(Boolean).length).toBe(2);
      expect(Array.from({ length: 28 }, (_, r) => edge(r, k)).filter(Boolean).length).toBe(2);
    }
    // the absolute floor of the threshold: a square 0.025 brighter than the background (in [0, 1]) gives
    // m = 3 · 0.025 < 0.1 and no line, however faint relative to the maximum; 0.05 brighter gives the outline
    const faint = (v: number) => wg.tensor(Float32Array.from(sq, (p) => (p > 0 ? v : -1)), [1, 1, 28, 28]);
    expect(new Set(await edgeMap(faint(-0.95)).data())).toEqual(new Set([1]));
    expect(await edgeMap(faint(-0.9)).data()).toEqual(e);
    expect(new Set(await edgeMap(wg.full([1, 1, 28, 28], -1)).data())).toEqual(new Set([1]));
    expect(() => edgeMap(wg.zeros([1, 3, 28, 28]))).toThrow(/grayscale/);
  });

  it('edges2fashion paired: rows are (sketch of photo i, photo i); size 32 pads photos with −1 and sketches with +1', async () => {
    const src = await makeTranslationSource('edges2fashion', { paired: true, seed: 3, batch: 5, limit: 30, testLimit: 12 });
    expect(src.paired).toBe(true);
    expect(src.sampleShape).toEqual([1, 28, 28]);
    expect(src.domains.a.shape).toEqual([30, 1, 28, 28]);
    const train = await loadFashionMnist({ split: 'train', limit: 30 });
    expect(src.domains.b.images).toEqual(train.images);
    for (let i = 0; i < 3; i++) {
      const { a, b } = src.next();
      expect(a.shape).toEqual([5, 1, 28, 28]);
      expect(await a.data()).toEqual(await edgeMap(b).data());
      const photos = (await rows(b)).map(key), all = (await rows(wg.tensor(train.images, train.shape))).map(key);
      expect(photos.every((p) => all.includes(p))).toBe(true);
      a.dispose();
    }
    const t = src.test!;
    expect(t.paired).toBe(true);
    expect(t.n).toBe(12);
    expect(t.shape).toEqual([12, 1, 28, 28]);
    const test = await loadFashionMnist({ split: 'test', limit: 12 });
    expect(t.b).toEqual(test.images);
    expect(t.a).toEqual(await edgeMapsOf(test.images, 12, 28, 28));
    expect(Array.from(t.labelsA!)).toEqual(Array.from(test.labels!));

    const s32 = await makeTranslationSource('edges2fashion', { paired: true, seed: 3, batch: 5, limit: 30, testLimit: 12, size: 32 });
    expect(s32.sampleShape).toEqual([1, 32, 32]);
    expect(s32.test!.shape).toEqual([12, 1, 32, 32]);
    const { a, b } = s32.next();
    const [ea, pb] = [await a.data(), await b.data()];
    for (let k = 0; k < 5; k++) {
      for (let p = 0; p < 1024; p++) {
        const r = Math.floor(p / 32), c = p % 32;
        if (r < 2 || r >= 30 || c < 2 || c >= 30) {
          expect(ea[k * 1024 + p]).toBe(1);
          expect(pb[k * 1024 + p]).toBe(-1);
        }
      }
    }
    expect(s32.test!.a[0]).toBe(1);
    expect(s32.test!.b[0]).toBe(-1);
  });

  it('edges2fashion unpaired: A = sketches of the first half, B = photos of the second half', async () => {
    const src = await makeTranslationSource('edges2fashion', { paired: false, seed: 1, batch: 4, limit: 20, testLimit: 6 });
    const train = await loadFashionMnist({ split: 'train', limit: 40 });
    expect(src.domains.a.shape[0]).toBe(20);
    expect(src.domains.b.shape[0]).toBe(20);
    expect(src.domains.a.images).toEqual(await edgeMapsOf(train.images.subarray(0, 20 * 784), 20, 28, 28));
    expect(src.domains.b.images).toEqual(train.images.subarray(20 * 784, 40 * 784));
    expect(Array.from(src.domains.a.labels!)).toEqual(Array.from(train.labels!.subarray(0, 20)));
    // a batch's sketches are of the first half, its photos of the second half
    const firstHalf = (await rows(wg.tensor(src.domains.a.images, src.domains.a.shape))).map(key);
    const secondHalf = (await rows(wg.tensor(src.domains.b.images, src.domains.b.shape))).map(key);
    const { a, b } = src.next();
    for (const r of await rows(a)) expect(firstHalf).toContain(key(r));
    for (const r of await rows(b)) expect(secondHalf).toContain(key(r));
    // the test split keeps its pairs
    expect(src.test!.paired).toBe(true);
    expect(src.test!.a).toEqual(await edgeMapsOf(src.test!.b, 6, 28, 28));
    expect(src.state().b).not.toBeNull();
  });

  it('class ↔ class: only the two classes, in train and test, labelled', async () => {
    const src = await makeTranslationSource('fashion-mnist:sneaker/ankle-boot', { paired: false, seed: 0, batch: 8 });
    const train = await loadFashionMnist({ split: 'train' });
    const count = (k: number) => train.labels!.filter((l) => l === k).length;
    expect(src.domains.a.shape[0]).toBe(count(7));
    expect(src.domains.b.shape[0]).toBe(count(9));
    expect(new Set(src.domains.a.labels)).toEqual(new Set([7]));
    expect(new Set(src.domains.b.labels)).toEqual(new Set([9]));
    expect(src.domains.a.name).toBe('Sneaker');
    const t = src.test!;
    expect(t.n).toBe(1000);
    expect(new Set(t.labelsA)).toEqual(new Set([7]));
    expect(new Set(t.labelsB)).toEqual(new Set([9]));
    // every training image of A is a train image labelled 7, in order
    const idx7 = [...train.labels!.keys()].filter((i) => train.labels![i] === 7);
    expect(src.domains.a.images.subarray(0, 784)).toEqual(train.images.subarray(idx7[0] * 784, idx7[0] * 784 + 784));
    expect(src.domains.a.images.subarray(784 * 5, 784 * 6)).toEqual(train.images.subarray(idx7[5] * 784, idx7[5] * 784 + 784));
    const limited = await makeTranslationSource('fashion-mnist:0/1', { paired: false, seed: 0, batch: 8, limit: 50, testLimit: 30, size: 32 });
    expect(limited.domains.a.shape).toEqual([50, 1, 32, 32]);
    expect(limited.test!.shape).toEqual([30, 1, 32, 32]);
    expect(new Set(limited.test!.labelsB)).toEqual(new Set([1]));
  });

  it('determinism and exact resume: state → JSON → setState gives the same next batches, across epochs', async () => {
    const opts: TranslationOptions = { paired: false, seed: 7, batch: 6, limit: 16, testLimit: 2 };
    const s1 = await makeTranslationSource('edges2fashion', opts);
    const s2 = await makeTranslationSource('edges2fashion', opts);
    expect(await draw(s1, 3)).toEqual(await draw(s2, 3));
    const saved = JSON.parse(JSON.stringify(s1.state()));
    const after = await draw(s1, 5); // 16 images, batches of 6: crosses two epoch ends
    const s3 = await makeTranslationSource('edges2fashion', opts);
    s3.setState(saved);
    expect(await draw(s3, 5)).toEqual(after);
    const other = await makeTranslationSource('edges2fashion', { ...opts, seed: 8 });
    expect(await draw(other, 3)).not.toEqual(await draw(s2, 3));
    expect(() => s3.setState({ a: { epoch: 0, position: 0 }, b: null })).toThrow(/unpaired source cannot take/);
    expect(() => s3.setState({ a: { epoch: 0, position: 99 }, b: { epoch: 0, position: 0 } })).toThrow(/invalid stream state/);
    expect(() => s3.next(17)).toThrow(/larger than domain A \(16 images\)/);
  });
});

/** Image k of a folder, 3×size×size: red = 10·k everywhere, green = 12·x, blue = 12·y (so a crop tells its image, offset and flip). */
async function writeImages(dir: string, names: string[], size: number, first = 0) {
  await mkdir(dir, { recursive: true });
  for (const [j, name] of names.entries()) {
    const px = new Uint8Array(size * size * 3);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) px.set([10 * (first + j), 12 * x, 12 * y], 3 * (y * size + x));
    await writeFile(join(dir, name), await encodePng(px, size, size, 3));
  }
}
const byte = (v: number) => Math.round((v + 1) * 127.5);
/** Image id, crop offset and flip of one [3,c,c] crop of writeImages' images. */
function decodeCrop(r: Float32Array, c: number): { k: number; y: number; x: number; flip: boolean } {
  const g0 = byte(r[c * c]), g1 = byte(r[c * c + 1]);
  const flip = g1 < g0;
  return { k: byte(r[0]) / 10, y: byte(r[2 * c * c]) / 12, x: (flip ? byte(r[c * c + c - 1]) : g0) / 12, flip };
}

describe('translation data: folders of PNGs', () => {
  onCpu();
  it('random crops and flips at load = round(crop·286/256), paired by name, resumable; the test split centre-cropped', async () => {
    const root = await tempDir('webgan-translation-');
    const names = Array.from({ length: 10 }, (_, i) => `img${i}.png`);
    // crop 16 → load round(16·286/256) = 18: written at 18×18, so no resize blurs the code
    await writeImages(join(root, 'trainA'), names, 18);
    await writeImages(join(root, 'trainB'), names, 18, 12);
    await writeImages(join(root, 'testA'), names.slice(0, 3), 18);
    await writeImages(join(root, 'testB'), names.slice(0, 4), 18, 12);
    const spec = `${root}/trainA,${root}/trainB`;
    const opts: TranslationOptions = { paired: false, seed: 5, batch: 4, crop: 16 };
    const src = await makeTranslationSource(spec, opts);
    expect(src.sampleShape).toEqual([3, 16, 16]);
    expect(src.domains.a.shape).toEqual([10, 3, 18, 18]);
    const seen = { a: [] as number[], b: [] as number[], offsets: new Set<string>(), flips: new Set<boolean>() };
    for (let i = 0; i < 2; i++) {
      const { a, b } = src.next(5); // two batches of 5 = one epoch of each domain
      expect(a.shape).toEqual([5, 3, 16, 16]);
      for (const [t, d] of [[a, 'a'], [b, 'b']] as const) {
        for (const r of await rows(t)) {
          const q = decodeCrop(r, 16);
          expect(q.y).toBeGreaterThanOrEqual(0);
          expect(q.y).toBeLessThanOrEqual(2);
          expect(q.x).toBeLessThanOrEqual(2);
          // the whole crop is the window (y, x) of image k, mirrored when flipped
          for (let p = 0; p < 256; p++) {
            const yy = Math.floor(p / 16), xx = p % 16;
            expect(byte(r[256 + p])).toBe(12 * (q.x + (q.flip ? 15 - xx : xx)));
            expect(byte(r[512 + p])).toBe(12 * (q.y + yy));
          }
          seen[d].push(q.k);
          seen.offsets.add(`${q.y},${q.x}`);
          seen.flips.add(q.flip);
        }
      }
    }
    // each epoch visits every image once; A and B are shuffled independently
    expect([...seen.a].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...seen.b].sort((p, q) => p - q)).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
    expect(seen.b.map((k) => k - 12)).not.toEqual(seen.a);
    expect(seen.offsets.size).toBeGreaterThan(3);
    expect(seen.flips).toEqual(new Set([true, false]));
    // resume mid-run
    const saved = JSON.parse(JSON.stringify(src.state()));
    const after = await draw(src, 4);
    const again = await makeTranslationSource(spec, opts);
    again.setState(saved);
    expect(await draw(again, 4)).toEqual(after);
    // the crop of slot p is the documented Philox draw
    const fresh = await makeTranslationSource(spec, opts);
    const first = decodeCrop((await rows(fresh.next(1).a))[0], 16);
    const at = cropFlipAt(5, 0, 0, 0, 18, 18, 16);
    expect(first).toEqual({ k: streamPermutation(10, 5, 0, 0)[0], y: at.y, x: at.x, flip: at.flip });
    // test split: the CycleGAN siblings, centre crop (1, 1), unpaired counts cut to the smaller
    expect(src.test!.shape).toEqual([3, 3, 16, 16]);
    const t0 = decodeCrop(src.test!.a.slice(0, 768), 16);
    expect(t0).toEqual({ k: 0, y: 1, x: 1, flip: false });
    expect(decodeCrop(src.test!.b.slice(768 * 2, 768 * 3), 16).k).toBe(14);
    // no flips when asked; one channel (luma)
    const noflip = await makeTranslationSource(spec, { ...opts, flip: false, channels: 1 });
    expect(noflip.sampleShape).toEqual([1, 16, 16]);
    for (let i = 0; i < 3; i++) {
      const { a } = noflip.next();
      for (const r of await rows(a)) expect(r[1]).toBeGreaterThan(r[0]); // the green gradient still rises left → right
    }
    // paired: same names → row i of a and b are the same name, with the same crop and flip
    const paired = await makeTranslationSource(spec, { ...opts, paired: true });
    expect(paired.test!.paired).toBe(false); // 3 vs 4 test files
    for (let i = 0; i < 3; i++) {
      const { a, b } = paired.next();
      const [ra, rb] = [await rows(a), await rows(b)];
      ra.forEach((r, j) => {
        const qa = decodeCrop(r, 16), qb = decodeCrop(rb[j], 16);
        expect({ ...qb, k: qb.k - 12 }).toEqual(qa);
      });
    }
  });

  it('load size from crop or size; resize from other sizes; folder errors', async () => {
    const root = await tempDir('webgan-translation-');
    await writeImages(join(root, 'A'), ['x.png', 'y.png'], 40);
    await writeImages(join(root, 'B'), ['x.png', 'z.png'], 20);
    const spec = `${root}/A,${root}/B`;
    const s = await makeTranslationSource(spec, { paired: false, seed: 0, batch: 2, size: 32 });
    expect(s.domains.a.shape).toEqual([2, 3, 36, 36]); // round(32·286/256) = 36
    expect(s.domains.b.shape).toEqual([2, 3, 36, 36]);
    expect(s.sampleShape).toEqual([3, 32, 32]);
    expect(s.test).toBeNull(); // no trainA/testA layout
    const d = await makeTranslationSource(spec, { paired: false, seed: 0, batch: 2 });
    expect(d.sampleShape).toEqual([3, 64, 64]);
    expect(d.domains.a.shape[2]).toBe(72);
    const e = (p: Promise<unknown>, re: RegExp) => expect(p).rejects.toThrow(re);
    await e(makeTranslationSource(`${root}/A,${root}/nope`, { paired: false, seed: 0, batch: 2 }), /^--data '.*': folder '.*\/nope' does not exist$/);
    await mkdir(join(root, 'empty'));
    await writeFile(join(root, 'empty', 'notes.txt'), 'no images');
    await e(makeTranslationSource(`${root}/empty,${root}/B`, { paired: false, seed: 0, batch: 2 }), /no PNG images in folder '.*\/empty'/);
    await e(makeTranslationSource(spec, { paired: true, seed: 0, batch: 2 }), /pairs files by name, but the folders differ \('y\.png' is in one only\)/);
    await e(makeTranslationSource(spec, { paired: false, seed: 0, batch: 2, channels: 2 }), /channels must be 1 or 3/);
    await e(makeTranslationSource(spec, { paired: false, seed: 0, batch: 2, crop: 16, size: 32 }), /crop 16 and size 32 disagree/);
    await e(makeTranslationSource(spec, { paired: false, seed: 0, batch: 2, crop: 16, load: 8 }), /load size 8 is smaller than the crop 16/);
    const err = await makeTranslationSource(`${root}/A,${root}/nope`, { paired: false, seed: 0, batch: 2 }).catch((x) => x);
    expect(err).toBeInstanceOf(ConfigError);
  });
});
