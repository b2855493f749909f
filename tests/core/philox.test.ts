/** Philox-4x32-10 known answers (Random123 kat_vectors), the global generator's state, and distribution sanity. */
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.ts';
import { mulhi32, philox4x32, philoxWords } from '../../src/base/philox.ts';
import { testBackends } from '../helpers/backends.ts';

const block = (c: number[], k: number[]) => {
  const out = new Uint32Array(4);
  philox4x32(c[0], c[1], c[2], c[3], k[0], k[1], out);
  return Array.from(out, (w) => w.toString(16).padStart(8, '0')).join(' ');
};

describe('philox4x32_10 (Random123 kat_vectors)', () => {
  test('counter 0, key 0', () => {
    expect(block([0, 0, 0, 0], [0, 0])).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
  });
  test('all-ones counter and key', () => {
    expect(block([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff])).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
  });
  test('pi digits', () => {
    expect(block([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])).toBe('d16cfe09 94fdcceb 5001e420 24126ea1');
  });
  test('mulhi32 equals the BigInt product at the edges and 2000 pseudo-random points', () => {
    const pts = [0, 1, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0xd2511f53, 0xcd9e8d57];
    const words = philoxWords([7, 9], 0, 2000);
    const pairs: [number, number][] = [];
    for (const a of pts) for (const b of pts) pairs.push([a, b]);
    for (let i = 0; i + 1 < words.length; i += 2) pairs.push([words[i], words[i + 1]]);
    for (const [a, b] of pairs) expect(mulhi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
  });
  test('the stream: element i is word i%4 of block offset + i/4, counter carries into word 1', () => {
    const w = philoxWords([5, 6], 2 ** 32 - 1, 8);
    expect(Array.from(w.slice(0, 4), (x) => x.toString(16).padStart(8, '0')).join(' ')).toBe(block([0xffffffff, 0, 0, 0], [5, 6]));
    expect(Array.from(w.slice(4), (x) => x.toString(16).padStart(8, '0')).join(' ')).toBe(block([0, 1, 0, 0], [5, 6]));
  });
});

const backends = await testBackends();

describe.each(backends)('global generator on $name', ({ make }) => {
  test('manualSeed reproduces rand and randn; different seeds differ', async () => {
    wg.setBackend(await make());
    wg.manualSeed(42);
    const a = await wg.rand([5, 7]).data();
    const an = await wg.randn([9]).data();
    wg.manualSeed(42);
    const b = await wg.rand([5, 7]).data();
    const bn = await wg.randn([9]).data();
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(bn)).toEqual(Array.from(an));
    wg.manualSeed(43);
    expect(Array.from(await wg.rand([5, 7]).data())).not.toEqual(Array.from(a));
  });

  test('consecutive draws continue the stream (no reuse), ceil(n/4) blocks each', async () => {
    wg.setBackend(await make());
    wg.manualSeed(7);
    const s0 = wg.getRngState();
    const a = await wg.rand([6]).data(); // 2 blocks
    expect(wg.getRngState().offset - s0.offset).toBe(2);
    const b = await wg.rand([4]).data();
    wg.manualSeed(7);
    const all = await wg.rand([12]).data();
    expect(Array.from(a)).toEqual(Array.from(all.slice(0, 6)));
    expect(Array.from(b)).toEqual(Array.from(all.slice(8, 12)));
  });

  test('getRngState / setRngState resume a stream exactly', async () => {
    wg.setBackend(await make());
    wg.manualSeed(123456789012);
    await wg.rand([3]).data();
    const st = wg.getRngState();
    const x = await wg.randn([10]).data();
    const y = await wg.rand([5]).data();
    wg.manualSeed(1);
    await wg.rand([100]).data();
    wg.setRngState(st);
    expect(Array.from(await wg.randn([10]).data())).toEqual(Array.from(x));
    expect(Array.from(await wg.rand([5]).data())).toEqual(Array.from(y));
    // the returned state is a copy
    st.offset = 0;
    expect(wg.getRngState().offset).not.toBe(0);
  });

  test('rand lies in [0, 1) and matches the documented word → float map', async () => {
    wg.setBackend(await make());
    wg.manualSeed(99);
    const st = wg.getRngState();
    const u = await wg.rand([100_003]).data();
    let lo = Infinity, hi = -Infinity, s = 0;
    for (const v of u) { lo = Math.min(lo, v); hi = Math.max(hi, v); s += v; }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(s / u.length - 0.5)).toBeLessThan(0.005);
    const w = philoxWords(st.seed, st.offset, 8);
    expect(Array.from(u.slice(0, 8))).toEqual(Array.from(w, (x) => (x >>> 8) / 2 ** 24));
  });

  test('randn over 100k samples: mean ≈ 0, std ≈ 1, symmetric tails', async () => {
    wg.setBackend(await make());
    wg.manualSeed(2024);
    const z = await wg.randn([100_000]).data();
    let s = 0, s2 = 0, s4 = 0, beyond2 = 0;
    for (const v of z) { s += v; s2 += v * v; s4 += v ** 4; if (Math.abs(v) > 1.96) beyond2++; }
    const mean = s / z.length, std = Math.sqrt(s2 / z.length - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.01); // 3.2 standard errors
    expect(Math.abs(std - 1)).toBeLessThan(0.01);
    expect(Math.abs(s4 / z.length - 3)).toBeLessThan(0.1); // kurtosis of a normal
    expect(Math.abs(beyond2 / z.length - 0.05)).toBeLessThan(0.004);
  });

  test('randint covers [low, high) uniformly', async () => {
    wg.setBackend(await make());
    wg.manualSeed(5);
    const r = wg.randint(-2, 3, [50_000]);
    expect(r.dtype).toBe('int32');
    const counts = new Map<number, number>();
    for (const v of await r.data()) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([-1, -2, 0, 1, 2].sort());
    for (const c of counts.values()) expect(Math.abs(c / 50_000 - 0.2)).toBeLessThan(0.01);
  });
});

test('CPU and every other backend draw the same streams', async () => {
  const results: { u: number[]; n: number[] }[] = [];
  for (const { make } of backends) {
    wg.setBackend(await make());
    wg.manualSeed(31337);
    results.push({ u: Array.from(await wg.rand([13]).data()), n: Array.from(await wg.randn([11]).data()) });
  }
  for (const r of results.slice(1)) {
    expect(r.u).toEqual(results[0].u); // integer word → float: exact
    // Box-Muller through f32 log/sin/cos: WGSL allows ~2^-11 absolute error on sin/cos
    r.n.forEach((v, i) => expect(Math.abs(v - results[0].n[i])).toBeLessThan(4e-3));
  }
});
