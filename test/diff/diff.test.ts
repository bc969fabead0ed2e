import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { diffTrees, type ObjectDiff } from '../../diff/diff';
import { diffValues } from '../../diff/compare';
import { runDiff, EXIT } from '../../diff/command';
import { formatMarkdown } from '../../diff/report';
import { toYamlDocuments } from '../../render/yaml';
import { writeTreeAtomically } from '../../render/writer';
import type { PlatformSpecInput } from '../../platform/schema';
import { render } from '../helpers/render';
import { canaryPlatform, smallPlatform, smallVariant } from '../helpers/fixtures';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const tree = (spec: PlatformSpecInput) => render(spec).files;
const variant = smallVariant;
const base = tree(smallPlatform());
const flagsOf = (o: ObjectDiff | undefined) => [...new Set((o?.flags ?? []).map((f) => f.flag))].sort();
const find = (objects: readonly ObjectDiff[], env: string, kind: string, name: string) => objects.find((o) => o.key.env === env && o.key.kind === kind && o.key.name === name);

/** A one-file tree from plain objects (hand-written kinds the fixture does not render). */
const objTree = (...objs: object[]) => new Map([['prod/data/store.yaml', toYamlDocuments(objs)]]);
const sts = (over: Any = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'postgres', namespace: 'acme-prod-data' },
  spec: {
    serviceName: 'postgres-headless',
    replicas: 3,
    selector: { matchLabels: { 'app.kubernetes.io/name': 'postgresql' } },
    podManagementPolicy: 'OrderedReady',
    template: { spec: { containers: [{ name: 'postgres', image: 'postgres:16.4', securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } } } }],
    ...over,
  },
});

