/**
 * The fast CPU backend's binary kernel on each broadcast path it distinguishes — the same shape,
 * a scalar, a suffix row, the collapsed strided loops (per-channel [1,C,1,1], per-sample
 * [N,C,1,1], per-pixel [N,1,H,W], the operand on either side) and the general offsets loop (more
 * than four axes left after collapsing) — against the reference kernel, float32 and int32.
 */
import { expect, test } from 'vitest';
import { binary as cpuBinary } from '../../src/kernels/cpu/elementwise.ts';
import { binary as refBinary } from '../../src/kernels/ref/elementwise.ts';
import { broadcastShapes } from '../../src/index.ts';

const CASES: [number[], number[]][] = [
  [[4, 3, 5, 6], [4, 3, 5, 6]],
  [[4, 3, 5, 6], []],
  [[4, 3, 5, 6], [6]],
  [[4, 3, 5, 6], [1, 3, 1, 1]],
  [[4, 3, 5, 6], [4, 3, 1, 1]],
  [[4, 3, 5, 6], [4, 1, 5, 6]],
  [[4, 1, 5, 6], [4, 3, 5, 6]],
  [[1, 3, 1, 1], [4, 3, 5, 6]],
  [[4, 3, 1, 6], [1, 3, 5, 1]],
  [[2, 3, 4, 5, 6], [2, 1, 4, 1, 6]],
  [[2, 1, 4, 1, 6, 1], [1, 3, 1, 5, 1, 2]],
  [[7, 1], [1, 9]],
];

const fill = (n: number, seed: number, int: boolean) => {
  const a = int ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = int ? ((i * 7 + seed) % 13) - 6 : Math.sin(i * 0.37 + seed);
  return a;
};

test('cpu binary = reference binary on every broadcast path (float32, int32)', () => {
  for (const dtype of ['float32', 'int32'] as const) {
    for (const [as, bs] of CASES) {
      const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
      const a = fill(size(as), 1, dtype === 'int32'), b = fill(size(bs), 2, dtype === 'int32');
      const out = { shape: broadcastShapes('binary', as, bs), dtype };
      for (const p of ['add', 'sub', 'mul', 'maximum'] as const) {
        const want = refBinary(p, a, as, b, bs, out), got = cpuBinary(p, a, as, b, bs, out);
        expect(Array.from(got), `${p} ${dtype} [${as}] [${bs}]`).toEqual(Array.from(want));
      }
    }
  }
});
