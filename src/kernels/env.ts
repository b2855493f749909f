/**
 * An environment variable in Node or Deno (undefined in a browser, or in Deno without
 * --allow-env). The library's variables are read in routes.ts (kernel routes, CPU threads).
 */
export function envVar(name: string): string | undefined {
  const g = globalThis as unknown as { Deno?: { env: { get(k: string): string | undefined } }; process?: { env?: Record<string, string | undefined> } };
  try {
    return g.Deno ? g.Deno.env.get(name) : g.process?.env?.[name];
  } catch {
    return undefined; // Deno without env permission
  }
}
