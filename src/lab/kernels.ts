/**
 * The kernel view's suite (no DOM: the kernel worker runs it, the Node tests too): `webgan bench
 * --suite kernels --quick` (src/cli/bench) or, with `full`, the whole suite (`webgan bench --suite
 * kernels`), optionally filtered, on the backend the worker started and, when TensorFlow.js is
 * there, next to it on the same adapter. Its result is the JSON that `webgan bench --suite kernels
 * [--quick] --json FILE` writes.
 */
import { kernelCases, kernelPreset, runKernelSuite, type KernelResult, type KernelSuiteOptions } from '../cli/bench/kernels.ts';
import type { Peer } from '../cli/bench/peer.ts';
import { envelope, kernelsResult, type KernelsResult } from '../cli/bench/report.ts';
import type { BackendReport } from './protocol.ts';
import type { LabBackend } from './settings.ts';

export type { KernelsResult };

export interface KernelViewOptions {
  /** a regular expression: only the cases whose name matches (as `webgan bench --filter`) */
  filter?: string;
  /** also run TensorFlow.js (when the page has it; an error otherwise) */
  tfjs?: boolean;
  /** the whole suite (`webgan bench --suite kernels`: matmul 2048, the dcgan64 layers, more timed calls) instead of the quick one */
  full?: boolean;
}

/** The quick (or full) suite with the filter; a bad filter, or one that matches nothing, is an error naming it. */
export function kernelSuite(filter?: string, full = false): KernelSuiteOptions {
  const kind = full ? 'full' : 'quick';
  const o = kernelPreset(kind);
  if (filter !== undefined && filter.trim() !== '') {
    try {
      o.filter = new RegExp(filter);
    } catch (e) {
      throw new Error(`filter '${filter}' is not a regular expression: ${(e as Error).message}`);
    }
    if (kernelCases(o).length === 0) throw new Error(`filter '${filter}' matches no case of the ${kind} suite (${kernelCases(kernelPreset(kind)).map((c) => c.name).join(', ')})`);
  }
  return o;
}

/** The suite on the active backend (and the peer): each row as it is measured, then the result. */
export async function runKernels(o: KernelViewOptions, peer: Peer | null, onRow: (row: KernelResult) => void = () => {}): Promise<KernelsResult> {
  const env = envelope('kernels', !o.full, peer);
  return kernelsResult(env, await runKernelSuite(kernelSuite(o.filter, o.full), peer, onRow));
}

/** The names of the cases a filter selects, in the order they run. */
export const kernelCaseNames = (filter?: string, full = false): string[] => kernelCases(kernelSuite(filter, full)).map((c) => c.name);

/** page → kernel worker */
export type ToKernelWorker = { type: 'run'; id: number; backend: LabBackend; filter?: string; tfjs: boolean; full: boolean };
/** kernel worker → page */
export type FromKernelWorker =
  | { type: 'start'; id: number; backend: BackendReport; tfjs: string | null; cases: string[] }
  | { type: 'row'; id: number; row: KernelResult }
  | { type: 'done'; id: number; result: KernelsResult }
  | { type: 'error'; id: number; message: string };
