/**
 * Kernel suite: webgan vs TensorFlow.js on the same backend kind, same process, warm, with the
 * device synchronised after every timed sample of k calls (`callsPerSample`). Reports GFLOP/s (matmul, conv family) or GB/s
 * (elementwise, reduction, optimizer) and the ratio webgan / tfjs (> 1: webgan faster).
 */
import * as wg from '../../index.ts';
import type { Tensor } from '../../index.ts';
import * as nn from '../../nn/index.ts';
import { convOutSize } from '../../tensor/shape.ts';
import { measureInterleaved, type MeasureOptions } from './measure.ts';
import type { HostTensor, Peer, PeerCase, PeerKernel } from './peer.ts';

/**
 * A convolution layer in canonical conv2d form: x [N,C,H,W] * w [O,C,k,k] → [N,O,Ho,Wo].
 * A generator's ConvTranspose2d(Cin→Cout, H→Ho) is the transpose of conv2d(Cout→Cin, Ho→H), so
 * every layer needs the same three primitives (forward and the two gradients):
 *   conv2d           D forward, G input-gradient
 *   convTranspose2d  G forward, D input-gradient
 *   conv2dWeightGrad the weight gradient of both
 */
export interface ConvLayer {
  name: string;
  c: number; o: number; k: number; stride: number; pad: number;
  /** conv2d input size (square); output is (h + 2p − k)/s + 1 */
  h: number;
}

const convOut = (l: ConvLayer) => convOutSize(l.h, l.k, l.stride, l.pad, 1);

/** G layer ConvT(cin→cout, k, s, p, hin→hout) as its canonical conv2d(cout→cin, hout→hin). */
const gLayer = (name: string, cin: number, cout: number, k: number, s: number, p: number, hout: number): ConvLayer => ({ name, c: cout, o: cin, k, stride: s, pad: p, h: hout });
const dLayer = (name: string, cin: number, cout: number, k: number, s: number, p: number, hin: number): ConvLayer => ({ name, c: cin, o: cout, k, stride: s, pad: p, h: hin });

/** Every conv layer of the `dcgan` preset (28×28×1). */
export const DCGAN_LAYERS: ConvLayer[] = [
  gLayer('dcgan G1 ConvT 100→256 k7 s1 p0 1→7', 100, 256, 7, 1, 0, 7),
  gLayer('dcgan G2 ConvT 256→128 k4 s2 p1 7→14', 256, 128, 4, 2, 1, 14),
  gLayer('dcgan G3 ConvT 128→1 k4 s2 p1 14→28', 128, 1, 4, 2, 1, 28),
  dLayer('dcgan D1 Conv 1→64 k4 s2 p1 28→14', 1, 64, 4, 2, 1, 28),
  dLayer('dcgan D2 Conv 64→128 k4 s2 p1 14→7', 64, 128, 4, 2, 1, 14),
  dLayer('dcgan D3 Conv 128→1 k7 s1 p0 7→1', 128, 1, 7, 1, 0, 7),
];

/** Every conv layer of the `dcgan64` preset (pytorch/examples, ngf = ndf = 64, nc = 3). */
export const DCGAN64_LAYERS: ConvLayer[] = [
  gLayer('dcgan64 G1 ConvT 100→512 k4 s1 p0 1→4', 100, 512, 4, 1, 0, 4),
  gLayer('dcgan64 G2 ConvT 512→256 k4 s2 p1 4→8', 512, 256, 4, 2, 1, 8),
  gLayer('dcgan64 G3 ConvT 256→128 k4 s2 p1 8→16', 256, 128, 4, 2, 1, 16),
  gLayer('dcgan64 G4 ConvT 128→64 k4 s2 p1 16→32', 128, 64, 4, 2, 1, 32),
  gLayer('dcgan64 G5 ConvT 64→3 k4 s2 p1 32→64', 64, 3, 4, 2, 1, 64),
  dLayer('dcgan64 D1 Conv 3→64 k4 s2 p1 64→32', 3, 64, 4, 2, 1, 64),
  dLayer('dcgan64 D2 Conv 64→128 k4 s2 p1 32→16', 64, 128, 4, 2, 1, 32),
  dLayer('dcgan64 D3 Conv 128→256 k4 s2 p1 16→8', 128, 256, 4, 2, 1, 16),
  dLayer('dcgan64 D4 Conv 256→512 k4 s2 p1 8→4', 256, 512, 4, 2, 1, 8),
  dLayer('dcgan64 D5 Conv 512→1 k4 s1 p0 4→1', 512, 1, 4, 1, 0, 4),
];

