import { fmtShape } from '../base/dtype.ts';
import {
  abs, add, cast, clamp, div, full, max, maximum, minimum, mul, neg, pow, sqrt, stack, sub, sum, zerosLike,
} from '../tensor/ops.ts';
import { noGrad } from '../tensor/runtime.ts';
import { keep, tidy } from '../tensor/scope.ts';
import { Tensor } from '../tensor/tensor.ts';
import { assign_, copyLike, copyOf, ensureExclusive } from './parameter.ts';
import { adamUpdate_ } from '../tensor/inplace.ts';
import { onReplay } from '../tensor/jit.ts';

/**
 * Optimizers with PyTorch 1.13's exact update rules (single-tensor path). A step writes each
 * parameter in place: the new value is computed under noGrad (inside tidy) and moved into the
 * existing leaf tensor with assign_ (O(1), the Tensor object, its Module slot and autograd leaf
 * identity stay the same). Adam/AdamW on float32 use the backend's fused kernel when it has one.
 */

export type ParamState = Record<string, Tensor | number>;
export interface GroupHyper { lr: number; [k: string]: unknown }
export type ParamGroup<H extends GroupHyper> = H & { params: Tensor[] };
export type ParamsArg<H extends GroupHyper> = Tensor[] | (Partial<H> & { params: Tensor[] })[];

/** JSON-serialisable except for the tensors in `state` (torch's optimizer.state_dict() layout). */
export interface OptimizerStateDict {
  /** per parameter index (counting through the groups in order) */
  state: Record<number, ParamState>;
  /** hyperparameters with `params` as parameter indices */
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

export abstract class Optimizer<H extends GroupHyper = GroupHyper> {
  readonly paramGroups: ParamGroup<H>[];
  readonly state = new Map<Tensor, ParamState>();
  readonly defaults: H;

  constructor(params: ParamsArg<H>, defaults: H) {
    if (!Array.isArray(params) || params.length === 0) throw new Error(`${this.constructor.name}: got an empty parameter list`);
    this.defaults = defaults;
    this.paramGroups = [];
    const groups = (params[0] instanceof Tensor ? [{ params: params as Tensor[] }] : params) as (Partial<H> & { params: Tensor[] })[];
    for (const g of groups) this.addParamGroup(g);
  }

  /** Add a group of parameters with its own hyperparameters (missing ones from the defaults). */
  addParamGroup(g: Partial<H> & { params: Tensor[] }): void {
    const gi = this.paramGroups.length;
    const seen = new Set(this.paramGroups.flatMap((x) => x.params));
    if (!Array.isArray(g.params)) throw new TypeError(`${this.constructor.name}: group ${gi} needs a params array`);
    const unique = [...new Set(g.params)]; // a parameter listed twice in one group is updated once
    for (const p of unique) {
      if (!(p instanceof Tensor)) throw new TypeError(`${this.constructor.name}: group ${gi} holds a non-Tensor parameter`);
      if (!p.isLeaf) throw new Error(`${this.constructor.name}: can't optimize a non-leaf Tensor`);
      if (seen.has(p)) throw new Error(`${this.constructor.name}: some parameters appear in more than one parameter group`);
    }
    const group = { ...this.defaults, ...g, params: unique } as ParamGroup<H>;
    this.validate(group);
    this.paramGroups.push(group);
  }

  protected validate(g: ParamGroup<H>): void {
    if (!(g.lr >= 0)) throw new RangeError(`${this.constructor.name}: invalid learning rate ${g.lr}`);
  }

  /** The update of one parameter with gradient g (called under noGrad). */
  protected abstract update(p: Tensor, g: Tensor, group: ParamGroup<H>, state: ParamState): void;

