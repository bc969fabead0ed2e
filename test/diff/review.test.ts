// What a reviewer reads: SECURITY only where access widens, RESTART where pods go down, DATA on a
// store's major version, label/checksum-only changes folded, long values diffed, and the base named.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { compareGrants, networkPolicyGrants, authorizationGrants } from '../../diff/access';
import { parseDiffArgs, runDiff, EXIT } from '../../diff/command';
import type { FieldChange } from '../../diff/compare';
import { diffTrees, type ObjectDiff } from '../../diff/diff';
import { changeLines, findings, formatReport, formatText } from '../../diff/report';
import { toYamlDocuments } from '../../render/yaml';
import { writeTreeAtomically } from '../../render/writer';
import type { PlatformSpecInput } from '../../platform/schema';
import { render } from '../helpers/render';
import { smallPlatform, smallVariant } from '../helpers/fixtures';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const tree = (spec: PlatformSpecInput) => render(spec).files;
const variant = smallVariant;
const base = tree(smallPlatform());
const withReviews = variant((s) => s.services.push({ name: 'reviews', runtime: 'nodejs', image: 'registry.test/acme/reviews:1.0.0', port: 8080, dependsOn: ['api', 'redis'], route: { path: '/reviews' } }));
const flagged = (objects: readonly ObjectDiff[], flag: string) => objects.filter((o) => o.flags.some((f) => f.flag === flag));
const objTree = (...objs: object[]) => new Map([['prod/data/store.yaml', toYamlDocuments(objs)]]);
const change = (old: Any, neu: Any, path = 'data.x'): FieldChange => ({ path, pattern: path, segments: [{ key: path }], op: 'change', old, new: neu });

