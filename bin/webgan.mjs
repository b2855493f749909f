#!/usr/bin/env node
// The webgan CLI for Node (runs the build in dist/; `npm run build` first in a checkout).
// Deno runs the sources directly: deno run -A src/cli/main.ts <command>.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('webgan: dist/ is missing; run `npm run build` (or `bash scripts/setup.sh`) first');
  process.exit(1);
}
const { main } = await import(entry.href);
// exit explicitly: a WebGPU device (Dawn) can keep the event loop alive after the work is done
process.exit(await main(process.argv.slice(2)));