describe('diffTrees on pairs of specs', () => {
  it('finds nothing between two renders of the same spec', () => {
    const r = diffTrees(base, tree(smallPlatform()));
    expect(r.objects).toEqual([]);
    expect(formatMarkdown(r)).toContain('No changes');
  });

  it('reports an image bump per object, with name-keyed container paths and no risk flag', () => {
    const r = diffTrees(base, tree(variant((s) => (s.services[0].image = 'registry.test/acme/api:1.1.0'))));
    const dep = find(r.objects, 'prod', 'Deployment', 'api')!;
    expect(dep.status).toBe('changed');
    expect(dep.changes.map((c) => c.path)).toContain('spec.template.spec.containers[name=api].image');
    const image = dep.changes.find((c) => c.path.endsWith('.image'))!;
    expect([image.old, image.new]).toEqual(['registry.test/acme/api:1.0.0', 'registry.test/acme/api:1.1.0']);
    expect(r.objects.every((o) => o.flags.length === 0)).toBe(true);
  });

  it('flags CAPACITY for replica, autoscaling and resource changes', () => {
    const r = diffTrees(base, tree(variant((s) => {
      s.environments.dev.replicas = 2;
      s.environments.prod.autoscaling.maxReplicas = 12;
      s.services[1].tier = 'large';
    })));
    expect(flagsOf(find(r.objects, 'dev', 'Deployment', 'api'))).toEqual(['CAPACITY']);
    expect(find(r.objects, 'dev', 'Deployment', 'api')!.flags[0]!.reason).toBe('spec.replicas: 1 → 2');
    expect(flagsOf(find(r.objects, 'prod', 'HorizontalPodAutoscaler', 'api'))).toEqual(['CAPACITY']);
    const worker = find(r.objects, 'prod', 'Deployment', 'worker')!;
    expect(worker.flags.some((f) => f.flag === 'CAPACITY' && f.reason.includes('containers[name=worker].resources'))).toBe(true);
    expect(flagsOf(find(r.objects, 'prod', 'ResourceQuota', 'platform-quota'))).toEqual(['CAPACITY']);
  });

  describe('canary', () => {
    const canary = tree(canaryPlatform());
    const reasons = (o: ObjectDiff | undefined, flag: string) => (o?.flags ?? []).filter((f) => f.flag === flag).map((f) => f.reason);

    it('adding one is CAPACITY: a new Deployment, the traffic split, the quota; no policy changes (they already cover every track)', () => {
      const r = diffTrees(base, canary);
      expect(reasons(find(r.objects, 'prod', 'Deployment', 'api-canary'), 'CAPACITY')).toEqual(['new Deployment: 2 replica(s)']);
      expect(reasons(find(r.objects, 'prod', 'VirtualService', 'api'), 'CAPACITY')).toEqual(['traffic split of default: stable 100 % → stable 90 % / canary 10 %']);
      expect(reasons(find(r.objects, 'prod', 'VirtualService', 'api-public'), 'CAPACITY')).toEqual(['traffic split of public: stable 100 % → stable 90 % / canary 10 %']);
      expect(flagsOf(find(r.objects, 'prod', 'ResourceQuota', 'platform-quota'))).toEqual(['CAPACITY']);
      // The policies select every track already: a canary changes none of them.
      expect(r.objects.filter((o) => ['NetworkPolicy', 'AuthorizationPolicy', 'Service'].includes(o.key.kind))).toEqual([]);
      expect(r.objects.some((o) => o.flags.some((f) => f.flag === 'SECURITY'))).toBe(false);
      // The stable Deployments are untouched (their selectors are immutable).
      expect(find(r.objects, 'prod', 'Deployment', 'api')).toBeUndefined();
      expect(find(r.objects, 'prod', 'Deployment', 'worker')).toBeUndefined();
      expect(r.objects.some((o) => o.flags.some((f) => f.flag === 'REPLACE'))).toBe(false);
    });

    it('changing its weight is a traffic change, shown as CAPACITY with the split before and after', () => {
      const r = diffTrees(canary, tree(variant((s) => Object.assign(s, canaryPlatform(), { services: canaryPlatform().services.map((x: Any) => (x.name === 'api' ? { ...x, canary: { ...x.canary, weight: 50 } } : x)) }))));
      expect(r.objects.map((o) => `${o.key.env} ${o.key.kind} ${o.key.name}`).sort()).toEqual(['dev VirtualService api', 'dev VirtualService api-public', 'prod VirtualService api', 'prod VirtualService api-public', 'staging VirtualService api', 'staging VirtualService api-public']);
      for (const o of r.objects) expect(reasons(o, 'CAPACITY'), o.key.name).toEqual([`traffic split of ${o.key.name === 'api' ? 'default' : 'public'}: stable 90 % / canary 10 % → stable 50 % / canary 50 %`]);
      expect(formatMarkdown(r)).toContain('stable 90 % / canary 10 % → stable 50 % / canary 50 %');
    });

    it('removing it is CAPACITY (the Deployment goes, all traffic back to stable) and tightens the policies without SECURITY on the peers', () => {
      const r = diffTrees(canary, base);
      expect(reasons(find(r.objects, 'prod', 'Deployment', 'api-canary'), 'CAPACITY')).toEqual(['Deployment removed: its 2 replica(s) go away']);
      expect(reasons(find(r.objects, 'prod', 'VirtualService', 'worker'), 'CAPACITY')).toEqual(['traffic split of default: stable 75 % / canary 25 % → stable 100 %']);
      expect(reasons(find(r.objects, 'prod', 'NetworkPolicy', 'postgres'), 'SECURITY')).toEqual([]);
    });
  });

  it('flags SECURITY when a new public route opens a service to the ingress gateway', () => {
    const r = diffTrees(base, tree(variant((s) => (s.services[1].route = { path: '/work' }))));
    const np = find(r.objects, 'prod', 'NetworkPolicy', 'worker')!;
    expect(flagsOf(np)).toEqual(['SECURITY']);
    expect(np.flags[0]!.reason).toBe('NetworkPolicy now admits ingress from pods app=istio-ingressgateway in namespace istio-ingress on TCP/9000');
  });

  it('flags DATA when an environment (its Namespaces) is removed', () => {
    const r = diffTrees(base, tree(variant((s) => {
      delete s.environments.dev;
      for (const st of Object.values(s.dataStores) as Any[]) delete st.environments.dev;
    })));
    const ns = find(r.objects, 'dev', 'Namespace', 'acme-dev')!;
    expect(ns.status).toBe('removed');
    expect(flagsOf(ns)).toEqual(['DATA']);
    expect(r.summary.removed).toBeGreaterThan(10);
    expect(find(r.objects, 'argocd', 'Application', 'acme-dev')!.status).toBe('removed');
  });

  it('does not flag removing a service’s allow policy (it tightens), only a removed deny policy', () => {
    const r = diffTrees(base, tree(variant((s) => {
      s.services = s.services.filter((x: Any) => x.name !== 'mailer');
    })));
    expect(find(r.objects, 'prod', 'NetworkPolicy', 'mailer')!.status).toBe('removed');
    expect(flagsOf(find(r.objects, 'prod', 'NetworkPolicy', 'mailer'))).toEqual([]);
  });
});

