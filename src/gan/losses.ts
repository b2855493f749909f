import * as wg from '../index.ts';
import type { Tensor } from '../index.ts';

/**
 * GAN objectives on the critic's raw outputs (logits / scores), one row per sample.
 * softplus(x) = log(1 + eˣ), so  −log σ(x) = softplus(−x)  and  −log(1 − σ(x)) = softplus(x).
 */
export type LossName = 'minimax' | 'nsgan' | 'wgan' | 'wgan-gp' | 'hinge' | 'lsgan';
export const LOSS_NAMES: LossName[] = ['minimax', 'nsgan', 'wgan', 'wgan-gp', 'hinge', 'lsgan'];

export interface GanLoss {
  /** loss the critic minimises, from D(x) on real and D(G(z)) on fake */
  d(real: Tensor, fake: Tensor): Tensor;
  /** loss the generator minimises, from D(G(z)) */
  g(fake: Tensor): Tensor;
  /** outputs are logits of P(real) (so mean σ(D) is a probability) */
  probabilistic: boolean;
}

const mean = (x: Tensor) => wg.mean(x);

export const ganLosses: Record<LossName, GanLoss> = {
  // Goodfellow et al. 2014: min_G max_D E log D(x) + E log(1 − D(G(z)))
  minimax: {
    d: (r, f) => wg.add(mean(wg.softplus(wg.neg(r))), mean(wg.softplus(f))),
    g: (f) => wg.neg(mean(wg.softplus(f))), // G minimises E log(1 − D(G(z))) = −E softplus(D)
    probabilistic: true,
  },
  // non-saturating: G maximises E log D(G(z))
  nsgan: {
    d: (r, f) => wg.add(mean(wg.softplus(wg.neg(r))), mean(wg.softplus(f))),
    g: (f) => mean(wg.softplus(wg.neg(f))),
    probabilistic: true,
  },
  // Arjovsky et al. 2017: critic maximises E D(x) − E D(G(z))
  wgan: { d: (r, f) => wg.sub(mean(f), mean(r)), g: (f) => wg.neg(mean(f)), probabilistic: false },
  'wgan-gp': { d: (r, f) => wg.sub(mean(f), mean(r)), g: (f) => wg.neg(mean(f)), probabilistic: false },
  // Lim & Ye 2017 / Miyato et al. 2018
  hinge: {
    d: (r, f) => wg.add(mean(wg.relu(wg.sub(1, r))), mean(wg.relu(wg.add(f, 1)))),
    g: (f) => wg.neg(mean(f)),
    probabilistic: false,
  },
  // Mao et al. 2017 (a = 0, b = c = 1), with the ½ factors
  lsgan: {
    d: (r, f) => wg.mul(wg.add(mean(wg.square(wg.sub(r, 1))), mean(wg.square(f))), 0.5),
    g: (f) => wg.mul(mean(wg.square(wg.sub(f, 1))), 0.5),
    probabilistic: false,
  },
};

/**
 * WGAN-GP (Gulrajani et al. 2017): λ · E (‖∇x̂ D(x̂)‖₂ − 1)², x̂ = εx + (1−ε)x̃, ε ~ U[0,1] per sample.
 * Differentiable in D's parameters (grad with createGraph).
 */
export function gradientPenalty(D: (x: Tensor) => Tensor, real: Tensor, fake: Tensor): Tensor {
  const n = real.shape[0];
  const epsShape = [n, ...real.shape.slice(1).map(() => 1)];
  const eps = wg.rand(epsShape, { dtype: real.dtype });
  const xhat = wg.add(wg.mul(eps, real.detach()), wg.mul(wg.sub(1, eps), fake.detach()));
  xhat.requiresGrad_(true);
  const out = D(xhat);
  const [g] = wg.grad(wg.sum(out), [xhat], { createGraph: true });
  const norm = wg.sqrt(wg.add(wg.sum(wg.square(wg.reshape(g, [n, -1])), 1), 1e-12));
  return mean(wg.square(wg.sub(norm, 1)));
}

/** R1 (Mescheder et al. 2018): ½ E ‖∇x D(x)‖² on real data (multiply by γ outside). */
export function r1Penalty(D: (x: Tensor) => Tensor, real: Tensor): Tensor {
  const x = real.detach().requiresGrad_(true);
  const [g] = wg.grad(wg.sum(D(x)), [x], { createGraph: true });
  const n = real.shape[0];
  return wg.mul(mean(wg.sum(wg.square(wg.reshape(g, [n, -1])), 1)), 0.5);
}
