import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, BASE_DEFAULTS, LR_DECAYS } from '../gan/config.ts';
import { LOSS_NAMES } from '../gan/losses.ts';
import { PRESETS } from '../gan/models.ts';
import { DivergenceError } from '../gan/trainer.ts';

/** The `webgan` command line: train, sample, mix, interpolate, translate, eval, lab, info, train-classifier, bench. */
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got '${v}'`);
  return n;
};
const int = (name: string) => (v: string) => {
  const n = num(name)(v);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got '${v}'`);
  return n;
};
const betas = (v: string): [number, number] => {
  const b = v.split(',').map((x) => num('--betas')(x));
  if (b.length !== 2) throw new InvalidArgumentError(`--betas takes two numbers b1,b2, got '${v}'`);
  return [b[0], b[1]];
};
const backendOpt = () => new Option('--backend <name>', 'webgpu | cpu | auto').choices(['webgpu', 'cpu', 'auto']).default('auto');

export function buildCli(): Command {
  const program = new Command('webgan')
    .description('Train, sample and evaluate GANs with webgan (WebGPU or CPU).')
    .showHelpAfterError()
    .exitOverride();

  program.command('train')
    .description('train a GAN; writes samples, curves, log.jsonl and .safetensors checkpoints under --out')
    .addOption(new Option('--preset <name>', `model preset (default: ${BASE_DEFAULTS.preset})`).choices(PRESETS))
    .addOption(new Option('--loss <name>', `objective (default: ${BASE_DEFAULTS.loss})`).choices(LOSS_NAMES))
    .option('--data <name|dir>', 'ring | grid | spiral | moons | fashion-mnist | a directory of IDX files or PNGs; cyclegan / pix2pix: edges2fashion | fashion-mnist:A/B (two classes) | DIR_A,DIR_B (default: fashion-mnist, grid for mlp2d, edges2fashion for cyclegan and pix2pix)')
    .option('--steps <n>', 'generator steps (default: per preset and loss)', int('--steps'))
    .option('--batch <n>', 'batch size (default: per preset and loss)', int('--batch'))
    .option('--lr <x>', 'learning rate at step 0 (default: per preset and loss)', num('--lr'))
    .addOption(new Option('--lr-decay <schedule>', 'learning-rate schedule over --steps: none | cosine (to 0) | linear (to 0) | half-linear (held, then linear to 0 over the second half) (default: cosine for mlp2d but with wgan, half-linear for cyclegan and pix2pix, else none)').choices(LR_DECAYS))
    .addOption(new Option('--optimizer <name>', 'adam | rmsprop (default: per loss)').choices(['adam', 'rmsprop']))
    .option('--betas <b1,b2>', "Adam's β1,β2 (default: per loss)", betas)
    .option('--n-critic <n>', 'critic steps per generator step (default: per loss)', int('--n-critic'))
    .option('--gp-lambda <x>', 'gradient penalty weight for wgan-gp (default: 10; 0.1 for mlp2d)', num('--gp-lambda'))
    .option('--clip <x>', 'weight clipping for wgan', num('--clip'))
    .option('--r1 <x>', 'R1 penalty weight γ (default: 0.1 for mlp2d with minimax, nsgan, hinge, lsgan; else 0)', num('--r1'))
    .option('--r1-until <step>', 'apply R1 only up to this generator step (default: half the run where the mlp2d recipe turns R1 on, else every step)', int('--r1-until'))
    .option('--r1-every <k>', 'lazy R1: its own D update every k steps, weighted by k (default: 16 for stylegan, else 1)', int('--r1-every'))
    .option('--spectral-norm', 'spectral normalisation in D')
    .option('--pack <n>', 'PacGAN packing degree', int('--pack'))
    .option('--g-depth <n>', 'mlp2d: hidden layers of G (default 3)', int('--g-depth'))
    .option('--g-width <n>', 'mlp2d: units per hidden layer of G (default 256)', int('--g-width'))
    .option('--d-depth <n>', 'mlp2d: hidden layers of D (default 3)', int('--d-depth'))
    .option('--d-width <n>', 'mlp2d: units per hidden layer of D (default 256)', int('--d-width'))
    .option('--ema <decay>', 'keep an EMA copy of G with this decay (e.g. 0.999)', num('--ema'))
    .option('--seed <n>', 'random seed (default: 0)', int('--seed'))
    .option('--limit <n>', 'use only the first n training images', int('--limit'))
    .option('--resolution <px>', 'stylegan: image side, a power of two ≥ 8; cyclegan / pix2pix: the crop side (default 32, Fashion-MNIST padded 28 → 32; 64 for folders)', int('--resolution'))
    .option('--channels <c>', 'stylegan, cyclegan, pix2pix: channels of a folder\'s images, 1 or 3 (default: 1 for Fashion-MNIST, 3 for PNGs)', int('--channels'))
    .option('--z-dim <n>', 'stylegan: dimension of z and w (default 128)', int('--z-dim'))
    .option('--mapping-layers <n>', 'stylegan: layers of the mapping network (default 4; the paper: 8)', int('--mapping-layers'))
    .option('--channel-base <n>', 'stylegan: channels at resolution r are min(base / r, max) (default 1024)', int('--channel-base'))
    .option('--channel-max <n>', 'stylegan: the most channels of a layer (default 128)', int('--channel-max'))
    .option('--style-mixing <p>', 'stylegan: probability of style-mixing regularisation (default 0.9)', num('--style-mixing'))
    .option('--pl-weight <w>', 'stylegan: path-length regularisation weight, 0 turns it off (default 2)', num('--pl-weight'))
    .option('--pl-every <k>', 'stylegan: path-length regularisation every k steps (default 4)', int('--pl-every'))
    .option('--ema-half-life <images>', 'stylegan: half-life of the EMA of G, in images (default 10000)', num('--ema-half-life'))
    .option('--ema-rampup <x>', 'stylegan: the EMA half-life is at most x · images seen (default 0.05; 0: none)', num('--ema-rampup'))
    .option('--ngf <n>', 'cyclegan, pix2pix: filters of the generator\'s first layer (default 32; the papers: 64)', int('--ngf'))
    .option('--ndf <n>', 'cyclegan, pix2pix: filters of the discriminator\'s first layer (default 32; the papers: 64)', int('--ndf'))
    .option('--blocks <n>', 'cyclegan: residual blocks of the generator (default 3; the paper: 6 at 128 px, 9 at 256 px)', int('--blocks'))
    .option('--d-layers <n>', 'cyclegan, pix2pix: PatchGAN stride-2 layers (default 2 at ≤ 32 px, 3 above: the 70×70 PatchGAN)', int('--d-layers'))
    .addOption(new Option('--norm <kind>', 'cyclegan, pix2pix: normalisation layers (default: instance for cyclegan, batch for pix2pix)').choices(['instance', 'batch']))
    .option('--dropout', 'cyclegan, pix2pix: dropout 0.5 in the generator (default: on for pix2pix, off for cyclegan)')
    .option('--no-dropout', 'cyclegan, pix2pix: no dropout in the generator')
    .option('--lambda-cycle <x>', 'cyclegan: weight of the cycle-consistency L1 (default 10)', num('--lambda-cycle'))
    .option('--lambda-identity <x>', 'cyclegan: identity loss weight, times --lambda-cycle (default 0.5; 0 turns it off)', num('--lambda-identity'))
    .option('--pool-size <n>', 'cyclegan: generated images kept in each discriminator\'s history pool (default 50; 0: none)', int('--pool-size'))
    .option('--lambda-l1 <x>', 'pix2pix: weight of the L1 to the target (default 100)', num('--lambda-l1'))
    .option('--log-every <n>', 'steps between log lines', int('--log-every'))
    .option('--sample-every <n>', 'steps between sample grids', int('--sample-every'))
    .option('--ckpt-every <n>', 'steps between checkpoints', int('--ckpt-every'))
    .addOption(backendOpt())
    .option('--out <dir>', 'output directory (default: runs/latest; with --resume, the resumed run\'s directory)')
    .option('--resume <path>', 'continue from a checkpoint file or a run directory')
    .option('--no-jit', 'WebGPU: run every step eagerly instead of tracing it once and replaying it (wg.jit; GAN presets)')
    .option('--quiet', 'no progress bar')
    .action(async (o) => (await import('./train.ts')).trainCommand(o));

  program.command('sample')
    .description('sample from a checkpoint: a PNG grid, or .npy ([N,C,H,W] in [-1,1], or [N,2])')
    .requiredOption('--ckpt <file>', 'checkpoint (.safetensors)')
    .option('--n <n>', 'number of samples', int('--n'), 64)
    .option('--out <file>', 'output file', 'samples.png')
    .addOption(new Option('--format <f>', 'png | npy | svg').choices(['png', 'npy', 'svg']))
    .option('--seed <n>', 'random seed', int('--seed'), 0)
    .option('--class <k>', 'class label for conditional models (default: cycle through classes)', int('--class'))
    .option('--truncation <psi>', 'stylegan: truncation ψ, w̄ + ψ(w − w̄) (default 1: none)', num('--truncation'))
    .addOption(new Option('--noise <mode>', 'stylegan: per-pixel noise, random draws or the constant inputs (default random)').choices(['random', 'const']))
    .option('--vary-noise <k>', 'stylegan: one w, k noise draws and their per-pixel standard deviation (the last tile)', int('--vary-noise'))
    .addOption(backendOpt())
    .action(async (o) => (await import('./sample.ts')).sampleCommand(o));

  program.command('mix')
    .description('stylegan: the style-mixing figure — styles of a layer range copied from column sources into row sources')
    .requiredOption('--ckpt <file>', 'stylegan checkpoint (.safetensors) or run directory')
    .option('--rows <n>', 'row sources', int('--rows'), 4)
    .option('--cols <n>', 'column sources', int('--cols'), 6)
    .option('--styles <ranges>', 'comma-separated: coarse (4²–8²), middle (16²–32²), fine (≥ 64²) or first-last ws indices; one block of rows each', 'coarse,middle,fine')
    .option('--out <file>', 'output PNG', 'mix.png')
    .option('--truncation <psi>', 'truncation ψ', num('--truncation'), 1)
    .addOption(new Option('--noise <mode>', 'per-pixel noise').choices(['random', 'const']).default('const'))
    .option('--seed <n>', 'random seed', int('--seed'), 0)
    .addOption(backendOpt())
    .action(async (o) => (await import('./stylegan.ts')).mixCommand(o));

  program.command('interpolate')
    .description('stylegan: images between two random latents, slerp in Z or lerp in W')
    .requiredOption('--ckpt <file>', 'stylegan checkpoint (.safetensors) or run directory')
    .addOption(new Option('--space <s>', 'z (spherical) | w (linear)').choices(['z', 'w']).default('w'))
    .option('--n <n>', 'images per strip', int('--n'), 8)
    .option('--rows <n>', 'strips (pairs of endpoints)', int('--rows'), 1)
    .option('--out <file>', 'output PNG', 'strip.png')
    .option('--truncation <psi>', 'truncation ψ', num('--truncation'), 1)
    .addOption(new Option('--noise <mode>', 'per-pixel noise').choices(['random', 'const']).default('const'))
    .option('--seed <n>', 'random seed', int('--seed'), 0)
    .addOption(backendOpt())
    .action(async (o) => (await import('./stylegan.ts')).interpolateCommand(o));

  program.command('translate')
    .description('cyclegan / pix2pix: translate images with a checkpoint — a .npy ([N,C,H,W] in [-1,1]) to a .npy, or a folder of PNGs to a folder')
    .requiredOption('--ckpt <file>', 'translation checkpoint (.safetensors) or run directory')
    .requiredOption('--input <path>', 'images: X.npy or a folder of PNGs')
    .addOption(new Option('--direction <d>', 'a2b (G_A; pix2pix: G) or b2a (G_B)').choices(['a2b', 'b2a']).default('a2b'))
    .option('--out <path>', 'Y.npy or a folder', 'translated.npy')
    .option('--batch <n>', 'images per forward pass', int('--batch'), 64)
    .addOption(backendOpt())
    .action(async (o) => (await import('./translate.ts')).translateCommand(o));

  program.command('eval')
    .description('metrics of a checkpoint or a .npy file: mode metrics for 2-D data; FID, IS and class coverage for Fashion-MNIST; for cyclegan / pix2pix: L1, PSNR, SSIM, FID, class preservation or target-class share, cycle error on the test split')
    .argument('<file>', 'checkpoint (.safetensors) or run directory, or samples / translations (.npy)')
    .option('--n <n>', 'samples to draw from a checkpoint (translation: test images to translate, default all)', int('--n'))
    .option('--data <name>', 'reference dataset for .npy input (ring, grid, fashion-mnist), or for translations the data they came from (edges2fashion, fashion-mnist:A/B, DIR_A,DIR_B)')
    .addOption(new Option('--direction <d>', 'translations in a .npy: of the test split\'s A inputs (a2b) or B inputs (b2a)').choices(['a2b', 'b2a']))
    .option('--classifier <file>', 'Fashion-MNIST classifier weights (default: the bundled one)')
    .option('--json <file>', 'also write the metrics as JSON')
    .option('--seed <n>', 'random seed', int('--seed'), 0)
    .option('--truncation <psi>', 'stylegan: sample with truncation ψ', num('--truncation'))
    .addOption(backendOpt())
    .action(async (file, o) => (await import('./eval.ts')).evalCommand(file, o));

  program.command('lab')
    .description('the lab: train mlp2d, dcgan and cdcgan live in the browser (WebGPU or CPU) — serve it on http://localhost:PORT, or write it as a static folder with --out')
    .option('--port <n>', 'port (default: a free one)', (v: string) => {
      const n = int('--port')(v);
      if (n < 0 || n > 65535) throw new InvalidArgumentError(`--port must be 0 to 65535, got '${v}'`);
      return n;
    })
    .option('--out <dir>', 'write the page (index.html, main.js, worker.js, image-worker.js, kernels.js, the image view\'s data/ and models/) to this folder and exit')
    .action(async (o) => (await import('./lab.ts')).labCommand(o));

  program.command('info')
    .description('backend, adapter and limits')
    .addOption(backendOpt())
    .action(async (o) => (await import('./info.ts')).infoCommand(o));

  program.command('train-classifier')
    .description('train the Fashion-MNIST classifier used by FID / IS and report its test accuracy')
    .option('--data <dir>', 'IDX directory (default: the bundled subset)')
    .option('--epochs <n>', 'epochs', int('--epochs'), 3)
    .option('--batch <n>', 'batch size', int('--batch'), 128)
    .option('--lr <x>', 'Adam learning rate', num('--lr'), 1e-3)
    .option('--seed <n>', 'random seed', int('--seed'), 0)
    .option('--out <file>', 'weights file', 'models/fashion-classifier.safetensors')
    .option('--init <file>', 'continue training from these weights')
    .addOption(backendOpt())
    .action(async (o) => (await import('./classifier.ts')).trainClassifierCommand(o));

  program.command('bench')
    .description('benchmarks: kernels, training steps, per-primitive profile (webgan alone; `node bench/run.mjs` in a checkout adds TensorFlow.js on the same adapter)')
    .addOption(new Option('--suite <name>', 'kernels | train | profile').choices(['kernels', 'train', 'profile']).default('kernels'))
    .option('--quick', 'the small set (minutes on a software adapter)')
    .option('--json <file>', 'also write the results as JSON')
    .option('--filter <regex>', 'kernels: only cases whose name matches')
    .option('--calls-per-sample <k>', 'kernels: calls per timed sample, one sync each (auto: enough for ~100 ms, ≤ 16; 1: single-call latency)', (v: string) => {
      if (v === 'auto') return v;
      const k = int('--calls-per-sample')(v);
      if (k < 1) throw new InvalidArgumentError(`--calls-per-sample must be 'auto' or ≥ 1, got '${v}'`);
      return String(k);
    }, 'auto')
    .option('--matmul4096', 'kernels: add matmul 4096 to the full set')
    .option('--preset <names>', 'train/profile: comma-separated presets (default dcgan,mlp2d)')
    .option('--batch <n>', 'train/profile: batch size', int('--batch'))
    .addOption(new Option('--loss <name>', 'profile: the objective of the profiled step (default: nsgan; cyclegan and pix2pix: their own)').choices(LOSS_NAMES))
    .addOption(backendOpt())
    .action(async (o) => { await (await import('./bench/command.ts')).benchCommand(o); });

  return program;
}

