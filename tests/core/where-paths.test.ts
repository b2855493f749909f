/**
 * `where` on every broadcast pattern the CPU kernel distinguishes: each operand full-size or a
 * scalar (a stride of 1 or 0: leakyRelu's and relu's backward) and the generic broadcast (a row,
 * a column, [1,1]), against a reference that broadcasts by hand; on every test backend, for each
 * value type it has (the CPU's loops are compiled per output type).
 */
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.ts';
import { setBackend } from '../../src/index.ts';
import { testBackends } from '../helpers/backends.ts';

const SHAPES: Record<string, number[]> = { full: [3, 5], scalar: [], one: [1, 1], row: [5], col: [3, 1] };
const values = (shape: number[], seed: number) => Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 7 + seed * 13) % 11) - 5);

/** numpy broadcasting of the three shapes, and each operand's element at an output index */
function reference(shapes: number[][], vals: number[][]): { shape: number[]; y: number[] } {
  const rank = Math.max(...shapes.map((s) => s.length));
  const pad = shapes.map((s) => [...Array(rank - s.length).fill(1), ...s]);
  const shape = Array.from({ length: rank }, (_, d) => Math.max(...pad.map((s) => s[d])));
  const n = shape.reduce((a, b) => a * b, 1);
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const idx = shape.map((_, d) => Math.floor(i / shape.slice(d + 1).reduce((a, b) => a * b, 1)) % shape[d]);
    const el = (k: number) => vals[k][pad[k].reduce((off, len, d) => off * len + (len === 1 ? 0 : idx[d]), 0)];
    y.push(el(0) !== 0 ? el(1) : el(2));
  }
  return { shape, y };
}

describe('where: broadcast paths', async () => {
  for (const be of await testBackends()) {
    const dtypes: wg.DType[] = ['float32', 'int32', ...(be.name === 'webgpu' ? [] : ['float64' as const])];
    test(`${be.name}: every combination of full / scalar / [1,1] / row / column operands (${dtypes.join(', ')})`, async () => {
      setBackend(await be.make());
      const kinds = Object.keys(SHAPES);
      for (const dtype of dtypes) for (const kc of kinds) for (const ka of kinds) for (const kb of kinds) {
        const shapes = [SHAPES[kc], SHAPES[ka], SHAPES[kb]];
        // non-integer values where the type has them, so that a conversion to int32 would show
        const frac = dtype === 'int32' ? 0 : 0.25;
        const vals = [values(shapes[0], 1).map((x) => (x > 0 ? 1 : 0)), values(shapes[1], 2).map((x) => x + frac), values(shapes[2], 3).map((x) => x - frac)];
        const y = wg.where(wg.tensor(vals[0], shapes[0]), wg.tensor(vals[1], shapes[1], { dtype }), wg.tensor(vals[2], shapes[2], { dtype }));
        const want = reference(shapes, vals);
        const what = `${dtype}: ${kc} ${ka} ${kb}`;
        expect(y.dtype, what).toBe(dtype);
        expect(y.shape, what).toEqual(want.shape);
        expect(Array.from(await y.data()), what).toEqual(want.y);
        y.dispose();
      }
    });
  }
});
