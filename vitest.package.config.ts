import { defineConfig } from 'vitest/config';

/** `npm run test:package`: `npm run build` (tsc emit, declarations) and the built lib rendering the same platform. */
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    // A bound against a hang, not a time the build must meet: a whole tsc emit on a loaded 2-core machine took 78 s
    // (a 60 s bound failed a CI run while a cluster suite ran beside it).
    testTimeout: 600000,
  },
});
