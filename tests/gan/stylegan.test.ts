/**
 * The stylegan preset: the properties the papers state (style mixing switches at the crossover,
 * ψ = 0 gives w̄'s image for any z, zero noise strength makes the image independent of the
 * noise), the training loop's regularisers and corrections, a tiny run on every backend (finite
 * losses, exact resume, the EMA copy used for sampling) and the CLI: every command writes its
 * file; bad input is one line and exit code 2.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PNG } from 'pngjs';
import * as wg from '../../src/index.ts';
import { setBackend } from '../../src/index.ts';
import * as nn from '../../src/nn/index.ts';
import { resolveConfig } from '../../src/gan/config.ts';
import { runTraining } from '../../src/gan/run.ts';
import { GanTrainer, loadGenerator } from '../../src/gan/trainer.ts';
import { mixWs, StyleGenerator, STYLEGAN_DEFAULTS, type StyleGanOptions } from '../../src/gan/stylegan/networks.ts';
import { mixingFigure, styleRange } from '../../src/gan/stylegan/figures.ts';
import { testBackends } from '../helpers/backends.ts';
import { cli } from '../helpers/cli.ts';

const tinyNet: StyleGanOptions = { ...STYLEGAN_DEFAULTS, resolution: 16, zDim: 8, wDim: 8, mappingLayers: 2, channelBase: 64, channelMax: 8 };
/** a tiny stylegan run on Fashion-MNIST (32×32, 2–8 channels), every regulariser due within 6 steps */
const tiny = {
  preset: 'stylegan' as const, steps: 6, batch: 4, limit: 32, zDim: 8, mappingLayers: 2, channelBase: 64, channelMax: 8,
  r1Every: 2, plEvery: 2, logEvery: 2, ckptEvery: 3, sampleEvery: 3, seed: 3,
};

const tmp = (p: string) => mkdtempSync(join(tmpdir(), `wg-sg-${p}-`));
async function values(t: wg.Tensor): Promise<number[]> { return Array.from(await t.data()); }
function maxDiff(a: number[], b: number[]): number { return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0); }

async function stateValues(m: nn.Module): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(m.stateDict())) out[k] = await values(t);
  return out;
}

