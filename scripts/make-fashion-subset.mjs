#!/usr/bin/env node
// Builds data/fashion-mnist/ from Debian's dataset-fashion-mnist package:
//   t10k-*  copied unchanged (full 10,000-image test set);
//   train-* the first 20,000 training images and labels, re-encoded as gzip IDX
//           (same header with the count patched to 20000; gzip level 9, no mtime, so reproducible).
// usage: node scripts/make-fashion-subset.mjs [srcDir] [outDir] [count]
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';

const src = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const out = process.argv[3] ?? new URL('../data/fashion-mnist/', import.meta.url).pathname;
const count = Number(process.argv[4] ?? 20000);
mkdirSync(out, { recursive: true });

for (const f of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) copyFileSync(`${src}/${f}`, `${out}/${f}`);

function subset(name, itemBytes) {
  const raw = gunzipSync(readFileSync(`${src}/${name}`));
  const nd = raw[3];
  const header = Buffer.from(raw.subarray(0, 4 + 4 * nd));
  const n = header.readUInt32BE(4);
  if (count > n) throw new Error(`${name} has only ${n} items`);
  header.writeUInt32BE(count, 4);
  const body = raw.subarray(header.length, header.length + count * itemBytes);
  writeFileSync(`${out}/${name}`, gzipSync(Buffer.concat([header, body]), { level: 9 }));
  console.log(`${name}: ${count} of ${n}`);
}
subset('train-images-idx3-ubyte.gz', 28 * 28);
subset('train-labels-idx1-ubyte.gz', 1);
