/**
 * The kernel view's suite (no DOM: the kernel worker runs it, the Node tests too): `webgan bench
 * --suite kernels --quick` (src/cli/bench), optionally filtered, on the backend the worker started
 * and, when TensorFlow.js is there, next to it on the same adapter. Its result is the JSON that
 * `webgan bench --suite kernels --quick --json FILE` writes.
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
}

/** The quick suite with the filter; a bad filter, or one that matches nothing, is an error naming it. */
export function kernelSuite(filter?: string): KernelSuiteOptions {
  const o = kernelPreset('quick');
  if (filter !== undefined && filter.trim() !== '') {
    try {
      o.filter = new RegExp(filter);
    } catch (e) {
      throw new Error(`filter '${filter}' is not a regular expression: ${(e as Error).message}`);
    }
    if (kernelCases(o).length === 0) throw new Error(`filter '${filter}' matches no case of the quick suite (${kernelCases(kernelPreset('quick')).map((c) => c.name).join(', ')})`);
  }
  return o;
}

/** The suite on the active backend (and the peer): each row as it is measured, then the result. */
export async function runKernels(o: KernelViewOptions, peer: Peer | null, onRow: (row: KernelResult) => void = () => {}): Promise<KernelsResult> {
  const env = envelope('kernels', true, peer);
  return kernelsResult(env, await runKernelSuite(kernelSuite(o.filter), peer, onRow));
}

/** The names of the cases a filter selects, in the order they run. */
export const kernelCaseNames = (filter?: string): string[] => kernelCases(kernelSuite(filter)).map((c) => c.name);

/** page → kernel worker */
export type ToKernelWorker = { type: 'run'; id: number; backend: LabBackend; filter?: string; tfjs: boolean };
/** kernel worker → page */
export type FromKernelWorker =
  | { type: 'start'; id: number; backend: BackendReport; tfjs: string | null; cases: string[] }
  | { type: 'row'; id: number; row: KernelResult }
  | { type: 'done'; id: number; result: KernelsResult }
  | { type: 'error'; id: number; message: string };
