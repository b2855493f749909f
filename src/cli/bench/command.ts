/**
 * `webgan bench`: the kernel, training and profile suites, a table on stdout and, with --json,
 * the results with runtime, adapter, limits and date. webgan alone; the benchmark scripts in
 * bench/ hand in a peer library (TensorFlow.js) to compare with on the same adapter.
 */
import { type KernelResult, kernelPreset, runKernelSuite } from './kernels.ts';
import { profileTrainStep, type StepProfile } from './profile.ts';
import { envelope, headerLine, kernelsResult, kernelTable, trainTable, type BenchResult } from './report.ts';
import { ADD_PEER_HINT, type Peer } from './peer.ts';
import { runTrainSuite, trainPreset, type TrainResult } from './train.ts';
import type { PresetName } from '../../gan/models.ts';
import type { LossName } from '../../gan/losses.ts';
import { getBackend } from '../../tensor/runtime.ts';
import { writeText } from '../../io/fs.ts';
import { startBackend } from '../backend.ts';

export interface BenchOptions {
  suite: 'kernels' | 'train' | 'profile';
  backend: 'webgpu' | 'cpu' | 'auto';
  /** write the results as JSON to this file */
  json?: string;
  /** the small set (minutes on a software adapter); default: full */
  quick?: boolean;
  /** only kernel cases whose name matches this regular expression */
  filter?: string;
  /** add matmul 4096 to the full kernel set */
  matmul4096?: boolean;
  /** train / profile suites: comma-separated presets (default dcgan, mlp2d) */
  preset?: string;
  /** train / profile suites: batch size (default 64; mlp2d trains at 256) */
  batch?: number;
  /** kernels suite: calls per timed sample ('auto' or an integer ≥ 1) */
  callsPerSample?: string;
  /** profile suite: the objective of the profiled step (default nsgan) */
  loss?: string;
}

/**
 * Run a suite. `loadPeer` (from bench/run.ts) gives the library to compare with on the backend
 * kind webgan started on; without it webgan runs alone and says how to add the comparison.
 */
export async function benchCommand(o: BenchOptions, loadPeer?: (backend: 'webgpu' | 'cpu') => Promise<Peer | null>): Promise<BenchResult> {
  await startBackend(o.backend);
  const quick = !!o.quick;
  const name = getBackend().name;
  const comparable = o.suite !== 'profile' && name !== 'ref';
  const peer = loadPeer && comparable ? await loadPeer(name as 'webgpu' | 'cpu') : null;
  if (!loadPeer && comparable) console.error(ADD_PEER_HINT);
  const env = envelope(o.suite, quick, peer);
  console.log(`${headerLine(env)}\n`);
  let result: BenchResult;
  if (o.suite === 'kernels') {
    const opts = kernelPreset(quick ? 'quick' : 'full', { matmul4096: o.matmul4096 });
    if (o.filter) opts.filter = new RegExp(o.filter);
    if (o.callsPerSample !== undefined && o.callsPerSample !== 'auto') {
      const k = Number(o.callsPerSample);
      if (!Number.isSafeInteger(k) || k < 1) throw new Error(`bench --calls-per-sample: expected 'auto' or an integer ≥ 1, got '${o.callsPerSample}'`);
      opts.callsPerSample = k;
    }
    const rows: KernelResult[] = await runKernelSuite(opts, peer, (r) =>
      console.error(`  ${r.name}: webgan ${r.webganRate.toFixed(2)} ${r.unit}${r.tfjsRate !== null ? `, tfjs ${r.tfjsRate.toFixed(2)} (${r.ratio!.toFixed(2)}×)` : ''}`));
    console.log(kernelTable(rows));
    result = kernelsResult(env, rows);
  } else if (o.suite === 'train') {
    const opts = trainPreset(quick ? 'quick' : 'full');
    if (o.preset) opts.cases = opts.cases.filter((c) => o.preset!.split(',').includes(c.preset));
    if (o.batch) for (const c of opts.cases) c.batch = o.batch;
    const rows: TrainResult[] = await runTrainSuite(opts, peer, (r) =>
      console.error(`  ${r.preset}: webgan ${r.webganStepsPerSec.toFixed(3)} steps/s${r.tfjsStepsPerSec !== null ? `, tfjs ${r.tfjsStepsPerSec.toFixed(3)} (${r.ratio!.toFixed(2)}×)` : ''}`));
    console.log(trainTable(rows));
    result = { ...env, suite: 'train', results: rows };
  } else {
    const presets = (o.preset ?? 'dcgan,mlp2d').split(',').map((s) => s.trim()) as PresetName[];
    const loss = o.loss as LossName | undefined; // nsgan for the GAN presets, the preset's own for cyclegan / pix2pix; an unknown name is refused by the config check
    const profiles: StepProfile[] = [];
    for (const p of presets) profiles.push(await profileTrainStep(p, { batch: o.batch, loss, steps: quick ? 1 : 5, reps: quick ? 1 : 5 }));
    result = { ...env, suite: 'profile', results: profiles.map(({ table: _t, ...p }) => p) };
  }
  if (o.json) {
    await writeText(o.json, JSON.stringify(result, null, 2) + '\n');
    console.error(`bench: wrote ${o.json}`);
  }
  return result;
}
