/**
 * The translation presets: the networks against PyTorch fixtures (architecture and the authors'
 * state-dict keys), the history pool, the configs, a tiny CycleGAN and pix2pix run on every
 * backend (finite losses, every loss term logged, exact resume, the grids), the evaluation on
 * known answers, and the CLI (train, translate, eval; bad input is one line and exit code 2).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PNG } from 'pngjs';
import * as wg from '../../src/index.ts';
import { setBackend } from '../../src/index.ts';
import * as nn from '../../src/nn/index.ts';
import { lrFactor, resolveConfig } from '../../src/gan/config.ts';
import { runTraining } from '../../src/gan/run.ts';
import { loadClassifier } from '../../src/gan/classifier.ts';
import { NLayerDiscriminator, ResnetGenerator, UnetGenerator } from '../../src/gan/translation/networks.ts';
import { ImagePool, TranslationTrainer } from '../../src/gan/translation/trainer.ts';
import { philoxWords, uniformFromWord } from '../../src/base/philox.ts';
import { makeTranslationSource } from '../../src/gan/translation/data.ts';
import { scoreTranslations } from '../../src/gan/translation/evaluate.ts';
import { readNpy, writeNpy } from '../../src/io/npy.ts';
import { testBackends } from '../helpers/backends.ts';
import { cli } from '../helpers/cli.ts';

interface TJ { shape: number[]; data: number[] }
interface NetCase { options: Record<string, number>; state: Record<string, TJ>; input: TJ; output: TJ; train: boolean }
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/translation-nets/networks.json', import.meta.url), 'utf8')) as Record<string, NetCase>;

const tmp = (p: string) => mkdtempSync(join(tmpdir(), `wg-tr-${p}-`));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

async function stateValues(m: nn.Module): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(m.stateDict())) out[k] = Array.from(await t.data());
  return out;
}

/** Load a fixture's state dict (float entries) into `net`, run it, compare with PyTorch's output. */
async function checkCase(net: nn.Module, c: NetCase): Promise<number> {
  const keys = Object.entries(net.stateDict()).filter(([, t]) => t.dtype === 'float32').map(([k]) => k);
  expect(keys).toEqual(Object.keys(c.state)); // the authors' key names, in their order
  const sd = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, wg.tensor(Float32Array.from(v.data), v.shape)]));
  net.loadStateDict(sd, { strict: false });
  if (c.train) net.train(); else net.eval();
  const y = wg.noGrad(() => net.call(wg.tensor(Float32Array.from(c.input.data), c.input.shape)));
  expect(y.shape).toEqual(c.output.shape);
  return maxDiff(await y.data(), c.output.data);
}

describe('translation networks against PyTorch', async () => {
  for (const be of await testBackends()) {
    it(`${be.name}: ResNet generator, PatchGAN, U-Net (train and eval mode): same keys, same outputs`, async () => {
      setBackend(await be.make());
      const r = fixtures.resnet.options, p = fixtures.patch.options, u = fixtures.unet_train.options;
      expect(await checkCase(new ResnetGenerator(r.in, r.out, { ngf: r.ngf, nBlocks: r.nBlocks }), fixtures.resnet)).toBeLessThan(2e-4);
      expect(await checkCase(new NLayerDiscriminator(p.in, { ndf: p.ndf, nLayers: p.nLayers }), fixtures.patch)).toBeLessThan(2e-4);
      for (const k of ['unet_train', 'unet_eval']) {
        expect(await checkCase(new UnetGenerator(u.in, u.out, { ngf: u.ngf, numDowns: u.numDowns, dropoutLayers: 0 }), fixtures[k]), k).toBeLessThan(2e-4);
      }
      setBackend(new wg.CpuBackend());
    });
  }

  it('shapes, receptive fields, dropout layers and input checks', () => {
    expect(NLayerDiscriminator.receptiveField(3)).toBe(70); // the paper's 70×70 PatchGAN
    expect(NLayerDiscriminator.receptiveField(2)).toBe(34);
    expect(NLayerDiscriminator.outSize(256, 3)).toBe(30);
    const d = new NLayerDiscriminator(3, { ndf: 4, nLayers: 3 });
    expect(wg.noGrad(() => d.call(wg.zeros([1, 3, 64, 64]))).shape).toEqual([1, 1, NLayerDiscriminator.outSize(64, 3), NLayerDiscriminator.outSize(64, 3)]);
    // pix2pix at 32 px: 5 levels, dropout in the three decoder levels after the innermost
    const u = new UnetGenerator(1, 1, { ngf: 4, numDowns: 5 });
    expect([...u.modules()].filter((m) => m instanceof nn.Dropout).length).toBe(3);
    expect(new UnetGenerator(1, 1, { ngf: 4, numDowns: 8 }).stateDict()['model.model.1.model.3.model.3.model.3.model.3.model.3.model.1.weight'].shape).toEqual([32, 32, 4, 4]);
    expect(() => u.call(wg.zeros([1, 1, 28, 28]))).toThrow(/UnetGenerator: input must be \[N, 1, H, W\] with H and W multiples of 32 \(5 down-samplings\), got \[1,1,28,28\]/);
    expect(() => new ResnetGenerator(3, 3, { ngf: 4, nBlocks: 1 }).call(wg.zeros([1, 1, 16, 16]))).toThrow(/ResnetGenerator: input must be \[N, 3, H, W\]/);
  });
});

