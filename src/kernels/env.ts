/**
 * An environment variable in Node or Deno (undefined in a browser, or in Deno without
 * --allow-env): the switches that force a kernel path for A/B benchmarks (WEBGAN_GEMM,
 * WEBGAN_CONV_WINDOW, WEBGAN_CPU_GEMM) and the CPU GEMM thread count (WEBGAN_CPU_THREADS).
 */
export function envVar(name: string): string | undefined {
  const g = globalThis as unknown as { Deno?: { env: { get(k: string): string | undefined } }; process?: { env?: Record<string, string | undefined> } };
  try {
    return g.Deno ? g.Deno.env.get(name) : g.process?.env?.[name];
  } catch {
    return undefined; // Deno without env permission
  }
}
