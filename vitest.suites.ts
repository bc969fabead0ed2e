/**
 * Which test files belong to which vitest suite, stated once for the configs that include or exclude them.
 *
 * `npm test` runs the code in-process: unit, render, policy, diff. `npm run test:cli` runs the commands as a user runs
 * them, each in a process of its own (`npm run synth` through its launcher, `cdk8s synth`, tsx on the README's
 * example, dependency-cruiser): seconds per test, most of it starting processes. CI runs both.
 */
export const CLI_TESTS = ['test/cli/**/*.test.ts', 'test/layers/**/*.test.ts'];
