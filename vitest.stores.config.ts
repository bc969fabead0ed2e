import { defineConfig } from 'vitest/config';

/**
 * `npm run test:stores`: the rendered data-store pods run with the real server programs
 * (test/stores/harness). The three store files run side by side, each in its own harness
 * network (VITEST_POOL_ID); the tests inside a file run in order. Needs root and
 * `bash test/stores/setup.sh` first.
 */
export default defineConfig({
  test: {
    include: ['test/stores/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 3,
    minWorkers: 1,
    testTimeout: 600000,
    hookTimeout: 600000,
    reporters: ['verbose'],
  },
});
