import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { render, type Rendered } from '../helpers/render';
import { smallPlatform } from '../helpers/fixtures';
import { schemaErrors } from '../helpers/kube-schema';
import type { KubeObject } from '../../blocks/kube-object';
import type { PlatformSpecInput } from '../../platform/schema';
import { sentinelQuorum } from '../../stores/redis/chart';
import { PROVISION_SCRIPT } from '../../stores/postgres/chart';
import { workloadFootprint } from '../../blocks/footprint';
import * as kafkaChart from '../../stores/kafka/chart';
import { STORE_METRICS, storeMetricsEndpoints, type StoreMetrics as StoreMetricsT } from '../../catalogue/stores';
import type { StoreModel } from '../../platform/model';

const rendered: Rendered = render(smallPlatform());
const DATA_KINDS = ['StatefulSet', 'Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy', 'ConfigMap', 'ServiceAccount', 'Job'];
const dataObjects = (r: Rendered, env: string) => r.charts.filter((c) => c.file.startsWith(`${env}/data/`)).flatMap((c) => c.objects);
const sts = (r: Rendered, name: string, env = 'prod') => r.get('StatefulSet', name, { env }) as any;
const container = (o: any, name: string) => o.spec.template.spec.containers.find((c: any) => c.name === name);
const envOf = (c: any) => Object.fromEntries((c.env ?? []).filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
const configData = (r: Rendered, name: string, env = 'prod') => (r.get('ConfigMap', name, { env }) as any).data as Record<string, string>;
const matches = (sel: Record<string, string>, labels: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);
const podLabels = (o: any): Record<string, string> => o.spec.template.metadata.labels;

describe('data layer: files and schema', () => {
  it('renders one file per store per environment plus the topic Job', () => {
    for (const env of ['dev', 'prod']) {
      for (const f of ['postgres', 'postgres-provision', 'redis', 'kafka', 'zookeeper', 'kafka-topics']) expect(rendered.files.has(`${env}/data/${f}.yaml`)).toBe(true);
    }
  });

  it('every data object is valid against the Kubernetes schema', () => {
    const errors = ['dev', 'prod'].flatMap((env) => dataObjects(rendered, env).flatMap((o) => schemaErrors(o).map((e) => `${o.kind}/${o.metadata.name}: ${e}`)));
    expect(errors).toEqual([]);
  });

  it('only known kinds, all namespaced in the data namespace, and no Secret is rendered', () => {
    const objs = dataObjects(rendered, 'prod');
    expect(objs.map((o) => o.kind).filter((k) => !DATA_KINDS.includes(k))).toEqual([]);
    expect(new Set(objs.map((o) => o.metadata.namespace))).toEqual(new Set(['acme-prod-data']));
  });

  it('store pods carry the contract app.kubernetes.io/name and a component', () => {
    const expected: Record<string, [string, string]> = {
      'postgres-primary': ['postgresql', 'primary'],
      'postgres-read': ['postgresql', 'read-replica'],
      redis: ['redis', 'node'],
      kafka: ['kafka', 'broker'],
      zookeeper: ['zookeeper', 'server'],
    };
    for (const [name, [app, component]] of Object.entries(expected)) {
      const labels = podLabels(sts(rendered, name));
      expect(labels['app.kubernetes.io/name']).toBe(app);
      expect(labels['app.kubernetes.io/instance']).toBe(name);
      expect(labels['app.kubernetes.io/component']).toBe(component);
    }
  });
});

describe('data layer: GitOps never loses data', () => {
  const all = rendered.find('StatefulSet');
  it('StatefulSets and claim templates forbid prune/delete and claims are retained', () => {
    // 5 StatefulSets (postgres primary + read, redis, zookeeper, kafka) × 3 environments
    expect(all.length).toBe(15);
    for (const o of all as any[]) {
      expect(o.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
      expect(o.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
      for (const t of o.spec.volumeClaimTemplates) expect(t.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
      expect(o.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
    }
  });

  it('credentials only by Secret reference', () => {
    for (const o of all as any[]) {
      for (const c of [...(o.spec.template.spec.initContainers ?? []), ...o.spec.template.spec.containers]) {
        for (const e of c.env ?? []) expect(/PASS|SECRET|AUTH/.test(e.name) ? e.valueFrom?.secretKeyRef?.name : 'n/a').toBeTruthy();
      }
    }
  });

  it('fsGroup makes the claim writable and storage comes from the spec', () => {
    const pg = sts(rendered, 'postgres-primary');
    expect(pg.spec.template.spec.securityContext.fsGroup).toBe(999);
    expect(pg.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('50Gi');
    expect(sts(rendered, 'kafka').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('100Gi');
  });
});

describe('data layer: wiring', () => {
  it('ZooKeeper server list has exactly one entry per replica, by headless pod DNS', () => {
    for (const [env, n] of [['dev', 1], ['prod', 3]] as const) {
      const cfg = configData(rendered, 'zookeeper-config', env)['zoo.cfg']!;
      const servers = cfg.split('\n').filter((l) => l.startsWith('server.'));
      const ns = env === 'prod' ? 'acme-prod-data' : 'acme-dev';
      // One server runs standalone (no server list); an ensemble lists every member by headless pod DNS.
      expect(servers).toEqual(n === 1 ? [] : Array.from({ length: n }, (_, i) => `server.${i + 1}=zookeeper-${i}.zookeeper-headless.${ns}.svc.cluster.local:2888:3888;2181`));
      expect(cfg).toContain('clientPort=2181');
      expect(cfg).toContain('4lw.commands.whitelist=srvr,mntr,ruok');
      expect(sts(rendered, 'zookeeper', env).spec.replicas).toBe(n);
    }
  });

  it('ZooKeeper heap fits inside the memory limit', () => {
    const heap = Number(/-Xmx(\d+)m/.exec(configData(rendered, 'zookeeper-config')['start.sh']!)![1]);
    expect(heap).toBeGreaterThan(0);
    expect(heap).toBeLessThan(512); // small tier: 512Mi limit
  });

  it("Kafka's zookeeper.connect names every ZooKeeper pod and each broker advertises its own pod DNS name", () => {
    const props = configData(rendered, 'kafka-config')['server.properties']!;
    const connect = /^zookeeper\.connect=(.*)$/m.exec(props)![1]!.split(',');
    expect(connect).toEqual([0, 1, 2].map((i) => `zookeeper-${i}.zookeeper-headless.acme-prod-data.svc.cluster.local:2181`));
    const start = configData(rendered, 'kafka-config')['start.sh']!;
    expect(start).toContain('advertised.listeners=PLAINTEXT://$POD_NAME.kafka-headless.$POD_NAMESPACE.svc.cluster.local:9092');
    expect(start).toContain('BROKER_ID="$ORDINAL"');
    expect(start).toMatch(/meta\.properties/);
    const kafka = sts(rendered, 'kafka');
    expect(kafka.spec.serviceName).toBe('kafka-headless');
    expect(rendered.get('Service', 'kafka-headless', { env: 'prod' }).spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    // Replication sized to the brokers.
    expect(props).toMatch(/^default\.replication\.factor=3$/m);
    expect(props).toMatch(/^min\.insync\.replicas=2$/m);
    expect(props).toMatch(/^auto\.create\.topics\.enable=false$/m);
    const dev = configData(rendered, 'kafka-config', 'dev')['server.properties']!;
    expect(dev).toMatch(/^offsets\.topic\.replication\.factor=1$/m);
    expect(dev).toMatch(/^min\.insync\.replicas=1$/m);
  });

  it('read replicas stream from the primary Service; dev has none', () => {
    const read = sts(rendered, 'postgres-read');
    expect(read.spec.replicas).toBe(2);
    expect(envOf(container(read, 'postgresql')).PRIMARY_HOST).toBe('postgres.acme-prod-data.svc.cluster.local');
    expect(configData(rendered, 'postgres-scripts')['replica.sh']).toContain('primary_conninfo=host=$PRIMARY_HOST');
    const primaryService = rendered.get('Service', 'postgres', { env: 'prod' }) as any;
    expect(matches(primaryService.spec.selector, podLabels(sts(rendered, 'postgres-primary')))).toBe(true);
    expect(sts(rendered, 'postgres-read', 'dev').spec.replicas).toBe(0);
    expect(sts(rendered, 'postgres-primary').spec.replicas).toBe(1);
  });

  it('postgres probes use pg_isready and /dev/shm is a memory emptyDir', () => {
    const pg = sts(rendered, 'postgres-primary');
    const c = container(pg, 'postgresql');
    expect(c.readinessProbe.exec.command.join(' ')).toContain('pg_isready');
    expect(c.volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
    expect(pg.spec.template.spec.volumes.find((v: any) => v.name === 'dshm').emptyDir.medium).toBe('Memory');
    expect(envOf(c).PGDATA).toBe('/var/lib/postgresql/data/pgdata');
  });

  it('Sentinel quorum is a majority and never exceeds the nodes', () => {
    for (let n = 1; n <= 15; n++) {
      expect(sentinelQuorum(n)).toBeLessThanOrEqual(n);
      expect(sentinelQuorum(n)).toBeGreaterThan(n / 2);
    }
    for (const [env, n] of [['dev', 1], ['prod', 3]] as const) {
      const redis = sts(rendered, 'redis', env);
      const q = Number(envOf(container(redis, 'sentinel')).SENTINEL_QUORUM);
      expect(q).toBeLessThanOrEqual(redis.spec.replicas);
      expect(redis.spec.replicas).toBe(n);
    }
    const scripts = configData(rendered, 'redis-scripts');
    expect(scripts['start-sentinel.sh']).toContain('sentinel announce-hostnames yes');
    expect(scripts['start-redis.sh']).toContain('replica-announce-ip $MY_HOST');
    expect(scripts['redis.conf']).toContain('appendonly yes');
    expect(scripts['prestop-redis.sh']).toContain('sentinel failover mymaster');
  });

  it('every PDB, Service and StatefulSet selector selects the pods it is meant for', () => {
    const workloads = ['StatefulSet', 'Deployment'].flatMap((k) => rendered.find(k, { env: 'prod' })).filter((o) => o.metadata.namespace === 'acme-prod-data') as any[];
    const selected = (sel: Record<string, string>) => workloads.filter((w) => matches(sel, podLabels(w))).map((w) => w.metadata.name).sort();
    for (const w of workloads) expect(selected(w.spec.selector.matchLabels)).toEqual([w.metadata.name]);
    const pdbs = Object.fromEntries(rendered.find('PodDisruptionBudget', { env: 'prod', namespace: 'acme-prod-data' }).map((p: any) => [p.metadata.name, selected(p.spec.selector.matchLabels)]));
    expect(pdbs).toEqual({ 'postgres-primary': ['postgres-primary'], 'postgres-read': ['postgres-read'], redis: ['redis'], 'redis-master': ['redis-master'], kafka: ['kafka'], zookeeper: ['zookeeper'] });
    for (const p of rendered.find('PodDisruptionBudget', { env: 'prod', namespace: 'acme-prod-data' }) as any[]) expect(p.spec.maxUnavailable).toBe(1);
    const services = Object.fromEntries(rendered.find('Service', { env: 'prod', namespace: 'acme-prod-data' }).map((s: any) => [s.metadata.name, selected(s.spec.selector)]));
    expect(services).toEqual({
      postgres: ['postgres-primary'],
      'postgres-read': ['postgres-read'],
      'postgres-primary-headless': ['postgres-primary'],
      'postgres-read-headless': ['postgres-read'],
      'postgres-metrics': ['postgres-primary', 'postgres-read'],
      redis: ['redis'],
      'redis-headless': ['redis'],
      'redis-metrics': ['redis'],
      'redis-master': ['redis-master'],
      'redis-master-metrics': ['redis-master'],
      kafka: ['kafka'],
      'kafka-headless': ['kafka'],
      'kafka-metrics': ['kafka'],
      'kafka-exporter-metrics': ['kafka-exporter'],
      zookeeper: ['zookeeper'],
      'zookeeper-headless': ['zookeeper'],
      'zookeeper-metrics': ['zookeeper'],
    });
    // dev has no read replica: postgres-read falls back to the primary.
    expect((rendered.get('Service', 'postgres-read', { env: 'dev' }) as any).spec.selector['app.kubernetes.io/instance']).toBe('postgres-primary');
  });

  it('every Service port targets a named container port of the selected pods; metrics Services publish http-metrics → 15020 only', () => {
    const workloads = ['StatefulSet', 'Deployment'].flatMap((k) => rendered.find(k, { env: 'prod', namespace: 'acme-prod-data' })) as any[];
    for (const s of rendered.find('Service', { env: 'prod', namespace: 'acme-prod-data' }) as any[]) {
      const pods = workloads.filter((w) => matches(s.spec.selector, podLabels(w)));
      expect(pods.length, s.metadata.name).toBeGreaterThan(0);
      if (s.metadata.name.endsWith('-metrics')) {
        // The merged endpoint of istio-agent: a port number the injected sidecar serves, not a declared container port.
        expect(s.spec.ports).toEqual([{ name: 'http-metrics', port: 15020, targetPort: 15020, protocol: 'TCP', appProtocol: 'http' }]);
        continue;
      }
      for (const port of s.spec.ports) {
        for (const w of pods) {
          const names = w.spec.template.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name));
          expect(names, `${s.metadata.name} → ${w.metadata.name}`).toContain(port.targetPort);
        }
      }
    }
  });

  it('NetworkPolicies admit exactly the services whose dependsOn names the store, plus peers and Prometheus', () => {
    const from = (name: string) => {
      const np = rendered.get('NetworkPolicy', name, { env: 'prod', namespace: 'acme-prod-data' }) as any;
      return np;
    };
    const callers = (np: any) =>
      np.spec.ingress
        .flatMap((r: any) => r.from)
        .filter((p: any) => p.namespaceSelector.matchLabels['kubernetes.io/metadata.name'] === 'acme-prod')
        .map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/name'])
        .sort();
    expect(callers(from('postgres'))).toEqual(['api', 'worker']);
    expect(callers(from('redis'))).toEqual(['mailer']);
    expect(callers(from('kafka'))).toEqual(['mailer', 'worker']);
    expect(callers(from('zookeeper'))).toEqual([]);
    for (const [name, app] of [['postgres', 'postgresql'], ['redis', 'redis'], ['kafka', 'kafka'], ['zookeeper', 'zookeeper']]) {
      const np = from(name!);
      expect(np.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': app });
      const peers = np.spec.ingress.flatMap((r: any) => r.from).map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/name']);
      expect(peers).toContain(app);
      expect(peers).toContain('prometheus');
    }
    const zkFrom = from('zookeeper').spec.ingress.flatMap((r: any) => r.from).map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/name']);
    expect(zkFrom).toContain('kafka');
  });

  it('the topic Job is a Sync hook in the topics wave and creates every declared topic idempotently', () => {
    const job = rendered.get('Job', 'kafka-topics', { env: 'prod' }) as any;
    expect(job.metadata.annotations).toMatchObject({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
      'argocd.argoproj.io/sync-wave': '2',
    });
    const script = job.spec.template.spec.containers[0].command.join(' ');
    expect(script).toContain('--if-not-exists');
    expect(script).toContain("create 'jobs' 6 3 2"); // 6 = mailer's max replicas in prod, rf 3, min ISR 2
    const devScript = (rendered.get('Job', 'kafka-topics', { env: 'dev' }) as any).spec.template.spec.containers[0].command.join(' ');
    expect(devScript).toContain("create 'jobs' 3 1 1");
  });

  it('the data namespace quota counts the stores (exporters and claims included)', () => {
    const quota = rendered.get('ResourceQuota', 'platform-quota', { env: 'prod', namespace: 'acme-prod-data' }) as any;
    // Claims: postgres 3 + redis 3 + kafka 3 + zookeeper 3 = 12 (+20 % headroom → 15).
    expect(quota.spec.hard.persistentvolumeclaims).toBe('15');
    // 150Gi + 15Gi + 300Gi + 15Gi = 480Gi (+20 %).
    expect(quota.spec.hard['requests.storage']).toBe('576Gi');
  });
});

/** A pod template as NetworkPolicies see it: where it runs, its labels, its container ports. */
interface Pod {
  readonly workload: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly ports: number[];
}
const podsOf = (r: Rendered, env: string): Pod[] =>
  ['StatefulSet', 'Deployment', 'Job'].flatMap((kind) =>
    (r.find(kind, { env }) as any[]).map((o) => ({
      workload: o.metadata.name,
      namespace: o.metadata.namespace,
      labels: podLabels(o),
      ports: o.spec.template.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.containerPort)),
    })),
  );
const peerMatches = (peer: any, pod: Pick<Pod, 'namespace' | 'labels'>) =>
  peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === pod.namespace && matches(peer.podSelector?.matchLabels ?? {}, pod.labels);
const rulesAllow = (rules: any[], side: 'to' | 'from', peer: Pick<Pod, 'namespace' | 'labels'>, port: number) =>
  rules.some((rule) => (rule[side] ?? []).some((p: any) => peerMatches(p, peer)) && (rule.ports ?? []).some((p: any) => p.port === port));
/** Policies of `env` that select `pod` (NetworkPolicies apply to pods in their own namespace). */
const policiesOf = (r: Rendered, env: string, pod: Pod) =>
  (r.find('NetworkPolicy', { env }) as any[]).filter((np) => np.metadata.namespace === pod.namespace && matches(np.spec.podSelector.matchLabels ?? {}, pod.labels));
/** Every `workload:port` `from` may open a connection to: its egress and the target's ingress both allow it. */
function reachable(r: Rendered, env: string, from: string): string[] {
  const pods = podsOf(r, env);
  const src = pods.find((p) => p.workload === from)!;
  const egress = policiesOf(r, env, src).flatMap((np) => np.spec.egress ?? []);
  return pods
    .filter((t) => t.workload !== from)
    .flatMap((t) => t.ports.map((port) => ({ t, port })))
    .filter(({ t, port }) => rulesAllow(egress, 'to', t, port) && rulesAllow(policiesOf(r, env, t).flatMap((np) => np.spec.ingress ?? []), 'from', src, port))
    .map(({ t, port }) => `${t.workload}:${port}`)
    .sort();
}
describe('data layer: one metrics port per endpoint, everywhere', () => {
  /**
   * For every metrics endpoint of every store, from the rendered objects: the
   * ServiceMonitor scrapes the `<store>-metrics` Service's named port, which
   * targets istio-agent's merged endpoint (15020, `/stats/prometheus`) — the
   * only port the NetworkPolicy opens to Prometheus; the pods' `prometheus.io`
   * annotations name the exporter's port and path, which is the container port
   * the exporter listens on — the one STORE_METRICS / storeMetricsEndpoints
   * declare. The mesh opens nothing for it (no PERMISSIVE port, no
   * principal-less rule).
   */
  const ports = (r: Rendered, env: string, store: StoreModel, m: StoreMetricsT) => {
    const ns = store.namespace;
    const sm = r.get('ServiceMonitor', m.service, { env, namespace: ns }) as any;
    const services = (r.find('Service', { env, namespace: ns }) as any[]).filter((s) => matches(sm.spec.selector.matchLabels, s.metadata.labels));
    expect(services.map((s) => s.metadata.name), m.service).toEqual([m.service]);
    const svcPort = services[0].spec.ports.find((p: any) => p.name === sm.spec.endpoints[0].port);
    const pods = podsOf(r, env).filter((p) => p.namespace === ns && matches(services[0].spec.selector, p.labels));
    expect(pods.length, m.service).toBeGreaterThan(0);
    const workloads = ['StatefulSet', 'Deployment'].flatMap((k) => r.find(k, { env, namespace: ns }) as any[]).filter((w) => pods.some((p) => p.workload === w.metadata.name));
    const annotations = [...new Set(workloads.map((w) => JSON.stringify(pick(w.spec.template.metadata.annotations ?? {}, ['prometheus.io/scrape', 'prometheus.io/port', 'prometheus.io/path']))))].map((a) => JSON.parse(a));
    const annotated = Number(annotations[0]?.['prometheus.io/port']);
    const containerPorts = [...new Set(workloads.flatMap((w) => w.spec.template.spec.containers.flatMap((c: any) => (c.ports ?? []).filter((p: any) => p.containerPort === annotated).map((p: any) => `${p.name}:${p.containerPort}`))))];
    const selecting = (kind: string) => (r.find(kind, { env, namespace: ns }) as any[]).filter((o) => o.spec.selector && pods.every((p) => matches(o.spec.selector.matchLabels, p.labels)));
    const permissive = selecting('PeerAuthentication').flatMap((pa) => Object.entries(pa.spec.portLevelMtls ?? {}).filter(([, v]: any) => v.mode === 'PERMISSIVE').map(([k]) => Number(k)));
    const anonymousRules = selecting('AuthorizationPolicy').flatMap((ap) => (ap.spec.rules ?? []).filter((x: any) => !x.from));
    const prometheus = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } };
    const ingress = policiesOf(r, env, pods[0]!).flatMap((np) => np.spec.ingress ?? []);
    return {
      serviceMonitor: { port: svcPort.name, path: sm.spec.endpoints[0].path, targetPort: svcPort.targetPort },
      annotations,
      container: containerPorts,
      permissive,
      anonymousRules,
      prometheusMayReach: [m.port, 15020, 15090].filter((port) => rulesAllow(ingress, 'from', prometheus, port)),
    };
  };
  const pick = (o: Record<string, string>, keys: string[]) => Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));

  it('the exporter listens on the port its pods name for metrics merging; Prometheus scrapes only the merged 15020, through the metrics Service', () => {
    for (const env of ['dev', 'prod']) {
      const model = rendered.model.environments.find((e) => e.name === env)!;
      for (const store of model.stores) {
        const endpoints = storeMetricsEndpoints(store.kind);
        expect(endpoints[0]).toBe(STORE_METRICS[store.kind]);
        for (const m of endpoints) {
          expect(ports(rendered, env, store, m), `${env}/${m.service}`).toEqual({
            serviceMonitor: { port: 'http-metrics', path: '/stats/prometheus', targetPort: 15020 },
            annotations: [{ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(m.port), 'prometheus.io/path': m.path }],
            container: [`${m.portName}:${m.port}`],
            permissive: [],
            anonymousRules: [],
            prometheusMayReach: [15020],
          });
        }
      }
    }
  });

  it('Kafka brokers serve the JMX exporter on the port their pods name for metrics merging', () => {
    expect(configData(rendered, 'kafka-config')['start.sh']).toContain(`-javaagent:"$JMX_AGENT"=${STORE_METRICS.kafka.port}:`);
    expect(configData(rendered, 'zookeeper-config')['zoo.cfg']).toContain(`metricsProvider.httpPort=${STORE_METRICS.zookeeper.port}`);
  });
});

describe('data layer: kafka_exporter', () => {
  const exporter = (env = 'prod') => rendered.get('Deployment', 'kafka-exporter', { env }) as any;

  it('runs one pinned kafka_exporter in the data namespace and wave, next to the brokers, in the Kafka chart', () => {
    for (const [env, ns] of [['dev', 'acme-dev'], ['prod', 'acme-prod-data']] as const) {
      const d = exporter(env);
      expect(rendered.charts.find((c) => c.file === `${env}/data/kafka.yaml`)!.objects).toContain(d);
      expect(d.metadata.namespace).toBe(ns);
      expect(d.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
      expect(d.spec.replicas).toBe(1);
      expect(d.spec.strategy).toEqual({ type: 'Recreate' });
      const pod = d.spec.template.spec;
      expect(pod.serviceAccountName).toBe('kafka-exporter');
      expect(pod.automountServiceAccountToken).toBe(false);
      const c = pod.containers[0];
      expect(c.image).toBe('docker.io/danielqsj/kafka-exporter:v1.9.0');
      expect(c.args).toEqual([`--kafka.server=kafka.${ns}.svc.cluster.local:9092`, '--kafka.version=3.9.0', '--web.listen-address=:9308', '--web.telemetry-path=/metrics']);
      expect(c.ports).toEqual([{ name: 'http-metrics', containerPort: 9308, protocol: 'TCP' }]);
      for (const probe of [c.readinessProbe, c.livenessProbe]) expect(probe.httpGet).toEqual({ path: '/healthz', port: 'http-metrics' });
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true });
      expect(Object.keys(c.resources.limits).sort()).toEqual(['cpu', 'memory']);
      expect(JSON.parse(d.spec.template.metadata.annotations['proxy.istio.io/config'])).toMatchObject({ holdApplicationUntilProxyStarts: true });
      expect(rendered.get('ServiceAccount', 'kafka-exporter', { env, namespace: ns }).automountServiceAccountToken).toBe(false);
      expect(d.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9308', 'prometheus.io/path': '/metrics' });
      expect((rendered.get('Service', 'kafka-exporter-metrics', { env }) as any).spec.ports).toEqual([{ name: 'http-metrics', port: 15020, targetPort: 15020, protocol: 'TCP', appProtocol: 'http' }]);
    }
  });

  it('reaches the brokers on 9092 and nothing else; the Kafka policy admits it; only Prometheus may reach it', () => {
    for (const env of ['dev', 'prod']) {
      expect(reachable(rendered, env, 'kafka-exporter')).toEqual(['kafka:9092']);
      const np = rendered.get('NetworkPolicy', 'kafka-exporter', { env }) as any;
      expect(np.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'kafka-exporter', 'app.kubernetes.io/instance': 'kafka-exporter' });
      expect(np.spec.ingress.map((i: any) => [i.from[0].podSelector.matchLabels['app.kubernetes.io/name'], i.ports.map((p: any) => p.port)])).toEqual([['prometheus', [15020]]]);
      // No workload of the platform may connect to it (Prometheus runs outside).
      for (const p of podsOf(rendered, env).filter((x) => x.workload !== 'kafka-exporter')) expect(reachable(rendered, env, p.workload), p.workload).not.toContain('kafka-exporter:9308');
    }
  });

  it('is counted in the data namespace quota', () => {
    // Recreate: never a second exporter pod during a rollout.
    expect(workloadFootprint(rendered.get('Deployment', 'kafka-exporter', { env: 'prod' })).pods).toBe(1);
    const brokers = workloadFootprint(rendered.get('StatefulSet', 'kafka', { env: 'prod' }));
    expect([brokers.pods, brokers.claims]).toEqual([3, 3]);
  });

  it('speaks the Kafka protocol version of the spec', () => {
    expect(kafkaChart.kafkaProtocolVersion('3.9.0')).toBe('3.9.0');
    expect(kafkaChart.kafkaProtocolVersion('3.8')).toBe('3.8.0');
  });
});

describe('data layer: KEDA reads consumer lag from the brokers', () => {
  const keda = { namespace: 'keda', labels: { 'app.kubernetes.io/name': 'keda-operator', 'app.kubernetes.io/instance': 'keda' } };
  const kedaAdmitted = (r: Rendered, env: string) => {
    const brokers = podsOf(r, env).filter((p) => p.workload === 'kafka');
    expect(brokers).toHaveLength(1);
    return rulesAllow(policiesOf(r, env, brokers[0]!).flatMap((np) => np.spec.ingress ?? []), 'from', keda, 9092);
  };
  const kedaPrincipal = (r: Rendered, env: string) =>
    (r.get('AuthorizationPolicy', 'kafka', { env }) as any).spec.rules.some((rule: any) => (rule.from ?? []).some((f: any) => f.source.principals?.includes('cluster.local/ns/keda/sa/keda-operator')));

  it('the Kafka NetworkPolicy admits the KEDA operator on 9092 wherever a service scales with KEDA, like the AuthorizationPolicy', () => {
    // prod: mailer scales on consumer lag; dev has no autoscaling.
    expect(kedaAdmitted(rendered, 'prod')).toBe(true);
    expect(kedaAdmitted(rendered, 'dev')).toBe(false);
    for (const env of ['dev', 'prod']) expect(kedaAdmitted(rendered, env), env).toBe(kedaPrincipal(rendered, env));
  });

  it('follows cluster.keda.namespace', () => {
    const spec = smallPlatform() as any;
    spec.cluster = { ...(spec.cluster ?? {}), keda: { namespace: 'autoscaling', serviceAccount: 'keda-operator' } };
    const r = render(spec);
    const peers = (r.get('NetworkPolicy', 'kafka', { env: 'prod' }) as any).spec.ingress.flatMap((i: any) => i.from).filter((p: any) => p.podSelector.matchLabels['app.kubernetes.io/name'] === 'keda-operator');
    expect(peers.map((p: any) => p.namespaceSelector.matchLabels['kubernetes.io/metadata.name'])).toEqual(['autoscaling']);
  });
});

describe('data layer: Redis clients reach the master through redis-master or Sentinel', () => {
  it('no load-balanced Service on 6379 selects Redis nodes (replicas are read-only); the redis Service is Sentinel only', () => {
    for (const env of ['dev', 'prod']) {
      const nodes = rendered.find('StatefulSet', { env, name: 'redis' }) as any[];
      const on6379 = (rendered.find('Service', { env }) as any[]).filter(
        (s) => s.spec.selector && s.spec.ports.some((p: any) => p.port === 6379) && nodes.some((n) => n.metadata.namespace === s.metadata.namespace && matches(s.spec.selector, podLabels(n))),
      );
      // Only the headless Service: per-pod DNS names (what Sentinel announces), no load balancing.
      expect(on6379.map((s) => [s.metadata.name, s.spec.clusterIP])).toEqual([['redis-headless', 'None']]);
      expect((rendered.get('Service', 'redis', { env }) as any).spec.ports.map((p: any) => [p.name, p.port])).toEqual([['tcp-sentinel', 26379]]);
    }
  });

  it('services get REDIS_HOST = redis-master (the only load-balanced 6379, selecting the proxy, not the nodes) and the Sentinels; they may reach the proxy and every node', () => {
    for (const env of ['dev', 'prod']) {
      const cfg = (rendered.get('ConfigMap', 'mailer-config', { env }) as any).data as Record<string, string>;
      const ns = env === 'prod' ? 'acme-prod-data' : 'acme-dev';
      expect(cfg).toMatchObject({ REDIS_HOST: `redis-master.${ns}.svc.cluster.local`, REDIS_PORT: '6379', REDIS_TLS: 'false', REDIS_SENTINEL_ADDRS: `redis.${ns}.svc.cluster.local:26379`, REDIS_SENTINEL_MASTER: 'mymaster' });
      const master = rendered.get('Service', 'redis-master', { env }) as any;
      expect(master.spec.selector['app.kubernetes.io/name']).toBe('redis-master');
      expect(reachable(rendered, env, 'mailer').filter((t) => t.startsWith('redis'))).toEqual(['redis-master:6379', 'redis:26379', 'redis:6379']);
    }
  });
});

const provisionJob = (r: Rendered, env = 'prod') => r.get('Job', 'postgres-provision', { env }) as any;
const jobEnv = (job: any): any[] => job.spec.template.spec.containers[0].env;
const databasesIn = (job: any) => jobEnv(job).find((e: any) => e.name === 'APP_DATABASES').value.split(' ');

describe('data layer: PostgreSQL provisioning Job', () => {
  it('is a Sync hook in wave 2 (after the primary, before the services), re-created every sync', () => {
    for (const env of ['dev', 'prod']) {
      const job = provisionJob(rendered, env);
      expect(job.metadata.annotations).toEqual({
        'argocd.argoproj.io/hook': 'Sync',
        'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
        'argocd.argoproj.io/sync-wave': '2',
      });
      expect(Number(job.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBeGreaterThan(Number(sts(rendered, 'postgres-primary', env).metadata.annotations['argocd.argoproj.io/sync-wave']));
      const api = rendered.get('Deployment', 'api', { env }) as any;
      expect(Number(api.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBeGreaterThan(2);
    }
  });

  it('provisions the role and every client database through the primary Service (the primary itself does not: no client in its pod template)', () => {
    const job = provisionJob(rendered);
    expect(databasesIn(job)).toEqual(['api', 'worker']);
    const env = envOf(job.spec.template.spec.containers[0]);
    expect(env).toMatchObject({ PGHOST: 'postgres.acme-prod-data.svc.cluster.local', PGPORT: '5432', POSTGRES_USER: 'postgres' });
    const script: string = job.spec.template.spec.containers[0].command[2];
    // Waits for the primary, then provisions.
    expect(script.indexOf('pg_isready')).toBeGreaterThan(0);
    const shared = PROVISION_SCRIPT.replace(/^#!.*\n/, '').replace(/^set -euo pipefail\n/, '');
    expect(script).toContain(shared);
    expect(script.indexOf(shared)).toBeGreaterThan(script.indexOf('pg_isready'));
    expect(configData(rendered, 'postgres-scripts')['provision.sh']).toBeUndefined();
    expect(JSON.stringify(sts(rendered, 'postgres-primary').spec.template)).not.toContain('APP_DATABASES');
    // Idempotent: create only if missing; the role's password follows the Secret.
    expect(script).toContain("WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_user') \\gexec");
    expect(script).toContain("WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \\gexec");
    expect(script).toContain(`ALTER ROLE :"app_user" WITH LOGIN PASSWORD :'app_pw';`);
    expect(script).toContain('trap stop_sidecar EXIT');
  });

  it('references Secrets only by name and key', () => {
    const job = provisionJob(rendered);
    expect(rendered.find('Secret')).toEqual([]);
    const refs = jobEnv(job)
      .filter((e) => e.valueFrom)
      .map((e) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]);
    expect(refs).toEqual([
      ['PGPASSWORD', 'postgres-credentials', 'postgres-password'],
      ['APP_USER', 'postgres-app-credentials', 'username'],
      ['APP_PASSWORD', 'postgres-app-credentials', 'password'],
    ]);
    for (const e of jobEnv(job)) if (/PASS|USER$|SECRET/.test(e.name) && e.name !== 'POSTGRES_USER') expect(e.value, e.name).toBeUndefined();
    const c = job.spec.template.spec.containers[0];
    expect(c.envFrom).toBeUndefined();
    expect(JSON.stringify(job)).not.toMatch(/stringData|password: /);
  });

  it('can reach the primary on 5432 and nothing else; the store policy admits it', () => {
    for (const env of ['dev', 'prod']) {
      expect(reachable(rendered, env, 'postgres-provision')).toEqual(['postgres-primary:5432']);
      const np = rendered.get('NetworkPolicy', 'postgres-provision', { env }) as any;
      expect(np.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'postgres-provision', 'app.kubernetes.io/instance': 'postgres-provision' });
      expect(np.spec.ingress).toEqual([]);
      const to = np.spec.egress.map((r: any) => [r.to.map((p: any) => p.podSelector.matchLabels), r.ports.map((p: any) => `${p.protocol}/${p.port}`)]);
      expect(to).toEqual([
        [[{ 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/instance': 'postgres-primary' }], ['TCP/5432']],
        [[{ 'k8s-app': 'kube-dns' }], ['UDP/53', 'TCP/53']],
        [[{ app: 'istiod' }], ['TCP/15012']],
      ]);
    }
    // The topic Job likewise reaches only the brokers.
    expect(reachable(rendered, 'prod', 'kafka-topics')).toEqual(['kafka:9092']);
  });

  it('both hook Jobs come from one builder: same hook, wave, sidecar handling and pod security', () => {
    const skeleton = (job: any) => {
      const { containers, serviceAccountName, securityContext, ...pod } = job.spec.template.spec;
      return {
        annotations: job.metadata.annotations,
        spec: { ...job.spec, template: { metadata: { annotations: job.spec.template.metadata.annotations }, spec: pod } },
        container: { ...containers[0], name: undefined, image: undefined, env: undefined, command: containers[0].command.slice(0, 2) },
        script: containers[0].command[2].split('\n').slice(0, 7).join('\n'),
        security: { ...securityContext, runAsUser: undefined, runAsGroup: undefined, fsGroup: undefined },
      };
    };
    const topics = rendered.get('Job', 'kafka-topics', { env: 'prod' });
    expect(skeleton(provisionJob(rendered))).toEqual(skeleton(topics));
    expect(skeleton(topics).script).toContain('/quitquitquit');
  });

  it('hook Jobs finish in either proxy mode: a native sidecar the kubelet stops, and /quitquitquit on exit should the mesh run it classic', () => {
    for (const job of [provisionJob(rendered), rendered.get('Job', 'kafka-topics', { env: 'prod' }) as any]) {
      const annotations = job.spec.template.metadata.annotations;
      expect(annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
      expect(JSON.parse(annotations['proxy.istio.io/config'])).toEqual({ holdApplicationUntilProxyStarts: true });
      expect(job.spec.template.spec.containers[0].command[2]).toContain('trap stop_sidecar EXIT');
    }
  });

  it('both hook Jobs fail instead of going on when their store never answers', () => {
    const waitLoop = (script: string, probe: string) => {
      const loop = script.slice(script.indexOf('for i in $(seq 1 60)'), script.indexOf('done', script.indexOf('for i in $(seq 1 60)')));
      expect(loop, probe).toContain(probe);
      expect(loop).toMatch(/if \[ "\$i" -eq 60 \]; then echo "[^"]+" >&2; exit 1; fi/);
      return script.indexOf('done', script.indexOf('for i in $(seq 1 60)'));
    };
    const topics = (rendered.get('Job', 'kafka-topics', { env: 'prod' }) as any).spec.template.spec.containers[0].command[2] as string;
    // The loop ends before the first topic is created: creating topics only ever follows a broker that answered.
    expect(waitLoop(topics, '--list')).toBeLessThan(topics.indexOf("create 'jobs'"));
    const provision = provisionJob(rendered).spec.template.spec.containers[0].command[2] as string;
    expect(waitLoop(provision, 'pg_isready')).toBeLessThan(provision.indexOf('psql'));
  });

  it('its pod is counted in the data namespace quota', () => {
    const job = workloadFootprint(provisionJob(rendered));
    expect(job.pods).toBe(1);
    expect(job.requestCpu).toBeGreaterThan(0);
  });

  it('a service added later with dependsOn: [postgres] gets its database on the next sync', () => {
    const spec = smallPlatform() as any;
    spec.services.push({ name: 'order-service', runtime: 'go', image: 'registry.test/acme/orders:1.0.0', port: 9100, dependsOn: ['postgres'] });
    const after = render(spec);
    for (const env of ['dev', 'prod']) {
      expect(databasesIn(provisionJob(rendered, env))).toEqual(['api', 'worker']);
      expect(databasesIn(provisionJob(after, env))).toEqual(['api', 'order_service', 'worker']);
      // …and the new service may connect to the store, while the Job still reaches only the primary.
      const callers = (after.get('NetworkPolicy', 'postgres', { env }) as any).spec.ingress.flatMap((r: any) => r.from).map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/name']);
      expect(callers).toContain('order-service');
      expect(reachable(after, env, 'postgres-provision')).toEqual(['postgres-primary:5432']);
    }
  });
});

function bump(spec: PlatformSpecInput): PlatformSpecInput {
  const s = structuredClone(spec) as any;
  s.dataStores.postgres.version = '17.2';
  s.dataStores.redis.version = '7.4.2';
  s.dataStores.kafka.version = '3.8.1';
  s.dataStores.zookeeper.version = '3.9.4';
  for (const store of Object.values(s.dataStores) as any[]) {
    for (const e of Object.values(store.environments) as any[]) e.replicas += 2;
  }
  s.dataStores.kafka.tier = 'large';
  return s;
}

describe('data layer: upgrades must not break', () => {
  it('immutable StatefulSet fields are byte-identical across versions and replica counts', () => {
    const after = render(bump(smallPlatform()));
    const immutable = (o: KubeObject) => {
      const spec = o.spec as any;
      return JSON.stringify({ selector: spec.selector, serviceName: spec.serviceName, volumeClaimTemplates: spec.volumeClaimTemplates, podManagementPolicy: spec.podManagementPolicy });
    };
    const before = rendered.find('StatefulSet');
    expect(before.length).toBeGreaterThan(0);
    for (const o of before) {
      const env = rendered.model.environments.find((e) => e.namespaces.includes(o.metadata.namespace!))!.name;
      const other = after.get('StatefulSet', o.metadata.name, { env });
      // The render really changed…
      if (o.metadata.name !== 'postgres-primary') expect((other.spec as any).replicas).not.toBe((o.spec as any).replicas);
      expect(other.metadata.labels!['app.kubernetes.io/version']).not.toBe(o.metadata.labels!['app.kubernetes.io/version']);
      // …and the immutable fields did not.
      expect(immutable(other)).toBe(immutable(o));
      expect(immutable(o)).not.toMatch(/version/);
    }
  });
});

describe('a store never restarts because a client was added or removed', () => {
  const podTemplates = (r: Rendered) =>
    Object.fromEntries(r.find('StatefulSet').map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, JSON.stringify((s as any).spec.template)]));
  const base = smallPlatform();
  const withClient = smallPlatform();
  (withClient.services as any[]).push({ name: 'ledger', runtime: 'nodejs', image: 'registry.test/acme/ledger:1.0.0', port: 8080, dependsOn: ['postgres', 'redis', 'kafka'], produces: ['jobs'], consumes: ['jobs'] });

  it('adding a service that uses every store leaves every StatefulSet pod template byte-identical', () => {
    const before = podTemplates(render(base));
    const after = podTemplates(render(withClient));
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const k of Object.keys(before)) expect(after[k], k).toBe(before[k]);
  });

  it('bad twin: the check sees a pod template change (a store version bump restarts the store)', () => {
    const bumped = smallPlatform();
    (bumped.dataStores as any).postgres.version = '16.5';
    const before = podTemplates(render(base));
    const after = podTemplates(render(bumped));
    expect(Object.keys(before).filter((k) => before[k] !== after[k]).length).toBeGreaterThan(0);
  });

  it('the new client still gets its database: the provisioning Job lists it', () => {
    const job = render(withClient).get('Job', 'postgres-provision', { env: 'prod' }) as any;
    expect(job.spec.template.spec.containers[0].env.find((e: any) => e.name === 'APP_DATABASES').value.split(' ')).toContain('ledger');
  });
});

describe('PostgreSQL connection budget', () => {
  it('every client pod gets the same fixed pool; the most pods that can run at once fit in max_connections minus the reserve', () => {
    const r = render(smallPlatform());
    const pools = r.find('ConfigMap', { env: 'prod' }).filter((c: any) => c.data?.POSTGRES_POOL_MAX).map((c: any) => c.data.POSTGRES_POOL_MAX);
    expect(pools.length).toBe(2);
    expect(new Set(pools)).toEqual(new Set(['2']));
  });

  it('refuses a spec whose clients at max replicas plus surge would exceed it, naming them and what to change', () => {
    const big = smallPlatform();
    (big.environments as any).prod.autoscaling.maxReplicas = 100;
    expect(() => render(big)).toThrow(/environments\.prod: the PostgreSQL clients \(api, worker\) can run 250 pods at once .* lower their maxReplicas/);
  });

  it('bad twin: just under the limit is accepted', () => {
    const fits = smallPlatform();
    // 2 clients × (36 + 9 surge) pods × 2 = 180 ≤ 190
    (fits.environments as any).prod.autoscaling.maxReplicas = 36;
    expect(() => render(fits)).not.toThrow();
  });
});

describe('store pods keep their Istio proxy through shutdown', () => {
  const rendered = render(smallPlatform());
  it('every store StatefulSet: the proxy stays while any peer or client is connected (EXIT_ON_ZERO_ACTIVE_CONNECTIONS), not a fixed 5 s drain', () => {
    const sets = rendered.find('StatefulSet', { env: 'prod' }) as any[];
    expect(sets.length).toBeGreaterThan(3);
    for (const s of sets) {
      const cfg = JSON.parse(s.spec.template.metadata.annotations['proxy.istio.io/config']);
      // istio-agent ignores terminationDrainDuration in this mode: a value there would only mislead.
      expect(cfg, s.metadata.name).toEqual({ holdApplicationUntilProxyStarts: true, proxyMetadata: { EXIT_ON_ZERO_ACTIVE_CONNECTIONS: 'true', MINIMUM_DRAIN_DURATION: '5s' } });
    }
  });

  it('every service: the proxy stays through the preStop sleep and 5 s of shutdown, then while connections last', () => {
    for (const d of rendered.find('Deployment', { env: 'prod' }) as any[]) {
      if (!d.spec.template.metadata.annotations?.['proxy.istio.io/config'] || !d.spec.template.spec.containers[0].lifecycle) continue;
      const cfg = JSON.parse(d.spec.template.metadata.annotations['proxy.istio.io/config']);
      const preStop = d.spec.template.spec.containers[0].lifecycle.preStop.sleep.seconds as number;
      expect(cfg.proxyMetadata, d.metadata.name).toEqual({ EXIT_ON_ZERO_ACTIVE_CONNECTIONS: 'true', MINIMUM_DRAIN_DURATION: `${preStop + 5}s` });
    }
  });
});

describe('Kafka finds the JMX agent its image ships', () => {
  // The start script's own lines, run by bash against a libs directory with 0, 1 or 2 agent jars.
  const script = kafkaChart.kafkaStart(512);
  const fragment = script.slice(script.indexOf("# The image's JMX exporter agent"), script.indexOf('JMX_AGENT="${AGENTS[0]}"') + 'JMX_AGENT="${AGENTS[0]}"'.length);
  const run = (jars: string[]) => {
    const libs = mkdtempSync(join(tmpdir(), 'kafka-libs-'));
    for (const j of ['kafka_2.13-3.9.0.jar', ...jars]) writeFileSync(join(libs, j), '');
    const body = fragment.replaceAll(kafkaChart.KAFKA_LIB_DIR, libs);
    return spawnSync('bash', ['-c', `set -euo pipefail\n${body}\necho "$JMX_AGENT"`], { encoding: 'utf8' });
  };

  it('uses the one agent jar, whatever its version', () => {
    const r = run(['jmx_prometheus_javaagent-1.0.1.jar']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/\/jmx_prometheus_javaagent-1\.0\.1\.jar$/);
  });

  it('refuses to start without exactly one (not Strimzi\'s image, or an ambiguous one)', () => {
    expect(run([]).status).toBe(1);
    expect(run([]).stderr).toContain('found 0');
    expect(run(['jmx_prometheus_javaagent-1.0.1.jar', 'jmx_prometheus_javaagent-1.1.0.jar']).stderr).toContain('found 2');
  });
});

describe('Kafka GC log fits its emptyDir', () => {
  const rendered = render(smallPlatform());
  it('the rendered -Xlog rotation (current + rotated files) takes at most half of the logs emptyDir it is written to', () => {
    const sts = rendered.get('StatefulSet', 'kafka', { env: 'prod' }) as any;
    const start = (rendered.get('ConfigMap', 'kafka-config', { env: 'prod' }) as any).data['start.sh'] as string;
    const m = /-Xlog:gc\*:file=(\S+)\/gc\.log:time,tags:filecount=(\d+),filesize=(\d+)M/.exec(start)!;
    expect(m).toBeTruthy();
    const mount = sts.spec.template.spec.containers[0].volumeMounts.find((v: any) => v.mountPath === m[1]);
    const vol = sts.spec.template.spec.volumes.find((v: any) => v.name === mount.name);
    const limitMi = Number(/^(\d+)Mi$/.exec(vol.emptyDir.sizeLimit)![1]);
    expect((Number(m[2]) + 1) * Number(m[3]) * 2).toBeLessThanOrEqual(limitMi);
    // Bad twin: the launchers' default rotation (10 x 100M) would not fit.
    expect((10 + 1) * 100 * 2).toBeGreaterThan(limitMi);
  });
});
