/**
 * docs/results/edges2fashion-sketches.png: test photos (odd rows) above their edges2fashion sketches
 * (even rows), the first 32 of Fashion-MNIST's test split, at 2×.
 *   npx vite-node scripts/edges2fashion-figure.ts
 */
import * as wg from '../src/index.ts';
import { makeTranslationSource } from '../src/gan/translation/data.ts';
import { saveImageGrid } from '../src/io/png.ts';

const t0 = performance.now();
const src = await makeTranslationSource('edges2fashion', { paired: true, seed: 0, batch: 1 });
console.log(`edges2fashion: ${src.domains.a.shape[0]} training pairs and ${src.test!.n} test pairs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const per = 784, cols = 16, out = new Float32Array(64 * per);
for (let r = 0; r < 2; r++) {
  for (let k = 0; k < cols; k++) {
    const i = r * cols + k;
    out.set(src.test!.b.subarray(i * per, (i + 1) * per), (2 * r * cols + k) * per);
    out.set(src.test!.a.subarray(i * per, (i + 1) * per), ((2 * r + 1) * cols + k) * per);
  }
}
// shown at 2× (nearest) so the one-pixel lines stay visible
await saveImageGrid('docs/results/edges2fashion-sketches.png', wg.upsampleNearest(wg.tensor(out, [64, 1, 28, 28]), 2), { nrow: cols, padding: 4, padValue: 0.5 });