describe('stylegan: the generator', () => {
  beforeAll(async () => { setBackend(new wg.CpuBackend()); });

  it('style mixing: layers before the crossover take the first w, the rest the second', async () => {
    wg.manualSeed(1);
    const G = new StyleGenerator(tinyNet);
    const ws1 = G.ws(wg.randn([3, 8])), ws2 = G.ws(wg.randn([3, 8]));
    for (const cut of [1, 3, G.numWs - 1]) {
      const mixed = await values(mixWs(ws1, ws2, wg.full([], cut)));
      const a = await values(ws1), b = await values(ws2);
      for (let n = 0; n < 3; n++) for (let l = 0; l < G.numWs; l++) for (let d = 0; d < 8; d++) {
        const i = (n * G.numWs + l) * 8 + d;
        expect(mixed[i]).toBe(l < cut ? a[i] : b[i]);
      }
    }
    // trainingWs with mixing probability 1: every row is a prefix of w1's layers and a suffix of another w's
    const z = wg.randn([2, 8]);
    const plain = await values(G.broadcast(G.mapping.call(z)));
    wg.manualSeed(9);
    const mixed = await values(G.trainingWs(z, { mixing: 1, trackAvg: false }));
    const L = G.numWs;
    const sameLayer = (l: number) => [0, 1].every((n) => maxDiff(plain.slice((n * L + l) * 8, (n * L + l + 1) * 8), mixed.slice((n * L + l) * 8, (n * L + l + 1) * 8)) === 0);
    const flags = Array.from({ length: L }, (_, l) => sameLayer(l));
    const cut = flags.indexOf(false);
    expect(cut).toBeGreaterThanOrEqual(1); // the crossover is drawn in [1, numWs)
    expect(flags.slice(0, cut).every(Boolean) && flags.slice(cut).every((f) => !f)).toBe(true);
    G.dispose();
  });

  it('ψ = 0 gives the image of w̄ for any z; ψ = 1 leaves w', async () => {
    wg.manualSeed(2);
    const G = new StyleGenerator(tinyNet);
    nn.assign_(G.mapping.w_avg, wg.randn([8]));
    const a = await values(G.call(wg.randn([2, 8]), { psi: 0, noise: 'const' }));
    const b = await values(G.call(wg.randn([2, 8]), { psi: 0, noise: 'const' }));
    const ref = await values(G.synthesis.call(G.broadcast(wg.expand(wg.reshape(G.mapping.w_avg, [1, 8]), [2, 8])), 'const'));
    expect(maxDiff(a, ref)).toBeLessThan(1e-6);
    expect(maxDiff(b, ref)).toBeLessThan(1e-6);
    const z = wg.randn([2, 8]);
    expect(maxDiff(await values(G.call(z, { psi: 1, noise: 'const' })), await values(G.synthesis.call(G.broadcast(G.mapping.call(z)), 'const')))).toBe(0);
    G.dispose();
  });

  it('noise strength 0 makes the image independent of the noise; any other strength does not', async () => {
    wg.manualSeed(3);
    const G = new StyleGenerator(tinyNet);
    const z = wg.randn([2, 8]);
    const run = async (noise: 'random' | 'const' | 'none') => values(G.call(z, { noise }));
    const none = await run('none');
    expect(maxDiff(await run('random'), none)).toBe(0); // noise_strength starts at 0, as in the paper
    expect(maxDiff(await run('const'), none)).toBe(0);
    for (const b of G.synthesis.blocks) for (const l of [b.conv0, b.conv1]) if (l) nn.assign_(l.noise_strength, wg.full(l.noise_strength.shape, 0.5));
    expect(maxDiff(await run('random'), none)).toBeGreaterThan(1e-3);
    expect(maxDiff(await run('random'), await run('random'))).toBeGreaterThan(1e-3);
    expect(maxDiff(await run('const'), await run('const'))).toBe(0);
    G.dispose();
  });

  it('the mixing figure copies exactly the ws of a range from the column sources', async () => {
    wg.manualSeed(4);
    const G = new StyleGenerator(tinyNet); // blocks 4, 8, 16: 6 ws
    expect(G.numWs).toBe(6);
    expect(styleRange(G, 'coarse')).toEqual([0, 2]);
    expect(styleRange(G, 'fine')).toEqual([3, 5]);
    expect(() => styleRange(G, 'middle')).toThrow(/no middle layers/);
    expect(styleRange(G, '1-4')).toEqual([1, 4]);
    expect(() => styleRange(G, '4-9')).toThrow(/indices/);
    const { images, nrow } = mixingFigure(G, { rows: 2, cols: 3, ranges: ['coarse'], seed: 11 });
    expect(nrow).toBe(4);
    expect(images.shape).toEqual([12, 1, 16, 16]);
    // rebuild tile (row 1, col 2) by hand: row source 1's ws with ws[0..2] from column source 2
    const saved = wg.getRngState();
    wg.manualSeed(11);
    const wsA = G.ws(wg.randn([2, 8])), wsB = G.ws(wg.randn([3, 8]));
    wg.setRngState(saved);
    const A = await values(wsA), B = await values(wsB);
    const L = 6, ws = new Float32Array(L * 8);
    for (let l = 0; l < L; l++) for (let d = 0; d < 8; d++) ws[l * 8 + d] = l <= 2 ? B[(2 * L + l) * 8 + d] : A[(1 * L + l) * 8 + d];
    const want = await values(G.synthesis.call(wg.tensor(ws, [1, L, 8]), 'const'));
    const tiles = await values(images);
    const tile = (i: number) => tiles.slice(i * 256, (i + 1) * 256);
    expect(maxDiff(tile(2 * 4 + 3), want)).toBeLessThan(1e-5); // grid row 2 (row source 1), column 3 (column source 2)
    G.dispose();
  });
});