describe('SECURITY means access widened', () => {
  const added = diffTrees(base, tree(withReviews));

  it('adding an ordinary service flags only the callees that admit it and its public route, once per finding across environments', () => {
    const security = findings(added).filter((f) => f.flag === 'SECURITY').map((f) => `${f.text} [${f.envs.join(', ')}]`);
    expect(security).toEqual([
      'VirtualService acme-<env>/reviews-public: new public route: hosts ["<env>.acme.test"] via ["acme-<env>/public"] [dev, staging]',
      'VirtualService acme-prod/reviews-public: new public route: hosts ["acme.test"] via ["acme-prod/public"] [prod]',
      'acme-<env>/api now admits reviews (acme-<env>) (AuthorizationPolicy and NetworkPolicy) [dev, prod, staging]',
      'acme-<env>/otel-collector now admits reviews (acme-<env>) (AuthorizationPolicy and NetworkPolicy) [dev, prod, staging]',
      'acme-prod-data/redis now admits reviews (acme-prod) (AuthorizationPolicy and NetworkPolicy) [prod]',
      'acme-<env>/redis now admits reviews (acme-<env>) (AuthorizationPolicy and NetworkPolicy) [dev, staging]',
      // Redis's master endpoint (its proxy) admits its clients too.
      'acme-prod-data/redis-master now admits reviews (acme-prod) (AuthorizationPolicy and NetworkPolicy) [prod]',
      'acme-<env>/redis-master now admits reviews (acme-<env>) (AuthorizationPolicy and NetworkPolicy) [dev, staging]',
    ].sort((a, b) => (a < b ? -1 : 1)));
    // The new service's own policies are no loosening of anyone else's.
    expect(flagged(added.objects, 'SECURITY').filter((o) => o.key.name === 'reviews')).toEqual([]);
  });

  it('removing the dependency again is a tightening: listed, not flagged', () => {
    const removed = diffTrees(tree(withReviews), tree(variant((s) => s.services.push({ name: 'reviews', runtime: 'nodejs', image: 'registry.test/acme/reviews:1.0.0', port: 8080, dependsOn: ['redis'], route: { path: '/reviews' } }))));
    expect(flagged(removed.objects, 'SECURITY')).toEqual([]);
    const api = removed.objects.find((o) => o.key.env === 'prod' && o.key.kind === 'AuthorizationPolicy' && o.key.name === 'api')!;
    expect(api.tightened).toEqual(['AuthorizationPolicy no longer admits requests from reviews (acme-prod) (ports 8080)']);
    expect(formatText(removed)).toContain('tightened: AuthorizationPolicy no longer admits requests from reviews (acme-prod) (ports 8080)');
  });

  const np = (rules: Any[], over: Any = {}) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'db', namespace: 'acme-prod' }, spec: { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'], ingress: rules, ...over } });
  const from = (labels: Any, ports?: number[]) => ({ from: [{ podSelector: { matchLabels: labels } }], ...(ports ? { ports: ports.map((port) => ({ port, protocol: 'TCP' })) } : {}) });
  const widened = (a: Any, b: Any) => compareGrants(networkPolicyGrants(a, 'ingress').concat(networkPolicyGrants(a, 'egress')), networkPolicyGrants(b, 'ingress').concat(networkPolicyGrants(b, 'egress'))).widened.map((g) => g.text);

  it('NetworkPolicy: a new port, a peer requiring fewer labels, a direction no longer isolated widen; the reverse does not', () => {
    expect(widened(np([from({ app: 'api' }, [5432])]), np([from({ app: 'api' }, [5432, 22])]))).toEqual(['ingress from pods app=api in its namespace on TCP/22']);
    expect(widened(np([from({ app: 'api' }, [5432, 22])]), np([from({ app: 'api' }, [5432])]))).toEqual([]);
    expect(widened(np([from({ app: 'api', track: 'stable' }, [5432])]), np([from({ app: 'api' }, [5432])]))).toEqual(['ingress from pods app=api in its namespace on TCP/5432']);
    expect(widened(np([from({ app: 'api' }, [5432])]), np([from({ app: 'api', track: 'stable' }, [5432])]))).toEqual([]);
    expect(widened(np([from({ app: 'api' })]), np([from({ app: 'api' }, [5432])]))).toEqual([]);
    expect(widened(np([], { policyTypes: ['Ingress', 'Egress'], egress: [] }), np([]))).toEqual(['egress to anyone on any port (egress not isolated)']);
    // Renumbered rules are the same grants.
    expect(widened(np([from({ app: 'a' }, [1]), from({ app: 'b' }, [2])]), np([from({ app: 'b' }, [2]), from({ app: 'a' }, [1])]))).toEqual([]);
  });

  const authz = (action: string, principals: string[], to?: Any) => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'api', namespace: 'acme-prod' }, spec: { action, rules: [{ from: [{ source: { principals } }], ...(to ? { to } : {}) }] } });
  const sec = (a: Any, b: Any) => diffTrees(objTree(a), objTree(b)).objects.flatMap((o) => o.flags.filter((f) => f.flag === 'SECURITY').map((f) => f.reason));

  it('AuthorizationPolicy: an ALLOW gaining a principal or an operation widens; a DENY losing one widens; the twins do not', () => {
    const p = (n: string) => `cluster.local/ns/acme-prod/sa/${n}`;
    expect(sec(authz('ALLOW', [p('a')]), authz('ALLOW', [p('a'), p('b')]))).toEqual(['AuthorizationPolicy now admits requests from b (acme-prod)']);
    expect(sec(authz('ALLOW', [p('a'), p('b')]), authz('ALLOW', [p('a')]))).toEqual([]);
    expect(sec(authz('ALLOW', [p('a')], [{ operation: { methods: ['GET'] } }]), authz('ALLOW', [p('a')]))).toEqual(['AuthorizationPolicy now admits requests from a (acme-prod)']);
    expect(sec(authz('DENY', [p('a'), p('b')]), authz('DENY', [p('a')]))).toEqual(['AuthorizationPolicy no longer denies requests from b (acme-prod)']);
    expect(sec(authz('DENY', [p('a')]), authz('DENY', [p('a'), p('b')]))).toEqual([]);
    expect(authorizationGrants(authz('ALLOW', [p('a')]) as Any)[0]!.caller).toEqual({ name: 'a', namespace: 'acme-prod' });
  });
});

