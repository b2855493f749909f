/**
 * The lab's training worker: starts a backend (WebGPU when the browser has an adapter, else the
 * CPU), runs a LabSession and answers the page's commands (protocol.ts). While playing it trains
 * `speed` steps, then sends one frame; commands are taken between frames.
 */
import type { TrainConfig } from '../gan/config.ts';
import type { CheckpointMeta } from '../gan/trainer.ts';
import type { LoadedCheckpoint } from '../io/checkpoint.ts';
import { LabModel, readCheckpoint, translationCheckpoint, type ModelInfo } from './model.ts';
import { LabTranslator } from './translator.ts';
import { LAB_FILES, servedFile } from './data-files.ts';
import { provideFashionMnist } from '../data/fashion.ts';
import { readBytes } from '../io/fs.ts';
import type { BackendReport, FromWorker, ReplyValue, Request, ToWorker } from './protocol.ts';
import { LabSession } from './session.ts';
import { startBackend } from './backend.ts';
import { CommandLoop } from './worker-loop.ts';

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

let session: LabSession | null = null;
let config: TrainConfig | null = null;
/** the model view's generator (an image preset's checkpoint) */
let model: LabModel | null = null;
/** or the model view's translator (a cyclegan / pix2pix checkpoint) */
let translator: LabTranslator | null = null;
/** the mlp2d checkpoint the 2-D run was loaded from: Reset goes back to it */
let loaded: { ck: LoadedCheckpoint<CheckpointMeta>; info: ModelInfo } | null = null;
/** the Fashion-MNIST test files were fetched and provided (the first testGrid does it) */
let testProvided = false;

const twoDInfo = (s: LabSession, name: string): ModelInfo => {
  const m = s.trainer.models;
  return { kind: '2d', name, preset: s.setup.config.preset, data: s.setup.config.data, loss: s.setup.config.loss, step: s.step, sampleShape: m.sampleShape, conditional: m.conditional, numClasses: m.numClasses, style: !!m.style };
};

/** load / sample / checkpoint: the reply's value, and the buffers it transfers */
async function answer(c: Request): Promise<[ReplyValue, Transferable[]]> {
  if (c.type === 'load') {
    const r = readCheckpoint(c.bytes, c.name);
    if (r.kind === '2d') {
      const next = await LabSession.fromCheckpoint(r.ck, c.name);
      session!.dispose();
      session = next;
      config = r.config;
      loaded = { ck: r.ck, info: twoDInfo(next, c.name) };
      post({ type: 'ready', backend: report!, setup: session.setup, loaded: loaded.info });
      return [{ type: 'load', info: loaded.info }, []];
    }
    if (r.kind === 'translate') {
      const next = LabTranslator.fromCheckpoint(translationCheckpoint(r.ck), c.name);
      model?.dispose();
      translator?.dispose();
      [model, translator] = [null, next];
      return [{ type: 'load', info: next.info }, []];
    }
    const next = LabModel.fromCheckpoint(r.ck, c.name);
    model?.dispose();
    translator?.dispose();
    [model, translator] = [next, null];
    return [{ type: 'load', info: next.info }, []];
  }
  if (c.type === 'mix') {
    if (!model) throw new Error('no model loaded: load a stylegan checkpoint first');
    const { data, shape } = await model.mix(c.seed, { rows: c.rows, cols: c.cols, ranges: c.ranges, psi: c.psi });
    return [{ type: 'mix', samples: { data, shape } }, [data.buffer]];
  }
  if (c.type === 'translate') {
    if (!translator) throw new Error('no translation checkpoint loaded: load a cyclegan or pix2pix checkpoint first');
    const t = await translator.translate(c.rgba, c.width, c.height, c.direction);
    return [{ type: 'translate', translation: t }, [t.input.buffer, t.output.buffer, ...(t.reconstruction ? [t.reconstruction.buffer] : [])]];
  }
  if (c.type === 'testGrid') {
    if (!translator) throw new Error('no translation checkpoint loaded: load a cyclegan or pix2pix checkpoint first');
    if (translator.hasTestImages && !testProvided) {
      const [images, labels] = await Promise.all([readBytes(servedFile(LAB_FILES.testImages)), readBytes(servedFile(LAB_FILES.testLabels))]);
      provideFashionMnist('test', { images, labels }, 'the page\'s Fashion-MNIST test files');
      testProvided = true;
    }
    const samples = await translator.testGrid();
    return [{ type: 'testGrid', samples }, [samples.data.buffer]];
  }
  if (c.type === 'sample') {
    const o = { label: c.label, psi: c.psi };
    if (c.from === 'model' && !model) throw new Error(translator ? 'the model view holds a translation checkpoint: it translates images (translate), it does not sample' : 'no model loaded: load an image checkpoint first');
    const data = c.from === 'model' ? await model!.sample(c.seed, c.n, o) : await session!.sample(c.seed, c.n, o);
    const shape = [c.n, ...(c.from === 'model' ? model!.models : session!.trainer.models).sampleShape];
    return [{ type: 'sample', samples: { data, shape } }, [data.buffer]];
  }
  if (c.type === 'interpolate') {
    if (!model) throw new Error('no model loaded: load an image checkpoint first');
    const samples = await model.interpolate(c.seed, { n: c.n, rows: c.rows, space: c.space, psi: c.psi, label: c.label });
    return [{ type: 'interpolate', samples }, [samples.data.buffer]];
  }
  const bytes = await session!.checkpoint();
  return [{ type: 'checkpoint', bytes }, [bytes.buffer]];
}

type Command = Extract<ToWorker, { id: number }>;
const REQUESTS: ReadonlySet<string> = new Set(['load', 'sample', 'checkpoint', 'interpolate', 'mix', 'translate', 'testGrid']);

const commands = new CommandLoop<Command, ReplyValue>({
  ready: () => session !== null,
  isRequest: (c) => REQUESTS.has(c.type),
  answer: (c) => answer(c as Request),
  async control(c, records) {
    if (c.type === 'step') records.push(await session!.train(1));
    else if (c.type === 'stepD') records.push(await session!.stepD());
    else if (c.type === 'stepG') records.push(await session!.stepG());
    else if (c.type === 'reset') {
      session!.dispose();
      session = loaded ? await LabSession.fromCheckpoint(loaded.ck, loaded.info.name) : await LabSession.create(config!);
      records.length = 0;
      post({ type: 'ready', backend: report!, setup: session.setup, loaded: loaded?.info ?? null });
    }
  },
  train: (k) => session!.train(k),
  async frame(records, ack, playing, trainMs) {
    const t0 = performance.now();
    const frame = await session!.frame();
    const buffers = [frame.fake.buffer, frame.grads.buffer, frame.manifold.buffer, ...(frame.surface ? [frame.surface.buffer] : [])];
    post({ type: 'frame', frame, records, playing, ack, timing: { trainMs, frameMs: performance.now() - t0 } }, buffers);
  },
  post: (m, transfer) => post(m as FromWorker, transfer),
});

let report: BackendReport | null = null;

self.onmessage = async (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  try {
    if (m.type === 'init') {
      config = m.config;
      commands.speed = m.speed;
      report = await startBackend(m.backend);
      session = await LabSession.create(config);
      post({ type: 'ready', backend: report, setup: session.setup, loaded: null });
      commands.frameNow(); // the first frame (a 'play' sent meanwhile is already queued)
    } else commands.push(m);
  } catch (e) {
    post({ type: 'error', message: (e as Error).stack ?? String(e) });
  }
};
