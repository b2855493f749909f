/**
 * The CPU kernels that select without a branch (relu, where, the fused relu / leakyRelu
 * epilogue on float32: bits chosen by a mask, src/kernels/cpu/elementwise.ts `bits`) give the
 * bits that the ternaries of the reference definitions give, on the values where a select could
 * differ: NaN, ±0, ±Infinity, subnormals, the largest floats, and random signs.
 */
import { describe, expect, test } from 'vitest';
import { biasAct } from '../../src/kernels/cpu/epilogue.ts';
import { unary, where } from '../../src/kernels/cpu/elementwise.ts';
import { ACTIVATION_FNS, UNARY_FNS } from '../../src/kernels/ref/elementwise.ts';
import { detRandom } from '../helpers/gradcheck.ts';

const SPECIAL = [NaN, -NaN, 0, -0, Infinity, -Infinity, 1e-45, -1e-45, 1e-40, -1e-40, 3.4028234663852886e38, -3.4028234663852886e38, 1, -1, 0.5, -2.5];
const values = (n: number, seed: number) => Float32Array.from([...SPECIAL, ...detRandom(n, seed).map((v) => v - 0.5)]);
const bitsOf = (a: Float32Array | Int32Array) => Array.from(new Int32Array(a.buffer, a.byteOffset, a.length));
const av = (shape: number[], dtype: 'float32' | 'int32' = 'float32') => ({ shape, dtype });

describe('branch-free selection on the CPU', () => {
  test('relu: the bits of x > 0 ? x : 0', () => {
    const x = values(1000, 1);
    const y = unary('relu', x, av([x.length])) as Float32Array;
    expect(bitsOf(y)).toEqual(bitsOf(x.map(UNARY_FNS.relu!)));
  });

  test('where: every full / scalar pattern, float32 and int32 values, float32 and int32 conditions', () => {
    const n = 777;
    const c32 = Float32Array.from(values(n - SPECIAL.length, 2), (v, i) => (i < SPECIAL.length || i % 5 === 0 ? v : v > 0 ? 1 : 0)); // NaN, ±0, ±Infinity, subnormal conditions too
    const cInt = Int32Array.from(c32, (v) => (v !== 0 ? (v > 0 ? 3 : -1) : 0));
    for (const cond of [c32, cInt]) {
      for (const dtype of ['float32', 'int32'] as const) {
        const mk = (seed: number, full: boolean) => {
          const f = values(n - SPECIAL.length, seed);
          const a = dtype === 'float32' ? f : Int32Array.from(f, (v) => (Number.isFinite(v) ? Math.round(v * 1e6) : 7));
          return full ? a : a.slice(3, 4);
        };
        for (const fa of [true, false]) for (const fb of [true, false]) {
          const a = mk(3, fa), b = mk(4, fb);
          const y = where(cond, [n], a, fa ? [n] : [], b, fb ? [n] : [], av([n], dtype)) as Float32Array | Int32Array;
          const want = dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
          for (let i = 0; i < n; i++) want[i] = cond[i] !== 0 ? a[fa ? i : 0] : b[fb ? i : 0];
          expect(bitsOf(y), `${cond.constructor.name} ${dtype} ${fa ? 'full' : 'scalar'} ${fb ? 'full' : 'scalar'}`).toEqual(bitsOf(want));
        }
      }
    }
  });

  for (const act of ['relu', 'leakyRelu'] as const) {
    test(`fused epilogue ${act}: bias per channel, per column, none; the bits of the unfused ternary`, () => {
      const slope = 0.2, C = 3;
      const z0 = values(240 - SPECIAL.length, 5);
      const bias = Float32Array.from([0.25, -1e-40, -0.75]);
      const cases: [string, Float32Array | null, number][] = [['per channel (inner 80)', bias, 80], ['per column', bias, 1], ['no bias', null, 1]];
      for (const [what, b, inner] of cases) {
        const y = biasAct(z0.slice(), b, inner, act, slope) as Float32Array;
        const want = z0.map((v, i) => ACTIVATION_FNS[act](b ? Math.fround(v + b[inner === 1 ? i % C : Math.floor(i / inner) % C]) : v, slope));
        expect(bitsOf(y), what).toEqual(bitsOf(want));
      }
    });
  }
});
