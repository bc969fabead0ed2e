import { defineConfig } from 'vitest/config';

/**
 * `npm run test:stores`: the rendered data-store pods run with the real server programs
 * (test/stores/harness). One file at a time: the suites share the machine's 2 cores and
 * the harness bridge. Needs root and `bash test/stores/setup.sh` first.
 */
export default defineConfig({
  test: {
    include: ['test/stores/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 600000,
    hookTimeout: 600000,
    reporters: ['verbose'],
  },
});
