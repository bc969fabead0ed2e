import type { Construct } from 'constructs';
import { STORE_KINDS } from '../stores';
import { STORE_CATALOGUE } from '../catalogue/stores';
import { ServiceEntry, ServiceEntrySpecLocation, ServiceEntrySpecResolution, Sidecar, SidecarSpecOutboundTrafficPolicyMode } from '../imports/istio-networking.istio.io';
import { LABEL, meta, type Identity } from '../blocks/meta';
import { WAVE } from '../blocks/waves';
import { CLUSTER_DNS_SIDECAR_HOST } from '../blocks/network';
import { managedEgress, type EnvironmentModel, type ExternalEndpoint, type ExternalStoreModel } from '../platform/model';
import { PlatformChart } from './platform-chart';
import { bucketHosts } from '../blocks/backup';

export interface MeshEgressProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
}

/** `api.stripe.com` → `external-api-stripe-com` (a DNS label, at most 63 characters). */
export function serviceEntryName(host: string): string {
  return `external-${host.replace(/^\*\./, 'wildcard-').replace(/\./g, '-')}`.slice(0, 63).replace(/-+$/, '');
}

/** The external endpoints an environment's services declare, one entry per host with every port any service uses. */
export function externalHosts(env: EnvironmentModel): { host: string; ports: ExternalEndpoint[]; callers: string[] }[] {
  const byHost = new Map<string, { ports: Map<number, ExternalEndpoint>; callers: Set<string> }>();
  const add = (caller: string, e: ExternalEndpoint) => {
    const entry = byHost.get(e.host) ?? { ports: new Map(), callers: new Set() };
    entry.ports.set(e.port, e);
    entry.callers.add(caller);
    byHost.set(e.host, entry);
  };
  for (const s of env.services) for (const e of s.egress) add(s.name, e);
  // A managed store's exporter and Jobs reach its endpoint too (its clients already list it in their egress).
  for (const x of env.externalStores) for (const w of managedWorkloads(env, x)) for (const e of managedEgress(x)) add(w, e);
  return [...byHost.keys()].sort().map((host) => {
    const e = byHost.get(host)!;
    return { host, ports: [...e.ports.values()].sort((a, b) => a.port - b.port), callers: [...e.callers].sort() };
  });
}

/** The platform's own pods that connect to a managed store's endpoint (its exporter, its Jobs). */
function managedWorkloads(env: EnvironmentModel, x: ExternalStoreModel): string[] {
  const exporter = STORE_CATALOGUE[x.kind].managed?.exporter;
  return STORE_KINDS[x.kind].managedWorkloads?.(env, x) ?? (exporter ? [exporter.appName] : []);
}

/**
 * Where the sidecars of an environment may send traffic. Every namespace gets
 * a default `Sidecar` with outbound policy REGISTRY_ONLY that knows only the
 * cluster's Services it needs (its own namespace, the data namespace, and, for
 * the OpenTelemetry collector, the telemetry namespace) and the cluster DNS
 * (its TCP fallback passes the sidecar); a service that
 * declares `egress` gets its own `Sidecar` that adds exactly its hosts, each an
 * Istio ServiceEntry (exported to the services namespace only). So one
 * service's external hosts are unreachable from another's pods, whatever the
 * mesh-wide outbound policy is; the services' NetworkPolicies open the
 * matching ports to public addresses.
 */
export class MeshEgressChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: MeshEgressProps) {
    const { env } = props;
    super(scope, id, { file: `${env.name}/mesh/egress.yaml` });
    for (const { host, ports, callers } of externalHosts(env)) {
      const name = serviceEntryName(host);
      const identity: Identity = { name: 'external-endpoint', instance: name, component: 'egress', partOf: env.platform, version: env.version };
      const tcpCidrs = [...new Set(ports.flatMap((p) => (p.protocol === 'TCP' ? (p.cidrs ?? []) : [])))].sort();
      new ServiceEntry(this, name, {
        metadata: meta({ name, namespace: env.namespace, id: identity, wave: WAVE.foundation, annotations: { 'platform.example.com/callers': callers.join(',') } }),
        spec: {
          hosts: [host],
          location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
          // Plain TCP is matched by address and port: the endpoint's addresses when the spec gives them (a managed
          // store's cidrs), passed through to the address the client resolved (NONE: CIDR addresses admit no other).
          // TLS is matched by SNI, so a managed Kafka's brokers share their port and addresses (which only its NetworkPolicy needs).
          ...(tcpCidrs.length ? { addresses: tcpCidrs } : {}),
          resolution: host.startsWith('*.') || tcpCidrs.length ? ServiceEntrySpecResolution.NONE : ServiceEntrySpecResolution.DNS,
          ports: ports.map((p) => ({ number: p.port, name: `${p.protocol.toLowerCase()}-${p.port}`, protocol: p.protocol })),
          exportTo: ['.'],
        },
      });
    }

