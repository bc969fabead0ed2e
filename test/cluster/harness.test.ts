import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { NOT_SERVED_HERE } from './checks';
import { EXPLAINED, type AnalyzeMessage } from './istio';
import { customResourceDefinitions, prerequisites } from './prerequisites';
import { loadTree, syncSteps, type TreeObject } from './tree';

/**
 * The cluster harness's own logic, without a cluster (`npm run test:cluster`
 * runs it for real): Argo CD's order, the prerequisites it derives, and that
 * every message or event it sets aside is set aside narrowly.
 */
const dev = loadTree(join(__dirname, '..', '..', 'dist', 'dev'));
const prod = loadTree(join(__dirname, '..', '..', 'dist', 'prod'));
const at = (o: TreeObject) => `${o.obj.kind}/${o.obj.metadata.name}`;

describe('test:cluster harness', () => {
  test('syncs in Argo CD order: waves ascending, namespaces first, workloads after what they mount, hooks in their wave', () => {
    const steps = syncSteps(dev);
    expect(steps.map((s) => s.wave)).toEqual([...steps.map((s) => s.wave)].sort((a, b) => a - b));
    const all = steps.flatMap((s) => s.objects);
    expect(all[0]!.obj.kind).toBe('Namespace');
    const first = (kind: string) => all.findIndex((o) => o.obj.kind === kind && o.wave === 1);
    expect(first('ConfigMap')).toBeLessThan(first('StatefulSet'));
    expect(first('Service')).toBeLessThan(first('StatefulSet'));
    const hooks = all.filter((o) => o.hook);
    expect(hooks.map(at).sort()).toEqual(['Job/kafka-topics', 'Job/postgres-provision']);
    expect(steps.find((s) => s.objects.some((o) => o.hook))!.wave).toBe(2);
  });

  test('derives the prerequisites from the tree: add-on namespaces, a class per named StorageClass (default when none), the referenced Secrets', () => {
    const p = prerequisites(prod);
    expect(p.namespaces).not.toContain('shop-prod');
    expect(p.storageClasses.map((s) => [s.metadata.name, s.volumeBindingMode, s.metadata.annotations?.['storageclass.kubernetes.io/is-default-class']])).toEqual([['gp3', 'WaitForFirstConsumer', undefined]]);
    expect(prerequisites(dev).storageClasses.map((s) => [s.metadata.name, s.metadata.annotations?.['storageclass.kubernetes.io/is-default-class']])).toEqual([['standard', 'true']]);
    const redis = p.secrets.find((s) => s.metadata.name === 'redis-credentials' && s.metadata.namespace === 'shop-prod-data');
    expect(Object.keys(redis!.stringData).length).toBeGreaterThan(0);
    // A Secret the tree renders itself is not a prerequisite.
    const withSecret = [...prod, { file: 'x.yaml', wave: 0, obj: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'redis-credentials', namespace: 'shop-prod-data' } } }];
    expect(prerequisites(withSecret).secrets.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)).not.toContain('shop-prod-data/redis-credentials');
  });

  test('installs one CRD per group and kind the project renders, with its real names and scope', () => {
    const crds = customResourceDefinitions();
    const vs = crds.find((c) => c.metadata.name === 'virtualservices.networking.istio.io')!;
    expect(vs.spec.scope).toBe('Namespaced');
    expect(vs.spec.versions.map((v: any) => [v.name, v.storage])).toEqual([['v1', true]]);
    expect(crds.find((c) => c.spec.names.kind === 'ClusterIssuer')!.spec.scope).toBe('Cluster');
  });

  test('sets aside only the istioctl messages it explains', () => {
    const m = (code: string, origin: string, text: string): AnalyzeMessage => ({ code, level: 'Error', origin, text });
    const explained = (msg: AnalyzeMessage) => EXPLAINED.some((e) => e.applies(msg, prod));
    expect(explained(m('IST0173', 'DestinationRule shop-prod/auth-service', 'The Subset canary defined in the DestinationRule does not select any pods.'))).toBe(true);
    // The stable subset, or a canary subset a route uses, is a real problem.
    expect(explained(m('IST0173', 'DestinationRule shop-prod/auth-service', 'The Subset stable defined in the DestinationRule does not select any pods.'))).toBe(false);
    const routed = prod.map((o) =>
      o.obj.kind === 'VirtualService' && o.obj.metadata.name === 'auth-service'
        ? { ...o, obj: { ...o.obj, spec: { ...o.obj.spec, http: [{ route: [{ destination: { host: 'auth-service.shop-prod.svc.cluster.local', subset: 'canary' } }] }] } } }
        : o,
    );
    expect(EXPLAINED.some((e) => e.applies(m('IST0173', 'DestinationRule shop-prod/auth-service', 'The Subset canary defined in the DestinationRule does not select any pods.'), routed))).toBe(false);
    // Blue-green: the stable subset and an unrouted colour are kept empty by design; the routed colour must have pods.
    const dev = loadTree(join(__dirname, '..', '..', 'dist', 'dev'));
    const inDev = (msg: AnalyzeMessage) => EXPLAINED.some((e) => e.applies(msg, dev));
    expect(inDev(m('IST0173', 'DestinationRule shop-dev/user-service', 'The Subset stable defined in the DestinationRule does not select any pods.'))).toBe(true);
    expect(inDev(m('IST0173', 'DestinationRule shop-dev/user-service', 'The Subset blue defined in the DestinationRule does not select any pods.'))).toBe(true);
    expect(inDev(m('IST0173', 'DestinationRule shop-dev/user-service', 'The Subset green defined in the DestinationRule does not select any pods.'))).toBe(false);
    expect(explained(m('IST0101', 'VirtualService shop-prod/auth-service', 'Referenced host not found: "x"'))).toBe(false);
    expect(explained(m('IST0101', 'Gateway shop-prod/public', 'Referenced selector not found: "app=istio-ingressgateway"'))).toBe(true);
    expect(explained(m('IST0101', 'Gateway shop-prod/public', 'Referenced selector not found: "app=istio-ingresgateway"'))).toBe(false);
    expect(explained(m('IST0127', 'AuthorizationPolicy shop-prod/auth-service', 'No matching workloads for this resource with the following labels: app.kubernetes.io/name=auth-service'))).toBe(false);
    // A Job's egress Sidecar (a managed Kafka's topics hook) selects pods only while the Job runs; a Sidecar for
    // any other name, or for a Job that is not in the tree, still counts.
    const job = { file: 'x', wave: 2, obj: { kind: 'Job', metadata: { namespace: 'shop-prod', name: 'kafka-topics' }, spec: { template: { metadata: { labels: { 'app.kubernetes.io/name': 'kafka-topics' } } } } } };
    const sidecar = (name: string, app: string) => ({ file: 'x', wave: 0, obj: { kind: 'Sidecar', metadata: { namespace: 'shop-prod', name }, spec: { workloadSelector: { labels: { 'app.kubernetes.io/name': app } } } } });
    const withJob = (msg: AnalyzeMessage, extra: any[]) => EXPLAINED.some((e) => e.applies(msg, [...prod, ...extra] as any));
    const notFound = (app: string) => `Referenced selector not found: "app.kubernetes.io/name=${app}"`;
    expect(withJob(m('IST0101', 'Sidecar shop-prod/kafka-topics-egress', notFound('kafka-topics')), [job, sidecar('kafka-topics-egress', 'kafka-topics')])).toBe(true);
    expect(withJob(m('IST0101', 'Sidecar shop-prod/kafka-topics-egress', notFound('kafka-topics')), [sidecar('kafka-topics-egress', 'kafka-topics')])).toBe(false);
    expect(withJob(m('IST0101', 'Sidecar shop-prod/kafka-exporter-egress', notFound('kafka-exporter')), [job, sidecar('kafka-exporter-egress', 'kafka-exporter')])).toBe(false);
    // The gateway rate limit's EnvoyFilter: only Istio's generic warning about EnvoyFilters, only on the platform's own.
    const ef = 'Schema validation warning: EnvoyFilter exposes internal implementation details that may change at any time. Prefer other APIs if possible, and exercise extreme caution, especially around upgrades.';
    const rl = { file: 'x', wave: 4, obj: { kind: 'EnvoyFilter', metadata: { namespace: 'istio-ingress', name: 'storefront-prod-rate-limit' }, spec: { workloadSelector: { labels: { app: 'istio-ingressgateway' } }, configPatches: [{ patch: { value: { name: 'envoy.filters.http.local_ratelimit.storefront-prod' } } }] } } };
    const lua = { ...rl, obj: { ...rl.obj, metadata: { namespace: 'istio-ingress', name: 'lua-rate-limit' }, spec: { ...rl.obj.spec, configPatches: [{ patch: { value: { name: 'envoy.filters.http.lua' } } }] } } };
    const withFilters = (msg: AnalyzeMessage) => EXPLAINED.some((e) => e.applies(msg, [...prod, rl, lua] as any));
    expect(withFilters(m('IST0133', 'EnvoyFilter istio-ingress/storefront-prod-rate-limit', ef))).toBe(true);
    // Named like ours but another filter, or not in the tree at all: counted.
    expect(withFilters(m('IST0133', 'EnvoyFilter istio-ingress/lua-rate-limit', ef))).toBe(false);
    expect(withFilters(m('IST0133', 'EnvoyFilter istio-ingress/other-rate-limit', ef))).toBe(false);
    expect(withFilters(m('IST0151', 'EnvoyFilter istio-ingress/storefront-prod-rate-limit', 'This EnvoyFilter does not have a priority and has a relative patch operation set'))).toBe(false);
  });

  test('sets aside only the HPA metrics-API events, the API server repair race and a quota update conflict', () => {
    const e = (component: string, reason: string, message: string) => ({ source: { component }, reason, message });
    expect(NOT_SERVED_HERE(e('horizontal-pod-autoscaler', 'FailedGetResourceMetric', 'unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)'))).toBe(true);
    expect(NOT_SERVED_HERE(e('horizontal-pod-autoscaler', 'FailedGetScale', 'deployments/scale.apps "api" not found'))).toBe(false);
    expect(NOT_SERVED_HERE(e('replicaset-controller', 'FailedCreate', 'exceeded quota: platform-quota'))).toBe(false);
    expect(NOT_SERVED_HERE(e('default-scheduler', 'FailedScheduling', '0/9 nodes are available'))).toBe(false);
    // Two creates charging the quota at once: the controller retries.
    const conflict = 'create Claim data-zookeeper-2 for Pod zookeeper-2 in StatefulSet zookeeper failed error: Operation cannot be fulfilled on resourcequotas "platform-quota": the object has been modified; please apply your changes to the latest version and try again';
    expect(NOT_SERVED_HERE(e('statefulset-controller', 'FailedCreate', conflict))).toBe(true);
    // The bad twins: the quota refusing the create, and a conflict on another kind of object.
    expect(NOT_SERVED_HERE(e('statefulset-controller', 'FailedCreate', 'create Pod zookeeper-2 in StatefulSet zookeeper failed error: pods "zookeeper-2" is forbidden: exceeded quota: platform-quota, requested: pods=1, used: pods=12, limited: pods=12'))).toBe(false);
    expect(NOT_SERVED_HERE(e('statefulset-controller', 'FailedCreate', conflict.replace('resourcequotas', 'persistentvolumeclaims')))).toBe(false);
  });
});
