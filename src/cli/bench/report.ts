/** Tables and the JSON envelope of the bench suites (no IO here: usable in a browser page). */
import { backendInfo } from '../../init.ts';
import type { KernelResult } from './kernels.ts';
import { fmtCount } from './kernels.ts';
import { markdownTable, runtimeName, type Cell } from './measure.ts';
import type { StepProfile } from './profile.ts';
import type { Peer } from './peer.ts';
import type { TrainResult } from './train.ts';

export interface BenchEnvelope {
  suite: string;
  quick: boolean;
  date: string;
  runtime: string;
  webgan: { backend: string; adapter: string; limits?: unknown; info: Record<string, unknown> };
  /** the peer compared with (null: webgan only); `tfjs` and the results' tfjs* fields name the peer, TensorFlow.js so far, as in the result files of bench/results */
  tfjs: { version: string; backend: string; adapter: string } | null;
}

export function envelope(suite: string, quick: boolean, peer: Peer | null): BenchEnvelope {
  const info = backendInfo();
  const adapter = info.backend === 'webgpu' ? String(info.description || info.vendor || 'webgpu') : 'cpu';
  return {
    suite, quick, date: new Date().toISOString(), runtime: runtimeName(),
    webgan: { backend: String(info.backend), adapter, limits: info.limits, info },
    tfjs: peer ? { version: peer.version, backend: peer.backend, adapter: peer.adapter } : null,
  };
}

export function headerLine(e: BenchEnvelope): string {
  return `${e.suite} suite${e.quick ? ' (quick)' : ''} — ${e.date} — ${e.runtime} — webgan ${e.webgan.backend} (${e.webgan.adapter})` +
    (e.tfjs ? ` vs tfjs ${e.tfjs.version} ${e.tfjs.backend}` : ' (webgan only)');
}

export function kernelTable(rows: KernelResult[]): string {
  return markdownTable(
    ['case', 'shape', 'work', 'calls/sync', 'webgan ms', 'tfjs ms', 'webgan', 'tfjs', 'unit', 'webgan/tfjs', 'check'],
    rows.map((r): Cell[] => [
      r.name, r.shape, r.flops !== undefined ? `${(r.flops / 1e9).toFixed(3)} GFLOP` : `${fmtCount(r.bytes!)}B`,
      r.callsPerSample, r.webganMs, r.tfjsMs, r.webganRate, r.tfjsRate, r.unit, r.ratio === null ? null : `${r.ratio.toFixed(2)}×`,
      r.relDiff === undefined ? null : r.relDiff < 1e-3 ? 'ok' : `diff ${r.relDiff.toExponential(1)}`,
    ]),
  );
}

const mib = (b: number | null) => (b === null ? null : b / 2 ** 20);

export function trainTable(rows: TrainResult[]): string {
  return markdownTable(
    ['preset', 'batch', 'params', 'webgan steps/s', 'tfjs steps/s', 'webgan/tfjs', 'webgan peak MiB', 'tfjs peak MiB', 'webgan alloc MiB', 'tfjs alloc MiB'],
    rows.map((r): Cell[] => [
      r.preset, r.batch, r.params, r.webganStepsPerSec, r.tfjsStepsPerSec, r.ratio === null ? null : `${r.ratio.toFixed(2)}×`,
      mib(r.webganPeakBytes), mib(r.tfjsPeakBytes), mib(r.webganAllocatedBytes), mib(r.tfjsAllocatedBytes),
    ]),
  );
}

export type BenchResult =
  | (BenchEnvelope & { suite: 'kernels'; results: KernelResult[] })
  | (BenchEnvelope & { suite: 'train'; results: TrainResult[] })
  | (BenchEnvelope & { suite: 'profile'; results: Omit<StepProfile, 'table'>[] });

/** What `webgan bench --suite kernels --json FILE` writes (and the lab's kernel view exports): the envelope and the rows. */
export const kernelsResult = (env: BenchEnvelope, results: KernelResult[]): KernelsResult => ({ ...env, suite: 'kernels', results });
export type KernelsResult = Extract<BenchResult, { suite: 'kernels' }>;

/** A column's heading: suite, date, runtime, webgan backend and adapter, and the peer it was compared with. */
export function resultLabel(r: BenchEnvelope): string {
  const runtime = r.runtime.startsWith('Mozilla') ? `Chromium ${/Chrome\/([\d.]+)/.exec(r.runtime)?.[1] ?? ''}`.trim() : r.runtime.replace(/ \(v8 [^)]*\)$/, '');
  const peer = r.tfjs ? `vs tfjs-${r.tfjs.backend} ${r.tfjs.version}` : 'webgan only';
  return `${r.suite}${r.quick ? ' (quick)' : ''}: ${r.date.slice(0, 10)}, ${runtime}, ${r.webgan.backend}${r.webgan.adapter !== r.webgan.backend ? ` (${r.webgan.adapter})` : ''}, ${peer}`;
}

/**
 * The benchmark table (docs/benchmarks.md): one row per case (kernel cases, then training steps), one column per
 * result file, each cell webgan / tfjs (the ratio; webgan's rate alone when tfjs was not timed).
 * Profiles carry no ratio and are left out.
 */
export function ratioMatrix(results: BenchResult[]): string {
  const cols = results.filter((r) => r.suite === 'kernels' || r.suite === 'train');
  const rowNames: string[] = [];
  const cells = new Map<string, Map<number, string>>();
  const put = (row: string, col: number, v: string) => {
    if (!cells.has(row)) { cells.set(row, new Map()); rowNames.push(row); }
    cells.get(row)!.set(col, v);
  };
  cols.forEach((r, j) => {
    if (r.suite === 'kernels') {
      for (const k of r.results) put(k.name, j, k.ratio !== null ? `${k.ratio.toFixed(2)}×` : `${k.webganRate.toPrecision(3)} ${k.unit} (no tfjs)`);
    } else if (r.suite === 'train') {
      for (const t of r.results) put(`training step: ${t.preset}, batch ${t.batch}`, j, t.ratio !== null ? `${t.ratio.toFixed(2)}×` : `${t.webganStepsPerSec.toPrecision(3)} steps/s (no tfjs)`);
    }
  });
  const order = (name: string) => (name.startsWith('training step') ? 1 : 0);
  rowNames.sort((a, b) => order(a) - order(b)); // stable: kernel cases in suite order, then training
  return markdownTable(['case (webgan / TensorFlow.js, > 1: webgan faster)', ...cols.map(resultLabel)], rowNames.map((n) => [n, ...cols.map((_, j) => cells.get(n)!.get(j) ?? null)]));
}

/** The generated block of docs/benchmarks.md: the ratio matrix of the files (name → result), and where it came from. */
export function benchTableBlock(files: [name: string, result: BenchResult][]): string {
  return `${ratioMatrix(files.map(([, r]) => r))}\n\nGenerated by \`npm run bench:table\` from ${files.map(([f]) => `[${f}](../bench/results/${f})`).join(', ')}.`;
}

/** Replace the text between `<!-- name:start -->` and `<!-- name:end -->` (markers kept). */
export function replaceBetweenMarkers(doc: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`, end = `<!-- ${name}:end -->`;
  const i = doc.indexOf(start), k = doc.indexOf(end);
  if (i < 0 || k < i) throw new Error(`replaceBetweenMarkers: '${start}' … '${end}' not found (in that order)`);
  return `${doc.slice(0, i + start.length)}\n${body.trim()}\n${doc.slice(k)}`;
}
