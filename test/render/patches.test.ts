import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { describe, expect, test } from 'vitest';
import { SpecError } from '../../platform/loader';
import { loadPlatform } from '../../platform/load';
import { PolicyError } from '../../policy/gate';
import { PATCHED_ANNOTATION } from '../../render/patches';
import { renderPlatform } from '../../render/pipeline';
import { smallPlatform } from '../helpers/fixtures';
import { thrown } from '../helpers/render';
import { schemaErrors } from '../helpers/kube-schema';

/** A project directory: the fixture spec (mutated) and files beside it; returns a function that renders it. */
function project(mutate: (s: any) => void, files: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hatch-'));
  const s: any = smallPlatform();
  mutate(s);
  writeFileSync(join(dir, 'platform.yaml'), dump(s));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return () => renderPlatform(loadPlatform(join(dir, 'platform.yaml')));
}
type Result = ReturnType<ReturnType<typeof project>>;
const objectsOf = (r: Result, env: string) => r.charts.filter((c) => c.file.startsWith(`${env}/`)).flatMap((c) => c.objects);
const get = (r: Result, env: string, kind: string, name: string): any => objectsOf(r, env).find((o) => o.kind === kind && o.metadata.name === name);

describe('patches', () => {
  test('a merge patch and JSON patch operations change the rendered objects of the environments they name; the object says which patch', () => {
    const r = project((s) => {
      s.patches = [
        { environments: ['prod'], target: { kind: 'Deployment', name: 'api' }, merge: { spec: { template: { metadata: { annotations: { 'example.com/team': 'checkout' } } }, revisionHistoryLimit: 2 } }, reason: 'the team annotation our cost report reads' },
        { target: { kind: 'Service', name: 'worker' }, ops: [{ op: 'add', path: '/metadata/annotations/example.com~1owner', value: 'jobs' }] },
      ];
    })();
    const prod = get(r, 'prod', 'Deployment', 'api');
    expect(prod.spec.template.metadata.annotations['example.com/team']).toBe('checkout');
    expect(prod.spec.revisionHistoryLimit).toBe(2);
    expect(prod.metadata.annotations[PATCHED_ANNOTATION]).toBe('patches[0]: the team annotation our cost report reads');
    expect(get(r, 'dev', 'Deployment', 'api').spec.revisionHistoryLimit).toBe(5);
    for (const env of ['dev', 'staging', 'prod']) expect(get(r, env, 'Service', 'worker').metadata.annotations['example.com/owner']).toBe('jobs');
    expect(schemaErrors(prod)).toEqual([]);
  });

  test('the policy gate sees the patched object: a patch that breaks Pod Security fails the synth', () => {
    const render = project((s) => {
      s.patches = [{ environments: ['prod'], target: { kind: 'Deployment', name: 'api' }, ops: [{ op: 'replace', path: '/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation', value: true }] }];
    });
    const e = thrown(render);
    expect(e).toBeInstanceOf(PolicyError);
    expect(e.message).toContain("[PSS-ESCALATION] prod/services/api.yaml Deployment/acme-prod/api: container api allows privilege escalation");
  });

  test('the bad twins: a patch that matches nothing (with the closest name), an operation that does not apply, an unknown environment', () => {
    const e = thrown(project((s) => (s.patches = [{ target: { kind: 'Deployment', name: 'apii' }, merge: { spec: { replicas: 2 } } }])));
    expect(e).toBeInstanceOf(SpecError);
    expect((e as SpecError).problems[0]).toMatch(/^patches\[0\] \(line \d+, column \d+\): matches no object in dev \(kind Deployment, name apii\); did you mean 'api'\?$/);
    const op = thrown(project((s) => (s.patches = [{ environments: ['dev'], target: { kind: 'Deployment', name: 'api' }, ops: [{ op: 'remove', path: '/spec/nothing' }] }])));
    expect((op as SpecError).problems).toEqual([expect.stringMatching(/^patches\[0\] \(line \d+, column \d+\): does not apply to Deployment acme-dev\/api in dev: operation 0 \(remove \/spec\/nothing\)/)]);
    // A patch may not turn an object into another one (its AppProject and gate scope come from those fields).
    const ns = thrown(project((s) => (s.patches = [{ environments: ['prod'], target: { kind: 'Service', name: 'api' }, merge: { metadata: { namespace: 'kube-system' } } }])));
    expect((ns as SpecError).problems).toEqual([expect.stringMatching(/does not apply to Service acme-prod\/api in prod: operation 0 \(replace \/metadata\/namespace\): a patch may not change an object's kind, apiVersion, name or namespace/)]);
    // A key inherited from Object.prototype is no path of the object.
    const proto = thrown(project((s) => (s.patches = [{ environments: ['dev'], target: { kind: 'Service', name: 'api' }, ops: [{ op: 'remove', path: '/metadata/constructor' }] }])));
    expect((proto as SpecError).problems[0]).toMatch(/the path does not exist/);
    const env = thrown(project((s) => (s.patches = [{ environments: ['prd'], target: { kind: 'Deployment', name: 'api' }, merge: {} }])));
    expect((env as SpecError).problems).toEqual([expect.stringMatching(/^patches\[0\]\.environments\[0\] \(line \d+, column \d+\): 'prd' is not an environment; did you mean 'prod'\?/)]);
  });

  test('a patch that breaks the schema is refused at synth by the gate (SCHEMA-STRICT): a string where a number goes, a misspelt field', () => {
    const wrongType = thrown(project((s) => (s.patches = [{ environments: ['dev'], target: { kind: 'Deployment', name: 'api' }, merge: { spec: { replicas: 'two' } } }])));
    expect(wrongType).toBeInstanceOf(PolicyError);
    expect(wrongType.message).toContain('[SCHEMA-STRICT] dev/services/api.yaml Deployment/acme-dev/api: not valid for apps/v1 Deployment (patches[0]): /spec/replicas must be integer');
    // A misspelt field: cdk8s's typed objects would drop it silently; the patch is refused, with the field it meant.
    const typo = thrown(project((s) => (s.patches = [{ environments: ['dev'], target: { kind: 'Deployment', name: 'api' }, merge: { spec: { template: { spec: { terminationGracePeriodSecond: 30 } } } } }])));
    expect(typo).toBeInstanceOf(SpecError);
    expect((typo as SpecError).problems).toEqual([
      expect.stringMatching(/^patches\[0\] \(line \d+, column \d+\): \/spec\/template\/spec\/terminationGracePeriodSecond is not a field of apps\/v1 Deployment \(rendering drops it\); did you mean 'terminationGracePeriodSeconds'\?$/),
    ]);
    // The twin: a valid patch passes, and the same check npm test runs agrees.
    const r = project((s) => (s.patches = [{ environments: ['dev'], target: { kind: 'Deployment', name: 'api' }, merge: { spec: { template: { spec: { terminationGracePeriodSeconds: 45 } } } } }]))();
    expect(schemaErrors(get(r, 'dev', 'Deployment', 'api'))).toEqual([]);
  });
});

describe('extraManifests', () => {
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: feature-flags\n  namespace: acme-prod\ndata:\n  checkout-v2: "on"\n';
  test('objects of the folder are rendered into the environment with the platform labels and a wave where they have none', () => {
    const r = project((s) => (s.environments.prod.extraManifests = 'manifests/prod'), { 'manifests/prod/Flags.yml': cm })();
    const chart = r.charts.find((c) => c.file === 'prod/extra/flags.yaml')!;
    const o: any = chart.objects[0];
    expect(o.data).toEqual({ 'checkout-v2': 'on' });
    expect(o.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'feature-flags', 'app.kubernetes.io/component': 'extra', 'app.kubernetes.io/part-of': 'acme' });
    expect(o.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('3');
    expect(r.files.has('prod/extra/flags.yaml')).toBe(true);
    expect(r.charts.some((c) => c.file.startsWith('dev/extra/'))).toBe(false);
  });

  test('an object of the folder that is not valid for its API is refused at synth (SCHEMA-STRICT), naming its file; one no pinned schema covers is the cluster\'s to check', () => {
    const bad = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: feature-flags\n  namespace: acme-prod\ndata:\n  checkout-v2: "on"\nbinaryDate: {}\n';
    const e = thrown(project((s) => (s.environments.prod.extraManifests = 'manifests/prod'), { 'manifests/prod/flags.yaml': bad }));
    expect(e).toBeInstanceOf(PolicyError);
    expect(e.message).toMatch(/\[SCHEMA-STRICT\] prod\/extra\/flags\.yaml ConfigMap\/acme-prod\/feature-flags: not valid for v1 ConfigMap \(manifests\/prod\/flags\.yaml\): \/ must NOT have additional properties: binaryDate/);
  });

  test('a ConfigMap whose data is not text is a SCHEMA-STRICT finding, not a crash of the credential rule', () => {
    const e = thrown(project((s) => (s.environments.prod.extraManifests = 'manifests/prod'), { 'manifests/prod/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: numbers, namespace: acme-prod }\ndata: { a: 5 }\n' }));
    expect(e).toBeInstanceOf(PolicyError);
    expect(e.message).toContain('/data/a must be string');
    expect(e.message).not.toMatch(/TypeError/);
  });

  test('an environment keeps its objects in its namespaces: cluster-scoped kinds and other namespaces are refused (they would widen its AppProject)', () => {
    const crb = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: { name: api-admin }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }\nsubjects: [{ kind: ServiceAccount, name: api, namespace: acme-prod }]\n';
    const rb = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: { name: x, namespace: kube-system }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view }\nsubjects: [{ kind: ServiceAccount, name: api, namespace: acme-prod }]\n';
    const e = thrown(project((s) => (s.environments.prod.extraManifests = 'extra'), { 'extra/a.yaml': crb, 'extra/b.yaml': rb }));
    expect((e as SpecError).problems).toEqual([
      'extra/a.yaml (line 1, column 1): ClusterRoleBinding is cluster-scoped; an environment\'s extra manifests stay in its namespaces (acme-prod, acme-prod-data)',
      'extra/b.yaml (line 1, column 1): metadata.namespace must be one of prod\'s namespaces (acme-prod, acme-prod-data), got "kube-system"',
    ]);
  });

  test('the gate checks them like our own: a root pod in an extra manifest fails the synth; a file with no kind is a spec error', () => {
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: { name: debug, namespace: acme-prod }\nspec:\n  containers:\n    - { name: sh, image: "busybox:1.36" }\n';
    const e = thrown(project((s) => (s.environments.prod.extraManifests = 'extra'), { 'extra/debug.yaml': pod }));
    expect(e).toBeInstanceOf(PolicyError);
    expect(e.message).toContain('prod/extra/debug.yaml Pod/acme-prod/debug');
    const cm = thrown(project((s) => (s.environments.prod.extraManifests = 'extra'), { 'extra/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: db, namespace: acme-prod }\ndata: { DB_PASSWORD: hunter2 }\n' }));
    expect(cm.message).toContain('[CREDENTIAL-LITERAL] prod/extra/cm.yaml ConfigMap/acme-prod/db: data: DB_PASSWORD is named like a credential; read it from a Secret');
    const bad = thrown(project((s) => (s.environments.prod.extraManifests = 'extra'), { 'extra/x.yaml': 'metadata: { name: x }\n' }));
    expect((bad as SpecError).problems).toEqual(['extra/x.yaml (line 1, column 1): every object needs apiVersion, kind and metadata.name']);
    const missing = thrown(project((s) => (s.environments.prod.extraManifests = 'nowhere')));
    expect((missing as SpecError).problems[0]).toMatch(/^environments\.prod\.extraManifests \(line \d+, column \d+\): nowhere is not a folder next to the spec/);
  });
});
