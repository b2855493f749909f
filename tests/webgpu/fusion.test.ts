/**
 * The WebGPU backend's lazy elementwise fusion (src/kernels/webgpu/fuse.ts): chains of elementwise
 * primitives run as one generated kernel when their values are needed, with the values of the
 * reference backend; buffers an unrun expression reads stay valid after the front end frees them;
 * an in-place write (Adam) does not change what a pending expression computes; expressions past
 * the kernel limits split; gradients (also second order) and training steps equal the unfused run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { nn } from '../../src/index.ts';
import { GanTrainer } from '../../src/gan/trainer.ts';
import { TranslationTrainer } from '../../src/gan/translation/trainer.ts';
import { compare, compareExact, cpu, expectClose } from './helpers.ts';
import { webgpuBackend } from './device.ts';

const gpu = await webgpuBackend();
const dispatches = () => Number(gpu!.info().dispatches);

/** dispatches recorded while fn runs and its results are read */
async function counted(fn: () => wg.Tensor[]): Promise<{ n: number; values: Float32Array[] }> {
  wg.setBackend(gpu!);
  const d0 = dispatches();
  const outs = wg.tidy(fn);
  const values = (await Promise.all(outs.map((t) => t.data()))) as Float32Array[];
  outs.forEach((t) => t.dispose());
  return { n: dispatches() - d0, values };
}

afterEach(() => { wg.setFusion(true); wg.setBackend(cpu); });