describe('the history pool', () => {
  beforeAll(() => setBackend(new wg.CpuBackend()));
  const batch = (v: number[]) => wg.tensor(Float32Array.from(v), [v.length, 1, 1, 1]);

  it('fills with the first images, then returns either the new image or a stored one it replaces', async () => {
    const pool = new ImagePool(3, [1, 2]);
    expect(Array.from(await pool.query(batch([1, 2])).data())).toEqual([1, 2]);
    expect(Array.from(await pool.query(batch([3])).data())).toEqual([3]);
    let seen = new Set([1, 2, 3]);
    let swaps = 0;
    for (let i = 10; i < 60; i++) {
      const [out] = Array.from(await pool.query(batch([i])).data());
      const stored = Array.from(await pool.toTensor()!.data());
      expect(stored.length).toBe(3);
      if (out === i) expect(stored).not.toContain(i);
      else {
        swaps++;
        expect(seen.has(out)).toBe(true); // an image from the pool …
        expect(stored).toContain(i); // … replaced by the new one
      }
      seen = new Set(stored);
    }
    expect(swaps).toBeGreaterThan(10); // p = ½ over 50 draws
    expect(swaps).toBeLessThan(40);
  });

  it('equals the one-image-at-a-time pool (a list of images, as the authors\' ImagePool) for any size and batch, images stored earlier in the same batch included', async () => {
    for (const size of [0, 1, 3, 5]) for (const n of [1, 2, 5]) {
      const pool = new ImagePool(size, [11, size]);
      // the reference: a list, image by image, drawing from the same Philox stream
      let draws = 0;
      const uniform = () => uniformFromWord(philoxWords([11, size], draws++, 1)[0]);
      const list: number[] = [];
      let reusedInBatch = 0;
      for (let q = 0; q < 25; q++) {
        const imgs = Array.from({ length: n }, (_, i) => 1000 * q + i + 1);
        const want: number[] = [];
        for (let i = 0; i < n; i++) {
          if (size === 0) want.push(imgs[i]);
          else if (list.length < size) { list.push(imgs[i]); want.push(imgs[i]); }
          else if (uniform() < 0.5) {
            const j = Math.min(Math.floor(uniform() * size), size - 1);
            if (imgs.slice(0, i).includes(list[j])) reusedInBatch++;
            want.push(list[j]);
            list[j] = imgs[i];
          } else want.push(imgs[i]);
        }
        expect(Array.from(await pool.query(batch(imgs)).data()), `size ${size}, batch ${n}, query ${q}`).toEqual(want);
        expect(Array.from((await pool.toTensor()?.data()) ?? []), `size ${size}, batch ${n}, query ${q}: the store`).toEqual(list);
        expect(pool.draws).toBe(draws);
      }
      // an image stored earlier in the same batch and returned in a later one's place
      if (size === 1 && n === 5) expect(reusedInBatch).toBeGreaterThan(0);
    }
    expect(() => new ImagePool(2, [1, 1]).load(batch([1, 2, 3]), 0)).toThrow('history pool: the checkpoint holds 3 images, more than the pool\'s size 2');
  });

  it('replays exactly from its images and draw count; size 0 passes batches through', async () => {
    const a = new ImagePool(4, [7, 0]);
    for (let i = 0; i < 6; i++) a.query(batch([i, i + 0.5]));
    const b = new ImagePool(4, [7, 0]);
    b.load(a.toTensor()!, a.draws);
    for (let i = 0; i < 5; i++) {
      expect(Array.from(await b.query(batch([100 + i])).data())).toEqual(Array.from(await a.query(batch([100 + i])).data()));
    }
    expect(Array.from(await new ImagePool(0, [1, 1]).query(batch([5, 6])).data())).toEqual([5, 6]);
  });
});

