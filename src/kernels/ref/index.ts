import type { DType, Shape, TypedArray } from '../../base/dtype.ts';
import { BINARY_PRIMS, UNARY_PRIMS, type AbstractValue, type Activation, type Conv2dParams, type Prim, type PrimParams } from '../../base/prims.ts';
import type { Backend, MemoryInfo, TensorInfo } from '../backend.ts';
import { adamUpdate } from './adam.ts';
import * as bn from './batchnorm.ts';
import * as ew from './elementwise.ts';
import * as la from './linalg.ts';
import * as mv from './movement.ts';
import { randNormal, randUniform } from './random.ts';
import * as red from './reduce.ts';

/** A kernel on host arrays: inputs in, a fresh output array out (`out` is what the shape rule computed). */
export interface ArrayIn { data: TypedArray; shape: Shape }
export type ArrayKernel<P extends Prim> = (inputs: ArrayIn[], params: PrimParams[P], out: AbstractValue) => TypedArray;
export type ArrayKernels = { [P in Prim]: ArrayKernel<P> };

/** What a table's elementwise entries are built from (./elementwise.ts, or the fast CPU's). */
export interface ElementwiseImpl {
  unary(p: (typeof UNARY_PRIMS)[number], x: TypedArray, out: AbstractValue): TypedArray;
  binary(p: (typeof BINARY_PRIMS)[number], a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: AbstractValue): TypedArray;
  where(c: TypedArray, cShape: Shape, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: AbstractValue): TypedArray;
  cast(x: TypedArray, out: AbstractValue): TypedArray;
}

/** The elementwise entries of a kernel table (unary, binary, where, cast) from one implementation. */
export function elementwiseKernels(ew: ElementwiseImpl) {
  return {
    ...(Object.fromEntries(UNARY_PRIMS.map((p) => [p, ([x]: ArrayIn[], _: {}, out: AbstractValue) => ew.unary(p, x.data, out)])) as
      { [P in (typeof UNARY_PRIMS)[number]]: ArrayKernel<P> }),
    ...(Object.fromEntries(BINARY_PRIMS.map((p) => [p, ([a, b]: ArrayIn[], _: {}, out: AbstractValue) => ew.binary(p, a.data, a.shape, b.data, b.shape, out)])) as
      { [P in (typeof BINARY_PRIMS)[number]]: ArrayKernel<P> }),
    where: (([c, a, b], _, out) => ew.where(c.data, c.shape, a.data, a.shape, b.data, b.shape, out)) as ArrayKernel<'where'>,
    cast: (([x], _, out) => ew.cast(x.data, out)) as ArrayKernel<'cast'>,
  };
}

/** What a table's matrix-product and convolution entries are built from (./linalg.ts, or the fast CPU's). */
export interface LinalgImpl {
  matmul(a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, transA: boolean, transB: boolean, out: AbstractValue): TypedArray;
  conv2d(x: TypedArray, xs: Shape, w: TypedArray, ws: Shape, p: Conv2dParams, out: AbstractValue): TypedArray;
  convTranspose2d(x: TypedArray, xs: Shape, w: TypedArray, ws: Shape, p: Conv2dParams, out: AbstractValue): TypedArray;
  conv2dWeightGrad(x: TypedArray, xs: Shape, gy: TypedArray, gs: Shape, p: Conv2dParams, out: AbstractValue): TypedArray;
  /** in place on a fresh product / convolution output: act(y + bias) */
  biasAct(y: TypedArray, bias: TypedArray | null, inner: number, act: Activation, slope: number): TypedArray;
}

type LinalgPrim = 'matmul' | 'conv2d' | 'convTranspose2d' | 'conv2dWeightGrad' | 'matmulBiasAct' | 'conv2dBiasAct';

/** The matmul, convolution and fused-epilogue entries of a kernel table from one implementation. */
export function linalgKernels(la: LinalgImpl): Pick<ArrayKernels, LinalgPrim> {
  return {
    matmul: ([a, b], { transA, transB }, out) => la.matmul(a.data, a.shape, b.data, b.shape, transA, transB, out),
    conv2d: ([x, w], p, out) => la.conv2d(x.data, x.shape, w.data, w.shape, p, out),
    convTranspose2d: ([x, w], p, out) => la.convTranspose2d(x.data, x.shape, w.data, w.shape, p, out),
    conv2dWeightGrad: ([x, gy], p, out) => la.conv2dWeightGrad(x.data, x.shape, gy.data, gy.shape, p, out),
    // the product, then bias + activation in one pass over its fresh output (bias per column / per channel)
    matmulBiasAct: ([a, b, bias], { transA, transB, act, slope }, out) => la.biasAct(la.matmul(a.data, a.shape, b.data, b.shape, transA, transB, out), bias?.data ?? null, 1, act, slope),
    conv2dBiasAct: ([x, w, bias], p, out) => la.biasAct(la.conv2d(x.data, x.shape, w.data, w.shape, p, out), bias?.data ?? null, out.shape[2] * out.shape[3], p.act, p.slope),
  };
}

