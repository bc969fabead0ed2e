import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { CLI_TESTS } from './vitest.suites';
import { compiledImports } from './test/helpers/compiled-imports';

/** `npm run test:cli`: every command as a user runs it, in a process of its own (vitest.suites.ts). */
export default defineConfig({
  plugins: [compiledImports()],
  test: {
    include: CLI_TESTS,
    pool: 'threads',
    isolate: false,
    maxWorkers: availableParallelism(),
    testTimeout: 20000,
  },
});
