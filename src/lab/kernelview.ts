/**
 * The kernel view of the lab page: `webgan bench --suite kernels [--quick]` on the page's adapter, in
 * its own worker (kernel-worker.ts) so the page stays live; a table and a bar chart of each case's
 * rate, TensorFlow.js beside it when the page has it, and the result as the JSON the CLI writes.
 */
import type { KernelResult } from '../cli/bench/kernels.ts';
import { resultLabel } from '../cli/bench/report.ts';
import type { FromKernelWorker, KernelsResult, KernelViewOptions, ToKernelWorker } from './kernels.ts';
import type { LabBackend } from './settings.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const COLORS = { webgan: '#762a83', tfjs: '#999', text: '#333' };
const fmt = (v: number | null, d = 2) => (v === null ? '—' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(d));

export class KernelView {
  private worker: Worker | null = null;
  private nextId = 1;
  private running = false;
  private result: KernelsResult | null = null;
  /** whether the server sends tfjs.js (`webgan lab` from a checkout with the TensorFlow.js packages marks the page: src/cli/lab.ts) */
  readonly tfjs = !!document.querySelector('meta[name="webgan-tfjs"]');

  constructor(private readonly backend: LabBackend) {
    const box = $<HTMLInputElement>('kernels-tfjs');
    box.disabled = !this.tfjs;
    box.checked = this.tfjs;
    $('kernels-tfjs-note').textContent = this.tfjs
      ? 'TensorFlow.js (tfjs-backend-webgpu, or -cpu on the CPU) runs each case beside webgan, on the same adapter'
      : 'TensorFlow.js is not served with this page (it comes with `webgan lab` run from a checkout after `npm ci`): webgan alone';
    $('kernels-run').addEventListener('click', () => void this.run({ filter: $<HTMLInputElement>('kernels-filter').value, tfjs: $<HTMLInputElement>('kernels-tfjs').checked, full: $<HTMLInputElement>('kernels-full').checked }).catch(() => {}));
    $('kernels-export').addEventListener('click', () => this.export());
  }

  /** Run the suite; resolves to the JSON object `webgan bench --suite kernels [--quick] --json` writes. */
  async run(o: KernelViewOptions = {}): Promise<KernelsResult> {
    if (this.running) throw new Error('a kernel run is in progress: wait for it to finish');
    const tfjs = o.tfjs ?? this.tfjs;
    if (tfjs && !this.tfjs) throw new Error('TensorFlow.js is not served with this page (`webgan lab` serves it from a checkout after `npm ci`): run without tfjs');
    const status = $('kernels-status');
    this.running = true;
    $<HTMLButtonElement>('kernels-run').disabled = true;
    status.classList.remove('bad');
    status.textContent = 'starting the backend…';
    const rows: KernelResult[] = [];
    const progress = $<HTMLProgressElement>('kernels-progress');
    progress.hidden = false;
    progress.value = 0;
    try {
      this.worker ??= new Worker(new URL('./kernels.js', import.meta.url), { type: 'module' });
      const id = this.nextId++;
      const w = this.worker;
      const result = await new Promise<KernelsResult>((resolve, reject) => {
        let cases: string[] = [];
        w.onmessage = (ev: MessageEvent<FromKernelWorker>) => {
          const m = ev.data;
          if (m.id !== id) return;
          if (m.type === 'start') {
            cases = m.cases;
            progress.max = cases.length;
            $('kernels-backend').textContent = `webgan on ${m.backend.name === 'webgpu' ? `WebGPU — ${m.backend.adapter}` : `the CPU backend (${m.backend.adapter}), as \`webgan bench --backend cpu\``}` +
              (m.tfjs ? ` · TensorFlow.js ${m.tfjs}` : ' · webgan only');
          } else if (m.type === 'row') {
            rows.push(m.row);
            this.show(rows);
          } else if (m.type === 'done') resolve(m.result);
          else reject(new Error(m.message));
          if (m.type === 'start' || m.type === 'row') {
            progress.value = rows.length;
            status.textContent = rows.length < cases.length ? `${rows.length} / ${cases.length}: ${cases[rows.length]}…` : 'finishing…';
          }
        };
        w.onerror = (e) => reject(new Error(`the kernel worker failed: ${e.message || 'see the console'}`));
        w.postMessage({ type: 'run', id, backend: this.backend, filter: o.filter, tfjs, full: !!o.full } satisfies ToKernelWorker);
      });
      this.result = result;
      this.show(result.results);
      status.textContent = `${resultLabel(result)}: ${result.results.length} case${result.results.length === 1 ? '' : 's'}`;
      $<HTMLButtonElement>('kernels-export').disabled = false;
      return result;
    } catch (e) {
      status.classList.add('bad');
      status.textContent = (e as Error).message;
      throw e;
    } finally {
      this.running = false;
      progress.hidden = true;
      $<HTMLButtonElement>('kernels-run').disabled = false;
    }
  }

  /** Download the last result: `webgan bench --suite kernels [--quick] --json FILE`'s file. */
  export(): void {
    if (!this.result) return;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([JSON.stringify(this.result, null, 2) + '\n'], { type: 'application/json' }));
    a.download = `webgan-bench-kernels-${this.result.date.slice(0, 19).replace(/:/g, '-')}.json`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  private show(rows: KernelResult[]): void {
    const tfjs = rows.some((r) => r.tfjsRate !== null);
    const table = $<HTMLTableElement>('kernels-table');
    const head = ['case', 'shape', 'webgan ms', 'webgan', ...(tfjs ? ['tfjs ms', 'tfjs', 'webgan / tfjs', 'check'] : []), 'unit'];
    const tr = (cells: string[], tag: 'td' | 'th') => {
      const row = document.createElement('tr');
      for (const c of cells) row.append(Object.assign(document.createElement(tag), { textContent: c }));
      return row;
    };
    table.replaceChildren(tr(head, 'th'), ...rows.map((r) => tr([
      r.name, r.shape, fmt(r.webganMs, 3), fmt(r.webganRate),
      ...(tfjs ? [fmt(r.tfjsMs, 3), fmt(r.tfjsRate), r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`, r.relDiff === undefined ? '—' : r.relDiff < 1e-3 ? 'ok' : `diff ${r.relDiff.toExponential(1)}`] : []),
      r.unit,
    ], 'td')));
    table.hidden = false;
    drawBars($<HTMLCanvasElement>('kernels-chart'), rows);
  }
}

