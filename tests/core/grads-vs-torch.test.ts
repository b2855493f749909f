/**
 * Gradients of composite expressions (incl. a second-order gradient penalty) against PyTorch:
 * float64 on the reference and the fast CPU backend (tight), and float32 on every backend.
 */
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { testBackends } from '../helpers/backends.ts';
import { decodeValues, fromJson, loadFixture, mismatch, type TensorJson } from '../helpers/fixtures.ts';

interface GradCase { name: string; expr: string; inputs: TensorJson[]; out: TensorJson; grads: (TensorJson | null)[] }

/** arange in the dtype the case runs in */
let floatDtype: 'float32' | 'float64' = 'float64';
const arange64 = (n: number) => wg.cast(wg.arange(n), floatDtype);

/** The same expressions as tests/gen_fixtures.py. */
const EXPRS: Record<string, (...xs: Tensor[]) => Tensor> = {
  mlp: (x, w1, b1, w2, b2) => wg.mean(wg.sigmoid(wg.linear(wg.tanh(wg.linear(x, w1, b1)), w2, b2))),
  xent: (logits, onehot) => wg.neg(wg.mean(wg.sum(wg.mul(wg.logSoftmax(logits, -1), onehot), -1))),
  convnet: (x, w1, b1, w2) => {
    const h = wg.leakyRelu(wg.conv2d(x, w1, b1, { stride: 2, padding: 1 }), 0.2);
    const y = wg.convTranspose2d(h, w2, null, { stride: 2, padding: 1, outputPadding: 1 });
    return wg.mean(wg.mul(y, y));
  },
  stats: (x) => wg.add(wg.add(wg.add(wg.sum(wg.std(x, 1)), wg.sum(wg.logsumexp(x, 0))), wg.variance(x)),
    wg.sum(wg.mul(wg.softmax(x, -1), arange64(6)))),
  pools: (x) => wg.add(wg.add(wg.sum(wg.maxPool2d(x, 2)), wg.sum(wg.pow(wg.avgPool2d(x, 3, 2, 1), 2))),
    wg.mean(wg.mul(wg.upsampleNearest(x, 2), arange64(12)))),
  movement: (x, c) => {
    const y = wg.concat([wg.flip(x, -1), wg.slice(x, [null, null, [0, 3, 2]]), wg.pad(x, [1, 0])], -1);
    const idx = wg.tensor(Int32Array.from([0, 3, 3, 5]), [4], { dtype: 'int32' });
    const z = wg.reshape(wg.indexSelect(wg.permute(y, [2, 0, 1]), 0, idx), [-1]);
    const st = wg.mul(wg.narrow(wg.stack([x, wg.mul(x, 2)], 1), 2, 1, 2), wg.slice(x, [[0, 1], [1, 3]]));
    return wg.add(wg.add(wg.sum(wg.mul(z, c)), wg.sum(st)), wg.sum(wg.pow(wg.slice(x, [null, [1, 4, 2], [0, 3, 2]]), 2)));
  },
  broadcast: (a, b) => {
    const t = wg.add(wg.sub(wg.add(wg.mul(a, b), wg.div(a, wg.abs(b))), wg.maximum(a, b)), wg.minimum(a, wg.mul(b, 0.1)));
    return wg.add(wg.add(wg.sum(t), wg.mean(wg.pow(wg.add(wg.abs(a), 1), b))), wg.sum(wg.clamp(wg.mul(a, b), -0.3, 0.3)));
  },
  gp: (x, w, v) => {
    const xx = x.detach().requiresGrad_(true);
    const d = wg.sum(wg.mul(wg.tanh(wg.conv2d(xx, w, null, { padding: 1 })), v));
    const [gx] = wg.grad(d, xx, { createGraph: true });
    return wg.sum(wg.mul(gx, gx));
  },
  matmul_chain: (a, b, c) => wg.mean(wg.pow(wg.matmul(wg.relu(wg.matmul(a, b)), wg.transpose(c, -2, -1)), 2)),
};

const fixture = loadFixture<{ cases: GradCase[] }>('grads.json');

async function check(c: GradCase, dtype: 'float32' | 'float64', tol: number): Promise<void> {
  floatDtype = dtype;
  const { loss, gs } = wg.tidy(() => {
    const xs = c.inputs.map((j, i) => fromJson(j, dtype, c.grads[i] !== null));
    const loss = EXPRS[c.expr](...xs);
    return { loss, gs: wg.grad(loss, xs.filter((_, i) => c.grads[i] !== null)) };
  });
  expect(mismatch(await loss.data(), decodeValues(c.out.data), tol), 'loss').toBeNull();
  let k = 0;
  for (const [i, gj] of c.grads.entries()) {
    if (!gj) continue;
    const g = gs[k++];
    expect(g.shape, `grad ${i} shape`).toEqual(gj.shape);
    expect(mismatch(await g.data(), decodeValues(gj.data), tol), `grad of input ${i}`).toBeNull();
  }
  [loss, ...gs].forEach((t) => t.dispose());
}

describe.each([['ref', () => new wg.RefBackend()], ['cpu', () => new wg.CpuBackend()]] as const)('gradients vs torch on %s (float64)', (_name, make) => {
  test.each(fixture.cases.map((c) => [c.name, c] as const))('d(%s) matches torch.autograd', async (_n, c) => {
    wg.setBackend(make());
    await check(c, 'float64', 1e-9);
  });
});

const backends = await testBackends();
describe.each(backends)('gradients vs torch on $name (float32)', ({ make }) => {
  test.each(fixture.cases.map((c) => [c.name, c] as const))('d(%s)', async (_n, c) => {
    wg.setBackend(await make());
    await check(c, 'float32', 1e-3);
  });
});