describe('risk flags on pairs of specs: REPLACE, DATA, SECURITY from spec edits', () => {
  it('REPLACE + CAPACITY: a store’s storage size lives in the StatefulSet’s immutable claim templates', () => {
    const r = diffTrees(base, tree(variant((s) => (s.dataStores.postgres.environments.prod.storage = '80Gi'))));
    const primary = find(r.objects, 'prod', 'StatefulSet', 'postgres-primary')!;
    // The claim size also sets wal_keep_size, so the primary restarts: RESTART names it.
    expect(flagsOf(primary)).toEqual(['CAPACITY', 'REPLACE', 'RESTART']);
    expect(primary.flags.find((f) => f.flag === 'REPLACE')!.reason).toContain('volumeClaimTemplates');
  });

  it('DATA: dropping a data store from the spec removes its StatefulSets', () => {
    const r = diffTrees(base, tree(variant((s) => {
      delete s.dataStores.redis;
      s.services = s.services.map((x: Any) => ({ ...x, dependsOn: x.dependsOn.filter((d: string) => d !== 'redis') }));
    })));
    const redis = find(r.objects, 'prod', 'StatefulSet', 'redis')!;
    expect(redis.status).toBe('removed');
    expect(flagsOf(redis)).toEqual(['DATA']);
  });

  it('SECURITY, once and to the point: a new dependency adds one egress rule, the unchanged rules are not reported', () => {
    const r = diffTrees(base, tree(variant((s) => s.services.find((x: Any) => x.name === 'mailer').dependsOn.push('api'))));
    const np = find(r.objects, 'prod', 'NetworkPolicy', 'mailer')!;
    expect(np.changes.map((c) => `${c.op} ${c.pattern}`)).toEqual(['add spec.egress[]']);
    expect(flagsOf(np)).toEqual(['SECURITY']);
    // The callee's policy admits the new caller: one added ingress rule.
    expect(find(r.objects, 'prod', 'NetworkPolicy', 'api')!.changes.map((c) => `${c.op} ${c.pattern}`)).toEqual(['add spec.ingress[]']);
  });
});

