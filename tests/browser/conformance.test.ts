/**
 * The browser conformance suite (./suite.ts), run by vitest in Node and Deno as well: every
 * primitive on WebGPU against the reference backend (src/kernels/ref). Skipped without an adapter, except in CI
 * (tests/helpers/backends.ts makes a missing adapter an error there).
 */
import { afterAll, expect, test } from 'vitest';
import { CpuBackend, setBackend } from '../../src/index.ts';
import { testBackends } from '../helpers/backends.ts';
import { runConformance } from './suite.ts';

const hasWebGPU = (await testBackends()).some((b) => b.name === 'webgpu');

afterAll(() => setBackend(new CpuBackend()));

test.skipIf(!hasWebGPU)('webgpu conformance: every primitive matches the reference backend', async () => {
  const r = await runConformance(() => {});
  const failures = r.results.filter((c) => !c.ok).map((c) => `${c.name}: ${c.message?.split('\n')[0]}`);
  expect(failures, `${r.passed} passed, ${r.failed} failed`).toEqual([]);
}, 600_000);
