import type { EnvironmentModel, ServiceModel } from '../platform/model';

/** Name of the OpenTelemetry `Instrumentation` resource in each services namespace. */
export const INSTRUMENTATION_NAME = 'otel';

/**
 * Pod annotations that ask the OpenTelemetry Operator to instrument the pod.
 * Node.js, Python, Java and .NET get their auto-instrumentation agent. Go gets
 * `inject-sdk`: the operator injects the SDK configuration of the
 * `Instrumentation` resource (exporter endpoint, sampler, resource
 * attributes) and the service's OTel Go SDK does the rest. Go's eBPF
 * auto-instrumentation is not used: it must run privileged as root (the
 * operator sets that itself), which Pod Security "restricted" rejects, so the
 * pod would not start.
 */
export function instrumentationAnnotations(env: Pick<EnvironmentModel, 'namespace'>, service: Pick<ServiceModel, 'runtime'>): Record<string, string> {
  const ref = `${env.namespace}/${INSTRUMENTATION_NAME}`;
  switch (service.runtime) {
    case 'nodejs':
      return { 'instrumentation.opentelemetry.io/inject-nodejs': ref };
    case 'python':
      return { 'instrumentation.opentelemetry.io/inject-python': ref };
    case 'java':
      return { 'instrumentation.opentelemetry.io/inject-java': ref };
    case 'dotnet':
      return { 'instrumentation.opentelemetry.io/inject-dotnet': ref };
    case 'go':
      return { 'instrumentation.opentelemetry.io/inject-sdk': ref };
    case 'static':
      // Built files behind a web server: no SDK to configure; the sidecar's spans cover its requests.
      return {};
  }
}

/**
 * The collector has two metrics endpoints and Istio merges one per pod. The
 * `prometheus` exporter (8889: the services' OTLP metrics) is the merged one,
 * served with Envoy's on 15020. The collector's own telemetry (8888) is the
 * platform's one exception: the sidecar does not capture 8888
 * (`traffic.sidecar.istio.io/excludeInboundPorts`), so it is plain text like
 * 15020 and, like 15020, only Prometheus may reach it (NetworkPolicy). No
 * port is PERMISSIVE.
 */
export const COLLECTOR_SELF_METRICS_PORT = 8888;
export const COLLECTOR_EXPORTER_METRICS_PORT = 8889;
/** The endpoint the collector pods' `prometheus.io/*` annotations name (overriding the operator's default, 8888). */
export const COLLECTOR_MERGED_METRICS = { port: COLLECTOR_EXPORTER_METRICS_PORT, path: '/metrics' } as const;
/** Scraped directly, outside the mesh (see above). */
export const COLLECTOR_SELF_METRICS = { port: COLLECTOR_SELF_METRICS_PORT, path: '/metrics' } as const;
/** The collector's health_check extension (liveness/readiness probes the operator derives). */
export const COLLECTOR_HEALTH_PORT = 13133;

/**
 * Name of the Istio tracing extension provider of an environment: one per
 * collector, declared in the mesh config (`meshConfig.extensionProviders`),
 * referenced by the environment's `Telemetry` resource.
 */
export function tracingProviderName(env: Pick<EnvironmentModel, 'telemetry'>): string {
  return `otel-${env.telemetry.namespace}`;
}

/** The mesh config entry an environment's Telemetry needs (rendered into the istiod add-on's values). */
export function tracingExtensionProvider(env: Pick<EnvironmentModel, 'telemetry'>) {
  const t = env.telemetry;
  return { name: tracingProviderName(env), opentelemetry: { service: `${t.service}.${t.namespace}.svc.cluster.local`, port: t.otlpGrpcPort } };
}
