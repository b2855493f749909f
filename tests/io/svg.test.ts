import { describe, expect, it } from 'vitest';
import { lineChartSvg, niceTicks, scatterSvg } from '../../src/io/index.ts';

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

describe('SVG plots', () => {
  it('niceTicks picks 1-2-5 steps inside the range', () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(-1.3, 1.3)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });

  it('line chart: one path per series, legend, escaped labels, gaps at NaN', () => {
    const svg = lineChartSvg(
      [{ name: 'loss D', values: [1, 0.8, 0.7, NaN, 0.6] }, { name: 'loss <G>', values: [2, 1.5, 1.2, 1.1, 1] }],
      { title: 'GAN & losses', xlabel: 'step', ylabel: 'loss' },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(count(svg, /<path /g)).toBe(2);
    expect(svg).toContain('GAN &amp; losses');
    expect(svg).toContain('loss &lt;G&gt;');
    expect(svg).not.toContain('NaN');
    const d = /<path d="([^"]*)"/.exec(svg)![1];
    expect(count(d, /M/g)).toBe(2); // the NaN breaks the first line
    expect(lineChartSvg([{ name: 'x', values: [1, 10, 100] }], { ylog: true })).toContain('>100<');
  });

  it('scatter over a heatmap: one rect per cell, one circle per finite point', () => {
    const svg = scatterSvg(
      [
        { points: new Float32Array([0, 0, 1, 1, NaN, 0]), color: '#f00', name: 'fake' },
        { points: [[0.5, -0.5]], color: 'blue', name: 'real' },
      ],
      { extent: [-2, 2, -2, 2], background: { values: Float32Array.from({ length: 12 }, (_, i) => i), rows: 3, cols: 4 }, title: 'D(x)' },
    );
    expect(count(svg, /<rect x="[^"]*" y="[^"]*" width="[^"]*" height="[^"]*" fill="#/g)).toBe(12);
    expect(count(svg, /<circle cx="[\d.]+" cy="[\d.]+" r="1.6"\/>/g)).toBe(3);
    expect(svg).toContain('#440154'); // viridis low end for the minimum
    expect(svg).toContain('#fde725'); // and high end for the maximum
    expect(() => scatterSvg([], { background: { values: [1, 2, 3], rows: 2, cols: 2 } })).toThrow(/3 values for 2x2/);
  });
});
