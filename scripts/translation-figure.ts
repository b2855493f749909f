/**
 * The translation figures of docs/results.md, at 2× (nearest), from trained checkpoints:
 *
 *   node_modules/.bin/deno run -A scripts/translation-figure.ts edges OUT.png PIX2PIX_RUN CYCLEGAN_RUN
 *     rows: test sketch, pix2pix, CycleGAN, the true photo — the first test image of each class, twice
 *   node_modules/.bin/deno run -A scripts/translation-figure.ts classes OUT.png CYCLEGAN_RUN
 *     rows: test A, G_A(A), G_B(G_A(A)), test B, G_B(B), G_A(G_B(B)) — the first 10 of each
 *
 * Everything runs in eval mode on the CPU backend, as `webgan translate` does.
 */
import * as wg from '../src/index.ts';
import { makeTranslationSource } from '../src/gan/translation/data.ts';
import { loadTranslator } from '../src/gan/translation/trainer.ts';
import { translateImages } from '../src/gan/translation/translate.ts';
import { resolveCheckpoint } from '../src/gan/run.ts';
import { saveImageGrid } from '../src/io/png.ts';

await wg.init({ backend: 'cpu' });
const [kind, out, ...runs] = (globalThis as unknown as { Deno: { args: string[] } }).Deno.args;
const per = 32 * 32;

const load = async (run: string) => loadTranslator(await resolveCheckpoint(run, 'run'));
const rowsOf = (n: number, ...rows: Float32Array[]) => {
  const all = new Float32Array(rows.length * n * per);
  rows.forEach((r, i) => all.set(r.subarray(0, n * per), i * n * per));
  return all;
};
const pick = (images: Float32Array, idx: number[]) => {
  const o = new Float32Array(idx.length * per);
  idx.forEach((i, j) => o.set(images.subarray(i * per, (i + 1) * per), j * per));
  return o;
};
const save = async (images: Float32Array, rows: number, cols: number) => {
  await saveImageGrid(out, wg.upsampleNearest(wg.tensor(images, [rows * cols, 1, 32, 32]), 2), { nrow: cols, padding: 4, padValue: 0.5 });
  console.log(`wrote ${out}: ${rows} rows × ${cols}`);
};

if (kind === 'edges') {
  const [p2p, cg] = await Promise.all(runs.map(load));
  const src = await makeTranslationSource('edges2fashion', { paired: true, seed: 0, batch: 1, size: 32 });
  const t = src.test!;
  // the first test image of each class, then the second
  const idx: number[] = [];
  for (const round of [0, 1]) for (let k = 0; k < 10; k++) idx.push([...t.labelsA!.keys()].filter((i) => t.labelsA![i] === k)[round]);
  const sketches = pick(t.a, idx), photos = pick(t.b, idx);
  const n = idx.length;
  const byP2p = (await translateImages(p2p.models, sketches, [n, 1, 32, 32], 'a2b')).data;
  const byCg = (await translateImages(cg.models, sketches, [n, 1, 32, 32], 'a2b')).data;
  const half = (x: Float32Array, h: number) => x.subarray(h * 10 * per, (h + 1) * 10 * per);
  const blocks: Float32Array[] = [];
  for (const h of [0, 1]) blocks.push(half(sketches, h), half(byP2p, h), half(byCg, h), half(photos, h));
  await save(rowsOf(10, ...blocks), 8, 10);
} else if (kind === 'classes') {
  const cg = await load(runs[0]);
  const src = await makeTranslationSource(cg.cfg.data, { paired: false, seed: 0, batch: 1, size: 32 });
  const t = src.test!;
  const n = 10;
  const a = t.a.subarray(0, n * per), b = t.b.subarray(0, n * per);
  const fb = (await translateImages(cg.models, a, [n, 1, 32, 32], 'a2b')).data;
  const ra = (await translateImages(cg.models, fb, [n, 1, 32, 32], 'b2a')).data;
  const fa = (await translateImages(cg.models, b, [n, 1, 32, 32], 'b2a')).data;
  const rb = (await translateImages(cg.models, fa, [n, 1, 32, 32], 'a2b')).data;
  await save(rowsOf(n, a, fb, ra, b, fa, rb), 6, n);
} else {
  throw new Error('usage: translation-figure.ts edges OUT.png PIX2PIX_RUN CYCLEGAN_RUN | classes OUT.png CYCLEGAN_RUN');
}
