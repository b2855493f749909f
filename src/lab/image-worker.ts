/**
 * The image view's worker: starts a backend, fetches the page's Fashion-MNIST training files and
 * the shipped classifier from its own server (next to this script), runs an ImageSession and
 * answers the page's commands (image-protocol.ts). While playing it trains `speed` steps, then
 * sends one frame (grid, coverage); commands are taken between frames.
 */
import { loadClassifier, type FashionClassifier } from '../gan/classifier.ts';
import { ConfigError, type TrainConfig } from '../gan/config.ts';
import type { CheckpointMeta } from '../gan/trainer.ts';
import { provideFashionMnist } from '../data/fashion.ts';
import { readBytes } from '../io/fs.ts';
import type { LoadedCheckpoint } from '../io/checkpoint.ts';
import type { FromImageWorker, ImageReplyValue, ImageRequest, ImageRun, ToImageWorker } from './image-protocol.ts';
import { COVER_EVERY, ImageSession, WALK_N, WALK_ROWS } from './image-session.ts';
import { readCheckpoint } from './model.ts';
import type { BackendReport } from './protocol.ts';
import type { LabRecord } from './session.ts';
import { startBackend } from './backend.ts';
import { CommandLoop } from './worker-loop.ts';
import { LAB_FILES, servedFile } from './data-files.ts';

const post = (m: FromImageWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

let session: ImageSession | null = null;
let classifier: FashionClassifier | null = null;
let config: TrainConfig | null = null;
let report: BackendReport | null = null;
let label: number | null = null;
/** the checkpoint the run continues: Reset goes back to it */
let loaded: { ck: LoadedCheckpoint<CheckpointMeta>; name: string } | null = null;

const runOf = (s: ImageSession): ImageRun => ({ config: s.trainer.cfg, step: s.step, resumedFrom: loaded?.name ?? null });

async function fresh(): Promise<ImageSession> {
  return loaded ? ImageSession.fromCheckpoint(loaded.ck, loaded.name, classifier!) : ImageSession.create(config!, classifier!);
}

async function answer(c: ImageRequest, records: LabRecord[]): Promise<[ImageReplyValue, Transferable[]]> {
  if (c.type === 'load') {
    const r = readCheckpoint(c.bytes, c.name);
    if (r.kind !== 'model') throw new ConfigError(`${c.name}: the image view continues dcgan and cdcgan checkpoints, not ${r.config.preset}`);
    const next = await ImageSession.fromCheckpoint(r.ck, c.name, classifier!);
    session?.dispose();
    session = next;
    loaded = { ck: r.ck, name: c.name };
    commands.playing = false;
    records.length = 0;
    post({ type: 'ready', backend: report!, run: runOf(session) });
    return [{ type: 'load', run: runOf(session) }, []];
  }
  if (c.type === 'walk') {
    const data = await session!.walk(c.seed, c.label);
    return [{ type: 'walk', data, shape: [WALK_ROWS * WALK_N, 1, 28, 28] }, [data.buffer]];
  }
  const bytes = await session!.checkpoint();
  return [{ type: 'checkpoint', bytes }, [bytes.buffer]];
}

type Command = Extract<ToImageWorker, { id: number }>;
const REQUESTS: ReadonlySet<string> = new Set(['load', 'walk', 'checkpoint']);

const commands = new CommandLoop<Command, ImageReplyValue>({
  ready: () => session !== null,
  isRequest: (c) => REQUESTS.has(c.type),
  answer: (c, records) => answer(c as ImageRequest, records),
  async control(c, records) {
    if (c.type === 'label') label = c.label;
    else if (c.type === 'step') records.push(await session!.train(1));
    else if (c.type === 'reset') {
      session!.dispose();
      session = await fresh();
      records.length = 0;
      post({ type: 'ready', backend: report!, run: runOf(session) });
    }
  },
  train: (k) => session!.train(k),
  async frame(records, ack, playing) {
    const last = session!.lastCoverageStep;
    const frame = await session!.frame(label, !playing || last === null || session!.step - last >= COVER_EVERY);
    post({ type: 'frame', frame, records, playing, ack }, [frame.grid.buffer]);
  },
  post: (m, transfer) => post(m as FromImageWorker, transfer),
});

self.onmessage = async (ev: MessageEvent<ToImageWorker>) => {
  const m = ev.data;
  try {
    if (m.type === 'init') {
      config = m.config;
      commands.speed = m.speed;
      label = m.label;
      report = await startBackend(m.backend);
      post({ type: 'status', message: 'fetching the Fashion-MNIST training files and the classifier…' });
      const [images, labels, weights] = await Promise.all([readBytes(servedFile(LAB_FILES.trainImages)), readBytes(servedFile(LAB_FILES.trainLabels)), servedFile(LAB_FILES.classifier)]);
      provideFashionMnist('train', { images, labels }, 'the page\'s Fashion-MNIST training files');
      classifier = await loadClassifier(weights);
      post({ type: 'status', message: 'building the run…' });
      session = await ImageSession.create(config, classifier);
      post({ type: 'ready', backend: report, run: runOf(session) });
      commands.frameNow();
    } else commands.push(m);
  } catch (e) {
    post({ type: 'error', message: (e as Error).message });
  }
};
