/**
 * Regenerates imports/ (typed cdk8s classes for the CRDs the platform renders).
 *
 *   npm run import                         # from the pinned upstream URLs (needs internet)
 *   npm run import -- --from ../shared/crds  # from a local directory of the same files
 *
 * A local file must be byte-identical to the pinned upstream file: its git blob
 * id is checked against the one recorded in scripts/crd-sources.ts.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CRD_SOURCES, upstreamUrl } from './crd-sources';

function gitBlobId(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

const { values } = parseArgs({ options: { from: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('usage: npm run import [-- --from DIR]');
  process.exit(0);
}

const root = resolve(__dirname, '..');
const cdk8s = join(root, 'node_modules', '.bin', 'cdk8s');
const staging = mkdtempSync(join(tmpdir(), 'imports-'));
try {
  for (const s of CRD_SOURCES) {
    let source = upstreamUrl(s);
    if (values.from) {
      source = resolve(values.from, s.file);
      if (!existsSync(source)) throw new Error(`${source} is missing (expected a copy of ${upstreamUrl(s)})`);
      const blob = gitBlobId(readFileSync(source));
      if (blob !== s.blob) throw new Error(`${source} is not ${s.repo}@${s.tag}:${s.path} (blob ${blob}, expected ${s.blob})`);
    }
    console.log(`import ${s.prefix} ← ${source}`);
    execFileSync(cdk8s, ['import', `${s.prefix}:=${source}`, '--output', staging, '--language', 'typescript', '--no-save'], { stdio: ['ignore', 'ignore', 'inherit'], cwd: root });
  }
  const out = join(root, 'imports');
  for (const f of readdirSync(out)) if (f.endsWith('.ts')) rmSync(join(out, f));
  for (const f of readdirSync(staging)) renameSync(join(staging, f), join(out, f));
  console.log(`imports/: ${readdirSync(out).filter((f) => f.endsWith('.ts')).length} modules`);
} finally {
  rmSync(staging, { recursive: true, force: true });
}
