/** Messages between the lab page's image view (imageview.ts) and its worker (image-worker.ts). */
import type { TrainConfig } from '../gan/config.ts';
import type { ImageFrame } from './image-session.ts';
import type { BackendReport } from './protocol.ts';
import type { LabRecord } from './session.ts';
import type { LabBackend } from './settings.ts';

/** page → worker. `id` comes back as `ack` on the frame that follows the command. */
export type ToImageWorker =
  | { type: 'init'; config: TrainConfig; backend: LabBackend; speed: number; label: number | null }
  | { type: 'play' | 'pause' | 'step' | 'reset'; id: number }
  | { type: 'speed'; id: number; speed: number }
  | { type: 'label'; id: number; label: number | null }
  | ImageRequest;

/**
 * page → worker, answered by a `reply` with the same id (after the frame that follows it): continue
 * a dcgan / cdcgan checkpoint, a latent walk of a seed, the run's checkpoint.
 */
export type ImageRequest =
  | { type: 'load'; id: number; bytes: Uint8Array; name: string }
  | { type: 'walk'; id: number; seed: number; label: number | null }
  | { type: 'checkpoint'; id: number };

/** The run the worker trains: its config, and the checkpoint it continues (Reset returns to it) or null. */
export interface ImageRun { config: TrainConfig; step: number; resumedFrom: string | null }

export type ImageReplyValue = { type: 'load'; run: ImageRun } | { type: 'walk'; data: Float32Array; shape: number[] } | { type: 'checkpoint'; bytes: Uint8Array };

/** worker → page */
export type FromImageWorker =
  | { type: 'status'; message: string }
  | { type: 'ready'; backend: BackendReport; run: ImageRun }
  | { type: 'frame'; frame: ImageFrame; records: LabRecord[]; playing: boolean; ack: number[] }
  | { type: 'reply'; id: number; ok: true; value: ImageReplyValue }
  | { type: 'reply'; id: number; ok: false; message: string }
  | { type: 'error'; message: string };
