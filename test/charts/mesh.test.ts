import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../platform/loader';
import type { PlatformSpecInput } from '../../platform/schema';
import type { KubeObject } from '../../blocks/kube-object';
import { render, type Rendered } from '../helpers/render';
import { canaryPlatform, smallPlatform } from '../helpers/fixtures';
import { schemaErrors } from '../helpers/kube-schema';

/*
 * Expected policies are derived here from the spec input (services' dependsOn,
 * routes), independently of the model's `callers`, and compared with what was
 * rendered in both directions.
 */
type SpecService = { name: string; dependsOn?: string[]; route?: { path: string }; scaleOn?: string; port: number; canary?: { image: string; weight: number }; blueGreen?: object };
const servicesOf = (spec: PlatformSpecInput) => spec.services as SpecService[];
const sa = (ns: string, name: string) => `cluster.local/ns/${ns}/sa/${name}`;
const GATEWAY = sa('istio-ingress', 'istio-ingressgateway');

function expectedServicePrincipals(spec: PlatformSpecInput, ns: string, target: SpecService): string[] {
  const callers = servicesOf(spec)
    .filter((s) => (s.dependsOn ?? []).includes(target.name))
    .map((s) => sa(ns, s.name));
  return [...new Set([...callers, ...(target.route ? [GATEWAY] : [])])].sort();
}

function expectedStorePrincipals(spec: PlatformSpecInput, env: string, store: string): string[] {
  const e = spec.environments[env]!;
  const ns = e.namespace;
  const dataNs = e.dataNamespace ?? ns;
  if (store === 'zookeeper') return [sa(dataNs, 'kafka')];
  const clients = servicesOf(spec)
    .filter((s) => (s.dependsOn ?? []).includes(store))
    .map((s) => sa(ns, s.name));
  const keda = store === 'kafka' && e.autoscaling && servicesOf(spec).some((s) => s.scaleOn === 'kafka-lag') ? [sa('keda', 'keda-operator')] : [];
  const exporter = store === 'kafka' ? [sa(dataNs, 'kafka-exporter')] : [];
  // Redis's master endpoint (redis-master, HAProxy) connects to the nodes for its clients.
  const proxy = store === 'redis' ? [sa(dataNs, 'redis-master')] : [];
  return [...new Set([...clients, ...keda, ...exporter, ...proxy])].sort();
}

type Rule = { from?: { source?: { principals?: string[] } }[]; to?: { operation?: { ports?: string[]; methods?: string[]; paths?: string[] } }[] };
const rulesOf = (o: KubeObject) => ((o.spec as { rules?: Rule[] }).rules ?? []) as Rule[];
/** Principals admitted by the rules of an AuthorizationPolicy that name principals. */
const admitted = (o: KubeObject) => [...new Set(rulesOf(o).flatMap((r) => (r.from ?? []).flatMap((f) => f.source?.principals ?? [])))].sort();

/** Pod template labels of the Deployments of service `name` in `ns`: its stable and, if the spec has one, its canary track; blue-green: both colours. */
function tracksOf(r: Rendered, env: string, ns: string, spec: PlatformSpecInput, name: string): Record<string, string>[] {
  const s = servicesOf(spec).find((x) => x.name === name);
  const names = s?.blueGreen ? [`${name}-blue`, `${name}-green`] : [name, ...(s?.canary ? [`${name}-canary`] : [])];
  return names.map((n) => (r.get('Deployment', n, { env, namespace: ns }).spec as any).template.metadata.labels);
}
/** The pods of a service's scheduled tasks (they call what the service calls). */
function cronPodsOf(r: Rendered, env: string, ns: string, name: string): Record<string, string>[] {
  return r.find('CronJob', { env, namespace: ns }).map((c: any) => c.spec.jobTemplate.spec.template.metadata.labels).filter((l) => l['app.kubernetes.io/name'] === name);
}
const selects = (sel: Record<string, string>, labels: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);

function checkAuthorization(r: Rendered, spec: PlatformSpecInput) {
  for (const [env, e] of Object.entries(spec.environments)) {
    for (const s of servicesOf(spec)) {
      const policy = r.get('AuthorizationPolicy', s.name, { env, namespace: e.namespace });
      // The policy protects every track of the service, and only its pods.
      const sel = (policy.spec as any).selector.matchLabels;
      for (const labels of tracksOf(r, env, e.namespace, spec, s.name)) expect(selects(sel, labels), `${env}/AuthorizationPolicy ${s.name} covers ${labels['app.kubernetes.io/instance']}`).toBe(true);
      expect(sel['app.kubernetes.io/name']).toBe(s.name);
      expect(admitted(policy), `${env}/${s.name}`).toEqual(expectedServicePrincipals(spec, e.namespace, s));
      // Principals are admitted on the service port only.
      for (const rule of rulesOf(policy).filter((x) => x.from)) expect(rule.to?.[0]?.operation?.ports).toEqual([String(s.port)]);
    }
  }
}

