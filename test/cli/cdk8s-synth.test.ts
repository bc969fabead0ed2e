// `cdk8s synth`, the command the cdk8s docs name, run with the real cdk8s CLI: as safe as
// `npm run synth` (never removes or half-writes dist/, same bytes, same errors), and `--stdout`
// one valid YAML stream. The CLI deletes its own output directory first, so cdk8s.yaml points it
// at a scratch directory and cli/cdk8s-app.ts writes dist/ (see there).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { readTree } from '../../diff/sources';
import { treeObjects } from '../../diff/objects';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'node_modules/.bin/cdk8s');
const work = mkdtempSync(join(tmpdir(), 'cdk8s-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
// A project directory the CLI runs in: the repository's cdk8s.yaml with the app's path made absolute, the reference spec.
writeFileSync(join(work, 'cdk8s.yaml'), readFileSync(join(ROOT, 'cdk8s.yaml'), 'utf8').replace(/^app: node scripts\/run\.cjs/m, `app: node ${ROOT}/scripts/run.cjs`));
cpSync(join(ROOT, 'platform.yaml'), join(work, 'platform.yaml'));
const cdk8s = (...args: string[]) => spawnSync(CLI, ['synth', '--check-upgrade=false', ...args], { cwd: work, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CDK8S_OUTDIR: '' } });
const committed = readTree(join(ROOT, 'dist'));
const mode = (p: string) => (statSync(join(work, p)).mode & 0o777).toString(8);

describe('cdk8s synth (the real cdk8s CLI)', () => {
  it('writes dist/ byte for byte as npm run synth did, with a checkout’s modes', () => {
    const r = cdk8s();
    expect(r.status, r.stderr).toBe(0);
    expect(readTree(join(work, 'dist'))).toEqual(committed);
    expect([mode('dist'), mode('dist/prod'), mode('dist/prod/services/auth-service.yaml')]).toEqual(['755', '755', '644']);
    expect(readFileSync(join(work, 'docs/architecture.md'), 'utf8')).toBe(readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8'));
  });

  it('on a bad spec: the same error as npm run synth, a non-zero exit, dist/ untouched', () => {
    const before = statSync(join(work, 'dist')).mtimeMs;
    const good = readFileSync(join(work, 'platform.yaml'), 'utf8');
    appendFileSync(join(work, 'platform.yaml'), 'bogus: 1\n');
    try {
      const r = cdk8s();
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/platform\.yaml: 1 problem in the platform spec:\n {2}- bogus \(line \d+, column 1\): unknown field/);
      expect(r.stderr).toContain('dist/ was left as it was.');
      expect(readTree(join(work, 'dist'))).toEqual(committed);
      expect(statSync(join(work, 'dist')).mtimeMs).toBe(before);
    } finally {
      writeFileSync(join(work, 'platform.yaml'), good);
    }
  });

  it('--stdout: one YAML stream of every object (kubectl apply -f -), dist/ untouched', () => {
    const before = statSync(join(work, 'dist')).mtimeMs;
    const r = cdk8s('--stdout');
    expect(r.status, r.stderr).toBe(0);
    const docs = parseAllDocuments(r.stdout);
    expect(docs.flatMap((d) => d.errors)).toEqual([]);
    const objects = docs.map((d) => d.toJS());
    expect(objects.every((o) => typeof o?.apiVersion === 'string' && typeof o?.kind === 'string' && typeof o?.metadata?.name === 'string')).toBe(true);
    const kinds = (xs: { kind: string; metadata: { namespace?: string; name: string } }[]) => xs.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();
    // Every object of dist/ exactly once (the Argo CD folder included), nothing else.
    expect(kinds(objects)).toEqual(kinds([...treeObjects(committed).values()].map((t) => t.obj as never)));
    expect(statSync(join(work, 'dist')).mtimeMs).toBe(before);
  });
});
