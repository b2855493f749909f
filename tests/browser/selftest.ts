/**
 * The conformance suite with the fast CPU backend as the backend under test, against the reference
 * backend (no GPU needed; vitest runs the same in tests/core/ref-conformance.test.ts):
 *   node --experimental-strip-types tests/browser/selftest.ts   (Node >= 22.6)
 *   npx deno run -A tests/browser/selftest.ts
 * Every case must pass and every primitive must be dispatched.
 */
import { CpuBackend } from '../../src/index.ts';
import { runConformance } from './suite.ts';

const r = await runConformance(console.log, { start: async () => new CpuBackend() });
console.log(`conformance (cpu vs ref): ${r.passed} passed, ${r.failed} failed`);
if (r.failed) throw new Error('self-test failed');
