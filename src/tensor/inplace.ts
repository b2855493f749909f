import type { AdamHyper } from '../kernels/backend.ts';
import { arrayFor, bytesPer } from '../base/dtype.ts';
import { BackendMismatchError } from '../base/errors.ts';
import { noGrad } from './runtime.ts';
import { StorageRef, Tensor, apply } from './tensor.ts';
import { checkAssign } from './validate.ts';

/**
 * In-place writes: the only code that changes a tensor's values after it was made. Each one
 * counts the write in the tensor's `version` (Tensor._written); backward refuses to use a tensor
 * whose version changed after a recorded op read it (src/autograd/engine.ts), as PyTorch does.
 */

function sameBackend(op: string, a: Tensor, b: Tensor): void {
  if (a.backend !== b.backend) throw new BackendMismatchError(op, a.backend.name, b.backend.name);
}

/**
 * dst ← src by moving src's buffer into dst, O(1): dst keeps its identity (its autograd leaf
 * status, its .grad, its place in every Module and Optimizer) and sees src's values; src is
 * left disposed. This is how every "in-place" nn operation (init_, optimizer steps, running
 * statistics, loadStateDict) writes: compute a new tensor, then move it in. A graph recorded
 * before the move that reads dst can no longer be backpropagated (its version changed).
 * While wg.jit traces a call (src/tensor/jit.ts) the values are written into dst's buffer
 * instead, so that a replayed step finds its state where the traced one left it.
 */
export function assign_(dst: Tensor, src: Tensor, by = 'assign_'): Tensor {
  if (dst === src) return dst;
  checkAssign('assign_', dst, src);
  sameBackend('assign_', dst, src);
  const b = dst.backend;
  if (b.traceOps?.recording() && b.fused?.writeInto && dst.storageRef !== src.storageRef) {
    // while wg.jit traces a call, state keeps its buffer (a replay then updates it where it is)
    ensureExclusive(dst);
    const info = (t: Tensor) => ({ storage: t.storageRef.handle, shape: t.shape, dtype: t.dtype });
    b.fused.writeInto(info(dst), info(src), src.storageRef.refs > 1);
    dst._written(by);
    src.dispose();
    return dst;
  }
  const moved = src._written('disposed by assign_', null);
  dst._written(by, moved)?.release();
  src.dispose();
  return dst;
}

/** A fresh buffer with x's values and dtype (no graph). */
export function copyOf(x: Tensor, dtype = x.dtype): Tensor {
  return noGrad(() => apply('cast', [x], { dtype }));
}

/**
 * Make t the only holder of its buffer (copy-on-write) so that a kernel may write it in place
 * without changing what a view, detach() or stateDict() snapshot of it sees. The other holders
 * get the copy and t keeps its buffer: a parameter stays where it is while the autograd graph of
 * its step still holds a view of it (a traced step, src/tensor/jit.ts, relies on that).
 */
export function ensureExclusive(t: Tensor): Tensor {
  const shared = t.storageRef;
  if (shared.refs === 1) return t;
  const mine = copyOf(t)._written('ensureExclusive', null)!; // the copy's storage, refs 1
  const h = shared.handle;
  shared.handle = mine.handle; // the views read the copy
  mine.handle = h;
  shared.refs--; // t lets go of it…
  t._written('ensureExclusive', mine); // …and holds its own buffer alone
  return t;
}

/**
 * A fresh copy of x's values with like's dtype on like's backend. Crossing backends reads x
 * synchronously, so the source must be on a backend with host memory (CPU).
 */
export function copyLike(x: Tensor, like: Tensor): Tensor {
  if (x.backend === like.backend) return copyOf(x, like.dtype);
  if (!x.backend.readSync) throw new BackendMismatchError('copy', x.backend.name, like.backend.name, 'a synchronous copy needs a source backend with host memory; await data() and make a tensor first');
  const src = x.dataSync();
  const arr = arrayFor(like.dtype, src.length);
  for (let i = 0; i < src.length; i++) arr[i] = src[i];
  const handle = like.backend.upload(arr, like.dtype);
  return new Tensor(new StorageRef(like.backend, handle, arr.length * bytesPer(like.dtype)), x.shape, like.dtype);
}

/**
 * One Adam/AdamW step in place on p, m, v through the backend's fused kernel (Backend.fused,
 * the rules in src/nn/optim.ts). Returns false, writing nothing, where the backend has none or
 * the dtypes are not float32; the caller then composes the step from ops.
 */
export function adamUpdate_(p: Tensor, g: Tensor, m: Tensor, v: Tensor, h: AdamHyper): boolean {
  const kernel = p.backend.fused?.adamUpdate;
  if (!kernel || [p, g, m, v].some((t) => t.dtype !== 'float32')) return false;
  for (const t of [g, m, v]) sameBackend('adamUpdate_', p, t);
  for (const t of [p, m, v]) ensureExclusive(t);
  const info = (t: Tensor) => ({ storage: t.storageRef.handle, shape: t.shape, dtype: t.dtype });
  kernel.call(p.backend.fused, info(p), info(g), info(m), info(v), h);
  for (const t of [p, m, v]) t._written('adamUpdate_');
  return true;
}
