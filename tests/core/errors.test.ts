/**
 * Bad calls and the exact error each must raise: ShapeErrors name the op, the argument and the
 * shapes. Shape rules run in the front end, so the table runs on every backend.
 */
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.ts';
import { AutogradError, ShapeError } from '../../src/index.ts';
import { testBackends } from '../helpers/backends.ts';

const F = wg.nn.F;

const z = (...shape: number[]) => wg.zeros(shape);
const i32 = (...v: number[]) => wg.tensor(Int32Array.from(v), [v.length], { dtype: 'int32' });

type Row = [call: string, fn: () => unknown, cls: new (...a: any[]) => Error, message: string | RegExp];

const TABLE: Row[] = [
  // convolution
  ['conv2d channel mismatch', () => wg.conv2d(z(8, 3, 28, 28), z(16, 4, 3, 3)), ShapeError,
    'conv2d: input has 3 channels but weight expects 4 (input [8,3,28,28], weight [16,4,3,3])'],
  ['conv2d channel mismatch with groups', () => wg.conv2d(z(1, 4, 5, 5), z(6, 1, 3, 3), null, { groups: 2 }), ShapeError,
    'conv2d: input has 4 channels but weight expects 2 (input [1,4,5,5], weight [6,1,3,3], groups 2)'],
  ['conv2d 3-D input', () => wg.conv2d(z(3, 28, 28), z(16, 3, 3, 3)), ShapeError, 'conv2d: input must be 4-D, got [3,28,28]'],
  ['conv2d NaN stride', () => wg.conv2d(z(1, 1, 5, 5), z(1, 1, 3, 3), null, { stride: NaN }), ShapeError, 'conv2d: stride must be an integer >= 1, got NaN'],
  ['conv2d non-integer padding', () => wg.conv2d(z(1, 1, 5, 5), z(1, 1, 3, 3), null, { padding: 1.5 }), ShapeError, 'conv2d: padding must be an integer >= 0, got 1.5'],
  ['conv2d negative padding pair', () => wg.conv2d(z(1, 1, 5, 5), z(1, 1, 3, 3), null, { padding: [1, -1] }), ShapeError, 'conv2d: padding must be an integer >= 0, got -1'],
  ['conv2d zero dilation', () => wg.conv2d(z(1, 1, 5, 5), z(1, 1, 3, 3), null, { dilation: 0 }), ShapeError, 'conv2d: dilation must be an integer >= 1, got 0'],
  ['conv2d groups not dividing out channels', () => wg.conv2d(z(1, 4, 5, 5), z(5, 2, 3, 3), null, { groups: 2 }), ShapeError,
    'conv2d: out channels 5 not divisible by groups 2 (weight [5,2,3,3])'],
  ['conv2d kernel larger than input', () => wg.conv2d(z(1, 1, 2, 2), z(1, 1, 3, 3)), ShapeError, /conv2d: kernel 3x3 .*larger than the padded input \[1,1,2,2\]/],
  ['conv2d bias shape', () => wg.conv2d(z(1, 3, 5, 5), z(16, 3, 3, 3), z(3)), ShapeError, 'conv2d: bias must be [16], got [3]'],
  // options passed where the bias goes (a JavaScript caller): named, not a TypeError from deep inside
  ['conv2d options in the bias slot', () => wg.conv2d(z(1, 3, 5, 5), z(16, 3, 3, 3), { stride: 2 } as never), ShapeError,
    'conv2d: bias (third argument) must be a Tensor or null, got an object; options go in the fourth: conv2d(x, w, null, { stride, padding })'],
  ['convTranspose2d options in the bias slot', () => wg.convTranspose2d(z(1, 3, 5, 5), z(3, 2, 4, 4), { stride: 2, padding: 1 } as never), ShapeError,
    /^convTranspose2d: bias \(third argument\) must be a Tensor or null, got an object/],
  ['linear number as bias', () => wg.linear(z(2, 3), z(4, 3), 1 as never), ShapeError, /^linear: bias \(third argument\) must be a Tensor or null, got number; options go in the fourth: linear\(x, w, null, \{ activation \}\)/],
  ['conv2d dtype mismatch', () => wg.conv2d(z(1, 1, 5, 5), wg.zeros([1, 1, 3, 3], { dtype: 'int32' })), ShapeError, 'conv2d: dtype mismatch: float32 vs int32'],
  ['convTranspose2d channel mismatch', () => wg.convTranspose2d(z(2, 3, 4, 4), z(4, 2, 3, 3)), ShapeError,
    'convTranspose2d: input has 3 channels but weight expects 4 (input [2,3,4,4], weight [4,2,3,3])'],
  ['convTranspose2d outputPadding ≥ stride', () => wg.convTranspose2d(z(1, 2, 4, 4), z(2, 2, 3, 3), null, { stride: 2, outputPadding: 2 }), ShapeError,
    'convTranspose2d: outputPadding 2,2 must be smaller than stride 2,2 or dilation 1,1'],
  ['conv2dWeightGrad wrong gradOutput size', () => wg.conv2dWeightGrad(z(1, 2, 5, 5), z(1, 3, 4, 4), 3), ShapeError,
    'conv2dWeightGrad: gradOutput [1,3,4,4] does not match the conv output 3x3 of input [1,2,5,5]'],
  ['avgPool2d 3-D input', () => wg.avgPool2d(z(3, 8, 8), 2), ShapeError, 'avgPool2d: input must be [N,C,H,W], got [3,8,8]'],
  ['maxPool2d padding over half the kernel', () => wg.maxPool2d(z(1, 1, 8, 8), 2, 2, 2), ShapeError, 'maxPool2d: padding 2,2 must be at most half the kernel 2,2'],
  ['maxPool2d kernel 0', () => wg.maxPool2d(z(1, 1, 8, 8), 0), ShapeError, 'maxPool2d: kernel must be an integer >= 1, got 0'],
  // linear algebra
  ['matmul inner mismatch', () => wg.matmul(z(2, 3), z(4, 5)), ShapeError, 'matmul: inner dimensions differ: 3 vs 4 (a [2,3], b [4,5])'],
  ['matmul batch broadcast failure', () => wg.matmul(z(2, 3, 4), z(3, 4, 5)), ShapeError, 'matmul: shapes [2] and [3] cannot be broadcast together (dim 0: 2 vs 3)'],
  ['matmul 0-D operand', () => wg.matmul(wg.scalar(1), z(3)), ShapeError, 'matmul: operands must be at least 1-D, got [] and [3]'],
  ['linear weight mismatch', () => wg.linear(z(5, 3), z(4, 2)), ShapeError, 'matmul: inner dimensions differ: 3 vs 2 (a [5,3], b [4,2]ᵀ)'],
  // elementwise
  ['broadcast failure', () => wg.add(z(2, 3), z(4)), ShapeError, 'add: shapes [2,3] and [4] cannot be broadcast together (dim 1: 3 vs 4)'],
  ['dtype mismatch', () => wg.mul(z(2), wg.zeros([2], { dtype: 'int32' })), ShapeError, 'mul: dtype mismatch: float32 vs int32'],
  ['where branch dtype mismatch', () => wg.where(z(2), z(2), wg.zeros([2], { dtype: 'int32' })), ShapeError, 'where: dtype mismatch: float32 vs int32'],
  ['log of int32', () => wg.log(i32(1, 2)), ShapeError, 'log: needs a floating-point input, got int32'],
  ['clamp NaN bound', () => wg.clamp(z(2), NaN), ShapeError, 'clamp: bounds must not be NaN (min NaN, max undefined)'],
  ['add of two numbers', () => wg.add(1 as never, 2 as never), ShapeError, 'add: needs at least one Tensor argument'],
  // creation
  ['zeros negative size', () => wg.zeros([-1]), ShapeError, 'zeros: shape [-1] has an invalid size -1'],
  ['ones fractional size', () => wg.ones([2, 1.5]), ShapeError, 'ones: shape [2,1.5] has an invalid size 1.5'],
  ['tensor ragged', () => wg.tensor([[1, 2], [3]]), ShapeError, 'tensor: ragged nested array: expected 2 items at depth 1, got 1'],
  ['tensor data vs shape', () => wg.tensor([1, 2, 3], [2, 2]), ShapeError, 'tensor: 3 values do not fill shape [2,2]'],
  ['arange step 0', () => wg.arange(0, 5, 0), ShapeError, 'arange: step must be non-zero'],
  ['randint low ≥ high', () => wg.randint(3, 3, [2]), ShapeError, 'randint: needs integers low < high, got 3, 3'],
  ['rand negative size', () => wg.rand([2, -3]), ShapeError, 'rand: shape [2,-3] has an invalid size -3'],
  // movement
  ['reshape size mismatch', () => wg.reshape(z(2, 3), [4, 2]), ShapeError, 'reshape: cannot reshape [2,3] (6 elements) to [4,2] (8 elements)'],
  ['reshape -1 not dividing', () => wg.reshape(z(2, 3), [4, -1]), ShapeError, 'reshape: cannot reshape [2,3] (6 elements) to [4,-1]'],
  ['reshape two -1', () => wg.reshape(z(2, 3), [-1, -1]), ShapeError, 'reshape: only one dimension can be -1, got [-1,-1]'],
  ['permute wrong length', () => wg.permute(z(2, 3, 4), [0, 1]), ShapeError, 'permute: perm [0,1] has 2 axes but input [2,3,4] has 3'],
  ['permute repeated axis', () => wg.permute(z(2, 3, 4), [0, 0, 1]), ShapeError, 'permute: axis 0 repeated in [0,0,1]'],
  ['permute axis out of range', () => wg.permute(z(2, 3), [0, 2]), ShapeError, 'permute: axis 2 is out of range for a tensor of rank 2'],
  ['transpose axis out of range', () => wg.transpose(z(2, 3), 0, 3), ShapeError, 'transpose: axis 3 is out of range for a tensor of rank 2'],
  ['expand incompatible', () => wg.expand(z(3, 2), [3, 4]), ShapeError, 'expand: cannot expand [3,2] to [3,4] (dim 1: 2 vs 4)'],
  ['expand to fewer dims', () => wg.expand(z(2, 1, 3), [2, 3]), ShapeError, 'expand: cannot expand [2,1,3] to fewer dims [2,3]'],
  ['slice index out of range', () => wg.slice(z(3, 4), [5]), ShapeError, 'slice: index 5 is out of range for dim 0 of size 3 (input [3,4])'],
  ['slice negative index out of range', () => wg.slice(z(3, 4), [null, -5]), ShapeError, 'slice: index -5 is out of range for dim 1 of size 4 (input [3,4])'],
  ['slice too many specs', () => wg.slice(z(3), [null, null]), ShapeError, 'slice: 2 slices for a tensor of rank 1 [3]'],
  ['slice negative step', () => wg.slice(z(3), [[2, 0, -1]]), ShapeError, 'slice: step must be a positive integer, got -1'],
  ['slice fractional bound', () => wg.slice(z(3), [[0.5, 2]]), ShapeError, 'slice: bounds must be integers, got 0.5'],
  ['narrow past the end', () => wg.narrow(z(3, 4), 1, 2, 3), ShapeError, 'narrow: start 2 + length 3 exceeds dim 1 of size 4 (input [3,4])'],
  ['pad non-integer', () => wg.pad(z(2, 3), [1.5, 0]), ShapeError, 'pad: padding must be an integer >= 0, got 1.5'],
  ['pad odd list', () => wg.pad(z(2, 3), [1, 1, 1]), ShapeError, 'pad: pads must hold (before, after) pairs for at most 2 dims, got [1,1,1]'],
  ['concat mismatch', () => wg.concat([z(2, 3), z(2, 4)], 0), ShapeError, 'concat: shapes [2,3], [2,4] differ outside axis 0'],
  ['concat rank mismatch', () => wg.concat([z(2, 3), z(3)], 1), ShapeError, 'concat: shapes [2,3], [3] differ outside axis 1'],
  ['concat dtype mismatch', () => wg.concat([z(2), wg.zeros([2], { dtype: 'int32' })]), ShapeError, 'concat: dtype mismatch: float32 vs int32'],
  ['concat empty list', () => wg.concat([]), ShapeError, 'concat: needs a non-empty array of tensors'],
  ['stack shape mismatch', () => wg.stack([z(2, 3), z(3, 2)]), ShapeError, 'stack: all tensors must have the same shape, got [2,3], [3,2]'],
  ['flatten end before start', () => wg.flatten(z(2, 3, 4), 2, 1), ShapeError, 'flatten: endDim 1 comes before startDim 2 for [2,3,4]'],
  ['unsqueeze out of range', () => wg.unsqueeze(z(2, 3), 4), ShapeError, 'unsqueeze: dim 4 is out of range for a tensor of rank 3'],
  ['sum axis out of range', () => wg.sum(z(2, 3), 2), ShapeError, 'sum: axis 2 is out of range for a tensor of rank 2'],
  ['max over empty axis', () => wg.max(z(2, 0), 1), ShapeError, 'max: cannot reduce over the empty axis 1 of [2,0]'],
  ['argmax over empty axis', () => wg.argmax(z(0, 3), 0), ShapeError, 'argmax: cannot take argmax over the empty axis 0 of [0,3]'],
  ['softmax axis out of range', () => wg.softmax(z(2, 3), 2), ShapeError, 'softmax: axis 2 is out of range for a tensor of rank 2'],
  ['oneHot of float labels', () => wg.oneHot(wg.tensor([0, 1]), 3), ShapeError, 'oneHot: labels must be int32, got float32'],
  ['oneHot zero classes', () => wg.oneHot(i32(0), 0), ShapeError, 'oneHot: numClasses must be an integer >= 1, got 0'],
  ['indexSelect float index', () => wg.indexSelect(z(3, 2), 0, wg.tensor([0, 1])), ShapeError, 'indexSelect: index must be an int32 Tensor, got float32 [2]'],
  ['indexSelect dim out of range', () => wg.indexSelect(z(3, 2), 2, i32(0)), ShapeError, 'indexSelect: dim 2 is out of range for a tensor of rank 2'],
  ['item of a vector', () => wg.tensor([1, 2]).item(), ShapeError, 'item: needs a tensor with one element, got [2]'],
  ['assign_ of another shape', () => wg.nn.assign_(z(2, 3), z(3, 2)), ShapeError, 'assign_: cannot write a [3,2] float32 tensor into a [2,3] float32 tensor'],
  // activations (checked before the fusion decision: one message, fused or not)
  ['linear unknown activation', () => wg.linear(z(2, 3), z(4, 3), z(4), { activation: 'gelu' as never }), ShapeError,
    'linear: activation must be one of none, relu, leakyRelu, tanh, sigmoid, got gelu'],
  ['conv2d unknown activation', () => wg.conv2d(z(1, 1, 3, 3), z(1, 1, 3, 3), null, { activation: 'swish' as never }), ShapeError,
    'conv2d: activation must be one of none, relu, leakyRelu, tanh, sigmoid, got swish'],
  ['leakyRelu infinite slope', () => wg.leakyRelu(z(2), Infinity), ShapeError, 'leakyRelu: negativeSlope must be finite, got Infinity'],
  // nn: functional and layers
  ['F.layerNorm trailing dims', () => F.layerNorm(z(2, 3), [2]), ShapeError, 'layerNorm: normalizedShape [2] does not match the trailing dims of input [2,3]'],
  ['F.crossEntropy 1-D logits', () => F.crossEntropy(z(3), i32(0)), ShapeError, 'crossEntropy: logits must be [N,C], got [3]'],
  ['F.crossEntropy labels size', () => F.crossEntropy(z(2, 3), i32(0, 1, 2)), ShapeError, 'crossEntropy: int32 labels must be [2] for logits [2,3], got [3]'],
  ['F.crossEntropy probabilities shape', () => F.crossEntropy(z(2, 3), z(2, 2)), ShapeError, 'crossEntropy: target size [2,2] must be the same as logits size [2,3]'],
  ['F.nllLoss 1-D logProbs', () => F.nllLoss(z(3), i32(0)), ShapeError, 'nllLoss: logProbs must be [N,C], got [3]'],
  ['F.nllLoss float labels', () => F.nllLoss(z(2, 3), z(2)), ShapeError, 'nllLoss: labels must be int32, got float32'],
  ['F.nllLoss labels size', () => F.nllLoss(z(2, 3), i32(0)), ShapeError, 'nllLoss: int32 labels must be [2] for logProbs [2,3], got [1]'],
  ['F.l1Loss target shape', () => F.l1Loss(z(2), z(3)), ShapeError, 'l1Loss: target size [3] must be the same as input size [2]'],
  ['Conv2d groups', () => new wg.nn.Conv2d(3, 4, 3, { groups: 2 }), ShapeError, 'Conv2d: inChannels 3 and outChannels 4 must be divisible by groups 2'],
  ['ConvTranspose2d groups', () => new wg.nn.ConvTranspose2d(4, 3, 3, { groups: 2 }), ShapeError, 'ConvTranspose2d: inChannels 4 and outChannels 3 must be divisible by groups 2'],
  ['BatchNorm2d 3-D input', () => new wg.nn.BatchNorm2d(3).call(z(2, 3, 4)), ShapeError, 'BatchNorm2d: expected 4D input, got [2,3,4]'],
  ['BatchNorm1d channels', () => new wg.nn.BatchNorm1d(3, { affine: false, trackRunningStats: false }).call(z(2, 4)), ShapeError, 'BatchNorm1d: expected 3 channels (axis 1), got [2,4]'],
  ['Embedding float indices', () => new wg.nn.Embedding(4, 2).call(z(3)), ShapeError, 'Embedding: indices must be int32, got float32'],
  ['MinibatchStdDev 2-D input', () => new wg.nn.MinibatchStdDev().call(z(2, 3)), ShapeError, 'MinibatchStdDev: input must be [N,C,H,W], got [2,3]'],
  ['MinibatchStdDev group size', () => new wg.nn.MinibatchStdDev(4).call(z(6, 1, 2, 2)), ShapeError, 'MinibatchStdDev: batch size 6 must be divisible by the group size 4'],
  ['init fan of a vector', () => wg.nn.init.calculateFanInAndFanOut(z(3)), ShapeError, 'init: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions, got [3]'],
  // autograd and lifetimes
  ['requiresGrad on int32', () => wg.arange(3).requiresGrad_(), AutogradError, 'only floating-point tensors can require grad, got int32'],
  ['use after dispose', () => { const t = z(2); t.dispose(); return wg.add(t, 1); }, Error, 'Tensor [2] (float32) was used after dispose()'],
  ['tidy of an async function', () => wg.tidy((async () => z(1)) as never), Error, 'tidy(fn): fn must be synchronous (it returned a Promise)'],
  ['manualSeed negative', () => wg.manualSeed(-1), RangeError, 'manualSeed: seed must be a non-negative safe integer, got -1'],
  ['setRngState garbage', () => wg.setRngState({ seed: [1], offset: 0 } as never), RangeError, /setRngState: invalid state/],
];

