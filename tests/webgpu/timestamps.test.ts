/**
 * Profile mode on WebGPU: per-dispatch GPU time from timestamp queries when the device has
 * 'timestamp-query', and the replay fallback (forced here, and what runs on adapters without it).
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.ts';
import { PROFILE_METHODS, profileTrainStep } from '../../src/cli/bench/profile.ts';
import type { GpuContext } from '../../src/kernels/webgpu/engine.ts';
import { webgpuBackend } from './device.ts';

const gpu = await webgpuBackend();
const ctx = (gpu as unknown as { ctx?: GpuContext } | null)?.ctx ?? null;
const hasTimestamps = ctx?.timestampsSupported ?? false;

describe.skipIf(!gpu)('webgpu profile mode', () => {
  afterAll(() => wg.setBackend(new wg.CpuBackend()));

  it.skipIf(!hasTimestamps)('timestamp queries time every dispatch, labelled, across flushes', async () => {
    wg.setBackend(gpu!);
    const a = wg.randn([64, 48]), b = wg.randn([48, 40]), c = wg.randn([40, 8]);
    ctx!.startTimestamps();
    ctx!.timestampLabel = 'first';
    const y = wg.matmul(a, b);
    ctx!.flush(); // a resolve per submit
    ctx!.timestampLabel = 'second';
    // relu(y + 1) runs as one generated kernel (fuse.ts) when the matmul needs it, labelled as such
    const z = wg.matmul(wg.relu(wg.add(y, 1)), c);
    const t = await ctx!.stopTimestamps();
    expect(t.length).toBeGreaterThanOrEqual(3);
    expect(t[0].label).toBe('first');
    expect(t[0].kernel).toMatch(/^gemm:matmul/);
    expect(t.filter((x) => x.label === 'fused elementwise').map((x) => x.kernel)).toEqual([expect.stringMatching(/^fused@0:.*relu/)]);
    expect(t.filter((x) => x.label === 'second').length).toBeGreaterThanOrEqual(1);
    for (const x of t) expect(Number.isFinite(x.ns) && x.ns >= 0).toBe(true);
    expect(t.reduce((s, x) => s + x.ns, 0)).toBeGreaterThan(0);
    // timing is off again: results unchanged, and nothing more is recorded
    expect(await ctx!.stopTimestamps()).toEqual([]);
    const host = await z.data();
    expect(host.length).toBe(64 * 8);
    for (const x of [a, b, c, y, z]) x.dispose();
  });

  it('profile falls back to replaying the trace without timestamps, and says so', async () => {
    wg.setBackend(gpu!);
    const p = await profileTrainStep('mlp2d', { batch: 16, steps: 1, reps: 1, print: false, timestamps: false });
    expect(p.method).toBe('replay');
    expect(p.kernels).toBeUndefined();
    expect(p.table).toContain(PROFILE_METHODS.replay);
    expect(p.prims.find((x) => x.prim === 'matmul')!.deviceMs).toBeGreaterThan(0);
  });

  it.skipIf(!hasTimestamps)('profile uses GPU timestamps when offered: per primitive and per pipeline', async () => {
    wg.setBackend(gpu!);
    const p = await profileTrainStep('mlp2d', { batch: 16, steps: 1, reps: 1, print: false });
    expect(p.method).toBe('timestamps');
    expect(p.table).toContain(PROFILE_METHODS.timestamps);
    expect(p.table).toContain('slowest pipelines');
    const names = p.prims.map((x) => x.prim);
    expect(names).toContain('matmulBiasAct'); // Linear + ReLU fused by nn.Sequential
    expect(names).toContain('adamUpdate');
    expect(p.kernels!.length).toBeGreaterThan(0);
    const kernelMs = p.kernels!.reduce((s, k) => s + k.ms, 0);
    expect(p.primMs).toBeCloseTo(kernelMs, 6);
    expect(kernelMs).toBeGreaterThan(0);
  });
});
