import { AutogradError } from '../base/errors.ts';
import { fmtShape } from '../base/dtype.ts';
import { ones, add, reshape, sumToShape } from '../tensor/ops.ts';
import { withGradMode } from '../tensor/runtime.ts';
import { keep, tidy, tidyPending } from '../tensor/scope.ts';
import { Tensor } from '../tensor/tensor.ts';
import { vjpRules } from './vjp.ts';

export interface GradOptions {
  /** cotangents for the outputs (default: 1 for scalar outputs) */
  gradOutputs?: (Tensor | null)[];
  /** record the backward pass so the result can be differentiated again */
  createGraph?: boolean;
  /** keep the graph for another backward (default: createGraph) */
  retainGraph?: boolean;
  /** return null for inputs the outputs do not depend on instead of throwing */
  allowUnused?: boolean;
}

/** Tensors that feed `outputs` through differentiable nodes, outputs last (reverse topological order reversed). */
function topoOrder(outputs: Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, boolean][] = outputs.map((t) => [t, false]);
  while (stack.length) {
    const [t, done] = stack.pop()!;
    if (done) { order.push(t); continue; }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    if (t.node) for (const i of t.node.inputs) if (i.requiresGrad && !seen.has(i)) stack.push([i, false]);
  }
  return order;
}

/**
 * Reverse-mode sweep. Returns the cotangent of every tensor in `wanted` (null if unreached).
 * Without createGraph the sweep runs with grad recording off and frees intermediates as it goes.
 */
function sweep(outputs: Tensor[], gradOutputs: (Tensor | null)[], wanted: Set<Tensor>, createGraph: boolean, retainGraph: boolean): Map<Tensor, Tensor> {
  for (const o of outputs) {
    if (!(o instanceof Tensor)) throw new AutogradError('grad: outputs must be Tensors');
    if (!o.requiresGrad) throw new AutogradError(`element of outputs ${o} does not require grad and has no grad_fn; did you call noGrad or detach()?`);
  }
  const order = topoOrder(outputs);
  // holders of each cotangent tensor; it is disposed when the last lets go (never a user-given one)
  const holds = new Map<Tensor, number>();
  const protectedTs = new Set<Tensor>();
  const cts = new Map<Tensor, Tensor>();
  const hold = (t: Tensor) => holds.set(t, (holds.get(t) ?? 0) + 1);
  const release = (t: Tensor) => {
    const n = (holds.get(t) ?? 1) - 1;
    if (n > 0) holds.set(t, n);
    else {
      holds.delete(t);
      if (!createGraph && !protectedTs.has(t)) t.dispose();
    }
  };
  const accumulate = (t: Tensor, c: Tensor) => {
    const prev = cts.get(t);
    if (!prev) {
      cts.set(t, c);
      hold(c);
    } else {
      const s = withGradMode(createGraph, () => add(prev, c));
      cts.set(t, s);
      hold(s);
      release(prev);
      if (!holds.has(c) && !createGraph && !protectedTs.has(c)) c.dispose();
    }
  };
  outputs.forEach((o, i) => {
    let g = gradOutputs[i] ?? null;
    if (g) {
      if (!(g instanceof Tensor)) throw new AutogradError(`grad: gradOutputs[${i}] must be a Tensor or null, got ${typeof g} (options go in the second argument: backward(undefined, { retainGraph: true }))`);
      if (g.shape.length !== o.shape.length || g.shape.some((d, j) => d !== o.shape[j])) {
        throw new AutogradError(`grad: gradOutputs[${i}] has shape ${fmtShape(g.shape)} but the output has shape ${fmtShape(o.shape)}`);
      }
      protectedTs.add(g);
    } else {
      if (o.size !== 1) throw new AutogradError(`grad can be implicitly created only for scalar outputs; output ${i} has shape ${fmtShape(o.shape)} (pass gradOutputs)`);
      g = ones(o.shape, { dtype: o.dtype });
    }
    accumulate(o, g);
  });

  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    const g = cts.get(t);
    if (!g || !t.node) continue;
    if (t.graphFreed) {
      throw new AutogradError('Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Pass retainGraph: true to the first backward/grad call if you need to backward twice.');
    }
    const { prim, params, inputs, versions } = t.node;
    inputs.forEach((x, i) => {
      if (x.version !== versions[i]) {
        throw new AutogradError(`backward through ${prim}: its input ${i}, ${x}, was modified in place by ${x.lastWrite} after ${prim} read it (version ${x.version}; ${prim} saw version ${versions[i]}). Write it after backward, or write a copy`);
      }
    });
    const needs = inputs.map((i) => i.requiresGrad);
    const step = () => {
      const raw = vjpRules[prim](g, inputs, t, params as never, needs);
      return raw.map((c, i) => (c && needs[i] ? sumToShape(c, inputs[i].shape) : null));
    };
    let ins: (Tensor | null)[];
    try {
      ins = withGradMode(createGraph, () => (createGraph ? step() : tidyPending(step)));
    } catch (e) {
      if (e instanceof Error && !(e instanceof AutogradError) && /used after dispose/.test(e.message)) {
        throw new AutogradError(`backward through ${prim}: a tensor saved for its gradient was disposed (by tidy() or dispose()) before backward; run the backward pass inside the same tidy(), or keep() the tensors (${e.message})`);
      }
      throw e;
    }
    ins.forEach((c, i) => { if (c) accumulate(inputs[i], c); });
    if (!wanted.has(t)) {
      cts.delete(t);
      release(g);
    }
  }
  if (!retainGraph) {
    for (const t of order) {
      if (t.node) {
        t.graphFreed = true;
        t.node = { prim: t.node.prim, params: t.node.params, inputs: [], versions: [] };
      }
    }
  }
  const result = new Map<Tensor, Tensor>();
  for (const [t, c] of cts) {
    if (wanted.has(t)) result.set(t, c);
    else release(c);
  }
  return result;
}

