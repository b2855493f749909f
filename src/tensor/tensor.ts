import type { Backend, Storage } from '../kernels/backend.ts';
import { type DType, type Shape, type TypedArray, fmtShape, isFloat, sizeOf, bytesPer } from '../base/dtype.ts';
import { AutogradError, BackendMismatchError } from '../base/errors.ts';
import { isDifferentiable, type Prim, type PrimParams } from '../base/prims.ts';
import { getBackend, isGradEnabled } from './runtime.ts';
import { shapeRules } from './shape.ts';
import { trackInScope } from './scope.ts';
import { checkBackendDtype, checkOneElement, checkTensorArgs } from './validate.ts';

/**
 * A buffer shared by a tensor and its reshaped views; freed when the last holder lets go.
 * `handle` changes only in ensureExclusive (src/tensor/inplace.ts), which gives the views a copy.
 */
export class StorageRef {
  refs = 1;
  constructor(readonly backend: Backend, public handle: Storage, readonly bytes: number) {}
  release(): void {
    if (--this.refs === 0) this.backend.free(this.handle);
  }
}

/** What autograd remembers about how a tensor was made. */
export interface GraphNode {
  prim: Prim;
  params: PrimParams[Prim];
  inputs: Tensor[];
  /** each input's `version` when the op read it; backward refuses an input written since */
  versions: number[];
}

let nextId = 0;

export class Tensor {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Leaf tensors with requiresGrad accumulate `.grad` on backward(). */
  requiresGrad = false;
  grad: Tensor | null = null;
  /** null for leaves; set for results of differentiable ops while grad mode is on. */
  node: GraphNode | null = null;
  /** set once backward() has released this tensor's graph. */
  graphFreed = false;
  /** keep .grad on a non-leaf (like torch's retain_grad) */
  retainsGrad = false;
  /**
   * How many times the values were written in place (torch's `_version`); every in-place write
   * (src/tensor/inplace.ts) adds one and names itself in `lastWrite`.
   */
  version = 0;
  lastWrite: string | null = null;
  private _storage: StorageRef | null;

  constructor(storage: StorageRef, shape: Shape, dtype: DType) {
    this._storage = storage;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    trackInScope(this);
  }

  get size(): number {
    return sizeOf(this.shape);
  }
  get ndim(): number {
    return this.shape.length;
  }
  get isLeaf(): boolean {
    return this.node === null;
  }
  get isDisposed(): boolean {
    return this._storage === null;
  }
  get backend(): Backend {
    return this.storageRef.backend;
  }
  /** @internal */
  get storageRef(): StorageRef {
    if (!this._storage) throw new Error(`Tensor ${fmtShape(this.shape)} (${this.dtype}) was used after dispose()`);
    return this._storage;
  }

  /**
   * @internal The one door for in-place writes (src/tensor/inplace.ts): swap in a new buffer
   * (null: the buffer stays, the kernel wrote it) and count the write. Returns the old buffer.
   */
  _written(by: string, storage: StorageRef | null = this._storage): StorageRef | null {
    const old = this._storage;
    this._storage = storage;
    this.version++;
    this.lastWrite = by;
    return old;
  }

  /** Frees the tensor's buffer (views of it keep it alive). Idempotent. */
  dispose(): void {
    if (this._storage) {
      this._storage.release();
      this._storage = null;
    }
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  /** The elements as a flat typed array (waits for the device). */
  async data(): Promise<TypedArray> {
    const s = this.storageRef;
    return s.backend.read(s.handle, this.dtype, this.size);
  }

  /** Synchronous read; only backends with host memory (CPU) support it. */
  dataSync(): TypedArray {
    const s = this.storageRef;
    if (!s.backend.readSync) throw new Error(`dataSync() is not available on the ${s.backend.name} backend; use await t.data()`);
    return s.backend.readSync(s.handle, this.dtype, this.size);
  }

  async item(): Promise<number> {
    checkOneElement('item', this.shape);
    return (await this.data())[0];
  }

  /** Nested JS arrays (like torch's tolist). */
  async array(): Promise<unknown> {
    const d = Array.from(await this.data());
    const build = (dim: number, off: number): unknown => {
      if (dim === this.shape.length) return d[off];
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, off + i * stride));
    };
    return build(0, 0);
  }

  /** Same storage, no graph. */
  detach(): Tensor {
    const s = this.storageRef;
    s.refs++;
    return new Tensor(s, this.shape, this.dtype);
  }

  /** Mark as a leaf that requires grad (in place, returns this). */
  requiresGrad_(flag = true): this {
    if (flag && !isFloat(this.dtype)) throw new AutogradError(`only floating-point tensors can require grad, got ${this.dtype}`);
    if (!this.isLeaf) throw new AutogradError('requiresGrad_ can only change leaf tensors; use detach() first');
    this.requiresGrad = flag;
    return this;
  }

  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  toString(): string {
    return `Tensor(${fmtShape(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

/**
 * Apply a primitive: run its shape rule, dispatch to the active backend, and record the graph
 * node when any input requires grad. The single entry point for every op.
 */
export function apply<P extends Prim>(prim: P, inputs: Tensor[], params: PrimParams[P]): Tensor {
  const backend = inputs.length ? inputs[0].backend : getBackend();
  checkTensorArgs(prim, inputs, Tensor);
  for (const t of inputs) if (t.backend !== backend) throw new BackendMismatchError(prim, backend.name, t.backend.name);
  const av = shapeRules[prim](inputs.map((t) => ({ shape: t.shape, dtype: t.dtype })), params);
  checkBackendDtype(prim, backend, av.dtype);
  let ref: StorageRef;
  if (prim === 'reshape') {
    ref = inputs[0].storageRef;
    ref.refs++;
  } else {
    const infos = inputs.map((t) => ({ storage: t.storageRef.handle, shape: t.shape, dtype: t.dtype }));
    const handle = backend.run(prim, infos, params, av);
    ref = new StorageRef(backend, handle, sizeOf(av.shape) * bytesPer(av.dtype));
  }
  const out = new Tensor(ref, av.shape, av.dtype);
  if (isGradEnabled() && isFloat(av.dtype) && isDifferentiable(prim) && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { prim, params, inputs, versions: inputs.map((t) => t.version) };
  }
  return out;
}

/** Make a tensor from host data on the active backend. */
export function fromData(data: TypedArray, shape: Shape, dtype: DType): Tensor {
  const backend = getBackend();
  checkBackendDtype('tensor', backend, dtype);
  const handle = backend.upload(data, dtype);
  return new Tensor(new StorageRef(backend, handle, data.length * bytesPer(dtype)), shape, dtype);
}
