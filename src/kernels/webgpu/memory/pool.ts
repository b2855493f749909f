/**
 * Storage buffers by size class, reused across tensors.
 *
 * Classes: 16 bytes minimum, then the values 2^e and 1.5·2^e (at most 33% slack).
 *
 * Reuse invariant: a buffer released by `free` may still be read or written by commands that are
 * recorded in the current (unsubmitted) command encoder. An upload (queue.writeBuffer) into it
 * would run on the queue *before* those commands. So released buffers wait in `pending` and join
 * the free lists only at the next submit (`afterSubmit`); everything on the queue after that
 * submit is ordered after the commands that used them.
 */
export interface GBuf {
  buffer: GPUBuffer;
  /** bytes the tensor asked for (the buffer may be larger) */
  bytes: number;
  /** the size class (= buffer.size) */
  cls: number;
}

export function sizeClass(bytes: number): number {
  if (bytes <= 16) return 16;
  const e = Math.ceil(Math.log2(bytes));
  const lo = 2 ** (e - 1);
  return bytes <= lo * 1.5 ? lo * 1.5 : 2 ** e;
}

/**
 * What the pool saw while a call was traced (trace.ts): the buffers handed out, in order, and
 * those released, which are held (not reused) until the trace is settled, so that within one
 * traced call every buffer holds one value and a replay may reuse them as planned.
 */
export interface PoolCapture { allocs: GBuf[]; released: GBuf[] }

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private pending: GBuf[] = [];
  /** set while a call is traced */
  capture: PoolCapture | null = null;
  /**
   * Buffers a compiled step (trace.ts) owns: a release only ends the tensor's hold (the step
   * keeps writing them); `releasedClaimed` lists those whose tensors are gone.
   */
  private claimed = new Set<GPUBuffer>();
  readonly releasedClaimed = new Set<GPUBuffer>();
  liveBytes = 0;
  liveBuffers = 0;
  pooledBytes = 0;
  pooledBuffers = 0;

  constructor(
    private device: GPUDevice,
    /** the largest buffer one binding may see (maxStorageBufferBindingSize) */
    private maxBinding: number,
    /** pooled bytes above this are destroyed instead of kept */
    private maxPooled = 512 * 2 ** 20,
  ) {}

  alloc(bytes: number, what = 'tensor'): GBuf {
    if (bytes > this.maxBinding) {
      throw new RangeError(`WebGPU: a ${what} of ${bytes} bytes exceeds this device's maxStorageBufferBindingSize (${this.maxBinding} bytes)`);
    }
    let cls = sizeClass(bytes);
    if (cls > this.maxBinding) cls = Math.ceil(bytes / 16) * 16;
    const list = this.free.get(cls);
    let buffer = list?.pop();
    if (buffer) {
      this.pooledBytes -= cls;
      this.pooledBuffers--;
    } else {
      buffer = this.device.createBuffer({
        size: cls,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
    }
    this.liveBytes += cls;
    this.liveBuffers++;
    const b = { buffer, bytes, cls };
    this.capture?.allocs.push(b);
    return b;
  }

  /** The buffer leaves the live set now and becomes reusable after the next submit. */
  release(b: GBuf): void {
    this.liveBytes -= b.cls;
    this.liveBuffers--;
    if (this.claimed.has(b.buffer)) this.releasedClaimed.add(b.buffer);
    else if (this.capture) this.capture.released.push(b);
    else this.pending.push(b);
  }

  /** A compiled step takes the buffer: the pool no longer reuses it (see `unclaim`). */
  claim(b: GBuf): void {
    this.claimed.add(b.buffer);
  }

  /** The step let go: a buffer whose tensor is gone returns to the pool. */
  unclaim(b: GBuf): void {
    if (!this.claimed.delete(b.buffer)) return;
    if (this.releasedClaimed.delete(b.buffer)) this.pending.push(b);
  }

  /** A traced call's held releases return to the pool, except those a compiled step claimed. */
  settle(released: GBuf[]): void {
    for (const b of released) {
      if (this.claimed.has(b.buffer)) this.releasedClaimed.add(b.buffer);
      else this.pending.push(b);
    }
  }

  /** Called right after queue.submit(): pending buffers may now be reused. */
  afterSubmit(): void {
    for (const b of this.pending) {
      if (this.pooledBytes + b.cls > this.maxPooled) {
        b.buffer.destroy();
        continue;
      }
      let list = this.free.get(b.cls);
      if (!list) this.free.set(b.cls, (list = []));
      list.push(b.buffer);
      this.pooledBytes += b.cls;
      this.pooledBuffers++;
    }
    this.pending = [];
  }

  /** Destroy every pooled buffer (live ones stay). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.pooledBytes = 0;
    this.pooledBuffers = 0;
  }
}

/**
 * Uniform slots for one batch of dispatches. Every dispatch gets its own 256-byte slot (so a later
 * dispatch never overwrites an earlier one's parameters before submit); the shadow copy is written
 * with one queue.writeBuffer per arena just before submit, after which the arenas are recycled
 * (later writes are ordered after the submitted commands on the queue).
 */
export const UNIFORM_SLOT = 256;

export class UniformArena {
  private arenas: { buffer: GPUBuffer; shadow: Uint8Array<ArrayBuffer> }[] = [];
  private cur = 0;
  private used = 0;

  constructor(private device: GPUDevice, private slotsPerArena = 256) {}

  /** Reserve a slot holding `data` (at most 256 bytes); returns where to bind it. */
  push(data: Uint32Array): { buffer: GPUBuffer; offset: number } {
    if (data.byteLength > UNIFORM_SLOT) throw new Error(`WebGPU: uniform block of ${data.byteLength} bytes exceeds ${UNIFORM_SLOT}`);
    if (this.used === this.slotsPerArena) {
      this.cur++;
      this.used = 0;
    }
    if (this.cur === this.arenas.length) {
      const size = this.slotsPerArena * UNIFORM_SLOT;
      this.arenas.push({
        buffer: this.device.createBuffer({ size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }),
        shadow: new Uint8Array(size),
      });
    }
    const a = this.arenas[this.cur];
    const offset = this.used * UNIFORM_SLOT;
    a.shadow.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
    this.used++;
    return { buffer: a.buffer, offset };
  }

  /** Upload the slots used in this batch (call before queue.submit) and start a new batch. */
  upload(queue: GPUQueue): void {
    for (let i = 0; i <= this.cur && i < this.arenas.length; i++) {
      const n = i < this.cur ? this.slotsPerArena : this.used;
      if (n > 0) queue.writeBuffer(this.arenas[i].buffer, 0, this.arenas[i].shadow as Uint8Array<ArrayBuffer>, 0, n * UNIFORM_SLOT);
    }
    this.cur = 0;
    this.used = 0;
  }
}
