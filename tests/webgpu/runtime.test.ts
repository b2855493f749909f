import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { WebGPUBackend, createWebGPUBackend } from '../../src/kernels/webgpu/index.ts';
import { compare, cpu } from './helpers.ts';
import { webgpuBackend } from './device.ts';

const gpu = await webgpuBackend();
const info = (t: wg.Tensor) => ({ storage: t.storageRef.handle, shape: t.shape, dtype: t.dtype });

describe.skipIf(!gpu)('webgpu runtime', () => {
  it('reports adapter and limits', () => {
    const i = gpu!.info() as { description: string; limits: Record<string, number> };
    expect(i.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(i.limits.maxComputeWorkgroupsPerDimension).toBeGreaterThan(0);
    expect(typeof i.description).toBe('string');
  });

  it('launches fold into a 2-D grid past maxComputeWorkgroupsPerDimension (limit forced to 7)', async () => {
    const ctx = (gpu as WebGPUBackend).ctx;
    const saved = ctx.limits.maxWorkgroups;
    ctx.limits.maxWorkgroups = 7;
    try {
      await compare(gpu!, (mk) => wg.add(mk.f([10_001]), mk.f([1])), 0, 0, 'add');
      await compare(gpu!, (mk) => wg.sum(mk.f([45, 20]), [1]), 1e-5, 1e-5, 'row sums');
      await compare(gpu!, () => { wg.manualSeed(3); return wg.rand([9_999]); }, 0, 0, 'rand');
      await compare(gpu!, (mk) => wg.matmul(mk.f([9, 5, 3]), mk.f([3, 4])), 1e-5, 1e-5, 'batched matmul (z chunks)');
    } finally {
      ctx.limits.maxWorkgroups = saved;
    }
  });

  // SwiftShader (Node) runs ~1 ms per workgroup: the real thing is checked on faster adapters
  const slow = (gpu?.info() as { runtime?: string } | undefined)?.runtime === 'node';
  it.skipIf(slow)('dispatches of more than 65,535 workgroups (65,537 × 256 threads)', async () => {
    wg.setBackend(gpu!);
    const n = 65_536 * 256 + 1;
    const x = wg.rand([n]);
    const y = wg.add(x, x);
    const [xd, yd] = await Promise.all([x.data(), y.data()]);
    let bad = 0;
    for (let i = 0; i < n; i += 997) if (yd[i] !== 2 * xd[i]) bad++;
    for (const i of [n - 257, n - 2, n - 1]) if (yd[i] !== 2 * xd[i]) bad++;
    expect(bad).toBe(0);
    x.dispose(); y.dispose();
    await compare(gpu!, (mk) => wg.sum(mk.f([70_001, 20]), [1]), 1e-5, 1e-5, 'row sums');
  });

  it('a tensor over the binding limit fails with a clear error', () => {
    const ctx = (gpu as WebGPUBackend).ctx;
    expect(() => ctx.pool.alloc(ctx.limits.maxBinding + 4)).toThrow(/maxStorageBufferBindingSize/);
  });

  it('size-0 tensors: no dispatch, valid buffers', async () => {
    wg.setBackend(gpu!);
    const z = wg.zeros([0, 3]);
    const y = wg.exp(z);
    expect(Array.from(await y.data())).toEqual([]);
    expect((await wg.sum(z).data())[0]).toBe(0);
  });

  it('fused Adam / AdamW update matches the CPU rules', async () => {
    for (const decoupled of [false, true]) {
      const h = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled, bc1: 1 - 0.9 ** 3, bc2: 1 - 0.999 ** 3 };
      await compare(gpu!, (mk) => {
        const p = mk.f([1031]), g = mk.f([1031]), m = mk.f([1031], -0.1, 0.1), v = mk.f([1031], 0, 0.01);
        wg.getBackend().fused!.adamUpdate!(info(p), info(g), info(m), info(v), h);
        return [p, m, v];
      }, 1e-6, 1e-5, `adam decoupled=${decoupled}`);
    }
  });

  it('1,000 training steps under tidy keep liveBytes flat', async () => {
    wg.setBackend(gpu!);
    wg.manualSeed(0);
    const w1 = wg.keep(wg.mul(wg.randn([16, 32]), 0.1)).requiresGrad_();
    const w2 = wg.keep(wg.mul(wg.randn([32, 1]), 0.1)).requiresGrad_();
    const state = [w1, w2].map((w) => ({ w, m: wg.zerosLike(w), v: wg.zerosLike(w) }));
    const x = wg.randn([8, 16]);
    let before = 0;
    for (let it = 1; it <= 1000; it++) {
      wg.tidy(() => {
        const loss = wg.mean(wg.square(wg.matmul(wg.relu(wg.matmul(x, w1)), w2)));
        const grads = wg.grad(loss, [w1, w2]);
        const h = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: true, bc1: 1 - 0.9 ** it, bc2: 1 - 0.999 ** it };
        state.forEach((s, i) => gpu!.fused!.adamUpdate!(info(s.w), info(grads[i]), info(s.m), info(s.v), h));
      });
      if (it === 10) before = wg.memory().liveBytes;
      if (it % 250 === 0) await gpu!.sync!();
    }
    expect(wg.memory().liveBytes).toBe(before);
    const mem = wg.memory();
    expect(mem.pooledBuffers).toBeLessThan(200);
    for (const t of [w1, w2, x, ...state.flatMap((s) => [s.m, s.v])]) t.dispose();
    wg.setBackend(cpu);
  });

  it('a lost device rejects pending and later reads with a message', async () => {
    const b = (await createWebGPUBackend()) as WebGPUBackend;
    const s = b.upload(new Float32Array([1, 2, 3]), 'float32');
    const pending = b.read(s, 'float32', 3);
    b.destroy();
    await expect(pending.then(() => { throw new Error('resolved'); })).rejects.toThrow();
    await expect(b.read(s, 'float32', 3)).rejects.toThrow(/lost|destroy/i);
  });
});
