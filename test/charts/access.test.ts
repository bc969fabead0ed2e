import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { loadAll } from 'js-yaml';
import { readTree } from '../../diff/sources';
import { SpecError } from '../../platform/loader';
import { parseSpec } from '../../platform/loader';
import { smallPlatform } from '../helpers/fixtures';
import { render } from '../helpers/render';
import { ARGOCD_CONTRACT, CLUSTER_PROBES, expectAllowed, expectedLevels, PROBES, probeName, WRITES, type Probe } from '../helpers/access-contract';

const ROOT = join(__dirname, '..', '..');
const spec = parse(readFileSync(join(ROOT, 'platform.yaml'), 'utf8'));
const envs = Object.keys(spec.environments);
const objects = [...readTree(join(ROOT, 'dist'))].flatMap(([, text]) => (loadAll(text) as any[]).filter((o) => o && typeof o === 'object' && o.kind));
const of = (kind: string) => objects.filter((o) => o.kind === kind);

/**
 * The rules a ClusterRole grants, aggregation resolved the way the
 * clusterrole-aggregation controller does (union of every ClusterRole whose
 * labels match a selector). An imitation for the unit test: test:cluster asks
 * the real controller and authorizer.
 */
function rulesOf(name: string, all: readonly any[]): any[] {
  const role = all.find((o) => o.kind === 'ClusterRole' && o.metadata.name === name);
  if (!role) return [];
  if (!role.aggregationRule) return role.rules ?? [];
  return all
    .filter((o) => o.kind === 'ClusterRole' && role.aggregationRule.clusterRoleSelectors.some((s: any) => Object.entries(s.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v)))
    .flatMap((o) => o.rules ?? []);
}

const has = (list: string[] | undefined, v: string) => (list ?? []).includes(v) || (list ?? []).includes('*');

/** Would RBAC allow a member of `group` this probe in `namespace` (`undefined`: cluster-wide)? */
function allowed(all: readonly any[], group: string, p: Omit<Probe, 'allowed'>, namespace: string | undefined): boolean {
  const bindings = all.filter((o) => (namespace === undefined ? o.kind === 'ClusterRoleBinding' : o.kind === 'RoleBinding' && o.metadata.namespace === namespace));
  const resource = p.subresource ? `${p.resource}/${p.subresource}` : p.resource;
  return bindings
    .filter((b) => b.subjects.some((s: any) => s.kind === 'Group' && s.name === group))
    .flatMap((b) => rulesOf(b.roleRef.name, all))
    .some((r) => has(r.apiGroups, p.group) && has(r.resources, resource) && has(r.verbs, p.verb));
}

const namespacesOf = (env: string) => [spec.environments[env].namespace, spec.environments[env].dataNamespace ?? spec.environments[env].namespace].filter((n, i, a) => a.indexOf(n) === i);

