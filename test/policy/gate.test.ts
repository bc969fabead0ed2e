import { describe, expect, test } from 'vitest';
import type { KubeObject, RenderedChart } from '../../blocks/kube-object';
import { checkPolicies, PolicyError, enforcePolicies } from '../../policy/gate';
import { RULES, SUPPRESS_ANNOTATION } from '../../policy/rules';
import { smallPlatform } from '../helpers/fixtures';
import { render } from '../helpers/render';

const rendered = render(smallPlatform());
const deployment = () => structuredClone(rendered.get('Deployment', 'api', { env: 'prod' })) as any;
const chart = (...objects: KubeObject[]): RenderedChart[] => [{ file: 'prod/services/api.yaml', objects }];
const ruleIds = (o: KubeObject) => checkPolicies(chart(o)).map((v) => v.rule);

describe('policy gate', () => {
  test('the rendered platform passes every rule', () => {
    expect(checkPolicies(rendered.charts)).toEqual([]);
  });

  const TWINS: [string, (d: any) => void][] = [
    ['PSS-NONROOT', (d: any) => { d.spec.template.spec.securityContext.runAsNonRoot = false; d.spec.template.spec.containers[0].securityContext.runAsNonRoot = false; }],
    ['PSS-ESCALATION', (d: any) => (d.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true)],
    ['PSS-CAPABILITIES', (d: any) => (d.spec.template.spec.containers[0].securityContext.capabilities = { add: ['NET_ADMIN'], drop: ['ALL'] })],
    ['PSS-SECCOMP', (d: any) => { delete d.spec.template.spec.securityContext.seccompProfile; delete d.spec.template.spec.containers[0].securityContext.seccompProfile; }],
    ['PSS-HOST', (d: any) => (d.spec.template.spec.hostNetwork = true)],
    ['READONLY-ROOT', (d: any) => (d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false)],
    ['RESOURCES', (d: any) => delete d.spec.template.spec.containers[0].resources.limits],
    ['PROBES', (d: any) => delete d.spec.template.spec.containers[0].livenessProbe],
    ['IMAGE-PINNED', (d: any) => (d.spec.template.spec.containers[0].image = 'registry.test/acme/api:latest')],
    ['ENV-UNIQUE', (d: any) => (d.spec.template.spec.containers[0].env = [...(d.spec.template.spec.containers[0].env ?? []), { name: 'A', value: '1' }, { name: 'A', value: '2' }])],
    ['SA-TOKEN', (d: any) => delete d.spec.template.spec.automountServiceAccountToken],
    // A password a patch or an extra manifest wrote into a container (the spec refuses it in env).
    ['CREDENTIAL-LITERAL', (d: any) => (d.spec.template.spec.containers[0].env = [...(d.spec.template.spec.containers[0].env ?? []), { name: 'DB_PASSWORD', value: 'hunter2' }])],
    ['META-NAMESPACE', (d: any) => delete d.metadata.namespace],
    ['META-LABELS', (d: any) => delete d.metadata.labels['app.kubernetes.io/part-of']],
    ['SELECTOR-STABLE', (d: any) => (d.spec.selector.matchLabels['app.kubernetes.io/version'] = '1.0.0')],
    ['QUOTA-BOUNDED', (d: any) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 'lots' } })],
    // A patched object with a field its API does not have (the platform's own are checked by npm test).
    ['SCHEMA-STRICT', (d: any) => { d.metadata.annotations['platform-gen/patched-by'] = 'patches[0]'; d.spec.template.spec.restartPolicyy = 'Always'; }],
  ];

  // RBAC objects: the platform's own shapes (charts/access.ts, charts/team-access.ts), each with one fault.
  const role = () => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { ...deployment().metadata, name: 'shop-access-read', namespace: undefined },
    rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] }],
  }) as any;
  const binding = () => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { ...deployment().metadata, name: 'developers-edit' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'shop-edit' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'shop:developers' }],
  }) as any;
  const RBAC_TWINS: [string, () => any, (o: any) => void][] = [
    ['RBAC-NO-WILDCARD', role, (r) => (r.rules[0].verbs = ['*'])],
    ['RBAC-NO-WILDCARD', role, (r) => (r.rules[0].resources = ['*'])],
    ['RBAC-NO-WILDCARD', role, (r) => (r.rules[0].apiGroups = ['*'])],
    ['RBAC-NO-WILDCARD', role, (r) => (r.rules[0].resources = ['pods/*'])],
    ['RBAC-NO-WILDCARD', role, (r) => (r.rules[0].resources = ['*/scale'])],
    ['RBAC-NO-WILDCARD', role, (r) => (r.aggregationRule = { clusterRoleSelectors: [{ matchLabels: {} }] })],
    ['RBAC-NO-WILDCARD', role, (r) => (r.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } }] })],
    ['RBAC-NO-ESCALATION', role, (r) => (r.rules = [{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] }])],
    ['RBAC-NO-ESCALATION', role, (r) => (r.rules = [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }])],
    ['RBAC-NO-ESCALATION', role, (r) => (r.rules = [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'] }])],
    ['RBAC-NO-ESCALATION', role, (r) => (r.rules = [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'] }])],
    ['RBAC-BINDING-SCOPED', binding, (b) => (b.roleRef.name = 'cluster-admin')],
    ['RBAC-BINDING-SCOPED', binding, (b) => (b.subjects[0].name = 'system:authenticated')],
    ['RBAC-BINDING-SCOPED', binding, (b) => (b.roleRef.name = 'edit')],
    ['RBAC-BINDING-SCOPED', binding, (b) => (b.roleRef.name = 'system:controller:namespace-controller')],
    ['RBAC-BINDING-SCOPED', binding, (b) => (b.subjects = [{ kind: 'ServiceAccount', name: 'deployer', namespace: 'shop-dev' }])],
    ['RBAC-BINDING-SCOPED', binding, (b) => { b.kind = 'ClusterRoleBinding'; delete b.metadata.namespace; }],
  ];

  test('the RBAC shapes the platform renders pass, so each twin below fails for its one fault', () => {
    expect(ruleIds(role())).toEqual([]);
    expect(ruleIds(binding())).toEqual([]);
    // A ServiceAccount subject is a workload's, not a person's: system:serviceaccount:… names are fine.
    const sa = binding();
    sa.subjects = [{ kind: 'ServiceAccount', name: 'deployer', namespace: sa.metadata.namespace }];
    expect(ruleIds(sa)).toEqual([]);
  });

  test.each(RBAC_TWINS.map(([id, make, mutate], i) => [`${id} #${i}`, id, make, mutate] as const))('%s catches its violation', (_n, rule, make, mutate) => {
    const o = make();
    mutate(o);
    expect(ruleIds(o)).toContain(rule);
  });

  test('every one-object rule of the pack has a bad twin here (SECRET-NO-DATA has its own test below)', () => {
    expect([...new Set([...TWINS.map(([id]) => id), ...RBAC_TWINS.map(([id]) => id), 'SECRET-NO-DATA'])].sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  test.each(TWINS)('%s catches its violation', (rule, mutate) => {
    const d = deployment();
    mutate(d);
    expect(ruleIds(d)).toContain(rule);
  });

  test('SCHEMA-STRICT checks only what the spec shaped: the same unknown field on an object no patch or extra manifest touched is left to npm test', () => {
    const d = deployment();
    d.spec.template.spec.restartPolicyy = 'Always';
    expect(ruleIds(d)).not.toContain('SCHEMA-STRICT');
  });

  test('a rule that cannot read an object reports it as a finding of that rule instead of crashing the gate', () => {
    const pack = { rules: [{ id: 'FRAGILE', description: 'reads a field every object of its kind has', check: (o: any) => [o.spec.missing.field] }], crossRules: [] };
    expect(checkPolicies(chart(deployment()), pack as any)).toEqual([expect.objectContaining({ rule: 'FRAGILE', message: expect.stringMatching(/^could not be checked \(the object is not shaped as its kind requires: /) })]);
  });

  test('a Secret with data never reaches git', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { ...deployment().metadata, name: 'creds' }, data: { password: 'aHVudGVyMg==' } };
    expect(ruleIds(secret as KubeObject)).toContain('SECRET-NO-DATA');
  });

  test('a violation stops the render with every violation listed', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    delete d.spec.template.spec.containers[0].readinessProbe;
    expect(() => enforcePolicies(chart(d))).toThrowError(PolicyError);
    expect(() => enforcePolicies(chart(d))).toThrowError(/2 violations; nothing was written:\n.*READONLY-ROOT.*\n.*PROBES/);
  });

  test('a suppression silences one rule on one object, and only with a reason', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    d.metadata.annotations[SUPPRESS_ANNOTATION] = 'READONLY-ROOT: the vendor image rewrites its config at start';
    expect(ruleIds(d)).toEqual([]);
    d.metadata.annotations[SUPPRESS_ANNOTATION] = 'READONLY-ROOT: needed';
    expect(ruleIds(d)).toEqual(['SUPPRESSION']);
    d.metadata.annotations[SUPPRESS_ANNOTATION] = 'NO-SUCH-RULE: a reason that is long enough here';
    expect(ruleIds(d)).toContain('SUPPRESSION');
  });
});