/** NetworkPolicy ingress peers on the service port (rendered by charts/service.ts), as `namespace/name` or `gateway`. */
function ingressPeers(r: Rendered, env: string, ns: string, s: SpecService, spec: PlatformSpecInput): string[] {
  const np = r.get('NetworkPolicy', s.name, { env, namespace: ns });
  type Peer = { namespaceSelector?: { matchLabels?: Record<string, string> }; podSelector?: { matchLabels?: Record<string, string> } };
  const ingress = (np.spec as { ingress: { from: Peer[]; ports: { port: number }[] }[] }).ingress;
  const peers = ingress
    .filter((i) => i.ports.some((p) => p.port === s.port))
    .flatMap((i) => i.from)
    .filter((p) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] !== 'monitoring');
  // The peers of one caller together admit every track of it (its canary's pods too) and its scheduled tasks' pods.
  const callers = new Map<string, Record<string, string>[]>();
  for (const p of peers) {
    const pns = p.namespaceSelector!.matchLabels!['kubernetes.io/metadata.name']!;
    const labels = p.podSelector!.matchLabels!;
    const key = labels.app === 'istio-ingressgateway' ? 'gateway' : `${pns}/${labels['app.kubernetes.io/name']!}`;
    callers.set(key, [...(callers.get(key) ?? []), labels]);
  }
  for (const [key, selectors] of callers) {
    if (key === 'gateway') continue;
    const [pns, caller] = key.split('/') as [string, string];
    for (const t of [...tracksOf(r, env, pns, spec, caller), ...cronPodsOf(r, env, pns, caller)]) {
      expect(selectors.some((sel) => selects(sel, t)), `${env}/${s.name} admits ${t['app.kubernetes.io/instance']}`).toBe(true);
    }
  }
  return [...callers.keys()].sort();
}

function checkNetworkPeers(r: Rendered, spec: PlatformSpecInput) {
  for (const [env, e] of Object.entries(spec.environments)) {
    for (const s of servicesOf(spec)) {
      const expected = [
        ...servicesOf(spec)
          .filter((c) => (c.dependsOn ?? []).includes(s.name))
          .map((c) => `${e.namespace}/${c.name}`),
        ...(s.route ? ['gateway'] : []),
      ].sort();
      expect(ingressPeers(r, env, e.namespace, s, spec), `${env}/${s.name}`).toEqual(expected);
      // The policy itself applies to every track of the service.
      const own = (r.get('NetworkPolicy', s.name, { env, namespace: e.namespace }).spec as any).podSelector.matchLabels;
      for (const t of tracksOf(r, env, e.namespace, spec, s.name)) expect(selects(own, t), `${env}/${s.name} NetworkPolicy covers ${t['app.kubernetes.io/instance']}`).toBe(true);
    }
  }
}

