/**
 * wg.jit: a traced and replayed step gives the eager step's values (bit for bit: the same kernels
 * run on the same values in the same order), advances the same host state (Adam's step counts,
 * the Philox stream), and says why when it cannot replay.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import * as wg from '../../src/index.ts';
import { nn } from '../../src/index.ts';
import type { Backend, Tensor } from '../../src/index.ts';
import { testBackends } from '../helpers/backends.ts';

let gpu: Backend | null = null;
beforeAll(async () => {
  gpu = (await (await testBackends()).find((b) => b.name === 'webgpu')?.make()) ?? null;
});
afterAll(() => wg.setBackend(new wg.CpuBackend()));

const values = async (ts: Tensor[]) => Promise.all(ts.map(async (t) => Array.from(await t.data())));

/** A small GAN: G, D, their Adam optimizers and one training step (D then G), as a function of the real batch. */
function gan(opts: { bn?: boolean; loss?: 'bce' | 'wgan-gp' } = {}) {
  wg.manualSeed(3);
  const G = new nn.Sequential(new nn.Linear(4, 16), ...(opts.bn ? [new nn.BatchNorm1d(16)] : []), new nn.ReLU(), new nn.Linear(16, 2));
  const D = new nn.Sequential(new nn.Linear(2, 16), new nn.LeakyReLU(0.2), new nn.Linear(16, 1));
  const betas: [number, number] = opts.loss === 'wgan-gp' ? [0, 0.9] : [0.5, 0.999];
  const optG = new nn.Adam([...G.parameters()], { lr: 2e-3, betas }), optD = new nn.Adam([...D.parameters()], { lr: 2e-3, betas });
  const step = (real: Tensor): Tensor[] => {
    const n = real.shape[0];
    optD.zeroGrad();
    const lossD = wg.tidy(() => {
      const fake = G.call(wg.randn([n, 4])).detach();
      const dr = D.call(real), df = D.call(fake);
      let l: Tensor;
      if (opts.loss === 'wgan-gp') {
        const eps = wg.rand([n, 1]);
        const mix = wg.add(wg.mul(eps, real), wg.mul(wg.sub(1, eps), fake));
        mix.requiresGrad = true;
        const [g] = wg.grad(wg.sum(D.call(mix)), [mix], { createGraph: true });
        const gp = wg.mean(wg.square(wg.sub(wg.sqrt(wg.add(wg.sum(wg.square(g), 1), 1e-12)), 1)));
        l = wg.add(wg.sub(wg.mean(df), wg.mean(dr)), wg.mul(gp, 10));
      } else {
        l = wg.add(wg.mean(wg.softplus(wg.neg(dr))), wg.mean(wg.softplus(df)));
      }
      wg.backward(l);
      return l.detach();
    });
    optD.step();
    optG.zeroGrad();
    const lossG = wg.tidy(() => {
      const df = D.call(G.call(wg.randn([n, 4])));
      const l = opts.loss === 'wgan-gp' ? wg.neg(wg.mean(df)) : wg.mean(wg.softplus(wg.neg(df)));
      wg.backward(l);
      return l.detach();
    });
    optG.step();
    return [lossD, lossG];
  };
  return { G, D, optG, optD, step };
}

const batches = (k: number) => Array.from({ length: k }, (_, i) => wg.keep(wg.add(wg.mul(wg.randn([8, 2]), 0.5), i % 2)));

