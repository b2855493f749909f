/** Tables and the JSON envelope of the bench suites (no IO here: usable in a browser page). */
import { backendInfo } from '../init.ts';
import type { KernelResult } from './kernels.ts';
import { fmtCount } from './kernels.ts';
import { markdownTable, runtimeName, type Cell } from './measure.ts';
import type { StepProfile } from './profile.ts';
import type { TfPeer } from './tfjs.ts';
import type { TrainResult } from './train.ts';

export interface BenchEnvelope {
  suite: string;
  quick: boolean;
  date: string;
  runtime: string;
  webgan: { backend: string; adapter: string; limits?: unknown; info: Record<string, unknown> };
  tfjs: { version: string; backend: string; adapter: string } | null;
}

export function envelope(suite: string, quick: boolean, peer: TfPeer | null): BenchEnvelope {
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
    (e.tfjs ? ` vs tfjs ${e.tfjs.version} ${e.tfjs.backend}` : ' (tfjs not loaded)');
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