describe('stylegan: training', () => {
  it('defaults: the paper\'s optimizer with the lazy-regularisation correction, R1 γ from the heuristic', async () => {
    const cfg = resolveConfig({ preset: 'stylegan' });
    expect(cfg).toMatchObject({ batch: 32, lr: 0.002, betas: [0, 0.99], r1Every: 16, plWeight: 2, plEvery: 4, styleMixing: 0.9, resolution: 32, channels: 1, r1Gamma: 0.0064 });
    setBackend(new wg.CpuBackend());
    const t = await GanTrainer.create({ ...tiny, r1Every: 16, plEvery: 4 });
    const [gD] = t.optD.paramGroups as unknown as { lr: number; betas: [number, number] }[];
    const [gG] = t.optG.paramGroups as unknown as { lr: number; betas: [number, number] }[];
    expect(gD.lr).toBeCloseTo(0.002 * 16 / 17, 12);
    expect(gD.betas[1]).toBeCloseTo(0.99 ** (16 / 17), 12);
    expect(gG.lr).toBeCloseTo(0.002 * 4 / 5, 12);
    t.trainStep();
    expect((t.optD.paramGroups[0] as unknown as { lr: number }).lr).toBeCloseTo(0.002 * 16 / 17, 12);
    t.dispose();
    expect(() => resolveConfig({ preset: 'dcgan', plWeight: 1 })).toThrow(/--pl-weight applies to --preset stylegan only/);
    expect(() => resolveConfig({ preset: 'stylegan', resolution: 48 })).toThrow(/--resolution must be a power of two ≥ 8, got 48/);
    expect(() => resolveConfig({ preset: 'stylegan', resolution: 64 })).toThrow(/fashion-mnist trains stylegan at --resolution 32/);
  });

  describe('a tiny run on every backend', async () => {
    for (const be of await testBackends()) {
      it(`${be.name}: finite losses and telemetry, regularisers on schedule, resume bit-exact, samples from the EMA copy`, { timeout: 600_000 }, async () => {
        setBackend(await be.make());
        const dirA = tmp(`a-${be.name}`), dirB = tmp(`b-${be.name}`);
        const straight = await runTraining(tiny, { out: dirA });
        const log = readFileSync(join(dirA, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
        expect(log.map((r) => r.step)).toEqual([2, 3, 4, 6]); // log steps and checkpoint steps
        for (const r of log) {
          for (const v of Object.values(r.stats)) expect(Number.isFinite(v as number)).toBe(true);
          for (const k of ['r1', 'pathLength', 'pathLengthTarget', 'wAvgNorm', 'wAvgDrift', 'b4.conv1.styleMean', 'b4.conv1.styleStd', 'b4.conv1.demodMean', 'b32.torgb.styleStd']) {
            expect(Number.isFinite(r.style[k]), `${k} at step ${r.step}`).toBe(true);
          }
        }
        expect(log[0].style.pathLengthTarget).toBeGreaterThan(0); // moved from 0 by the step-0 path-length update
        expect(log[3].style.wAvgDrift).toBeGreaterThan(0);
        await runTraining({ ...tiny, steps: 3 }, { out: dirB });
        const resumed = await runTraining({ steps: 6 }, { out: dirB, resume: dirB });
        const a = await stateValues(straight.trainer.models.G), b = await stateValues(resumed.trainer.models.G);
        expect(Object.keys(b)).toEqual(Object.keys(a));
        for (const k of Object.keys(a)) expect(maxDiff(a[k], b[k]), k).toBe(0);
        const ea = await stateValues(straight.trainer.ema!), eb = await stateValues(resumed.trainer.ema!);
        for (const k of Object.keys(ea)) expect(maxDiff(ea[k], eb[k]), `ema ${k}`).toBe(0);
        // the sampler is the EMA copy: loaded from the checkpoint, G holds the EMA weights, not G's
        const loaded = await loadGenerator(join(dirA, 'checkpoints', 'step-000006.safetensors'));
        const lw = await values(loaded.G.getParameter('synthesis.b32.conv1.weight'));
        expect(maxDiff(lw, ea['synthesis.b32.conv1.weight'])).toBe(0);
        expect(maxDiff(lw, a['synthesis.b32.conv1.weight'])).toBeGreaterThan(0);
        expect(maxDiff(await values(loaded.G.getSubmodule('mapping').stateDict().w_avg), ea['mapping.w_avg'])).toBe(0);
        straight.trainer.dispose(); resumed.trainer.dispose(); loaded.G.dispose();
      });
    }
  });
});


function writePng(path: string, w: number, h: number): void {
  const png = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h * 4; i++) png.data[i] = (i * 37) % 256;
  writeFileSync(path, PNG.sync.write(png));
}

describe('stylegan: the command line', () => {
  beforeAll(async () => { await wg.init({ backend: 'cpu' }); });
  afterEach(() => vi.restoreAllMocks());
  const flags = ['--preset', 'stylegan', '--batch', '4', '--limit', '16', '--z-dim', '8', '--mapping-layers', '2', '--channel-base', '64', '--channel-max', '8', '--backend', 'cpu', '--quiet'];

  it('train, sample (ψ, noise, variation), mix, interpolate, eval: every command writes its file', { timeout: 300_000 }, async () => {
    const dir = tmp('cli');
    expect((await cli('train', ...flags, '--steps', '2', '--out', dir)).code).toBe(0);
    const cmds: [string[], string][] = [
      [['sample', '--ckpt', dir, '--n', '4', '--truncation', '0.7', '--noise', 'const', '--out', join(dir, 's.png')], 's.png'],
      [['sample', '--ckpt', dir, '--n', '4', '--out', join(dir, 's.npy')], 's.npy'],
      [['sample', '--ckpt', dir, '--vary-noise', '4', '--out', join(dir, 'v.png')], 'v.png'],
      [['mix', '--ckpt', dir, '--rows', '2', '--cols', '2', '--out', join(dir, 'm.png')], 'm.png'],
      [['interpolate', '--ckpt', dir, '--space', 'z', '--n', '4', '--out', join(dir, 'z.png')], 'z.png'],
      [['interpolate', '--ckpt', dir, '--space', 'w', '--n', '4', '--out', join(dir, 'w.png')], 'w.png'],
      [['eval', dir, '--n', '50', '--json', join(dir, 'e.json')], 'e.json'],
    ];
    for (const [args, file] of cmds) {
      const r = await cli(...args, '--backend', 'cpu');
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    const m = PNG.sync.read(readFileSync(join(dir, 'm.png')));
    expect(m.width).toBeGreaterThan(3 * 32); // 3 tiles a row (blank + 2 column sources) of 32 px, with padding
    expect(JSON.parse(readFileSync(join(dir, 'e.json'), 'utf8')).n).toBe(50);
  });

  it('bad input: one clear line and exit code 2', { timeout: 300_000 }, async () => {
    const dir = tmp('bad');
    const r1 = await cli('train', ...flags, '--resolution', '48', '--steps', '1', '--out', join(dir, 'r'));
    expect([r1.code, r1.err]).toEqual([2, expect.stringMatching(/--resolution must be a power of two ≥ 8, got 48/)]);
    // a folder of PNGs of two sizes
    const pngs = join(dir, 'pngs');
    mkdirSync(pngs);
    writePng(join(pngs, 'a.png'), 16, 16);
    writePng(join(pngs, 'b.png'), 16, 12);
    const r2 = await cli('train', ...flags, '--data', pngs, '--resolution', '16', '--channels', '3', '--steps', '1', '--out', join(dir, 'f'));
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/images of different sizes \(b\.png is 16x12, the first is 16x16\)/);
    expect(r2.err).not.toMatch(/\n\s+at /); // no stack trace
    // a dcgan checkpoint given to mix; ψ < 0
    const dc = join(dir, 'dc');
    expect((await cli('train', '--preset', 'mlp2d', '--data', 'ring', '--batch', '16', '--steps', '1', '--backend', 'cpu', '--quiet', '--out', dc)).code).toBe(0);
    const r3 = await cli('mix', '--ckpt', dc, '--backend', 'cpu');
    expect([r3.code, r3.err]).toEqual([2, expect.stringMatching(/mix needs a stylegan checkpoint; .* is a mlp2d checkpoint/)]);
    const r4 = await cli('sample', '--ckpt', dc, '--truncation', '0.5', '--backend', 'cpu');
    expect([r4.code, r4.err]).toEqual([2, expect.stringMatching(/--truncation: stylegan checkpoints only/)]);
    const sg = join(dir, 'sg');
    expect((await cli('train', ...flags, '--steps', '1', '--out', sg)).code).toBe(0);
    const r5 = await cli('sample', '--ckpt', sg, '--truncation', '-0.5', '--backend', 'cpu');
    expect([r5.code, r5.err]).toEqual([2, expect.stringMatching(/--truncation ψ must be a number ≥ 0, got -0.5/)]);
  });
});
