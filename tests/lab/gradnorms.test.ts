/**
 * The lab's per-layer gradient norms and Wasserstein estimate (src/lab/session.ts), in Node on the
 * CPU backend: the norms a frame reports are those of the gradients of the update just made,
 * recomputed here from the same random draws, and reading them changes nothing in the run.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { sampleMixture } from '../../src/data/mixtures.ts';
import { parseSettings } from '../../src/lab/settings.ts';
import { LabSession, netLayers } from '../../src/lab/session.ts';

afterAll(() => wg.setBackend(new wg.CpuBackend()));

const cfg = (extra = '') => parseSettings(`?data=ring&loss=nsgan&r1=0&seed=3&batch=32&gdepth=2&gwidth=16&ddepth=2&dwidth=16${extra}`).config!;

/** ‖∂loss/∂θ‖₂ per layer of a network, on the host */
async function normsOf(loss: Tensor, net: Parameters<typeof netLayers>[0]): Promise<number[]> {
  const layers = netLayers(net);
  const grads = wg.grad(loss, layers.flatMap((l) => l.params));
  const out: number[] = [];
  let i = 0;
  for (const l of layers) {
    let s = 0;
    for (const _ of l.params) for (const v of await grads[i++].data()) s += v * v;
    out.push(Math.sqrt(s));
  }
  return out;
}

describe('lab gradient norms', () => {
  it('names the layers of G and D with their sizes and activations', async () => {
    const s = await LabSession.create(cfg());
    expect(s.setup.layers.g.map((l) => [l.name, l.inFeatures, l.outFeatures, l.activation])).toEqual([['0', 2, 16, 'ReLU'], ['2', 16, 16, 'ReLU'], ['4', 16, 2, null]]);
    expect(s.setup.layers.d.map((l) => [l.name, l.inFeatures, l.outFeatures, l.activation])).toEqual([['0', 2, 16, 'LeakyReLU'], ['2', 16, 16, 'LeakyReLU'], ['4', 16, 1, null]]);
    const f = await s.frame();
    expect(f.gradNorms.g.every(Number.isNaN) && f.gradNorms.d.every(Number.isNaN)).toBe(true); // nothing updated yet
    s.dispose();
  });

  it('are the norms of the last G and D updates\' gradients, recomputed from the same draws', async () => {
    const s = await LabSession.create(cfg());
    await s.train(3);
    const m = s.trainer.models, loss = s.trainer.loss, c = s.trainer.cfg;
    // the critic update: real samples, then noise, from the training stream (criticStep's order)
    let rng = wg.getRngState();
    const real = sampleMixture('ring', c.batch);
    const fake = wg.noGrad(() => m.generate(m.noise(c.batch)));
    const expectD = await normsOf(loss.d(m.discriminate(real), m.discriminate(fake)), m.D);
    wg.setRngState(rng);
    const rec = await s.stepD();
    const fD = await s.frame();
    expect(fD.gradNorms.d).toHaveLength(3);
    fD.gradNorms.d.forEach((v, i) => expect(v).toBeCloseTo(expectD[i], 5));
    expect(expectD.every((v) => v > 1e-4)).toBe(true);
    // the generator update: noise, then G's loss through D
    rng = wg.getRngState();
    const expectG = await normsOf(loss.g(m.discriminate(m.generate(m.noise(c.batch)))), m.G);
    wg.setRngState(rng);
    await s.stepG();
    const fG = await s.frame();
    fG.gradNorms.g.forEach((v, i) => expect(v).toBeCloseTo(expectG[i], 5));
    expect(fG.gradNorms.d).toEqual(fD.gradNorms.d); // G's update leaves D's gradients as they were
    s.dispose();
  });

  it('records the critic\'s raw output gap as the Wasserstein estimate', async () => {
    const s = await LabSession.create(cfg('&loss=wgan-gp'));
    const m = s.trainer.models;
    const rng = wg.getRngState();
    const real = sampleMixture('ring', s.trainer.cfg.batch);
    const fake = wg.noGrad(() => m.generate(m.noise(s.trainer.cfg.batch)));
    const gap = (await wg.noGrad(() => wg.sub(wg.mean(m.discriminate(real)), wg.mean(m.discriminate(fake)))).data())[0];
    wg.setRngState(rng);
    const rec = await s.stepD();
    expect(rec.wasserstein).toBeCloseTo(gap, 5);
    const step = await s.train(1);
    expect(Number.isFinite(step.wasserstein)).toBe(true);
    s.dispose();
  });

  it('reading them changes nothing: the run with frames equals the run without', async () => {
    const run = async (watch: boolean) => {
      const s = await LabSession.create(cfg());
      for (let i = 0; i < 3; i++) {
        await s.train(2);
        if (watch) await s.frame();
      }
      const f = await s.frame();
      s.dispose();
      return { fake: Array.from(f.fake), norms: f.gradNorms };
    };
    const a = await run(false), b = await run(true);
    expect(b).toEqual(a);
  });
});
