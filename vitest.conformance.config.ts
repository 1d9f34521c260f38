import { defineConfig } from 'vitest/config';

/**
 * The conformance suite (npm run test:conformance): the tests over the peer corpora, found in
 * LER_CONFORMANCE_DIR (default ../shared/data beside the project; see test/conformance/corpus.ts).
 * Without them it fails, naming the folder it looked for; it never skips.
 */
export default defineConfig({
  test: {
    include: ['test/conformance/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks'
  }
});