describe('RESTART: pods go down with nothing to take over', () => {
  const sts = (replicas: number, image = 'postgres:16.4', labels: Any = {}) => ({
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'postgres-primary', namespace: 'acme-prod-data', labels: { 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/component': 'primary', ...labels } },
    spec: { replicas, serviceName: 'pg', selector: { matchLabels: { app: 'pg' } }, template: { metadata: { labels: { app: 'pg' } }, spec: { terminationGracePeriodSeconds: 120, containers: [{ name: 'postgresql', image, startupProbe: { periodSeconds: 10, failureThreshold: 30 } }] } }, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } }] },
  });
  const flags = (a: Any, b: Any, flag: string) => diffTrees(objTree(a), objTree(b)).objects.flatMap((o) => o.flags.filter((f) => f.flag === flag).map((f) => f.reason));

  it('a one-pod StatefulSet (the PostgreSQL primary) names the outage and its bounds; several pods are a rolling restart', () => {
    expect(flags(sts(1), sts(1, 'postgres:16.6'), 'RESTART')).toEqual(['its only pod (primary of postgresql) restarts: no other pod serves its clients meanwhile; stopping takes up to 2 min, starting until ready up to 5 min (its probes)']);
    expect(flags(sts(3), sts(3, 'postgres:16.6'), 'RESTART')).toEqual(['rolling restart of all 3 pods (primary of postgresql), one at a time; each stopping takes up to 2 min, starting until ready up to 5 min (its probes)']);
  });

  it('not for a change outside the pod template, nor for a StatefulSet scaled to zero', () => {
    expect(flags(sts(1), sts(1, 'postgres:16.4', { team: 'data' }), 'RESTART')).toEqual([]);
    expect(flags(sts(0), sts(0, 'postgres:16.6'), 'RESTART')).toEqual([]);
  });

  const dep = (replicas: number | undefined, strategy: Any, image = 'api:1') => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'acme-prod' },
    spec: { ...(replicas !== undefined ? { replicas } : {}), strategy, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image }] } } },
  });
  it('a Deployment only when its rollout may stop every replica: surge-first single replicas and autoscaled ones are not', () => {
    expect(flags(dep(1, { type: 'Recreate' }), dep(1, { type: 'Recreate' }, 'api:2'), 'RESTART')).toEqual(['the rollout may stop all 1 replica(s) at once (Recreate): down until a new pod is ready; stopping takes up to 30 s']);
    expect(flags(dep(2, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '100%', maxSurge: 0 } }), dep(2, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '100%', maxSurge: 0 } }, 'api:2'), 'RESTART')).toHaveLength(1);
    expect(flags(dep(1, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } }), dep(1, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } }, 'api:2'), 'RESTART')).toEqual([]);
    expect(flags(dep(undefined, { type: 'Recreate' }), dep(undefined, { type: 'Recreate' }, 'api:2'), 'RESTART')).toEqual([]);
  });

  it('DATA on a major version change of a store with claims; not a minor one, not a stateless Deployment', () => {
    expect(flags(sts(1), sts(1, 'postgres:17.2'), 'DATA')).toEqual(['spec.template.spec.containers[name=postgresql].image: major version 16 → 17 on persistent claims: data written by 16 may not start on 17 without a migration (docs/runbooks.md)']);
    expect(flags(sts(1), sts(1, 'postgres:16.6'), 'DATA')).toEqual([]);
    expect(flags(dep(3, {}, 'api:1.0'), dep(3, {}, 'api:2.0'), 'DATA')).toEqual([]);
  });

  it('a store tier change in the reference spec: primary outage, replica and Redis rolling restarts', () => {
    const r = diffTrees(base, tree(variant((s) => (s.dataStores.postgres.tier = 'large'))));
    expect(flagged(r.objects, 'RESTART').filter((o) => o.key.env === 'prod').map((o) => o.key.name).sort()).toEqual(['postgres-primary', 'postgres-read']);
  });
});

describe('noise folded, long values diffed', () => {
  it('an image bump: one line for the objects that change only their version label, the Deployment with its image', () => {
    const r = diffTrees(base, tree(variant((s) => (s.services[0].image = 'registry.test/acme/api:1.0.1'))));
    const text = formatText(r);
    const prod = text.slice(text.indexOf('== prod'));
    expect(prod).toMatch(/^ {2}\d+ objects changed only in "app\.kubernetes\.io\/version" "1\.0\.0" → "1\.0\.1"$/m);
    expect(prod).toContain('spec.template.spec.containers[name=api].image: "registry.test/acme/api:1.0.0" → "registry.test/acme/api:1.0.1"');
    expect(prod).toContain('(and 2 version label / checksum fields)');
    expect(prod).not.toMatch(/~ acme-prod\/api \(changed\)\n {8}metadata\.labels/);
  });

  it('another label is not noise: it is listed', () => {
    const r = diffTrees(objTree({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n', labels: { team: 'a' } } }), objTree({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n', labels: { team: 'b' } } }));
    expect(formatText(r)).toContain('metadata.labels.team: "a" → "b"');
  });

  it('lists of names show what was added and removed; text a line diff; JSON a field diff; a long line its changed words', () => {
    expect(changeLines(change(['a', 'b', 'c'], ['a', 'c', 'd']))).toEqual(['data.x: + [d] - [b]']);
    expect(changeLines(change('one\ntwo\nthree\nfour\n', 'one\ntwo\n3\nfour\n'))).toEqual(['data.x: text, 1 hunk', '  @@ line 1 @@', '   one', '   two', '  -three', '  +3', '   four']);
    expect(changeLines(change(JSON.stringify({ title: 'T', panels: [{ id: 1, expr: 'a > 0.01' }], pad: 'x'.repeat(200) }), JSON.stringify({ title: 'T', panels: [{ id: 1, expr: 'a > 0.05' }], pad: 'x'.repeat(200) })))).toEqual([
      'data.x: JSON, 1 field changed',
      '  panels[0].expr: "a > 0.01" → "a > 0.05"',
    ]);
    const long = 'sum(rate(http_requests_total{namespace="acme-prod", service=~"api|worker"}[5m])) by (service) / sum(rate(http_requests_total{namespace="acme-prod"}[5m])) by (service) > 0.01';
    expect(changeLines(change(long, long.replace('api|worker', 'api|worker|reviews')))).toEqual([`data.x: …me-prod", service=~"api|worker{+|reviews+}"}[5m])) by (service) / sum(ra…`]);
    // The short twin stays on one line, whole.
    expect(changeLines(change('a', 'b'))).toEqual(['data.x: "a" → "b"']);
  });
});