/**
 * The reference kernels: one plain, obviously-correct loop nest per primitive. The oracle that
 * the fast CPU backend and the WebGPU backend are tested against; not tuned for speed.
 */
export const refKernels: ArrayKernels = {
  ...elementwiseKernels(ew),
  ...linalgKernels(la),
  sum: ([x], { axes }, out) => red.sum(x.data, x.shape, axes, out),
  max: ([x], { axes }, out) => red.max(x.data, x.shape, axes, out),
  argmax: ([x], { axis }, out) => red.argmax(x.data, x.shape, axis, out),
  reshape: ([x]) => x.data.slice(),
  permute: ([x], { perm }, out) => mv.permute(x.data, x.shape, perm, out),
  expand: ([x], _, out) => mv.expand(x.data, x.shape, out),
  slice: ([x], { starts, steps }, out) => mv.slice(x.data, x.shape, starts, steps, out),
  pad: ([x], { pads, value }, out) => mv.pad(x.data, x.shape, pads, value, out),
  concat: (xs, { axis }, out) => mv.concat(xs, axis, out),
  flip: ([x], { axes }, out) => mv.flip(x.data, x.shape, axes, out),
  gather: ([x, idx], { axis }, out) => mv.gather(x.data, x.shape, idx.data, axis, out),
  scatterAdd: ([g, idx], { axis }, out) => mv.scatterAdd(g.data, idx.data, axis, out),
  randUniform: (_, { seed, offset }, out) => randUniform(out, seed, offset),
  randNormal: (_, { seed, offset }, out) => randNormal(out, seed, offset),
  batchNormStats: ([x], _, out) => bn.batchNormStats(x.data, x.shape, out),
  batchNorm: ([x, s, w, b], { eps }, out) => bn.batchNorm(x.data, x.shape, s.data, w?.data ?? null, b?.data ?? null, eps, out),
  batchNormGradStats: ([g, x, s], { eps }, out) => bn.batchNormGradStats(g.data, x.data, x.shape, s.data, eps, out),
  batchNormInputGrad: ([g, x, s, gs, w], { eps }, out) => bn.batchNormInputGrad(g.data, x.data, x.shape, s.data, gs.data, w?.data ?? null, eps, out),
};

/** A backend whose storage is a plain host typed array, running a table of array kernels. */
export abstract class ArrayBackend implements Backend {
  abstract readonly name: Backend['name'];
  readonly dtypes: readonly DType[] = ['float32', 'int32', 'float64'];
  protected abstract readonly kernels: ArrayKernels;
  private live = 0;
  private liveBytes = 0;

  private track(a: TypedArray): TypedArray {
    this.live++;
    this.liveBytes += a.byteLength;
    return a;
  }

  upload(data: TypedArray, dtype: DType): TypedArray {
    const a = dtype === 'float32' ? new Float32Array(data) : dtype === 'int32' ? new Int32Array(data) : new Float64Array(data);
    return this.track(a);
  }

  run<P extends Prim>(prim: P, inputs: TensorInfo[], params: PrimParams[P], out: AbstractValue): TypedArray {
    const ins = inputs.map((t) => ({ data: t.storage as TypedArray, shape: t.shape }));
    return this.track(this.kernels[prim](ins, params, out));
  }

  async read(storage: unknown, dtype: DType, size: number): Promise<TypedArray> {
    return this.readSync(storage, dtype, size);
  }

  readSync(storage: unknown, _dtype: DType, size: number): TypedArray {
    return (storage as TypedArray).slice(0, size);
  }

  free(storage: unknown): void {
    this.live--;
    this.liveBytes -= (storage as TypedArray).byteLength;
  }

  memory(): MemoryInfo {
    return { liveBytes: this.liveBytes, liveBuffers: this.live, pooledBytes: 0, pooledBuffers: 0 };
  }

  /** The optimizer step in place (backend.ts FusedOps; the rules in src/nn/optim.ts). */
  readonly fused = { adamUpdate };

  abstract info(): Record<string, unknown>;
}

/** The reference backend: `refKernels` on host arrays. Slow by design; the tests trust it. */
export class RefBackend extends ArrayBackend {
  readonly name = 'ref' as const;
  protected readonly kernels = refKernels;
  info(): Record<string, unknown> {
    return { backend: 'ref', description: 'webgan reference backend (plain JavaScript loops, the test oracle)' };
  }
}
