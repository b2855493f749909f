import { batchNormGradStats, batchNormInputGrad } from '../tensor/batchnorm.ts';
import * as op from '../tensor/ops.ts';
import { fuseBatchNormBackward } from '../tensor/fusion.ts';
import { isGradEnabled } from '../tensor/runtime.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { VjpRule } from './rule.ts';

/**
 * vjp rules of the batch-norm primitives (channel axis 1 of x [N,C,*], n = N·spatial values per
 * channel, stats [2,C] = (m, v), r = 1/√(v + eps), d = x − m, x̂ = d·r). Written with public ops,
 * so each is differentiable again; training batchNorm's first-order backward takes the two fused
 * passes (batchNormGradStats + batchNormInputGrad) where fusion.ts says so (no graph recorded).
 */

interface Geom { axes: number[]; C: number; n: number; b: number[] }

function geom(x: Tensor): Geom {
  const C = x.shape[1];
  return {
    axes: [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2)],
    C,
    n: C === 0 ? 0 : x.size / C,
    b: x.shape.map((d, i) => (i === 1 ? C : 1)),
  };
}

/** row i of a [2,C] tensor, shaped [1,C,1,...] to broadcast against x */
const row = (s: Tensor, i: number, b: number[]) => op.reshape(op.narrow(s, 0, i, 1), b);
/** per-channel sum, keeping x's rank: [1,C,1,...] */
const chanSum = (t: Tensor, g: Geom) => op.sum(t, g.axes, true);
/** [dm, dv] ([1,C,1,...] each) -> a [2,C] cotangent of stats */
const statsCt = (dm: Tensor, dv: Tensor, g: Geom) => op.concat([op.reshape(dm, [1, g.C]), op.reshape(dv, [1, g.C])], 0);
const vec = (t: Tensor, g: Geom) => op.reshape(t, [g.C]);

/**
 * Training batch norm, with the statistics recomputed from x by public ops (differentiable in
 * x, gy and w: the createGraph path, e.g. a gradient penalty through batch norm):
 *   ĝ = gy·w,  dx = r·(ĝ − mean ĝ − x̂·mean(ĝ·x̂)),  dw = Σ gy·x̂,  db = Σ gy
 */
function trainingComposed(gy: Tensor, x: Tensor, w: Tensor | undefined, eps: number, needs: boolean[], g: Geom): (Tensor | null)[] {
  const d = op.sub(x, op.mean(x, g.axes, true));
  const r = op.rsqrt(op.add(op.mean(op.mul(d, d), g.axes, true), eps));
  const xh = op.mul(d, r);
  const gh = w ? op.mul(gy, op.reshape(w, g.b)) : gy;
  const dx = needs[0]
    ? op.mul(r, op.sub(op.sub(gh, op.mean(gh, g.axes, true)), op.mul(xh, op.mean(op.mul(gh, xh), g.axes, true))))
    : null;
  return [dx, null, needs[2] ? vec(chanSum(op.mul(gy, xh), g), g) : null, needs[3] ? vec(chanSum(gy, g), g) : null];
}

/** Training batch norm, first order: one reduction pass and one elementwise pass. */
function trainingFused(gy: Tensor, x: Tensor, s: Tensor, w: Tensor | undefined, eps: number, needs: boolean[], g: Geom): (Tensor | null)[] {
  const gs = batchNormGradStats(gy, x, s, eps);
  return [
    needs[0] ? batchNormInputGrad(gy, x, s, gs, w ?? null, eps) : null,
    null,
    needs[2] ? vec(op.narrow(gs, 0, 1, 1), g) : null,
    needs[3] ? vec(op.narrow(gs, 0, 0, 1), g) : null,
  ];
}

/**
 * Batch norm with independent statistics (running mean/var), a = w·r:
 *   dx = gy·a,  dm = −a·Σgy,  dv = −½·a·r²·Σgy·d,  dw = r·Σgy·d,  db = Σgy
 */
function independentStats(gy: Tensor, x: Tensor, s: Tensor, w: Tensor | undefined, eps: number, needs: boolean[], g: Geom): (Tensor | null)[] {
  const r = op.rsqrt(op.add(row(s, 1, g.b), eps));
  const a = w ? op.mul(op.reshape(w, g.b), r) : r;
  const sgd = needs[1] || needs[2] ? chanSum(op.mul(gy, op.sub(x, row(s, 0, g.b))), g) : null;
  const sg = needs[1] || needs[3] ? chanSum(gy, g) : null;
  return [
    needs[0] ? op.mul(gy, a) : null,
    needs[1] ? statsCt(op.neg(op.mul(a, sg!)), op.mul(op.mul(a, sgd!), op.mul(op.mul(r, r), -0.5)), g) : null,
    needs[2] ? vec(op.mul(sgd!, r), g) : null,
    needs[3] ? vec(sg!, g) : null,
  ];
}