/**
 * Gradients of `outputs` with respect to `inputs` (torch.autograd.grad). With createGraph the
 * results are differentiable (grad-of-grad: WGAN-GP, R1).
 */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], opts: GradOptions = {}): Tensor[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  for (const [i, t] of ins.entries()) {
    if (!(t instanceof Tensor)) throw new AutogradError(`grad: inputs[${i}] is not a Tensor`);
    if (!t.requiresGrad) throw new AutogradError(`grad: inputs[${i}] ${t} does not require grad`);
  }
  const createGraph = !!opts.createGraph;
  const cts = sweep(outs, opts.gradOutputs ?? [], new Set(ins), createGraph, opts.retainGraph ?? createGraph);
  // a caller's gradOutputs tensor is never handed back as a result (disposing it would free theirs)
  const seen = new Set<Tensor>((opts.gradOutputs ?? []).filter((g): g is Tensor => g instanceof Tensor));
  return ins.map((t, i) => {
    const c = cts.get(t);
    if (!c) {
      if (opts.allowUnused) return null as unknown as Tensor;
      throw new AutogradError(`grad: inputs[${i}] ${t} was not used to compute the outputs (pass allowUnused: true)`);
    }
    // one tensor object per result, so disposing one never frees another
    if (seen.has(c)) return createGraph ? withGradMode(true, () => add(c, 0)) : c.detach();
    seen.add(c);
    return c;
  });
}

/** t.backward(): accumulate d t / d leaf into every reached leaf's .grad (and retainGrad tensors). */
export function backward(t: Tensor, gradient?: Tensor, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
  const order = topoOrder([t]);
  const wanted = new Set(order.filter((x) => x.requiresGrad && (x.isLeaf || x.retainsGrad)));
  const createGraph = !!opts.createGraph;
  const cts = sweep([t], [gradient ?? null], wanted, createGraph, opts.retainGraph ?? createGraph);
  // each .grad gets its own tensor object (storage shared by refcount) so that cotangents
  // shared between leaves (add → [g, g]) are freed exactly once
  // with createGraph a cotangent shared by two leaves (or the caller's gradient) gets a view per leaf
  const given = new Set<Tensor>(gradient ? [gradient] : []);
  const owned = [...cts].map(([x, c]) => {
    if (!createGraph) return [x, c.detach()] as const;
    if (given.has(c)) return [x, withGradMode(true, () => reshape(c, c.shape))] as const;
    given.add(c);
    return [x, c] as const;
  });
  if (!createGraph) for (const c of new Set(cts.values())) if (c !== gradient) c.dispose();
  for (const [x, own] of owned) {
    if (!x.grad) x.grad = keep(own);
    else {
      const old = x.grad;
      x.grad = keep(withGradMode(createGraph, () => add(old, own)));
      old.dispose();
      if (!createGraph) own.dispose();
    }
  }
}
