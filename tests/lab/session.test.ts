/**
 * The lab's URL settings and its training session (src/lab), in Node on the CPU backend: the same
 * code the page's worker runs. The page itself is tested in Chromium by scripts/lab-test.mjs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { LAB_DEFAULTS, parseSettings, settingsQuery } from '../../src/lab/settings.ts';
import { LabSession, MESH, N_ARROWS, N_FAKE, RES } from '../../src/lab/session.ts';

afterAll(() => wg.setBackend(new wg.CpuBackend()));

describe('lab settings from the URL', () => {
  it('reads every parameter and fills the rest with defaults', () => {
    const p = parseSettings('?data=ring&loss=wgan-gp&seed=7&lr=0.001&batch=64&gdepth=2&gwidth=32&ddepth=1&dwidth=16&ncritic=3&gp=1&backend=cpu&speed=10&autoplay=1');
    expect(p.errors).toEqual([]);
    expect(p.settings).toMatchObject({ data: 'ring', loss: 'wgan-gp', seed: 7, lr: 0.001, batch: 64, gdepth: 2, gwidth: 32, ddepth: 1, dwidth: 16, ncritic: 3, gp: 1, backend: 'cpu', speed: 10, autoplay: true });
    expect(p.config).toMatchObject({ preset: 'mlp2d', data: 'ring', loss: 'wgan-gp', seed: 7, lr: 0.001, batch: 64, gDepth: 2, gWidth: 32, dDepth: 1, dWidth: 16, nCritic: 3, gpLambda: 1 });
    const d = parseSettings('');
    expect(d.errors).toEqual([]);
    expect(d.settings).toEqual(LAB_DEFAULTS);
    expect(d.config).toMatchObject({ data: 'ring', loss: 'nsgan', gDepth: 2, gWidth: 32, dDepth: 2, dWidth: 32, batch: 64, seed: 0 });
    expect(d.settings.speed).toBe(3);
  });

  it('says what is wrong, in URL parameter names, and never throws', () => {
    const p = parseSettings('?data=circle&seed=-1&lr=abc&gdepth=0&gwidth=1e9&autoplay=yes&colour=red&batch=');
    expect(p.config).toBeNull();
    expect(p.errors).toEqual([
      "data: must be one of ring, grid, spiral, moons, drawn, got 'circle'",
      "seed: must be an integer from 0 to 2147483647, got '-1'",
      "lr: must be a positive number, got 'abc'",
      "gdepth: must be an integer from 1 to 8, got '0'",
      "gwidth: must be an integer from 1 to 512, got '1e9'",
      "autoplay: must be 1 or 0, got 'yes'",
      expect.stringMatching(/^unknown URL parameter 'colour'/),
      "batch: must be an integer from 1 to 4096, got ''",
    ]);
    // contradictions resolveConfig finds, with its flags turned into parameters
    expect(parseSettings('?batch=100&pack=3').errors).toEqual(['batch 100 must be divisible by pack 3']);
    expect(parseSettings('?lrdecay=cosine&lr=0.01').errors).toEqual([]);
  });

  it('writes a query of the non-default settings that reads back the same', () => {
    const p = parseSettings('?data=grid&seed=3&gwidth=16&autoplay=1&sn=1&batch=64');
    const q = settingsQuery(p.settings);
    expect(q).toBe('data=grid&seed=3&gwidth=16&sn=1&autoplay=1'); // batch=64 is the default: left out
    expect(parseSettings('?' + q).settings).toEqual(p.settings);
  });
});

describe('lab session', () => {
  const cfg = (extra = '') => parseSettings(`?data=grid&loss=nsgan&seed=5&batch=64&gdepth=2&gwidth=32&ddepth=2&dwidth=32${extra}`).config!;

  it('draws every layer of the view with the right shapes', async () => {
    const s = await LabSession.create(cfg());
    expect(s.setup.real.length).toBe(2000);
    expect(s.setup.modes).toHaveLength(25);
    const f = await s.frame();
    expect(f.fake.length).toBe(2 * N_FAKE);
    expect(f.grads.length).toBe(2 * N_ARROWS);
    expect(f.manifold.length).toBe(2 * MESH * MESH);
    expect(f.surface!.length).toBe(RES * RES);
    expect(f.surface!.every((v) => v > 0 && v < 1)).toBe(true); // σ(D)
    expect(f.metrics!.totalModes).toBe(25);
    expect(f.metrics!.histogram.reduce((a, b) => a + b, 0)).toBe(N_FAKE);
    s.dispose();
  });

  it('the arrows are −∂ℓ/∂x of each sample\'s own generator loss (finite differences), the surface σ(D) on the grid', async () => {
    const s = await LabSession.create(cfg());
    await s.train(3);
    const f = await s.frame();
    const m = s.trainer.models;
    const h = 1e-3; // D is piecewise linear (LeakyReLU): a small step rarely crosses a kink
    // nsgan: ℓ(x) = −log σ(D(x)) = softplus(−D(x))
    const ell = async (pts: number[]) => {
      const d = await wg.noGrad(() => m.discriminate(wg.tensor(pts, [pts.length / 2, 2]))).data();
      return Array.from(d, (v) => Math.log1p(Math.exp(-v)));
    };
    for (const i of [0, 17, 101]) {
      const [x, y] = [f.fake[2 * i], f.fake[2 * i + 1]];
      const [lxp, lxm, lyp, lym] = await ell([x + h, y, x - h, y, x, y + h, x, y - h]);
      const num = [-(lxp - lxm) / (2 * h), -(lyp - lym) / (2 * h)];
      const scale = Math.max(Math.hypot(...num), 1e-3);
      expect(Math.abs(f.grads[2 * i] - num[0]) / scale).toBeLessThan(0.05);
      expect(Math.abs(f.grads[2 * i + 1] - num[1]) / scale).toBeLessThan(0.05);
    }
    // the top-left cell is centred at (x0 + cell/2, y1 − cell/2)
    const [x0, x1, , y1] = s.setup.extent;
    const c = (x1 - x0) / RES;
    const d00 = (await wg.noGrad(() => m.discriminate(wg.tensor([x0 + c / 2, y1 - c / 2], [1, 2]))).data())[0];
    expect(f.surface![0]).toBeCloseTo(1 / (1 + Math.exp(-d00)), 5);
    s.dispose();
  });

  it('replays the same run for the same settings, however it is stepped and watched', async () => {
    const run = async (watch: boolean) => {
      const s = await LabSession.create(cfg());
      const recs = [];
      recs.push(await s.train(2));
      if (watch) await s.frame();
      recs.push(await s.stepD());
      if (watch) await s.frame();
      recs.push(await s.stepG());
      recs.push(await s.train(1));
      const f = await s.frame();
      s.dispose();
      return { recs: recs.map(({ stepsPerSec: _, ...r }) => r), fake: Array.from(f.fake) };
    };
    const a = await run(false), b = await run(true);
    expect(b.recs).toEqual(a.recs);
    expect(b.fake).toEqual(a.fake);
    expect(a.recs.map((r) => [r.kind, r.step])).toEqual([['step', 2], ['d', 2], ['g', 3], ['step', 4]]);
    const other = await LabSession.create(parseSettings('?data=grid&seed=6&batch=64&gdepth=2&gwidth=32&ddepth=2&dwidth=32').config!);
    expect(Array.from((await other.frame()).fake)).not.toEqual(b.fake);
    other.dispose();
  });

  it('frees what it draws: live memory stays flat over training, frames and single updates', async () => {
    const s = await LabSession.create(cfg());
    const round = async () => {
      await s.train(2);
      await s.frame();
      await s.stepD();
      await s.stepG();
      await s.frame();
    };
    await round();
    const before = wg.memory();
    for (let i = 0; i < 3; i++) await round();
    const after = wg.memory();
    expect([after.liveBuffers, after.liveBytes]).toEqual([before.liveBuffers, before.liveBytes]);
    s.dispose();
  });

  it('learns the grid: more modes captured after a few hundred steps', async () => {
    const s = await LabSession.create(cfg('&lr=0.002'));
    const before = (await s.frame()).metrics!;
    for (let i = 0; i < 6; i++) await s.train(50);
    const after = (await s.frame()).metrics!;
    expect(after.modes, JSON.stringify({ before, after })).toBeGreaterThan(before.modes + 3);
    s.dispose();
  }, 300_000);
});
