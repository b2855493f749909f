/**
 * Translation checkpoints in the lab's model view (src/lab/translator.ts), in Node on the CPU: an
 * uploaded PNG is translated with the numbers `webgan translate --input DIR` computes for the same
 * PNG in a folder (loadImageFolder + translateImages), and the PNG the CLI writes holds them; the
 * test grid of a Fashion-MNIST run is the grid `webgan train` writes (samples/step-N.png), built
 * here independently from the run's test split and translateImages. The page itself:
 * scripts/lab-test.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { decodePng, loadImageFolder } from '../../src/data/imagefolder.ts';
import { loadTranslator, TranslationTrainer } from '../../src/gan/translation/trainer.ts';
import { translateImages } from '../../src/gan/translation/translate.ts';
import { makeTranslationSource } from '../../src/gan/translation/data.ts';
import { encodePng, makeImageGrid } from '../../src/io/png.ts';
import { readCheckpoint, translationCheckpoint } from '../../src/lab/model.ts';
import { LabTranslator } from '../../src/lab/translator.ts';
import { cli } from '../helpers/cli.ts';

beforeAll(async () => { await wg.init({ backend: 'cpu' }); });


/** a 40 × 36 RGB PNG of smooth colours (luma and resizing both matter) */
async function testPng(): Promise<Uint8Array> {
  const w = 40, h = 36, px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set([(x * 6) % 256, (y * 7) % 256, ((x + y) * 3) % 256], 3 * (y * w + x));
  return encodePng(px, w, h, 3);
}