/** A missing or unreadable file named on the command line, said plainly (or null: not such an error). */
function fileErrorMessage(err: Error & { code?: string; path?: string }): string | null {
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory', EISDIR: 'is a directory, not a file', ENOTDIR: 'a part of the path is not a directory',
    EACCES: 'permission denied', EPERM: 'permission denied',
  };
  const reason = err.code ? reasons[err.code] : undefined;
  return reason && err.path ? `${err.path}: ${reason}` : null;
}

/** Run the CLI; returns the exit code (clear messages, never a stack trace for user errors). */
export async function main(argv: string[]): Promise<number> {
  const program = buildCli();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    const err = e as Error & { code?: string; exitCode?: number };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    if (err.code?.startsWith('commander.')) return 2; // a usage error (commander has printed it)
    if (err instanceof DivergenceError) {
      console.error(`webgan: ${err.message}`);
      return 3;
    }
    const fsError = fileErrorMessage(err);
    if (fsError) {
      console.error(`webgan: ${fsError}`);
      return 2;
    }
    if (err instanceof ConfigError || err.name === 'ShapeError' || err.name === 'CheckpointError' || err.name === 'SafetensorsError' || err.name === 'IdxError') {
      console.error(`webgan: ${err.message}`);
      return 2;
    }
    console.error(`webgan: ${err.stack ?? err.message}`);
    return 1;
  }
}

const isMain = (() => {
  const g = globalThis as { Deno?: { mainModule: string } };
  if (g.Deno) return g.Deno.mainModule === import.meta.url;
  return false;
})();
if (isMain) {
  const g = globalThis as unknown as { Deno: { args: string[]; exit(c: number): never } };
  main(g.Deno.args).then((c) => g.Deno.exit(c));
}
