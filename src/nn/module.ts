import { fmtShape, isFloat } from '../base/dtype.ts';
import { zeros } from '../tensor/ops.ts';
import { noGrad } from '../tensor/runtime.ts';
import { keep, tidy } from '../tensor/scope.ts';
import { Tensor } from '../tensor/tensor.ts';
import { Parameter, assign_, copyLike } from './parameter.ts';

export type StateDict = Record<string, Tensor>;
export type ForwardHook = (module: Module, input: unknown[], output: unknown) => unknown;
export type ForwardPreHook = (module: Module, input: unknown[]) => unknown[] | void;
export interface RemovableHandle { remove(): void }
export interface LoadResult { missingKeys: string[]; unexpectedKeys: string[] }

const REGISTRIES = new Set(['_parameters', '_buffers', '_modules', '_nonPersistent', '_forwardHooks', '_forwardPreHooks', 'training']);

/**
 * Routes attribute writes like PyTorch's __setattr__: assigning a Parameter registers a
 * parameter, a Module registers a child, a Tensor assigned to a registered buffer name replaces
 * the buffer. Registration order = assignment order = stateDict key order.
 */
const routing: ProxyHandler<Module> = {
  defineProperty(target, key, desc) {
    if (typeof key === 'string' && 'value' in desc && !REGISTRIES.has(key)) target._route(key, desc.value);
    return Reflect.defineProperty(target, key, desc);
  },
  deleteProperty(target, key) {
    if (typeof key === 'string') {
      target._parameters.delete(key);
      target._buffers.delete(key);
      target._modules.delete(key);
    }
    return Reflect.deleteProperty(target, key);
  },
};

/**
 * Base class of all layers (torch.nn.Module). Subclasses assign Parameters and Modules as
 * properties (`this.weight = new Parameter(...)`, `this.fc = new Linear(...)`) and register
 * buffers with `registerBuffer`. Override `forward`; call with `m.call(x)` (runs hooks).
 */
export class Module {
  _parameters = new Map<string, Parameter | null>();
  _buffers = new Map<string, Tensor | null>();
  _nonPersistent = new Set<string>();
  _modules = new Map<string, Module | null>();
  _forwardHooks = new Map<number, ForwardHook>();
  _forwardPreHooks = new Map<number, ForwardPreHook>();
  training = true;

  constructor() {
    // every subclass constructor sees the proxy as `this`
    return new Proxy(this, routing);
  }

  /** @internal attribute routing, see `routing` */
  _route(name: string, value: unknown): void {
    if (value === undefined) return; // a class-field declaration without initializer
    if (value instanceof Parameter) {
      this._buffers.delete(name); this._modules.delete(name);
      this._parameters.set(name, value);
    } else if (value instanceof Module) {
      this._parameters.delete(name); this._buffers.delete(name);
      this._modules.set(name, value);
    } else if (this._parameters.has(name)) {
      if (value !== null) throw new TypeError(`cannot assign ${String(value)} as parameter '${name}' of ${this.constructor.name} (a Parameter or null expected; delete it first to replace it by a plain attribute)`);
      this._parameters.set(name, null);
    } else if (this._buffers.has(name)) {
      if (value !== null && !(value instanceof Tensor)) throw new TypeError(`cannot assign ${String(value)} as buffer '${name}' of ${this.constructor.name} (a Tensor or null expected)`);
      this._buffers.set(name, value === null ? null : keep(value as Tensor));
    } else if (this._modules.has(name)) {
      if (value !== null) throw new TypeError(`cannot assign ${String(value)} as child module '${name}' of ${this.constructor.name} (a Module or null expected)`);
      this._modules.set(name, null);
    }
  }

  // ------------------------------------------------------------- registration

  registerParameter(name: string, p: Parameter | null): void {
    checkName(this, name);
    (this as Record<string, unknown>)[name] = p;
    if (p === null) this._parameters.set(name, null);
  }

  /** A tensor that is state but not a parameter (running_mean); persistent ones are in stateDict. */
  registerBuffer(name: string, t: Tensor | null, persistent = true): void {
    checkName(this, name);
    if (t !== null && !(t instanceof Tensor)) throw new TypeError(`registerBuffer('${name}'): expected a Tensor or null`);
    this._parameters.delete(name); this._modules.delete(name);
    this._buffers.set(name, null);
    if (persistent) this._nonPersistent.delete(name);
    else this._nonPersistent.add(name);
    (this as Record<string, unknown>)[name] = t;
  }

  registerModule(name: string, m: Module | null): void {
    checkName(this, name);
    (this as Record<string, unknown>)[name] = m;
    if (m === null) this._modules.set(name, null);
  }

  // ------------------------------------------------------------- traversal

  *namedModules(prefix = '', memo = new Set<Module>()): Generator<[string, Module]> {
    if (memo.has(this)) return;
    memo.add(this);
    yield [prefix, this];
    for (const [n, m] of this._modules) if (m) yield* m.namedModules(prefix ? `${prefix}.${n}` : n, memo);
  }
  *modules(): Generator<Module> { for (const [, m] of this.namedModules()) yield m; }
  *namedChildren(): Generator<[string, Module]> { for (const [n, m] of this._modules) if (m) yield [n, m]; }
  *children(): Generator<Module> { for (const [, m] of this.namedChildren()) yield m; }