describe.skipIf(!gpu)('webgpu elementwise fusion', () => {
  it('a chain of elementwise ops with broadcasting runs as one kernel, with the reference values', async () => {
    const chain = (mk: { f: (s: number[], lo?: number, hi?: number) => wg.Tensor }) => {
      const x = mk.f([4, 3, 5], -3, 3), b = mk.f([3, 1]), c = mk.f([5]);
      // softplus, leakyRelu, a broadcast bias, where/compare, cast round trip, expand
      const y = wg.add(wg.softplus(x), wg.leakyRelu(wg.mul(x, b), 0.2));
      const z = wg.where(wg.gt(y, c), wg.sigmoid(y), wg.tanh(wg.sub(y, c)));
      return [wg.add(z, wg.cast(wg.cast(wg.mul(x, 10), 'int32'), 'float32')), wg.expand(wg.exp(b), [2, 3, 5])];
    };
    await compare(gpu!, chain, 3e-6, 3e-6, 'chain');
    wg.setBackend(gpu!);
    const uploads = [[4, 3, 5], [3, 1], [5]].map((shape) => wg.tensor(new Float32Array(shape.reduce((x, y) => x * y)).map((_, i) => 3 * Math.sin(i)), shape));
    let next = 0;
    const fixed = { f: () => uploads[next++] };
    const { n } = await counted(() => chain(fixed));
    expect(n).toBe(2); // one generated kernel per result (uploads are copies, not dispatches)
    uploads.forEach((t) => t.dispose());
  });

  it('a view of a pending expression whose leaves would need too many parameter words runs the expression first', async () => {
    // rank 6, 7 contiguous leaves and 8 constants fit (16 words); permuted, every leaf is strided
    // (2 + 8 + 6·8 + 7 = 65 words > 64): the view must read the expression's buffer instead
    const wide = (mk: { f: (s: number[], lo?: number, hi?: number) => wg.Tensor }) => {
      const xs = Array.from({ length: 7 }, () => mk.f([2, 3, 2, 2, 3, 2]));
      let y = wg.mul(xs[0], 1.5);
      for (let i = 1; i < 7; i++) y = wg.add(y, wg.mul(xs[i], 1.5 + i));
      y = wg.add(y, 0.25);
      return [wg.permute(y, [5, 4, 3, 2, 1, 0]), wg.flip(y, [0, 3])];
    };
    await compare(gpu!, wide, 1e-5, 1e-5, 'wide view');
  });

  it('slice, permute and flip are strided views read by the consuming kernel (composed, over buffers and expressions)', async () => {
    const views = (mk: { f: (s: number[], lo?: number, hi?: number) => wg.Tensor }) => {
      const x = mk.f([5, 6, 7]);
      const a = wg.slice(x, [[1, 5, 2], null, [-6, 7, 3]]); // steps and offsets
      const b = wg.flip(wg.permute(x, [2, 0, 1]), [0, 2]); // a composed view, negative strides
      const c = wg.slice(wg.flip(wg.exp(x), 1), [[4, 5], [0, 6, 2]]); // a view of an expression (run first)
      const d = wg.add(wg.permute(wg.slice(x, [null, [1, 3]]), [1, 0, 2]), wg.narrow(wg.permute(x, [1, 0, 2]), 0, 3, 1)); // views in a broadcast chain
      return [wg.mul(a, 2), b, wg.sqrt(wg.abs(c)), d, wg.narrow(wg.narrow(x, 2, 1, 5), 1, 2, 3)];
    };
    await compare(gpu!, views, 1e-6, 1e-6, 'views');
    wg.setBackend(gpu!);
    const x = wg.tensor(new Float32Array(2 * 64).map((_, i) => i), [2, 64]);
    const { n, values } = await counted(() => [wg.add(wg.mul(wg.narrow(x, 0, 0, 1), 0.9), wg.mul(wg.narrow(x, 0, 1, 1), 0.1))]);
    expect(n).toBe(1); // two row slices and the update: one kernel
    expectClose(values[0], new Float32Array(64).map((_, i) => 0.9 * i + 0.1 * (64 + i)), 1e-5, 1e-6, 'rows');
    x.dispose();
  });

  it('a reduction runs the chain it ends inside itself (sum and max, per thread, per workgroup, two passes)', async () => {
    await compare(gpu!, (mk) => {
      const x = mk.f([3, 9000], -4, 4), y = mk.f([64, 5, 7]), b = mk.f([5, 1]);
      const e = wg.softplus(wg.mul(x, 0.5));
      return [
        wg.sum(e), wg.sum(e, [1]), wg.max(wg.neg(wg.abs(x)), [0]),
        wg.sum(wg.square(wg.sub(y, b)), [0, 2]), wg.mean(wg.reshape(wg.exp(y), [64, 35]), 1), wg.max(wg.where(wg.gt(y, 0.9), NaN, y), [1, 2]),
      ];
    }, 1e-4, 1e-5, 'reductions');
    wg.setBackend(gpu!);
    const x = wg.tensor(new Float32Array(4096).map((_, i) => Math.cos(i)), [64, 64]);
    const { n, values } = await counted(() => [wg.sum(wg.exp(wg.mul(x, 2)), [1])]);
    expect(n).toBe(1);
    const want = new Float32Array(64).map((_, r) => { let t = 0; for (let c = 0; c < 64; c++) t += Math.exp(2 * Math.cos(r * 64 + c)); return t; });
    expectClose(values[0], want, 1e-4, 1e-5, 'sum of exp');
    x.dispose();
  });

  it('int32 arithmetic and masks fuse with the exact reference values', async () => {
    await compareExact(gpu!, (mk) => {
      const a = mk.i([6, 7], -50, 50), b = mk.i([7], 1, 9);
      return [wg.add(wg.mul(wg.div(a, b), 3), wg.pow(b, wg.full([], 2, { dtype: 'int32' }))), wg.le(wg.abs(a), wg.maximum(b, 4))];
    }, 'int32');
  });

  it('an expression that is never read runs nothing; with fusion off each op is one dispatch', async () => {
    wg.setBackend(gpu!);
    const x = wg.tensor(new Float32Array(64).map((_, i) => i - 32), [8, 8]);
    await x.data();
    let d0 = dispatches();
    wg.tidy(() => { wg.exp(wg.neg(wg.abs(x))); });
    expect(dispatches() - d0).toBe(0);
    wg.setFusion(false);
    d0 = dispatches();
    const y = wg.exp(wg.neg(wg.abs(x)));
    await y.data();
    expect(dispatches() - d0).toBe(3);
    y.dispose(); x.dispose();
  });

  it('a kernel that reads several pending inputs computes them in one kernel (split past the binding limit), with the reference values', async () => {
    const two = (mk: { f: (s: number[], lo?: number, hi?: number) => wg.Tensor }) => {
      const a = mk.f([6, 5]), b = mk.f([5, 7]);
      return [wg.matmul(wg.add(wg.mul(a, 2), 1), wg.tanh(b))];
    };
    await compare(gpu!, two, 1e-5, 1e-5, 'two pending inputs');
    const many = (mk: { f: (s: number[], lo?: number, hi?: number) => wg.Tensor }) => {
      const xs = Array.from({ length: 12 }, (_, i) => mk.f([3, 2 + i]));
      return [wg.concat(xs.map((x, i) => wg.sub(wg.mul(x, i + 1), 0.5)), 1)];
    };
    await compare(gpu!, many, 1e-6, 1e-6, 'twelve pending inputs');
    wg.setBackend(gpu!);
    const a = wg.randn([6, 5]), b = wg.randn([5, 7]);
    await Promise.all([a.data(), b.data()]);
    const { n } = await counted(() => two({ f: (s) => (s[0] === 6 ? a : b) }));
    expect(n).toBe(2); // both operands in one kernel, then the matmul (one each would be 3)
    const xs = Array.from({ length: 12 }, (_, i) => wg.randn([3, 2 + i]));
    await Promise.all(xs.map((x) => x.data()));
    let k = 0;
    const limit = Math.min(Number((gpu!.info().limits as Record<string, number>).maxStorageBuffersPerShaderStage ?? 8), 16);
    const { n: m } = await counted(() => many({ f: () => xs[k++] }));
    // each operand binds its input and its output; the concat copies up to 8 inputs per dispatch
    expect(m).toBe(Math.ceil(12 / Math.floor(limit / 2)) + Math.ceil(12 / 8));
  });

  it('a buffer freed by the front end stays valid for a pending expression that reads it', async () => {
    wg.setBackend(gpu!);
    const vals = new Float32Array(1000).map((_, i) => i / 7);
    const x = wg.tensor(vals, [1000]);
    const y = wg.mul(wg.add(x, 1), 2);
    x.dispose();
    // reuse the pool: new tensors of the same size, written and read
    for (let k = 0; k < 4; k++) { const junk = wg.full([1000], -1e6 - k); await junk.data(); junk.dispose(); }
    expectClose(await y.data(), vals.map((v) => (v + 1) * 2), 1e-5, 1e-6, 'after free');
    y.dispose();
  });

  it('an in-place Adam write does not change a pending expression that read the parameter', async () => {
    wg.setBackend(gpu!);
    const p = wg.tensor(new Float32Array([1, 2, 3, 4]), [4], { requiresGrad: true });
    const opt = new nn.Adam([p], { lr: 0.5 });
    // pending: reads p's buffer without holding p's storage (no copy-on-write protects it)
    const before = wg.noGrad(() => wg.mul(p, 10));
    p.grad = wg.ones([4]);
    opt.step();
    expect(Array.from(await before.data())).toEqual([10, 20, 30, 40]);
    const after = await p.data();
    expect(after[0]).toBeCloseTo(0.5, 5);
    before.dispose(); p.dispose();
  });

  it("Adam reads a gradient that is a contiguous slice of a buffer in place: one dispatch, the reference update", async () => {
    const run = async (backend: wg.Backend) => {
      wg.setBackend(backend);
      const ps = [wg.tensor(new Float32Array([1, 2, 3]), [3], { requiresGrad: true }), wg.tensor(new Float32Array([-1, 0.5, 4]), [1, 3], { requiresGrad: true })];
      const opt = new nn.Adam(ps, { lr: 0.1, weightDecay: 0.01 });
      // the two rows of one [2, 3] buffer (as a batch norm's weight and bias gradients), one reshaped, then a strided column
      const both = wg.tensor(new Float32Array([0.5, -2, 3, 1e-3, 4, -0.25]), [2, 3]);
      const d0 = dispatches();
      for (let step = 0; step < 2; step++) {
        ps[0].grad = wg.reshape(wg.slice(both, [[step, step + 1], null]), [3]);
        ps[1].grad = wg.slice(both, [[1 - step, 2 - step], null]);
        opt.step();
      }
      const n = dispatches() - d0;
      const values = await Promise.all(ps.map(async (p) => Array.from(await p.data())));
      // a strided view is not a contiguous range: it is copied first
      const q = wg.tensor(new Float32Array([7, 8]), [2], { requiresGrad: true });
      const opt2 = new nn.Adam([q], { lr: 0.1 });
      q.grad = wg.reshape(wg.slice(both, [null, [1, 2]]), [2]);
      opt2.step();
      values.push(Array.from(await q.data()));
      return { n, values };
    };
    const ref = await run(cpu);
    const got = await run(gpu!);
    expect(got.n).toBe(4); // four Adam dispatches, no copies
    for (let i = 0; i < ref.values.length; i++) expectClose(Float32Array.from(got.values[i]), Float32Array.from(ref.values[i]), 1e-6, 1e-6, `param ${i}`);
  });

  it('a reshaped expression, a chain past the operation limit and one past the binding limit give the reference values', async () => {
    await compare(gpu!, (mk) => {
      const x = mk.f([6, 4]);
      let y = wg.tanh(x);
      for (let k = 0; k < 150; k++) y = wg.add(wg.mul(y, 0.99), 0.001 * (k % 3));
      const leaves = Array.from({ length: 20 }, (_, k) => mk.f([6, 4], -1 - k, 1 + k));
      const wide = leaves.reduce((s, l) => wg.add(s, wg.abs(l)));
      const r = wg.reshape(wg.exp(x), [4, 6]);
      return [y, wide, wg.add(r, wg.full([4, 1], 1)), wg.reshape(wg.sigmoid(r), [24])];
    }, 2e-5, 2e-5, 'limits');
  });

  it('first and second-order gradients through fused chains equal the reference (a WGAN-GP penalty)', async () => {
    await compare(gpu!, (mk) => {
      const w1 = mk.f([16, 2], -1, 1, true), w2 = mk.f([1, 16], -1, 1, true), x = mk.f([32, 2], -2, 2, true);
      const h = wg.leakyRelu(wg.matmul(x, wg.transpose(w1, 0, 1)), 0.2);
      const d = wg.sum(wg.softplus(wg.matmul(h, wg.transpose(w2, 0, 1))));
      const [gx] = wg.grad(d, [x], { createGraph: true });
      const gp = wg.mean(wg.square(wg.sub(wg.sqrt(wg.add(wg.sum(wg.square(gx), [1]), 1e-12)), 1)));
      return [d, gp, ...wg.grad(gp, [w1, w2])];
    }, 2e-5, 2e-4, 'wgan-gp');
  });

  it('three mlp2d WGAN-GP training steps: the same parameters fused and unfused, the memory back to its start', async () => {
    wg.setBackend(gpu!);
    const params = async (fuse: boolean) => {
      wg.setFusion(fuse);
      const t = await GanTrainer.create({ preset: 'mlp2d', loss: 'wgan-gp', batch: 32, limit: 256, seed: 3 });
      for (let s = 0; s < 3; s++) t.trainStep();
      const out = await Promise.all([...t.models.G.parameters(), ...t.models.D.parameters()].map((p) => p.data()));
      t.dispose();
      return out;
    };
    const live0 = gpu!.memory().liveBytes;
    const off = await params(false);
    const on = await params(true);
    off.forEach((a, i) => expectClose(on[i], a, 1e-5, 1e-4, `param ${i}`));
    await gpu!.sync?.();
    expect(gpu!.memory().liveBytes).toBe(live0);
  });

  // Adam's first moments after two steps: m = β1·m + (1 − β1)·g holds each step's gradients, so a
  // wrong fused gradient shows here, not only as a parameter off by at most lr
  const presets: [string, () => Promise<{ trainStep(): void; optG: nn.Optimizer; optD: nn.Optimizer; dispose(): void }>][] = [
    ['dcgan, hinge + R1 (double backward through convolutions and batch norm)', () => GanTrainer.create({ preset: 'dcgan', loss: 'hinge', r1Gamma: 1, batch: 4, limit: 16, seed: 5 })],
    ['cdcgan, nsgan', () => GanTrainer.create({ preset: 'cdcgan', loss: 'nsgan', batch: 4, limit: 16, seed: 5 })],
    ['stylegan, lazy R1 and path length every step', () => GanTrainer.create({ preset: 'stylegan', batch: 4, limit: 16, zDim: 8, mappingLayers: 2, channelBase: 64, channelMax: 8, r1Every: 1, plEvery: 1, seed: 5 })],
    ['cyclegan', () => TranslationTrainer.create({ preset: 'cyclegan', batch: 1, limit: 4, ngf: 4, ndf: 4, blocks: 1, seed: 5 })],
    ['pix2pix', () => TranslationTrainer.create({ preset: 'pix2pix', batch: 1, limit: 4, ngf: 4, ndf: 4, seed: 5 })],
  ];
  for (const [name, make] of presets) {
    it(`${name}: two steps give the same gradients fused and unfused`, async () => {
      wg.setBackend(gpu!);
      const moments = async (fuse: boolean) => {
        wg.setFusion(fuse);
        const t = await make();
        t.trainStep(); t.trainStep();
        const m = [...t.optG.state.values(), ...t.optD.state.values()].map((st) => st.exp_avg as wg.Tensor);
        const out = await Promise.all(m.map((x) => x.data()));
        t.dispose();
        return out;
      };
      const off = await moments(false);
      const on = await moments(true);
      expect(on.length).toBe(off.length);
      expect(off.length).toBeGreaterThan(3);
      // relative to the largest moment of all: a bias before instance norm has a gradient of
      // rounding noise only (mathematically zero), which no two summation orders agree on
      let scale = 0;
      for (const a of off) for (const v of a) scale = Math.max(scale, Math.abs(v));
      off.forEach((a, i) => expectClose(on[i], a, 1e-4 * scale, 2e-3, `${name}: m of parameter ${i}`));
    });
  }
});

