import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { describe, expect, test } from 'vitest';
import { synth } from '../../cli/synth';
import { smallPlatform } from '../helpers/fixtures';

/** `npm run synth` of the fixture (mutated) written to `specFile`, into `outdir`: its exit code and what it printed as errors. */
function synthFixture(specFile: string, outdir: string, mutate: (s: any) => void): { code: number; errors: string[] } {
  const s: any = smallPlatform();
  mutate(s);
  writeFileSync(specFile, dump(s));
  const errors: string[] = [];
  const [error, log] = [console.error, console.log];
  console.error = (m: string) => errors.push(m);
  console.log = () => {};
  try {
    return { code: synth({ spec: specFile, outdir, docsOut: false }), errors };
  } finally {
    console.error = error;
    console.log = log;
  }
}

/** The fixture synthed once, then re-synthed with another PostgreSQL version over that dist/. */
describe('a data-format change against the deployed version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'upgrade-'));
  const out = join(dir, 'dist');
  const specFile = join(dir, 'platform.yaml');
  const run = (mutate: (s: any) => void) => synthFixture(specFile, out, mutate);
  const deployed = (env: string) => (/app\.kubernetes\.io\/version: '?([\d.]+)'?\n {2}name: postgres-primary/.exec(readFileSync(join(out, env, 'data', 'postgres.yaml'), 'utf8')) ?? [])[1];

  test('PostgreSQL 16 → 17 is refused with what to do; dist/ stays; a minor change passes; upgradedFrom acknowledges the migration', () => {
    expect(run(() => {}).code).toBe(0);
    expect(deployed('prod')).toBe('16.4');
    const refused = run((s) => (s.dataStores.postgres.version = '17.2'));
    expect(refused.code).toBe(1);
    expect(refused.errors[0]).toContain(
      'dataStores.postgres.version (line 64, column 5): PostgreSQL 16.4 → 17.2 in prod changes the data format (16 → 17): the claims hold data 17.2 cannot start on. Migrate the data first (docs/runbooks.md, "PostgreSQL major upgrade"), then acknowledge it with dataStores.postgres.environments.prod.upgradedFrom: "16.4"',
    );
    expect(refused.errors[0]).toMatch(/3 problems/); // dev, staging and prod
    expect(deployed('prod')).toBe('16.4');
    expect(run((s) => (s.dataStores.postgres.version = '16.6')).code).toBe(0);
    // Only prod migrated: dev and staging stay on 16 (a minor step back to the store's 16.4 is no format change).
    const prodOnly = run((s) => {
      s.dataStores.postgres.environments.prod.version = '17.2';
      s.dataStores.postgres.environments.prod.upgradedFrom = '16.6';
    });
    expect(prodOnly.code).toBe(0);
    expect(deployed('prod')).toBe('17.2');
    expect(deployed('dev')).toBe('16.4');
    // And back down is a change of format too.
    expect(run((s) => (s.dataStores.postgres.environments.prod.version = '16.6')).errors[0]).toMatch(/17\.2 → 16\.6 in prod changes the data format \(17 → 16\): .*\(a downgrade\)/);
  });

  test('what is committed counts too: with dist/ deleted from disk, the version at HEAD still refuses the change', () => {
    const repo = mkdtempSync(join(tmpdir(), 'upgrade-git-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
    git('init', '-q');
    const spec = join(repo, 'platform.yaml');
    const synthIn = (mutate: (s: any) => void) => synthFixture(spec, join(repo, 'dist'), mutate);
    expect(synthIn(() => {}).code).toBe(0);
    git('add', '-A');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'first');
    rmSync(join(repo, 'dist'), { recursive: true, force: true });
    const refused = synthIn((s) => (s.dataStores.postgres.environments.prod.version = '17.2'));
    expect(refused.code).toBe(1);
    expect(refused.errors[0]).toContain('dataStores.postgres.environments.prod.version (line 76, column 9): PostgreSQL 16.4 → 17.2 in prod changes the data format');
    expect(synthIn((s) => Object.assign(s.dataStores.postgres.environments.prod, { version: '17.2', upgradedFrom: '16.4' })).code).toBe(0);
  });

  test('a first render (nothing deployed) has nothing to compare with', () => {
    const fresh = join(mkdtempSync(join(tmpdir(), 'upgrade-')), 'dist');
    expect(synthFixture(specFile, fresh, (s) => (s.dataStores.postgres.version = '17.2')).code).toBe(0);
    expect(existsSync(join(fresh, 'prod'))).toBe(true);
  });
});

describe('PlatformApp.synth() (a user’s own cdk8s app) refuses it too', () => {
  test('the same refusal as npm run synth, and the output directory stays', async () => {
    const { PlatformApp } = await import('../../render/platform-app');
    const { resolvePlatform } = await import('../../platform/model');
    const { SpecError, parseSpec } = await import('../../platform/loader');
    const dir = mkdtempSync(join(tmpdir(), 'upgrade-app-'));
    const out = join(dir, 'dist');
    try {
      const model = (mutate: (s: any) => void) => {
        const s: any = smallPlatform();
        mutate(s);
        return resolvePlatform(parseSpec(s, 'fixture'));
      };
      new PlatformApp({ model: model(() => {}), outdir: out }).synth();
      const before = readFileSync(join(out, 'prod', 'data', 'postgres.yaml'), 'utf8');
      const app = new PlatformApp({ model: model((s) => (s.dataStores.postgres.version = '17.2')), outdir: out });
      expect(() => app.synth()).toThrow(SpecError);
      expect(() => app.synth()).toThrow(/PostgreSQL 16\.4 → 17\.2 in prod changes the data format/);
      expect(readFileSync(join(out, 'prod', 'data', 'postgres.yaml'), 'utf8')).toBe(before);
      // The twin: a minor version passes and is written.
      new PlatformApp({ model: model((s) => (s.dataStores.postgres.version = '16.6')), outdir: out }).synth();
      expect(readFileSync(join(out, 'prod', 'data', 'postgres.yaml'), 'utf8')).toContain('postgres:16.6');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
