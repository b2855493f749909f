import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as wg from '../../src/index.ts';
import { CONV_OPS, DCGAN_LAYERS, DCGAN64_LAYERS, DCGAN64_G_PARAMS, adamBytes, convFlops, kernelCases, kernelPreset, matmulFlops, runKernelSuite, type KernelSuiteOptions } from '../../src/cli/bench/kernels.ts';
import { markdownTable, measureInterleaved, median } from '../../src/cli/bench/measure.ts';
import { profileTrainStep } from '../../src/cli/bench/profile.ts';
import { kernelTable, trainTable } from '../../src/cli/bench/report.ts';
import { loadTfPeer } from '../../bench/peers/tfjs.ts';
import type { Peer } from '../../src/cli/bench/peer.ts';
import { runTrainSuite } from '../../src/cli/bench/train.ts';

let peer: Peer | null;
beforeAll(async () => {
  await wg.init({ backend: 'cpu' });
  // tiny shapes: tfjs-cpu's slow filter gradient is fine here
  peer = await loadTfPeer('cpu', { all: true });
});

const tiny: KernelSuiteOptions = {
  matmul: [[8, 16, 4]],
  convLayers: [
    { name: 'tiny D k4 s2 p1 8→4', c: 3, o: 5, k: 4, stride: 2, pad: 1, h: 8 },
    { name: 'tiny G k3 s1 p0 5→3', c: 2, o: 4, k: 3, stride: 1, pad: 0, h: 5 },
  ],
  convOps: CONV_OPS,
  batch: 2,
  elementwise: 1000,
  reduction: 1000,
  adamShapes: [[10, 10], [5]],
  measure: { warmup: 1, iters: 3, maxMs: 200 },
  check: true,
};

describe('bench: measurement helpers', () => {
  it('median and interleaved sampling', async () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const order: string[] = [];
    const m = await measureInterleaved({ a: () => { order.push('a'); }, b: () => { order.push('b'); } }, { warmup: 1, iters: 3, maxMs: 1e9 });
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
    expect(m.a.samples.length).toBe(3);
    expect(m.b.medianMs).toBeGreaterThanOrEqual(0);
  });
  it('markdown table', () => {
    const t = markdownTable(['name', 'x'], [['a', 1.234], ['bb', null]]);
    expect(t.split('\n')).toEqual(['| name |    x |', '|------|-----:|', '| a    | 1.23 |', '| bb   |    — |']);
  });
});