describe('risk flags on hand-written objects', () => {
  it('REPLACE: StatefulSet serviceName, podManagementPolicy and claim templates are immutable', () => {
    const r = diffTrees(objTree(sts()), objTree(sts({ serviceName: 'pg', podManagementPolicy: 'Parallel' })));
    const reasons = r.objects[0]!.flags.filter((f) => f.flag === 'REPLACE').map((f) => f.reason);
    expect(reasons).toEqual(['spec.podManagementPolicy: StatefulSet podManagementPolicy is immutable', 'spec.serviceName: StatefulSet serviceName is immutable']);
    const grown = diffTrees(objTree(sts()), objTree(sts({ volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Gi' } } } }] })));
    expect(flagsOf(grown.objects[0])).toEqual(['CAPACITY', 'REPLACE']);
    expect(grown.objects[0]!.changes[0]!.path).toBe('spec.volumeClaimTemplates[metadata.name=data].spec.resources.requests.storage');
  });

  it('REPLACE: Deployment selector, Service clusterIP (not its type, which the API server updates); not for a hook Job', () => {
    const dep = (app: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'n' }, spec: { selector: { matchLabels: { app } } } });
    expect(flagsOf(diffTrees(objTree(dep('a')), objTree(dep('b'))).objects[0])).toEqual(['REPLACE']);
    const svc = (type: string, clusterIP?: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'n' }, spec: { type, ...(clusterIP ? { clusterIP } : {}) } });
    expect(flagsOf(diffTrees(objTree(svc('ClusterIP')), objTree(svc('ClusterIP', 'None'))).objects[0])).toEqual(['REPLACE']);
    expect(flagsOf(diffTrees(objTree(svc('ClusterIP')), objTree(svc('LoadBalancer'))).objects[0])).toEqual(['SECURITY']);
    const job = (image: string, hook: boolean) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'topics', namespace: 'n', ...(hook ? { annotations: { 'argocd.argoproj.io/hook': 'Sync' } } : {}) },
      spec: { template: { spec: { containers: [{ name: 'c', image }] } } },
    });
    expect(flagsOf(diffTrees(objTree(job('a:1', false)), objTree(job('a:2', false))).objects[0])).toEqual(['REPLACE']);
    expect(flagsOf(diffTrees(objTree(job('a:1', true)), objTree(job('a:2', true))).objects[0])).toEqual([]);
  });

  it('DATA: removing a StatefulSet, a claim template or a PVC', () => {
    expect(flagsOf(diffTrees(objTree(sts()), new Map()).objects[0])).toEqual(['DATA']);
    const noClaims = diffTrees(objTree(sts()), objTree(sts({ volumeClaimTemplates: [] })));
    expect(flagsOf(noClaims.objects[0])).toEqual(['DATA', 'REPLACE']);
    const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'x', namespace: 'n' }, spec: {} };
    expect(flagsOf(diffTrees(objTree(pvc), new Map()).objects[0])).toEqual(['DATA']);
  });

  it('SECURITY: weakened security contexts, mesh policies, public routes', () => {
    const weak = sts({ template: { spec: { hostNetwork: true, containers: [{ name: 'postgres', image: 'postgres:16.4', securityContext: { runAsNonRoot: false, allowPrivilegeEscalation: true, capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } } }] } } });
    const reasons = diffTrees(objTree(sts()), objTree(weak)).objects[0]!.flags.filter((f) => f.flag === 'SECURITY').map((f) => f.reason);
    expect(reasons).toEqual(expect.arrayContaining([
      'spec.template.spec.containers[name=postgres].securityContext.runAsNonRoot: runAsNonRoot no longer true',
      'spec.template.spec.containers[name=postgres].securityContext.allowPrivilegeEscalation: privilege escalation allowed',
      'spec.template.spec.containers[name=postgres].securityContext.capabilities.add: capabilities added: NET_ADMIN',
      'spec.template.spec.hostNetwork: hostNetwork enabled',
    ]));
    // Tightening is not flagged SECURITY (the pods still restart).
    expect(flagsOf(diffTrees(objTree(weak), objTree(sts())).objects[0])).toEqual(['RESTART']);

    const pa = (mode: string) => ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'n' }, spec: { mtls: { mode } } });
    expect(flagsOf(diffTrees(objTree(pa('STRICT')), objTree(pa('PERMISSIVE'))).objects[0])).toEqual(['SECURITY']);
    expect(flagsOf(diffTrees(objTree(pa('PERMISSIVE')), objTree(pa('STRICT'))).objects[0])).toEqual([]);
    const authz = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'api', namespace: 'n' }, spec: { action: 'ALLOW', rules: [{ from: [{ source: { principals: ['a'] } }] }] } };
    expect(flagsOf(diffTrees(objTree(authz), new Map()).objects[0])).toEqual(['SECURITY']);
    const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'api', namespace: 'n' }, spec: { hosts: ['acme.test'], gateways: ['istio-ingress/public'], http: [{ match: [{ uri: { prefix: '/api' } }] }] } };
    expect(diffTrees(new Map(), objTree(vs)).objects[0]!.flags).toEqual([{ flag: 'SECURITY', rule: 'ROUTE-NEW-PUBLIC', reason: 'new public route: hosts ["acme.test"] via ["istio-ingress/public"]' }]);
    expect(flagsOf(diffTrees(new Map(), objTree({ ...vs, spec: { ...vs.spec, gateways: ['mesh'] } })).objects[0])).toEqual([]);
  });
});

