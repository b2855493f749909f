import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import * as nn from '../../src/nn/index.ts';
import { T, expectClose, fx } from './helpers.ts';

const F = nn.functional;
type Red = 'mean' | 'sum' | 'none';
const L = fx.losses;

function check(name: string, fn: (a: wg.Tensor, b: wg.Tensor, r: Red) => wg.Tensor, opts: { labels?: boolean; dtype?: wg.DType; rtol?: number } = {}): void {
  const c = L[name];
  const dtype = opts.dtype ?? 'float64';
  for (const red of ['mean', 'sum', 'none'] as Red[]) {
    const x = T(c.inputs[0], dtype, true);
    const y = opts.labels ? wg.tensor(Int32Array.from(c.inputs[1]), [c.inputs[1].length]) : T(c.inputs[1], dtype);
    const l = fn(x, y, red);
    const rtol = opts.rtol ?? 1e-9;
    expectClose(l, c[red].value, rtol, rtol * 1e-3);
    l.backward(T(c[red].cot, dtype));
    expectClose(x.grad!, c[red].grad, rtol, rtol * 1e-3);
  }
}

describe('losses vs torch: values and gradients for every reduction', () => {
  it('mseLoss', () => check('mse', (a, b, reduction) => F.mseLoss(a, b, { reduction })));
  it('l1Loss', () => check('l1', (a, b, reduction) => F.l1Loss(a, b, { reduction })));
  it('smoothL1Loss (beta 0.5)', () => check('smoothL1', (a, b, reduction) => F.smoothL1Loss(a, b, { reduction, beta: 0.5 })));
  it('binaryCrossEntropyWithLogits at ±1e4 and 0 (float64 and float32)', () => {
    check('bceLogits', (a, b, reduction) => F.binaryCrossEntropyWithLogits(a, b, { reduction }));
    check('bceLogits', (a, b, reduction) => F.binaryCrossEntropyWithLogits(a, b, { reduction }), { dtype: 'float32', rtol: 1e-5 });
  });
  it('binaryCrossEntropyWithLogits on random logits, and with posWeight', () => {
    check('bceLogitsRandom', (a, b, reduction) => F.binaryCrossEntropyWithLogits(a, b, { reduction }));
    const pw = T(L.posWeight);
    check('bceLogitsPosWeight', (a, b, reduction) => F.binaryCrossEntropyWithLogits(a, b, { reduction, posWeight: pw }));
  });
  it('binaryCrossEntropy, with logs clamped at −100 for p ∈ {0, 1}', () => {
    check('bce', (a, b, reduction) => F.binaryCrossEntropy(a, b, { reduction }));
    const p = T(L.bceEdge.inputs[0], 'float64', true);
    const l = F.binaryCrossEntropy(p, T(L.bceEdge.inputs[1]), { reduction: 'none' });
    expectClose(l, L.bceEdge.none);
    l.sum().backward();
    expect(Array.from(p.grad!.dataSync()).every(Number.isFinite)).toBe(true);
  });
  it('crossEntropy with int32 labels (plain, class weights, label smoothing)', () => {
    check('crossEntropy', (a, b, reduction) => F.crossEntropy(a, b, { reduction }), { labels: true });
    const w = T(L.classWeight);
    check('crossEntropyWeighted', (a, b, reduction) => F.crossEntropy(a, b, { reduction, weight: w }), { labels: true });
    check('crossEntropySmoothing', (a, b, reduction) => F.crossEntropy(a, b, { reduction, labelSmoothing: 0.2 }), { labels: true });
  });
  it('nllLoss of logSoftmax equals crossEntropy', () => {
    const x = T(L.crossEntropy.inputs[0]);
    const y = wg.tensor(Int32Array.from(L.crossEntropy.inputs[1]), [4]);
    expectClose(F.nllLoss(wg.logSoftmax(x, 1), y), L.crossEntropy.mean.value);
  });
  it('hinge losses', () => {
    const x = wg.tensor([2, 0.5, -0.3, -2], undefined, { dtype: 'float64' });
    const y = wg.tensor([1, 1, -1, 1], undefined, { dtype: 'float64' });
    expectClose(F.hingeLoss(x, y, { reduction: 'none' }), [0, 0.5, 0.7, 3], 1e-12, 1e-12);
    const real = wg.tensor([1.5, 0.2], undefined, { dtype: 'float64' }), fake = wg.tensor([-2, 0.4], undefined, { dtype: 'float64' });
    expectClose(F.hingeLossDiscriminator(real, fake), (0 + 0.8) / 2 + (0 + 1.4) / 2, 1e-12);
    expectClose(F.hingeLossGenerator(fake), 0.8, 1e-12);
  });
  it('clear errors for shape mismatches and bad reductions', () => {
    expect(() => F.mseLoss(wg.zeros([2]), wg.zeros([3]))).toThrow(/must be the same as input size/);
    expect(() => F.mseLoss(wg.zeros([2]), wg.zeros([2]), { reduction: 'avg' as never })).toThrow(/reduction must be/);
    expect(() => F.crossEntropy(wg.zeros([2, 3]), wg.tensor(Int32Array.from([0, 1, 2]), [3]))).toThrow(/labels must be \[2\]/);
  });
});

describe('functional normalisation', () => {
  it('batchNorm with running stats updates them in place (identity kept)', () => {
    const rm = wg.zeros([2]), rv = wg.ones([2]);
    const x = wg.tensor([[1, 2], [3, 6]]);
    F.batchNorm(x, rm, rv, { training: true, momentum: 0.5 });
    expectClose(rm, [1, 2], 1e-6);
    expectClose(rv, [0.5 + 0.5 * 2, 0.5 + 0.5 * 8], 1e-6);
  });
  it('normalize', () => {
    expectClose(F.normalize(wg.tensor([[3, 4]]), 1), [0.6, 0.8], 1e-6);
  });
});
