import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_CLASSES, loadFashionMnist } from '../../src/data/index.ts';

describe('bundled Fashion-MNIST', () => {
  it.each([
    ['train', 20000],
    ['test', 10000],
  ] as const)('%s split: %i images, labels 0..9, pixels in [-1, 1]', async (split, n) => {
    const ds = await loadFashionMnist({ split });
    expect(ds.shape).toEqual([n, 1, 28, 28]);
    expect(ds.images.length).toBe(n * 784);
    expect(ds.labels!.length).toBe(n);
    const counts = new Array(10).fill(0);
    for (const l of ds.labels!) counts[l]++;
    expect(counts.reduce((a, b) => a + b)).toBe(n); // every label is in 0..9
    if (split === 'test') expect(counts).toEqual(new Array(10).fill(1000)); // the test set is balanced
    else for (const c of counts) expect(c).toBeGreaterThan(1800);
    let lo = Infinity, hi = -Infinity;
    const x = ds.images;
    for (let i = 0; i < x.length; i++) {
      if (x[i] < lo) lo = x[i];
      if (x[i] > hi) hi = x[i];
    }
    expect([lo, hi]).toEqual([-1, 1]);
    expect(ds.classNames).toEqual(FASHION_MNIST_CLASSES);
  });

  it('first training example is an ankle boot (label 9), as upstream', async () => {
    const ds = await loadFashionMnist({ split: 'train', limit: 5 });
    expect(Array.from(ds.labels!)).toEqual([9, 0, 0, 3, 0]);
    expect(ds.shape).toEqual([5, 1, 28, 28]);
  });
});
