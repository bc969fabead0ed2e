import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { EXAMPLE_DOCS_DIR, exampleDocument, exampleSpecs } from '../../cli/examples';

// Every invariant of test/charts/invariants.test.ts also runs on each example (test/helpers/platforms.ts).
describe('the seed platforms (examples/*.yaml)', () => {
  const examples = exampleSpecs();

  test('the design documents written as specs so far: ecotrack, eks, enterprise (greenfield waits for the MySQL and MongoDB kinds)', () => {
    expect(examples.map((e) => e.name)).toEqual(expect.arrayContaining(['ecotrack', 'eks', 'enterprise']));
  });

  test.each(examples.map((e) => [e.name, e.spec]))('%s renders with every synth check, and docs/examples/%s.md is what it renders', (name, spec) => {
    const doc = exampleDocument(spec);
    expect(readFileSync(join(EXAMPLE_DOCS_DIR, `${name}.md`), 'utf8'), `run npm run examples and commit docs/examples/${name}.md`).toBe(doc);
  });
});