/** Parameter shapes of dcgan64's generator: 3.58M parameters, the optimizer-step workload. */
export const DCGAN64_G_PARAMS: number[][] = [
  [100, 512, 4, 4], [512], [512], [512, 256, 4, 4], [256], [256], [256, 128, 4, 4], [128], [128], [128, 64, 4, 4], [64], [64], [64, 3, 4, 4],
];

export type ConvOp = 'conv2d' | 'convTranspose2d' | 'conv2dWeightGrad';
export const CONV_OPS: ConvOp[] = ['conv2d', 'convTranspose2d', 'conv2dWeightGrad'];

export interface KernelSuiteOptions {
  /** [M, K, N]: A [M,K] @ B [K,N] */
  matmul: [number, number, number][];
  convLayers: ConvLayer[];
  convOps: ConvOp[];
  batch: number;
  /** elements of the elementwise add (0: skip) */
  elementwise: number;
  /** elements of the full sum (0: skip) */
  reduction: number;
  /** parameter shapes of the Adam step ([]: skip) */
  adamShapes: number[][];
  measure: MeasureOptions;
  /** compare each webgan result with tfjs's (sum of outputs) before timing */
  check: boolean;
  /** only cases whose name matches */
  filter?: RegExp;
  /**
   * Calls per timed sample, followed by one device sync (the same k for both libraries; times are
   * reported per call). 'auto' (default): k = ⌈100 ms / the faster library's warm call⌉, at most
   * 16, so a fixed cost per sync (Deno waits ~11 ms for any GPU completion on lavapipe) does not
   * swamp short kernels; 1 gives the latency of a single synchronised call.
   */
  callsPerSample?: number | 'auto';
}

export function kernelPreset(kind: 'quick' | 'full', opts: { matmul4096?: boolean } = {}): KernelSuiteOptions {
  const sq = (n: number): [number, number, number] => [n, n, n];
  const quick = kind === 'quick';
  return {
    matmul: [...(quick ? [256, 512, 1024] : [256, 512, 1024, 2048, ...(opts.matmul4096 ? [4096] : [])]).map(sq), [64, 1024, 1024], [1024, 64, 1024]],
    convLayers: quick ? DCGAN_LAYERS : [...DCGAN_LAYERS, ...DCGAN64_LAYERS],
    convOps: CONV_OPS,
    batch: 64,
    elementwise: 16 * 2 ** 20,
    reduction: 16 * 2 ** 20,
    adamShapes: DCGAN64_G_PARAMS,
    measure: quick ? { warmup: 1, iters: 5, maxMs: 2000, minIters: 1 } : { warmup: 2, iters: 10, maxMs: 10000, minIters: 3 },
    check: true,
  };
}

export interface KernelResult {
  group: 'matmul' | ConvOp | 'elementwise' | 'reduction' | 'optimizer';
  name: string;
  /** shape description */
  shape: string;
  /** floating-point operations of one call (compute-bound cases) */
  flops?: number;
  /** bytes moved by one call (bandwidth-bound cases) */
  bytes?: number;
  unit: 'GFLOP/s' | 'GB/s';
  webganMs: number;
  tfjsMs: number | null;
  webganRate: number;
  tfjsRate: number | null;
  /** webgan rate / tfjs rate (> 1: webgan faster) */
  ratio: number | null;
  /** |Σ webgan − Σ tfjs| / Σ|webgan| of the outputs, when checked */
  relDiff?: number;
  samples: number;
  /** calls per timed sample (one sync each); webganMs / tfjsMs are per call */
  callsPerSample: number;
}

/** The same operation in both libraries, set up once. */
interface Case {
  group: KernelResult['group'];
  name: string;
  shape: string;
  flops?: number;
  bytes?: number;
  /** records one call; returns the output (disposed by the runner) */
  wg: () => Tensor | void;
  /** the peer's version of the case (null: webgan only) */
  peer: PeerCase | null;
  dispose(): void;
}

export const matmulFlops = (m: number, k: number, n: number) => 2 * m * n * k;
/** multiply-adds of conv2d on the canonical layer (also its input- and weight-gradient) ×2 */
export const convFlops = (l: ConvLayer, batch: number) => 2 * batch * l.o * convOut(l) ** 2 * l.c * l.k * l.k;

/** Host data in [-1, 1) from a small LCG (the same values for both libraries). */
function hostRandom(shape: number[], seed: number): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 31 - 1;
  }
  return { data, shape };
}

const upload = (h: HostTensor) => wg.tensor(h.data, h.shape);

function matmulCase(peer: Peer | null, [m, k, n]: [number, number, number]): Case {
  const ha = hostRandom([m, k], 1), hb = hostRandom([k, n], 2);
  const a = upload(ha), b = upload(hb);
  return {
    group: 'matmul', name: `matmul ${m}×${k}×${n}`, shape: `[${m},${k}]@[${k},${n}]`, flops: matmulFlops(m, k, n),
    wg: () => wg.matmul(a, b),
    peer: peer?.kernel({ op: 'matmul', a: ha, b: hb }) ?? null,
    dispose: () => { a.dispose(); b.dispose(); },
  };
}

