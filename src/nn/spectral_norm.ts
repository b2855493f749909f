import { fmtShape } from '../base/dtype.ts';
import { div, matmul, permute, randn, reshape, sum, mul } from '../tensor/ops.ts';
import { noGrad } from '../tensor/runtime.ts';
import { keep, tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { normalize } from './functional.ts';
import { Module } from './module.ts';
import { Parameter, assign_ } from './parameter.ts';

export interface SpectralNormOpts {
  name?: string;
  nPowerIterations?: number;
  eps?: number;
  /** the output dim of the weight: 0, or 1 for ConvTranspose (torch's default) */
  dim?: number;
}

/** W viewed as a matrix [W.shape[dim], rest] */
function weightMatrix(w: Tensor, dim: number): Tensor {
  const perm = [dim, ...w.shape.map((_, i) => i).filter((i) => i !== dim)];
  const wp = dim === 0 ? w : permute(w, perm);
  return reshape(wp, [w.shape[dim], -1]);
}

/**
 * torch.nn.utils.spectral_norm: replaces parameter `name` by `name_orig` and buffers
 * `name_u`, `name_v`; every forward first sets `module[name] = W / σ(W)` with
 * σ = uᵀ W v, running `nPowerIterations` power-iteration steps on u, v in training mode:
 *   v ← normalize(Wᵀ u), u ← normalize(W v).
 * The normalised weight is an intermediate of each forward: call forwards inside tidy().
 */
export function spectralNorm<M extends Module>(module: M, opts: SpectralNormOpts = {}): M {
  const name = opts.name ?? 'weight';
  const nIter = opts.nPowerIterations ?? 1;
  const eps = opts.eps ?? 1e-12;
  if (nIter <= 0) throw new RangeError(`spectralNorm: expected nPowerIterations to be positive, got ${nIter}`);
  const m = module as unknown as Record<string, unknown> & Module;
  const weight = m._parameters.get(name);
  if (!weight) throw new Error(`spectralNorm: ${module.constructor.name} has no parameter "${name}"`);
  if (m._parameters.has(`${name}_orig`)) throw new Error(`spectralNorm: cannot register two spectral_norm hooks on the same parameter ${name}`);
  const dim = opts.dim ?? (module.constructor.name.startsWith('ConvTranspose') ? 1 : 0);
  if (dim < 0 || dim >= weight.ndim) throw new RangeError(`spectralNorm: dim ${dim} is out of range for weight ${fmtShape(weight.shape)}`);
  const h = weight.shape[dim], w = weight.size / h;
  const [u, v] = noGrad(() => tidy(() => [normalize(randn([h], { dtype: weight.dtype }), 0, eps), normalize(randn([w], { dtype: weight.dtype }), 0, eps)]));
  // torch's order: drop `name` from the parameters, add `name_orig` (last), then the buffers
  delete m[name];
  m[`${name}_orig`] = weight;
  module.registerBuffer(`${name}_u`, keep(u));
  module.registerBuffer(`${name}_v`, keep(v));
  // `module[name]` is a plain attribute set by each forward (undefined before the first)

  const computeWeight = () => {
    const mm = module as unknown as Record<string, Tensor>;
    const orig = mm[`${name}_orig`], uBuf = mm[`${name}_u`], vBuf = mm[`${name}_v`];
    if (module.training) {
      noGrad(() => {
        const [nu, nv] = tidy(() => {
          const W = weightMatrix(orig, dim);
          let uu = uBuf, vv = vBuf;
          for (let i = 0; i < nIter; i++) {
            vv = normalize(reshape(matmul(uu, W), [w]), 0, eps); // Wᵀu
            uu = normalize(reshape(matmul(W, vv), [h]), 0, eps);
          }
          return [uu, vv];
        });
        assign_(uBuf, nu);
        assign_(vBuf, nv);
      });
    }
    // σ = uᵀ W v with u, v constants; gradients flow through W only
    const W = weightMatrix(orig, dim);
    const sigma = sum(mul(uBuf.detach(), matmul(W, vBuf.detach())));
    mm[name] = div(orig, sigma);
  };
  // wrap this instance's forward (not a pre-hook) so that m.forward(x) and m.call(x) both normalise
  const inner = module.forward;
  const innerWasOwn = Object.prototype.hasOwnProperty.call(module, 'forward');
  const wrapped = function (this: Module, ...args: unknown[]) {
    computeWeight();
    return inner.apply(this, args);
  };
  (module as unknown as { forward: unknown }).forward = wrapped;
  const handle = {
    remove: () => {
      const mf = module as unknown as { forward?: unknown };
      if (mf.forward !== wrapped) return;
      if (innerWasOwn) mf.forward = inner;
      else delete mf.forward;
    },
  };
  hooksOf(module).set(name, { remove: handle.remove, dim });
  return module;
}

const snHooks = new WeakMap<Module, Map<string, { remove(): void; dim: number }>>();
function hooksOf(m: Module): Map<string, { remove(): void; dim: number }> {
  let h = snHooks.get(m);
  if (!h) snHooks.set(m, (h = new Map()));
  return h;
}

/** Undo spectralNorm: `name` becomes a Parameter holding W / σ(W) again. */
export function removeSpectralNorm<M extends Module>(module: M, name = 'weight'): M {
  const m = module as unknown as Record<string, unknown> & Module;
  const orig = m._parameters.get(`${name}_orig`);
  if (!orig) throw new Error(`removeSpectralNorm: spectral_norm of '${name}' not found in ${module.constructor.name}`);
  const uBuf = m[`${name}_u`] as Tensor, vBuf = m[`${name}_v`] as Tensor;
  const hook = hooksOf(module).get(name);
  if (!hook) throw new Error(`removeSpectralNorm: spectral_norm of '${name}' not found in ${module.constructor.name}`);
  const dim = hook.dim;
  const wNorm = noGrad(() => tidy(() => {
    const W = weightMatrix(orig, dim);
    return div(orig, sum(mul(uBuf, matmul(W, vBuf))));
  }));
  hook.remove();
  hooksOf(module).delete(name);
  delete m[`${name}_orig`];
  delete m[`${name}_u`];
  delete m[`${name}_v`];
  uBuf.dispose(); vBuf.dispose(); orig.dispose();
  delete m[name];
  m[name] = new Parameter(wNorm);
  return module;
}
