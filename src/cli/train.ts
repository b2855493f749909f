import cliProgress from 'cli-progress';
import type { TrainConfig } from '../gan/config.ts';
import { runDirOf, runTraining } from '../gan/run.ts';
import { startBackend } from './backend.ts';

export interface TrainFlags {
  preset?: string; loss?: string; data?: string; steps?: number; batch?: number; lr?: number; lrDecay?: string; optimizer?: string;
  betas?: [number, number]; nCritic?: number;
  gpLambda?: number; clip?: number; r1?: number; r1Until?: number; spectralNorm?: boolean; pack?: number; ema?: number; seed?: number;
  limit?: number; logEvery?: number; sampleEvery?: number; ckptEvery?: number; backend: 'webgpu' | 'cpu' | 'auto';
  r1Every?: number; resolution?: number; channels?: number; zDim?: number; mappingLayers?: number; channelBase?: number; channelMax?: number;
  styleMixing?: number; plWeight?: number; plEvery?: number; emaHalfLife?: number; emaRampup?: number;
  ngf?: number; ndf?: number; blocks?: number; dLayers?: number; norm?: string; dropout?: boolean; lambdaCycle?: number; lambdaIdentity?: number;
  poolSize?: number; lambdaL1?: number; gDepth?: number; gWidth?: number; dDepth?: number; dWidth?: number;
  out?: string; resume?: string; quiet?: boolean; jit?: boolean;
}

export async function trainCommand(f: TrainFlags): Promise<void> {
  // a resumed run continues in its own directory unless --out names another
  const out = f.out ?? (f.resume ? runDirOf(f.resume) : null) ?? 'runs/latest';
  const backend = await startBackend(f.backend);
  const cfg: Partial<TrainConfig> = {
    preset: f.preset as TrainConfig['preset'], loss: f.loss as TrainConfig['loss'], data: f.data, steps: f.steps, batch: f.batch,
    lr: f.lr, lrDecay: f.lrDecay as TrainConfig['lrDecay'], optimizer: f.optimizer as TrainConfig['optimizer'], betas: f.betas, nCritic: f.nCritic, gpLambda: f.gpLambda, clip: f.clip, r1Gamma: f.r1, r1Until: f.r1Until, spectralNorm: f.spectralNorm, pack: f.pack,
    ema: f.ema, seed: f.seed, limit: f.limit, logEvery: f.logEvery, sampleEvery: f.sampleEvery, ckptEvery: f.ckptEvery,
    r1Every: f.r1Every, resolution: f.resolution, channels: f.channels, zDim: f.zDim, mappingLayers: f.mappingLayers, channelBase: f.channelBase,
    channelMax: f.channelMax, styleMixing: f.styleMixing, plWeight: f.plWeight, plEvery: f.plEvery, emaHalfLife: f.emaHalfLife, emaRampup: f.emaRampup,
    ngf: f.ngf, ndf: f.ndf, blocks: f.blocks, dLayers: f.dLayers, norm: f.norm as TrainConfig['norm'], dropout: f.dropout, lambdaCycle: f.lambdaCycle,
    lambdaIdentity: f.lambdaIdentity, poolSize: f.poolSize, lambdaL1: f.lambdaL1, gDepth: f.gDepth, gWidth: f.gWidth, dDepth: f.dDepth, dWidth: f.dWidth,
  };
  const tty = !f.quiet && (globalThis as { process?: { stderr?: { isTTY?: boolean } } }).process?.stderr?.isTTY;
  const bar = tty ? new cliProgress.SingleBar({
    format: 'step {value}/{total} |{bar}| {rate} steps/s | ETA {eta_formatted} | {brief}', hideCursor: true,
  }, cliProgress.Presets.shades_classic) : null;
  let started = false;
  const t0 = Date.now();
  const result = await runTraining(cfg, {
    out,
    resume: f.resume,
    jit: f.jit,
    onResumeChanges: (changed, from) => {
      const what = Object.entries(changed).map(([k, [a, b]]) => `${k} ${JSON.stringify(a)} → ${JSON.stringify(b)}`).join(', ');
      console.error(`webgan: resuming ${from} with ${what} (recorded in ${out}/config.json)`);
    },
    onStep: (step, t) => {
      if (!bar) return;
      if (!started) { bar.start(t.cfg.steps, step, { rate: '-', brief: '' }); started = true; }
      bar.update(step);
    },
    onLog: (r, t) => {
      const rate = r.stepsPerSec.toFixed(2);
      if (bar) bar.update(r.step, { rate, brief: t.brief(r) });
      else if (!f.quiet) console.error(`step ${r.step}/${t.cfg.steps}  ${rate} steps/s  ${t.brief(r)}`);
    },
  });
  bar?.stop();
  const secs = (Date.now() - t0) / 1000;
  console.error(`webgan: trained ${result.trainer.cfg.preset}/${result.trainer.cfg.loss} to step ${result.trainer.step} in ${secs.toFixed(0)} s on ${backend}`);
  console.error(`webgan: samples, curves and log.jsonl in ${out}; last checkpoint ${result.lastCheckpoint}`);
  result.trainer.dispose();
}