  /** One optimisation step over every parameter that has a .grad. */
  step(): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          if (!p.grad) continue;
          let st = this.state.get(p);
          if (!st) this.state.set(p, (st = {}));
          this.update(p, p.grad, group, st);
        }
      }
    });
  }

  /** Frees and clears the .grad of every parameter (set_to_none). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) if (p.grad) { p.grad.dispose(); p.grad = null; }
  }

  /** A new kept state tensor of p's shape and dtype, initialised to zero. */
  protected stateZeros(p: Tensor): Tensor {
    return keep(noGrad(() => zerosLike(p)));
  }

  /** Snapshot: tensors are new handles (dispose them); values never change afterwards. */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...hyper } = g;
      return { ...structuredClone(hyper), params: params.map((p) => { const i = index.size; index.set(p, i); return i; }) };
    });
    const state: Record<number, ParamState> = {};
    for (const [p, st] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      state[i] = Object.fromEntries(Object.entries(st).map(([k, v]) => [k, v instanceof Tensor ? v.detach() : v]));
    }
    return { state, paramGroups };
  }

  /** Restore hyperparameters and state. Validates everything first, then writes (all-or-nothing). */
  loadStateDict(sd: OptimizerStateDict): void {
    const name = this.constructor.name;
    if (!sd || !Array.isArray(sd.paramGroups) || typeof sd.state !== 'object') throw new Error(`${name}.loadStateDict: expected { state, paramGroups }`);
    if (sd.paramGroups.length !== this.paramGroups.length) throw new Error(`${name}.loadStateDict: loaded state dict has ${sd.paramGroups.length} parameter groups, the optimizer has ${this.paramGroups.length}`);
    const params: Tensor[] = [];
    sd.paramGroups.forEach((g, i) => {
      if (g.params.length !== this.paramGroups[i].params.length) throw new Error(`${name}.loadStateDict: loaded state dict contains a parameter group (${i}) that doesn't match the size of the optimizer's group (${g.params.length} vs ${this.paramGroups[i].params.length})`);
      g.params.forEach((idx, j) => { params[idx] = this.paramGroups[i].params[j]; });
    });
    for (const [k, st] of Object.entries(sd.state)) {
      const p = params[Number(k)];
      if (!p) throw new Error(`${name}.loadStateDict: state for unknown parameter index ${k}`);
      for (const [sk, v] of Object.entries(st)) {
        if (v instanceof Tensor && (v.ndim !== p.ndim || v.shape.some((d, i) => d !== p.shape[i]))) {
          throw new Error(`${name}.loadStateDict: state "${sk}" of parameter ${k} has shape ${fmtShape(v.shape)}, the parameter has ${fmtShape(p.shape)}`);
        }
      }
    }
    const fresh = new Map<Tensor, ParamState>();
    for (const [k, st] of Object.entries(sd.state)) {
      const p = params[Number(k)];
      fresh.set(p, Object.fromEntries(Object.entries(st).map(([sk, v]) => [sk, v instanceof Tensor ? keep(copyLike(v, p)) : v])));
    }
    this.disposeState();
    for (const [p, st] of fresh) this.state.set(p, st);
    sd.paramGroups.forEach((g, i) => {
      const { params: _p, ...hyper } = g;
      Object.assign(this.paramGroups[i], structuredClone(hyper));
    });
  }

  private disposeState(): void {
    for (const st of this.state.values()) for (const v of Object.values(st)) if (v instanceof Tensor) v.dispose();
    this.state.clear();
  }

  /** Frees the optimizer's state tensors. */
  dispose(): void { this.disposeState(); }
}

/** Move each computed value into its destination (params and state tensors keep their identity). */
function writeAll(pairs: [Tensor, Tensor][]): void {
  for (const [dst, src] of pairs) assign_(dst, src);
}

// ---------------------------------------------------------------- SGD

export interface SGDHyper extends GroupHyper {
  lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean; maximize: boolean;
}

/**
 * d = g + wd·p; with momentum: buf = d (first step) else μ·buf + (1 − dampening)·d;
 * d = nesterov ? d + μ·buf : buf;  p ← p − lr·d
 */