const backends = await testBackends();

describe.each(backends)('bad calls on $name', ({ make }) => {
  test.each(TABLE)('%s', async (_name, fn, cls, message) => {
    wg.setBackend(await make());
    let caught: unknown = null;
    try {
      const r = fn();
      if (r instanceof Promise) await r;
    } catch (e) {
      caught = e;
    }
    expect(caught, 'must throw').toBeInstanceOf(cls);
    const msg = (caught as Error).message;
    if (typeof message === 'string') expect(msg).toBe(message);
    else expect(msg).toMatch(message);
  });
});

describe('errors the CPU kernels raise', () => {
  test('indexSelect with an out-of-range index', () => {
    wg.setBackend(new wg.CpuBackend());
    expect(() => wg.indexSelect(z(3, 2), 0, i32(0, 3))).toThrow(/index 3 is out of range for axis 0 of size 3/);
  });
  test('tensors on two different backends', () => {
    const a = wg.tidy(() => { wg.setBackend(new wg.CpuBackend()); return z(2); });
    wg.setBackend(new wg.CpuBackend());
    expect(() => wg.add(a, z(2))).toThrow(wg.BackendMismatchError);
    expect(() => wg.add(a, z(2))).toThrow('add: tensors live on different backends (cpu and cpu)');
    expect(() => wg.nn.assign_(a, z(2))).toThrow(wg.BackendMismatchError);
  });
});