describe('hand-made trees read as kubectl apply reads them', () => {
  const dep = (name: string, image = 'app:1') => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'n' }, spec: { template: { spec: { containers: [{ name: 'c', image }] } } } });
  const file = (docs: object[]) => new Map([['prod/x.yaml', docs.map((d) => yaml.dump(d)).join('---\n')]]);
  it('the items of a List are objects: a change inside one is diffed and flagged', () => {
    const list = (image: string) => ({ apiVersion: 'v1', kind: 'List', items: [dep('api', image), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'n' }, spec: { type: 'ClusterIP' } }] });
    const r = diffTrees(file([list('app:1')]), file([list('app:2')]));
    expect(r.objects.map((o) => `${o.key.kind} ${o.key.name}`)).toEqual(['Deployment api']);
    // The twin: the same objects outside a List are the same tree.
    expect(diffTrees(file([list('app:1')]), file(list('app:1').items)).objects).toEqual([]);
  });
  it('a document with a kind and no name, or two objects with one identity, is an error naming the file; generateName is its own key', () => {
    expect(() => diffTrees(file([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'n' } }]), file([]))).toThrow(/prod\/x\.yaml: document 1: ConfigMap without metadata\.name/);
    expect(() => diffTrees(file([dep('api'), dep('api', 'app:2')]), file([]))).toThrow(/prod\/x\.yaml: document 2: Deployment n\/api is also in prod\/x\.yaml/);
    const hook = { apiVersion: 'batch/v1', kind: 'Job', metadata: { generateName: 'migrate-', namespace: 'n' }, spec: {} };
    expect(diffTrees(file([hook]), file([hook])).objects).toEqual([]);
    // Two hooks with one prefix (a PreSync and a PostSync one) are two objects, not a duplicate.
    const post = { ...hook, metadata: { ...hook.metadata, annotations: { 'argocd.argoproj.io/hook': 'PostSync' } } };
    expect(diffTrees(file([hook, post]), file([hook, post])).objects).toEqual([]);
    expect(diffTrees(file([hook]), file([hook, post])).objects.map((o) => o.key.name)).toEqual(['migrate-*#2']);
  });
});

describe('PeerAuthentication removal', () => {
  const pa = (name: string, spec: Any) => ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace: 'acme-prod' }, spec });
  const nsStrict = pa('default', { mtls: { mode: 'STRICT' } });
  const workload = pa('api', { selector: { matchLabels: { app: 'api' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'PERMISSIVE' } } });
  it('is no SECURITY risk when the workload falls back to a STRICT namespace default', () => {
    const r = diffTrees(objTree(nsStrict, workload), objTree(nsStrict));
    expect(flagsOf(r.objects[0])).toEqual([]);
  });
  it('is a SECURITY risk when the namespace default goes too, or was never STRICT', () => {
    expect(flagsOf(find(diffTrees(objTree(nsStrict, workload), objTree()).objects, 'prod', 'PeerAuthentication', 'api'))).toEqual(['SECURITY']);
    const permissive = pa('default', { mtls: { mode: 'PERMISSIVE' } });
    expect(flagsOf(diffTrees(objTree(permissive, workload), objTree(permissive)).objects[0])).toEqual(['SECURITY']);
  });
});

describe('diffValues', () => {
  it('matches named list items by name, so a reorder is no change', () => {
    const a = { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] };
    const b = { env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] };
    expect(diffValues(a, b)).toEqual([]);
    expect(diffValues(a, { env: [{ name: 'A', value: '3' }] }).map((c) => `${c.op} ${c.path}`)).toEqual(['change env[name=A].value', 'remove env[name=B]']);
    expect(diffValues({ args: ['a', 'b'] }, { args: ['b', 'a'] }).map((c) => c.path)).toEqual(['args']);
  });

  it('matches unnamed items by content: a reorder or an insertion changes nothing else; an edit shows its fields', () => {
    const rule = (port: number) => ({ to: [{ podSelector: { matchLabels: { app: `p${port}` } } }], ports: [{ port }] });
    expect(diffValues({ egress: [rule(1), rule(2)] }, { egress: [rule(2), rule(1)] })).toEqual([]);
    expect(diffValues({ egress: [rule(1), rule(2)] }, { egress: [rule(3), rule(1), rule(2)] }).map((c) => `${c.op} ${c.path}`)).toEqual(['add egress[0]']);
    const edited = { egress: [rule(1), { ...rule(2), ports: [{ port: 22 }] }] };
    expect(diffValues({ egress: [rule(1), rule(2)] }, edited).map((c) => `${c.op} ${c.path}`)).toEqual(['change egress[1].ports[0].port']);
  });
});