function convCase(peer: Peer | null, l: ConvLayer, op: ConvOp, batch: number): Case {
  const ho = convOut(l);
  const opts = { stride: l.stride, padding: l.pad };
  const hw = hostRandom([l.o, l.c, l.k, l.k], 3);
  const w = upload(hw);
  const flops = convFlops(l, batch);
  let inputs: Tensor[], run: () => Tensor, spec: PeerKernel, shape: string;
  if (op === 'conv2d') {
    const hx = hostRandom([batch, l.c, l.h, l.h], 4);
    const x = upload(hx);
    inputs = [x];
    shape = `x[${batch},${l.c},${l.h},${l.h}] w[${l.o},${l.c},${l.k},${l.k}] → ${ho}²`;
    run = () => wg.conv2d(x, w, null, opts);
    spec = { op, x: hx, w: hw, stride: l.stride, pad: l.pad };
  } else if (op === 'convTranspose2d') {
    const hg = hostRandom([batch, l.o, ho, ho], 5);
    const g = upload(hg);
    inputs = [g];
    shape = `x[${batch},${l.o},${ho},${ho}] w[${l.o},${l.c},${l.k},${l.k}] → ${l.h}²`;
    run = () => wg.convTranspose2d(g, w, null, opts);
    spec = { op, gy: hg, w: hw, stride: l.stride, pad: l.pad, outShape: [batch, l.c, l.h, l.h] };
  } else {
    const hx = hostRandom([batch, l.c, l.h, l.h], 4), hg = hostRandom([batch, l.o, ho, ho], 5);
    const x = upload(hx), g = upload(hg);
    inputs = [x, g];
    shape = `x[${batch},${l.c},${l.h},${l.h}] gy[${batch},${l.o},${ho},${ho}] → w[${l.o},${l.c},${l.k},${l.k}]`;
    run = () => wg.conv2dWeightGrad(x, g, [l.k, l.k], opts);
    spec = { op, x: hx, gy: hg, stride: l.stride, pad: l.pad, kernel: l.k };
  }
  let peerCase: PeerCase | null = null;
  try {
    peerCase = peer?.kernel(spec) ?? null;
  } catch (e) {
    throw new Error(`${l.name}: ${(e as Error).message}`);
  }
  return {
    group: op, name: `${op} ${l.name}`, shape, flops,
    wg: run, peer: peerCase,
    dispose: () => { w.dispose(); for (const t of inputs) t.dispose(); },
  };
}

function elementwiseCase(peer: Peer | null, n: number): Case {
  const ha = hostRandom([n], 6), hb = hostRandom([n], 7);
  const a = upload(ha), b = upload(hb);
  return {
    group: 'elementwise', name: `add ${fmtCount(n)}`, shape: `[${n}] + [${n}]`, bytes: 3 * 4 * n,
    wg: () => wg.add(a, b), peer: peer?.kernel({ op: 'add', a: ha, b: hb }) ?? null,
    dispose: () => { a.dispose(); b.dispose(); },
  };
}

function reductionCase(peer: Peer | null, n: number): Case {
  const ha = hostRandom([n], 8);
  const a = upload(ha);
  return {
    group: 'reduction', name: `sum ${fmtCount(n)}`, shape: `[${n}] → []`, bytes: 4 * n,
    wg: () => wg.sum(a), peer: peer?.kernel({ op: 'sum', a: ha }) ?? null,
    dispose: () => { a.dispose(); },
  };
}

export const adamBytes = (params: number) => 7 * 4 * params; // read p, g, m, v; write p, m, v

function adamCase(peer: Peer | null, shapes: number[][]): Case {
  const count = shapes.reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
  const hp = shapes.map((sh, i) => hostRandom(sh, 100 + i)), hg = shapes.map((sh, i) => hostRandom(sh, 200 + i));
  const params = hp.map((h, i) => {
    const P = new nn.Parameter(upload(h));
    P.grad = upload(hg[i]);
    return P;
  });
  const hyper = { lr: 2e-4, betas: [0.5, 0.999] as [number, number], eps: 1e-8 };
  const opt = new nn.Adam(params, hyper);
  return {
    group: 'optimizer', name: `adam step ${fmtCount(count)} params`, shape: `${shapes.length} tensors, ${count} params`, bytes: adamBytes(count),
    wg: () => { opt.step(); },
    peer: peer?.kernel({ op: 'adam', params: hp, grads: hg, ...hyper }) ?? null,
    dispose: () => { opt.dispose(); for (const P of params) { P.grad?.dispose(); P.grad = null; P.dispose(); } },
  };
}