export class SGD extends Optimizer<SGDHyper> {
  constructor(params: ParamsArg<SGDHyper>, opts: Partial<SGDHyper> & { lr: number }) {
    super(params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...opts });
  }
  protected override validate(g: ParamGroup<SGDHyper>): void {
    super.validate(g);
    if (g.momentum < 0) throw new RangeError(`SGD: invalid momentum value ${g.momentum}`);
    if (g.weightDecay < 0) throw new RangeError(`SGD: invalid weightDecay value ${g.weightDecay}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new RangeError('SGD: nesterov momentum requires a momentum and zero dampening');
  }
  protected update(p: Tensor, g: Tensor, h: ParamGroup<SGDHyper>, st: ParamState): void {
    const first = st.momentum_buffer === undefined;
    const [np, nb] = tidy(() => {
      let d = h.maximize ? neg(g) : g;
      if (h.weightDecay !== 0) d = add(d, mul(p, h.weightDecay));
      let buf: Tensor | null = null;
      if (h.momentum !== 0) {
        buf = first ? copyOf(d) : add(mul(st.momentum_buffer as Tensor, h.momentum), mul(d, 1 - h.dampening));
        d = h.nesterov ? add(d, mul(buf, h.momentum)) : buf;
      }
      return [sub(p, mul(d, h.lr)), buf] as const;
    });
    if (nb) {
      if (first) st.momentum_buffer = keep(nb);
      else assign_(st.momentum_buffer as Tensor, nb);
    }
    assign_(p, np);
  }
}

// ---------------------------------------------------------------- Adam / AdamW

export interface AdamHyperParams extends GroupHyper {
  lr: number; betas: [number, number]; eps: number; weightDecay: number; amsgrad: boolean; maximize: boolean;
  /** use the backend's fused kernel when available (float32, no amsgrad/maximize); default true */
  fused: boolean;
}

/**
 * Adam (L2 weight decay: g ← g + wd·p) and AdamW (decoupled: p ← p·(1 − lr·wd)):
 *   m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  (amsgrad: v̂max ← max(v̂max, v))
 *   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps)
 */
export class Adam extends Optimizer<AdamHyperParams> {
  protected decoupled = false;
  constructor(params: ParamsArg<AdamHyperParams>, opts: Partial<AdamHyperParams> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, fused: true, ...opts });
  }
  protected override validate(g: ParamGroup<AdamHyperParams>): void {
    super.validate(g);
    if (!(g.eps >= 0)) throw new RangeError(`${this.constructor.name}: invalid epsilon value ${g.eps}`);
    for (const [i, b] of g.betas.entries()) if (!(b >= 0 && b < 1)) throw new RangeError(`${this.constructor.name}: invalid beta parameter at index ${i}: ${b}`);
    if (!(g.weightDecay >= 0)) throw new RangeError(`${this.constructor.name}: invalid weightDecay value ${g.weightDecay}`);
  }
  protected update(p: Tensor, g: Tensor, h: ParamGroup<AdamHyperParams>, st: ParamState): void {
    if (st.step === undefined) {
      st.step = 0;
      st.exp_avg = this.stateZeros(p);
      st.exp_avg_sq = this.stateZeros(p);
      if (h.amsgrad) st.max_exp_avg_sq = this.stateZeros(p);
    }
    const t = (st.step as number) + 1;
    st.step = t;
    const [b1, b2] = h.betas;
    const bc1 = 1 - b1 ** t, bc2 = 1 - b2 ** t;
    const m = st.exp_avg as Tensor, v = st.exp_avg_sq as Tensor;
    const hyper = { lr: h.lr, beta1: b1, beta2: b2, eps: h.eps, weightDecay: h.weightDecay, decoupled: this.decoupled, bc1, bc2 };
    if (h.fused && !h.amsgrad && !h.maximize && adamUpdate_(p, g, m, v, hyper)) {
      // a replayed step (wg.jit) advances the step count; the fused kernel packs `hyper` again
      onReplay(() => {
        const t = (st.step as number) + 1;
        st.step = t;
        Object.assign(hyper, { lr: h.lr, weightDecay: h.weightDecay, bc1: 1 - b1 ** t, bc2: 1 - b2 ** t });
      });
      return;
    }
    const vmax = st.max_exp_avg_sq as Tensor | undefined;
    const out = tidy(() => {
      let gr = h.maximize ? neg(g) : g;
      let pp = p;
      if (h.weightDecay !== 0) {
        if (this.decoupled) pp = mul(p, 1 - h.lr * h.weightDecay);
        else gr = add(gr, mul(p, h.weightDecay));
      }
      const nm = add(mul(m, b1), mul(gr, 1 - b1));
      const nv = add(mul(v, b2), mul(mul(gr, gr), 1 - b2));
      const nvmax = vmax ? maximum(vmax, nv) : null;
      const denom = add(div(sqrt(nvmax ?? nv), Math.sqrt(bc2)), h.eps);
      const np = sub(pp, mul(div(nm, denom), h.lr / bc1));
      return nvmax ? [np, nm, nv, nvmax] : [np, nm, nv];
    });
    writeAll([[p, out[0]], [m, out[1]], [v, out[2]], ...(vmax ? [[vmax, out[3]] as [Tensor, Tensor]] : [])]);
  }
}

/** Adam with decoupled weight decay (default weightDecay 0.01). */
export class AdamW extends Adam {
  constructor(params: ParamsArg<AdamHyperParams>, opts: Partial<AdamHyperParams> = {}) {
    super(params, { weightDecay: 0.01, ...opts });
    this.decoupled = true;
  }
}

// ---------------------------------------------------------------- RMSprop

export interface RMSpropHyper extends GroupHyper {
  lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean; maximize: boolean;
}

/**
 * s ← α·s + (1 − α)·g²; centered: ḡ ← α·ḡ + (1 − α)·g, a = √(s − ḡ²) + eps, else a = √s + eps;
 * momentum: buf ← μ·buf + g/a, p ← p − lr·buf; else p ← p − lr·g/a
 */
export class RMSprop extends Optimizer<RMSpropHyper> {
  constructor(params: ParamsArg<RMSpropHyper>, opts: Partial<RMSpropHyper> = {}) {
    super(params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, ...opts });
  }
  protected override validate(g: ParamGroup<RMSpropHyper>): void {
    super.validate(g);
    if (!(g.alpha >= 0)) throw new RangeError(`RMSprop: invalid alpha value ${g.alpha}`);
    if (!(g.eps >= 0)) throw new RangeError(`RMSprop: invalid epsilon value ${g.eps}`);
    if (!(g.momentum >= 0)) throw new RangeError(`RMSprop: invalid momentum value ${g.momentum}`);
  }
  protected update(p: Tensor, g: Tensor, h: ParamGroup<RMSpropHyper>, st: ParamState): void {
    if (st.step === undefined) {
      st.step = 0;
      st.square_avg = this.stateZeros(p);
      if (h.momentum > 0) st.momentum_buffer = this.stateZeros(p);
      if (h.centered) st.grad_avg = this.stateZeros(p);
    }
    st.step = (st.step as number) + 1;
    onReplay(() => { st.step = (st.step as number) + 1; });
    const sq = st.square_avg as Tensor, ga = st.grad_avg as Tensor | undefined, buf = st.momentum_buffer as Tensor | undefined;
    const out = tidy(() => {
      let gr = h.maximize ? neg(g) : g;
      if (h.weightDecay !== 0) gr = add(gr, mul(p, h.weightDecay));
      const nsq = add(mul(sq, h.alpha), mul(mul(gr, gr), 1 - h.alpha));
      const nga = ga ? add(mul(ga, h.alpha), mul(gr, 1 - h.alpha)) : null;
      const avg = add(sqrt(nga ? sub(nsq, mul(nga, nga)) : nsq), h.eps);
      const nbuf = buf ? add(mul(buf, h.momentum), div(gr, avg)) : null;
      const np = sub(p, mul(nbuf ?? div(gr, avg), h.lr));
      return { np, nsq, nga, nbuf };
    });
    writeAll([[p, out.np], [sq, out.nsq]]);
    if (ga && out.nga) assign_(ga, out.nga);
    if (buf && out.nbuf) assign_(buf, out.nbuf);
  }
}

// ---------------------------------------------------------------- gradient clipping

function gradsOf(params: Tensor | Iterable<Tensor>): Tensor[] {
  const ps = params instanceof Tensor ? [params] : [...params];
  return ps.filter((p) => p.grad);
}

/**
 * Scales all gradients by min(1, maxNorm / (‖g‖ + 1e-6)) where ‖g‖ is the norm of all
 * gradients together (torch.nn.utils.clip_grad_norm_). Returns the total norm as a scalar
 * tensor (no read-back; call `await n.item()` to log it). normType: 2, 1, or Infinity.
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2): Tensor {
  const ps = gradsOf(params);
  if (!ps.length) return full([], 0);
  return noGrad(() => {
    const total = tidy(() => {
      const gs = ps.map((p) => p.grad!);
      if (normType === Infinity) return max(stack(gs.map((g) => max(abs(g)))));
      const norms = gs.map((g) => (normType === 1 ? sum(abs(g)) : normType === 2 ? sqrt(sum(mul(g, g))) : pow(sum(pow(abs(g), normType)), 1 / normType)));
      const n = stack(norms);
      return normType === 1 ? sum(n) : normType === 2 ? sqrt(sum(mul(n, n))) : pow(sum(pow(n, normType)), 1 / normType);
    });
    const coef = tidy(() => minimum(div(maxNorm, add(total, 1e-6)), 1));
    for (const p of ps) {
      const old = p.grad!;
      p.grad = keep(mul(old, coef.dtype === old.dtype ? coef : cast(coef, old.dtype)));
      old.dispose();
    }
    coef.dispose();
    return total;
  });
}

/** Clamps every gradient element to [−clipValue, clipValue]. */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  noGrad(() => {
    for (const p of gradsOf(params)) {
      const old = p.grad!;
      p.grad = keep(clamp(old, -clipValue, clipValue));
      old.dispose();
    }
  });
}
