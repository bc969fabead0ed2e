import type { Construct } from 'constructs';
import { ServiceEntry, ServiceEntrySpecLocation, ServiceEntrySpecResolution } from '../imports/istio-networking.istio.io';
import { meta, type Identity } from '../lib/meta';
import { WAVE } from '../lib/waves';
import type { EnvironmentModel, ExternalEndpoint } from '../platform/model';
import { PlatformChart } from './platform-chart';

export interface MeshEgressProps {
  readonly env: EnvironmentModel;
}

/** `api.stripe.com` → `external-api-stripe-com` (a DNS label, at most 63 characters). */
export function serviceEntryName(host: string): string {
  return `external-${host.replace(/^\*\./, 'wildcard-').replace(/\./g, '-')}`.slice(0, 63).replace(/-+$/, '');
}

/** The external endpoints an environment's services declare, one entry per host with every port any service uses. */
export function externalHosts(env: Pick<EnvironmentModel, 'services'>): { host: string; ports: ExternalEndpoint[]; callers: string[] }[] {
  const byHost = new Map<string, { ports: Map<number, ExternalEndpoint>; callers: Set<string> }>();
  for (const s of env.services) {
    for (const e of s.egress) {
      const entry = byHost.get(e.host) ?? { ports: new Map(), callers: new Set() };
      entry.ports.set(e.port, e);
      entry.callers.add(s.name);
      byHost.set(e.host, entry);
    }
  }
  return [...byHost.keys()].sort().map((host) => {
    const e = byHost.get(host)!;
    return { host, ports: [...e.ports.values()].sort((a, b) => a.port - b.port), callers: [...e.callers].sort() };
  });
}

/**
 * Istio ServiceEntries for the external hosts services declare in `egress`.
 * With the mesh's outbound policy REGISTRY_ONLY (istiod add-on values), a
 * sidecar reaches outside the cluster only through these; the services'
 * NetworkPolicies open the matching ports to public addresses. Exported to
 * the services namespace only.
 */
export class MeshEgressChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: MeshEgressProps) {
    const { env } = props;
    super(scope, id, { file: `${env.name}/mesh/egress.yaml` });
    for (const { host, ports, callers } of externalHosts(env)) {
      const name = serviceEntryName(host);
      const identity: Identity = { name: 'external-endpoint', instance: name, component: 'egress', partOf: env.platform, version: env.version };
      new ServiceEntry(this, name, {
        metadata: meta({ name, namespace: env.namespace, id: identity, wave: WAVE.foundation, annotations: { 'platform.example.com/callers': callers.join(',') } }),
        spec: {
          hosts: [host],
          location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
          resolution: host.startsWith('*.') ? ServiceEntrySpecResolution.NONE : ServiceEntrySpecResolution.DNS,
          ports: ports.map((p) => ({ number: p.port, name: `${p.protocol.toLowerCase()}-${p.port}`, protocol: p.protocol })),
          exportTo: ['.'],
        },
      });
    }
  }
}
