/**
 * Timing helpers shared by the suites: warm, synchronised, interleaved measurement and tables.
 * Every timed call ends with the device idle (the caller's `fn` awaits its library's sync), so
 * a sample is wall time from recording the first dispatch to the last one finishing.
 */

export interface Measurement {
  /** median of the timed samples, ms */
  medianMs: number;
  minMs: number;
  samples: number[];
}

export interface MeasureOptions {
  /** untimed calls per function before timing (pipeline compilation, pool warm-up) */
  warmup: number;
  /** timed calls per function (at most) */
  iters: number;
  /** stop after this much timed wall time once every function has `minIters` samples */
  maxMs: number;
  minIters?: number;
}

export const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Measure several implementations of the same work, interleaved round by round (A B A B …), so
 * that load from other processes on a shared machine hits all of them alike and their ratio holds.
 */
export async function measureInterleaved(fns: Record<string, () => Promise<void> | void>, o: MeasureOptions): Promise<Record<string, Measurement>> {
  const names = Object.keys(fns);
  for (let i = 0; i < o.warmup; i++) for (const k of names) await fns[k]();
  const samples: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
  const minIters = Math.max(1, Math.min(o.minIters ?? 2, o.iters));
  const t0 = performance.now();
  for (let i = 0; i < o.iters; i++) {
    if (i >= minIters && performance.now() - t0 > o.maxMs) break;
    for (const k of names) {
      const s = performance.now();
      await fns[k]();
      samples[k].push(performance.now() - s);
    }
  }
  return Object.fromEntries(names.map((k) => [k, { medianMs: median(samples[k]), minMs: Math.min(...samples[k]), samples: samples[k] }]));
}

/** Runtime name and version: `deno 2.x`, `node v20.x`, or the browser's user agent. */
export function runtimeName(): string {
  const g = globalThis as { Deno?: { version: { deno: string; v8: string } }; process?: { version: string; versions?: { node?: string } }; navigator?: { userAgent?: string } };
  if (g.Deno) return `deno ${g.Deno.version.deno} (v8 ${g.Deno.version.v8})`;
  if (g.process?.versions?.node) return `node ${g.process.version}`;
  return g.navigator?.userAgent ?? 'unknown';
}

export type Cell = string | number | null | undefined;

const fmtCell = (v: Cell): string => {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : a >= 0.001 ? v.toPrecision(2) : v.toExponential(1);
  }
  return v;
};

/** A GitHub-flavoured markdown table (numbers right-aligned). */
export function markdownTable(headers: string[], rows: Cell[][]): string {
  const cells = rows.map((r) => r.map(fmtCell));
  const w = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined));
  const line = (r: string[]) => `| ${r.map((c, i) => (numeric[i] ? c.padStart(w[i]) : c.padEnd(w[i]))).join(' | ')} |`;
  const sep = `|${w.map((n, i) => (numeric[i] ? '-'.repeat(n + 1) + ':' : '-'.repeat(n + 2))).join('|')}|`;
  return [line(headers), sep, ...cells.map(line)].join('\n');
}
