import { sizeOf } from '../../base/dtype.ts';
import type { AdamHyper, TensorInfo } from '../backend.ts';
import { ENTRY_ARGS, type GpuContext, LINEAR_INDEX, Params, metaDecl } from './engine.ts';
import { buf } from './kernel.ts';

/**
 * Fused in-place Adam / AdamW step, one dispatch (rules of src/kernels/ref/adam.ts):
 *   Adam:  g ← g + wd·p;           AdamW: p ← p·(1 − lr·wd)
 *   m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
 *   p ← p − (lr / bc1) · m / (sqrt(v) / sqrt(bc2) + eps)
 * Parameter words: [0] n, [1] decoupled, [2] lr, [3] β1, [4] β2, [5] eps, [6] wd, [7] bc1, [8] sqrt(bc2),
 * [9] the element offset of g in its buffer (a gradient that is a contiguous view, fuse.ts contiguousRange).
 */
const WG = 256;
const SOURCE = `${metaDecl(4)}
@group(0) @binding(0) var<storage, read_write> p: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
const WG = ${WG}u;
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  ${LINEAR_INDEX}
  if (gi >= mu(0u)) { return; }
  let lr = mf(2u); let b1 = mf(3u); let b2 = mf(4u); let eps = mf(5u); let wd = mf(6u);
  var pi = p[gi];
  var gr = g[mu(9u) + gi];
  if (wd != 0.0) {
    if (mu(1u) != 0u) { pi = pi * (1.0 - lr * wd); } else { gr = gr + wd * pi; }
  }
  let mi_ = b1 * m[gi] + (1.0 - b1) * gr;
  let vi = b2 * v[gi] + (1.0 - b2) * gr * gr;
  m[gi] = mi_;
  v[gi] = vi;
  p[gi] = pi - (lr / mf(7u)) * (mi_ / (sqrt(vi) / mf(8u) + eps));
}`;

export function adamUpdate(ctx: GpuContext, pi: TensorInfo, gi: TensorInfo, mi: TensorInfo, vi: TensorInfo, h: AdamHyper, gOffset = 0): void {
  const n = sizeOf(pi.shape);
  if (n === 0) return;
  // a replayed step (trace.ts) packs `h` again: the optimizer advances its step count in place
  const pack = () => new Params().u32(n, h.decoupled ? 1 : 0).f(h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, h.bc1, Math.sqrt(h.bc2)).u32(gOffset);
  ctx.dispatch('adam', () => SOURCE, [buf(pi), buf(gi), buf(mi), buf(vi)], pack(), ctx.grid1d(Math.ceil(n / WG)), pack);
}
