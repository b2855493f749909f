import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { compare, compareExact, cpu } from './helpers.ts';
import { webgpuBackend } from './device.ts';

const gpu = await webgpuBackend();

describe.skipIf(!gpu)('webgpu reductions and movement vs the reference', () => {
  it('sum / max over every kind of axis set (keepdim and not)', async () => {
    const axesSets = [[0], [3], [1, 2], [0, 3], [0, 1, 2, 3], [2]];
    for (const axes of axesSets) {
      for (const keep of [false, true]) {
        await compare(gpu!, (mk) => wg.sum(mk.f([4, 5, 6, 7]), axes, keep), 1e-5, 1e-5, `sum ${axes}`);
        await compareExact(gpu!, (mk) => wg.max(mk.f([4, 5, 6, 7]), axes, keep), `max ${axes}`);
      }
    }
    await compare(gpu!, (mk) => wg.sum(mk.f([3, 1, 1, 300]), [1, 2]), 1e-5, 1e-5, 'size-1 axes');
    await compareExact(gpu!, (mk) => wg.sum(mk.i([9, 70], -100, 100), [1]), 'int sum');
    await compareExact(gpu!, (mk) => wg.max(mk.i([9, 70], -100, 100), [0]), 'int max');
  });

  it('large reductions take two passes; size 0 sums to 0; max propagates NaN', async () => {
    await compare(gpu!, (mk) => wg.sum(mk.f([200_003])), 1e-3, 1e-5, 'sum all');
    await compare(gpu!, (mk) => wg.sum(mk.f([3, 50_001]), [1]), 1e-3, 1e-5, 'sum rows');
    await compare(gpu!, (mk) => wg.max(mk.f([2, 40_000]), [1]), 0, 0, 'max rows');
    await compare(gpu!, (mk) => wg.sum(mk.f([50_000, 3]), [0]), 1e-3, 1e-5, 'sum cols');
    await compareExact(gpu!, (mk) => wg.sum(mk.f([0, 3]), [0]), 'empty');
    await compareExact(gpu!, (mk) => wg.sum(mk.f([3, 0]), [0]), 'empty out');
    await compareExact(gpu!, (mk) => wg.max(mk.v([1, NaN, 3, 2, 5, 4], [2, 3]), [1]), 'NaN');
  });

  it('argmax: first maximum, NaN wins, any axis', async () => {
    await compareExact(gpu!, (mk) => wg.argmax(mk.v([1, 3, 3, 0, 2, 2, NaN, 1, 5], [3, 3]), 1, true));
    for (const axis of [0, 1, 2]) await compareExact(gpu!, (mk) => wg.argmax(mk.i([4, 5, 6], -3, 3), axis));
    await compareExact(gpu!, (mk) => wg.argmax(mk.f([7, 301]), 1));
  });

  it('permute, expand, slice (steps), flip, reshape copies', async () => {
    await compareExact(gpu!, (mk) => wg.permute(mk.f([2, 3, 4, 5]), [3, 1, 0, 2]));
    await compareExact(gpu!, (mk) => wg.transpose(mk.i([7, 1, 9], 0, 99), 0, 2));
    await compareExact(gpu!, (mk) => wg.expand(mk.f([3, 1, 2]), [2, 3, 4, 2]));
    await compareExact(gpu!, (mk) => wg.slice(mk.f([9, 8, 7]), [[1, 8, 3], null, [2, 7, 2]]));
    await compareExact(gpu!, (mk) => wg.slice(mk.f([5, 4]), [[2, 2], null]));
    await compareExact(gpu!, (mk) => wg.flip(mk.f([3, 4, 5]), [0, 2]));
    await compareExact(gpu!, (mk) => wg.flip(mk.f([0, 4]), [1]));
  });

  it('concat binds up to eight inputs per dispatch: a stack of six scalars is one dispatch, of eleven two', async () => {
    wg.setBackend(gpu!);
    try {
      for (const [n, expected] of [[6, 1], [11, 2]]) {
        const xs = Array.from({ length: n }, (_, i) => wg.tensor([i + 0.5], []));
        await gpu!.sync?.();
        const d0 = Number(gpu!.info().dispatches);
        const y = wg.stack(xs, 0);
        const values = Array.from(await y.data());
        expect(Number(gpu!.info().dispatches) - d0).toBe(expected);
        expect(values).toEqual(xs.map((_, i) => i + 0.5));
        for (const t of [...xs, y]) t.dispose();
      }
    } finally {
      wg.setBackend(cpu);
    }
  });

  it('pad, concat (incl. size 0), gather and its adjoint scatterAdd', async () => {
    await compareExact(gpu!, (mk) => wg.pad(mk.f([2, 3, 4]), [1, 2, 0, 3], 7.5));
    await compareExact(gpu!, (mk) => wg.pad(mk.i([3, 2], 0, 9), [2, 0, 1, 1], -1));
    await compareExact(gpu!, (mk) => wg.concat([mk.f([2, 3, 4]), mk.f([2, 0, 4]), mk.f([2, 5, 4])], 1));
    await compareExact(gpu!, (mk) => wg.concat([mk.i([1, 3], 0, 5), mk.i([4, 3], 0, 5)], 0));
    // more inputs than one dispatch binds (eight): mixed widths, empty ones, first / middle / last axis
    const widths = [2, 1, 0, 3, 1, 4, 2, 0, 5, 1, 2];
    for (const axis of [0, 1, 2]) {
      await compareExact(gpu!, (mk) => wg.concat(widths.map((w) => mk.f(axis === 0 ? [w, 3, 2] : axis === 1 ? [3, w, 2] : [3, 2, w])), axis), `concat of 11, axis ${axis}`);
      await compareExact(gpu!, (mk) => wg.concat(widths.map((w) => mk.i(axis === 0 ? [w, 3, 2] : axis === 1 ? [3, w, 2] : [3, 2, w], -50, 50)), axis), `int concat of 11, axis ${axis}`);
    }
    await compareExact(gpu!, (mk) => wg.stack([1, 2, 3, 4, 5, 6, 7, 8, 9].map((v) => mk.v([v], [])), 0), 'stack of 9 scalars');
    await compareExact(gpu!, (mk) => wg.indexSelect(mk.f([5, 6, 3]), 1, mk.v([5, 0, 5, 2, 1], undefined, 'int32')));
    await compareExact(gpu!, (mk) => wg.indexSelect(mk.f([5, 6]), 0, mk.v([], [0], 'int32')));
    // d/dx sum(w · gather(x)) = scatterAdd(w) with repeated indices accumulated
    await compare(gpu!, (mk) => {
      const x = mk.f([5, 6, 3], -1, 1, true);
      const y = wg.indexSelect(x, 1, mk.v([5, 0, 5, 2, 5], undefined, 'int32'));
      return wg.grad(wg.sum(wg.mul(y, mk.f([5, 5, 3]))), x);
    }, 1e-6, 1e-6, 'scatterAdd');
  });
});
