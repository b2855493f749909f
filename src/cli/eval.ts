import * as wg from '../index.ts';
import { drawSamples, evaluate2d, evaluateImages } from '../gan/evaluate.ts';
import { loadGenerator } from '../gan/trainer.ts';
import { ConfigError, isTwoD } from '../gan/config.ts';
import { resolveCheckpoint } from '../gan/run.ts';
import { loadClassifier } from '../gan/classifier.ts';
import { readNpy } from '../io/npy.ts';
import { loadCheckpoint } from '../io/checkpoint.ts';
import { writeText } from '../io/fs.ts';
import { cropTo28 } from '../gan/data.ts';
import { startBackend } from './backend.ts';
import { checkPsi } from './stylegan.ts';

async function checkpointKind(file: string): Promise<string | undefined> {
  const ck = await loadCheckpoint<{ kind?: string }>(await resolveCheckpoint(file, 'eval'));
  return ck.meta?.kind;
}

function table(rows: [string, string][]): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

/** A translation spec (edges2fashion, fashion-mnist:A/B, DIR_A,DIR_B) rather than a reference dataset. */
const isTranslationData = (d?: string) => !!d && (d === 'edges2fashion' || d.startsWith('fashion-mnist:') || d.includes(','));

export async function evalCommand(file: string, o: { n?: number; data?: string; direction?: 'a2b' | 'b2a'; classifier?: string; json?: string; seed: number; truncation?: number; backend: 'webgpu' | 'cpu' | 'auto' }): Promise<void> {
  await startBackend(o.backend);
  if (file.endsWith('.npy') ? isTranslationData(o.data) : (await checkpointKind(file)) === 'webgan-translation') {
    wg.manualSeed(o.seed);
    const { evalTranslation } = await import('./eval-translation.ts');
    return evalTranslation(file, o, file.endsWith('.npy') ? null : await resolveCheckpoint(file, 'eval'));
  }
  if (o.direction) throw new ConfigError('--direction applies to translations (a cyclegan / pix2pix checkpoint, or a .npy with --data edges2fashion | fashion-mnist:A/B | DIR_A,DIR_B)');
  let points: Float32Array, shape: number[], data: string, source: string;
  if (file.endsWith('.npy')) {
    const npy = await readNpy(file);
    if (npy.dtype !== 'float32' && npy.dtype !== 'float64') throw new ConfigError(`${file}: expected float samples, got ${npy.dtype}`);
    points = Float32Array.from(npy.data);
    shape = npy.shape;
    data = o.data ?? (shape.length === 2 && shape[1] === 2 ? '' : 'fashion-mnist');
    if (!data) throw new ConfigError(`${file} holds 2-D points: pass --data ring or --data grid`);
    source = file;
  } else {
    const ckpt = await resolveCheckpoint(file, 'eval');
    const { cfg, models, G, step } = await loadGenerator(ckpt);
    if (o.truncation !== undefined) {
      if (!models.style) throw new ConfigError(`--truncation: stylegan checkpoints only; ${ckpt} is ${cfg.preset}`);
      checkPsi(o.truncation);
    }
    wg.manualSeed(o.seed);
    data = cfg.data;
    const n = o.n ?? (isTwoD(data) ? 2500 : 10000);
    points = await drawSamples(models, G, n, 500, undefined, { psi: o.truncation });
    shape = [n, ...models.sampleShape];
    source = `${ckpt} (${cfg.preset}, ${cfg.loss}, step ${step}${o.truncation !== undefined ? `, ψ ${o.truncation}` : ''})`;
  }
  let result: Record<string, unknown>;
  if (isTwoD(data)) {
    if (shape.length !== 2 || shape[1] !== 2) throw new ConfigError(`2-D metrics need [N,2] samples, got [${shape}]`);
    const m = evaluate2d(points, data);
    result = { data, n: shape[0], ...m };
    console.log(`${source}\n` + table([
      ['samples', String(shape[0])], ['modes captured', `${m.modes} / ${m.totalModes}`],
      ['high-quality samples', `${m.highQuality.toFixed(1)} %`], ['reverse KL', m.reverseKL.toFixed(4)],
      ['under-formed modes (< 50 % of their samples high quality)', String(m.underformedModes)],
    ]));
  } else {
    // 32×32 samples (the stylegan preset on Fashion-MNIST, padded 28 → 32): the classifier sees their centre 28×28
    if (shape.length === 4 && shape[1] === 1 && shape[2] === 32 && shape[3] === 32) {
      points = cropTo28(points, shape[0], 1);
      shape = [shape[0], 1, 28, 28];
    }
    if (shape.length !== 4 || shape[1] !== 1 || shape[2] !== 28 || shape[3] !== 28) throw new ConfigError(`image metrics need Fashion-MNIST-shaped samples [N,1,28,28] (or [N,1,32,32], centre-cropped), got [${shape}]`);
    const m = await evaluateImages(points, shape[0], o.classifier ? await loadClassifier(o.classifier) : undefined);
    result = { data: 'fashion-mnist', ...m };
    console.log(`${source}\n` + table([
      ['samples', String(m.n)], ['FID (classifier features)', m.fid.toFixed(2)], ['FID real vs real', m.fidRealVsReal.toFixed(2)],
      ['Inception score', `${m.isMean.toFixed(2)} ± ${m.isStd.toFixed(2)}`], ['classes covered', `${m.classesCovered} / 10`],
    ]));
  }
  if (o.json) await writeText(o.json, JSON.stringify(result, null, 2) + '\n');
}