describe('mesh security (small platform)', () => {
  const spec = smallPlatform();
  const r = render(spec);

  it('validates every mesh object against its CRD schema', () => {
    const objs = r.charts.filter((c) => c.file.includes('/mesh/')).flatMap((c) => c.objects);
    expect(objs.length).toBeGreaterThan(10);
    for (const o of objs) expect(schemaErrors(o), `${o.kind}/${o.metadata.name}`).toEqual([]);
  });

  it('enforces STRICT mTLS and allow-nothing in every namespace of every environment', () => {
    for (const [env, e] of Object.entries(spec.environments)) {
      for (const ns of new Set([e.namespace, e.dataNamespace ?? e.namespace])) {
        const pa = r.get('PeerAuthentication', 'default', { env, namespace: ns });
        expect(pa.spec).toEqual({ mtls: { mode: 'STRICT' } });
        const deny = r.get('AuthorizationPolicy', 'allow-nothing', { env, namespace: ns });
        expect(deny.spec).toEqual({});
        expect(deny.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe('0');
      }
    }
  });

  it('admits exactly the declared callers of each service (principals from dependsOn, both ways)', () => {
    checkAuthorization(r, spec);
  });

  it('admits exactly the declared callers in the services’ NetworkPolicies (both ways)', () => {
    checkNetworkPeers(r, spec);
  });

  it('admits exactly the clients of each data store, plus its own pods', () => {
    for (const [env, e] of Object.entries(spec.environments)) {
      const dataNs = e.dataNamespace ?? e.namespace;
      const sas: Record<string, string> = { postgres: 'postgres', redis: 'redis', kafka: 'kafka', zookeeper: 'zookeeper' };
      for (const store of Object.keys(spec.dataStores ?? {})) {
        const policy = r.get('AuthorizationPolicy', store, { env, namespace: dataNs });
        const rules = rulesOf(policy);
        const clientRule = rules.find((x) => x.from && x.to);
        expect(clientRule?.from?.[0]?.source?.principals, `${env}/${store}`).toEqual(expectedStorePrincipals(spec, env, store));
        const peerRule = rules.find((x) => x.from && !x.to);
        expect(peerRule?.from?.[0]?.source?.principals).toEqual([sa(dataNs, sas[store]!)]);
      }
    }
    // redis-master admits the client services of Redis only, on 6379.
    for (const [env, e] of Object.entries(spec.environments)) {
      const dataNs = e.dataNamespace ?? e.namespace;
      const proxy = rulesOf(r.get('AuthorizationPolicy', 'redis-master', { env, namespace: dataNs }));
      expect(proxy).toEqual([{ from: [{ source: { principals: expectedStorePrincipals(spec, env, 'redis').filter((p) => !p.endsWith('/sa/redis-master')) } }], to: [{ operation: { ports: ['6379'] } }] }]);
    }
    // KEDA reads consumer lag in prod (autoscaling) only.
    expect(admitted(r.get('AuthorizationPolicy', 'kafka', { env: 'prod' }))).toContain(sa('keda', 'keda-operator'));
    expect(admitted(r.get('AuthorizationPolicy', 'kafka', { env: 'dev' }))).not.toContain(sa('keda', 'keda-operator'));
  });

  it('opens nothing for Prometheus: no workload PeerAuthentication, no rule without principals (metrics are merged on 15020)', () => {
    for (const env of Object.keys(spec.environments)) {
      expect(r.find('PeerAuthentication', { env }).map((pa) => pa.metadata.name)).toEqual(expect.arrayContaining(['default']));
      expect(r.find('PeerAuthentication', { env }).filter((pa) => pa.metadata.name !== 'default')).toEqual([]);
    }
    // A service nobody calls (mailer) keeps its policy, with no rules: it admits no one.
    expect(r.get('AuthorizationPolicy', 'mailer', { env: 'prod' }).spec).toEqual({ action: 'ALLOW', selector: { matchLabels: { 'app.kubernetes.io/component': 'server', 'app.kubernetes.io/name': 'mailer' } } });
  });

  it('kafka_exporter is a Kafka client the Kafka policy admits, and admits no one itself (allow-nothing)', () => {
    for (const [env, e] of Object.entries(spec.environments)) {
      const ns = e.dataNamespace ?? e.namespace;
      expect(r.find('AuthorizationPolicy', { env, namespace: ns, name: 'kafka-exporter' })).toEqual([]);
      expect(admitted(r.get('AuthorizationPolicy', 'kafka', { env, namespace: ns }))).toContain(sa(ns, 'kafka-exporter'));
    }
  });

  it('admits OTLP to the collector from every service only', () => {
    const policy = r.get('AuthorizationPolicy', 'otel-collector', { env: 'prod' });
    expect(admitted(policy)).toEqual(servicesOf(spec).map((s) => sa('acme-prod', s.name)).sort());
    expect((policy.spec as any).selector.matchLabels).toEqual({ 'app.kubernetes.io/component': 'opentelemetry-collector', 'app.kubernetes.io/name': 'otel-collector' });
  });

  it('fails when a caller is missing (the comparison can fail)', () => {
    const broken = structuredClone(spec);
    (broken.services as SpecService[])[0]!.dependsOn = ['postgres'];
    // The spec says api no longer calls worker; the rendering of the original spec must not match it.
    expect(() => checkAuthorization(r, broken)).toThrow();
  });
});

describe('mesh security (small platform with canaries)', () => {
  const spec = canaryPlatform();
  const r = render(spec);

  it('admits exactly the declared callers, with every track of callers and callees covered (both ways)', () => {
    checkAuthorization(r, spec);
    checkNetworkPeers(r, spec);
  });

  it('the comparison still fails when a caller is missing', () => {
    const broken = structuredClone(spec);
    (broken.services as SpecService[])[0]!.dependsOn = ['postgres'];
    expect(() => checkNetworkPeers(r, broken)).toThrow();
  });

  it('the comparison fails when a peer covers the stable track only', () => {
    // worker's ingress peer narrowed back to api's stable instance: api-canary would be shut out.
    const patched = structuredClone(r.get('NetworkPolicy', 'worker', { env: 'prod' })) as any;
    patched.spec.ingress[0].from[0].podSelector.matchLabels['app.kubernetes.io/instance'] = 'api';
    const narrowed: Rendered = { ...r, get: (kind, name, opts) => (kind === 'NetworkPolicy' && name === 'worker' && opts?.env === 'prod' ? patched : r.get(kind, name, opts)) };
    expect(() => checkNetworkPeers(narrowed, spec)).toThrow(/prod\/worker admits api-canary/);
  });
});

describe('mesh security (reference platform.yaml)', () => {
  const spec = loadSpec('platform.yaml') as PlatformSpecInput;
  const r = render(spec);
  const prod = { env: 'prod', namespace: 'shop-prod' };

  it('inventory-service admits order-service only', () => {
    expect(admitted(r.get('AuthorizationPolicy', 'inventory-service', prod))).toEqual([sa('shop-prod', 'order-service')]);
  });

  it('payment-service admits no service, only the ingress gateway', () => {
    expect(admitted(r.get('AuthorizationPolicy', 'payment-service', prod))).toEqual([GATEWAY]);
  });

  it('cart-service may not call payment-service (mesh and network)', () => {
    expect(admitted(r.get('AuthorizationPolicy', 'payment-service', prod))).not.toContain(sa('shop-prod', 'cart-service'));
    const cartEgress = (r.get('NetworkPolicy', 'cart-service', prod).spec as any).egress as { to: { podSelector?: { matchLabels?: Record<string, string> } }[] }[];
    const targets = cartEgress.flatMap((e) => e.to.map((t) => t.podSelector?.matchLabels?.['app.kubernetes.io/name']));
    expect(targets).not.toContain('payment-service');
  });

  it('matches the dependency graph for every service, in every environment', () => {
    checkAuthorization(r, spec);
    checkNetworkPeers(r, spec);
  });
});

describe('mesh routing', () => {
  const spec = smallPlatform();
  const r = render(spec);

  it('serves the public hosts over HTTPS with a cert-manager certificate and redirects HTTP', () => {
    const gw = r.get('Gateway', 'public', { env: 'prod', namespace: 'acme-prod' });
    const servers = (gw.spec as any).servers;
    expect(servers).toEqual([
      // `<namespace>/<host>`: only prod's own VirtualServices bind its host (a bare host would admit any namespace's).
      { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['acme-prod/acme.test'], tls: { mode: 'SIMPLE', credentialName: 'acme-prod-tls', minProtocolVersion: 'TLSV1_2' } },
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['acme-prod/acme.test'], tls: { httpsRedirect: true } },
    ]);
    for (const vs of r.find('VirtualService', { env: 'prod' }).filter((v: any) => v.spec.gateways.includes('acme-prod/public'))) expect(vs.metadata.namespace).toBe('acme-prod');
    const cert = r.get('Certificate', 'acme-prod-tls', { env: 'prod' });
    expect(cert.metadata.namespace).toBe('istio-ingress');
    expect((cert.spec as any).dnsNames).toEqual(['acme.test']);
    expect((cert.spec as any).secretName).toBe('acme-prod-tls');
    expect((cert.spec as any).issuerRef).toEqual({ name: 'letsencrypt-prod', kind: 'ClusterIssuer', group: 'cert-manager.io' });
    expect(gw.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe('4');
  });

  it('routes each public service’s path prefix from the gateway, and only public services', () => {
    const vs = r.get('VirtualService', 'api-public', { env: 'prod' });
    expect((vs.spec as any).gateways).toEqual(['acme-prod/public']);
    expect((vs.spec as any).http[0].match).toEqual([{ uri: { exact: '/api' } }, { uri: { prefix: '/api/' } }]);
    expect((vs.spec as any).http[0].route).toEqual([{ destination: { host: 'api.acme-prod.svc.cluster.local', port: { number: 8080 }, subset: 'stable' } }]);
    expect(r.find('VirtualService', { env: 'prod', name: 'worker-public' })).toEqual([]);
  });

  it('gives every service a DestinationRule with ISTIO_MUTUAL, connection limits and outlier detection', () => {
    for (const s of servicesOf(spec)) {
      const dr = r.get('DestinationRule', s.name, { env: 'prod' });
      const tp = (dr.spec as any).trafficPolicy;
      expect(tp.tls).toEqual({ mode: 'ISTIO_MUTUAL' });
      expect(tp.connectionPool.tcp.maxConnections).toBeGreaterThan(0);
      expect(tp.connectionPool.http.http1MaxPendingRequests).toBeGreaterThan(0);
      expect(tp.outlierDetection.consecutive5xxErrors).toBe(5);
    }
  });

  it('applies default and spec-given timeouts and retries to mesh and gateway routes', () => {
    const custom = structuredClone(spec);
    Object.assign((custom.services as any[])[0], { timeout: '3s', retries: { attempts: 0 } });
    const c = render(custom);
    const mesh = (c.get('VirtualService', 'api', { env: 'prod' }).spec as any).http[0];
    expect(mesh.timeout).toBe('3s');
    expect(mesh.retries).toEqual({ attempts: 0 });
    const worker = (c.get('VirtualService', 'worker', { env: 'prod' }).spec as any).http[0];
    expect(worker.timeout).toBe('15s');
    expect(worker.retries).toEqual({ attempts: 2, perTryTimeout: '5s', retryOn: 'connect-failure,refused-stream,unavailable' });
    // Never `reset`: the request may already have been processed (a second charge, a second order).
    expect(worker.retries.retryOn.split(',')).not.toContain('reset');
  });

  it('renders a self-signed Issuer when the environment asks for one', () => {
    const custom = structuredClone(spec);
    (custom.environments.dev as any).certificateIssuer = 'self-signed';
    const c = render(custom);
    const issuer = c.get('Issuer', 'acme-dev-selfsigned', { env: 'dev' });
    expect(issuer.metadata.namespace).toBe('istio-ingress');
    expect((c.get('Certificate', 'acme-dev-tls', { env: 'dev' }).spec as any).issuerRef).toEqual({ name: 'acme-dev-selfsigned', kind: 'Issuer', group: 'cert-manager.io' });
    expect(schemaErrors(issuer)).toEqual([]);
  });

  it('splits a canaried service’s traffic by weight over stable and canary subsets, mesh and gateway alike', () => {
    const c = render(canaryPlatform());
    const dr = c.get('DestinationRule', 'api', { env: 'prod' }).spec as any;
    expect(dr.subsets).toEqual([
      { name: 'stable', labels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api' } },
      { name: 'canary', labels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api-canary' } },
      { name: 'blue', labels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api-blue' } },
      { name: 'green', labels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api-green' } },
    ]);
    // Each subset selects exactly the pods of its Deployment.
    for (const [subset, deployment] of [[0, 'api'], [1, 'api-canary']] as const) {
      expect((c.get('Deployment', deployment, { env: 'prod' }).spec as any).selector.matchLabels).toEqual(dr.subsets[subset].labels);
    }
    expect(dr.trafficPolicy).toEqual((r.get('DestinationRule', 'api', { env: 'prod' }).spec as any).trafficPolicy);
    const split = [
      { destination: { host: 'api.acme-prod.svc.cluster.local', port: { number: 8080 }, subset: 'stable' }, weight: 90 },
      { destination: { host: 'api.acme-prod.svc.cluster.local', port: { number: 8080 }, subset: 'canary' }, weight: 10 },
    ];
    for (const name of ['api', 'api-public']) {
      const http = (c.get('VirtualService', name, { env: 'prod' }).spec as any).http[0];
      expect(http.route, name).toEqual(split);
      const plain = (r.get('VirtualService', name, { env: 'prod' }).spec as any).http[0];
      expect({ ...http, route: plain.route }, `${name}: only the route changes`).toEqual(plain);
    }
    const worker = (c.get('VirtualService', 'worker', { env: 'prod' }).spec as any).http[0].route;
    expect(worker.map((d: any) => [d.destination.subset, d.weight])).toEqual([['stable', 75], ['canary', 25]]);
    // Without a canary: one destination, but the DestinationRule keeps every track's subset, so adding or
    // removing a canary, or moving to or from blue-green, changes only the VirtualService (never a route naming a missing subset).
    expect((c.get('VirtualService', 'mailer', { env: 'prod' }).spec as any).http[0].route.map((d: any) => d.destination.subset)).toEqual(['stable']);
    for (const platform of [r, c]) {
      const subsets = (platform.get('DestinationRule', 'api', { env: 'prod' }).spec as any).subsets;
      expect(subsets.map((x: any) => [x.name, x.labels['app.kubernetes.io/instance']])).toEqual([['stable', 'api'], ['canary', 'api-canary'], ['blue', 'api-blue'], ['green', 'api-green']]);
    }
    expect(Number(c.get('DestinationRule', 'api', { env: 'prod' }).metadata.annotations!['argocd.argoproj.io/sync-wave'])).toBeLessThan(
      Number(c.get('VirtualService', 'api', { env: 'prod' }).metadata.annotations!['argocd.argoproj.io/sync-wave']),
    );
  });

});
