/**
 * TensorFlow.js as the peer `webgan bench` measures against (a devDependency, never a runtime
 * dependency, and not in dist/): loaded on demand, on the backend that matches webgan's
 * (tfjs-backend-webgpu on the same adapter kind, or tfjs-backend-cpu), behind the neutral
 * `Peer` interface of src/cli/bench/peer.ts. Returns null when the packages are not installed.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type { HostTensor, Peer, PeerCase, PeerKernel } from '../../src/cli/bench/peer.ts';
import { buildTfGan } from './tfjs-gan.ts';

export type Tf = typeof TF;

export interface TfPeerOptions {
  /**
   * Also run what tfjs-backend-cpu takes minutes for: its Conv2DBackpropFilter is a naive loop
   * (~0.005 GFLOP/s on a dcgan layer), so by default the CPU peer skips the conv2dWeightGrad
   * cases and the dcgan training step.
   */
  all?: boolean;
}

let loaded: { tf: Tf; backend: 'webgpu' | 'cpu' } | null = null;

/** Node has no navigator.gpu: lend tfjs the `webgpu` package's GPU (the one webgan uses, see kernels/webgpu/device.ts). */
async function ensureNavigatorGpu(): Promise<void> {
  const g = globalThis as unknown as { navigator?: { gpu?: unknown }; Deno?: unknown; process?: { versions?: { node?: string } } };
  if (g.navigator?.gpu || g.Deno || !g.process?.versions?.node) return;
  const spec = 'webgpu';
  const mod = (await import(/* @vite-ignore */ spec)) as { create: (o: string[]) => unknown; globals: Record<string, unknown> };
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  const gpu = mod.create([]);
  (globalThis as Record<string, unknown>).__webganBenchGpu = gpu; // keep alive (Dawn)
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
}

/**
 * tfjs-core's gradients (needed by tf.variableGrads) are registered by a side-effect module that
 * its Node entry does not load, and whose ESM files use extensionless imports that Node and Deno
 * refuse: bundle it with esbuild (a devDependency) and import the bundle. Registries live on
 * globalThis, so the copy registers into the same engine. A browser page bundles it itself
 * (bench/browser-main.ts).
 */
