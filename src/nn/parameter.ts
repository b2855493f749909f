import { isFloat } from '../base/dtype.ts';
import { AutogradError } from '../base/errors.ts';
import { keep } from '../tensor/scope.ts';
import { Tensor } from '../tensor/tensor.ts';

/**
 * A Parameter is a leaf Tensor with requiresGrad that a Module owns (like torch.nn.Parameter).
 * `new Parameter(data)` takes over data's buffer: `data` is left disposed (a move, so that no
 * second handle can keep the buffer alive). Parameters are never freed by tidy(); a Module's
 * `dispose()` frees them.
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) throw new TypeError(`Parameter: expected a Tensor, got ${typeof data}`);
    if (requiresGrad && !isFloat(data.dtype)) throw new AutogradError(`Parameter: only floating-point tensors can require grad, got ${data.dtype}`);
    const ref = data.storageRef;
    ref.refs++;
    super(ref, data.shape, data.dtype);
    data.dispose();
    keep(this);
    this.requiresGrad = requiresGrad;
  }
}

// the in-place writes live with the tensor (they count versions for autograd); nn re-exports them
export { assign_, copyLike, copyOf, ensureExclusive } from '../tensor/inplace.ts';
