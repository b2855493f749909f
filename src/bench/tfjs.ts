/**
 * TensorFlow.js as the peer we measure against (a devDependency, never a runtime dependency):
 * loaded on demand, on the backend that matches webgan's (tfjs-backend-webgpu on the same
 * adapter kind, or tfjs-backend-cpu). Returns null when the packages are not installed.
 */
import type * as TF from '@tensorflow/tfjs-core';

export type Tf = typeof TF;

export interface TfPeer {
  tf: Tf;
  backend: 'webgpu' | 'cpu';
  version: string;
  /** adapter description when on WebGPU */
  adapter: string;
  /**
   * Wait until all of tfjs's recorded work is done: read one element of `t` (a tensor the device
   * computed; the copy is queued after everything before it). Without `t`: submit and wait for
   * onSubmittedWorkDone, which under Deno returned before tfjs's work had finished — avoid.
   */
  sync(t?: TF.Tensor): Promise<void>;
}

let loaded: TfPeer | null = null;

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

export async function loadTfPeer(backend: 'webgpu' | 'cpu'): Promise<TfPeer | null> {
  if (loaded?.backend === backend) return loaded;
  let tf: Tf;
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
  const be = tf.backend() as unknown as { submitQueue?: () => void; device?: GPUDevice; adapterInfo?: { description?: string; vendor?: string } };
  const sync = backend === 'webgpu'
    ? async (t?: TF.Tensor) => {
      if (t) {
        const one = tf.tidy(() => tf.slice(tf.reshape(t, [-1]), 0, 1));
        await one.data();
        one.dispose();
      } else {
        be.submitQueue?.();
        await be.device!.queue.onSubmittedWorkDone();
      }
    }
    : async () => {};
  const ai = be.adapterInfo as Record<string, unknown> | undefined;
  const adapter = backend === 'webgpu' ? String(ai?.description || ai?.vendor || ai?.architecture || 'webgpu') : 'cpu';
  loaded = { tf, backend, version: tf.version_core, adapter, sync };
  return loaded;
}
