/**
 * Training suite: steps/s and peak device memory of a whole GAN training step (one D update and
 * one G update, nsgan, Adam) in webgan (GanTrainer) and in the same model and update rule
 * written in the peer library (for TensorFlow.js: bench/peers/tfjs-gan.ts), interleaved in one process on one adapter.
 */
import * as wg from '../../index.ts';
import type { PresetName } from '../../gan/models.ts';
import { GanTrainer } from '../../gan/trainer.ts';
import { measureInterleaved, type MeasureOptions } from './measure.ts';
import { installProfiler } from './profile.ts';
import type { Peer } from './peer.ts';

export interface TrainCase {
  preset: 'dcgan' | 'mlp2d';
  batch: number;
  /** time the peer's version too (default true) */
  peer?: boolean;
}

export interface TrainSuiteOptions {
  cases: TrainCase[];
  /** steps per timed sample (the device is synchronised once per sample) */
  stepsPerSample: number;
  measure: MeasureOptions;
}

export function trainPreset(kind: 'quick' | 'full'): TrainSuiteOptions {
  return kind === 'quick'
    ? { cases: [{ preset: 'dcgan', batch: 64 }, { preset: 'mlp2d', batch: 256 }], stepsPerSample: 1, measure: { warmup: 1, iters: 3, maxMs: 20000, minIters: 1 } }
    : { cases: [{ preset: 'dcgan', batch: 64 }, { preset: 'mlp2d', batch: 256 }], stepsPerSample: 5, measure: { warmup: 1, iters: 7, maxMs: 60000, minIters: 3 } };
}

export interface TrainResult {
  preset: PresetName;
  batch: number;
  params: number;
  webganStepsPerSec: number;
  tfjsStepsPerSec: number | null;
  /** webgan / tfjs steps/s (> 1: webgan faster) */
  ratio: number | null;
  /** peak bytes held by live tensors during one step */
  webganPeakBytes: number;
  tfjsPeakBytes: number | null;
  /** device bytes held after a step, pool included (webgan: live + pooled; tfjs-webgpu: numBytesAllocatedInGPU) */
  webganAllocatedBytes: number;
  tfjsAllocatedBytes: number | null;
  samples: number;
}

export async function runTrainSuite(o: TrainSuiteOptions, peer: Peer | null, log: (r: TrainResult) => void = () => {}): Promise<TrainResult[]> {
  const prof = installProfiler(); // before any tensor: tracks webgan's peak live bytes
  const out: TrainResult[] = [];
  for (const c of o.cases) {
    const data = c.preset === 'mlp2d' ? 'ring' : 'fashion-mnist';
    const trainer = await GanTrainer.create({ preset: c.preset, loss: 'nsgan', batch: c.batch, data, limit: Math.max(c.batch * 8, 512), seed: 0 });
    const peerGan = peer && c.peer !== false ? peer.gan(c.preset, c.batch) : null;
    try {
      const k = o.stepsPerSample;
      const fns: Record<string, () => Promise<void>> = {
        webgan: async () => { for (let i = 0; i < k; i++) trainer.trainStep(); await prof.sync?.(); },
      };
      if (peerGan) fns.peer = async () => { for (let i = 0; i < k; i++) peerGan.step(); await peerGan.sync(); };
      const m = await measureInterleaved(fns, o.measure);
      // memory: one more step of each, measured on its own
      await trainer.collect(false);
      prof.resetPeak();
      prof.mode = 'peak';
      trainer.trainStep();
      prof.mode = 'off';
      await prof.sync?.();
      const mem = wg.memory();
      let tfPeak: number | null = null, tfAlloc: number | null = null;
      if (peerGan) {
        tfPeak = await peerGan.peakBytes();
        tfAlloc = peerGan.allocatedBytes();
      }
      const sps = (ms: number) => (1000 * k) / ms;
      const params = [...trainer.models.G.parameters(), ...trainer.models.D.parameters()].reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
      const r: TrainResult = {
        preset: c.preset, batch: c.batch, params,
        webganStepsPerSec: sps(m.webgan.medianMs), tfjsStepsPerSec: m.peer ? sps(m.peer.medianMs) : null,
        ratio: m.peer ? m.peer.medianMs / m.webgan.medianMs : null,
        webganPeakBytes: prof.peakLiveBytes, tfjsPeakBytes: tfPeak,
        webganAllocatedBytes: mem.liveBytes + mem.pooledBytes, tfjsAllocatedBytes: tfAlloc,
        samples: m.webgan.samples.length,
      };
      out.push(r);
      log(r);
    } finally {
      trainer.dispose();
      peerGan?.dispose();
      await prof.sync?.();
    }
  }
  return out;
}
