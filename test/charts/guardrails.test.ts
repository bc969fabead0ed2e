import { describe, expect, test } from 'vitest';
import { MANAGED_KINDS, OPERATED_KINDS } from '../../catalogue/access';
import { MESH_KEY_PATTERN } from '../../catalogue/names';
import { smallPlatform } from '../helpers/fixtures';
import { render, type Rendered } from '../helpers/render';
import { loadSpec } from '../../platform/loader';
import { join } from 'node:path';

/**
 * The shape of the admission guardrails (charts/guardrails.ts), derived from
 * what the platform renders. What their CEL admits and refuses is proven by
 * the real kube-apiserver in `npm run test:cluster` (test/cluster/guardrails.ts),
 * with planted faults; these tests check where they apply and what they are built from.
 */
const ROOT = join(__dirname, '..', '..');
const teams = { devs: { groups: ['acme:devs'], access: { dev: 'edit', prod: 'view' } }, ops: { groups: ['acme:ops', 'acme:oncall'], access: { dev: 'admin', prod: 'admin' } } };
const withTeams = { ...smallPlatform(), teams } as any;

/** The mesh settings of every pod template in the environments' own namespaces, computed here from the rendered YAML. */
function meshSettingsOf(r: Rendered, namespaces: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const o of r.objects as any[]) {
    if (!namespaces.has(o.metadata?.namespace)) continue;
    const t = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : ['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind) ? o.spec.template : undefined;
    for (const [k, v] of Object.entries<string>(t?.metadata?.annotations ?? {})) if (new RegExp(MESH_KEY_PATTERN).test(k)) out.add(`annotation ${k}=${v}`);
    for (const [k, v] of Object.entries<string>(t?.metadata?.labels ?? {})) if (new RegExp(MESH_KEY_PATTERN).test(k)) out.add(`label ${k}=${v}`);
  }
  return [...out].sort();
}

describe.each([
  ['the reference platform', () => render(loadSpec(join(ROOT, 'platform.yaml')) as any)],
  ['the small platform with teams', () => render(withTeams)],
])('guardrails (%s)', (_name, make) => {
  const r = make();
  const policies = r.objects.filter((o) => o.kind === 'ValidatingAdmissionPolicy') as any[];
  const bindings = r.objects.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding') as any[];
  const envNamespaces = new Set((r.objects as any[]).filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name as string));
  const groups = [...new Set(r.model.teams.flatMap((t) => t.groups))].sort();

  test('one policy and one binding per guardrail, in access/guardrails.yaml, each bound to every environment namespace and only those, refusing', () => {
    // Every guardrail whose kinds the platform renders (the small platform has no CronJob).
    const cron = (r.objects as any[]).some((o) => o.kind === 'CronJob' && envNamespaces.has(o.metadata.namespace));
    expect(policies.map((p) => p.metadata.name.replace(`${r.model.name}-`, '')).sort()).toEqual(
      ['dashboards-from-git', 'monitors-stay-home', 'pod-monitors-stay-home', 'pods-stay-in-mesh', 'routes-stay-home', 'service-entries-stay-home', ...(cron ? ['cronjob-pods-stay-in-mesh'] : [])].sort(),
    );
    expect(r.charts.find((c) => c.file === 'access/guardrails.yaml')!.objects.length).toBe(policies.length * 2);
    expect(bindings.map((b) => b.metadata.name).sort()).toEqual(policies.map((p) => p.metadata.name).sort());
    // The environments' own namespaces: every Namespace the environments render is a team's (add-on namespaces are not rendered as Namespaces).
    const namespaces = [...new Set(r.model.environments.flatMap((e) => e.namespaces))].sort();
    expect(namespaces).toEqual([...envNamespaces].sort());
    for (const b of bindings) {
      expect(b.spec.policyName).toBe(b.metadata.name);
      expect(b.spec.validationActions).toEqual(['Deny']);
      expect(b.spec.matchResources).toEqual({ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: namespaces }] } });
    }
  });

  test("each applies to requests from the spec's team groups only, and fails closed", () => {
    for (const p of policies) {
      expect(p.spec.failurePolicy).toBe('Fail');
      expect(p.spec.matchConditions).toEqual([{ name: 'from-a-team', expression: `request.userInfo.groups.exists(g, g in ${JSON.stringify(groups).replace(/,/g, ', ')})` }]);
    }
  });

  test('each checks kinds a team may write, at the versions the environments render them', () => {
    const rendered = new Map((r.objects as any[]).filter((o) => envNamespaces.has(o.metadata?.namespace)).map((o) => [`${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`, o.apiVersion]));
    const writable = new Map([...rendered.keys()].filter((k) => OPERATED_KINDS.has(k.split('/')[1]!) || MANAGED_KINDS.has(k.split('/')[1]!)).map((k) => [`${k.split('/')[0]}/${k.split('/')[1]!.toLowerCase()}`, k]));
    for (const p of policies) {
      for (const rule of p.spec.matchConstraints.resourceRules) {
        expect(rule.operations).toEqual(['CREATE', 'UPDATE']);
        for (const res of rule.resources) {
          const key = [...writable.entries()].find(([k]) => `${k}s` === `${rule.apiGroups[0]}/${res}` || `${k.slice(0, -1)}ies` === `${rule.apiGroups[0]}/${res}`);
          expect(key, `${p.metadata.name}: ${rule.apiGroups[0]}/${res} is a kind teams may write`).toBeDefined();
          const apiVersion = rendered.get(key![1])!;
          expect(rule.apiVersions).toEqual([apiVersion.includes('/') ? apiVersion.split('/')[1] : apiVersion]);
        }
      }
      expect(p.spec.matchConstraints.matchPolicy).toBe('Equivalent');
    }
  });

  test('the mesh settings a team may copy are exactly those the platform renders on pod templates in the environments', () => {
    const meshPolicies = policies.filter((p) => /pods-stay-in-mesh$/.test(p.metadata.name));
    // The CronJobs' policy only where CronJobs render (a kind no environment renders is no team's to write).
    const cron = (r.objects as any[]).some((o) => o.kind === 'CronJob' && envNamespaces.has(o.metadata.namespace));
    expect(meshPolicies.map((p) => p.metadata.name.replace(`${r.model.name}-`, '')).sort()).toEqual(cron ? ['cronjob-pods-stay-in-mesh', 'pods-stay-in-mesh'] : ['pods-stay-in-mesh']);
    const expected = meshSettingsOf(r, envNamespaces);
    // Both platforms run ZooKeeper, whose quorum ports bypass the proxy, and stores held until the proxy is up.
    expect(expected.some((s) => s.startsWith('annotation traffic.sidecar.istio.io/excludeOutboundPorts='))).toBe(true);
    expect(expected.some((s) => s.startsWith('annotation proxy.istio.io/config='))).toBe(true);
    for (const p of meshPolicies) expect(p.spec.variables.find((v: any) => v.name === 'rendered').expression).toBe(`[${expected.map((s) => JSON.stringify(s)).join(', ')}]`);
  });
});

