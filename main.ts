// Entry point of `npm run synth` (`cdk8s synth` runs cli/cdk8s-app.ts).
//   npm run synth [-- --quiet | --json] [--cache]
import { parseArgs } from 'node:util';
import { synth } from './cli/synth';

/**
 * Set by scripts/run.cjs: the hash of the bundle being run and where its caches go. `--cache` keeps the
 * chart cache there (render/chart-cache.ts); absent under tsx, where the running code has no single hash.
 */
const bundle = (globalThis as { [k: symbol]: { sha256: string; cacheDir: string } | undefined })[Symbol.for('platform-gen.bundle')];

function main(): number {
  let values: { quiet?: boolean; json?: boolean; cache?: boolean };
  try {
    ({ values } = parseArgs({ options: { quiet: { type: 'boolean', short: 'q' }, json: { type: 'boolean' }, cache: { type: 'boolean' } }, strict: true }));
  } catch (e) {
    console.error(`${(e as Error).message}\nusage: npm run synth [-- --quiet | --json] [--cache]   (the spec: $PLATFORM_SPEC or platform.yaml; the output: $CDK8S_OUTDIR or dist)`);
    return 2;
  }
  if (values.quiet && values.json) {
    console.error('--quiet and --json exclude each other');
    return 2;
  }
  if (values.cache && !bundle) {
    console.error('--cache needs the bundle scripts/run.cjs runs (npm run synth): the code run here has no one version to key the cache by');
    return 2;
  }
  const cache = bundle && values.cache ? { dir: bundle.cacheDir, version: `${bundle.sha256} node ${process.version}` } : undefined;
  return synth({ output: values.json ? 'json' : values.quiet ? 'quiet' : 'text', cache });
}

process.exitCode = main();