describe('translation configs', () => {
  it('defaults per preset; the learning rate holds, then decays linearly', () => {
    expect(resolveConfig({ preset: 'cyclegan' })).toMatchObject({
      loss: 'lsgan', data: 'edges2fashion', lr: 2e-4, betas: [0.5, 0.999], lrDecay: 'half-linear', norm: 'instance', dropout: false,
      lambdaCycle: 10, lambdaIdentity: 0.5, poolSize: 50, resolution: 32, dLayers: 2,
    });
    expect(resolveConfig({ preset: 'pix2pix' })).toMatchObject({ loss: 'nsgan', norm: 'batch', dropout: true, lambdaL1: 100, resolution: 32 });
    expect(resolveConfig({ preset: 'cyclegan', data: 'a,b' })).toMatchObject({ resolution: 64, dLayers: 3 });
    expect([0, 0.25, 0.5, 0.75, 1].map((t) => lrFactor('half-linear', t * 100, 100))).toEqual([1, 1, 1, 0.5, 0]);
  });

  it('rejects what does not apply, clearly', () => {
    expect(() => resolveConfig({ preset: 'pix2pix', blocks: 3 })).toThrow(/--blocks applies to --preset cyclegan only/);
    expect(() => resolveConfig({ preset: 'cyclegan', lambdaL1: 3 })).toThrow(/--lambda-l1 applies to --preset pix2pix only/);
    expect(() => resolveConfig({ preset: 'dcgan', ngf: 8 })).toThrow(/--ngf applies to --preset cyclegan and pix2pix only/);
    expect(() => resolveConfig({ preset: 'dcgan', resolution: 32 })).toThrow(/--resolution applies to --preset stylegan, cyclegan and pix2pix only/);
    expect(() => resolveConfig({ preset: 'cyclegan', loss: 'wgan-gp' })).toThrow(/--loss wgan-gp: cyclegan trains with lsgan/);
    expect(() => resolveConfig({ preset: 'pix2pix', data: 'fashion-mnist:sneaker/ankle-boot' })).toThrow(/pix2pix trains on paired data/);
    expect(() => resolveConfig({ preset: 'pix2pix', resolution: 48 })).toThrow(/power-of-two --resolution, got 48/);
    expect(() => resolveConfig({ preset: 'cyclegan', resolution: 30 })).toThrow(/--resolution must be an integer ≥ 16 and a multiple of 4, got 30/);
  });
});

const tinyCycle = {
  preset: 'cyclegan' as const, steps: 4, batch: 2, limit: 16, ngf: 4, ndf: 4, blocks: 1, poolSize: 3,
  logEvery: 2, ckptEvery: 2, sampleEvery: 2, seed: 4,
};
const tinyPix = { ...tinyCycle, preset: 'pix2pix' as const, blocks: undefined, poolSize: undefined };

async function netValues(t: TranslationTrainer): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [name, net] of Object.entries(t.models.nets)) for (const [k, v] of Object.entries(await stateValues(net))) out[`${name}.${k}`] = v;
  return out;
}

