import { arrayFor, bytesPer, isFloat } from '../tensor/dtype.ts';
import { AutogradError, ShapeError } from '../tensor/errors.ts';
import { fmtShape } from '../tensor/dtype.ts';
import { noGrad } from '../tensor/runtime.ts';
import { keep } from '../tensor/scope.ts';
import { StorageRef, Tensor, apply } from '../tensor/tensor.ts';

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

/** Tensor's storage slot. Tensor keeps it private; the in-place helpers below are its only other users. */
interface StorageSlot { _storage: StorageRef | null }

/**
 * dst ← src by moving src's buffer into dst, O(1): dst keeps its identity (its autograd leaf
 * status, its .grad, its place in every Module and Optimizer) and sees src's values; src is
 * left disposed. This is how every "in-place" nn operation (init_, optimizer steps, running
 * statistics, loadStateDict) writes: compute a new tensor, then move it in.
 *
 * Caveat (as with PyTorch's in-place ops): a graph recorded before the move still refers to
 * the tensor object, so a backward through it would read the new values. Call it between
 * steps, not between forward and backward.
 */
export function assign_(dst: Tensor, src: Tensor): Tensor {
  if (dst === src) return dst;
  if (dst.dtype !== src.dtype || dst.shape.length !== src.shape.length || dst.shape.some((d, i) => d !== src.shape[i])) {
    throw new ShapeError('assign_', `cannot write a ${fmtShape(src.shape)} ${src.dtype} tensor into a ${fmtShape(dst.shape)} ${dst.dtype} tensor`);
  }
  if (src.backend !== dst.backend) throw new ShapeError('assign_', `tensors live on different backends (${dst.backend.name} and ${src.backend.name})`);
  const s = src as unknown as StorageSlot, d = dst as unknown as StorageSlot;
  const ref = s._storage!;
  s._storage = null;
  d._storage?.release();
  d._storage = ref;
  src.dispose();
  return dst;
}

/** A fresh buffer with x's values and dtype (no graph). */
export function copyOf(x: Tensor, dtype = x.dtype): Tensor {
  return noGrad(() => apply('cast', [x], { dtype }));
}

/**
 * Make t the only holder of its buffer (copy-on-write) so that a kernel may write it in place
 * without changing what a view, detach() or stateDict() snapshot of it sees.
 */
export function ensureExclusive(t: Tensor): Tensor {
  if (t.storageRef.refs > 1) assign_(t, copyOf(t));
  return t;
}

/**
 * A fresh copy of x's values with like's dtype on like's backend. Crossing backends reads x
 * synchronously, so the source must be on a backend with host memory (CPU).
 */
export function copyLike(x: Tensor, like: Tensor): Tensor {
  if (x.backend === like.backend) return copyOf(x, like.dtype);
  if (!x.backend.readSync) throw new ShapeError('copy', `cannot copy synchronously from the ${x.backend.name} backend to ${like.backend.name}; await data() and make a tensor first`);
  const src = x.dataSync();
  const arr = arrayFor(like.dtype, src.length);
  for (let i = 0; i < src.length; i++) arr[i] = src[i];
  const handle = like.backend.upload(arr, like.dtype);
  return new Tensor(new StorageRef(like.backend, handle, arr.length * bytesPer(like.dtype)), x.shape, like.dtype);
}
