/**
 * The layers of src/ import only downward (docs/architecture.md):
 *   base < kernels < tensor < autograd < nn, data, io < the API (src/index.ts, src/init.ts) < gan < cli, lab (the browser page)
 * A test that reads every import (static and dynamic) and fails on an edge that points up, and on
 * any import of TensorFlow.js (the benchmark peer, a dev dependency: bench/peers/ only).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';
import { expect, test } from 'vitest';

const src = resolve(import.meta.dirname, '../../src');
export const LAYERS: Record<string, number> = { base: 0, kernels: 1, tensor: 2, autograd: 3, nn: 4, data: 4, io: 4, api: 5, gan: 6, cli: 7, lab: 7 };

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}
/** the layer of a file: its top folder under src/, or 'api' for the files at src/ itself */
const layer = (f: string) => {
  const top = relative(src, f).split('/')[0];
  return top.endsWith('.ts') ? 'api' : top;
};

/** every relative import of a source file (import … from, export … from, import(), side-effect imports) */
export function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
}

test('the import reader sees every form of import', () => {
  const text = "import a from './a.ts';\nimport type { B } from '../b.ts';\nexport { c } from './c.ts';\nimport './d.ts';\nconst e = await import('../e/e.ts');\nimport x from 'node:fs';";
  expect(importsOf(text)).toEqual(['./a.ts', '../b.ts', './c.ts', './d.ts', '../e/e.ts']);
});

test('no import in src/ points from a lower layer to a higher one', () => {
  const all = files(src);
  expect(all.length).toBeGreaterThan(80);
  const unknown = [...new Set(all.map(layer))].filter((l) => !(l in LAYERS));
  expect(unknown, 'every top folder of src/ has a layer').toEqual([]);
  const upward: string[] = [];
  for (const f of all) {
    for (const spec of importsOf(readFileSync(f, 'utf8'))) {
      const target = normalize(join(dirname(f), spec));
      if (LAYERS[layer(target)] > LAYERS[layer(f)]) upward.push(`${relative(src, f)} -> ${relative(src, target)}`);
    }
  }
  expect(upward).toEqual([]);
});

test('src/ does not import TensorFlow.js (the benchmark peer lives in bench/peers, a dev dependency)', () => {
  const tf = files(src).filter((f) => /['"]@tensorflow\//.test(readFileSync(f, 'utf8')));
  expect(tf.map((f) => relative(src, f))).toEqual([]);
});