describe('bench: kernel suite', () => {
  it('FLOP and byte counts', () => {
    expect(matmulFlops(8, 16, 4)).toBe(2 * 8 * 16 * 4);
    // canonical conv2d: 2·N·O·Ho·Wo·C·k² (G2 = ConvT 256→128 7→14 = conv2d 128→256 14→7)
    const g2 = DCGAN_LAYERS[1];
    expect([g2.c, g2.o, g2.h]).toEqual([128, 256, 14]);
    expect(convFlops(g2, 64)).toBe(2 * 64 * 256 * 7 * 7 * 128 * 16);
    expect(convFlops(DCGAN_LAYERS[0], 64)).toBe(2 * 64 * 100 * 1 * 256 * 49);
    expect(convFlops(DCGAN_LAYERS[5], 64)).toBe(2 * 64 * 1 * 1 * 128 * 49);
    expect(adamBytes(10)).toBe(280);
    const nG = DCGAN64_G_PARAMS.reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
    expect(nG).toBe(3576704);
  });

  it('presets list every dcgan / dcgan64 layer and the required shapes', () => {
    expect(DCGAN_LAYERS).toHaveLength(6);
    expect(DCGAN64_LAYERS).toHaveLength(10);
    const q = kernelPreset('quick'), f = kernelPreset('full', { matmul4096: true });
    expect(q.matmul).toContainEqual([1024, 1024, 1024]);
    expect(q.matmul).toContainEqual([64, 1024, 1024]);
    expect(f.matmul).toContainEqual([4096, 4096, 4096]);
    expect(f.convLayers).toHaveLength(16);
    expect(q.batch).toBe(64);
    expect(q.elementwise).toBe(16 * 2 ** 20);
    const names = kernelCases({ ...tiny, filter: /^conv2dWeightGrad/ }).map((c) => c.name);
    expect(names).toEqual(tiny.convLayers.map((l) => `conv2dWeightGrad ${l.name}`));
  });

  it('tiny run on the CPU backend: structure, rates from the FLOP count, agreement with tfjs', async () => {
    const rows = await runKernelSuite(tiny, peer);
    expect(rows.map((r) => r.group)).toEqual(['matmul', 'conv2d', 'convTranspose2d', 'conv2dWeightGrad', 'conv2d', 'convTranspose2d', 'conv2dWeightGrad', 'elementwise', 'reduction', 'optimizer']);
    const mm = rows[0];
    expect(mm.flops).toBe(2 * 8 * 16 * 4);
    expect(mm.unit).toBe('GFLOP/s');
    expect(mm.webganRate).toBeCloseTo(mm.flops! / (mm.webganMs * 1e6), 6);
    for (const r of rows) {
      expect(r.webganMs).toBeGreaterThan(0);
      expect(r.samples).toBeGreaterThanOrEqual(1);
      if (peer) {
        expect(r.tfjsMs).toBeGreaterThan(0);
        expect(r.ratio).toBeCloseTo(r.webganRate / r.tfjsRate!, 6);
        if (r.group !== 'optimizer') expect(r.relDiff!).toBeLessThan(1e-4);
      }
    }
    expect(rows[1].flops).toBe(2 * 2 * 5 * 4 * 4 * 3 * 16);
    expect(rows[7]).toMatchObject({ unit: 'GB/s', bytes: 12000 });
    expect(rows[9].bytes).toBe(adamBytes(105));
    expect(kernelTable(rows).split('\n')).toHaveLength(rows.length + 2);
  });
});

describe('bench: calls per timed sample', () => {
  const mmOnly: KernelSuiteOptions = { ...tiny, filter: /^matmul/, check: false, measure: { warmup: 1, iters: 2, maxMs: 1e9, minIters: 2 } };
  /** matmul primitive calls and device syncs made by one run of the suite */
  async function counted(o: KernelSuiteOptions) {
    const be = wg.getBackend();
    const run = vi.spyOn(be, 'run');
    const sync = be.sync ? vi.spyOn(be as { sync(): Promise<void> }, 'sync') : null;
    try {
      const rows = await runKernelSuite(o, null);
      return { rows, matmuls: run.mock.calls.filter(([prim]) => prim === 'matmul').length, syncs: sync?.mock.calls.length ?? 0 };
    } finally {
      run.mockRestore();
      sync?.mockRestore();
    }
  }

  it('a fixed k runs k calls per sample, one sync per sample, and reports per-call times', async () => {
    const { rows, matmuls, syncs } = await counted({ ...mmOnly, callsPerSample: 3 });
    expect(rows).toHaveLength(1);
    expect(rows[0].callsPerSample).toBe(3);
    // 1 warm-up sample + 2 timed samples, 3 calls each
    expect(matmuls).toBe(9);
    if (wg.getBackend().sync) expect(syncs).toBe(3 + 1); // + the runner's final sync
    expect(rows[0].webganRate).toBeCloseTo(rows[0].flops! / (rows[0].webganMs * 1e6), 6);
  });

  it("'auto' picks k from a warm call: at most 16, more calls for a fast kernel", async () => {
    const { rows, matmuls } = await counted({ ...mmOnly, callsPerSample: 'auto' });
    const k = rows[0].callsPerSample;
    expect(k).toBeGreaterThan(1); // an 8×16×4 matmul takes far less than 100 ms
    expect(k).toBeLessThanOrEqual(16);
    // 1 warm-up call + 1 probe call (k = 1), then 2 timed samples of k calls
    expect(matmuls).toBe(2 + 2 * k);
  });
});