describe('wg.jit on WebGPU', () => {
  for (const cfg of [{ loss: 'bce' as const }, { loss: 'wgan-gp' as const }, { loss: 'bce' as const, bn: true }]) {
    test(`a ${cfg.loss}${cfg.bn ? ' + batch norm' : ''} GAN step: replays equal the eager steps bit for bit, state and stream included`, async () => {
      expect(gpu, 'WebGPU adapter').not.toBeNull();
      wg.setBackend(gpu!);
      const STEPS = 7;
      const run = async (jitted: boolean) => {
        const m = gan(cfg);
        wg.manualSeed(11);
        const xs = batches(STEPS);
        const f = jitted ? wg.jit(m.step) : m.step;
        const losses: number[][] = [];
        for (const x of xs) losses.push((await values(f(x))).flat());
        const params = await values([...m.G.parameters(), ...m.D.parameters(), ...m.G.buffers()]);
        const moments = await values([...m.optG.stateDict().state[0] ? [m.optG.stateDict().state[0].exp_avg as Tensor] : []]);
        const steps = Object.values(m.optD.stateDict().state).map((s) => s.step);
        const after = Array.from(await wg.randn([4]).data());
        const stats = jitted ? (f as wg.Jitted<[Tensor], Tensor[]>).stats() : null;
        if (jitted) (f as wg.Jitted<[Tensor], Tensor[]>).dispose();
        return { losses, params, moments, steps, after, stats };
      };
      const eager = await run(false);
      const replay = await run(true);
      expect(replay.stats!.mode).toBe('replay');
      expect(replay.stats!.replayed).toBeGreaterThanOrEqual(STEPS - 3);
      expect(replay.losses).toEqual(eager.losses);
      expect(replay.params).toEqual(eager.params);
      expect(replay.moments).toEqual(eager.moments);
      expect(replay.steps).toEqual(eager.steps);
      expect(replay.steps[0]).toBe(STEPS);
      expect(replay.after, 'the random stream continues where the eager one does').toEqual(eager.after);
    });
  }

  test('a replay is one command buffer of the traced dispatches; its planned buffers are no larger than the traced temporaries', async () => {
    wg.setBackend(gpu!);
    const m = gan({ loss: 'bce' });
    const f = wg.jit(m.step);
    const xs = batches(5);
    for (const x of xs.slice(0, 4)) f(x);
    const s = f.stats();
    expect(s.mode).toBe('replay');
    await xs[4].data(); // resident: its own kernel is not the step's
    const before = (wg.backendInfo() as { dispatches: number }).dispatches;
    f(xs[4]);
    expect((wg.backendInfo() as { dispatches: number }).dispatches - before).toBe(s.dispatches);
    expect(s.dispatches!).toBeGreaterThan(10);
    expect(s.bytes!).toBeGreaterThan(0);
    expect(s.plannedBytes!, 'temporaries share buffers').toBeLessThan(s.unplannedBytes! / 2);
    f.dispose();
  });

  test('replays hold their memory steady, and nothing stays live once everything is disposed', async () => {
    wg.setBackend(gpu!);
    await gpu!.sync?.();
    const live0 = gpu!.memory().liveBytes;
    const m = gan({ loss: 'wgan-gp' });
    const f = wg.jit(m.step);
    const x = wg.keep(wg.randn([8, 2]));
    const step = () => { for (const t of f(x)) t.dispose(); };
    for (let i = 0; i < 4; i++) step();
    expect(f.stats().mode).toBe('replay');
    await gpu!.sync?.();
    const live1 = gpu!.memory().liveBytes;
    for (let i = 0; i < 6; i++) step();
    await gpu!.sync?.();
    expect(gpu!.memory().liveBytes).toBe(live1);
    f.dispose();
    x.dispose();
    for (const net of [m.G, m.D]) net.dispose();
    m.optG.dispose();
    m.optD.dispose();
    await gpu!.sync?.();
    expect(gpu!.memory().liveBytes).toBe(live0);
  });

  test('new shapes trace again; the old signature keeps its program', async () => {
    wg.setBackend(gpu!);
    const f = wg.jit((a: Tensor, b: Tensor) => wg.add(wg.matmul(a, b), 1));
    const a = wg.randn([3, 4]), b = wg.randn([4, 5]);
    const want = await wg.add(wg.matmul(a, b), 1).data();
    for (let i = 0; i < 3; i++) expect(Array.from(await f(a, b).data())).toEqual(Array.from(want));
    expect(f.stats().mode).toBe('replay');
    const c = wg.randn([2, 4]);
    expect(Array.from(await f(c, b).data())).toEqual(Array.from(await wg.add(wg.matmul(c, b), 1).data()));
    expect(f.stats().mode).toBe('tracing');
    const d = wg.randn([3, 4]);
    expect(Array.from(await f(d, b).data())).toEqual(Array.from(await wg.add(wg.matmul(d, b), 1).data()));
    expect(f.stats().mode).toBe('replay');
    f.dispose();
  });

  test('the traced call\'s results keep their values after later replays', async () => {
    wg.setBackend(gpu!);
    const f = wg.jit((a: Tensor) => wg.mul(wg.exp(a), 2));
    const outs = [0, 1, 2, 3, 4].map((i) => f(wg.full([4], i)));
    for (const [i, o] of outs.entries()) expect(Array.from(await o.data())).toEqual(Array.from(await wg.mul(wg.exp(wg.full([4], i)), 2).data()));
    f.dispose();
  });

  test('state replaced by a new tensor each call (not assign_) is carried from replay to replay', async () => {
    wg.setBackend(gpu!);
    let acc = wg.keep(wg.zeros([3]));
    const f = wg.jit((x: Tensor) => {
      const next = wg.keep(wg.add(acc, x));
      acc.dispose();
      acc = next;
      return wg.mul(next, 2);
    });
    const outs: number[][] = [];
    for (let i = 1; i <= 6; i++) outs.push(Array.from(await f(wg.full([3], i)).data()));
    expect(f.stats().replayed).toBeGreaterThanOrEqual(3);
    const sums = [1, 3, 6, 10, 15, 21];
    expect(outs).toEqual(sums.map((v) => [2 * v, 2 * v, 2 * v]));
    expect(Array.from(await acc.data())).toEqual([21, 21, 21]);
    f.dispose();
  });

  test('host values that change between calls: runs eagerly and says so', async () => {
    wg.setBackend(gpu!);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let k = 0;
    const f = wg.jit((a: Tensor) => wg.add(a, ++k), { name: 'counter' });
    const a = wg.zeros([3]);
    const got: number[] = [];
    for (let i = 0; i < 6; i++) got.push((await f(a).data())[0]);
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
    expect(f.stats().mode).toBe('eager');
    expect(f.stats().reason).toMatch(/parameter word .* changes between calls/);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/wg\.jit\(counter\): cannot replay/);
    warn.mockRestore();
  });

  test('a read-back inside the function: runs eagerly and says so', async () => {
    wg.setBackend(gpu!);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const f = wg.jit((a: Tensor) => { void a.data(); return wg.neg(a); });
    const a = wg.ones([2]);
    for (let i = 0; i < 3; i++) expect(Array.from(await f(a).data())).toEqual([-1, -1]);
    expect(f.stats().reason).toMatch(/reads values back/);
    warn.mockRestore();
  });

  test('a traced call\'s consecutive in-place writes run as one kernel: batch norm\'s running mean, variance and count', async () => {
    wg.setBackend(gpu!);
    const run = async (jitted: boolean) => {
      wg.manualSeed(5);
      const bn = new nn.BatchNorm1d(16);
      const fn = (x: Tensor) => wg.tidy(() => wg.sum(bn.call(x)));
      const f = jitted ? wg.jit(fn) : fn;
      for (let i = 0; i < 6; i++) f(wg.add(wg.mul(wg.randn([8, 16]), i + 1), i));
      const stats = jitted ? (f as wg.Jitted<[Tensor], Tensor>).stats() : null;
      return { stats, buffers: await values([...bn.buffers()]) };
    };
    const eager = await run(false), traced = await run(true);
    expect(traced.stats!.mode).toBe('replay');
    // statistics, normalize, the sum, and one kernel for the three writes (one each would be 5)
    expect(traced.stats!.dispatches).toBe(4);
    expect(traced.buffers).toEqual(eager.buffers);
    expect(traced.buffers[2]).toEqual([6]);
  });

  test('deferred writes keep program order: a write that reads another\'s destination sees its new values; many writes split by the binding limit', async () => {
    wg.setBackend(gpu!);
    const K = 10;
    const run = async (jitted: boolean) => {
      const a = wg.keep(wg.ones([5])), b = wg.keep(wg.zeros([5]));
      const ema = Array.from({ length: K }, (_, i) => wg.keep(wg.full([3 + i], i)));
      const fn = (x: Tensor) => wg.noGrad(() => {
        nn.assign_(a, wg.add(a, x));
        nn.assign_(b, wg.mul(a, 2)); // the new a
        nn.assign_(a, wg.add(b, 1)); // the new b
        const sx = wg.sum(x);
        for (const [i, e] of ema.entries()) nn.assign_(e, wg.tidy(() => wg.add(wg.mul(e, 0.5), wg.mul(sx, i))));
        return wg.sum(a);
      });
      const f = jitted ? wg.jit(fn) : fn;
      const outs: number[] = [];
      for (let i = 0; i < 6; i++) outs.push((await f(wg.full([5], i)).data())[0]);
      const stats = jitted ? (f as wg.Jitted<[Tensor], Tensor>).stats() : null;
      return { outs, stats, state: await values([a, b, ...ema]) };
    };
    const eager = await run(false), traced = await run(true);
    expect(traced.stats!.mode).toBe('replay');
    expect(traced.outs).toEqual(eager.outs);
    expect(traced.state).toEqual(eager.state);
    // the three writes of a and b conflict (each reads the one before): three kernels; the K EMA
    // writes read the sum and write their own buffer (2 bindings each) and share kernels within
    // the binding limit; then the x-sum and the returned sum
    const limit = Math.min(Number((wg.backendInfo() as { limits: Record<string, number> }).limits.maxStorageBuffersPerShaderStage ?? 8), 16);
    const perKernel = Math.floor(limit / 2);
    expect(traced.stats!.dispatches).toBeLessThanOrEqual(3 + Math.ceil(K / perKernel) + 2);
    expect(traced.stats!.dispatches).toBeLessThan(3 + K);
  });

  test('a disposed tensor the program reads is refused with a clear error', async () => {
    wg.setBackend(gpu!);
    const w = wg.keep(wg.randn([4, 4]));
    const f = wg.jit((a: Tensor) => wg.matmul(a, w));
    const a = wg.randn([2, 4]);
    for (let i = 0; i < 3; i++) f(a);
    expect(f.stats().mode).toBe('replay');
    w.dispose();
    expect(() => f(a)).toThrow(/wg\.jit: 1 tensor\(s\) that the traced function reads were disposed/);
    f.dispose();
  });
});

