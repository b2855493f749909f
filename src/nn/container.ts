import type { Tensor } from '../tensor/tensor.ts';
import { Module } from './module.ts';

/** Children keyed '0', '1', ...; forward feeds each child's output to the next. */
export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => this.registerModule(String(i), m));
  }
  get length(): number { return this._modules.size; }
  /** The i-th child (negative counts from the end). */
  at(i: number): Module {
    const list = [...this._modules.values()];
    const m = list[i < 0 ? i + list.length : i];
    if (!m) throw new RangeError(`Sequential: index ${i} is out of range for ${list.length} modules`);
    return m;
  }
  append(m: Module): this {
    this.registerModule(String(this._modules.size), m);
    return this;
  }
  [Symbol.iterator](): Iterator<Module> { return this.children(); }
  override forward(x: Tensor, ...rest: unknown[]): Tensor {
    let y: unknown = x;
    let first = true;
    for (const m of this._modules.values()) {
      if (!m) continue;
      y = first ? m.call(y, ...rest) : m.call(y);
      first = false;
    }
    return y as Tensor;
  }
}

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
    if (!m) throw new RangeError(`ModuleList: index ${i} is out of range for ${list.length} modules`);
    return m;
  }
  append(m: Module): this {
    this.registerModule(String(this._modules.size), m);
    return this;
  }
  [Symbol.iterator](): Iterator<Module> { return this.children(); }
}