describe('lab translation', () => {
  for (const preset of ['pix2pix', 'cyclegan'] as const) {
    it(`${preset}: an uploaded PNG is translated as \`webgan translate --input DIR\` translates it`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'wg-lab-tr-'));
      const t = await TranslationTrainer.create({ preset, batch: 1, limit: 4, ngf: 4, ndf: 4, seed: 1, ...(preset === 'cyclegan' ? { blocks: 1 } : {}) });
      t.trainStep();
      const ckPath = join(dir, `${preset}.safetensors`);
      await t.saveCheckpoint(ckPath);
      t.dispose();
      const png = await testPng();
      mkdirSync(join(dir, 'in'));
      writeFileSync(join(dir, 'in', 'x.png'), png);

      const read = readCheckpoint(new Uint8Array(readFileSync(ckPath)), `${preset}.safetensors`);
      expect(read.kind).toBe('translate');
      const rng = wg.getRngState();
      const lab = LabTranslator.fromCheckpoint(translationCheckpoint(read.ck), `${preset}.safetensors`);
      expect(wg.getRngState()).toEqual(rng); // building the networks does not disturb a run beside it
      expect(lab.info).toMatchObject({ kind: 'translate', preset, step: 1, sampleShape: [1, 32, 32] });
      const img = await decodePng(png);
      const got = await lab.translate(img.rgba, img.width, img.height, 'a2b');

      // the CLI's path: loadTranslator, loadImageFolder (resized to the run's resolution), translateImages
      const { cfg, models } = await loadTranslator(ckPath);
      const ds = await loadImageFolder(join(dir, 'in'), { size: [cfg.resolution!, cfg.resolution!], channels: models.channelsA as 1 | 3, labels: false });
      const want = await translateImages(models, ds.images, ds.shape, 'a2b');
      expect(Array.from(got.input)).toEqual(Array.from(ds.images));
      expect(Array.from(got.output)).toEqual(Array.from(want.data));
      expect([got.channels, got.resolution]).toEqual([[1, 1], 32]);
      if (preset === 'cyclegan') {
        const back = await translateImages(models, want.data, want.shape, 'b2a');
        expect(Array.from(got.reconstruction!)).toEqual(Array.from(back.data));
        const b2a = await lab.translate(img.rgba, img.width, img.height, 'b2a');
        expect(Array.from(b2a.output)).toEqual(Array.from((await translateImages(models, ds.images, ds.shape, 'b2a')).data));
      } else {
        expect(got.reconstruction).toBeNull();
        await expect(lab.translate(img.rgba, img.width, img.height, 'b2a')).rejects.toThrow('direction b2a: pix2pix translates A → B only');
      }
      await expect(lab.translate(img.rgba, img.width + 1, img.height, 'a2b')).rejects.toThrow(`an image of 41 × 36 needs ${4 * 41 * 36} RGBA bytes`);

      // and the PNG `webgan translate` writes holds these numbers (to its 8 bits)
      const r = await cli('translate', '--ckpt', ckPath, '--input', join(dir, 'in'), '--out', join(dir, 'out'), '--backend', 'cpu');
      expect(r.code, r.err).toBe(0);
      const out = await decodePng(new Uint8Array(readFileSync(join(dir, 'out', 'x.png'))));
      let worst = 0;
      for (let i = 0; i < 32 * 32; i++) worst = Math.max(worst, Math.abs(out.rgba[4 * i] / 255 - (Math.min(Math.max(got.output[i], -1), 1) + 1) / 2));
      expect(worst).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
      for (const n of Object.values(models.nets)) n.dispose();
      lab.dispose();
    }, 180_000);
  }

  for (const [preset, data] of [['pix2pix', 'edges2fashion'], ['cyclegan', 'fashion-mnist:sneaker/ankle-boot']] as const) {
    it(`${preset} on ${data}: the test grid is the run's samples/step-N.png grid (the test split's first 8 images)`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'wg-lab-grid-'));
      const t = await TranslationTrainer.create({ preset, data, batch: 1, limit: 4, ngf: 4, ndf: 4, seed: 3, ...(preset === 'cyclegan' ? { blocks: 1 } : {}) });
      t.trainStep();
      const ckPath = join(dir, 'ck.safetensors');
      await t.saveCheckpoint(ckPath);
      const pngPath = await t.saveSamples(join(dir, 'grid'));
      t.dispose();
      const read = readCheckpoint(new Uint8Array(readFileSync(ckPath)), 'ck.safetensors');
      const lab = LabTranslator.fromCheckpoint(translationCheckpoint(read.ck), 'ck.safetensors');
      expect(lab.hasTestImages).toBe(true);
      const got = await lab.testGrid();
      const r = 32, px = r * r;
      expect(got.shape).toEqual([preset === 'cyclegan' ? 48 : 24, 1, r, r]);

      // independently: the run's test split (first 8 of each domain) and translateImages
      const { cfg, models } = await loadTranslator(ckPath);
      const src = await makeTranslationSource(cfg.data, { paired: preset === 'pix2pix', seed: cfg.seed, batch: 1, limit: 4, size: r, testLimit: 8 });
      const test = src.test!;
      const a = test.a.slice(0, 8 * px), b = test.b.slice(0, 8 * px);
      const tr = async (x: Float32Array, d: 'a2b' | 'b2a') => (await translateImages(models, x, [8, 1, r, r], d)).data;
      const rows = preset === 'pix2pix'
        ? [a, await tr(a, 'a2b'), b]
        : await (async () => { const fb = await tr(a, 'a2b'), fa = await tr(b, 'b2a'); return [a, fb, await tr(fb, 'b2a'), b, fa, await tr(fa, 'a2b')]; })();
      const want = new Float32Array(rows.length * 8 * px);
      rows.forEach((x, i) => want.set(x, i * 8 * px));
      expect(Array.from(got.data)).toEqual(Array.from(want));

      // and the PNG the trainer wrote is this grid, pixel for pixel
      const png = await decodePng(new Uint8Array(readFileSync(pngPath)));
      const g = makeImageGrid(got.data, got.shape, { nrow: 8 });
      expect([png.width, png.height]).toEqual([g.width, g.height]);
      expect(Array.from({ length: g.width * g.height }, (_, i) => png.rgba[4 * i])).toEqual(Array.from(g.pixels));
      for (const n of Object.values(models.nets)) n.dispose();
      lab.dispose();
    }, 180_000);
  }

  it('a run on folders has no test grid in the page: testGrid says so', async () => {
    const { hasBundledTest } = await import('../../src/lab/translator.ts');
    expect(hasBundledTest('edges2fashion')).toBe(true);
    expect(hasBundledTest('fashion-mnist:sneaker/ankle-boot')).toBe(true);
    expect(hasBundledTest('photos/trainA,photos/trainB')).toBe(false);
  });
});
