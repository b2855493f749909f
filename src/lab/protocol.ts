/** Messages between the lab page (main.ts) and its training worker (worker.ts). */
import type { TrainConfig } from '../gan/config.ts';
import type { LabFrame, LabRecord, LabSetup } from './session.ts';
import type { ModelInfo } from './model.ts';
import type { Translation } from './translator.ts';
import type { LabBackend } from './settings.ts';

/** page → worker. `id` comes back as `ack` on the frame that follows the command. */
export type ToWorker =
  | { type: 'init'; config: TrainConfig; backend: LabBackend; speed: number }
  | { type: 'play' | 'pause' | 'step' | 'stepD' | 'stepG' | 'reset'; id: number }
  | { type: 'speed'; id: number; speed: number }
  | Request;

/**
 * page → worker, answered by a `reply` with the same id (after the frame that follows it):
 * load a checkpoint (an mlp2d one replaces the 2-D run, another GAN's generator goes to the model
 * view), draw the samples of a seed (`from`: the 2-D run's G or the model view's), the 2-D run's checkpoint.
 */
export type Request =
  | { type: 'load'; id: number; bytes: Uint8Array; name: string }
  | { type: 'sample'; id: number; from: 'run' | 'model'; seed: number; n: number; label?: number; psi?: number }
  | { type: 'checkpoint'; id: number }
  | { type: 'interpolate'; id: number; seed: number; n: number; rows: number; space: 'z' | 'w'; psi?: number; label?: number }
  | { type: 'mix'; id: number; seed: number; rows: number; cols: number; ranges: string[]; psi: number }
  | { type: 'translate'; id: number; rgba: Uint8Array; width: number; height: number; direction: 'a2b' | 'b2a' }
  | { type: 'testGrid'; id: number };

/** a request as the page writes it (the id is added when it is sent) */
export type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export interface Samples { data: Float32Array; shape: number[] }
export type ReplyValue = { type: 'load'; info: ModelInfo } | { type: 'sample' | 'interpolate' | 'mix' | 'testGrid'; samples: Samples } | { type: 'checkpoint'; bytes: Uint8Array } | { type: 'translate'; translation: Translation };

export interface BackendReport {
  name: 'webgpu' | 'cpu';
  /** the WebGPU adapter's description, or why the CPU runs */
  adapter: string;
}

/** the worker's time for one frame, ms: the training steps before it (with their read-back) and the view data (LabSession.frame) */
export interface FrameTiming { trainMs: number; frameMs: number }

/** worker → page */
export type FromWorker =
  | { type: 'ready'; backend: BackendReport; setup: LabSetup; loaded: ModelInfo | null }
  | { type: 'reply'; id: number; ok: true; value: ReplyValue }
  | { type: 'reply'; id: number; ok: false; message: string }
  | { type: 'frame'; frame: LabFrame; records: LabRecord[]; playing: boolean; ack: number[]; timing: FrameTiming }
  | { type: 'error'; message: string };
