import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import * as nn from '../../src/nn/index.ts';
import { fx } from './helpers.ts';

function torchSequential(): nn.Sequential {
  return new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2), new nn.LeakyReLU(0.2), new nn.Flatten(), new nn.Linear(8, 1));
}
function torchNested(): nn.Sequential {
  return new nn.Sequential(new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU()), nn.spectralNorm(new nn.Linear(3, 1)), new nn.LayerNorm(1), new nn.Embedding(4, 2));
}
const keysOf = (sd: nn.StateDict) => { const k = Object.keys(sd); for (const t of Object.values(sd)) t.dispose(); return k; };

class Custom extends nn.Module {
  fc1: nn.Linear;
  head: nn.Module;
  scale: nn.Parameter;
  declare steps: wg.Tensor;
  notAParam = 3;
  constructor() {
    super();
    this.fc1 = new nn.Linear(2, 3);
    this.scale = new nn.Parameter(wg.ones([1]));
    this.head = new nn.Sequential(new nn.Tanh(), new nn.Linear(3, 1, { bias: false }));
    this.registerBuffer('steps', wg.zeros([]));
    this.registerBuffer('cache', wg.zeros([2]), false);
  }
  override forward(x: wg.Tensor): wg.Tensor {
    return this.head.call(this.fc1.call(x)).mul(this.scale);
  }
}

