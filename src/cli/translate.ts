import { ConfigError } from '../gan/config.ts';
import { resolveCheckpoint } from '../gan/run.ts';
import { loadTranslator } from '../gan/translation/trainer.ts';
import { translateImages, type Direction } from '../gan/translation/translate.ts';
import { loadImageFolder } from '../data/imagefolder.ts';
import { exists, mkdirp } from '../io/fs.ts';
import { readNpy, writeNpy } from '../io/npy.ts';
import { saveImageGrid } from '../io/png.ts';
import { startBackend } from './backend.ts';

export interface TranslateFlags { ckpt: string; input: string; direction: Direction; out: string; batch: number; backend: 'webgpu' | 'cpu' | 'auto' }

/**
 * `webgan translate`: a .npy of images (float32 [N,C,H,W] in [-1, 1], as `sample` writes) → a .npy
 * of translations; or a folder of PNGs → a folder of PNGs of the same names (resized to the run's
 * --resolution).
 */
export async function translateCommand(o: TranslateFlags): Promise<void> {
  await startBackend(o.backend);
  const { cfg, models, step } = await loadTranslator(await resolveCheckpoint(o.ckpt, '--ckpt'));
  if (models.preset === 'pix2pix' && o.direction !== 'a2b') throw new ConfigError('--direction b2a: pix2pix translates A → B only');
  const inC = o.direction === 'a2b' ? models.channelsA : models.channelsB;
  if (o.input.endsWith('.npy')) {
    const x = await readNpy(o.input);
    if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new ConfigError(`--input ${o.input}: images must be float32 in [-1, 1], got ${x.dtype}`);
    const y = await translateImages(models, Float32Array.from(x.data), x.shape, o.direction, o.batch);
    if (!o.out.endsWith('.npy')) throw new ConfigError(`--out ${o.out}: a .npy input is translated to a .npy file`);
    await writeNpy(o.out, y.data, y.shape, 'float32');
    console.error(`webgan: translated ${x.shape[0]} images ${o.direction} with ${cfg.preset} (step ${step}) to ${o.out}`);
    return;
  }
  if (!(await exists(o.input))) throw new ConfigError(`--input ${o.input}: no such .npy file or folder of PNGs`);
  if (o.out.endsWith('.npy') || o.out.endsWith('.png')) throw new ConfigError(`--out ${o.out}: a folder input is translated to a folder (PNGs of the same names)`);
  const r = cfg.resolution!;
  const ds = await loadImageFolder(o.input, { size: [r, r], channels: inC as 1 | 3, labels: false });
  const y = await translateImages(models, ds.images, ds.shape, o.direction, o.batch);
  const [n, c, h, w] = y.shape;
  await mkdirp(o.out);
  for (let i = 0; i < n; i++) {
    const path = `${o.out}/${ds.files[i]}`; // the file's path under --input
    await mkdirp(path.slice(0, path.lastIndexOf('/')));
    await saveImageGrid(path, { data: y.data.subarray(i * c * h * w, (i + 1) * c * h * w), shape: [1, c, h, w] }, { nrow: 1, padding: 0 });
  }
  console.error(`webgan: translated ${n} images ${o.direction} with ${cfg.preset} (step ${step}) to ${o.out}/`);
}
