import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { dump } from 'js-yaml';
import { smallPlatform } from '../helpers/fixtures';
import { ARGO_CD_APPLICATION_OBJECTS } from '../../catalogue/addons';
import type { KubeObject } from '../../blocks/kube-object';
import { parseSpec } from '../../platform/loader';
import { resolvePlatform } from '../../platform/model';
import { formatSummary, ObjectTally, synthSummary } from '../../render/summary';

const ROOT = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'synth-summary-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `npm run synth -- ARGS` as a user runs it (a real process), on a spec file of its own. */
function run(spec: unknown, out: string, args: string[]) {
  const file = join(work, `spec-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, typeof spec === 'string' ? spec : dump(spec));
  const r = spawnSync(process.execPath, ['scripts/run.cjs', 'main.ts', ...args], { cwd: ROOT, env: { ...process.env, PLATFORM_SPEC: file, CDK8S_OUTDIR: out }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('synth summary', () => {
  const out = join(work, 'dist');

  test('--json: environments, objects per kind (adding up to the files written), files added on a first run', () => {
    const r = run(smallPlatform(), out, ['--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.ok).toBe(true);
    expect(s.environments).toEqual(['dev', 'staging', 'prod']);
    const written = files(out);
    expect(s.files.added).toEqual(Object.keys(written).sort());
    expect(s.files).toMatchObject({ changed: [], removed: [], unchanged: 0, total: Object.keys(written).length });
    // Objects per kind are counted from what was rendered: the same as the documents in the files.
    const docs = Object.entries(written).filter(([f]) => !f.endsWith('kustomization.yaml')).flatMap(([, t]) => t.split(/^---$/m).filter((d) => /^kind: /m.test(d)));
    expect(s.objects).toBe(docs.length);
    expect(Object.values(s.kinds).reduce((a: number, b) => a + (b as number), 0)).toBe(s.objects);
    expect(s.kinds.Deployment).toBe(docs.filter((d) => /^kind: Deployment$/m.test(d)).length);
    expect(s.policy).toMatchObject({ violations: 0, suppressions: [] });
    expect(s.policy.rules).toBeGreaterThan(20);
    expect(s.seconds).toBeGreaterThan(0);
  });

  test('a second run changes nothing; a changed replica count and a removed service show up as changed and removed files', () => {
    expect(JSON.parse(run(smallPlatform(), out, ['--json']).stdout).files).toMatchObject({ added: [], changed: [], removed: [] });
    const spec: any = smallPlatform();
    spec.environments.staging.replicas = 3;
    const gone = spec.services.pop();
    const s = JSON.parse(run(spec, out, ['--json']).stdout);
    expect(s.files.changed).toContain(`staging/services/${spec.services[0].name}.yaml`);
    expect(s.files.removed).toContain(`prod/services/${gone.name}.yaml`);
    expect(s.files.added).toEqual([]);
    expect(s.files.unchanged + s.files.changed.length + s.files.added.length).toBe(s.files.total);
  });

  test('suppressions are listed with their reasons, in text and JSON', () => {
    const spec: any = smallPlatform();
    const svc = spec.services[0].name;
    spec.patches = [
      {
        target: { kind: 'Deployment', name: svc, namespace: spec.environments.prod.namespace },
        merge: { metadata: { annotations: { 'policy.platform-gen.dev/suppress': 'PROBES: the vendor image has no health endpoint yet' } } },
        reason: 'vendor image without probes',
        environments: ['prod'],
      },
    ];
    const j = JSON.parse(run(spec, join(work, 'sup'), ['--json']).stdout);
    expect(j.policy.suppressions).toEqual([{ rule: 'PROBES', file: `prod/services/${svc}.yaml`, object: `Deployment/${spec.environments.prod.namespace}/${svc}`, reason: 'the vendor image has no health endpoint yet' }]);
    const t = run(spec, join(work, 'sup'), []);
    expect(t.stdout).toMatch(/policy +\d+ rules: 0 violations, 1 suppression\n +PROBES off on Deployment\/\S+ \(prod\/services\/\S+\.yaml\): the vendor image has no health endpoint yet/);
  });

  test('text: one short summary naming every part; --quiet: nothing on stdout', () => {
    const t = run(smallPlatform(), join(work, 'text'), []);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^synth: \S+ → \S+\/ in \d+\.\d\d s\n  environments  dev, staging, prod\n  objects       \d+: /);
    expect(t.stdout).toMatch(/ files +\d+ written: \d+ added, 0 changed, 0 removed, 0 unchanged/);
    expect(t.stdout).toMatch(/ policy +\d+ rules: 0 violations, 0 suppressions/);
    expect(t.stdout.split('\n').length).toBeLessThan(40);
    const q = run(smallPlatform(), join(work, 'text'), ['--quiet']);
    expect(q).toMatchObject({ code: 0, stdout: '' });
  });

  test('--json on a bad spec: ok false with every problem and its line, exit 1, output untouched; bad flags exit 2', () => {
    const before = files(out);
    const spec: any = smallPlatform();
    spec.services[0].port = 70000;
    const r = run(spec, out, ['--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(false);
    expect(j.errors.join('\n')).toMatch(/services\[\w+\]\.port \(line \d+, column \d+\): must be 1–65535/);
    expect(files(out)).toEqual(before);
    expect(run(smallPlatform(), out, ['--json', '--quiet']).code).toBe(2);
    const bad = run(smallPlatform(), out, ['--jsn']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--jsn'[\s\S]*usage: npm run synth/);
  });
});

describe('the summary warns of an environment past what one Argo CD Application holds', () => {
  const model = resolvePlatform(parseSpec(smallPlatform(), 'fixture'));
  const objects = (n: number): KubeObject[] => Array.from({ length: n }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}`, namespace: 'acme-prod' } }));
  const summary = (prod: number) =>
    synthSummary({
      spec: 'platform.yaml',
      outdir: 'dist',
      model,
      // Argo CD's own files are not an environment's Application: they never count.
      tally: new ObjectTally().add([{ file: 'prod/services/a.yaml', objects: objects(prod) }, { file: 'dev/services/a.yaml', objects: objects(10) }, { file: 'argocd/apps/x.yaml', objects: objects(5000) }]),
      write: { added: [], changed: [], removed: [], unchanged: 0 },
      docs: [],
      startedAt: Date.now(),
    });

  test('one object past the limit: a warning naming the environment, its count and what to do, in text and JSON', () => {
    const s = summary(ARGO_CD_APPLICATION_OBJECTS + 1);
    expect(s.warnings).toEqual([expect.stringMatching(/^prod: 3,001 objects in one Argo CD Application, past the 3,000 or so .*argo-cd#14486.*docs\/gitops\.md, "Beyond one repository"/)]);
    expect(formatSummary(s)).toMatch(/\n  warnings      prod: 3,001 objects/);
  });

  test('the bad twin: at the limit, and for the Argo CD files, nothing', () => {
    expect(summary(ARGO_CD_APPLICATION_OBJECTS).warnings).toEqual([]);
    expect(formatSummary(summary(ARGO_CD_APPLICATION_OBJECTS))).not.toMatch(/warnings/);
  });
});