test('on the CPU backend a jit function runs eagerly', async () => {
  wg.setBackend(new wg.CpuBackend());
  const f = wg.jit((a: Tensor) => wg.mul(a, 3));
  expect(Array.from(await f(wg.ones([2])).data())).toEqual([3, 3]);
  expect(f.stats()).toMatchObject({ mode: 'eager', reason: 'the cpu backend does not record commands' });
});

/**
 * The trainer's traced step (GanTrainer.jit, on by default) against the same trainer stepping
 * eagerly: bit-equal parameters, Adam / RMSprop state, window statistics and generator position
 * after every preset's and loss's steps — including the ones whose step varies (lazy R1, path
 * length: one traced function per combination) and stylegan's ramped-up EMA decay (an argument).
 */
describe('the GAN trainer with wg.jit on WebGPU', () => {
  const runs: [string, Record<string, unknown>, number][] = [
    ...(['minimax', 'nsgan', 'wgan', 'wgan-gp', 'hinge', 'lsgan'] as const).map((loss): [string, Record<string, unknown>, number] => [`mlp2d ${loss}`, { preset: 'mlp2d', loss, data: 'ring', batch: 16, nCritic: 2, gWidth: 16, dWidth: 16 }, 5]),
    ['dcgan hinge + R1 (batch norm, double backward)', { preset: 'dcgan', loss: 'hinge', r1Gamma: 1, batch: 4, limit: 16 }, 4],
    ['cdcgan nsgan (labels)', { preset: 'cdcgan', loss: 'nsgan', batch: 4, limit: 16 }, 4],
    ['mlp (Fashion-MNIST) hinge, EMA of G', { preset: 'mlp', loss: 'hinge', batch: 8, limit: 32, ema: 0.9 }, 5],
    ['cgan lsgan (labels)', { preset: 'cgan', loss: 'lsgan', batch: 8, limit: 32 }, 5],
    ['stylegan: lazy R1 and path length every 2 steps, mixing, ramped EMA', { preset: 'stylegan', batch: 4, limit: 16, zDim: 8, mappingLayers: 2, channelBase: 64, channelMax: 8, r1Every: 2, plEvery: 2 }, 8],
  ];
  for (const [name, cfg, steps] of runs) {
    test(`${name}: ${steps} steps traced and replayed equal ${steps} eager steps`, async () => {
      wg.setBackend(gpu!);
      const { GanTrainer } = await import('../../src/gan/trainer.ts');
      const warn = vi.spyOn(console, 'warn');
      const run = async (jit: boolean) => {
        const t = await GanTrainer.create({ ...cfg, seed: 5 } as never);
        t.jit = jit;
        for (let i = 0; i < steps; i++) t.trainStep();
        const rec = await t.collect(false);
        const params = await values([...t.models.G.parameters(), ...t.models.D.parameters(), ...t.models.G.buffers(), ...(t.ema ? t.ema.parameters() : [])]);
        const opt = [t.optG, t.optD].map((o) => Object.values(o.stateDict().state).map((st) => st.step));
        const stats = t.jitStats();
        const next = Array.from(await wg.rand([2]).data());
        t.dispose();
        return { stats: rec.stats, params, opt, jit: stats, next };
      };
      const eager = await run(false);
      const traced = await run(true);
      expect(Object.values(traced.jit).some((s) => s.replayed > 0), JSON.stringify(traced.jit)).toBe(true);
      for (const s of Object.values(traced.jit)) expect(s.mode, JSON.stringify(s)).not.toBe('eager');
      expect(warn).not.toHaveBeenCalled();
      warn.mockRestore();
      expect(traced.stats).toEqual(eager.stats);
      expect(traced.params.length).toBe(eager.params.length);
      traced.params.forEach((p, i) => expect(p.every((v, k) => Object.is(v, eager.params[i][k])), `tensor ${i}`).toBe(true));
      expect(traced.opt).toEqual(eager.opt);
      expect(traced.next).toEqual(eager.next);
    });
  }
});

