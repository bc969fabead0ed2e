import { meshPodAnnotations } from '../blocks/workload';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { Telemetry } from '../imports/istio-telemetry.istio.io';
import {
  OpenTelemetryCollectorV1Beta1,
  OpenTelemetryCollectorV1Beta1SpecMode,
  OpenTelemetryCollectorV1Beta1SpecResourcesLimits,
  OpenTelemetryCollectorV1Beta1SpecResourcesRequests,
  OpenTelemetryCollectorV1Beta1SpecUpgradeStrategy,
  type OpenTelemetryCollectorV1Beta1SpecPodSecurityContext,
  type OpenTelemetryCollectorV1Beta1SpecSecurityContext,
} from '../imports/otel-collector-opentelemetry.io';
import {
  Instrumentation,
  InstrumentationSpecNodejsResourceRequirementsLimits as Limits,
  InstrumentationSpecNodejsResourceRequirementsRequests as Requests,
  InstrumentationSpecPropagators,
  InstrumentationSpecSamplerType,
} from '../imports/otel-instrumentation-opentelemetry.io';
import { meta, type Identity } from '../blocks/meta';
import { WAVE } from '../blocks/waves';
import { containerSecurityContext, podSecurityContext } from '../blocks/security';
import { dnsEgress, meshControlPlaneEgress, podsIn, prometheusIngressRule, tcp } from '../blocks/network';
import {
  COLLECTOR_EXPORTER_METRICS_PORT,
  COLLECTOR_HEALTH_PORT,
  COLLECTOR_MERGED_METRICS,
  COLLECTOR_SELF_METRICS,
  COLLECTOR_SELF_METRICS_PORT,
  INSTRUMENTATION_NAME,
  tracingProviderName,
} from '../blocks/instrumentation';
import { callerPods } from '../blocks/meta';
import type { ResourcePreset } from '../catalogue/resources';
import type { EnvironmentModel } from '../platform/model';
import { PlatformChart } from './platform-chart';

export interface TelemetryProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
}

/**
 * The collector image: the contrib distribution (it has the `prometheus`
 * exporter) at the release that OpenTelemetry Operator v0.158.0 manages.
 */
export const COLLECTOR_IMAGE = 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-contrib:0.158.0';
/** UID of the collector images (`10001`, non-root). */
export const COLLECTOR_UID = 10001;
export const COLLECTOR_RESOURCES: ResourcePreset = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '512Mi' },
  milli: { requestCpu: 100, limitCpu: 1000, requestMemMi: 256, limitMemMi: 512 },
};
/** Resources of the auto-instrumentation init containers (they only copy the agent into a volume). */
export const INSTRUMENTATION_INIT_RESOURCES = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } } as const;

/** Exporter id of the traces pipeline (`otlp_grpc` is the collector's name for the OTLP gRPC exporter since v0.144). */
export const JAEGER_EXPORTER = 'otlp_grpc/jaeger';

export function jaegerEndpoint(env: Pick<EnvironmentModel, 'addons'>): string {
  const j = env.addons.jaeger;
  return `${j.service}.${env.addons.telemetryNamespace}.svc.cluster.local:${j.otlpGrpcPort}`;
}

/** Collector replicas: two wherever the environment runs more than one replica of anything. */
export function collectorReplicas(env: EnvironmentModel): number {
  return env.services.some((s) => s.replicas > 1) ? 2 : 1;
}

