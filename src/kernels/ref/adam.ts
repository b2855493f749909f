import type { AdamHyper, TensorInfo } from '../backend.ts';
import type { TypedArray } from '../../base/dtype.ts';

/**
 * In-place Adam/AdamW update (PyTorch's rules):
 *   Adam:  g ← g + wd·p;           AdamW: p ← p·(1 − lr·wd)
 *   m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
 *   p ← p − lr · (m / bc1) / (sqrt(v / bc2) + eps)
 */
export function adamUpdate(pi: TensorInfo, gi: TensorInfo, mi: TensorInfo, vi: TensorInfo, h: AdamHyper): void {
  const p = pi.storage as TypedArray, g = gi.storage as TypedArray, m = mi.storage as TypedArray, v = vi.storage as TypedArray;
  const { lr, beta1, beta2, eps, weightDecay: wd, decoupled, bc1, bc2 } = h;
  const sbc2 = Math.sqrt(bc2);
  for (let i = 0; i < p.length; i++) {
    let gr = g[i];
    if (wd !== 0) {
      if (decoupled) p[i] *= 1 - lr * wd;
      else gr += wd * p[i];
    }
    m[i] = beta1 * m[i] + (1 - beta1) * gr;
    v[i] = beta2 * v[i] + (1 - beta2) * gr * gr;
    p[i] -= (lr / bc1) * (m[i] / (Math.sqrt(v[i]) / sbc2 + eps));
  }
}