    // The backup bucket: reached only by the backup workloads of the data namespace.
    const bucket = env.stores.find((st) => st.backup)?.backup?.objectStore;
    if (bucket) {
      const name = serviceEntryName(bucket.endpoint);
      const identity: Identity = { name: 'external-endpoint', instance: name, component: 'egress', partOf: env.platform, version: env.version };
      const hosts = bucketHosts(bucket);
      new ServiceEntry(this, `backup-${name}`, {
        metadata: meta({ name, namespace: env.dataNamespace, id: identity, wave: WAVE.foundation, annotations: { 'platform.example.com/callers': backupWorkloads(env).map((w) => w.name).join(',') } }),
        spec: {
          hosts,
          location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
          resolution: ServiceEntrySpecResolution.DNS,
          ports: [{ number: bucket.port, name: `tls-${bucket.port}`, protocol: 'TLS' }],
          exportTo: ['.'],
        },
      });
    }

    const scopeId = (instance: string): Identity => ({ name: 'sidecar-scope', instance, component: 'egress', partOf: env.platform, version: env.version });
    const registryOnly = { mode: SidecarSpecOutboundTrafficPolicyMode.REGISTRY_UNDERSCORE_ONLY };
    const servicesHosts = [...clusterHosts(env), ...peerHosts(env)];
    for (const namespace of env.namespaces) {
      new Sidecar(this, `default-${namespace}`, {
        metadata: meta({ name: 'default', namespace, id: scopeId(`${namespace}-default`), wave: WAVE.foundation }),
        spec: {
          egress: [{ hosts: namespace === env.namespace ? servicesHosts : ['./*', CLUSTER_DNS_SIDECAR_HOST] }],
          outboundTrafficPolicy: registryOnly,
        },
      });
    }
    if (bucket && env.dataNamespace === env.namespace) {
      // The namespace's default scope does not include its ServiceEntries (the services share it): each backup workload gets its own.
      for (const w of backupWorkloads(env)) {
        const name = `${w.name}-egress`;
        new Sidecar(this, name, {
          metadata: meta({ name, namespace: env.dataNamespace, id: scopeId(name), wave: WAVE.foundation }),
          spec: {
            workloadSelector: { labels: w.labels },
            egress: [{ hosts: [...servicesHosts, ...bucketHosts(bucket).map((h) => `./${h}`)] }],
            outboundTrafficPolicy: registryOnly,
          },
        });
      }
    }
    for (const x of env.externalStores) {
      for (const workload of managedWorkloads(env, x)) {
        const name = `${workload}-egress`;
        new Sidecar(this, name, {
          metadata: meta({ name, namespace: env.namespace, id: scopeId(name), wave: WAVE.foundation }),
          spec: {
            workloadSelector: { labels: { [LABEL.name]: workload } },
            egress: [{ hosts: [CLUSTER_DNS_SIDECAR_HOST, ...x.hosts.map((h) => `./${h}`)] }],
            outboundTrafficPolicy: registryOnly,
          },
        });
      }
    }
    for (const s of env.services.filter((x) => x.egress.length > 0)) {
      const name = `${s.name}-egress`;
      new Sidecar(this, name, {
        metadata: meta({ name, namespace: s.namespace, id: scopeId(name), wave: WAVE.foundation }),
        spec: {
          // By name only: covers the stable and the canary track.
          workloadSelector: { labels: { [LABEL.name]: s.name } },
          egress: [{ hosts: [...servicesHosts, ...[...new Set(s.egress.map((e) => e.host))].sort().map((h) => `./${h}`)] }],
          outboundTrafficPolicy: registryOnly,
        },
      });
    }
  }
}

/**
 * Hosts every sidecar of the services namespace may reach: the namespace's
 * Services (not its ServiceEntries: `*.svc.cluster.local`), the data stores,
 * and the telemetry namespace (the collector exports to Jaeger there).
 */
export function clusterHosts(env: Pick<EnvironmentModel, 'namespace' | 'dataNamespace' | 'addons'>): string[] {
  return [...new Set(['./*.svc.cluster.local', `${env.dataNamespace}/*`, `${env.addons.telemetryNamespace}/*`, CLUSTER_DNS_SIDECAR_HOST])].filter((h) => h !== `${env.namespace}/*`);
}

/** The peer platforms' services the environment's services call (`<namespace>/<host>`), sorted: the proxies must know them to route there. */
export function peerHosts(env: Pick<EnvironmentModel, 'services'>): string[] {
  return [...new Set(env.services.flatMap((s) => s.peerCalls.map((p) => `${p.service.namespace}/${p.service.name}.${p.service.namespace}.svc.cluster.local`)))].sort();
}

/** The pods that reach the backup bucket: each backed-up store's backup workloads (by the labels that select their pods). */
export function backupWorkloads(env: Pick<EnvironmentModel, 'stores'>): { name: string; labels: Record<string, string> }[] {
  return env.stores.filter((st) => st.backup).flatMap((st) => (STORE_KINDS[st.kind].bucketClients ?? []).map((w) => ({ name: w.name, labels: { ...w.labels } })));
}

