/**
 * Self-test of the conformance suite with the CPU backend standing in for WebGPU (no GPU needed):
 *   node --experimental-strip-types tests/browser/selftest.ts   (Node >= 22.6)
 *   npx deno run -A tests/browser/selftest.ts
 * Every case must pass and every primitive must be dispatched; this checks the suite, not a backend.
 */
import { CpuBackend } from '../../src/index.ts';
import { runConformance } from './suite.ts';

const r = await runConformance(console.log, { start: async () => new CpuBackend() });
console.log(`conformance self-test (cpu vs cpu): ${r.passed} passed, ${r.failed} failed`);
if (r.failed) throw new Error('self-test failed');
