import type { Construct } from 'constructs';
import { AuthorizationPolicy, AuthorizationPolicySpecAction, PeerAuthentication, PeerAuthenticationSpecMtlsMode } from '../imports/istio-security.istio.io';
import { objectGroup } from '../blocks/object-group';
import { meta, servicePods, type Identity } from '../blocks/meta';
import { WAVE } from '../blocks/waves';
import { STORE_ENDPOINTS } from '../catalogue/stores';
import { clientPrincipal, dependentClients, principal } from '../blocks/store-clients';
import { STORE_KINDS } from '../stores';
import type { EnvironmentModel, ServiceModel, StoreModel } from '../platform/model';
import { PlatformChart } from './platform-chart';
import { serviceIdentity } from './service';

export interface MeshSecurityProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
}

/** Principal of a platform service (its ServiceAccount is named like the service). */
export function servicePrincipal(env: Pick<EnvironmentModel, 'namespace'>, service: string): string {
  return principal(env.namespace, service);
}

export function gatewayPrincipal(env: Pick<EnvironmentModel, 'addons'>): string {
  return principal(env.addons.ingressGateway.namespace, env.addons.ingressGateway.name);
}

/** Principal of the pods of a data store. */
export function storePrincipal(env: Pick<EnvironmentModel, 'dataNamespace'>, kind: StoreModel['kind']): string {
  return principal(env.dataNamespace, STORE_ENDPOINTS[kind].serviceAccount);
}

/**
 * Who may call a service: the services that name it in `dependsOn`, plus the
 * ingress gateway when it has a public route. Sorted, deduplicated.
 */
export function serviceCallerPrincipals(env: EnvironmentModel, s: ServiceModel): string[] {
  return [...new Set([...s.callers.map((c) => servicePrincipal(env, c)), ...s.peerCallers.map((p) => servicePrincipal(p.env, p.service.name)), ...(s.route ? [gatewayPrincipal(env)] : [])])].sort();
}

/**
 * Who may connect to a data store's client ports: the principals of the
 * workloads its registry entry lists (stores/<kind>: the same list its
 * NetworkPolicy admits), except the store's own account, which the peer rule
 * already admits on every port (its Jobs run as it).
 */
export function storeClientPrincipals(env: EnvironmentModel, store: StoreModel): string[] {
  const own = storePrincipal(env, store.kind);
  return [...new Set(STORE_KINDS[store.kind].clients(env, store).map(clientPrincipal))].filter((p) => p !== own).sort();
}

/**
 * Zero-trust inside the mesh: STRICT mTLS and an allow-nothing policy in every
 * namespace of the environment, then per workload one ALLOW policy whose
 * every rule names exactly the principals the dependency graph permits.
 *
 * Nothing here is for Prometheus, which runs outside the mesh: it scrapes
 * istio-agent's merged metrics on 15020, a port the sidecar does not capture,
 * so neither mTLS nor these policies apply to it (NetworkPolicies admit only
 * Prometheus there; see docs/mesh-and-telemetry.md).
 */
export class MeshSecurityChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: MeshSecurityProps) {
    const { env } = props;
    super(scope, id, { file: `${env.name}/mesh/security.yaml` });

    for (const namespace of env.namespaces) {
      const id: Identity = { name: env.platform, instance: namespace, component: 'mesh-security', partOf: env.platform, version: env.version };
      new PeerAuthentication(this, `peer-${namespace}`, {
        metadata: meta({ name: 'default', namespace, id, wave: WAVE.foundation }),
        spec: { mtls: { mode: PeerAuthenticationSpecMtlsMode.STRICT } },
      });
      // An ALLOW policy without rules matches nothing: every request is denied unless another policy allows it.
      new AuthorizationPolicy(this, `allow-nothing-${namespace}`, {
        metadata: meta({ name: 'allow-nothing', namespace, id, wave: WAVE.foundation }),
        spec: {},
      });
    }

