import { Tensor } from '../tensor/tensor.ts';
import { backward } from './engine.ts';

/** `t.backward()`, added to Tensor by the autograd layer (the tensor layer does not import autograd). */
declare module '../tensor/tensor.ts' {
  interface Tensor {
    backward(gradient?: Tensor, opts?: { retainGraph?: boolean; createGraph?: boolean }): void;
  }
}

Tensor.prototype.backward = function (this: Tensor, gradient?: Tensor, opts?: { retainGraph?: boolean; createGraph?: boolean }) {
  backward(this, gradient, opts);
};