async function registerGradients(): Promise<void> {
  const g = globalThis as { Deno?: unknown; process?: { versions?: { node?: string } } };
  if (!g.Deno && !g.process?.versions?.node) return;
  const esb = 'esbuild';
  const esbuild = (await import(/* @vite-ignore */ esb)) as { build(o: unknown): Promise<{ outputFiles: { text: string }[] }> };
  const { createRequire } = await import('node:module');
  const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  const r = await esbuild.build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'neutral', write: false, logLevel: 'silent', mainFields: ['module', 'main'] });
  const fs = await import('node:fs'), os = await import('node:os'), path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webgan-tfgrad-'));
  const file = path.join(dir, 'grads.mjs');
  fs.writeFileSync(file, r.outputFiles[0].text);
  try {
    await import(/* @vite-ignore */ `file://${file}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function loadTfPeer(backend: 'webgpu' | 'cpu', opts: TfPeerOptions = {}): Promise<Peer | null> {
  let tf: Tf;
  if (loaded?.backend === backend) tf = loaded.tf;
  else {
    try {
      tf = (await import('@tensorflow/tfjs-core')) as Tf;
      await registerGradients();
      if (backend === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
      else {
        await ensureNavigatorGpu();
        await import('@tensorflow/tfjs-backend-webgpu');
      }
    } catch (e) {
      console.error(`bench: TensorFlow.js not available (${(e as Error).message}); webgan only`);
      return null;
    }
    if (!(await tf.setBackend(backend))) {
      console.error(`bench: tfjs could not start its ${backend} backend; webgan only`);
      return null;
    }
    await tf.ready();
    loaded = { tf, backend };
  }
  const be = tf.backend() as unknown as { adapterInfo?: Record<string, unknown> };
  const ai = be.adapterInfo;
  const adapter = backend === 'webgpu' ? String(ai?.description || ai?.vendor || ai?.architecture || 'webgpu') : 'cpu';
  /**
   * Wait until all of tfjs's recorded work is done by reading one element of `t`, a tensor the
   * device computed (the copy is queued after everything before it). Submitting and waiting for
   * onSubmittedWorkDone returned under Deno before tfjs's work had finished, so it is not used.
   */
  const sync = async (t: TF.Tensor) => {
    if (backend === 'cpu') return;
    const one = tf.tidy(() => tf.slice(tf.reshape(t, [-1]), 0, 1));
    await one.data();
    one.dispose();
  };
  const slowOnCpu = backend === 'cpu' && !opts.all;
  return {
    name: 'tfjs', backend, version: tf.version_core, adapter,
    kernel: (k) => (slowOnCpu && k.op === 'conv2dWeightGrad' ? null : tfKernel(tf, k, sync)),
    gan: (preset, batch) => {
      if (slowOnCpu && preset === 'dcgan') return null;
      const g = buildTfGan(tf, preset, batch);
      return {
        step: () => g.step(),
        sync: () => sync(g.probe()),
        peakBytes: async () => {
          const info = await tf.profile(() => { g.step(); });
          await sync(g.probe());
          return info.peakBytes;
        },
        allocatedBytes: () => {
          const m = tf.memory() as { numBytes: number; numBytesAllocatedInGPU?: number };
          return m.numBytesAllocatedInGPU ?? m.numBytes;
        },
        dispose: () => g.dispose(),
      };
    },
  };
}

const NCHW_TO_NHWC = [0, 2, 3, 1];
/** webgan filter [O,C,kH,kW] → tfjs conv2d filter [kH,kW,C,O] (the same filter serves conv2dTranspose) */
const OIHW_TO_HWIO = [2, 3, 1, 0];

/** A kernel case in tfjs: its inputs uploaded in tfjs's layouts, one call per run(). */
function tfKernel(tf: Tf, k: PeerKernel, sync: (t: TF.Tensor) => Promise<void>): PeerCase {
  const inputs: TF.Tensor[] = [];
  const up = (h: HostTensor, perm?: number[]) => {
    const t = tf.tensor(h.data, h.shape);
    const out = perm ? tf.transpose(t, perm) : t;
    if (perm) t.dispose();
    inputs.push(out);
    return out;
  };
  /** tfjs padding: 'valid' (p = 0) or 'same' (an exact division by the stride, e.g. k4 s2 p1) */
  const tfPad = (h: number, kk: number, s: number, p: number): 'valid' | 'same' => {
    if (p === 0) return 'valid';
    if (Math.floor((h + 2 * p - kk) / s) + 1 !== Math.ceil(h / s)) throw new Error(`tfjs peer: padding ${p} (k${kk} s${s}, size ${h}) is not tfjs 'same'`);
    return 'same';
  };
  let call: () => TF.Tensor | void;
  let probe: (() => TF.Tensor) | undefined;
  let dispose = () => {};
  switch (k.op) {
    case 'matmul': {
      const a = up(k.a), b = up(k.b);
      call = () => tf.matMul(a, b);
      break;
    }
    case 'conv2d': {
      const x = up(k.x, NCHW_TO_NHWC) as TF.Tensor4D, w = up(k.w, OIHW_TO_HWIO) as TF.Tensor4D;
      const pad = tfPad(k.x.shape[2], k.w.shape[2], k.stride, k.pad);
      call = () => tf.conv2d(x, w, k.stride, pad);
      break;
    }
    case 'convTranspose2d': {
      const g = up(k.gy, NCHW_TO_NHWC) as TF.Tensor4D, w = up(k.w, OIHW_TO_HWIO) as TF.Tensor4D;
      const [n, c, h, wd] = k.outShape;
      const pad = tfPad(h, k.w.shape[2], k.stride, k.pad);
      call = () => tf.conv2dTranspose(g, w, [n, h, wd, c], k.stride, pad);
      break;
    }
    case 'conv2dWeightGrad': {
      const x = up(k.x, NCHW_TO_NHWC), g = up(k.gy, NCHW_TO_NHWC);
      const [, c] = k.x.shape, o = k.gy.shape[1];
      const pad = tfPad(k.x.shape[2], k.kernel, k.stride, k.pad);
      const attrs = { strides: [k.stride, k.stride], pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [k.kernel, k.kernel, c, o] };
      call = () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: g }, attrs as unknown as TF.NamedAttrMap) as TF.Tensor;
      break;
    }
    case 'add': {
      const a = up(k.a), b = up(k.b);
      call = () => tf.add(a, b);
      break;
    }
    case 'sum': {
      const a = up(k.a);
      call = () => tf.sum(a);
      break;
    }
    case 'adam': {
      const uid = Math.random().toString(36).slice(2);
      const vars = k.params.map((p, i) => tf.variable(up(p), true, `bench_adam_${i}_${uid}`));
      const grads = vars.map((v, i) => ({ name: v.name, tensor: up(k.grads[i]) }));
      const opt = tf.train.adam(k.lr, k.betas[0], k.betas[1], k.eps);
      call = () => { opt.applyGradients(grads); };
      probe = () => vars[vars.length - 1];
      dispose = () => { opt.dispose(); for (const v of vars) v.dispose(); };
      break;
    }
  }
  let last: TF.Tensor | void = undefined;
  return {
    run: () => { last?.dispose(); last = call(); },
    sync: () => sync((last || probe?.())!),
    read: async () => {
      if (!last) throw new Error(`tfjs peer: ${k.op} has no output to read`);
      return await last.data();
    },
    dispose: () => { last?.dispose(); last = undefined; dispose(); for (const t of inputs) t.dispose(); },
  };
}
