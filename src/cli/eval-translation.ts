import { loadClassifier } from '../gan/classifier.ts';
import { ConfigError } from '../gan/config.ts';
import { makeTranslationSource, parseTranslationSpec, type TranslationSource } from '../gan/translation/data.ts';
import { evaluateTranslation, scoreTranslations, type DirectionReport } from '../gan/translation/evaluate.ts';
import { loadTranslator } from '../gan/translation/trainer.ts';
import type { Direction } from '../gan/translation/translate.ts';
import { writeText } from '../io/fs.ts';
import { readNpy } from '../io/npy.ts';

export interface TranslationEvalFlags { n?: number; data?: string; direction?: Direction; classifier?: string; json?: string }

/** A number to `digits` places; '∞' for identical images' PSNR, and no '-0.00' from round-off. */
const fmt = (v: number | undefined, digits = 3) => {
  if (v === undefined) return '—';
  if (v === Infinity) return '∞';
  return (Math.abs(v) < 0.5 * 10 ** -digits ? 0 : v).toFixed(digits);
};

function print(source: string, reports: DirectionReport[]): void {
  const rows: [string, (r: DirectionReport) => string][] = [
    ['images', (r) => String(r.n)],
    ['L1 to the target ([-1, 1])', (r) => fmt(r.l1, 4)],
    ['PSNR (dB)', (r) => fmt(r.psnr, 2)],
    ['SSIM', (r) => fmt(r.ssim, 4)],
    ['FID (classifier features)', (r) => fmt(r.fid, 2)],
    ['FID real vs real (floor)', (r) => fmt(r.fidFloor, 2)],
    ['class preservation', (r) => (r.classPreservation === undefined ? '—' : `${(100 * r.classPreservation).toFixed(1)} %`)],
    ['classified as the target class', (r) => (r.targetClassShare === undefined ? '—' : `${(100 * r.targetClassShare).toFixed(1)} %`)],
    ['cycle reconstruction L1', (r) => fmt(r.cycleL1, 4)],
    ['reconstructions classified as the source class', (r) => (r.cycleClassShare === undefined ? '—' : `${(100 * r.cycleClassShare).toFixed(1)} %`)],
  ];
  const shown = rows.filter(([, f]) => reports.some((r) => f(r) !== '—'));
  const w = Math.max(...shown.map(([k]) => k.length));
  console.log(`${source}\n${''.padEnd(w)}  ${reports.map((r) => r.direction.padStart(10)).join('  ')}`);
  for (const [k, f] of shown) console.log(`${k.padEnd(w)}  ${reports.map((r) => f(r).padStart(10)).join('  ')}`);
}

async function sourceFor(data: string, paired: boolean, size: number | undefined, channels: number | undefined): Promise<TranslationSource> {
  const src = await makeTranslationSource(data, { paired, seed: 0, batch: 1, size, channels });
  if (!src.test) throw new ConfigError(`--data '${data}': no test split to score against (for two folders: DIR/trainA,DIR/trainB beside DIR/testA,DIR/testB)`);
  return src;
}

/** `webgan eval` of a cyclegan / pix2pix checkpoint (both directions for CycleGAN), or of translated images in a .npy. */
export async function evalTranslation(file: string, o: TranslationEvalFlags, ckpt: string | null): Promise<void> {
  const classifier = await loadClassifier(o.classifier);
  let reports: DirectionReport[], source: string, data: string;
  if (ckpt) {
    if (o.direction) throw new ConfigError('--direction applies to translations in a .npy; a checkpoint is scored in every direction it translates');
    const { cfg, models, step } = await loadTranslator(ckpt);
    if (o.data !== undefined && o.data !== cfg.data) throw new ConfigError(`--data ${o.data}: a checkpoint is scored on its own data (${cfg.data})`);
    const src = await sourceFor(cfg.data, cfg.preset === 'pix2pix', cfg.resolution, cfg.channels);
    reports = await evaluateTranslation(models, src.spec, src.test!, { classifier, n: o.n, trainA: src.domains.a.images, trainB: src.domains.b.images });
    source = `${ckpt} (${cfg.preset}, ${cfg.data}, step ${step})`;
    data = cfg.data;
  } else {
    if (!o.data) throw new ConfigError(`${file}: pass --data (edges2fashion, fashion-mnist:A/B, DIR_A,DIR_B) and --direction for translated images`);
    const spec = parseTranslationSpec(o.data);
    const npy = await readNpy(file);
    if (npy.dtype !== 'float32' && npy.dtype !== 'float64') throw new ConfigError(`${file}: expected float images in [-1, 1], got ${npy.dtype}`);
    const direction = o.direction ?? 'a2b';
    const [, c, h] = npy.shape;
    const src = await sourceFor(o.data, spec.kind === 'edges2fashion', spec.kind === 'folders' ? h : h === 32 ? 32 : 28, c);
    const [n0, tc, th, tw] = src.test!.shape;
    if (npy.shape.length !== 4 || c !== tc || h !== th || npy.shape[3] !== tw || npy.shape[0] > n0) {
      throw new ConfigError(`${file}: expected translations of the test split's ${direction} inputs, [≤ ${n0}, ${tc}, ${th}, ${tw}], got [${npy.shape.join(', ')}]`);
    }
    const trainTargets = direction === 'a2b' ? src.domains.b.images : src.domains.a.images;
    reports = [await scoreTranslations(src.spec, src.test!, direction, Float32Array.from(npy.data), { classifier, trainTargets })];
    source = `${file} (${direction} translations of the ${o.data} test split)`;
    data = o.data;
  }
  print(source, reports);
  if (o.json) await writeText(o.json, JSON.stringify({ data, directions: reports }, null, 2) + '\n');
}
