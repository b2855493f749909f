import { cpSync, mkdtempSync, readFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { GanTrainer, DivergenceError } from '../../src/gan/trainer.ts';
import { runTraining } from '../../src/gan/run.ts';
import { lrFactor, resolveConfig, resumeConfig } from '../../src/gan/config.ts';

const small = { preset: 'mlp2d' as const, data: 'ring', batch: 16, logEvery: 2, sampleEvery: 100, ckptEvery: 3, steps: 6 };

/** All parameters of G and D, flat (compared with sameValues: a failing toEqual on 10⁵ numbers would print for minutes). */
async function paramsOf(t: GanTrainer): Promise<Float64Array> {
  const parts: number[][] = [];
  for (const p of [...t.models.G.parameters(), ...t.models.D.parameters()]) parts.push(Array.from(await p.data()));
  return Float64Array.from(parts.flat());
}
function sameValues(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

describe('GAN trainer', () => {
  it('is deterministic for a seed', async () => {
    // runs draw from the one global generator, so they run one after the other (as in PyTorch)
    const run = async (seed: number) => {
      const t = await GanTrainer.create({ ...small, seed });
      for (let i = 0; i < 3; i++) t.trainStep();
      const p = await paramsOf(t);
      t.dispose();
      return p;
    };
    const [pa, pb, pc] = [await run(3), await run(3), await run(4)];
    expect(sameValues(pa, pb)).toBe(true);
    expect(sameValues(pa, pc)).toBe(false);
  });

  it('trains every loss without NaN, the critic and generator losses change', async () => {
    for (const loss of ['minimax', 'nsgan', 'wgan', 'wgan-gp', 'hinge', 'lsgan'] as const) {
      const t = await GanTrainer.create({ ...small, loss, seed: 1, nCritic: 2 });
      const before = await paramsOf(t);
      for (let i = 0; i < 2; i++) t.trainStep();
      const r = await t.collect();
      for (const [k, v] of Object.entries(r.stats)) expect(Number.isFinite(v), `${loss} ${k}`).toBe(true);
      if (loss === 'wgan-gp') expect(r.stats.gp).toBeGreaterThan(0);
      expect(sameValues(await paramsOf(t), before)).toBe(false);
      expect(Object.keys(r.gradNorms).length).toBe(t.models.G.parameters().length + t.models.D.parameters().length);
      if (loss === 'wgan') {
        for (const p of t.models.D.parameters()) expect(Math.max(...(await p.data()).map(Math.abs))).toBeLessThanOrEqual(0.01 + 1e-7);
      }
      t.dispose();
    }
  });

  it('applies R1 on generator steps 1…r1Until only', async () => {
    const run = async (cfg: { r1Gamma: number; r1Until?: number }, offAfter = 0) => {
      const t = await GanTrainer.create({ ...small, seed: 2, ...cfg });
      for (let i = 1; i <= 4; i++) {
        if (offAfter && i > offAfter) (t.cfg as { r1Gamma: number }).r1Gamma = 0;
        t.trainStep();
      }
      const p = await paramsOf(t);
      t.dispose();
      return p;
    };
    const until2 = await run({ r1Gamma: 1, r1Until: 2 });
    expect(sameValues(until2, await run({ r1Gamma: 1 }, 2))).toBe(true); // R1 on steps 1, 2, then none
    expect(sameValues(until2, await run({ r1Gamma: 1 }, 3))).toBe(false);
    expect(sameValues(until2, await run({ r1Gamma: 1 }))).toBe(false);
    expect(sameValues(until2, await run({ r1Gamma: 0 }))).toBe(false);
  });

  it('resumes exactly: 3 steps + checkpoint + 3 steps = 6 steps', async () => {
    // a run extended with a larger --steps: constant learning rate and R1 throughout, so the
    // 3-step run's first half is the 6-step run's first half
    const extensible = { ...small, lrDecay: 'none' as const, r1Gamma: 0.1, r1Until: 0 };
    const dirA = mkdtempSync(join(tmpdir(), 'wg-a-')), dirB = mkdtempSync(join(tmpdir(), 'wg-b-'));
    const straight = await runTraining({ ...extensible, seed: 5 }, { out: dirA });
    await runTraining({ ...extensible, seed: 5, steps: 3 }, { out: dirB });
    const resumed = await runTraining({ steps: 6 }, { out: dirB, resume: dirB });
    expect(resumed.trainer.step).toBe(6);
    expect(sameValues(await paramsOf(resumed.trainer), await paramsOf(straight.trainer))).toBe(true);
    const logA = readFileSync(join(dirA, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).stats);
    const logB = readFileSync(join(dirB, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).stats);
    expect(logB).toEqual(logA);
    expect(readdirSync(join(dirB, 'checkpoints'))).toContain('step-000006.safetensors');
    expect(existsSync(join(dirB, 'losses.svg'))).toBe(true);
    straight.trainer.dispose();
    resumed.trainer.dispose();
  });

  it('resumes exactly mid-schedule: cosine decay and the R1 window continue where they stopped', async () => {
    const dirA = mkdtempSync(join(tmpdir(), 'wg-cos-a-')), dirB = mkdtempSync(join(tmpdir(), 'wg-cos-b-'));
    const cfg = { ...small, seed: 6, keepCheckpoints: 5 }; // the mlp2d recipe: cosine over 6 steps, R1 on steps 1…3
    const straight = await runTraining(cfg, { out: dirA });
    expect(straight.trainer.cfg).toMatchObject({ lrDecay: 'cosine', r1Gamma: 0.1, r1Until: 3 });
    cpSync(dirA, dirB, { recursive: true });
    rmSync(join(dirB, 'checkpoints', 'step-000006.safetensors'));
    const resumed = await runTraining({}, { out: dirB, resume: join(dirB, 'checkpoints', 'step-000003.safetensors') });
    expect(sameValues(await paramsOf(resumed.trainer), await paramsOf(straight.trainer))).toBe(true);
    const log = (d: string) => readFileSync(join(d, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).stats);
    expect(log(dirB)).toEqual(log(dirA));
    straight.trainer.dispose();
    resumed.trainer.dispose();
  });

  it('sets the learning rate of every update from the step: constant, cosine or linear to 0', async () => {
    const lrs = async (lrDecay: 'none' | 'cosine' | 'linear') => {
      const t = await GanTrainer.create({ ...small, lrDecay, lr: 1e-3, steps: 4, seed: 1 });
      const seen: number[] = [];
      for (let i = 0; i < 4; i++) {
        t.trainStep();
        seen.push(t.optG.paramGroups[0].lr, t.optD.paramGroups[0].lr);
      }
      expect((await t.collect(false)).lr).toBe(seen[seen.length - 1]); // log.jsonl records the rate of the last update
      const p = await paramsOf(t);
      t.dispose();
      return { seen, p };
    };
    const pairs = (f: number[]) => f.flatMap((x) => [1e-3 * x, 1e-3 * x]);
    const none = await lrs('none'), cosine = await lrs('cosine'), linear = await lrs('linear');
    expect(none.seen).toEqual(pairs([1, 1, 1, 1]));
    // step s of T uses lr·(1 + cos(π s/T))/2 (torch's CosineAnnealingLR stepped once per step) and lr·(1 − s/T)
    cosine.seen.forEach((v, i) => expect(v).toBeCloseTo(pairs([1, (1 + Math.SQRT1_2) / 2, 0.5, (1 - Math.SQRT1_2) / 2])[i], 15));
    linear.seen.forEach((v, i) => expect(v).toBeCloseTo(pairs([1, 0.75, 0.5, 0.25])[i], 15));
    expect(lrFactor('cosine', 4, 4)).toBe(0);
    expect(sameValues(none.p, cosine.p)).toBe(false);
    expect(sameValues(cosine.p, linear.p)).toBe(false);
  });

  it('runs PacGAN on 2-D data end to end: the plots show the samples, and the surface only without packing', async () => {
    const surfaceOf = async (pack: number) => {
      const dir = mkdtempSync(join(tmpdir(), 'wg-pack-'));
      const r = await runTraining({ ...small, steps: 2, pack, sampleEvery: 1, seed: 2 }, { out: dir });
      expect(r.trainer.models.pack).toBe(pack);
      r.trainer.dispose();
      const svg = readFileSync(join(dir, 'samples', 'step-000002.svg'), 'utf8');
      expect(svg).toContain('G(z), step 2');
      return svg.includes('background:');
    };
    expect(await surfaceOf(1)).toBe(true);
    expect(await surfaceOf(4)).toBe(false);
  });

  it('keeps device memory flat over many steps', async () => {
    const t = await GanTrainer.create({ ...small, loss: 'wgan-gp', nCritic: 2, seed: 2 });
    t.trainStep();
    await t.collect();
    const base = wg.memory().liveBuffers;
    for (let i = 0; i < 5; i++) t.trainStep();
    await t.collect();
    expect(wg.memory().liveBuffers).toBe(base);
    t.dispose();
  });

  it('stops on divergence naming the step and the last checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-nan-'));
    // a learning rate this large sends an MLP GAN to inf/NaN within a few steps
    const err = await runTraining({ ...small, lr: 1e30, steps: 40, ckptEvery: 2 }, { out: dir }).catch((e) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect(err.message).toMatch(/training diverged at step \d+: non-finite/);
  });

  it('mlp2d defaults to the 2-D recipe; the R1 window is half the run unless set by hand', () => {
    const recipe = { batch: 500, steps: 7500, lr: 1e-3, lrDecay: 'cosine', r1Gamma: 0.1, r1Until: 3750, betas: [0.5, 0.999] };
    expect(resolveConfig({ preset: 'mlp2d' })).toMatchObject({ ...recipe, data: 'grid', loss: 'nsgan' });
    expect(resolveConfig({ preset: 'mlp2d', data: 'ring' })).toMatchObject(recipe);
    expect(resolveConfig({ preset: 'mlp2d', steps: 1000 }).r1Until).toBe(500);
    expect(resolveConfig({ preset: 'mlp2d', r1Gamma: 1 }).r1Until).toBe(0);
    expect(resolveConfig({ preset: 'mlp2d', r1Gamma: 0 })).toMatchObject({ r1Gamma: 0, r1Until: 0 });
    expect(resolveConfig({ preset: 'mlp2d', r1Until: 100 }).r1Until).toBe(100);
    expect(resolveConfig({})).toMatchObject({ preset: 'dcgan', lrDecay: 'none', r1Gamma: 0, batch: 64, lr: 2e-4 });
    expect(resolveConfig({ preset: 'mlp2d', loss: 'wgan-gp' })).toMatchObject({ steps: 6000, batch: 256, lr: 1e-3, lrDecay: 'cosine', nCritic: 2, gpLambda: 0.1, betas: [0, 0.9], r1Gamma: 0, r1Until: 0 });
    expect(resolveConfig({ preset: 'dcgan', loss: 'wgan-gp' })).toMatchObject({ lr: 1e-4, lrDecay: 'none', nCritic: 5, gpLambda: 10, betas: [0, 0.9] });
    expect(resolveConfig({ preset: 'mlp2d', loss: 'wgan' })).toMatchObject({ optimizer: 'rmsprop', lr: 5e-5, clip: 0.01, nCritic: 5, lrDecay: 'none', r1Gamma: 0 });
  });

  it('a resumed run keeps its config: contradicting fields are refused, steps/lr/logging may change', () => {
    const saved = resolveConfig({ preset: 'dcgan' });
    expect(() => resumeConfig(saved, { preset: 'mlp2d' }, 'ck')).toThrow(/--preset mlp2d contradicts the run being resumed \(ck has preset = "dcgan"\)/);
    expect(() => resumeConfig(saved, { batch: 32 }, 'ck')).toThrow(/--batch 32 contradicts/);
    expect(() => resumeConfig(saved, { betas: [0, 0.9] }, 'ck')).toThrow(/--betas 0,0.9 contradicts/);
    expect(() => resumeConfig(saved, { r1Gamma: 1 }, 'ck')).toThrow(/--r1 1 contradicts/);
    const same = resumeConfig(saved, { preset: 'dcgan', batch: 64, seed: 0 }, 'ck');
    expect(same.changed).toEqual({});
    expect(same.cfg).toEqual(saved);
    const more = resumeConfig(saved, { steps: 2000, lr: 1e-4 }, 'ck');
    expect(more.changed).toEqual({ steps: [1000, 2000], lr: [2e-4, 1e-4] });
    expect(more.cfg).toEqual({ ...saved, steps: 2000, lr: 1e-4 });
    // a checkpoint from before lrDecay existed ran without decay, whatever today's recipe says
    const { lrDecay: _, ...old } = resolveConfig({ preset: 'mlp2d', r1Gamma: 0 });
    expect(resumeConfig(old as never, {}, 'ck').cfg.lrDecay).toBe('none');
  });

  it('rejects bad configurations clearly', () => {
    expect(() => resolveConfig({ lrDecay: 'exp' as never })).toThrow(/--lr-decay must be one of none, cosine, linear, half-linear, got exp/);
    expect(() => resolveConfig({ preset: 'nope' as never })).toThrow(/unknown preset 'nope'/);
    expect(() => resolveConfig({ loss: 'bogus' as never })).toThrow(/unknown loss 'bogus'/);
    expect(() => resolveConfig({ preset: 'dcgan', data: 'ring' })).toThrow(/trains on images/);
    expect(() => resolveConfig({ preset: 'mlp2d', data: 'fashion-mnist' })).toThrow(/2-D data/);
    expect(() => resolveConfig({ steps: 0 })).toThrow(/--steps must be an integer/);
    expect(() => resolveConfig({ batch: 10, pack: 4 })).toThrow(/divisible by --pack/);
    expect(() => resolveConfig({ lr: NaN })).toThrow(/--lr must be a positive number/);
    expect(() => resolveConfig({ r1Until: -1 })).toThrow(/--r1-until must be an integer ≥ 0/);
    expect(() => resolveConfig({ r1Until: 100 })).toThrow(/--r1-until 100 limits the R1 penalty, which is off/);
  });
});

describe('runDirOf: where a resume without --out continues', () => {
  it('the run that holds the checkpoint, or null for a loose file', async () => {
    const { runDirOf } = await import('../../src/gan/run.ts');
    expect(runDirOf('runs/a')).toBe('runs/a');
    expect(runDirOf('runs/a/')).toBe('runs/a');
    expect(runDirOf('runs/a/checkpoints')).toBe('runs/a');
    expect(runDirOf('runs/a/checkpoints/step-000010.safetensors')).toBe('runs/a');
    expect(runDirOf('/tmp/x/checkpoints/step-000001.safetensors')).toBe('/tmp/x');
    expect(runDirOf('model.safetensors')).toBeNull();
    expect(runDirOf('weights/g.safetensors')).toBeNull();
  });
});