describe('bench: training and profile suites', () => {
  it('mlp2d training, both libraries', async () => {
    const rows = await runTrainSuite({ cases: [{ preset: 'mlp2d', batch: 16 }], stepsPerSample: 1, measure: { warmup: 1, iters: 2, maxMs: 1000 } }, peer);
    expect(rows).toHaveLength(1);
    const r = rows[0];
    expect(r.params).toBe(2 * (2 * 256 + 256 + 2 * (256 * 256 + 256)) + 256 * 2 + 2 + 256 + 1);
    expect(r.webganStepsPerSec).toBeGreaterThan(0);
    expect(r.webganPeakBytes).toBeGreaterThan(r.params * 4);
    if (peer) expect(r.tfjsStepsPerSec).toBeGreaterThan(0);
    expect(trainTable(rows)).toContain('mlp2d');
  });

  it('profile of an mlp2d step names the primitives and adds up', async () => {
    const p = await profileTrainStep('mlp2d', { batch: 16, steps: 1, reps: 1, print: false });
    const names = p.prims.map((x) => x.prim);
    expect(names).toContain('matmul');
    expect(names).toContain('adamUpdate');
    // 8 Adam updates per network (4 Linear: weight and bias), D then G
    expect(p.prims.find((x) => x.prim === 'adamUpdate')!.calls).toBe(16);
    expect(p.primMs).toBeCloseTo(p.prims.reduce((s, x) => s + x.deviceMs, 0), 9);
    expect(p.table).toContain('whole step');
  });

  it('profile of a WGAN-GP step covers its critic steps and the generator step', async () => {
    const p = await profileTrainStep('mlp2d', { batch: 16, loss: 'wgan-gp', steps: 1, reps: 1, print: false });
    expect(p.loss).toBe('wgan-gp');
    expect(p.nCritic).toBe(2); // the mlp2d wgan-gp default (lossDefaults / twoDRecipe)
    // nCritic critic updates of D's 8 parameters, then one update of G's 8
    expect(p.prims.find((x) => x.prim === 'adamUpdate')!.calls).toBe(p.nCritic * 8 + 8);
    expect(p.table).toContain('whole step');
  });
});

describe('bench: the peer', () => {
  it('`webgan bench` without a peer runs webgan alone and says how to add the comparison', async () => {
    const { benchCommand } = await import('../../src/cli/bench/command.ts');
    const { ADD_PEER_HINT } = await import('../../src/cli/bench/peer.ts');
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const r = await benchCommand({ suite: 'kernels', backend: 'cpu', quick: true, filter: '^matmul 256' });
      expect(r.tfjs).toBeNull();
      expect(r.suite === 'kernels' && r.results.map((x) => [x.name, x.tfjsRate])).toEqual([['matmul 256×256×256', null]]);
      expect(err.mock.calls.map((c) => String(c[0]))).toContain(ADD_PEER_HINT);
      expect(ADD_PEER_HINT).toContain('bench/run.mjs');
    } finally {
      err.mockRestore();
      log.mockRestore();
    }
  });

  it('a peer handed in is compared with; the CPU TensorFlow.js peer leaves out its minutes-long filter gradient unless asked', async () => {
    if (!peer) throw new Error('TensorFlow.js (a devDependency) is not installed: run npm ci');
    const { benchCommand } = await import('../../src/cli/bench/command.ts');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const r = await benchCommand({ suite: 'kernels', backend: 'cpu', quick: true, filter: '^matmul 256' }, (b) => loadTfPeer(b));
      expect(r.tfjs).toMatchObject({ backend: 'cpu' });
      expect(r.suite === 'kernels' && r.results[0].tfjsRate).toBeGreaterThan(0);
    } finally {
      err.mockRestore();
      log.mockRestore();
    }
    const def = (await loadTfPeer('cpu'))!;
    const x = { data: new Float32Array(2 * 3 * 8 * 8), shape: [2, 3, 8, 8] }, gy = { data: new Float32Array(2 * 5 * 4 * 4), shape: [2, 5, 4, 4] };
    expect(def.kernel({ op: 'conv2dWeightGrad', x, gy, stride: 2, pad: 1, kernel: 4 })).toBeNull();
    expect(def.gan('dcgan', 4)).toBeNull();
    const c = peer.kernel({ op: 'conv2dWeightGrad', x, gy, stride: 2, pad: 1, kernel: 4 })!;
    c.run();
    expect((await c.read()).length).toBe(5 * 3 * 4 * 4);
    c.dispose();
  });
});
