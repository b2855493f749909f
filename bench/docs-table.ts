/**
 * Regenerate the benchmark table of docs/benchmarks.md from the JSON files in bench/results/ (written by
 * `--json`): one row per case, one column per file (date, runtime, adapter), each cell the ratio
 * webgan / TensorFlow.js. Columns in file-name order.
 *   npm run bench:table            (node; or: npx deno run -A bench/docs-table.ts)
 *   … -- --check                    exit 1 if docs/benchmarks.md is not up to date
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchTableBlock, replaceBetweenMarkers, type BenchResult } from '../src/cli/bench/report.ts';

const g = globalThis as unknown as { Deno?: { args: string[] }; process?: { argv: string[] } };
const args = (g.Deno ? g.Deno.args : g.process!.argv.slice(2)).filter((a) => a !== '--');
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = `${root}bench/results`;
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const table = benchTableBlock(files.map((f) => [f, JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as BenchResult]));
const doc = `${root}docs/benchmarks.md`;
const readme = readFileSync(doc, 'utf8');
const next = replaceBetweenMarkers(readme, 'bench-table', table);
if (args.includes('--check')) {
  if (next !== readme) { console.error('bench:table: docs/benchmarks.md is out of date; run `npm run bench:table`'); (g as { process?: { exit(c: number): never } }).process?.exit(1); }
  console.log('bench:table: docs/benchmarks.md is up to date');
} else {
  writeFileSync(doc, next);
  console.log(`bench:table: wrote the table of ${files.length} result files into docs/benchmarks.md`);
}
