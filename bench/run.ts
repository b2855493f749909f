/**
 * `webgan bench` with TensorFlow.js as the peer, from a checkout (TensorFlow.js is a dev
 * dependency: `npm ci` installs it; the published package does not ship it):
 *   npx deno run -A bench/run.ts --suite kernels --quick [--backend webgpu] [--json out.json]
 *   node bench/run.mjs --suite train --quick --backend cpu
 * The options of `webgan bench`, plus --no-tfjs and --tfjs-all.
 */
import { Command, Option } from 'commander';
import { benchCommand } from '../src/cli/bench/command.ts';
import { loadTfPeer } from './peers/tfjs.ts';

const program = new Command('bench')
  .description('kernel, training and profile benchmarks; webgan vs TensorFlow.js on the same adapter')
  .addOption(new Option('--suite <name>', 'kernels | train | profile').choices(['kernels', 'train', 'profile']).default('kernels'))
  .option('--quick', 'the small set (minutes on a software adapter)')
  .option('--json <file>', 'also write the results as JSON')
  .option('--filter <regex>', 'kernels: only cases whose name matches')
  .option('--calls-per-sample <k>', 'kernels: calls per timed sample, one sync each (auto: enough for ~100 ms, ≤ 16; 1: single-call latency)', 'auto')
  .option('--matmul4096', 'kernels: add matmul 4096 to the full set')
  .option('--tfjs-all', 'kernels: also time tfjs-cpu conv2dWeightGrad (minutes per layer)')
  .option('--no-tfjs', 'do not load TensorFlow.js (webgan only)')
  .option('--preset <names>', 'train/profile: comma-separated presets (default dcgan,mlp2d)')
  .option('--batch <n>', 'train/profile: batch size (default 64; mlp2d trains at 256)', (v: string) => Number.parseInt(v, 10))
  .addOption(new Option('--loss <name>', 'profile: the objective of the profiled step').choices(['minimax', 'nsgan', 'wgan', 'wgan-gp', 'hinge', 'lsgan']).default('nsgan'))
  .addOption(new Option('--backend <name>', 'webgpu | cpu | auto').choices(['webgpu', 'cpu', 'auto']).default('auto'))
  .action(async (o) => { await benchCommand(o, o.tfjs === false ? undefined : (b) => loadTfPeer(b, { all: !!o.tfjsAll })); });

const g = globalThis as unknown as { Deno?: { args: string[]; exit(c: number): never }; process?: { argv: string[]; exit(c: number): never } };
const args = g.Deno ? g.Deno.args : g.process!.argv.slice(2);
try {
  await program.parseAsync(args, { from: 'user' });
  // WebGPU devices keep the event loop alive: leave explicitly
  if (g.Deno) g.Deno.exit(0); else g.process!.exit(0);
} catch (e) {
  console.error(`bench: ${(e as Error).stack ?? e}`);
  if (g.Deno) g.Deno.exit(1); else g.process!.exit(1);
}
