import type { DType, Shape } from '../base/dtype.ts';
import * as op from './ops.ts';
import type { Axes, ConvOpts, SliceSpec, TensorLike } from './ops.ts';
import { Tensor } from './tensor.ts';

/** PyTorch-style methods on Tensor, each a one-line call of the functional op (backward() is added by src/autograd/methods.ts). */
declare module './tensor.ts' {
  interface Tensor {
    add(b: TensorLike): Tensor; sub(b: TensorLike): Tensor; mul(b: TensorLike): Tensor; div(b: TensorLike): Tensor;
    pow(b: TensorLike): Tensor; maximum(b: TensorLike): Tensor; minimum(b: TensorLike): Tensor;
    eq(b: TensorLike): Tensor; ne(b: TensorLike): Tensor; lt(b: TensorLike): Tensor; le(b: TensorLike): Tensor;
    gt(b: TensorLike): Tensor; ge(b: TensorLike): Tensor;
    neg(): Tensor; abs(): Tensor; sign(): Tensor; exp(): Tensor; log(): Tensor; sqrt(): Tensor; rsqrt(): Tensor;
    square(): Tensor; sin(): Tensor; cos(): Tensor; tanh(): Tensor; sigmoid(): Tensor; relu(): Tensor; floor(): Tensor;
    leakyRelu(slope?: number): Tensor; softplus(): Tensor; clamp(min?: number, max?: number): Tensor;
    sum(axes?: Axes, keepdim?: boolean): Tensor; mean(axes?: Axes, keepdim?: boolean): Tensor;
    max(axes?: Axes, keepdim?: boolean): Tensor; min(axes?: Axes, keepdim?: boolean): Tensor;
    argmax(axis?: number, keepdim?: boolean): Tensor; var(axes?: Axes, keepdim?: boolean, correction?: number): Tensor;
    std(axes?: Axes, keepdim?: boolean, correction?: number): Tensor; logsumexp(axes?: Axes, keepdim?: boolean): Tensor;
    softmax(axis?: number): Tensor; logSoftmax(axis?: number): Tensor;
    reshape(shape: Shape): Tensor; view(shape: Shape): Tensor; flatten(start?: number, end?: number): Tensor;
    permute(perm: number[]): Tensor; transpose(d0?: number, d1?: number): Tensor; t(): Tensor;
    expand(shape: Shape): Tensor; squeeze(dim?: number | number[]): Tensor; unsqueeze(dim: number): Tensor;
    slice(specs: SliceSpec[]): Tensor; narrow(dim: number, start: number, length: number): Tensor;
    flip(dims: number | number[]): Tensor; indexSelect(dim: number, index: Tensor): Tensor;
    matmul(b: Tensor): Tensor; cast(dtype: DType): Tensor;
    conv2d(w: Tensor, b?: Tensor | null, opts?: ConvOpts): Tensor;
  }
}

const P = Tensor.prototype;
for (const name of ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const) {
  P[name] = function (this: Tensor, b: TensorLike) { return op[name](this, b); };
}
for (const name of ['neg', 'abs', 'sign', 'exp', 'log', 'sqrt', 'rsqrt', 'square', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'floor', 'softplus'] as const) {
  P[name] = function (this: Tensor) { return op[name](this); };
}
P.leakyRelu = function (s) { return op.leakyRelu(this, s); };
P.clamp = function (lo, hi) { return op.clamp(this, lo, hi); };
P.sum = function (a, k) { return op.sum(this, a, k); };
P.mean = function (a, k) { return op.mean(this, a, k); };
P.max = function (a, k) { return op.max(this, a, k); };
P.min = function (a, k) { return op.min(this, a, k); };
P.argmax = function (a, k) { return op.argmax(this, a, k); };
P.var = function (a, k, c) { return op.variance(this, a, k, c); };
P.std = function (a, k, c) { return op.std(this, a, k, c); };
P.logsumexp = function (a, k) { return op.logsumexp(this, a, k); };
P.softmax = function (a) { return op.softmax(this, a); };
P.logSoftmax = function (a) { return op.logSoftmax(this, a); };
P.reshape = function (s) { return op.reshape(this, s); };
P.view = function (s) { return op.reshape(this, s); };
P.flatten = function (s, e) { return op.flatten(this, s, e); };
P.permute = function (p) { return op.permute(this, p); };
P.transpose = function (a, b) { return op.transpose(this, a, b); };
P.t = function () { return op.transpose(this, 0, 1); };
P.expand = function (s) { return op.expand(this, s); };
P.squeeze = function (d) { return op.squeeze(this, d); };
P.unsqueeze = function (d) { return op.unsqueeze(this, d); };
P.slice = function (s) { return op.slice(this, s); };
P.narrow = function (d, s, l) { return op.narrow(this, d, s, l); };
P.flip = function (d) { return op.flip(this, d); };
P.indexSelect = function (d, i) { return op.indexSelect(this, d, i); };
P.matmul = function (b) { return op.matmul(this, b); };
P.cast = function (d) { return op.cast(this, d); };
P.conv2d = function (w, b, o) { return op.conv2d(this, w, b, o); };