export const batchNormVjps: {
  batchNormStats: VjpRule<'batchNormStats'>;
  batchNorm: VjpRule<'batchNorm'>;
  batchNormGradStats: VjpRule<'batchNormGradStats'>;
  batchNormInputGrad: VjpRule<'batchNormInputGrad'>;
} = {
  // m = Σx/n, v = Σd²/n:  dx = (Gm + 2·Gv·d)/n   (Σd = 0 removes v's dependence through m)
  batchNormStats: (G, [x], stats) => {
    const g = geom(x);
    return [op.div(op.add(row(G, 0, g.b), op.mul(op.mul(row(G, 1, g.b), 2), op.sub(x, row(stats, 0, g.b)))), g.n)];
  },
  batchNorm: (gy, [x, s, w], _, { eps, batchStats }, needs) => {
    const g = geom(x);
    const ct = !batchStats ? independentStats(gy, x, s, w, eps, needs, g)
      : !needs[0] && !needs[2] && !needs[3] ? [null, null, null, null]
        : fuseBatchNormBackward(isGradEnabled()) ? trainingFused(gy, x, s, w, eps, needs, g)
          : trainingComposed(gy, x, w, eps, needs, g);
    return ct.slice(0, needs.length);
  },
  // out = (Σgy, r·Σgy·d), cotangent (H0, H1):
  //   dgy = H0 + H1·r·d,  dx = H1·r·gy,  dm = −H1·r·Σgy,  dv = −½·H1·r³·Σgy·d
  batchNormGradStats: (H, [gy, x, s], _, { eps }, needs) => {
    const g = geom(x);
    const r = op.rsqrt(op.add(row(s, 1, g.b), eps));
    const h1r = op.mul(row(H, 1, g.b), r);
    const d = op.sub(x, row(s, 0, g.b));
    return [
      needs[0] ? op.add(row(H, 0, g.b), op.mul(h1r, d)) : null,
      needs[1] ? op.mul(h1r, gy) : null,
      needs[2] ? statsCt(op.neg(op.mul(h1r, chanSum(gy, g))), op.mul(op.mul(h1r, op.mul(op.mul(r, r), -0.5)), chanSum(op.mul(gy, d), g)), g) : null,
    ];
  },
  // out = a·(gy − k0 − d·k1),  a = w·r, k0 = S0/n, k1 = r·S1/n; cotangent H, P = H·a:
  //   dgy = P,  dx = −P·k1,  dm = k1·ΣP,  dv = −½·r³·w·ΣH·(gy − k0 − 2·d·k1),
  //   dS0 = −ΣP/n,  dS1 = −r·ΣP·d/n,  dw = r·ΣH·(gy − k0 − d·k1)
  batchNormInputGrad: (H, [gy, x, s, gs, w], _, { eps }, needs) => {
    const g = geom(x);
    const r = op.rsqrt(op.add(row(s, 1, g.b), eps));
    const wb = w ? op.reshape(w, g.b) : null;
    const a = wb ? op.mul(wb, r) : r;
    const k0 = op.div(row(gs, 0, g.b), g.n);
    const k1 = op.div(op.mul(r, row(gs, 1, g.b)), g.n);
    const d = op.sub(x, row(s, 0, g.b));
    const P = op.mul(H, a);
    const dv = () => {
      const t = op.mul(op.mul(op.mul(r, r), r), -0.5);
      return op.mul(wb ? op.mul(t, wb) : t, chanSum(op.mul(H, op.sub(op.sub(gy, k0), op.mul(op.mul(d, k1), 2))), g));
    };
    return [
      needs[0] ? P : null,
      needs[1] ? op.neg(op.mul(P, k1)) : null,
      needs[2] ? statsCt(op.mul(k1, chanSum(P, g)), dv(), g) : null,
      needs[3] ? statsCt(op.div(op.neg(chanSum(P, g)), g.n), op.div(op.neg(op.mul(r, chanSum(op.mul(P, d), g))), g.n), g) : null,
      needs[4] ? vec(op.mul(r, chanSum(op.mul(H, op.sub(op.sub(gy, k0), op.mul(d, k1))), g)), g) : null,
    ];
  },
};