describe('a tiny translation run on every backend', async () => {
  for (const be of await testBackends()) {
    for (const cfg of [tinyCycle, tinyPix]) {
      it(`${be.name} ${cfg.preset}: every loss term finite and logged, resume bit-exact, grids and curves written`, { timeout: 600_000 }, async () => {
        setBackend(await be.make());
        try {
          const dirA = tmp(`a-${cfg.preset}`), dirB = tmp(`b-${cfg.preset}`);
          const straight = await runTraining(cfg, { out: dirA });
          const log = readFileSync(join(dirA, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
          expect(log.map((r) => r.step)).toEqual([2, 4]);
          const terms = cfg.preset === 'cyclegan' ? ['D_A', 'G_A', 'cycle_A', 'idt_A', 'D_B', 'G_B', 'cycle_B', 'idt_B'] : ['G_GAN', 'G_L1', 'D_real', 'D_fake'];
          for (const r of log) {
            expect(Object.keys(r.stats)).toEqual(terms);
            for (const k of terms) expect(Number.isFinite(r.stats[k]) && r.stats[k] > 0, `${k} = ${r.stats[k]}`).toBe(true);
            expect(Object.keys(r.gradNorms).some((k) => k.startsWith(cfg.preset === 'cyclegan' ? 'G_B.model.' : 'D.model.'))).toBe(true);
          }
          // grids: cyclegan 6 rows (A, G_A(A), rec A, B, G_B(B), rec B), pix2pix 3 (input, output, target); 8 test images a row, 32 px
          const grid = PNG.sync.read(readFileSync(join(dirA, 'samples', 'step-000004.png')));
          expect([grid.width, grid.height]).toEqual([8 * 34 + 2, (cfg.preset === 'cyclegan' ? 6 : 3) * 34 + 2]);
          expect(existsSync(join(dirA, 'losses.svg'))).toBe(true);
          if (cfg.preset === 'cyclegan') expect(existsSync(join(dirA, 'reconstruction.svg'))).toBe(true);
          await runTraining({ ...cfg, steps: 2 }, { out: dirB });
          const resumed = await runTraining({ ...cfg, steps: 4 }, { out: dirB, resume: dirB });
          const a = await netValues(straight.trainer), b = await netValues(resumed.trainer);
          expect(Object.keys(b)).toEqual(Object.keys(a));
          for (const k of Object.keys(a)) expect(maxDiff(a[k], b[k]), k).toBe(0);
          const logB = readFileSync(join(dirB, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).stats);
          expect(logB).toEqual(log.map((r) => r.stats));
          straight.trainer.dispose();
          resumed.trainer.dispose();
        } finally {
          setBackend(new wg.CpuBackend());
        }
      });
    }
  }
});

describe('translation scores on known answers', () => {
  beforeAll(() => setBackend(new wg.CpuBackend()));

  it('the true targets score perfectly; the inputs themselves do not; class share and cycle error', { timeout: 300_000 }, async () => {
    const classifier = await loadClassifier();
    const src = await makeTranslationSource('edges2fashion', { paired: true, seed: 0, batch: 1, limit: 8, size: 32 });
    const test = src.test!;
    const n = 1000, per = 32 * 32;
    const truth = test.b.slice(0, n * per);
    const perfect = await scoreTranslations(src.spec, test, 'a2b', truth, { classifier, reconstructions: test.a.slice(0, n * per) });
    expect(perfect.l1).toBe(0);
    expect(perfect.ssim).toBeCloseTo(1, 6);
    expect(perfect.psnr).toBe(Infinity);
    expect(perfect.cycleL1).toBe(0);
    expect(perfect.classPreservation!).toBeGreaterThan(0.8); // the classifier on real test photos
    expect(perfect.fid!).toBeLessThan(8); // real test photos against all 10,000: only the small-n bias
    const copy = await scoreTranslations(src.spec, test, 'a2b', test.a.slice(0, n * per), { classifier });
    expect(copy.l1!).toBeGreaterThan(0.5);
    expect(copy.ssim!).toBeLessThan(0.5);
    expect(copy.fid!).toBeGreaterThan(perfect.fid! + 50);
    // sneakers → ankle boots: real boots are boots, the sneakers themselves are not
    const cls = await makeTranslationSource('fashion-mnist:sneaker/ankle-boot', { paired: false, seed: 0, batch: 1, limit: 8, size: 32 });
    const m = Math.min(100, cls.test!.n);
    // reconstructions are scored against the source class: sneakers given back are sneakers, boots are not
    const boots = await scoreTranslations(cls.spec, cls.test!, 'a2b', cls.test!.b.slice(0, m * per), { classifier, reconstructions: cls.test!.a.slice(0, m * per) });
    const sneakers = await scoreTranslations(cls.spec, cls.test!, 'a2b', cls.test!.a.slice(0, m * per), { classifier, reconstructions: cls.test!.b.slice(0, m * per) });
    expect(boots.targetClassShare!).toBeGreaterThan(0.9);
    expect(sneakers.targetClassShare!).toBeLessThan(0.1);
    expect(boots.cycleClassShare!).toBeGreaterThan(0.9);
    expect(sneakers.cycleClassShare!).toBeLessThan(0.1);
    expect(perfect.cycleClassShare).toBeUndefined(); // edges2fashion: class preservation says it
    expect(boots.l1).toBeUndefined(); // unpaired: no true target per image
  });
});


function writePng(path: string, w: number, h: number, seed: number): void {
  const png = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h * 4; i++) png.data[i] = (i * 37 + seed * 11) % 256;
  writeFileSync(path, PNG.sync.write(png));
}

describe('translation: the command line', () => {
  beforeAll(async () => { await wg.init({ backend: 'cpu' }); });
  afterEach(() => vi.restoreAllMocks());
  const small = ['--batch', '2', '--limit', '8', '--ngf', '4', '--ndf', '4', '--backend', 'cpu', '--quiet'];

  it('train, translate (npy and folders), eval (checkpoint and npy): every command writes its file', { timeout: 600_000 }, async () => {
    const dir = tmp('cli');
    expect((await cli('train', '--preset', 'cyclegan', '--blocks', '1', ...small, '--steps', '2', '--out', join(dir, 'cg'))).code).toBe(0);
    expect((await cli('train', '--preset', 'pix2pix', ...small, '--steps', '2', '--out', join(dir, 'p2p'))).code).toBe(0);
    const x = new Float32Array(3 * 32 * 32).map((_, i) => Math.sin(i) * 0.9);
    await writeNpy(join(dir, 'x.npy'), x, [3, 1, 32, 32], 'float32');
    for (const [run, d] of [['cg', 'a2b'], ['cg', 'b2a'], ['p2p', 'a2b']]) {
      const r = await cli('translate', '--ckpt', join(dir, run), '--input', join(dir, 'x.npy'), '--direction', d, '--out', join(dir, `${run}-${d}.npy`), '--backend', 'cpu');
      expect(r.code, r.err).toBe(0);
      const y = await readNpy(join(dir, `${run}-${d}.npy`));
      expect(y.shape).toEqual([3, 1, 32, 32]);
      expect(Array.from(y.data).every((v) => v >= -1 && v <= 1)).toBe(true);
    }
    mkdirSync(join(dir, 'pngs', 'sub'), { recursive: true });
    writePng(join(dir, 'pngs', 'one.png'), 40, 40, 1);
    writePng(join(dir, 'pngs', 'sub', 'two.png'), 24, 24, 2);
    const rt = await cli('translate', '--ckpt', join(dir, 'cg'), '--input', join(dir, 'pngs'), '--out', join(dir, 'pngs-out'), '--backend', 'cpu');
    expect(rt.code, rt.err).toBe(0);
    for (const f of ['one.png', 'sub/two.png']) {
      const png = PNG.sync.read(readFileSync(join(dir, 'pngs-out', f)));
      expect([png.width, png.height]).toEqual([32, 32]);
    }
    const e1 = await cli('eval', join(dir, 'cg'), '--n', '40', '--json', join(dir, 'e1.json'), '--backend', 'cpu');
    expect(e1.code, e1.err).toBe(0);
    const j1 = JSON.parse(readFileSync(join(dir, 'e1.json'), 'utf8'));
    expect(j1.directions.map((d: { direction: string }) => d.direction)).toEqual(['a2b', 'b2a']);
    for (const k of ['l1', 'psnr', 'ssim', 'fid', 'classPreservation', 'cycleL1']) expect(Number.isFinite(j1.directions[0][k]), k).toBe(true);
    expect(e1.out).toMatch(/SSIM/);
    const e2 = await cli('eval', join(dir, 'p2p'), '--n', '40', '--json', join(dir, 'e2.json'), '--backend', 'cpu');
    expect(e2.code, e2.err).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'e2.json'), 'utf8')).directions.length).toBe(1);
    // a .npy of translations of the test split's first images
    const translated = await readNpy(join(dir, 'p2p-a2b.npy'));
    await writeNpy(join(dir, 't.npy'), translated.data as Float32Array, translated.shape, 'float32');
    const e3 = await cli('eval', join(dir, 't.npy'), '--data', 'edges2fashion', '--direction', 'a2b', '--json', join(dir, 'e3.json'), '--backend', 'cpu');
    expect(e3.code, e3.err).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'e3.json'), 'utf8')).directions[0].n).toBe(3);
    expect(readdirSync(join(dir, 'cg', 'checkpoints'))).toContain('step-000002.safetensors');
    // two folders of RGB PNGs in CycleGAN's layout (trainA / testA beside trainB / testB): train at 16 px, score the cycle
    for (const sub of ['trainA', 'trainB', 'testA', 'testB']) {
      mkdirSync(join(dir, 'h2z', sub), { recursive: true });
      for (let i = 0; i < 4; i++) writePng(join(dir, 'h2z', sub, `${i}.png`), 20 + 4 * (i % 2), 20, i + sub.length);
    }
    const folders = `${join(dir, 'h2z', 'trainA')},${join(dir, 'h2z', 'trainB')}`;
    const rf = await cli('train', '--preset', 'cyclegan', '--data', folders, '--resolution', '16', '--blocks', '1', ...small, '--steps', '2', '--out', join(dir, 'h2z-run'));
    expect(rf.code, rf.err).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'h2z-run', 'config.json'), 'utf8'))).toMatchObject({ resolution: 16, dLayers: 2 });
    const grid = PNG.sync.read(readFileSync(join(dir, 'h2z-run', 'samples', 'step-000002.png')));
    expect([grid.width, grid.height]).toEqual([4 * 18 + 2, 6 * 18 + 2]); // 4 test images a row, RGB
    const e4 = await cli('eval', join(dir, 'h2z-run'), '--json', join(dir, 'e4.json'), '--backend', 'cpu');
    expect(e4.code, e4.err).toBe(0);
    const j4 = JSON.parse(readFileSync(join(dir, 'e4.json'), 'utf8')).directions;
    expect(j4.map((d: { n: number; cycleL1: number; fid?: number }) => [d.n, Number.isFinite(d.cycleL1), d.fid])).toEqual([[4, true, undefined], [4, true, undefined]]);
  });

  it('bad input: one clear line and exit code 2', { timeout: 300_000 }, async () => {
    const dir = tmp('bad');
    expect((await cli('train', '--preset', 'pix2pix', ...small, '--steps', '1', '--out', join(dir, 'p2p'))).code).toBe(0);
    const cases: [string[], RegExp][] = [
      [['translate', '--ckpt', join(dir, 'p2p'), '--input', join(dir, 'none.npy'), '--direction', 'b2a'], /--direction b2a: pix2pix translates A → B only/],
      [['sample', '--ckpt', join(dir, 'p2p')], /a pix2pix checkpoint translates images: use webgan translate/],
      [['train', '--preset', 'pix2pix', '--blocks', '2', '--steps', '1', '--out', join(dir, 'x')], /--blocks applies to --preset cyclegan only/],
      [['train', '--preset', 'cyclegan', '--data', 'fashion-mnist:sneaker/bogus', '--steps', '1', '--out', join(dir, 'y')], /--data 'fashion-mnist:sneaker\/bogus'/],
      [['eval', join(dir, 'p2p'), '--direction', 'b2a'], /--direction applies to translations in a \.npy; a checkpoint is scored in every direction it translates/],
    ];
    for (const [args, re] of cases) {
      const r = await cli(...args, '--backend', 'cpu');
      expect([r.code, r.err], args.join(' ')).toEqual([2, expect.stringMatching(re)]);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    const x = new Float32Array(2 * 3 * 32 * 32);
    await writeNpy(join(dir, 'rgb.npy'), x, [2, 3, 32, 32], 'float32');
    const r = await cli('translate', '--ckpt', join(dir, 'p2p'), '--input', join(dir, 'rgb.npy'), '--out', join(dir, 'o.npy'), '--backend', 'cpu');
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/pix2pix a2b takes images \[N, 1, H, W\] \(domain A\), got \[2, 3, 32, 32\]/)]);
  });
});