    // One group per service: a change to one service builds its policy again, not every service's (render/chart-cache.ts).
    for (const s of env.services) {
      objectGroup(this, `svc-${s.name}`, { env, s }, (g, { env, s }) => {
        const id = serviceIdentity(env, s);
        const m = meta({ name: s.name, namespace: s.namespace, id, wave: WAVE.foundation });
        // Both tracks when there is a canary: they share the ServiceAccount, so the same callers.
        const workload = { matchLabels: servicePods(s) };
        const callers = serviceCallerPrincipals(env, s);
        new AuthorizationPolicy(g, `authz-${s.name}`, {
          metadata: m,
          spec: {
            action: AuthorizationPolicySpecAction.ALLOW,
            selector: workload,
            // No callers: no rules, like allow-nothing (the policy stays, so adding a caller is a visible change).
            ...(callers.length ? { rules: [{ from: [{ source: { principals: callers } }], to: [{ operation: { ports: [String(s.port)] } }] }] } : {}),
          },
        });
      });
    }

    for (const store of env.stores) {
      const ep = STORE_ENDPOINTS[store.kind];
      const id: Identity = { name: ep.appName, instance: ep.service, component: 'mesh-security', partOf: env.platform, version: store.version };
      const m = meta({ name: ep.service, namespace: store.namespace, id, wave: WAVE.foundation });
      const workload = { matchLabels: { 'app.kubernetes.io/name': ep.appName } };
      const clients = storeClientPrincipals(env, store);
      new AuthorizationPolicy(this, `authz-${store.kind}`, {
        metadata: m,
        spec: {
          action: AuthorizationPolicySpecAction.ALLOW,
          selector: workload,
          rules: [
            ...(clients.length ? [{ from: [{ source: { principals: clients } }], to: [{ operation: { ports: ep.clientPorts.map((p) => String(p.port)) } }] }] : []),
            // Replication and peer traffic between the store's own pods, on any port.
            { from: [{ source: { principals: [storePrincipal(env, store.kind)] } }] },
          ],
        },
      });
      // Its proxy (Redis: redis-master): the client services on its port.
      if (ep.proxy) {
        const services = dependentClients(env, store).map(clientPrincipal);
        const proxyId: Identity = { name: ep.proxy.appName, instance: ep.proxy.service, component: 'mesh-security', partOf: env.platform, version: store.version };
        new AuthorizationPolicy(this, `authz-${store.kind}-proxy`, {
          metadata: meta({ name: ep.proxy.service, namespace: store.namespace, id: proxyId, wave: WAVE.foundation }),
          spec: {
            action: AuthorizationPolicySpecAction.ALLOW,
            selector: { matchLabels: { 'app.kubernetes.io/name': ep.proxy.appName } },
            ...(services.length ? { rules: [{ from: [{ source: { principals: [...new Set(services)].sort() } }], to: [{ operation: { ports: [String(ep.proxy.port)] } }] }] } : {}),
          },
        });
      }
      // kafka_exporter is called by no one: the namespace's allow-nothing covers it.
    }

    // The environment's OpenTelemetry collector: OTLP from every service (the
    // app SDKs and their sidecars' tracers run as the service's account).
    const t = env.telemetry;
    const collector: Identity = { name: t.service, instance: t.service, component: 'mesh-security', partOf: env.platform, version: env.version };
    const cm = meta({ name: t.service, namespace: t.namespace, id: collector, wave: WAVE.foundation });
    const collectorPods = { matchLabels: { ...t.podLabels } };
    const senders = env.services.map((s) => servicePrincipal(env, s.name)).sort();
    new AuthorizationPolicy(this, 'authz-collector', {
      metadata: cm,
      spec: {
        action: AuthorizationPolicySpecAction.ALLOW,
        selector: collectorPods,
        ...(senders.length ? { rules: [{ from: [{ source: { principals: senders } }], to: [{ operation: { ports: [String(t.otlpGrpcPort), String(t.otlpHttpPort)] } }] }] } : {}),
      },
    });
  }
}
