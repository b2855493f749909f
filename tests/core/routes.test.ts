/**
 * Kernel routes (src/kernels/routes.ts): adapter classification, the table's defaults, the
 * environment variables, and overrides as the kernels see them (wasmGemm, threadCount and
 * routesFor, which the WebGPU kernels ask with their device's class).
 */
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.ts';
import { ADAPTER_CLASSES, adapterClass, overrideRoutes, routesFor, routesFromEnv, ROUTES, withRoutes, type Routes } from '../../src/kernels/routes.ts';
import { wasmGemm } from '../../src/kernels/cpu/wasm-gemm.ts';
import { threadCount } from '../../src/kernels/cpu/threads.ts';

const FIELDS: (keyof Routes)[] = ['gemm', 'directBlock', 'convTransposeDirect', 'directPatch', 'convWindow', 'cpuGemm', 'cpuThreads', 'cpuConv'];

describe('kernel routes', () => {
  // first: the environment is read once, when a kernel first asks, and later tests change it
  test('the environment of this process feeds the routes the kernels see', () => {
    const env = routesFromEnv();
    for (const k of ['gemm', 'cpuGemm', 'cpuThreads'] as const) {
      for (const cls of ADAPTER_CLASSES) expect(routesFor(cls)[k]).toBe(env[k] ?? ROUTES[cls][k]);
    }
    // the tests run with WEBGAN_CPU_THREADS=1: the CPU kernels' thread count comes from it
    if (env.cpuThreads !== undefined) expect(threadCount()).toBe(env.cpuThreads);
  });

  test('adapter classes from adapter info', () => {
    // as Deno (lavapipe) and Node's Dawn (SwiftShader) report them on this project's machine
    expect(adapterClass({ vendor: '65541', architecture: '', device: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe('lavapipe');
    expect(adapterClass({ vendor: 'google', architecture: 'swiftshader', device: '', description: 'SwiftShader driver 5.0.0' })).toBe('swiftshader');
    expect(adapterClass({ vendor: '', architecture: '', device: 'Lavapipe', description: '' })).toBe('lavapipe');
    expect(adapterClass({ vendor: 'Google Inc.', description: 'Google SwiftShader' })).toBe('swiftshader');
    expect(adapterClass({ vendor: 'nvidia', architecture: 'ampere', device: '', description: 'NVIDIA GeForce RTX 3080' })).toBe('gpu');
    expect(adapterClass({ vendor: 'apple', architecture: 'metal-3', description: 'Apple M2' })).toBe('gpu');
    expect(adapterClass({})).toBe('gpu');
  });

  test('one complete row per class, with the defaults of each adapter', () => {
    expect(Object.keys(ROUTES).sort()).toEqual([...ADAPTER_CLASSES].sort());
    for (const cls of ADAPTER_CLASSES) expect(Object.keys(ROUTES[cls]).sort()).toEqual([...FIELDS].sort());
    // lavapipe: the direct template and its companions; every other adapter: the tiled template
    expect(ROUTES.lavapipe).toMatchObject({ gemm: 'direct', convTransposeDirect: true, convWindow: true });
    for (const cls of ['gpu', 'swiftshader', 'cpu'] as const) expect(ROUTES[cls]).toMatchObject({ gemm: 'tiled', convTransposeDirect: false, convWindow: false });
    for (const cls of ADAPTER_CLASSES) {
      expect(ROUTES[cls]).toMatchObject({ directBlock: 'auto', directPatch: 'auto', cpuGemm: 'fma', cpuThreads: 'auto', cpuConv: 'fused' });
    }
    // the public entry exports the same table and functions
    expect(wg.ROUTES).toBe(ROUTES);
    expect(wg.withRoutes).toBe(withRoutes);
  });

  test('environment variables map into routes', () => {
    const read = (vars: Record<string, string>) => routesFromEnv((k) => vars[k]);
    expect(read({})).toEqual({});
    expect(read({ WEBGAN_GEMM: 'direct', WEBGAN_CONV_WINDOW: 'off', WEBGAN_CPU_GEMM: 'js', WEBGAN_CPU_THREADS: '3' }))
      .toEqual({ gemm: 'direct', convWindow: false, cpuGemm: 'js', cpuThreads: 3 });
    expect(read({ WEBGAN_GEMM: 'tiled', WEBGAN_CONV_WINDOW: 'on' })).toEqual({ gemm: 'tiled', convWindow: true });
    // unknown values of the switches are ignored, as an empty thread count
    expect(read({ WEBGAN_CPU_GEMM: 'wasm' })).toEqual({ cpuGemm: 'wasm' });
    expect(read({ WEBGAN_CPU_GEMM: 'fma' })).toEqual({ cpuGemm: 'fma' });
    expect(read({ WEBGAN_GEMM: 'fast', WEBGAN_CONV_WINDOW: 'yes', WEBGAN_CPU_GEMM: 'simd', WEBGAN_CPU_THREADS: '' })).toEqual({});
    expect(() => read({ WEBGAN_CPU_THREADS: 'two' })).toThrow(/WEBGAN_CPU_THREADS must be a positive integer, got 'two'/);
    expect(() => read({ WEBGAN_CPU_THREADS: '0' })).toThrow(/WEBGAN_CPU_THREADS/);
    // the default reader is the process environment
    const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
    if (!env) return;
    const saved = env.WEBGAN_GEMM;
    env.WEBGAN_GEMM = 'direct';
    try {
      expect(routesFromEnv().gemm).toBe('direct');
    } finally {
      if (saved === undefined) delete env.WEBGAN_GEMM; else env.WEBGAN_GEMM = saved;
    }
  });

  test('overrideRoutes changes what the kernels see until restored; overrides stack', () => {
    const before = routesFor('cpu');
    expect(wasmGemm()).not.toBeNull();
    const restoreJs = overrideRoutes({ cpuGemm: 'js' });
    expect(wasmGemm()).toBeNull();
    const restoreThreads = overrideRoutes({ cpuThreads: 3, cpuGemm: 'wasm' });
    expect(wasmGemm()).not.toBeNull();
    expect(threadCount()).toBe(3);
    expect(routesFor('lavapipe').cpuThreads).toBe(3); // every class
    restoreJs(); // out of order: the newer layer stays
    expect(routesFor('cpu')).toMatchObject({ cpuGemm: 'wasm', cpuThreads: 3 });
    const restoreJs2 = overrideRoutes({ cpuGemm: 'js' });
    restoreThreads();
    restoreThreads(); // twice is harmless
    expect(routesFor('cpu')).toEqual({ ...before, cpuGemm: 'js' });
    restoreJs2();
    expect(routesFor('cpu')).toEqual(before);
    expect(wasmGemm()).not.toBeNull();
  });

  test('the WebGPU routes per class; forcing gemm brings the direct template companions along', () => {
    const gpu = routesFor('gpu'), lava = routesFor('lavapipe');
    withRoutes({ gemm: 'direct' }, () => {
      expect(routesFor('gpu')).toEqual({ ...gpu, gemm: 'direct', convTransposeDirect: true, convWindow: true });
      expect(routesFor('swiftshader')).toMatchObject({ gemm: 'direct', convTransposeDirect: true, convWindow: true });
    });
    withRoutes({ gemm: 'tiled' }, () => expect(routesFor('lavapipe')).toEqual({ ...lava, gemm: 'tiled', convTransposeDirect: false, convWindow: false }));
    withRoutes({ gemm: 'direct', convWindow: false }, () => expect(routesFor('gpu')).toMatchObject({ convTransposeDirect: true, convWindow: false }));
    withRoutes({ convWindow: false, directBlock: [8, 4], directPatch: [2, 2] }, () => {
      expect(routesFor('lavapipe')).toMatchObject({ gemm: 'direct', convTransposeDirect: true, convWindow: false, directBlock: [8, 4], directPatch: [2, 2] });
    });
    expect(routesFor('gpu')).toEqual(gpu);
    expect(routesFor('lavapipe')).toEqual(lava);
  });

  test('withRoutes restores on return, on throw, and when a promise settles', async () => {
    const before = routesFor('cpu');
    expect(withRoutes({ cpuConv: 'im2col' }, () => routesFor('cpu').cpuConv)).toBe('im2col');
    expect(routesFor('cpu')).toEqual(before);
    expect(() => withRoutes({ cpuConv: 'im2col' }, () => { throw new Error('boom'); })).toThrow('boom');
    expect(routesFor('cpu')).toEqual(before);
    const seen = await withRoutes({ cpuThreads: 2 }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      return threadCount();
    });
    expect(seen).toBe(2);
    expect(routesFor('cpu')).toEqual(before);
    await expect(withRoutes({ cpuThreads: 2 }, async () => { await Promise.resolve(); throw new Error('late'); })).rejects.toThrow('late');
    expect(routesFor('cpu')).toEqual(before);
  });

  test('invalid overrides are refused and change nothing', () => {
    const before = routesFor('gpu');
    expect(() => overrideRoutes({ gemm: 'fast' as 'tiled' })).toThrow(/gemm/);
    expect(() => overrideRoutes({ directBlock: [0, 4] })).toThrow(/directBlock/);
    expect(() => overrideRoutes({ cpuThreads: -1 })).toThrow(/cpuThreads/);
    expect(() => overrideRoutes({ convWindow: 'on' as unknown as boolean })).toThrow(/convWindow/);
    expect(() => overrideRoutes({ threads: 2 } as Partial<Routes>)).toThrow(/unknown route 'threads'/);
    expect(routesFor('gpu')).toEqual(before);
  });
});
