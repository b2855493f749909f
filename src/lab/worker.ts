/**
 * The lab's training worker: starts a backend (WebGPU when the browser has an adapter, else the
 * CPU), runs a LabSession and answers the page's commands (protocol.ts). While playing it trains
 * `speed` steps, then sends one frame; commands are taken between frames.
 */
import { backendInfo, init } from '../init.ts';
import type { TrainConfig } from '../gan/config.ts';
import type { BackendReport, FromWorker, ToWorker } from './protocol.ts';
import { LabSession, type LabRecord } from './session.ts';
import type { LabBackend } from './settings.ts';

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

let session: LabSession | null = null;
let config: TrainConfig | null = null;
let playing = false;
let speed = 1;
let looping = false;
/** a frame is owed without a command (the first one after init) */
let needFrame = false;
const queue: Extract<ToWorker, { id: number }>[] = [];

async function startBackend(want: LabBackend): Promise<BackendReport> {
  if (want !== 'cpu') {
    try {
      await init({ backend: 'webgpu' });
      const i = backendInfo();
      return { name: 'webgpu', adapter: [i.description, i.vendor, i.architecture].filter((v) => v && String(v).length).map(String).join(' · ') || 'unnamed adapter' };
    } catch (e) {
      if (want === 'webgpu') throw new Error(`backend=webgpu: ${(e as Error).message}`);
      await init({ backend: 'cpu' });
      return { name: 'cpu', adapter: `no WebGPU adapter (${(e as Error).message})` };
    }
  }
  await init({ backend: 'cpu' });
  return { name: 'cpu', adapter: 'forced by backend=cpu' };
}

async function sendFrame(records: LabRecord[], ack: number[]): Promise<void> {
  const frame = await session!.frame();
  const buffers = [frame.fake.buffer, frame.grads.buffer, frame.manifold.buffer, ...(frame.surface ? [frame.surface.buffer] : [])];
  post({ type: 'frame', frame, records, playing, ack }, buffers);
}

/** Commands, then training while playing; one frame per turn. Runs until idle. */
async function loop(): Promise<void> {
  if (looping) return;
  looping = true;
  try {
    while (session && (queue.length || playing || needFrame)) {
      needFrame = false;
      const records: LabRecord[] = [];
      const ack: number[] = [];
      while (queue.length) {
        const c = queue.shift()!;
        ack.push(c.id);
        if (c.type === 'play') playing = true;
        else if (c.type === 'pause') playing = false;
        else if (c.type === 'speed') speed = c.speed;
        else if (c.type === 'step') records.push(await session.train(1));
        else if (c.type === 'stepD') records.push(await session.stepD());
        else if (c.type === 'stepG') records.push(await session.stepG());
        else if (c.type === 'reset') {
          session.dispose();
          session = await LabSession.create(config!);
          records.length = 0;
          post({ type: 'ready', backend: report!, setup: session.setup });
        }
      }
      if (playing) records.push(await session.train(speed));
      await sendFrame(records, ack);
      // let the page's next commands arrive
      await new Promise((r) => setTimeout(r, 0));
    }
  } catch (e) {
    playing = false;
    post({ type: 'error', message: (e as Error).stack ?? String(e) });
  } finally {
    looping = false;
  }
}

let report: BackendReport | null = null;

self.onmessage = async (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  try {
    if (m.type === 'init') {
      config = m.config;
      speed = m.speed;
      report = await startBackend(m.backend);
      session = await LabSession.create(config);
      post({ type: 'ready', backend: report, setup: session.setup });
      needFrame = true; // the first frame (a 'play' sent meanwhile is already queued)
    } else queue.push(m);
    void loop();
  } catch (e) {
    post({ type: 'error', message: (e as Error).stack ?? String(e) });
  }
};
