/**
 * The fused bias + activation primitives (matmulBiasAct, conv2dBiasAct) against the unfused
 * composition act(base(a, b) + bias): forward, first- and second-order gradients, on every
 * backend; and nn.Sequential's fusion of Linear/Conv2d + activation modules.
 */
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.ts';
import type { Activation, Tensor } from '../../src/index.ts';
import { testBackends } from '../helpers/backends.ts';
import { mulberry32 } from '../helpers/prng.ts';

const ACTS: Activation[] = ['none', 'relu', 'leakyRelu', 'tanh', 'sigmoid'];
const SLOPE = 0.2;

function rand(seed: number, shape: number[]): Tensor {
  const r = mulberry32(seed);
  const a = new Float32Array(shape.reduce((x, y) => x * y, 1));
  for (let i = 0; i < a.length; i++) a[i] = 2 * r() - 1;
  return wg.tensor(a, shape, { requiresGrad: true });
}

function activate(z: Tensor, act: Activation): Tensor {
  switch (act) {
    case 'none': return z;
    case 'relu': return wg.relu(z);
    case 'leakyRelu': return wg.leakyRelu(z, SLOPE);
    case 'tanh': return wg.tanh(z);
    case 'sigmoid': return wg.sigmoid(z);
  }
}

async function expectClose(a: Tensor | null, b: Tensor | null, what: string, tol = 2e-4): Promise<void> {
  expect(a === null, `${what}: one side has no gradient`).toBe(b === null);
  if (!a || !b) return;
  expect(a.shape, what).toEqual(b.shape);
  const [x, y] = [await a.data(), await b.data()];
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / (tol + tol * Math.abs(y[i])));
  expect(worst, `${what}: max scaled error`).toBeLessThanOrEqual(1);
}

interface Case {
  name: string;
  /** input shapes (a, b, bias) */
  shapes: [number[], number[], number[]];
  fused: (a: Tensor, b: Tensor, bias: Tensor | null, act: Activation) => Tensor;
  unfused: (a: Tensor, b: Tensor, bias: Tensor | null) => Tensor;
}

const conv = (o: wg.ConvOpts, shapes: Case['shapes'], name: string): Case => ({
  name, shapes,
  fused: (x, w, b, act) => wg.conv2d(x, w, b, { ...o, activation: act, negativeSlope: SLOPE }),
  unfused: (x, w, b) => {
    const y = wg.conv2d(x, w, null, o);
    return b ? wg.add(y, wg.reshape(b, [1, b.shape[0], 1, 1])) : y;
  },
});

const CASES: Case[] = [
  {
    name: 'linear [5,7]·[3,7]ᵀ', shapes: [[5, 7], [3, 7], [3]],
    fused: (x, w, b, act) => wg.linear(x, w, b, { activation: act, negativeSlope: SLOPE }),
    unfused: (x, w, b) => { const y = wg.matmul(x, w, { transB: true }); return b ? wg.add(y, b) : y; },
  },
  {
    name: 'batched matmulBiasAct transA [2,7,5]ᵀ·[7,9]', shapes: [[2, 7, 5], [7, 9], [9]],
    fused: (a, b, bias, act) => wg.matmulBiasAct(a, b, bias, { transA: true, activation: act, negativeSlope: SLOPE }),
    unfused: (a, b, bias) => { const y = wg.matmul(a, b, { transA: true }); return bias ? wg.add(y, bias) : y; },
  },
  {
    // few outputs, long K: split-K on WebGPU, so the epilogue runs as its own pass after the sum
    name: 'linear long K [3,2000]·[5,2000]ᵀ', shapes: [[3, 2000], [5, 2000], [5]],
    fused: (x, w, b, act) => wg.linear(x, w, b, { activation: act, negativeSlope: SLOPE }),
    unfused: (x, w, b) => { const y = wg.matmul(x, w, { transB: true }); return b ? wg.add(y, b) : y; },
  },
  {
    // few outputs, K split across lanes only (lavapipe): the epilogue in that template's store
    name: 'linear [40,600]·[9,600]ᵀ', shapes: [[40, 600], [9, 600], [9]],
    fused: (x, w, b, act) => wg.linear(x, w, b, { activation: act, negativeSlope: SLOPE }),
    unfused: (x, w, b) => { const y = wg.matmul(x, w, { transB: true }); return b ? wg.add(y, b) : y; },
  },
  conv({ stride: 2, padding: 1 }, [[2, 3, 9, 11], [5, 3, 3, 3], [5]], 'conv2d s2 p1'),
  conv({ groups: 2, dilation: 2, padding: 1 }, [[2, 4, 7, 7], [6, 2, 3, 3], [6]], 'conv2d groups 2 dilation 2'),
  conv({}, [[3, 4, 5, 5], [7, 4, 5, 5], [7]], 'conv2d window = input (1×1 output)'),
];

