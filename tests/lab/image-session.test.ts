/**
 * The lab's image view in Node on the CPU (src/lab/image-session.ts, image-settings.ts): the code
 * its worker runs. Its run is `webgan train --preset dcgan|cdcgan`'s to the bit; the coverage bars
 * are `classify`'s numbers; its checkpoint continues under `webgan train --resume` exactly, and a
 * CLI checkpoint continues in it exactly; the page's Fashion-MNIST bytes give the bundled images.
 * The page itself: scripts/lab-test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { classify, loadClassifier, type FashionClassifier } from '../../src/gan/classifier.ts';
import { resolveConfig, type TrainConfig } from '../../src/gan/config.ts';
import { classCoverage } from '../../src/gan/metrics.ts';
import { slerpRows } from '../../src/gan/stylegan/figures.ts';
import { GanTrainer, loadGenerator } from '../../src/gan/trainer.ts';
import { BUNDLED_FASHION_MNIST_DIR, loadFashionMnist, provideFashionMnist } from '../../src/data/fashion.ts';
import { LabModel, readCheckpoint } from '../../src/lab/model.ts';
import { COVER_N, COVER_SEED, GRID_N, ImageSession, WALK_N, WALK_ROWS } from '../../src/lab/image-session.ts';
import { IMAGE_DEFAULTS, parseImageSettings } from '../../src/lab/image-settings.ts';
import { parseSettings } from '../../src/lab/settings.ts';
import { cli } from '../helpers/cli.ts';

let classifier: FashionClassifier;
beforeAll(async () => {
  await wg.init({ backend: 'cpu' });
  classifier = await loadClassifier();
});


async function params(m: { stateDict(): Record<string, wg.Tensor> }): Promise<Record<string, number[]>> {
  return Object.fromEntries(await Promise.all(Object.entries(m.stateDict()).map(async ([k, v]) => [k, Array.from(await v.data())] as const)));
}

const tiny = (extra = '') => parseImageSettings(`?imgbatch=4&imgseed=3${extra}`).config!;

describe('image view settings', () => {
  it('reads its own parameters next to the 2-D ones: the config of `webgan train --preset P --batch B --seed S`', () => {
    const q = '?view=image&preset=cdcgan&imgbatch=32&imgsteps=500&imgseed=7&imgspeed=3&data=ring&backend=cpu';
    const p = parseImageSettings(q);
    expect(p.errors).toEqual([]);
    expect(p.settings).toEqual({ preset: 'cdcgan', imgbatch: 32, imgsteps: 500, imgseed: 7, imgspeed: 3 });
    expect(p.config).toEqual(resolveConfig({ preset: 'cdcgan', data: 'fashion-mnist', batch: 32, steps: 500, seed: 7 }));
    // the 2-D settings skip them (and still name them as known)
    expect(parseSettings(q, Object.keys(parseImageSettings('').settings).concat('imgsteps')).errors).toEqual([]);
    expect(parseSettings('?imgbatch=4').errors[0]).toMatch(/^unknown URL parameter 'imgbatch'/);
    expect(parseSettings('?colour=red', ['preset', 'imgbatch']).errors[0]).toMatch(/known: .*view, preset, imgbatch\)$/);
    const d = parseImageSettings('?data=grid');
    expect(d.settings).toEqual(IMAGE_DEFAULTS);
    expect(d.config).toMatchObject({ preset: 'dcgan', data: 'fashion-mnist', batch: 16, steps: 1000, seed: 0, limit: 0, loss: 'nsgan' });
  });

  it('says what is wrong, in its parameter names', () => {
    expect(parseImageSettings('?preset=stylegan&imgbatch=0&imgseed=x&imgspeed=500').errors).toEqual([
      "preset: must be one of dcgan, cdcgan, got 'stylegan'",
      "imgbatch: must be an integer from 1 to 1024, got '0'",
      "imgseed: must be an integer from 0 to 2147483647, got 'x'",
      "imgspeed: must be an integer from 1 to 100, got '500'",
    ]);
  });
});

describe('image session', () => {
  it('N steps in the session are N steps of GanTrainer with the same config, to the bit; frames and walks do not disturb the run', async () => {
    const cfg = tiny();
    const s = await ImageSession.create(cfg, classifier);
    await s.frame();
    await s.train(1);
    await s.walk(5);
    await s.frame();
    await s.train(2);
    const t = await GanTrainer.create(cfg);
    for (let i = 0; i < 3; i++) t.trainStep();
    expect(s.step).toBe(3);
    expect(await params(s.trainer.models.G)).toEqual(await params(t.models.G));
    expect(await params(s.trainer.models.D)).toEqual(await params(t.models.D));
    t.dispose();
    s.dispose();
  }, 120_000);

  it('the grid is the fixed noise\'s samples; the coverage bars are classify\'s numbers on COVER_N samples; cdcgan: one class, accuracy', async () => {
    for (const preset of ['dcgan', 'cdcgan'] as const) {
      const s = await ImageSession.create(tiny(`&preset=${preset}`), classifier);
      await s.train(1);
      const f = await s.frame(preset === 'cdcgan' ? 4 : null);
      expect(f.grid.length).toBe(GRID_N * 784);
      // the same noise and labels, drawn by hand: seed + 7919 for the grid (webgan train's sample grids), seed + COVER_SEED for the classifier's batch
      const t = s.trainer;
      const saved = wg.getRngState();
      wg.manualSeed(t.cfg.seed + 7919);
      const zGrid = t.models.noise(GRID_N);
      wg.manualSeed(t.cfg.seed + COVER_SEED);
      const zCover = t.models.noise(COVER_N);
      wg.setRngState(saved);
      const cond = preset === 'cdcgan';
      const lab = (n: number, f: (i: number) => number) => (cond ? wg.tensor(Int32Array.from({ length: n }, (_, i) => f(i)), [n], { dtype: 'int32' }) : undefined);
      const grid = await t.sample(zGrid, lab(GRID_N, () => 4)).data();
      expect(Array.from(f.grid)).toEqual(Array.from(grid));
      const cover = Float32Array.from(await t.sample(zCover, lab(COVER_N, (i) => i % 10)).data());
      const { probs } = await classify(classifier, cover, COVER_N);
      const want = classCoverage(probs, COVER_N, 10);
      expect(f.coverage.histogram).toEqual(want.histogram);
      expect(f.coverage.covered).toBe(want.covered);
      expect(f.coverage.histogram.reduce((a, b) => a + b, 0)).toBe(COVER_N);
      // without `cover` a frame keeps the last measurement (and says its step); with it, measures again
      await s.train(1);
      const kept = await s.frame(null, false);
      expect([kept.step, kept.coverage.step, kept.coverage.histogram]).toEqual([2, 1, want.histogram]);
      expect((await s.frame(null, true)).coverage.step).toBe(2);
      if (cond) {
        let hit = 0;
        for (let i = 0; i < COVER_N; i++) {
          const p = Array.from(probs.subarray(i * 10, i * 10 + 10));
          if (p.indexOf(Math.max(...p)) === i % 10) hit++;
        }
        expect(f.coverage.accuracy).toBe(hit / COVER_N);
        expect(f.label).toBe(4);
        await expect(s.frame(10)).rejects.toThrow('class must be in [0, 10), got 10');
      } else {
        expect(f.coverage.accuracy).toBeNull();
        expect(f.label).toBeNull();
      }
      s.dispose();
    }
  }, 180_000);

  it('a latent walk: slerp between two z of the seed, endpoints G(z₀) and G(z₁)', async () => {
    const s = await ImageSession.create(tiny('&preset=cdcgan'), classifier);
    const w = await s.walk(9);
    expect(w.length).toBe(WALK_ROWS * WALK_N * 784);
    const d = 100;
    const saved = wg.getRngState();
    wg.manualSeed(9);
    const a = Float32Array.from(await wg.randn([WALK_ROWS, d]).data()), b = Float32Array.from(await wg.randn([WALK_ROWS, d]).data());
    wg.setRngState(saved);
    const t = s.trainer;
    for (const i of [0, 3, WALK_N - 1]) {
      const z = wg.tensor(slerpRows(a, b, WALK_ROWS, d, i / (WALK_N - 1)), [WALK_ROWS, d, 1, 1]);
      const x = await t.sample(z, wg.tensor(Int32Array.from({ length: WALK_ROWS }, (_, r) => r), [WALK_ROWS], { dtype: 'int32' })).data();
      for (let r = 0; r < WALK_ROWS; r++) expect(Array.from(w.subarray((r * WALK_N + i) * 784, (r * WALK_N + i + 1) * 784))).toEqual(Array.from(x.subarray(r * 784, (r + 1) * 784)));
    }
    // one class for every row
    const w7 = await s.walk(9, 7);
    expect(Array.from(w7.subarray(0, WALK_N * 784))).not.toEqual(Array.from(w.subarray(0, WALK_N * 784)));
    await expect(s.walk(-1)).rejects.toThrow('seed must be an integer ≥ 0');
    s.dispose();
  }, 120_000);

  it('its checkpoint continues under `webgan train --resume` exactly; a CLI checkpoint continues in it exactly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-lab-img-'));
    const cfg = tiny('&preset=cdcgan&imgsteps=4');
    const s = await ImageSession.create(cfg, classifier);
    await s.train(2);
    const file = join(dir, 'page.safetensors');
    writeFileSync(file, await s.checkpoint());
    await s.train(2);
    const pageG = await params(s.trainer.models.G);
    s.dispose();
    const out = join(dir, 'cli');
    const r = await cli('train', '--resume', file, '--out', out, '--ckpt-every', '4', '--log-every', '4', '--sample-every', '1000', '--backend', 'cpu', '--quiet');
    expect(r.code, r.err).toBe(0);
    const cliCk = join(out, 'checkpoints', 'step-000004.safetensors');
    const { G, cfg: saved } = await loadGenerator(cliCk);
    expect(saved).toEqual({ ...cfg, ckptEvery: 4, logEvery: 4, sampleEvery: 1000 }); // the run's own config, with the resumable changes
    expect(await params(G)).toEqual(pageG);

    // back: the CLI's step-4 checkpoint loaded in the page and continued 1 step = the CLI resumed 1 step
    const ck = readCheckpoint(new Uint8Array(readFileSync(cliCk)), 'step-000004.safetensors');
    expect(ck.kind).toBe('model');
    const back = await ImageSession.fromCheckpoint(ck.ck, 'step-000004.safetensors', classifier);
    expect(back.step).toBe(4);
    await back.train(1);
    const t = await GanTrainer.create(saved);
    await t.loadCheckpoint(cliCk);
    t.trainStep();
    expect(await params(back.trainer.models.G)).toEqual(await params(t.models.G));
    expect(await params(back.trainer.models.D)).toEqual(await params(t.models.D));
    t.dispose();
    back.dispose();
  }, 240_000);

  it('refuses a checkpoint it cannot continue, naming why', async () => {
    const t = await GanTrainer.create({ preset: 'mlp', batch: 4, seed: 1 });
    const ck = readCheckpoint(await t.encodeCheckpoint(), 'mlp.safetensors');
    t.dispose();
    await expect(ImageSession.fromCheckpoint(ck.ck, 'mlp.safetensors', classifier)).rejects.toThrow('mlp.safetensors: the image view trains dcgan and cdcgan, not mlp');
    const other = { ...ck.ck, meta: { ...ck.ck.meta, config: { ...ck.ck.meta.config, preset: 'dcgan', data: '/my/images' } as TrainConfig } };
    await expect(ImageSession.fromCheckpoint(other, 'x.safetensors', classifier)).rejects.toThrow("x.safetensors: the image view trains on Fashion-MNIST (the page's data), not '/my/images'");
  }, 60_000);
});

describe('latent walks in the model view (the presets other than stylegan)', () => {
  it('dcgan, cdcgan, mlp: strips slerped between two z of the seed through the checkpoint\'s G; W and ψ refused', async () => {
    for (const preset of ['dcgan', 'cdcgan', 'mlp'] as const) {
      const t = await GanTrainer.create({ preset, batch: 4, limit: 16, seed: 2 });
      t.trainStep();
      const bytes = await t.encodeCheckpoint();
      t.dispose();
      const m = LabModel.fromCheckpoint(readCheckpoint(bytes, `${preset}.safetensors`).ck, `${preset}.safetensors`);
      const label = preset === 'cdcgan' ? 6 : undefined;
      const rng = wg.getRngState();
      const got = await m.interpolate(4, { n: 5, rows: 2, label });
      expect(wg.getRngState()).toEqual(rng);
      expect(got.shape).toEqual([10, 1, 28, 28]);
      const d = m.models.zDim;
      wg.manualSeed(4);
      const a = Float32Array.from(await wg.randn([2, d]).data()), b = Float32Array.from(await wg.randn([2, d]).data());
      wg.setRngState(rng);
      for (const i of [0, 2, 4]) {
        const z = wg.tensor(slerpRows(a, b, 2, d, i / 4), preset === 'mlp' ? [2, d] : [2, d, 1, 1]);
        const x = await wg.noGrad(() => (preset === 'cdcgan' ? m.G.call(z, wg.tensor([6, 6], [2], { dtype: 'int32' })) : m.G.call(z))).data();
        for (let r = 0; r < 2; r++) expect(Array.from(got.data.subarray((r * 5 + i) * 784, (r * 5 + i + 1) * 784))).toEqual(Array.from(x.subarray(r * 784, (r + 1) * 784)));
      }
      await expect(m.interpolate(4, { space: 'w' })).rejects.toThrow(`interpolation in W is for stylegan; ${preset} walks in Z`);
      if (preset !== 'cdcgan') await expect(m.interpolate(4, { label: 1 })).rejects.toThrow(`a class needs a conditional model; ${preset} is not`);
      m.dispose();
    }
  }, 120_000);
});

describe('Fashion-MNIST bytes a page provides', () => {
  it('give the same images and labels as the bundled files (and the same limit)', async () => {
    const read = (f: string) => new Uint8Array(readFileSync(new URL(f, BUNDLED_FASHION_MNIST_DIR)));
    const fromFiles = await loadFashionMnist({ split: 'test', limit: 300 });
    provideFashionMnist('test', { images: read('t10k-images-idx3-ubyte.gz'), labels: read('t10k-labels-idx1-ubyte.gz') }, 'test files');
    const fromBytes = await loadFashionMnist({ split: 'test', limit: 300 });
    expect(fromBytes.shape).toEqual([300, 1, 28, 28]);
    expect(Array.from(fromBytes.labels!)).toEqual(Array.from(fromFiles.labels!));
    expect(Array.from(fromBytes.images)).toEqual(Array.from(fromFiles.images));
    // a dir still reads that dir
    expect((await loadFashionMnist({ split: 'test', dir: BUNDLED_FASHION_MNIST_DIR, limit: 2 })).shape[0]).toBe(2);
    provideFashionMnist('test', { images: read('t10k-labels-idx1-ubyte.gz'), labels: read('t10k-labels-idx1-ubyte.gz') }, 'bad files');
    await expect(loadFashionMnist({ split: 'test' })).rejects.toThrow('bad files images: wrong number of dimensions: expected 3, got 1');
  }, 60_000);
});