export const fmtCount = (n: number) => (n >= 2 ** 20 && n % 2 ** 20 === 0 ? `${n / 2 ** 20}M` : n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1024 && n % 1024 === 0 ? `${n / 1024}K` : String(n));

function sumOf(d: ArrayLike<number>): [number, number] {
  let s = 0, a = 0;
  for (let i = 0; i < d.length; i++) { s += d[i]; a += Math.abs(d[i]); }
  return [s, a];
}

/** The cases of a suite, named before they are built (so that a filter allocates nothing). */
export function kernelCases(o: KernelSuiteOptions): { name: string; make: (peer: Peer | null) => Case }[] {
  const out: { name: string; make: (peer: Peer | null) => Case }[] = [];
  for (const s of o.matmul) out.push({ name: `matmul ${s.join('×')}`, make: (peer) => matmulCase(peer, s) });
  for (const l of o.convLayers) for (const op of o.convOps) out.push({ name: `${op} ${l.name}`, make: (peer) => convCase(peer, l, op, o.batch) });
  if (o.elementwise > 0) out.push({ name: `add ${fmtCount(o.elementwise)}`, make: (peer) => elementwiseCase(peer, o.elementwise) });
  if (o.reduction > 0) out.push({ name: `sum ${fmtCount(o.reduction)}`, make: (peer) => reductionCase(peer, o.reduction) });
  if (o.adamShapes.length) out.push({ name: 'adam step', make: (peer) => adamCase(peer, o.adamShapes) });
  return o.filter ? out.filter((c) => o.filter!.test(c.name)) : out;
}

/** Run the kernel suite on the active webgan backend (and `peer`, when given). */
export async function runKernelSuite(o: KernelSuiteOptions, peer: Peer | null, log: (row: KernelResult) => void = () => {}): Promise<KernelResult[]> {
  const backend = wg.getBackend();
  const wgSync = async () => { await backend.sync?.(); };
  const results: KernelResult[] = [];
  for (const { make } of kernelCases(o)) {
    const c = make(peer);
    const pc = c.peer;
    try {
      // the first call of each library is the check (and a warm-up call)
      let relDiff: number | undefined;
      let warmed = false;
      if (o.check && pc && c.group !== 'optimizer') {
        const a = c.wg() as Tensor;
        pc.run();
        const [[sa, aa], [sb]] = [sumOf(await a.data()), sumOf(await pc.read())];
        relDiff = Math.abs(sa - sb) / Math.max(aa, 1e-30);
        a.dispose();
        warmed = true;
      }
      // k calls, then one sync; every output but the last is released before the sync (the
      // device runs the calls in order, so a reused buffer is only overwritten after its reader)
      let k = 1;
      const fns: Record<string, () => Promise<void>> = {
        webgan: async () => {
          let t: Tensor | void = undefined;
          for (let i = 0; i < k; i++) { t?.dispose(); t = c.wg(); }
          await wgSync();
          t?.dispose();
        },
      };
      if (pc) {
        fns.peer = async () => {
          for (let i = 0; i < k; i++) pc.run();
          await pc.sync();
        };
      }
      let warmup = Math.max(0, o.measure.warmup - (warmed ? 1 : 0));
      if (o.callsPerSample === undefined || o.callsPerSample === 'auto') {
        // the warm-up, then one timed call of each library, picks k; the samples need no more warm-up
        const once = await measureInterleaved(fns, { warmup, iters: 1, maxMs: 0, minIters: 1 });
        const fastest = Math.min(...Object.values(once).map((x) => x.medianMs));
        k = Math.max(1, Math.min(16, Math.ceil(100 / Math.max(fastest, 1e-3))));
        warmup = 0;
      } else {
        k = o.callsPerSample;
      }
      const m = await measureInterleaved(fns, { ...o.measure, warmup });
      const work = c.flops ?? c.bytes!;
      const rate = (ms: number) => work / (ms * 1e6); // GFLOP/s or GB/s
      const webganMs = m.webgan.medianMs / k, tfjsMs = m.peer ? m.peer.medianMs / k : null;
      const webganRate = rate(webganMs);
      const tfjsRate = tfjsMs !== null ? rate(tfjsMs) : null;
      const r: KernelResult = {
        group: c.group, name: c.name, shape: c.shape, flops: c.flops, bytes: c.bytes, unit: c.flops !== undefined ? 'GFLOP/s' : 'GB/s',
        webganMs, tfjsMs, webganRate, tfjsRate,
        ratio: tfjsRate ? webganRate / tfjsRate : null, relDiff, samples: m.webgan.samples.length, callsPerSample: k,
      };
      results.push(r);
      log(r);
    } finally {
      c.dispose();
      pc?.dispose();
      await wgSync();
    }
  }
  return results;
}
