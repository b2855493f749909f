/**
 * Regenerate the README's benchmark table from the JSON files in bench/results/ (written by
 * `--json`): one row per case, one column per file (date, runtime, adapter), each cell the ratio
 * webgan / TensorFlow.js. Columns in file-name order.
 *   npm run bench:readme            (node; or: npx deno run -A bench/readme-table.ts)
 *   … -- --check                    exit 1 if the README is not up to date
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readmeBenchBlock, replaceBetweenMarkers, type BenchResult } from '../src/bench/report.ts';

const g = globalThis as unknown as { Deno?: { args: string[] }; process?: { argv: string[] } };
const args = (g.Deno ? g.Deno.args : g.process!.argv.slice(2)).filter((a) => a !== '--');
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = `${root}bench/results`;
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const table = readmeBenchBlock(files.map((f) => [f, JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as BenchResult]));
const readme = readFileSync(`${root}README.md`, 'utf8');
const next = replaceBetweenMarkers(readme, 'bench-table', table);
if (args.includes('--check')) {
  if (next !== readme) { console.error('bench:readme: README.md is out of date; run `npm run bench:readme`'); (g as { process?: { exit(c: number): never } }).process?.exit(1); }
  console.log('bench:readme: README.md is up to date');
} else {
  writeFileSync(`${root}README.md`, next);
  console.log(`bench:readme: wrote the table of ${files.length} result files into README.md`);
}