describe('Module registration and traversal', () => {
  it('state dict keys match torch (Sequential, spectral norm, nesting)', () => {
    const k = fx.stateDictKeys;
    expect(keysOf(torchSequential().stateDict())).toEqual(k.sequential);
    expect(keysOf(nn.spectralNorm(new nn.Linear(3, 2)).stateDict())).toEqual(k.spectralLinear);
    expect(keysOf(nn.spectralNorm(new nn.ConvTranspose2d(2, 3, 3)).stateDict())).toEqual(k.spectralConvT);
    const nested = torchNested();
    const sd = nested.stateDict();
    expect(Object.keys(sd)).toEqual(k.nested);
    for (const [key, t] of Object.entries(sd)) expect([...t.shape]).toEqual(k.nestedShapes[key]);
    keysOf(sd);
    expect(nested.namedParameters().map(([n]) => n)).toEqual(k.nestedParams);
  });

  it('assigning properties registers parameters, children and buffers in order', () => {
    const m = new Custom();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['scale', 'fc1.weight', 'fc1.bias', 'head.1.weight']);
    expect(keysOf(m.stateDict())).toEqual(['scale', 'steps', 'fc1.weight', 'fc1.bias', 'head.1.weight']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['steps', 'cache']);
    expect([...m.namedChildren()].map(([n]) => n)).toEqual(['fc1', 'head']);
    expect([...m.namedModules()].map(([n]) => n)).toEqual(['', 'fc1', 'head', 'head.0', 'head.1']);
    expect(m.numParameters()).toBe(1 + 6 + 3 + 3);
    expect(() => { (m as any).scale = wg.ones([1]); }).toThrow(/Parameter or null expected/);
    m.steps = wg.ones([]);
    expect(m.buffers()[0].dataSync()[0]).toBe(1);
    (m as any).fc1 = null;
    expect(m.namedParameters().map(([n]) => n)).toEqual(['scale', 'head.1.weight']);
    delete (m as any).head;
    expect([...m.children()]).toEqual([]);
  });

  it('class-field initialisers and #private fields work', () => {
    class G extends nn.Module {
      fc = new nn.Linear(2, 3);
      gain = new nn.Parameter(wg.ones([3]));
      #calls = 0;
      override forward(x: wg.Tensor): wg.Tensor { this.#calls++; return (this.fc.call(x) as wg.Tensor).mul(this.gain); }
      get calls(): number { return this.#calls; }
    }
    const g = new G();
    expect(g.namedParameters().map(([n]) => n)).toEqual(['gain', 'fc.weight', 'fc.bias']);
    g.call(wg.ones([1, 2]));
    expect(g.calls).toBe(1);
  });

  it('shared parameters are listed once', () => {
    const l = new nn.Linear(2, 2);
    const s = new nn.Sequential(l, new nn.ReLU(), l);
    expect(s.parameters().length).toBe(2);
  });

  it('train/eval propagate; apply visits children first; zeroGrad frees grads', () => {
    const m = new Custom();
    m.eval();
    expect([...m.modules()].every((x) => !x.training)).toBe(true);
    m.train();
    expect([...m.modules()].every((x) => x.training)).toBe(true);
    const order: string[] = [];
    m.apply((x) => order.push(x.constructor.name));
    expect(order).toEqual(['Linear', 'Tanh', 'Linear', 'Sequential', 'Custom']);
    const y = m.call(wg.ones([4, 2])) as wg.Tensor;
    y.sum().backward();
    expect(m.parameters().every((p) => p.grad)).toBe(true);
    const g = m.scale.grad!;
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
    expect(g.isDisposed).toBe(true);
    m.requiresGrad_(false);
    expect(m.parameters().every((p) => !p.requiresGrad)).toBe(true);
  });

  it('forward hooks see inputs and output, can replace the output, and are removable', () => {
    const l = new nn.Linear(2, 3);
    const seen: number[][] = [];
    const h = l.registerForwardHook((_m, inp, out) => { seen.push([...(inp[0] as wg.Tensor).shape, ...(out as wg.Tensor).shape]); });
    const h2 = l.registerForwardHook((_m, _i, out) => (out as wg.Tensor).mul(0));
    const y = l.call(wg.ones([5, 2])) as wg.Tensor;
    expect(seen).toEqual([[5, 2, 5, 3]]);
    expect(Array.from(y.dataSync()).every((v) => v === 0)).toBe(true);
    h.remove(); h2.remove();
    l.call(wg.ones([1, 2]));
    expect(seen.length).toBe(1);
    const pre = l.registerForwardPreHook((_m, inp) => [(inp[0] as wg.Tensor).mul(0)]);
    expect(Array.from((l.call(wg.ones([1, 2])) as wg.Tensor).dataSync())).toEqual(Array.from(l.bias!.dataSync()));
    pre.remove();
  });

  it('parameters survive tidy() and a missing forward is a clear error', () => {
    const m = wg.tidy(() => new nn.Linear(2, 2));
    expect(m.weight.isDisposed).toBe(false);
    expect(() => new nn.Module().call(wg.ones([1]))).toThrow(/missing the required "forward"/);
  });

  it('summary prints output shapes and parameter counts without touching state', () => {
    const m = torchSequential();
    const s = m.summary([2, 1, 4, 4]);
    expect(s).toMatch(/0 \(Conv2d\)\s+\[2,2,2,2\]\s+20/);
    expect(s).toMatch(/4 \(Linear\)\s+\[2,1\]\s+9/);
    expect(s).toMatch(/Total params: 33/);
    expect((m.at(1) as nn.BatchNorm2d).num_batches_tracked!.dataSync()[0]).toBe(0);
    expect(m.training).toBe(true);
    expect(String(m)).toContain('(1): BatchNorm2d(2');
  });
});

describe('stateDict / loadStateDict', () => {
  it('round-trips values; state dicts are snapshots; loading copies', () => {
    const a = torchNested(), b = torchNested();
    const sd = a.stateDict();
    b.loadStateDict(sd);
    for (const [k, t] of Object.entries(b.stateDict())) expect(Array.from(t.dataSync())).toEqual(Array.from(sd[k].dataSync()));
    const before = Array.from(sd['0.0.weight'].dataSync());
    const opt = new nn.SGD(a.parameters(), { lr: 1 });
    for (const p of a.parameters()) p.grad = wg.onesLike(p);
    opt.step();
    expect(Array.from(sd['0.0.weight'].dataSync())).toEqual(before); // snapshot unchanged
    expect(Array.from(b.stateDict()['0.0.weight'].dataSync())).toEqual(before); // b owns copies
  });

  it('strict errors: missing key, unexpected key, shape mismatch; nothing written on error', () => {
    const m = torchSequential();
    const orig = m.stateDict();
    const snapshot = Object.fromEntries(Object.entries(orig).map(([k, t]) => [k, Array.from(t.dataSync())]));
    const other = Object.fromEntries(Object.entries(torchSequential().stateDict()));
    const { ['4.bias']: _dropped, ...missing } = other;
    expect(() => m.loadStateDict(missing)).toThrow(/Missing key\(s\) in state_dict: "4\.bias"/);
    expect(() => m.loadStateDict({ ...other, extra: wg.ones([1]) })).toThrow(/Unexpected key\(s\) in state_dict: "extra"/);
    expect(() => m.loadStateDict({ ...other, '4.weight': wg.ones([2, 8]) })).toThrow(/size mismatch for 4\.weight: copying a param with shape \[2,8\] from checkpoint, the shape in current model is \[1,8\]/);
    // size mismatches are errors even when not strict
    expect(() => m.loadStateDict({ '0.weight': wg.ones([1]) }, { strict: false })).toThrow(/size mismatch/);
    for (const [k, t] of Object.entries(m.stateDict())) expect(Array.from(t.dataSync())).toEqual(snapshot[k]);
    const r = m.loadStateDict({ ...missing, extra: wg.ones([1]) }, { strict: false });
    expect(r).toEqual({ missingKeys: ['4.bias'], unexpectedKeys: ['extra'] });
    expect(Array.from(m.stateDict()['4.weight'].dataSync())).toEqual(Array.from(other['4.weight'].dataSync()));
  });

  it('num_batches_tracked is an int32 scalar and loads from float', () => {
    const bn = new nn.BatchNorm1d(2);
    bn.loadStateDict({ num_batches_tracked: wg.tensor(7) }, { strict: false });
    expect(bn.num_batches_tracked!.dtype).toBe('int32');
    expect(bn.num_batches_tracked!.dataSync()[0]).toBe(7);
  });
});
