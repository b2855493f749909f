import { describe, expect, it } from 'vitest';
import '../../src/index.ts';
import { DataLoader, shufflePermutation, type Batch } from '../../src/data/index.ts';

const N = 10;
function dataset(n = N, labels = true) {
  const images = Float32Array.from({ length: n * 2 * 3 }, (_, i) => Math.floor(i / 6) + (i % 6) / 10); // example k = k.0 .. k.5
  return { images, shape: [n, 1, 2, 3] as const, labels: labels ? Int32Array.from({ length: n }, (_, i) => 100 + i) : undefined };
}

/** Example ids of a batch (from the images and the labels, which must agree). */
async function ids(b: Batch): Promise<number[]> {
  const x = await b.x.data();
  const fromX = Array.from({ length: b.x.shape[0] }, (_, i) => Math.round(x[i * 6]));
  if (b.y) expect(Array.from(await b.y.data()).map((l) => l - 100)).toEqual(fromX);
  b.x.dispose();
  b.y?.dispose();
  return fromX;
}

async function epochIds(l: DataLoader): Promise<number[][]> {
  const out: number[][] = [];
  for (const b of l) out.push(await ids(b));
  return out;
}

describe('DataLoader', () => {
  it('sequential batches with shapes, last partial batch kept or dropped', async () => {
    const l = new DataLoader(dataset(), { batchSize: 4 });
    expect(l.length).toBe(3);
    const first = l.nextInEpoch()!;
    expect(first.x.shape).toEqual([4, 1, 2, 3]);
    expect(first.y!.shape).toEqual([4]);
    expect(first.y!.dtype).toBe('int32');
    expect(Array.from((await first.x.data()).slice(0, 7))).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 1].map(Math.fround));
    expect(await epochIds(l)).toEqual([[4, 5, 6, 7], [8, 9]]);
    const d = new DataLoader(dataset(), { batchSize: 4, dropLast: true });
    expect(d.length).toBe(2);
    expect(await epochIds(d)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(d.state).toEqual({ epoch: 1, position: 0 });
    const nl = new DataLoader(dataset(N, false), { batchSize: 3 });
    expect(nl.next().y).toBeUndefined();
  });

  it('shuffles with a permutation that depends only on (seed, epoch)', async () => {
    const p = shufflePermutation(1000, 7, 0);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(shufflePermutation(1000, 7, 0)).toEqual(p);
    expect(shufflePermutation(1000, 7, 1)).not.toEqual(p);
    expect(shufflePermutation(1000, 8, 0)).not.toEqual(p);
    // pinned: the stream is part of the format (resumable runs)
    expect(Array.from(shufflePermutation(8, 2 ** 40 + 3, 5))).toMatchInlineSnapshot(`
      [
        2,
        6,
        7,
        1,
        4,
        0,
        3,
        5,
      ]
    `);
  });

  it('same seed → same batches; each epoch covers every example once', async () => {
    const a = new DataLoader(dataset(), { batchSize: 3, shuffle: true, seed: 1 });
    const b = new DataLoader(dataset(), { batchSize: 3, shuffle: true, seed: 1 });
    const e0 = await epochIds(a);
    expect(await epochIds(b)).toEqual(e0);
    expect(e0.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i));
    const e1 = await epochIds(a);
    expect(e1).not.toEqual(e0);
    expect(e1.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i));
    const c = new DataLoader(dataset(), { batchSize: 3, shuffle: true, seed: 2 });
    expect(await epochIds(c)).not.toEqual(e0);
  });

  it('resumes from {epoch, position}: the same next batches, across epoch boundaries', async () => {
    const opts = { batchSize: 4, shuffle: true, seed: 99, dropLast: true };
    const a = new DataLoader(dataset(), opts);
    const seq: number[][] = [];
    const states = [];
    for (let i = 0; i < 7; i++) {
      states.push(a.state);
      seq.push(await ids(a.next()));
    }
    for (let i = 0; i < 7; i++) {
      const b = new DataLoader(dataset(), opts);
      b.setState(JSON.parse(JSON.stringify(states[i])));
      for (let j = i; j < 7; j++) expect(await ids(b.next())).toEqual(seq[j]);
    }
    expect(() => a.setState({ epoch: -1, position: 0 })).toThrow(/invalid state/);
  });

  it('breaking out of an epoch keeps the position', async () => {
    const l = new DataLoader(dataset(), { batchSize: 4 });
    for (const b of l) {
      await ids(b);
      break;
    }
    expect(l.state).toEqual({ epoch: 0, position: 4 });
    expect(await epochIds(l)).toEqual([[4, 5, 6, 7], [8, 9]]);
  });

  it('validates its arguments', () => {
    expect(() => new DataLoader(dataset(), { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new DataLoader({ images: new Float32Array(5), shape: [2, 3] }, { batchSize: 1 })).toThrow(/images has 5 values/);
    expect(() => new DataLoader({ images: new Float32Array(6), shape: [2, 3], labels: new Int32Array(3) }, { batchSize: 1 })).toThrow(/3 labels for 2 examples/);
    expect(() => new DataLoader(dataset(), { batchSize: 20, dropLast: true })).toThrow(/yields no batches/);
  });
});
