import type { Tensor } from '../tensor/tensor.ts';
import type { ActivationOpts } from '../tensor/epilogue.ts';
import { fuseLayerActivation } from '../tensor/fusion.ts';
import { Conv2d, LeakyReLU, Linear, ReLU, Sigmoid, Tanh } from './layers.ts';
import { Module } from './module.ts';

/** A list of modules registered as children '0', '1', ... (no forward). */
export class ModuleList extends Module {
  constructor(modules: Module[] = []) {
    super();
    for (const m of modules) this.append(m);
  }
  get length(): number { return this._modules.size; }
  at(i: number): Module {
    const list = [...this._modules.values()];
    const m = list[i < 0 ? i + list.length : i];
    if (!m) throw new RangeError(`${this.constructor.name}: index ${i} is out of range for ${list.length} modules`);
    return m;
  }
  append(m: Module): this {
    this.registerModule(String(this._modules.size), m);
    return this;
  }
  [Symbol.iterator](): Iterator<Module> { return this.children(); }
}

/** The modules in order, each fed the previous one's output (a ModuleList with a forward). */
export class Sequential extends ModuleList {
  constructor(...modules: Module[]) {
    super(modules);
  }
  /**
   * A Linear / Conv2d directly followed by ReLU / LeakyReLU / Tanh / Sigmoid runs as one call
   * with the activation passed on (fused where src/tensor/fusion.ts decides) when neither module
   * has hooks; the modules, their parameters and state-dict keys are unchanged.
   */
  override forward(x: Tensor, ...rest: unknown[]): Tensor {
    const mods = [...this._modules.values()].filter((m): m is Module => m !== null && m !== undefined);
    let y: unknown = x;
    for (let i = 0; i < mods.length; i++) {
      const m = mods[i];
      const act = i + 1 < mods.length && (i > 0 || rest.length === 0) ? fusedActivation(m, mods[i + 1]) : null;
      if (act) {
        y = (m as Linear | Conv2d).forwardAct(y as Tensor, act);
        i++;
      } else {
        y = i === 0 ? m.call(y, ...rest) : m.call(y);
      }
    }
    return y as Tensor;
  }
}

/** hooks, or a forward replaced on the instance: run the module as written */
const hooked = (m: Module) => m._forwardHooks.size > 0 || m._forwardPreHooks.size > 0 || Object.prototype.hasOwnProperty.call(m, 'forward');

/** The activation `next` applies, when `m` (exactly a Linear or Conv2d) can fuse it. */
function fusedActivation(m: Module, next: Module): ActivationOpts | null {
  if (!fuseLayerActivation() || (m.constructor !== Linear && m.constructor !== Conv2d) || hooked(m) || hooked(next)) return null;
  switch (next.constructor) {
    case ReLU: return { activation: 'relu' };
    case Tanh: return { activation: 'tanh' };
    case Sigmoid: return { activation: 'sigmoid' };
    case LeakyReLU: return (next as LeakyReLU).negativeSlope >= 0 ? { activation: 'leakyRelu', negativeSlope: (next as LeakyReLU).negativeSlope } : null;
    default: return null;
  }
}
