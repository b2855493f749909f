/**
 * Draw-your-own data (src/lab/drawdata.ts, data 'drawn' in src/gan): the URL's compact points
 * round-trip; bad text and a missing point set are clear messages; the trainer's real samples are
 * the drawn points plus a small jitter, every point used; a drawn-data checkpoint of the lab
 * resumes in `webgan train --resume` exactly as the lab continues it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as wg from '../../src/index.ts';
import { main } from '../../src/cli/main.ts';
import { resolveConfig } from '../../src/gan/config.ts';
import { GanTrainer, loadGenerator } from '../../src/gan/trainer.ts';
import { DRAWN_STD } from '../../src/data/mixtures.ts';
import { decodePoints, encodePoints, snapPoints } from '../../src/lab/drawdata.ts';
import { LabSession } from '../../src/lab/session.ts';
import { parseSettings, settingsQuery } from '../../src/lab/settings.ts';

beforeAll(async () => { await wg.init({ backend: 'cpu' }); });

/** a heart-ish curve of 40 points, on the URL's grid */
const drawn = snapPoints(Array.from({ length: 40 }, (_, i) => {
  const t = (2 * Math.PI * i) / 40;
  return [0.1 * 16 * Math.sin(t) ** 3, 0.1 * (13 * Math.cos(t) - 5 * Math.cos(2 * t) - 2 * Math.cos(3 * t) - Math.cos(4 * t))];
}).flat());

describe('drawn points in the URL', () => {
  it('round-trip: 4 characters a point, on a grid of ≈ 0.001 over [−2, 2]²', () => {
    const raw = [0, 0, -2, 2, 1.23456, -0.98765, 1.9999, -1.9999];
    const text = encodePoints(raw);
    expect(text).toHaveLength(16);
    const back = decodePoints(text);
    back.forEach((v, i) => expect(Math.abs(v - raw[i])).toBeLessThanOrEqual(2 / 4095 + 1e-9));
    expect(encodePoints(back)).toBe(text); // the snapped points are the URL's exactly
    expect(decodePoints(encodePoints(drawn))).toEqual(drawn);
    const q = settingsQuery({ ...parseSettings('').settings, data: 'drawn', points: drawn, seed: 3 });
    expect(q).toBe(`data=drawn&points=${encodePoints(drawn)}&seed=3`);
    const p = parseSettings('?' + q);
    expect(p.errors).toEqual([]);
    expect(p.settings.points).toEqual(drawn);
    expect(p.config).toMatchObject({ data: 'drawn', points: drawn, seed: 3 });
  });

  it('says what is wrong with the points or their absence', () => {
    expect(parseSettings('?data=drawn&points=abc').errors).toEqual(['points: each point is 4 characters, got 3 characters']);
    expect(parseSettings('?data=drawn&points=ab*d').errors).toEqual(["points: '*' (character 3) is not base64url"]);
    expect(parseSettings('?data=drawn&points=').errors).toEqual(['points: no points: draw some (data=drawn needs at least one)']);
    expect(parseSettings('?data=drawn').errors).toEqual(['data drawn: drawn data needs its points (at least one, drawn in the lab)']);
    expect(parseSettings(`?data=ring&points=${encodePoints([0, 0])}`).errors).toEqual(["points are the drawn data's (data drawn), not 'ring'"]);
    expect(() => resolveConfig({ preset: 'mlp2d', data: 'drawn', points: [0, 0, 3] })).toThrow('--data drawn: drawn points are x, y pairs: got 3 numbers');
    expect(() => resolveConfig({ preset: 'mlp2d', data: 'drawn', points: [0, 2.5] })).toThrow('--data drawn: drawn point 0 has y = 2.5; points lie in [-2, 2]²');
    expect(() => resolveConfig({ preset: 'dcgan', data: 'drawn', points: [0, 0] })).toThrow("preset dcgan trains on images; use --preset mlp2d for the 2-D dataset 'drawn'");
  });
});

describe('training on drawn points', () => {
  it('real samples are the drawn points plus N(0, 0.02²): each near a point, every point used', async () => {
    const t = await GanTrainer.create({ preset: 'mlp2d', data: 'drawn', points: drawn, seed: 5, batch: 64, gDepth: 1, gWidth: 8, dDepth: 1, dWidth: 8 });
    const x = await t.source.next(4000).x.data();
    const k = drawn.length / 2, used = new Array<number>(k).fill(0);
    let worst = 0, sq = 0;
    for (let i = 0; i < x.length; i += 2) {
      let best = 0, bd = Infinity;
      for (let j = 0; j < k; j++) {
        const d = Math.hypot(x[i] - drawn[2 * j], x[i + 1] - drawn[2 * j + 1]);
        if (d < bd) { bd = d; best = j; }
      }
      used[best]++;
      worst = Math.max(worst, bd);
      sq += bd * bd;
    }
    expect(worst).toBeLessThan(6 * DRAWN_STD);
    expect(Math.sqrt(sq / 4000)).toBeCloseTo(Math.SQRT2 * DRAWN_STD, 2); // the jitter's 2-D rms
    expect(Math.min(...used)).toBeGreaterThan(4000 / k / 2); // uniform over the points: 100 each
    t.dispose();
  });

  it('the lab draws them, with no mode metrics, and a drawn-data checkpoint resumes in webgan train --resume as the lab continues it', async () => {
    const cfg = parseSettings(`?data=drawn&points=${encodePoints(drawn)}&seed=4&batch=64&gdepth=2&gwidth=16&ddepth=2&dwidth=16&steps=8`).config!;
    const s = await LabSession.create(cfg);
    expect(s.setup.extent).toEqual([-2, 2, -2, 2]);
    expect(s.setup.modes).toBeNull();
    const f = await s.frame();
    expect(f.metrics).toBeNull();
    await s.train(5);
    const dir = mkdtempSync(join(tmpdir(), 'wg-lab-drawn-'));
    const file = join(dir, 'drawn.safetensors');
    writeFileSync(file, await s.checkpoint());
    await s.train(3);
    const labG = Object.fromEntries(await Promise.all(Object.entries(s.trainer.models.G.stateDict()).map(async ([k, v]) => [k, Array.from(await v.data())] as const)));
    s.dispose();
    const err: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation((...a) => { err.push(a.join(' ')); });
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((m: string | Uint8Array) => (err.push(String(m)), true));
    const out = join(dir, 'run');
    let code: number;
    try {
      code = await main(['train', '--resume', file, '--steps', '8', '--out', out, '--ckpt-every', '8', '--log-every', '8', '--sample-every', '8', '--backend', 'cpu', '--quiet']);
    } finally {
      log.mockRestore(); error.mockRestore(); write.mockRestore();
    }
    expect(code, err.join('\n')).toBe(0);
    const { cfg: saved, G } = await loadGenerator(join(out, 'checkpoints', 'step-000008.safetensors'));
    expect([saved.data, saved.points]).toEqual(['drawn', drawn]);
    for (const [k, v] of Object.entries(G.stateDict())) expect(Array.from(await v.data()), k).toEqual(labG[k]);
  }, 120_000);
});