describe('guardrails from a spec', () => {
  test('the mesh keys are every istio.io key, and only those', () => {
    const re = new RegExp(MESH_KEY_PATTERN);
    for (const k of ['istio.io/rev', 'sidecar.istio.io/inject', 'inject.istio.io/templates', 'traffic.sidecar.istio.io/excludeOutboundIPRanges', 'proxy.istio.io/config']) expect(re.test(k), k).toBe(true);
    for (const k of ['notistio.io/x', 'app.kubernetes.io/name', 'istio.io.example.com/x', 'example.com/istio.io']) expect(re.test(k), k).toBe(false);
  });

  test('no teams: no guardrails (nobody but the platform writes)', () => {
    const r = render(smallPlatform());
    expect(r.objects.filter((o) => o.kind.startsWith('ValidatingAdmissionPolicy'))).toEqual([]);
    expect([...r.files.keys()].filter((f) => f.startsWith('access/'))).toEqual([]);
  });

  test('the groups are the teams\' groups, whatever their level; a team added adds its groups', () => {
    const more = render({ ...withTeams, teams: { ...teams, readers: { groups: ['acme:readers'], access: { prod: 'view' } } } });
    const p = more.objects.find((o) => o.kind === 'ValidatingAdmissionPolicy') as any;
    expect(p.spec.matchConditions[0].expression).toBe('request.userInfo.groups.exists(g, g in ["acme:devs", "acme:oncall", "acme:ops", "acme:readers"])');
  });

  test('Grafana loads dashboards from ConfigMaps only: Secrets (which edit writes) are never dashboards', () => {
    const r = render(withTeams);
    const app = (r.objects as any[]).find((o) => o.kind === 'Application' && /kube-prometheus-stack/.test(JSON.stringify(o.spec.source ?? o.spec.sources ?? '')));
    const values = JSON.stringify(app.spec.source?.helm ?? app.spec.sources);
    expect(values).toMatch(/"dashboards":\{[^}]*"resource":"configmap"/);
    expect(values).toMatch(/"label":"grafana_dashboard"/);
  });

  test('the Gateway and certificates are no level\'s to write', () => {
    const r = render(withTeams);
    const rules = (r.objects as any[]).filter((o) => o.kind === 'ClusterRole').flatMap((o) => o.rules ?? []);
    const written = rules.filter((x: any) => x.verbs.some((v: string) => !['get', 'list', 'watch'].includes(v))).flatMap((x: any) => x.resources);
    expect(written).not.toContain('gateways');
    expect(written).not.toContain('certificates');
    // Both are rendered, so both are readable.
    expect(rules.filter((x: any) => x.verbs.includes('get')).flatMap((x: any) => x.resources)).toEqual(expect.arrayContaining(['gateways', 'certificates']));
  });
});
