#!/usr/bin/env node
/**
 * Node entry for the bench suites, no build needed: esbuild bundles bench/run.ts (TypeScript
 * sources, packages left external) into node_modules/.cache/webgan-bench/ and runs it.
 *   node bench/run.mjs --suite kernels --quick --backend cpu [--json out.json]
 * Deno runs the TypeScript directly: npx deno run -A bench/run.ts …
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const esbuild = await import('esbuild');
const r = await esbuild.build({
  entryPoints: [path.join(here, 'run.ts')], bundle: true, format: 'esm', platform: 'node', target: 'node20',
  packages: 'external', write: false, outfile: 'run.mjs', logLevel: 'silent',
});
// inside node_modules (git-ignored) so that the bundle's bare imports resolve to this checkout's packages
const dir = path.join(here, '..', 'node_modules', '.cache', 'webgan-bench');
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `run-${process.pid}.mjs`);
writeFileSync(file, r.outputFiles[0].contents);
const clean = () => rmSync(file, { force: true });
process.on('exit', clean);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { clean(); process.exit(130); });
await import(pathToFileURL(file).href);
