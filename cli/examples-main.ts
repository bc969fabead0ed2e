// Entry point of `npm run examples` (cli/examples.ts says what it does).
import { join } from 'node:path';
import { writeFileAtomically } from '../render/writer';
import { EXAMPLE_DOCS_DIR, exampleDocument, exampleSpecs } from './examples';
import { reportFailure } from './synth';

function main(): number {
  let failed = 0;
  for (const { name, spec } of exampleSpecs()) {
    try {
      const out = join(EXAMPLE_DOCS_DIR, `${name}.md`);
      writeFileAtomically(out, exampleDocument(spec));
      console.log(`examples: ${spec} → ${out}`);
    } catch (e) {
      failed++;
      reportFailure(e, spec);
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = main();