  /** Parameters with dotted keys (`main.0.weight`), each once, like torch's named_parameters. */
  /** Each distinct tensor of one kind (parameters or buffers) under its dotted name, in registration order. */
  private namedTensors<T extends Tensor>(slot: (m: Module) => Map<string, T | null>, prefix: string, recurse: boolean): [string, T][] {
    const out: [string, T][] = [];
    const seen = new Set<Tensor>();
    const mods = recurse ? [...this.namedModules(prefix)] : [[prefix, this] as [string, Module]];
    for (const [mp, m] of mods) {
      for (const [n, t] of slot(m)) if (t && !seen.has(t)) { seen.add(t); out.push([mp ? `${mp}.${n}` : n, t]); }
    }
    return out;
  }
  namedParameters(prefix = '', recurse = true): [string, Parameter][] { return this.namedTensors((m) => m._parameters, prefix, recurse); }
  parameters(recurse = true): Parameter[] { return this.namedParameters('', recurse).map(([, p]) => p); }
  namedBuffers(prefix = '', recurse = true): [string, Tensor][] { return this.namedTensors((m) => m._buffers, prefix, recurse); }
  buffers(recurse = true): Tensor[] { return this.namedBuffers('', recurse).map(([, b]) => b); }

  /** The submodule at a dotted path ('main.0'); '' is this module. */
  getSubmodule(path: string): Module {
    let m: Module = this;
    for (const part of path ? path.split('.') : []) {
      const c = m._modules.get(part);
      if (!c) throw new Error(`${m.constructor.name} has no attribute \`${part}\` (looking up "${path}")`);
      m = c;
    }
    return m;
  }

  /** The parameter at a dotted path ('main.0.weight'). */
  getParameter(path: string): Parameter {
    const i = path.lastIndexOf('.');
    const m = this.getSubmodule(i < 0 ? '' : path.slice(0, i));
    const p = m._parameters.get(path.slice(i + 1));
    if (!p) throw new Error(`${m.constructor.name} has no parameter \`${path.slice(i + 1)}\` (looking up "${path}")`);
    return p;
  }

  /** Number of parameter elements (all, or only those that require grad). */
  numParameters(onlyTrainable = false): number {
    return this.parameters().filter((p) => !onlyTrainable || p.requiresGrad).reduce((a, p) => a + p.size, 0);
  }

  // ------------------------------------------------------------- modes and grads

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this { return this.train(false); }