describe('team access (platform.yaml → dist/)', () => {
  test('the reference spec has every level and a team without access to an environment', () => {
    const levels = new Set(expectedLevels(spec.teams, envs).map((x) => x.level));
    expect([...levels].sort()).toEqual(['admin', 'audit', 'deploy', 'edit', 'view', undefined].sort());
  });

  test('bindings: exactly one per team with access, per namespace of the environment, to its level — nothing missing, nothing extra', () => {
    const expected = expectedLevels(spec.teams, envs)
      .filter((x) => x.level)
      .flatMap((x) => namespacesOf(x.env).flatMap((ns) => x.groups.map((g) => `${ns} ${g} → ${spec.name}-${x.level}`)))
      .sort();
    const actual = of('RoleBinding')
      .flatMap((b) => b.subjects.map((s: any) => `${b.metadata.namespace} ${s.name} → ${b.roleRef.name}`))
      .sort();
    expect(actual).toEqual(expected);
    expect(of('ClusterRoleBinding')).toEqual([]);
  });

  test('every team × environment × probe is allowed exactly as the contract says (resolving the rendered roles)', () => {
    const wrong: string[] = [];
    for (const x of expectedLevels(spec.teams, envs)) {
      for (const ns of namespacesOf(x.env)) {
        for (const p of PROBES) {
          const want = expectAllowed(p, x.level);
          for (const g of x.groups) if (allowed(objects, g, p, ns) !== want) wrong.push(`${x.team} (${x.level ?? 'no access'}) in ${ns}: ${probeName(p)} should be ${want ? 'allowed' : 'denied'}`);
        }
      }
      for (const p of CLUSTER_PROBES) for (const g of x.groups) if (allowed(objects, g, p, undefined)) wrong.push(`${x.team}: ${probeName(p)} cluster-wide should be denied`);
    }
    expect(wrong).toEqual([]);
  });

  test('the harness sees a fault: a binding widened to admin, and one removed, each show up as wrong probes', () => {
    const widened = objects.map((o) => (o.kind === 'RoleBinding' && o.metadata.name === 'developers-view' && o.metadata.namespace === 'shop-prod' ? { ...o, roleRef: { ...o.roleRef, name: 'shop-admin' } } : o));
    expect(allowed(widened, 'shop:developers', PROBES.find((p) => p.verb === 'patch' && p.resource === 'deployments')!, 'shop-prod')).toBe(true);
    const removed = objects.filter((o) => !(o.kind === 'RoleBinding' && o.metadata.name === 'security-audit' && o.metadata.namespace === 'shop-prod'));
    expect(allowed(removed, 'shop:security-auditors', PROBES.find((p) => p.resource === 'rolebindings' && p.verb === 'list')!, 'shop-prod')).toBe(false);
  });

  test('every write each level has is one the contract lists, and every one it lists is granted (nothing extra, nothing missing)', () => {
    for (const level of ['view', 'audit', 'deploy', 'edit', 'admin'] as const) {
      const rules = rulesOf(`${spec.name}-${level}`, objects);
      const writes = new Map<string, Set<string>>();
      for (const r of rules) {
        for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) {
          if (['get', 'list', 'watch'].includes(v) && !/\/(exec|portforward)$/.test(res)) continue;
          const key = `${res}${g ? `.${g}` : ''}`;
          (writes.get(key) ?? writes.set(key, new Set()).get(key)!).add(v);
        }
      }
      const actual = [...writes].map(([k, v]) => `${[...v].sort().join(',')} ${k}`).sort();
      expect(actual, level).toEqual([...WRITES[level]].sort());
    }
  });

  test('no write access to prod unless the spec gives edit or admin there', () => {
    const writers = expectedLevels(spec.teams, ['prod']).filter((x) => x.level === 'edit' || x.level === 'admin').map((x) => x.team);
    const writes = PROBES.filter((p) => !['get', 'list', 'watch'].includes(p.verb));
    const actual = expectedLevels(spec.teams, ['prod'])
      .filter((x) => x.groups.some((g) => writes.some((p) => namespacesOf('prod').some((ns) => allowed(objects, g, p, ns)))))
      .map((x) => x.team);
    expect(actual.sort()).toEqual(writers.sort());
  });

  test('Argo CD: each environment project has one role per team with access, its groups, and the level’s actions only on that project', () => {
    for (const env of envs) {
      const project = of('AppProject').find((p) => p.metadata.name === `${spec.name}-${env}`);
      const expected = expectedLevels(spec.teams, [env])
        .filter((x) => x.level)
        .map((x) => ({ name: x.team, groups: x.groups, policies: ARGOCD_CONTRACT[x.level!].map((a) => `p, proj:${project.metadata.name}:${x.team}, ${a.replace(' ', ', ')}, ${project.metadata.name}/*, allow`).sort() }))
        .sort((a, b) => a.name.localeCompare(b.name));
      const actual = (project.spec.roles ?? []).map((r: any) => ({ name: r.name, groups: r.groups, policies: [...r.policies].sort() })).sort((a: any, b: any) => a.name.localeCompare(b.name));
      expect(actual, env).toEqual(expected);
    }
  });

  test('the access roles and guardrails are one tree synced once per cluster, those kinds only, with the controller-filled rules ignored', () => {
    const app = of('Application').find((a) => a.metadata.name === `${spec.name}-access`);
    expect(app.spec.source.path).toBe('dist/access');
    expect(app.spec.ignoreDifferences.map((d: any) => d.name).sort()).toEqual(['admin', 'audit', 'deploy', 'edit', 'view'].map((l) => `${spec.name}-${l}`).sort());
    const project = of('AppProject').find((p) => p.metadata.name === `${spec.name}-access`);
    expect(project.spec.clusterResourceWhitelist).toEqual([
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy' },
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicyBinding' },
    ]);
    expect(project.spec.namespaceResourceBlacklist).toEqual([{ group: '*', kind: '*' }]);
    const tree = [...readTree(join(ROOT, 'dist', 'access'))].flatMap(([f, text]) => (f === 'kustomization.yaml' ? [] : (loadAll(text) as any[])));
    expect(new Set(tree.map((o) => o.kind))).toEqual(new Set(['ClusterRole', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']));
    // Each environment's project admits the RoleBindings and nothing cluster-wide beyond its Namespaces.
    for (const env of envs) {
      const p = of('AppProject').find((x) => x.metadata.name === `${spec.name}-${env}`);
      expect(p.spec.namespaceResourceWhitelist).toContainEqual({ group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' });
      expect(p.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
    }
  });
});

describe('team access from a spec', () => {
  const withTeams = (teams: unknown) => ({ ...smallPlatform(), teams }) as any;

  test('no teams: nothing is rendered for access (no roles, bindings, project roles or access app)', () => {
    const r = render(smallPlatform());
    expect(r.objects.filter((o) => ['ClusterRole', 'RoleBinding'].includes(o.kind))).toEqual([]);
    expect([...r.files.keys()].filter((f) => f.startsWith('access/') || f.endsWith('/access.yaml'))).toEqual([]);
    expect(r.find('AppProject').every((p: any) => !p.spec.roles)).toBe(true);
  });

  test('a level change renames the binding (roleRef cannot change in place): the old one is pruned, the new one created', () => {
    const a = render(withTeams({ devs: { groups: ['devs'], access: { prod: 'view' } } }));
    const b = render(withTeams({ devs: { groups: ['devs'], access: { prod: 'edit' } } }));
    const names = (r: typeof a) => [...new Set(r.find('RoleBinding', { env: 'prod' }).map((o) => o.metadata.name))];
    expect(names(a)).toEqual(['devs-view']);
    expect(names(b)).toEqual(['devs-edit']);
  });

  test('a kind a chart starts rendering is readable by every level, without a second list', () => {
    const r = render(withTeams({ devs: { groups: ['devs'], access: { prod: 'view' } } }));
    const read = r.get('ClusterRole', 'acme-access-read') as any;
    const envObjects = r.charts.filter((c) => Object.keys(r.model.environments.map((e) => e.name)).length && r.model.environments.some((e) => c.file.startsWith(`${e.name}/`))).flatMap((c) => c.objects);
    const rendered = new Set(envObjects.filter((o) => o.metadata.namespace && !['Secret', 'RoleBinding'].includes(o.kind)).map((o) => o.kind.toLowerCase()));
    expect(rendered.size).toBeGreaterThan(15);
    const granted = new Set(read.rules.flatMap((x: any) => x.resources));
    for (const k of rendered) expect([...granted].some((g: any) => [`${k}s`, `${k}es`, `${k.replace(/y$/, '')}ies`].includes(g)), k).toBe(true);
  });

  const problems = (teams: unknown) => {
    try {
      parseSpec(withTeams(teams), 'fixture');
      return [];
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      return e.problems;
    }
  };

  test.each([
    ['an environment that does not exist, with did-you-mean', { devs: { groups: ['devs'], access: { prdo: 'view' } } }, /teams\.devs\.access\.prdo: 'prdo' is not an environment; did you mean 'prod'\?/],
    ['a level that does not exist', { devs: { groups: ['devs'], access: { prod: 'write' } } }, /teams\.devs\.access\.prod: .*view.*audit.*deploy.*edit.*admin/],
    ['a Kubernetes system group (everyone)', { all: { groups: ['system:authenticated'], access: { dev: 'view' } } }, /teams\.all\.groups\[0\]: 'system:authenticated' is a Kubernetes system group/],
    ['a group with a comma (Argo CD policy CSV)', { devs: { groups: ['devs,admins'], access: { dev: 'view' } } }, /teams\.devs\.groups\[0\]: must be a group name .*no spaces or commas/],
    ['one group in two teams', { a: { groups: ['g'], access: { dev: 'view' } }, b: { groups: ['g'], access: { prod: 'edit' } } }, /teams\.b\.groups\[0\]: group 'g' is already team 'a's/],
    ['no groups', { devs: { groups: [], access: { dev: 'view' } } }, /teams\.devs\.groups: /],
  ])('refuses %s', (_what, teams, message) => {
    expect(problems(teams).join('\n')).toMatch(message);
  });

  test.each([
    ['the platform named cluster (its admin role would be cluster-admin)', (s: any) => (s.name = 'cluster'), /name.*: 'cluster' would name the access roles like Kubernetes' own/],
    ['an environment in kube-system', (s: any) => (s.environments.dev.namespace = 'kube-system'), /environments\.dev\.namespace.*: 'kube-system' belongs to Kubernetes/],
    ['an environment in Argo CD\'s namespace', (s: any) => (s.environments.dev.namespace = 'argocd'), /environments\.dev\.namespace.*: 'argocd' belongs to Argo CD/],
    ['a data namespace in the monitoring add-on\'s', (s: any) => (s.environments.prod.dataNamespace = 'monitoring'), /environments\.prod\.dataNamespace.*: 'monitoring' belongs to the add-ons/],
  ])('refuses %s', (_what, mutate, message) => {
    const spec: any = smallPlatform();
    mutate(spec);
    expect(() => parseSpec(spec, 'fixture')).toThrow(message);
  });

  test('the good twin of those is accepted', () => {
    expect(problems({ devs: { groups: ['devs', 'oidc:/platform/devs'], access: { dev: 'edit', prod: 'view' } } })).toEqual([]);
  });
});
