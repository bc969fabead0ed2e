import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { CLI_TESTS } from './vitest.suites';
import { compiledImports } from './test/helpers/compiled-imports';

export default defineConfig({
  plugins: [compiledImports()],
  test: {
    include: ['test/**/*.test.ts'],
    // The stores suite runs real servers as root: `npm run test:stores` (vitest.stores.config.ts); the package
    // build (a whole tsc emit) is `npm run test:package` (vitest.package.config.ts); the commands run in processes of
    // their own are `npm run test:cli` (vitest.cli.config.ts).
    exclude: ['test/stores/**', 'test/package/**', ...CLI_TESTS, '**/node_modules/**'],
    pool: 'threads',
    // Test files share one module graph per worker: the generated imports/ (several MB of TypeScript) are
    // transformed and loaded once instead of once per file. Tests keep no module-level mutable state.
    isolate: false,
    // One worker per core. Vitest's default leaves one core to its main process, which only collects results:
    // on a 2-core machine that ran every file in one worker, one after another (npm test took twice as long).
    maxWorkers: availableParallelism(),
    testTimeout: 20000,
  },
});