/**
 * runTraining on WebGPU, as `webgan train` runs it: the traced run's checkpoint equals the eager
 * run's byte for byte, and a traced run resumed from its step-4 checkpoint ends where the
 * uninterrupted one does.
 */
test('pix2pix and cyclegan (TranslationTrainer): traced and replayed steps equal eager steps', async () => {
  wg.setBackend(gpu!);
  const { TranslationTrainer } = await import('../../src/gan/translation/trainer.ts');
  const warn = vi.spyOn(console, 'warn');
  // cyclegan: batch 2 and a pool of 3, so the steps cover the pool filling, swaps and images stored earlier in the batch
  const run = async (preset: 'pix2pix' | 'cyclegan', jit: boolean) => {
    const t = await TranslationTrainer.create({ preset, limit: 4, ngf: 4, ndf: 4, ...(preset === 'cyclegan' ? { blocks: 1, batch: 2, poolSize: 3 } : { batch: 1 }), seed: 5 });
    t.jit = jit;
    for (let i = 0; i < 5; i++) t.trainStep();
    const rec = await t.collect(false);
    const params = await values(Object.values(t.models.nets).flatMap((n) => [...n.parameters(), ...n.buffers()]));
    const js = t.jitStats();
    const next = Array.from(await wg.rand([2]).data());
    t.dispose();
    return { stats: rec.stats, params, js, next };
  };
  for (const preset of ['pix2pix', 'cyclegan'] as const) {
    const eager = await run(preset, false), traced = await run(preset, true);
    expect(traced.js[preset].mode, preset).toBe('replay');
    expect(traced.js[preset].replayed, preset).toBeGreaterThan(0);
    expect(traced.stats, preset).toEqual(eager.stats);
    traced.params.forEach((p, i) => expect(p.every((v, k) => Object.is(v, eager.params[i][k])), `${preset}: tensor ${i}`).toBe(true));
    expect(traced.next, preset).toEqual(eager.next);
  }
  expect(warn).not.toHaveBeenCalled();
  warn.mockRestore();
});