const backends = await testBackends();

describe.each(backends)('fused bias + activation on $name', ({ make }) => {
  for (const c of CASES) {
    test(`${c.name}: forward and gradients equal the unfused composition, every activation`, async () => {
      wg.setBackend(await make());
      for (const act of ACTS) {
        for (const withBias of [true, false]) {
          const what = `${c.name} ${act}${withBias ? ' +bias' : ''}`;
          const [a, b] = [rand(1, c.shapes[0]), rand(2, c.shapes[1])];
          const bias = withBias ? rand(3, c.shapes[2]) : null;
          const inputs = bias ? [a, b, bias] : [a, b];
          const yf = c.fused(a, b, bias, act);
          const yu = activate(c.unfused(a, b, bias), act);
          await expectClose(yf, yu, `${what} forward`);
          // first order, with a non-uniform cotangent
          const r = wg.tensor(Float32Array.from({ length: yf.size }, (_, i) => Math.sin(i + 1)), yf.shape);
          const gf = wg.grad(wg.sum(wg.mul(yf, r)), inputs, { createGraph: true });
          const gu = wg.grad(wg.sum(wg.mul(yu, r)), inputs, { createGraph: true });
          for (let i = 0; i < inputs.length; i++) await expectClose(gf[i], gu[i], `${what} d/d input ${i}`);
          // second order: a gradient penalty on d/da, differentiated w.r.t. every input
          const pf = wg.sum(wg.mul(gf[0], gf[0])), pu = wg.sum(wg.mul(gu[0], gu[0]));
          const hf = wg.grad(pf, inputs, { allowUnused: true }), hu = wg.grad(pu, inputs, { allowUnused: true });
          for (let i = 0; i < inputs.length; i++) await expectClose(hf[i], hu[i], `${what} d²/d input ${i}`, 5e-4);
          for (const t of [a, b, yf, yu, r, pf, pu, ...gf, ...gu, ...hf, ...hu]) t?.dispose();
          bias?.dispose();
        }
      }
    });
  }

  test('nn.Sequential fuses Linear/Conv2d + activation: same outputs, grads and state-dict keys', async () => {
    wg.setBackend(await make());
    wg.manualSeed(7);
    const build = () => new wg.nn.Sequential(
      new wg.nn.Conv2d(3, 5, 3, { stride: 2, padding: 1 }), new wg.nn.LeakyReLU(0.2),
      new wg.nn.Conv2d(5, 4, 3, { padding: 1 }), new wg.nn.Tanh(),
      new wg.nn.Flatten(),
      new wg.nn.Linear(4 * 4 * 5, 6), new wg.nn.ReLU(),
      new wg.nn.Linear(6, 1), new wg.nn.Sigmoid(),
    );
    const fused = build();
    const plain = build();
    plain.loadStateDict(fused.stateDict());
    expect(Object.keys(fused.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias', '5.weight', '5.bias', '7.weight', '7.bias']);
    // the unfused reference: each module on its own (a hook on every module disables fusion)
    for (const m of plain.children()) m.registerForwardHook(() => undefined);
    const x = rand(11, [3, 3, 7, 9]);
    const yf = fused.call(x) as Tensor, yu = plain.call(x) as Tensor;
    expect(yf.node?.prim).toBe('matmulBiasAct');
    expect(yu.node?.prim).toBe('sigmoid');
    await expectClose(yf, yu, 'Sequential forward');
    const pf = [...fused.parameters()], pu = [...plain.parameters()];
    const gf = wg.grad(wg.sum(yf), [x, ...pf]), gu = wg.grad(wg.sum(yu), [x, ...pu]);
    for (let i = 0; i < gf.length; i++) await expectClose(gf[i], gu[i], `Sequential grad ${i}`);
  });
});
