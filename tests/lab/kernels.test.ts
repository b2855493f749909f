/**
 * The lab's kernel view (src/lab/kernels.ts) in Node on the CPU backend: the same run the page's
 * kernel worker makes, whose result is the JSON `webgan bench --suite kernels --quick --json FILE`
 * writes (same envelope, same fields), and the filter's messages. The page: scripts/lab-test.ts.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as wg from '../../src/index.ts';
import { main } from '../../src/cli/main.ts';
import { kernelCaseNames, kernelSuite, runKernels } from '../../src/lab/kernels.ts';

afterAll(() => wg.setBackend(new wg.CpuBackend()));

/** the JSON's structure: every key path with the type of its value (numbers' values left out) */
function shape(v: unknown, at = ''): string[] {
  if (Array.isArray(v)) return [`${at}[]`, ...v.flatMap((x) => shape(x, `${at}[]`))];
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => shape(x, `${at}.${k}`));
  return [`${at}: ${v === null ? 'null' : typeof v}`];
}
const uniq = (xs: string[]) => [...new Set(xs)].sort();

/** `webgan bench --suite kernels --backend cpu ARGS --json FILE` (console quiet): the file's JSON */
async function cliJson(args: string[]): Promise<Record<string, unknown> & { results: { name: string }[] }> {
  const file = join(mkdtempSync(join(tmpdir(), 'wg-lab-kernels-')), 'bench.json');
  const quiet = [vi.spyOn(console, 'log').mockImplementation(() => {}), vi.spyOn(console, 'error').mockImplementation(() => {})];
  let code: number;
  try {
    code = await main(['bench', '--suite', 'kernels', '--backend', 'cpu', ...args, '--json', file]);
  } finally {
    for (const q of quiet) q.mockRestore();
  }
  expect(code).toBe(0);
  return JSON.parse(readFileSync(file, 'utf8'));
}

describe('lab kernel view', () => {
  it('gives the JSON of `webgan bench --suite kernels --quick --json` (same envelope and fields, same cases)', async () => {
    const filter = '^(add|sum) ';
    const cli = await cliJson(['--quick', '--filter', filter]);
    await wg.init({ backend: 'cpu' });
    const rows: string[] = [];
    const lab = await runKernels({ filter }, null, (r) => rows.push(r.name));
    // what Export JSON downloads: the object as text, as the CLI writes it
    const exported = JSON.parse(JSON.stringify(lab, null, 2) + '\n');
    expect(uniq(shape(exported))).toEqual(uniq(shape(cli)));
    expect(Object.keys(exported)).toEqual(Object.keys(cli));
    expect(exported.results.map((r: { name: string }) => r.name)).toEqual(cli.results.map((r: { name: string }) => r.name));
    expect(exported.results.map((r: { name: string }) => r.name)).toEqual(['add 16M', 'sum 16M']);
    expect(rows).toEqual(['add 16M', 'sum 16M']); // each row as it is measured
    expect(exported).toMatchObject({ suite: 'kernels', quick: true, tfjs: null, webgan: { backend: 'cpu', adapter: 'cpu' }, runtime: cli.runtime });
    for (const r of exported.results) expect(r.webganRate > 0 && r.webganMs > 0 && r.unit === 'GB/s' && r.tfjsRate === null).toBe(true);
  }, 120_000);

  it('with `full`, runs the whole suite: the JSON of `webgan bench --suite kernels --json` (quick: false, its own cases)', async () => {
    const filter = '^conv2d dcgan64 D5 ';
    const cli = await cliJson(['--filter', filter]);
    await wg.init({ backend: 'cpu' });
    const lab = JSON.parse(JSON.stringify(await runKernels({ filter, full: true }, null)));
    expect(uniq(shape(lab))).toEqual(uniq(shape(cli)));
    expect(lab.results.map((r: { name: string }) => r.name)).toEqual(cli.results.map((r: { name: string }) => r.name));
    expect(lab.results.map((r: { name: string }) => r.name)).toEqual(['conv2d dcgan64 D5 Conv 512→1 k4 s1 p0 4→1']);
    expect(lab).toMatchObject({ suite: 'kernels', quick: false });
    expect(cli).toMatchObject({ quick: false });
    // the case is in the full suite only: the quick one refuses the filter
    expect(() => kernelSuite(filter)).toThrow(/matches no case of the quick suite/);
    expect(kernelCaseNames(undefined, true)).toEqual(expect.arrayContaining([...kernelCaseNames(), 'matmul 2048×2048×2048']));
  }, 120_000);

  it('names a bad filter, and one that selects nothing, with the cases it can select', () => {
    expect(() => kernelSuite('(')).toThrow(/^filter '\(' is not a regular expression: /);
    expect(() => kernelSuite('^conv3d')).toThrow(/^filter '\^conv3d' matches no case of the quick suite \(matmul 256×256×256, .*, adam step\)$/);
    expect(kernelCaseNames('^matmul 256')).toEqual(['matmul 256×256×256']);
    expect(kernelCaseNames('').length).toBe(kernelCaseNames().length);
    expect(kernelCaseNames()).toContain('conv2dWeightGrad dcgan D3 Conv 128→1 k7 s1 p0 7→1');
  });
});
