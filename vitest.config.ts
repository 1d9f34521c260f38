import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The tests over the peer corpora (../shared/data) run apart: npm run test:conformance.
    exclude: [...configDefaults.exclude, 'test/conformance/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks'
  }
});