describe('npm run diff compares with dist/ at HEAD by default', () => {
  const dir = mkdtempSync(join(tmpdir(), 'platform-review-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const repo = join(dir, 'repo');
  writeTreeAtomically(join(repo, 'dist'), base);
  writeFileSync(join(repo, 'platform.yaml'), yaml.dump(smallPlatform()));
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { cwd: repo, stdio: 'pipe', encoding: 'utf8' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'base');
  const run = (args: string[], cwd = repo) => {
    let out = '';
    let err = '';
    const code = runDiff(args, { out: (t) => (out += t), err: (t) => (err += t), cwd, env: {} });
    return { code, out, err };
  };

  it('edit, synth, diff: the change is still reported (dist/ on disk is not the base), and the header says what was compared', () => {
    const edited = variant((s) => (s.environments.dev.replicas = 2));
    writeFileSync(join(repo, 'platform.yaml'), yaml.dump(edited));
    writeTreeAtomically(join(repo, 'dist'), tree(edited)); // what `npm run synth` does
    const r = run([]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out.split('\n')[0]).toBe(`Manifest diff — platform.yaml rendered now compared with dist/ at HEAD (${git('rev-parse', '--short', 'HEAD').trim()})`);
    expect(r.out).toContain('spec.replicas: 1 → 2');
    // The bad twin: the files on disk, asked for by name, are the synth's own output — no change.
    expect(run(['--base-dir', 'dist']).out).toContain('No changes');
  });

  it('outside a git repository it says how to compare with the files on disk', () => {
    const plain = join(dir, 'plain');
    writeTreeAtomically(join(plain, 'dist'), base);
    writeFileSync(join(plain, 'platform.yaml'), yaml.dump(smallPlatform()));
    const r = run([], plain);
    expect(r.code).toBe(EXIT.error);
    expect(r.err).toContain('not in a git repository');
    expect(r.err).toContain('--base-dir dist');
    expect(run(['--base-dir', 'dist'], plain).out).toContain('No changes');
  });
});

describe('the GitHub Actions workflow', () => {
  const workflow = yaml.load(readFileSync(join(__dirname, '../../.github/workflows/manifests.yml'), 'utf8')) as Any;
  const runs: string[] = workflow.jobs.review.steps.map((s: Any) => s.run ?? '').filter(Boolean);
  it('runs the drift check and a diff whose options npm run diff accepts', () => {
    const scripts = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')).scripts;
    for (const script of runs.join('\n').matchAll(/npm run (?:-s )?([\w:]+)/g)) expect(scripts, script[1]).toHaveProperty(script[1]!);
    const diffLine = runs.join('\n').split('\n').find((l) => l.includes('npm run -s diff --'))!;
    const args = diffLine.slice(diffLine.indexOf('-- ') + 3).split(' > ')[0]!.replace('"origin/${GITHUB_BASE_REF}"', 'origin/main').split(' ');
    expect(parseDiffArgs(args, {})).toMatchObject({ base: 'origin/main', format: 'markdown', failOn: ['REPLACE', 'DATA'] });
    expect(runs.join('\n')).toContain('git diff --exit-code --stat -- dist docs');
  });
});

describe('review details', () => {
  it('removing a service does not flag its AuthorizationPolicy (no pod it selected is left); removing the policy alone does', () => {
    const without = diffTrees(base, tree(variant((s) => (s.services = s.services.filter((x: Any) => x.name !== 'mailer')))));
    expect(without.objects.filter((o) => o.key.name === 'mailer' && o.flags.some((f) => f.flag === 'SECURITY'))).toEqual([]);
    const policyOnly = new Map([...base].map(([f, t]) => [f, t.split(/^---\n/m).filter((d) => !(d.includes('kind: AuthorizationPolicy') && /\n  name: mailer\n/.test(d))).join('---\n')]));
    const r = diffTrees(base, policyOnly);
    expect(r.objects.filter((o) => o.key.kind === 'AuthorizationPolicy' && o.key.name === 'mailer').flatMap((o) => o.flags.map((f) => f.rule))).toContain('AUTHZ-REMOVED');
  });

  it('--format json counts flags per object and per finding; a bad --base names the ref', () => {
    const r = diffTrees(base, tree(withReviews));
    const json = JSON.parse(formatReport(r, 'json'));
    expect(json.summary.flags.SECURITY).toBeGreaterThan(json.summary.findings.SECURITY);
    expect(json.summary.findings.SECURITY).toBe(json.findings.filter((f: Any) => f.flag === 'SECURITY').length);
  });
});
