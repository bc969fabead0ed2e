// `npm run check`: the synth's policy gate and the strict schemas on any YAML, with the gate's ids, suppressions and exit codes.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECK_EXIT, runCheck } from '../../cli/check';

const ROOT = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => {
  let out = '';
  let err = '';
  const code = runCheck(args, { out: (t) => (out += t), err: (t) => (err += t), cwd: dir });
  return { code, out, err };
};
const write = (rel: string, text: string) => {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), text);
  return join(dir, rel);
};
/** The rendered Deployment of auth-service alone (its file also holds its Service, policies…). */
const deployment = readFileSync(join(ROOT, 'dist/prod/services/auth-service.yaml'), 'utf8').split(/^---\n/m).find((d) => /^kind: Deployment$/m.test(d))!;

describe('npm run check', () => {
  it('passes on our own dist/ (every environment, the Argo CD files)', () => {
    const r = runCheck([join(ROOT, 'dist')], { out: () => {}, err: () => {}, cwd: ROOT });
    expect(r).toBe(CHECK_EXIT.ok);
  });

  it('one environment given as its own folder is still one scope (its kustomization.yaml marks it): it passes, and a copied object is caught', () => {
    let out = '';
    expect(runCheck([join(ROOT, 'dist/prod')], { out: (t) => (out += t), err: () => {}, cwd: ROOT }), out).toBe(CHECK_EXIT.ok);
    // The twin: a copy of a service's file beside the environment's own files is the same objects twice.
    cpSync(join(ROOT, 'dist/prod'), join(dir, 'prod'), { recursive: true });
    write('prod/extra/copy.yaml', readFileSync(join(ROOT, 'dist/prod/services/auth-service.yaml'), 'utf8'));
    const r = run('prod');
    expect(r.code).toBe(CHECK_EXIT.violations);
    expect(r.out).toMatch(/^prod\/services\/auth-service\.yaml:\d+: \[NAME-UNIQUE\] Deployment\/shop-prod\/auth-service: another Deployment named auth-service/m);
  });

  it('finds what the gate finds, at the line of the object, with the gate’s ids; and the schema’s unknown fields', () => {
    write('bad/app.yaml', deployment.replace('runAsNonRoot: true', 'runAsNonRoot: false'));
    write('bad/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: flags, namespace: shop-prod }\ndata: { a: "1" }\nbinaryDate: {}\n');
    const r = run('bad');
    expect(r.code).toBe(CHECK_EXIT.violations);
    expect(r.out).toMatch(/^bad\/app\.yaml:\d+: \[PSS-NONROOT\] Deployment\/shop-prod\/auth-service: container auth-service may run as root/m);
    expect(r.out).toContain('bad/cm.yaml:1: [SCHEMA-STRICT] ConfigMap/shop-prod/flags: not valid for v1 ConfigMap: / must NOT have additional properties: binaryDate');
    // The twin: the unchanged file passes.
    write('good/app.yaml', deployment);
    expect(run('good').code).toBe(CHECK_EXIT.ok);
  });

  it('honours suppressions with a reason, and flags one without', () => {
    const suppressed = (reason: string) =>
      deployment.replace('runAsNonRoot: true', 'runAsNonRoot: false').replace(/(\n  annotations:\n)/, `$1    policy.platform-gen.dev/suppress: "PSS-NONROOT: ${reason}"\n`);
    write('sup/app.yaml', suppressed('the vendor image must start as root, see ticket 123'));
    expect(run('sup').code).toBe(CHECK_EXIT.ok);
    write('sup/app.yaml', suppressed('because'));
    expect(run('sup').out).toContain('[SUPPRESSION]');
  });

  it('--format sarif: one result per violation with its rule and location; json: the same findings', () => {
    write('sarif/app.yaml', deployment.replace('runAsNonRoot: true', 'runAsNonRoot: false'));
    const sarif = JSON.parse(run('sarif', '--format', 'sarif').out);
    expect(sarif.version).toBe('2.1.0');
    const results = sarif.runs[0].results;
    expect(results.map((x: any) => x.ruleId)).toContain('PSS-NONROOT');
    expect(results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('sarif/app.yaml');
    expect(sarif.runs[0].tool.driver.rules.map((x: any) => x.id)).toEqual([...new Set(results.map((x: any) => x.ruleId))].sort());
    const json = JSON.parse(run('sarif', '--format', 'json').out);
    expect(json.findings.length).toBe(results.length);
  });

  it('exits 2, with one clear message, on a missing path, a file that is not YAML, and a YAML bomb', () => {
    expect(run('nowhere')).toMatchObject({ code: CHECK_EXIT.error, err: expect.stringContaining('nowhere: no such file or directory') });
    write('broken/x.yaml', 'apiVersion: v1\nkind: [unclosed\n');
    expect(run('broken')).toMatchObject({ code: CHECK_EXIT.error, err: expect.stringMatching(/broken\/x\.yaml: not YAML: /) });
    const lol = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
    write('bomb/x.yaml', `${lol}\n`);
    const t0 = Date.now();
    expect(run('bomb')).toMatchObject({ code: CHECK_EXIT.error, err: expect.stringMatching(/bomb\/x\.yaml:1: not usable YAML: .*alias/i) });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(run('--format', 'html').code).toBe(CHECK_EXIT.error);
  });
});
