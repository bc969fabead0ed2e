import { defineConfig } from 'vitest/config';

/** `npm run test:package`: `npm run build` (tsc emit, declarations) and the built lib rendering the same platform. */
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    testTimeout: 120000,
  },
});
