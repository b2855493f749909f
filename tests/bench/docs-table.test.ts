import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ratioMatrix, benchTableBlock, replaceBetweenMarkers, resultLabel, type BenchResult } from '../../src/cli/bench/report.ts';

const env = (date: string, runtime: string, backend: string, adapter: string, tfjs: boolean) => ({
  quick: true, date, runtime, webgan: { backend, adapter, info: {} }, tfjs: tfjs ? { version: '4.22.0', backend, adapter } : null,
});
const kernel = (name: string, ratio: number | null, webganRate = 2) => ({
  group: 'matmul' as const, name, shape: '', flops: 1, unit: 'GFLOP/s' as const, webganMs: 1, tfjsMs: ratio === null ? null : ratio,
  webganRate, tfjsRate: ratio === null ? null : webganRate / ratio, ratio, samples: 3, callsPerSample: 1,
});

describe('bench: the docs/benchmarks.md table', () => {
  const a = { ...env('2026-11-24T01:00:00Z', 'deno 2.9.6 (v8 14)', 'webgpu', 'llvmpipe (LLVM 15)', true), suite: 'kernels', results: [kernel('matmul 1024', 3.5), kernel('conv2d G1', 2.25)] } as BenchResult;
  const b = { ...env('2026-11-25T01:00:00Z', 'node v20.20.2', 'cpu', 'cpu', true), suite: 'kernels', results: [kernel('matmul 1024', 40), kernel('add 16M', null, 1.5)] } as BenchResult;
  const t = {
    ...env('2026-11-25T02:00:00Z', 'Mozilla/5.0 (X11) HeadlessChrome/156.0.8078.79 Safari/537.36', 'webgpu', 'google', true), suite: 'train',
    results: [{ preset: 'dcgan', batch: 64, params: 1, webganStepsPerSec: 0.1, tfjsStepsPerSec: 0.04, ratio: 2.5, webganPeakBytes: 1, tfjsPeakBytes: 1, webganAllocatedBytes: 1, tfjsAllocatedBytes: 1, samples: 1 }],
  } as BenchResult;
  const prof = { ...env('2026-11-25T03:00:00Z', 'node v20', 'cpu', 'cpu', false), suite: 'profile', results: [] } as BenchResult;

  it('labels columns by suite, date, runtime, backend, adapter and peer', () => {
    expect(resultLabel(a)).toBe('kernels (quick): 2026-11-24, deno 2.9.6, webgpu (llvmpipe (LLVM 15)), vs tfjs-webgpu 4.22.0');
    expect(resultLabel(b)).toBe('kernels (quick): 2026-11-25, node v20.20.2, cpu, vs tfjs-cpu 4.22.0');
    expect(resultLabel(t)).toContain('train (quick): 2026-11-25, Chromium 156.0.8078.79, webgpu (google)');
  });

  it('one row per case, one column per file, every ratio in its cell; training rows last; profiles left out', () => {
    const lines = ratioMatrix([t, a, b, prof]).split('\n');
    expect(lines).toHaveLength(2 + 4);
    const cells = lines.map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
    expect(cells[0]).toHaveLength(4);
    expect(cells.slice(2).map((r) => r[0])).toEqual(['matmul 1024', 'conv2d G1', 'add 16M', 'training step: dcgan, batch 64']);
    expect(cells[2]).toEqual(['matmul 1024', '—', '3.50×', '40.00×']);
    expect(cells[3]).toEqual(['conv2d G1', '—', '2.25×', '—']);
    expect(cells[4]).toEqual(['add 16M', '—', '—', '1.50 GFLOP/s (no tfjs)']);
    expect(cells[5]).toEqual(['training step: dcgan, batch 64', '2.50×', '—', '—']);
  });

  it('replaces only the text between the markers, and refuses a document without them', () => {
    const doc = 'head\n<!-- t:start -->\nold\n<!-- t:end -->\ntail\n';
    expect(replaceBetweenMarkers(doc, 't', '| new |')).toBe('head\n<!-- t:start -->\n| new |\n<!-- t:end -->\ntail\n');
    expect(() => replaceBetweenMarkers('no markers', 't', 'x')).toThrow(/t:start/);
  });

  it('docs/benchmarks.md holds the table of the files in bench/results (run `npm run bench:table` after adding one)', () => {
    const root = new URL('../../', import.meta.url);
    const dir = new URL('bench/results/', root);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    expect(files.length).toBeGreaterThan(0);
    const block = benchTableBlock(files.map((f) => [f, JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as BenchResult]));
    const readme = readFileSync(new URL('docs/benchmarks.md', root), 'utf8');
    expect(replaceBetweenMarkers(readme, 'bench-table', block)).toBe(readme);
  });
});
