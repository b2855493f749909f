/** The curves' history: at most `max` points, the newest quarter whole, the older ones every other. */
import { describe, expect, it } from 'vitest';
import { thin } from '../../src/lab/draw.ts';

describe('thin (the lab curves’ history)', () => {
  it('keeps a short history as it is', () => {
    const xs = [1, 2, 3];
    expect(thin(xs, 8)).toBe(xs);
  });
  it('halves all but the newest quarter once over max, and stays bounded over a long run', () => {
    const xs = Array.from({ length: 9 }, (_, i) => i);
    expect(thin(xs, 8)).toEqual([0, 2, 4, 6, 7, 8]);
    let h: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      h.push(i);
      h = thin(h, 400);
      expect(h.length).toBeLessThanOrEqual(400);
    }
    expect(h.slice(-100)).toEqual(Array.from({ length: 100 }, (_, i) => 9900 + i)); // the newest quarter, whole
    expect(h[0]).toBe(0); // the start of the run is still there
  });
});