  /** Freeze or unfreeze every parameter. */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad = flag && isFloat(p.dtype);
    return this;
  }

  /** Frees and clears every parameter's .grad (torch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.parameters()) if (p.grad) { p.grad.dispose(); p.grad = null; }
  }

  /** fn on every submodule (children first) and then this module, like torch's apply. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /** Frees all parameters, their grads and buffers. The module is unusable afterwards. */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
    for (const b of this.buffers()) b.dispose();
  }

  // ------------------------------------------------------------- forward and hooks

  forward(..._inputs: any[]): any {
    throw new Error(`Module [${this.constructor.name}] is missing the required "forward" function`);
  }

  /** Run pre-hooks, forward, hooks (like calling a torch module). */
  call(...inputs: any[]): any {
    let args: unknown[] = inputs;
    for (const h of this._forwardPreHooks.values()) {
      const r = h(this, args);
      if (r !== undefined) args = r;
    }
    let out = this.forward(...args);
    for (const h of this._forwardHooks.values()) {
      const r = h(this, args, out);
      if (r !== undefined) out = r;
    }
    return out;
  }

  /** hook(module, inputs, output) after each forward; a non-undefined return replaces the output. */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    const id = nextHookId++;
    this._forwardHooks.set(id, hook);
    return { remove: () => void this._forwardHooks.delete(id) };
  }

  /** hook(module, inputs) before each forward; a returned array replaces the inputs. */
  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    const id = nextHookId++;
    this._forwardPreHooks.set(id, hook);
    return { remove: () => void this._forwardPreHooks.delete(id) };
  }

  // ------------------------------------------------------------- state dicts

  /**
   * Parameters and persistent buffers in PyTorch's key order (per module: parameters, then
   * buffers, then children). Values are new handles sharing storage (no copy): dispose them
   * (or call inside tidy). They are snapshots: later optimizer steps never change them.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [mp, m] of this.namedModules()) {
      const key = (n: string) => (mp ? `${mp}.${n}` : n);
      for (const [n, p] of m._parameters) if (p) out[key(n)] = p.detach();
      for (const [n, b] of m._buffers) if (b && !m._nonPersistent.has(n)) out[key(n)] = b.detach();
    }
    return out;
  }

  /** Keys stateDict() would produce, with the tensors themselves (not detached copies: write them with assign_). */
  stateEntries(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [mp, m] of this.namedModules()) {
      const key = (n: string) => (mp ? `${mp}.${n}` : n);
      for (const [n, p] of m._parameters) if (p) out.set(key(n), p);
      for (const [n, b] of m._buffers) if (b && !m._nonPersistent.has(n)) out.set(key(n), b);
    }
    return out;
  }

  /**
   * Copy values from a state dict. All-or-nothing: every key, shape and dtype is checked before
   * anything is written. strict (default) also refuses missing and unexpected keys. Values are
   * copied (the caller keeps ownership of sd), cast to the destination dtype and moved to its
   * backend (from the CPU).
   */
  loadStateDict(sd: StateDict | Map<string, Tensor>, opts: { strict?: boolean } = {}): LoadResult {
    const strict = opts.strict ?? true;
    const src = sd instanceof Map ? sd : new Map(Object.entries(sd));
    const dst = this.stateEntries();
    const missingKeys = [...dst.keys()].filter((k) => !src.has(k));
    const unexpectedKeys = [...src.keys()].filter((k) => !dst.has(k));
    const errors: string[] = [];
    if (strict && missingKeys.length) errors.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
    if (strict && unexpectedKeys.length) errors.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
    for (const [k, t] of dst) {
      const s = src.get(k);
      if (s === undefined) continue;
      if (!(s instanceof Tensor)) errors.push(`value for "${k}" is not a Tensor.`);
      else if (s.isDisposed) errors.push(`value for "${k}" was disposed.`);
      else if (s.backend !== t.backend && !s.backend.readSync) errors.push(`value for "${k}" lives on the ${s.backend.name} backend; the model is on ${t.backend.name}.`);
      else if (s.shape.length !== t.shape.length || s.shape.some((d, i) => d !== t.shape[i])) {
        errors.push(`size mismatch for ${k}: copying a param with shape ${fmtShape(s.shape)} from checkpoint, the shape in current model is ${fmtShape(t.shape)}.`);
      }
    }
    if (errors.length) throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join('\n\t')}`);
    // copy everything first, then move all copies in: a failure while copying writes nothing
    const copies: [Tensor, Tensor][] = [];
    try {
      for (const [k, t] of dst) {
        const s = src.get(k);
        if (s) copies.push([t, copyLike(s, t)]);
      }
    } catch (e) {
      for (const [, c] of copies) c.dispose();
      throw e;
    }
    for (const [t, c] of copies) assign_(t, c);
    return { missingKeys, unexpectedKeys };
  }

  // ------------------------------------------------------------- printing

  /** One line of constructor arguments, shown by toString (torch's extra_repr). */
  extraRepr(): string { return ''; }

  toString(): string {
    const kids = [...this.namedChildren()];
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (!kids.length) return `${head})`;
    const body = kids.map(([n, m]) => `  (${n}): ${m.toString().split('\n').join('\n  ')}`).join('\n');
    return `${head}\n${body}\n)`;
  }

  /**
   * A table of every submodule's output shape and own parameter count for an input of
   * `inputShape` (runs one forward on zeros in eval and no-grad mode; nothing is kept or changed).
   */
  summary(inputShape: number[] | number[][]): string {
    const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as number[][];
    const rows: [string, string, string, number][] = [];
    const handles: RemovableHandle[] = [];
    for (const [name, m] of this.namedModules()) {
      if (m === this) continue;
      handles.push(m.registerForwardHook((mod, _in, out) => {
        const own = mod.parameters(false).reduce((a, p) => a + p.size, 0);
        rows.push([name, mod.constructor.name, out instanceof Tensor ? fmtShape(out.shape) : '?', own]);
      }));
    }
    let outShape = '?';
    // eval mode so that running statistics and power iterations are left untouched
    const modes = [...this.modules()].map((m) => [m, m.training] as const);
    this.eval();
    try {
      tidy(() => noGrad(() => {
        const out = this.call(...shapes.map((s) => zeros(s)));
        if (out instanceof Tensor) outShape = fmtShape(out.shape);
      }));
    } finally {
      for (const h of handles) h.remove();
      for (const [m, t] of modes) m.training = t;
    }
    const total = this.numParameters();
    const trainable = this.numParameters(true);
    const table: string[][] = [['Layer (type)', 'Output shape', 'Param #'], ...rows.map(([n, t, s, p]) => [`${n} (${t})`, s, p.toLocaleString('en-US')])];
    if (!rows.length) table.push([`${this.constructor.name}`, outShape, total.toLocaleString('en-US')]);
    const w = [0, 1, 2].map((i) => Math.max(...table.map((r) => r[i].length)));
    const fmt = (r: string[]) => `${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2].padStart(w[2])}`;
    const line = '-'.repeat(w[0] + w[1] + w[2] + 4);
    return [
      `${this.constructor.name} summary (input ${shapes.map(fmtShape).join(', ')})`, line, fmt(table[0]), line,
      ...table.slice(1).map(fmt), line,
      `Total params: ${total.toLocaleString('en-US')}`, `Trainable params: ${trainable.toLocaleString('en-US')}`,
      `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`,
    ].join('\n');
  }
}

let nextHookId = 0;

function checkName(m: Module, name: string): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) throw new TypeError(`${m.constructor.name}: invalid attribute name "${name}" (non-empty, no ".")`);
}