describe('runTraining with wg.jit on WebGPU', () => {
  // cyclegan: its history pools (size 3, batch 2) are in the checkpoint and written in place by the replays
  test.each([
    { preset: 'mlp2d' as const, loss: 'wgan-gp' as const, data: 'ring', batch: 32, gWidth: 16, dWidth: 16 },
    { preset: 'cyclegan' as const, batch: 2, limit: 8, ngf: 4, ndf: 4, blocks: 1, poolSize: 3 },
  ])('$preset: checkpoints equal --no-jit\'s; resume from a checkpoint is exact', async (c) => {
    wg.setBackend(gpu!);
    const { runTraining } = await import('../../src/gan/run.ts');
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const cfg = { ...c, steps: 8, logEvery: 4, sampleEvery: 100, ckptEvery: 4, seed: 9 };
    const train = async (jit: boolean, resume?: string, dir = mkdtempSync(join(tmpdir(), 'webgan-jit-'))) => {
      const r = await runTraining(cfg, { out: dir, jit, resume });
      const replayed = Object.values((r.trainer as { jitStats(): Record<string, wg.JitStats> }).jitStats()).reduce((n, st) => n + st.replayed, 0);
      expect(replayed > 0, `jit ${jit}: ${replayed} replays`).toBe(jit);
      r.trainer.dispose();
      return dir;
    };
    const ckpt = (dir: string, step: number) => readFileSync(join(dir, 'checkpoints', `step-00000${step}.safetensors`));
    const eager = await train(false), traced = await train(true);
    expect(ckpt(traced, 4).equals(ckpt(eager, 4))).toBe(true);
    expect(ckpt(traced, 8).equals(ckpt(eager, 8))).toBe(true);
    const resumed = mkdtempSync(join(tmpdir(), 'webgan-jit-'));
    const { copyFileSync, mkdirSync } = await import('node:fs');
    mkdirSync(join(resumed, 'checkpoints'));
    copyFileSync(join(traced, 'checkpoints', 'step-000004.safetensors'), join(resumed, 'checkpoints', 'step-000004.safetensors'));
    await train(true, join(resumed, 'checkpoints', 'step-000004.safetensors'), resumed);
    expect(ckpt(resumed, 8).equals(ckpt(traced, 8))).toBe(true);
  });
});
