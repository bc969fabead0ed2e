import { k8s } from 'cdk8s-plus-28';
import type { EnvironmentModel } from '../platform/model';
import { METRICS_PORT_NAME } from '../catalogue/stores';

/** A NetworkPolicy peer: pods with `labels` in `namespace` (always namespace-qualified). */
export function podsIn(namespace: string, labels: Readonly<Record<string, string>>) {
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
    podSelector: { matchLabels: { ...labels } },
  };
}

export function tcp(...ports: number[]): k8s.NetworkPolicyPort[] {
  return ports.map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) }));
}

/** The cluster DNS: the `kube-dns` Service and its pods (CoreDNS keeps the name and label) in kube-system. */
export const CLUSTER_DNS = { namespace: 'kube-system', service: 'kube-dns', labels: { 'k8s-app': 'kube-dns' } } as const;

/**
 * The cluster DNS as an Istio Sidecar egress host. UDP DNS bypasses the
 * sidecar, but a truncated answer is retried over TCP port 53, which the
 * sidecar captures: under REGISTRY_ONLY a Sidecar that does not list kube-dns
 * black-holes it.
 */
export const CLUSTER_DNS_SIDECAR_HOST = `${CLUSTER_DNS.namespace}/${CLUSTER_DNS.service}.${CLUSTER_DNS.namespace}.svc.cluster.local`;

/** Egress to the cluster DNS (kube-dns / CoreDNS in kube-system). */
export function dnsEgress() {
  return {
    to: [podsIn(CLUSTER_DNS.namespace, CLUSTER_DNS.labels)],
    ports: [
      { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
      { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
    ],
  };
}

/** Egress every meshed pod needs: its sidecar talks to istiod (xDS and certificates). */
export function meshControlPlaneEgress(env: Pick<EnvironmentModel, 'addons'>) {
  return { to: [podsIn(env.addons.meshNamespace, { app: 'istiod' })], ports: tcp(15012) };
}

/** Egress to the environment's OpenTelemetry collector (OTLP gRPC and HTTP). */
export function telemetryEgress(env: Pick<EnvironmentModel, 'telemetry'>) {
  const t = env.telemetry;
  return { to: [podsIn(t.namespace, t.podLabels)], ports: tcp(t.otlpGrpcPort, t.otlpHttpPort) };
}

/** Ingress from the Istio ingress gateway. */
export function gatewayPeer(env: Pick<EnvironmentModel, 'addons'>) {
  return podsIn(env.addons.ingressGateway.namespace, { app: env.addons.ingressGateway.name });
}

/** Ingress from Prometheus (kube-prometheus-stack) for scrapes. */
export function prometheusPeer(env: Pick<EnvironmentModel, 'addons'>) {
  return podsIn(env.addons.monitoringNamespace, { 'app.kubernetes.io/name': 'prometheus' });
}

/** Labels of the KEDA operator's pods (the KEDA Helm chart's), in `cluster.keda.namespace`. */
export const KEDA_OPERATOR_POD_LABELS = { 'app.kubernetes.io/name': 'keda-operator' } as const;

/**
 * istio-agent's merged metrics endpoint on every meshed pod: the pod's
 * application metrics (named by its `prometheus.io/*` annotations, see
 * `metricsMergeAnnotations`) plus Envoy's and the agent's own, in plain text.
 * The sidecar does not capture this port (istio-init excludes 15090, 15021 and
 * 15020 from inbound redirection), so no PeerAuthentication or
 * AuthorizationPolicy applies to it: the NetworkPolicies admit Prometheus only.
 * The one port Prometheus scrapes on any platform pod (the collector adds a
 * narrow exception, see charts/telemetry.ts).
 */
export const MERGED_METRICS = { port: 15020, path: '/stats/prometheus' } as const;


/** The `http-metrics` port of a Service: 15020 on the Service and on the pods (a number; the injected proxy declares no container port for it). */
export function mergedMetricsServicePort() {
  return { name: METRICS_PORT_NAME, port: MERGED_METRICS.port, targetPort: k8s.IntOrString.fromNumber(MERGED_METRICS.port), protocol: 'TCP', appProtocol: 'http' };
}

/** Ingress from Prometheus on the merged metrics port (plus `extraPorts`, the collector's exception only). */
export function prometheusIngressRule(env: Pick<EnvironmentModel, 'addons'>, ...extraPorts: number[]) {
  return { from: [prometheusPeer(env)], ports: tcp(MERGED_METRICS.port, ...extraPorts) };
}

/**
 * Address ranges that are never "outside": private networks (pods, services,
 * nodes), carrier-grade NAT, link-local (cloud metadata endpoints) and loopback.
 */
export const NON_EXTERNAL_CIDRS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '127.0.0.0/8'] as const;

/**
 * Egress to the internet on the given ports. NetworkPolicy cannot name DNS
 * hosts, so this admits any public address on those ports; the Istio
 * ServiceEntry and the service's REGISTRY_ONLY Sidecar (charts/mesh-egress.ts) narrow it to
 * the declared hosts.
 */
export function externalEgress(ports: readonly number[]) {
  return { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [...NON_EXTERNAL_CIDRS] } }], ports: tcp(...ports) };
}

/** Egress to the given address ranges (a managed store's `cidrs`) on the given ports. */
export function addressEgress(cidrs: readonly string[], ports: readonly number[]) {
  return { to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(...ports) };
}

/**
 * The Istio proxy of a pod that must keep talking while it shuts down (every
 * store and service pod): it holds the app until it is up (they open
 * connections at start), and on SIGTERM it stays at least `minDrainSeconds`
 * and then until no inbound connection is left (istio-agent's
 * EXIT_ON_ZERO_ACTIVE_CONNECTIONS; the pod's grace period bounds it) —
 * instead of Envoy's fixed 5 s drain that cuts off a service's last calls, a
 * Redis master's failover or a Kafka broker's controlled shutdown. In this
 * mode istio-agent ignores `terminationDrainDuration`, so it is not set. That
 * matters where the proxy is a classic sidecar (SIGTERM at the same time as
 * the app); as a native sidecar (Istio on Kubernetes 1.33+ by default) the
 * kubelet stops it only after the app, and the same settings are harmless.
 */
export function shutdownProxyConfig(minDrainSeconds = 5) {
  return {
    holdApplicationUntilProxyStarts: true,
    proxyMetadata: { EXIT_ON_ZERO_ACTIVE_CONNECTIONS: 'true', MINIMUM_DRAIN_DURATION: `${minDrainSeconds}s` },
  };
}
