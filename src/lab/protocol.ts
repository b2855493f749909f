/** Messages between the lab page (main.ts) and its training worker (worker.ts). */
import type { TrainConfig } from '../gan/config.ts';
import type { LabFrame, LabRecord, LabSetup } from './session.ts';
import type { LabBackend } from './settings.ts';

/** page → worker. `id` comes back as `ack` on the frame that follows the command. */
export type ToWorker =
  | { type: 'init'; config: TrainConfig; backend: LabBackend; speed: number }
  | { type: 'play' | 'pause' | 'step' | 'stepD' | 'stepG' | 'reset'; id: number }
  | { type: 'speed'; id: number; speed: number };

export interface BackendReport {
  name: 'webgpu' | 'cpu';
  /** the WebGPU adapter's description, or why the CPU runs */
  adapter: string;
}

/** worker → page */
export type FromWorker =
  | { type: 'ready'; backend: BackendReport; setup: LabSetup }
  | { type: 'frame'; frame: LabFrame; records: LabRecord[]; playing: boolean; ack: number[] }
  | { type: 'error'; message: string };
