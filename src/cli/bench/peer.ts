/**
 * The library `webgan bench` is compared with, seen through a small neutral interface, so the
 * shipped command needs no other library: a peer (TensorFlow.js today, bench/peers/tfjs.ts, a
 * dev dependency) is handed in by the benchmark scripts in bench/ (bench/run.ts, the browser
 * page). The suites describe each case in webgan's layouts (NCHW activations, [O,C,kH,kW]
 * filters) with host data; the peer converts to its own layouts.
 */

/** Host data and its shape, in webgan's layout. */
export interface HostTensor {
  data: Float32Array;
  shape: number[];
}

/** One kernel case, described independently of any library. */
export type PeerKernel =
  | { op: 'matmul'; a: HostTensor; b: HostTensor }
  /** x [N,C,H,W] * w [O,C,k,k] → [N,O,Ho,Wo] */
  | { op: 'conv2d'; x: HostTensor; w: HostTensor; stride: number; pad: number }
  /** the transpose of that conv2d: gy [N,O,Ho,Wo] → [N,C,H,W] (outShape), same w */
  | { op: 'convTranspose2d'; gy: HostTensor; w: HostTensor; stride: number; pad: number; outShape: number[] }
  /** the filter gradient of that conv2d: x, gy → [O,C,k,k] */
  | { op: 'conv2dWeightGrad'; x: HostTensor; gy: HostTensor; stride: number; pad: number; kernel: number }
  | { op: 'add'; a: HostTensor; b: HostTensor }
  | { op: 'sum'; a: HostTensor }
  /** one Adam step over every (param, grad) pair */
  | { op: 'adam'; params: HostTensor[]; grads: HostTensor[]; lr: number; betas: [number, number]; eps: number };

/** A kernel case set up in the peer. */
export interface PeerCase {
  /** record one call (the previous call's output is released) */
  run(): void;
  /** wait until every recorded call has finished on the device */
  sync(): Promise<void>;
  /** the output of the last call, read back (for the agreement check) */
  read(): Promise<ArrayLike<number>>;
  dispose(): void;
}

/** The same GAN as a webgan preset, one D and one G update (nsgan, Adam) per step. */
export interface PeerGan {
  /** record one step; no read-back */
  step(): void;
  /** wait until every recorded step has finished */
  sync(): Promise<void>;
  /** run one step and report the peak bytes its tensors held (null: the peer cannot tell) */
  peakBytes(): Promise<number | null>;
  /** device bytes held now, pools included (null: the peer cannot tell) */
  allocatedBytes(): number | null;
  dispose(): void;
}

export interface Peer {
  /** e.g. 'tfjs' */
  name: string;
  backend: 'webgpu' | 'cpu';
  version: string;
  /** adapter description when on WebGPU */
  adapter: string;
  /** set up a kernel case (null: the peer does not run it) */
  kernel(k: PeerKernel): PeerCase | null;
  /** the `dcgan` or `mlp2d` preset's training step (null: the peer does not run it) */
  gan(preset: 'dcgan' | 'mlp2d', batch: number): PeerGan | null;
}

/** Printed by `webgan bench` when no peer was handed in. */
export const ADD_PEER_HINT =
  'bench: webgan only. To compare with TensorFlow.js on the same adapter, run the suite from a ' +
  'checkout after `npm ci`: `node bench/run.mjs --suite kernels` (Node) or ' +
  '`npx deno run -A bench/run.ts --suite kernels` (Deno), with the same options.';