/** One row per case: webgan's rate (and tfjs's below it), each unit (GFLOP/s, GB/s) on its own scale. */
export function drawBars(canvas: HTMLCanvasElement, rows: KernelResult[]): void {
  const tfjs = rows.some((r) => r.tfjsRate !== null);
  const rowH = tfjs ? 26 : 16, L = 250, R = 90, T = 22;
  canvas.height = T + rows.length * rowH + 6;
  canvas.hidden = rows.length === 0;
  const ctx = canvas.getContext('2d')!;
  const W = canvas.width;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, canvas.height);
  ctx.font = '11px sans-serif';
  const max: Record<string, number> = {};
  for (const r of rows) max[r.unit] = Math.max(max[r.unit] ?? 0, r.webganRate, r.tfjsRate ?? 0);
  ctx.fillStyle = COLORS.text;
  ctx.fillText('rate per case (each unit on its own scale)', 4, 13);
  if (tfjs) {
    for (const [i, [name, color]] of [['webgan', COLORS.webgan], ['TensorFlow.js', COLORS.tfjs]].entries()) {
      ctx.fillStyle = color;
      ctx.fillRect(L + i * 90, 5, 10, 9);
      ctx.fillStyle = COLORS.text;
      ctx.fillText(name, L + 14 + i * 90, 13);
    }
  }
  rows.forEach((r, i) => {
    const y = T + i * rowH;
    ctx.fillStyle = COLORS.text;
    let name = r.name;
    while (name.length > 4 && ctx.measureText(name).width > L - 12) name = `${name.slice(0, -2)}…`;
    ctx.fillText(name, 4, y + 11);
    const bars: [number | null, string][] = [[r.webganRate, COLORS.webgan], ...(tfjs ? [[r.tfjsRate, COLORS.tfjs] as [number | null, string]] : [])];
    bars.forEach(([v, color], j) => {
      if (v === null) return;
      const w = max[r.unit] > 0 ? ((W - L - R) * v) / max[r.unit] : 0;
      ctx.fillStyle = color;
      ctx.fillRect(L, y + 2 + j * 11, Math.max(w, 1), 10);
      ctx.fillStyle = COLORS.text;
      ctx.fillText(`${fmt(v)} ${r.unit}`, L + Math.max(w, 1) + 4, y + 11 + j * 11);
    });
  });
}
