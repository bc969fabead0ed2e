// Entry point of `npm run synth` (`cdk8s synth` runs cli/cdk8s-app.ts).
//   npm run synth [-- --quiet | --json]
import { parseArgs } from 'node:util';
import { synth } from './cli/synth';

function main(): number {
  let values: { quiet?: boolean; json?: boolean };
  try {
    ({ values } = parseArgs({ options: { quiet: { type: 'boolean', short: 'q' }, json: { type: 'boolean' } }, strict: true }));
  } catch (e) {
    console.error(`${(e as Error).message}\nusage: npm run synth [-- --quiet | --json]   (the spec: $PLATFORM_SPEC or platform.yaml; the output: $CDK8S_OUTDIR or dist)`);
    return 2;
  }
  if (values.quiet && values.json) {
    console.error('--quiet and --json exclude each other');
    return 2;
  }
  return synth({ output: values.json ? 'json' : values.quiet ? 'quiet' : 'text' });
}

process.exitCode = main();
