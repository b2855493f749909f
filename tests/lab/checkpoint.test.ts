/**
 * Checkpoints across the CLI and the lab (src/lab/model.ts, session.ts), in Node on the CPU: the
 * code the page's worker runs. A checkpoint `webgan train` writes resumes in a LabSession exactly
 * as `webgan train --resume` continues it, and its samples for a seed are `webgan sample --seed`'s;
 * the lab's checkpoint bytes load in the CLI (sample, resume); the model view samples image presets
 * as loadGenerator + drawSamples do. The page itself: scripts/lab-test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { drawSamples } from '../../src/gan/evaluate.ts';
import { runTraining } from '../../src/gan/run.ts';
import { GanTrainer, loadGenerator } from '../../src/gan/trainer.ts';
import { TranslationTrainer } from '../../src/gan/translation/trainer.ts';
import { encodeCheckpoint } from '../../src/io/checkpoint.ts';
import { readNpy } from '../../src/io/npy.ts';
import { LabModel, readCheckpoint } from '../../src/lab/model.ts';
import { interpolation, mixingFigure } from '../../src/gan/stylegan/figures.ts';
import type { StyleGenerator } from '../../src/gan/stylegan/networks.ts';
import { LabSession } from '../../src/lab/session.ts';
import { parseSettings } from '../../src/lab/settings.ts';
import { cli } from '../helpers/cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'wg-lab-ck-'));


/** `webgan sample --ckpt path --seed seed --n n` as numbers: loadGenerator, manualSeed, drawSamples */
async function cliSamples(path: string, seed: number, n: number, label?: number, psi?: number): Promise<Float32Array> {
  const saved = wg.getRngState(); // the CLI runs in its own process: leave this one's random stream as it was
  const { models, G } = await loadGenerator(path);
  wg.manualSeed(seed);
  const x = await drawSamples(models, G, n, 500, label, psi === undefined ? {} : { psi });
  models.G.dispose(); models.D.dispose();
  wg.setRngState(saved);
  return x;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

beforeAll(async () => { await wg.init({ backend: 'cpu' }); });

describe('lab checkpoints', () => {
  it('a checkpoint of `webgan train` resumes in the lab as --resume continues it, with the same samples for a seed', async () => {
    const dir = tmp();
    const cfg = { preset: 'mlp2d' as const, data: 'ring', batch: 32, steps: 40, gDepth: 2, gWidth: 16, dDepth: 2, dWidth: 16, seed: 3, ckptEvery: 6, logEvery: 6, sampleEvery: 1000 };
    await runTraining({ ...cfg, steps: 6 }, { out: dir });
    const path = join(dir, 'checkpoints', 'step-000006.safetensors');
    const bytes = new Uint8Array(readFileSync(path));

    const read = readCheckpoint(bytes, 'step-000006.safetensors');
    expect(read.kind).toBe('2d');
    const lab = await LabSession.fromCheckpoint(read.ck, 'step-000006.safetensors');
    expect(lab.step).toBe(6);
    const fromLab = await lab.sample(11, 300);
    const fromCli = await cliSamples(path, 11, 300);
    expect(maxAbsDiff(fromLab, fromCli)).toBe(0);
    expect(maxAbsDiff(fromLab, await cliSamples(path, 12, 300))).toBeGreaterThan(1e-3); // the seed matters

    // continuing: 4 steps in the lab = 4 steps of a trainer resumed from the file (sampling in between does not disturb the run)
    await lab.train(2);
    await lab.frame();
    await lab.train(2);
    const t = await GanTrainer.create(read.config);
    await t.loadCheckpoint(path);
    for (let i = 0; i < 4; i++) t.trainStep();
    const a = lab.trainer.models.G.stateDict(), b = t.models.G.stateDict();
    for (const k of Object.keys(b)) expect(Array.from(await a[k].data()), k).toEqual(Array.from(await b[k].data()));
    expect(lab.step).toBe(10);
    t.dispose();
    lab.dispose();
  }, 120_000);

  it('the lab\'s checkpoint bytes load in the CLI: webgan sample writes its samples, webgan train --resume continues it', async () => {
    const dir = tmp();
    const s = await LabSession.create(parseSettings('?data=grid&seed=4&batch=64&gdepth=2&gwidth=16&ddepth=2&dwidth=16&steps=8').config!);
    await s.train(5);
    await s.stepD();
    const bytes = await s.checkpoint();
    const file = join(dir, 'lab.safetensors');
    writeFileSync(file, bytes);
    const labSamples = await s.sample(9, 200);
    await s.train(3); // the lab goes on; `webgan train --resume` below must land on the same G
    const labG = Object.fromEntries(await Promise.all(Object.entries(s.trainer.models.G.stateDict()).map(async ([k, v]) => [k, Array.from(await v.data())] as const)));
    s.dispose();

    // (the CLI starts its own CPU backend)
    const npy = join(dir, 'x.npy');
    const r = await cli('sample', '--ckpt', file, '--seed', '9', '--n', '200', '--out', npy, '--backend', 'cpu');
    expect(r.code, r.err).toBe(0);
    const arr = await readNpy(npy);
    expect(arr.shape).toEqual([200, 2]);
    expect(maxAbsDiff(arr.data, labSamples)).toBe(0);
    const { cfg, step } = await loadGenerator(file);
    expect([cfg.preset, cfg.data, cfg.gWidth, step]).toEqual(['mlp2d', 'grid', 16, 5]);

    const out = join(dir, 'run');
    const t = await cli('train', '--resume', file, '--steps', '8', '--out', out, '--ckpt-every', '8', '--log-every', '8', '--sample-every', '100', '--backend', 'cpu', '--quiet');
    expect(t.code, t.err).toBe(0);
    const { G } = await loadGenerator(join(out, 'checkpoints', 'step-000008.safetensors'));
    const cliG = G.stateDict();
    expect(Object.keys(cliG).sort()).toEqual(Object.keys(labG).sort());
    for (const k of Object.keys(cliG)) expect(Array.from(await cliG[k].data()), k).toEqual(labG[k]);
  }, 120_000);

  it('the model view samples image presets as loadGenerator + drawSamples do (classes of cdcgan, ψ and interpolation of stylegan)', async () => {
    const dir = tmp();
    const cases = [
      { cfg: { preset: 'dcgan' as const, batch: 4, limit: 16 }, opts: [{}] },
      { cfg: { preset: 'cdcgan' as const, batch: 4, limit: 16 }, opts: [{}, { label: 7 }] },
      { cfg: { preset: 'stylegan' as const, batch: 4, limit: 16, zDim: 8, mappingLayers: 2, channelBase: 64, channelMax: 8 }, opts: [{}, { psi: 0.5 }] },
    ];
    for (const { cfg } of cases) {
      const t = await GanTrainer.create(cfg);
      t.trainStep();
      await t.saveCheckpoint(join(dir, `${cfg.preset}.safetensors`));
      t.dispose();
    }
    // a 2-D run beside the model view: loading models and sampling them does not disturb its random stream
    const settings = '?data=ring&seed=2&batch=32&gdepth=1&gwidth=8&ddepth=1&dwidth=8';
    const alone = await LabSession.create(parseSettings(settings).config!);
    await alone.train(4);
    const aloneFake = Array.from((await alone.frame()).fake);
    alone.dispose();
    const run = await LabSession.create(parseSettings(settings).config!);
    await run.train(2);
    for (const { cfg, opts } of cases) {
      const file = join(dir, `${cfg.preset}.safetensors`);
      const read = readCheckpoint(new Uint8Array(readFileSync(file)), file);
      expect(read.kind).toBe('model');
      const m = LabModel.fromCheckpoint(read.ck, file);
      expect(m.info).toMatchObject({ kind: 'model', preset: cfg.preset, step: 1, conditional: cfg.preset === 'cdcgan', style: cfg.preset === 'stylegan' });
      for (const o of opts) {
        const x = await m.sample(5, 6, o);
        expect(x.length).toBe(6 * m.info.sampleShape.reduce((p, q) => p * q, 1));
        expect(maxAbsDiff(x, await cliSamples(file, 5, 6, (o as { label?: number }).label, (o as { psi?: number }).psi)), `${cfg.preset} ${JSON.stringify(o)}`).toBe(0);
      }
      if (cfg.preset === 'cdcgan') expect(maxAbsDiff(await m.sample(5, 6, { label: 7 }), await m.sample(5, 6, { label: 2 }))).toBeGreaterThan(1e-4);
      if (cfg.preset === 'stylegan') {
        expect(maxAbsDiff(await m.sample(5, 6, { psi: 0 }), await m.sample(5, 6, { psi: 1 }))).toBeGreaterThan(1e-4);
        // `webgan interpolate`'s strips
        for (const space of ['z', 'w'] as const) {
          const lab = await m.interpolate(3, { n: 4, rows: 2, space, psi: 0.7 });
          const saved = wg.getRngState(); // (the CLI's process)
          const { G } = await loadGenerator(file);
          const { images } = await interpolation(G as StyleGenerator, { n: 4, rows: 2, space, psi: 0.7, seed: 3 });
          wg.setRngState(saved);
          expect(lab.shape).toEqual([8, ...m.info.sampleShape]);
          expect(maxAbsDiff(lab.data, await images.data()), space).toBe(0);
          images.dispose();
        }
        // `webgan mix`'s figure: mixingFigure on loadGenerator's G (the CLI's path)
        const mixed = await m.mix(3, { rows: 2, cols: 3, psi: 0.8 });
        const saved = wg.getRngState();
        const { G } = await loadGenerator(file);
        const fig = mixingFigure(G as StyleGenerator, { rows: 2, cols: 3, ranges: ['coarse', 'middle', 'fine'], psi: 0.8, noise: 'const', seed: 3 });
        wg.setRngState(saved);
        expect([mixed.shape, mixed.nrow]).toEqual([[(2 * 3 + 1) * 4, ...m.info.sampleShape], fig.nrow]);
        expect(maxAbsDiff(mixed.data, await fig.images.data())).toBe(0);
        fig.images.dispose();
        await expect(m.mix(3, { ranges: ['huge'] })).rejects.toThrow(/style range 'huge'/);
      } else {
        await expect(m.mix(3)).rejects.toThrow(`style mixing is for stylegan checkpoints; this is ${cfg.preset}`);
        // the other presets walk in Z (their numbers: tests/lab/image-session.test.ts); W is stylegan's
        expect((await m.interpolate(3, { n: 3 })).shape).toEqual([3, ...m.models.sampleShape]);
        await expect(m.interpolate(3, { space: 'w' })).rejects.toThrow(/interpolation in W is for stylegan/);
      }
      await expect(m.sample(5, 2, { psi: 0.5, label: 1 })).rejects.toThrow(cfg.preset === 'cdcgan' ? /ψ applies to stylegan only/ : /a class needs a conditional model/);
      m.dispose();
    }
    await run.train(2);
    expect(Array.from((await run.frame()).fake)).toEqual(aloneFake);
    run.dispose();
  }, 300_000);

  it('says what it cannot load: a file that is not a checkpoint, another kind of file, a corrupt one (a translation checkpoint: tests/lab/translate.test.ts)', async () => {
    const t = await TranslationTrainer.create({ preset: 'pix2pix', batch: 1, limit: 4, ngf: 4, ndf: 4 });
    const bytes = await encodeCheckpoint({ tensors: {}, meta: { kind: 'webgan-translation', config: t.cfg, step: 0 } });
    t.dispose();
    expect(readCheckpoint(bytes, 'p2p.safetensors').kind).toBe('translate');
    const other = await encodeCheckpoint({ tensors: {}, meta: { kind: 'something-else' } });
    expect(() => readCheckpoint(other, 'other.safetensors')).toThrow('other.safetensors: not a webgan GAN or translation checkpoint');
    expect(() => readCheckpoint(new TextEncoder().encode('hello'), 'x.txt')).toThrow(/checkpoint x\.txt:/);
    const s = await LabSession.create(parseSettings('?data=ring&batch=32&gdepth=1&gwidth=8&ddepth=1&dwidth=8').config!);
    const good = await s.checkpoint();
    s.dispose();
    const bad = good.slice();
    bad[bad.length - 3] ^= 1;
    expect(() => readCheckpoint(bad, 'bad.safetensors')).toThrow(/checksum mismatch/);
    expect(readCheckpoint(good, 'good.safetensors').kind).toBe('2d');
  }, 120_000);
});
