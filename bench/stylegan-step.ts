/**
 * Seconds per training step of the stylegan preset (defaults; and with path-length
 * regularisation and style mixing off) next to dcgan's, interleaved in one process: 16 steps of
 * each per round (one lazy R1 and four path-length updates per 16 stylegan steps), 2 rounds,
 * after 2 warm-up steps each. Run: npx deno run -A bench/stylegan-step.ts [cpu|webgpu] [steps]
 */
import * as wg from '../src/index.ts';
import { GanTrainer } from '../src/gan/trainer.ts';
import type { TrainConfig } from '../src/gan/config.ts';

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? [];
const backend = args[0] === 'webgpu' ? 'webgpu' : 'cpu';
const steps = Number(args[1] ?? 16);
await wg.init({ backend });
const cases: [string, Partial<TrainConfig>][] = [
  ['stylegan (defaults, batch 32)', { preset: 'stylegan' }],
  ['stylegan, --pl-weight 0 --style-mixing 0', { preset: 'stylegan', plWeight: 0, styleMixing: 0 }],
  ['dcgan (defaults, batch 64)', { preset: 'dcgan' }],
];
const trainers = await Promise.all(cases.map(([, c]) => GanTrainer.create({ ...c, limit: 512, seed: 0 })));
const sync = async () => { await wg.getBackend().sync?.(); };
for (const t of trainers) { t.trainStep(); t.trainStep(); await sync(); }
const times = cases.map(() => [] as number[]);
for (let round = 0; round < (backend === 'cpu' ? 2 : 1); round++) {
  for (const [i, t] of trainers.entries()) {
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) { t.trainStep(); if (backend !== 'cpu') await sync(); }
    await sync();
    times[i].push((performance.now() - t0) / 1000 / steps);
  }
}
console.log(`backend ${backend} (${String(wg.backendInfo().description ?? '')}), ${steps} steps per sample`);
console.table(cases.map(([name], i) => ({ case: name, 's / step (each round)': times[i].map((x) => x.toFixed(2)).join(', ') })));
