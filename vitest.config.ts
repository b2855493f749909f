import { defineConfig } from 'vitest/config';

const isDeno = 'Deno' in globalThis;

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // tests/package drives Node and Deno itself (child processes); one run of it is enough
    exclude: isDeno ? ['tests/package/**', '**/node_modules/**'] : ['**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
