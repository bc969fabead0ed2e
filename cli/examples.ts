/**
 * `npm run examples`: renders every example platform (`examples/*.yaml`) with every check `npm run synth`
 * makes (spec, policy gate) and writes its architecture document to `docs/examples/<name>.md`. The rendered
 * trees are not kept (`npm run synth` with PLATFORM_SPEC and CDK8S_OUTDIR writes one); `npm test` fails
 * when a committed document differs from what its example renders.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { architectureMarkdown, secretRows } from '../render/diagram';
import { renderChecked } from './synth';

export const EXAMPLES_DIR = 'examples';
export const EXAMPLE_DOCS_DIR = join('docs', 'examples');

/** The example specs, by name (`examples/<name>.yaml`), sorted. */
export function exampleSpecs(root = '.'): { name: string; spec: string }[] {
  return readdirSync(resolve(root, EXAMPLES_DIR))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ name: basename(f, '.yaml'), spec: join(root, EXAMPLES_DIR, f) }));
}

/** The architecture document of one example, rendered with every synth check. */
export function exampleDocument(spec: string): string {
  const scratch = mkdtempSync(join(tmpdir(), 'example-'));
  try {
    const { model, charts } = renderChecked(spec, join(scratch, 'dist'));
    return architectureMarkdown(model, secretRows(model, charts), { command: 'npm run examples', spec: spec.replace(/^\.\//, '') });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