describe('npm run diff (runDiff)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'platform-diff-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const baseDir = join(dir, 'base');
  const headDir = join(dir, 'head');
  writeTreeAtomically(baseDir, base);
  writeTreeAtomically(headDir, tree(variant((s) => {
    delete s.environments.dev;
    for (const st of Object.values(s.dataStores) as Any[]) delete st.environments.dev;
  })));
  const run = (...args: string[]) => {
    let out = '';
    let err = '';
    const code = runDiff(args, { out: (t) => (out += t), err: (t) => (err += t), cwd: dir, env: {} });
    return { code, out, err };
  };

  it('exits 0 without gate, 1 when a --fail-on flag is found, 3 for changes with --exit-code', () => {
    expect(run('--base-dir', baseDir, '--head-dir', headDir).code).toBe(EXIT.ok);
    const gated = run('--base-dir', baseDir, '--head-dir', headDir, '--fail-on', 'REPLACE,DATA');
    expect(gated.code).toBe(EXIT.gated);
    expect(gated.err).toContain('DATA');
    expect(run('--base-dir', baseDir, '--head-dir', headDir, '--fail-on', 'REPLACE', '--exit-code').code).toBe(EXIT.changed);
    expect(run('--base-dir', baseDir, '--head-dir', baseDir, '--fail-on', 'all', '--exit-code').code).toBe(EXIT.ok);
  });

  it('exits 2 on usage errors and on an invalid spec', () => {
    expect(run('--fail-on', 'BOGUS').code).toBe(EXIT.error);
    expect(run('--format', 'html').code).toBe(EXIT.error);
    writeFileSync(join(dir, 'bad.yaml'), 'name: Bad_Name\n');
    const bad = run('--spec', 'bad.yaml', '--base-dir', baseDir);
    expect(bad.code).toBe(EXIT.error);
    expect(bad.err).toMatch(/problem/);
  });

  it('prints a PR-ready markdown report grouped by environment and kind, and JSON', () => {
    const md = run('--base-dir', baseDir, '--head-dir', headDir, '--format', 'markdown').out;
    expect(md).toMatch(/^## Manifest diff\n/);
    expect(md).toContain('| **DATA** | Namespace acme-dev: Namespace removed: everything in it is deleted, volumes included | dev |');
    // The flags come before the per-environment sections, each collapsed.
    expect(md.indexOf('### ⚠️ Risk flags')).toBeLessThan(md.indexOf('<details><summary><b>dev</b>'));
    expect(md).toContain('**Deployment**');
    const json = JSON.parse(run('--base-dir', baseDir, '--head-dir', headDir, '--format', 'json').out);
    expect(json.summary.flags.DATA).toBeGreaterThan(0);
    expect(json.objects.find((o: Any) => o.kind === 'Namespace' && o.name === 'acme-dev').status).toBe('removed');
  });

  it('compares with dist/ as committed at a git ref (--base)', () => {
    const repo = join(dir, 'repo');
    writeTreeAtomically(join(repo, 'dist'), base);
    writeFileSync(join(repo, 'platform.yaml'), yaml.dump(variant((s) => (s.environments.dev.replicas = 2))));
    const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { cwd: repo, stdio: 'pipe' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'base');
    const { code, out } = (() => {
      let o = '';
      const c = runDiff(['--base', 'HEAD', '--fail-on', 'CAPACITY'], { out: (t) => (o += t), err: () => {}, cwd: repo, env: {} });
      return { code: c, out: o };
    })();
    expect(code).toBe(EXIT.gated);
    expect(out).toContain('CAPACITY');
    expect(out).toContain('spec.replicas: 1 → 2');
    let err = '';
    expect(runDiff(['--base', 'no-such-ref'], { out: () => {}, err: (t) => (err += t), cwd: repo, env: {} })).toBe(EXIT.error);
    expect(err).toContain("no commit 'no-such-ref' in this repository");
  });
});
