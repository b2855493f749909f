/**
 * Print the markdown tables of bench JSON files (written by `--json`):
 *   npx deno run -A bench/tables.ts results/*.json
 */
import { readFileSync } from 'node:fs';
import { headerLine, kernelTable, trainTable, type BenchResult } from '../src/cli/bench/report.ts';
import { markdownTable } from '../src/cli/bench/measure.ts';

const g = globalThis as unknown as { Deno?: { args: string[] }; process?: { argv: string[] } };
for (const f of g.Deno ? g.Deno.args : g.process!.argv.slice(2)) {
  const r = JSON.parse(readFileSync(f, 'utf8')) as BenchResult;
  console.log(`\n${headerLine(r)}\n`);
  if (r.suite === 'kernels') console.log(kernelTable(r.results));
  else if (r.suite === 'train') console.log(trainTable(r.results));
  else for (const p of r.results) {
    console.log(`${p.preset}, batch ${p.batch}, step ${p.stepMs.toFixed(0)} ms (wall, synchronised), Σ primitives ${p.primMs.toFixed(0)} ms\n`);
    console.log(markdownTable(['primitive', 'calls', 'distinct', 'CPU-side ms', 'time ms', '% of step'],
      p.prims.map((x) => [x.prim, x.calls, x.distinct, x.cpuMs, x.deviceMs, (100 * x.deviceMs) / p.stepMs])));
  }
}
