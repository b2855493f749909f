/**
 * The `webgan` command line, end to end in-process (src/cli/main.ts `main`, which returns the exit
 * code): train → sample (.npy) → eval on a 2-D run, resume, info; and the user errors the issue
 * names — bad flags, unknown presets, a dataset that does not match the model, missing files,
 * NaN losses — each a clear one-line message and a non-zero exit, never a stack trace.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli } from '../../src/cli/main.ts';
import { flagName, twoDRecipe, type TrainConfig } from '../../src/gan/config.ts';
import { readNpy } from '../../src/io/npy.ts';
import * as wg from '../../src/index.ts';
import { cli } from '../helpers/cli.ts';


const tmp = (p: string) => mkdtempSync(join(tmpdir(), `wg-cli-${p}-`));
const small = ['--preset', 'mlp2d', '--data', 'ring', '--batch', '32', '--backend', 'cpu', '--quiet'];

describe('webgan CLI', () => {
  beforeAll(async () => { await wg.init({ backend: 'cpu' }); });
  afterEach(() => vi.restoreAllMocks());

  it('trains, samples to .npy, evaluates, resumes', async () => {
    const dir = tmp('run');
    const t = await cli('train', ...small, '--steps', '20', '--ckpt-every', '10', '--sample-every', '10', '--log-every', '10', '--out', dir);
    expect(t.code).toBe(0);
    expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual(['step-000010.safetensors', 'step-000020.safetensors']);
    const log = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((r) => r.step)).toEqual([10, 20]);
    expect(t.err).toMatch(/trained mlp2d\/nsgan to step 20/);

    // a run directory is accepted where a checkpoint is asked for: its latest checkpoint
    const npy = join(dir, 'x.npy');
    const s = await cli('sample', '--ckpt', dir, '--n', '100', '--out', npy, '--backend', 'cpu');
    expect(s.code).toBe(0);
    const arr = await readNpy(npy);
    expect(arr.shape).toEqual([100, 2]);
    expect(arr.dtype).toBe('float32');
    expect(Array.from(arr.data).every(Number.isFinite)).toBe(true);

    const json = join(dir, 'm.json');
    const e = await cli('eval', npy, '--data', 'ring', '--json', json, '--backend', 'cpu');
    expect(e.code).toBe(0);
    expect(e.out).toMatch(/modes captured\s+\d \/ 8/);
    const m = JSON.parse(readFileSync(json, 'utf8'));
    expect(m).toMatchObject({ data: 'ring', n: 100, totalModes: 8 });
    for (const k of ['modes', 'highQuality', 'reverseKL']) expect(Number.isFinite(m[k])).toBe(true);

    const e2 = await cli('eval', join(dir, 'checkpoints'), '--n', '200', '--backend', 'cpu');
    expect(e2.code).toBe(0);
    expect(e2.out).toMatch(/step-000020\.safetensors \(mlp2d, nsgan, step 20\)/);

    const r = await cli('train', '--resume', dir, '--steps', '30', '--ckpt-every', '10', '--out', dir, '--backend', 'cpu', '--quiet');
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'checkpoints', 'step-000030.safetensors'))).toBe(true);
  });

  it('mlp2d with no other flag runs the 2-D recipe; every recipe option is a flag recorded in config.json', async () => {
    const dir = tmp('recipe');
    const t = await cli('train', '--preset', 'mlp2d', '--steps', '6', '--backend', 'cpu', '--quiet', '--out', dir);
    expect(t.code).toBe(0);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    // the shortened schedule: cosine over its 6 steps, R1 on the first half
    expect(cfg).toMatchObject({ ...twoDRecipe('nsgan'), steps: 6, r1Until: 3, data: 'grid', loss: 'nsgan' });
    const train = buildCli().commands.find((c) => c.name() === 'train')!;
    const flags = train.options.map((o) => o.long);
    const recipeKeys = [...Object.keys(twoDRecipe('nsgan')), 'r1Until', 'betas', 'optimizer', 'nCritic'] as (keyof TrainConfig)[];
    for (const k of recipeKeys) expect(flags, k).toContain(flagName(k));
    // the same run spelled out flag by flag gives the same config
    const dir2 = tmp('recipe-flags');
    const explicit = recipeKeys.flatMap((k) => [flagName(k), Array.isArray(cfg[k]) ? cfg[k].join(',') : String(cfg[k])]);
    const t2 = await cli('train', '--preset', 'mlp2d', ...explicit, '--backend', 'cpu', '--quiet', '--out', dir2);
    expect(t2.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir2, 'config.json'), 'utf8'))).toEqual(cfg);
    const stats = (d: string) => readFileSync(join(d, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).stats);
    expect(stats(dir2)).toEqual(stats(dir));
  });

  it('resume: a flag that contradicts the checkpoint is refused (exit 2); --steps/--lr changes are printed and recorded', async () => {
    const dir = tmp('resume-flags');
    expect((await cli('train', ...small, '--steps', '4', '--ckpt-every', '2', '--out', dir)).code).toBe(0);
    for (const [flag, value, msg] of [
      ['--preset', 'dcgan', /--preset dcgan contradicts the run being resumed \(.*step-000004\.safetensors has preset = "mlp2d"\)/],
      ['--loss', 'hinge', /--loss hinge contradicts .* has loss = "nsgan"/],
      ['--batch', '64', /--batch 64 contradicts .* has batch = 32/],
      ['--data', 'grid', /--data grid contradicts .* has data = "ring"/],
    ] as const) {
      const r = await cli('train', '--resume', dir, flag, value, '--out', dir, '--backend', 'cpu', '--quiet');
      expect(r.code, flag).toBe(2);
      expect(r.err, flag).toMatch(msg);
      expect(r.err.trim().split('\n').filter((l) => !/^webgan: backend /.test(l))).toHaveLength(1); // one line besides the backend's
    }
    expect(existsSync(join(dir, 'checkpoints', 'step-000006.safetensors'))).toBe(false);
    // repeating the run's own values is no conflict
    const r = await cli('train', '--resume', dir, '--preset', 'mlp2d', '--batch', '32', '--steps', '6', '--lr', '0.0005', '--ckpt-every', '2', '--out', dir, '--backend', 'cpu', '--quiet');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/resuming .*step-000004\.safetensors with steps 4 → 6, lr 0\.001 → 0\.0005 \(recorded in .*config\.json\)/);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(cfg).toMatchObject({ steps: 6, lr: 0.0005, batch: 32, preset: 'mlp2d' });
    expect(cfg.resumes).toEqual([{ step: 4, from: expect.stringMatching(/step-000004\.safetensors$/), changed: { steps: [4, 6], lr: [0.001, 0.0005] } }]);
    expect(existsSync(join(dir, 'checkpoints', 'step-000006.safetensors'))).toBe(true);
    // without --out a resume continues in the run's own directory (named by a checkpoint file in it)
    const r2 = await cli('train', '--resume', join(dir, 'checkpoints', 'step-000006.safetensors'), '--steps', '8', '--backend', 'cpu', '--quiet');
    expect(r2.code).toBe(0);
    expect(r2.err).toContain(`recorded in ${dir}/config.json`);
    expect(existsSync(join(dir, 'checkpoints', 'step-000008.safetensors'))).toBe(true);
    const cfg2 = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(cfg2.resumes.map((x: { step: number }) => x.step)).toEqual([4, 6]);
    const steps = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    expect(steps.at(-1)).toBe(8);
  });

  it('info prints the backend as JSON on stdout', async () => {
    const r = await cli('info', '--backend', 'cpu');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out);
    expect(info.backend).toBe('cpu');
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.runtime).toMatch(/^(node|deno) /);
  });

  it('bad flags and unknown presets: a clear message, exit 2', async () => {
    const p = await cli('train', '--preset', 'nope');
    expect(p.code).toBe(2);
    expect(p.err).toMatch(/'--preset <name>' argument 'nope' is invalid\. Allowed choices are mlp2d, mlp, dcgan/);
    const s = await cli('train', '--steps', 'abc');
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/--steps must be a number, got 'abc'/);
    const l = await cli('train', '--loss', 'wgan-xx');
    expect(l.code).toBe(2);
    expect(l.err).toMatch(/Allowed choices are minimax, nsgan, wgan, wgan-gp, hinge, lsgan/);
  });

  it('a dataset that does not match the model: exit 2, says which preset to use', async () => {
    const r = await cli('train', '--preset', 'dcgan', '--data', 'ring', '--backend', 'cpu', '--out', tmp('mismatch'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/webgan: preset dcgan trains on images; use --preset mlp2d for the 2-D dataset 'ring'/);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('missing or wrong files: exit 2 with the path, no stack trace', async () => {
    const dir = tmp('files');
    const cases: [string[], RegExp][] = [
      [['sample', '--ckpt', join(dir, 'nope.safetensors'), '--backend', 'cpu'], /nope\.safetensors: no such file or directory/],
      [['sample', '--ckpt', dir, '--backend', 'cpu'], /--ckpt .*: not a \.safetensors file, and no step-\*\.safetensors checkpoint found there/],
      [['eval', join(dir, 'none.npy'), '--backend', 'cpu'], /none\.npy: no such file or directory/],
      [['sample', '--ckpt', 'models/fashion-classifier.safetensors', '--backend', 'cpu'], /fashion-classifier\.safetensors: not a webgan checkpoint/],
      [['train', '--resume', dir, '--backend', 'cpu', '--out', dir], /--resume .*: not a \.safetensors file, and no step-\*\.safetensors checkpoint found there/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });

  it('NaN losses stop the run naming the step: exit 3', async () => {
    const r = await cli('train', ...small, '--lr', '1e30', '--steps', '40', '--ckpt-every', '2', '--out', tmp('nan'));
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/webgan: training diverged at step \d+: non-finite/);
  });

  it('2-D samples asked for as PNG: exit 2 naming the formats that work', async () => {
    const dir = tmp('png');
    expect((await cli('train', ...small, '--steps', '2', '--ckpt-every', '2', '--out', dir)).code).toBe(0);
    const r = await cli('sample', '--ckpt', dir, '--out', join(dir, 'x.png'), '--backend', 'cpu');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/mlp2d samples are 2-D points: use --format svg or npy/);
  });
});