/** The collector pipeline configuration (also checked for consistency by the tests). */
export function collectorConfig(env: EnvironmentModel) {
  const t = env.telemetry;
  return {
    receivers: {
      otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${t.otlpGrpcPort}` }, http: { endpoint: `0.0.0.0:${t.otlpHttpPort}` } } },
    },
    processors: {
      // First in every pipeline: refuse data before the container's memory limit is hit.
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 },
      batch: { send_batch_size: 8192, send_batch_max_size: 10000, timeout: '5s' },
    },
    exporters: {
      // The mesh encrypts the hop (both ends have sidecars); the exporter itself speaks plain OTLP.
      [JAEGER_EXPORTER]: {
        endpoint: jaegerEndpoint(env),
        tls: { insecure: true },
        sending_queue: { enabled: true, queue_size: 5000 },
        retry_on_failure: { enabled: true, max_elapsed_time: '300s' },
      },
      prometheus: { endpoint: `0.0.0.0:${COLLECTOR_EXPORTER_METRICS_PORT}`, resource_to_telemetry_conversion: { enabled: true } },
    },
    extensions: { health_check: { endpoint: `0.0.0.0:${COLLECTOR_HEALTH_PORT}` } },
    service: {
      extensions: ['health_check'],
      pipelines: {
        traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: [JAEGER_EXPORTER] },
        metrics: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['prometheus'] },
      },
      telemetry: {
        metrics: { level: 'normal', readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: COLLECTOR_SELF_METRICS_PORT } } } }] },
      },
    },
  };
}

/**
 * Traces and metrics plumbing of one environment: the OpenTelemetry collector
 * (OTLP in; traces to Jaeger, metrics to Prometheus), the `Instrumentation`
 * that injects auto-instrumentation by pod annotation, the mesh `Telemetry`
 * (tracing with the environment's sampling, access logs) and the collector's
 * NetworkPolicy.
 */
export class TelemetryChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: TelemetryProps) {
    const { env } = props;
    super(scope, id, { file: `${env.name}/telemetry/opentelemetry.yaml` });
    const t = env.telemetry;
    const ns = t.namespace;
    const idOf = (name: string, component: string): Identity => ({ name, instance: name, component, partOf: env.platform, version: env.version });
    const ratio = env.tracingSampling / 100;

    new Telemetry(this, 'mesh-telemetry', {
      metadata: meta({ name: 'mesh-default', namespace: env.namespace, id: idOf('mesh-default', 'telemetry'), wave: WAVE.foundation }),
      spec: {
        tracing: [
          {
            providers: [{ name: tracingProviderName(env) }],
            randomSamplingPercentage: env.tracingSampling,
            customTags: { 'deployment.environment': { literal: { value: env.name } } },
          },
        ],
        // `envoy` is Istio's built-in stdout access-log provider.
        accessLogging: [{ providers: [{ name: 'envoy' }] }],
      },
    });

    // The collector's own sidecar reports no spans: they would describe the services' span exports to the
    // collector itself (every export traced, and sent back to the collector through the proxy being traced).
    new Telemetry(this, 'collector-telemetry', {
      metadata: meta({ name: `${t.service}-no-tracing`, namespace: ns, id: idOf(t.service, 'telemetry'), wave: WAVE.foundation }),
      spec: {
        selector: { matchLabels: { ...t.podLabels } },
        tracing: [{ providers: [{ name: tracingProviderName(env) }], disableSpanReporting: true }],
      },
    });

    new OpenTelemetryCollectorV1Beta1(this, 'collector', {
      // The operator copies the CR's labels to the collector pods and keeps an existing app.kubernetes.io/name, so
      // the CR is named (by label) like its pods: every policy and monitor selects `otel-collector`.
      metadata: meta({ name: t.collectorName, namespace: ns, id: { ...idOf(t.service, 'opentelemetry-collector'), instance: t.collectorName }, wave: WAVE.foundation }),
      spec: {
        mode: OpenTelemetryCollectorV1Beta1SpecMode.DEPLOYMENT,
        image: COLLECTOR_IMAGE,
        replicas: collectorReplicas(env),
        upgradeStrategy: OpenTelemetryCollectorV1Beta1SpecUpgradeStrategy.NONE,
        config: collectorConfig(env),
        podAnnotations: {
          'sidecar.istio.io/inject': 'true',
          // The exporter's metrics merged on 15020; the collector's own (8888) bypass the sidecar, Prometheus only (NetworkPolicy).
          ...meshPodAnnotations({ defaultContainer: 'otc-container', metrics: COLLECTOR_MERGED_METRICS }),
          'traffic.sidecar.istio.io/excludeInboundPorts': String(COLLECTOR_SELF_METRICS.port),
        },
        // The same contexts as every platform pod (blocks/security.ts), in the operator's types.
        podSecurityContext: podSecurityContext({ runAsUser: COLLECTOR_UID }) as OpenTelemetryCollectorV1Beta1SpecPodSecurityContext,
        securityContext: containerSecurityContext() as OpenTelemetryCollectorV1Beta1SpecSecurityContext,
        resources: {
          requests: {
            cpu: OpenTelemetryCollectorV1Beta1SpecResourcesRequests.fromString(COLLECTOR_RESOURCES.requests.cpu),
            memory: OpenTelemetryCollectorV1Beta1SpecResourcesRequests.fromString(COLLECTOR_RESOURCES.requests.memory),
          },
          limits: {
            cpu: OpenTelemetryCollectorV1Beta1SpecResourcesLimits.fromString(COLLECTOR_RESOURCES.limits.cpu),
            memory: OpenTelemetryCollectorV1Beta1SpecResourcesLimits.fromString(COLLECTOR_RESOURCES.limits.memory),
          },
        },
      },
    });

    const collectorUrl = (port: number) => `http://${t.service}.${ns}.svc.cluster.local:${port}`;
    const initResources = {
      requests: { cpu: Requests.fromString(INSTRUMENTATION_INIT_RESOURCES.requests.cpu), memory: Requests.fromString(INSTRUMENTATION_INIT_RESOURCES.requests.memory) },
      limits: { cpu: Limits.fromString(INSTRUMENTATION_INIT_RESOURCES.limits.cpu), memory: Limits.fromString(INSTRUMENTATION_INIT_RESOURCES.limits.memory) },
    };
    // Python (and .NET, Java) agents speak OTLP over HTTP/protobuf; Node.js is told so explicitly.
    const httpEnv = [
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: collectorUrl(t.otlpHttpPort) },
      { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' },
    ];
    new Instrumentation(this, 'instrumentation', {
      metadata: meta({ name: INSTRUMENTATION_NAME, namespace: env.namespace, id: idOf(INSTRUMENTATION_NAME, 'instrumentation'), wave: WAVE.foundation }),
      spec: {
        exporter: { endpoint: collectorUrl(t.otlpHttpPort) },
        // Common to every injection, including the Go services' SDK-only injection (`inject-sdk`):
        // the exporter endpoint above is OTLP over HTTP.
        env: [{ name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' }],
        propagators: [InstrumentationSpecPropagators.TRACECONTEXT, InstrumentationSpecPropagators.BAGGAGE],
        sampler: { type: InstrumentationSpecSamplerType.PARENTBASED_UNDERSCORE_TRACEIDRATIO, argument: String(ratio) },
        resource: { addK8SUidAttributes: true },
        // The injected init containers run in PSS-restricted namespaces too.
        initContainerSecurityContext: containerSecurityContext(),
        nodejs: { env: httpEnv, resourceRequirements: initResources },
        python: { env: httpEnv, resourceRequirements: initResources },
        java: { env: httpEnv, resources: initResources },
        dotnet: { env: httpEnv, resourceRequirements: initResources },
      },
    });

    const collectorPods = { ...t.podLabels };
    const senders = env.services.flatMap((s) => callerPods(s).map((pods) => podsIn(env.namespace, pods)));
    const j = env.addons.jaeger;
    new k8s.KubeNetworkPolicy(this, 'network-policy', {
      metadata: meta({ name: t.service, namespace: ns, id: idOf(t.service, 'opentelemetry-collector'), wave: WAVE.foundation }),
      spec: {
        podSelector: { matchLabels: collectorPods },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          ...(senders.length ? [{ from: senders, ports: tcp(t.otlpGrpcPort, t.otlpHttpPort) }] : []),
          prometheusIngressRule(env, COLLECTOR_SELF_METRICS.port),
        ],
        egress: [{ to: [podsIn(env.addons.telemetryNamespace, j.podLabels)], ports: tcp(j.otlpGrpcPort) }, dnsEgress(), meshControlPlaneEgress(env)],
      },
    });
  }
}
