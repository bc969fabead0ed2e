import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { ANNOTATION, meta, selector, type Identity } from '../lib/meta';
import { WAVE } from '../lib/waves';
import { containerSecurityContext, podSecurityContext, tmpVolume } from '../lib/security';
import { zoneSpread } from '../lib/scheduling';
import { contentHash } from '../lib/hash';
import { sidecarAnnotations } from '../lib/quota';
import { instrumentationAnnotations } from '../lib/instrumentation';
import { STORE_CLIENT_SECRETS, STORE_ENDPOINTS } from '../lib/stores';
import { dnsEgress, gatewayPeer, meshControlPlaneEgress, podsIn, prometheusPeer, SIDECAR_METRICS_PORTS, tcp, telemetryEgress } from '../lib/network';
import type { EnvironmentModel, ServiceModel } from '../platform/model';
import { PlatformChart } from './platform-chart';

export interface ServiceProps {
  readonly env: EnvironmentModel;
  readonly service: ServiceModel;
}

/** The identity of a platform service's objects. */
export function serviceIdentity(env: Pick<EnvironmentModel, 'platform'>, s: Pick<ServiceModel, 'name' | 'version'>): Identity {
  return { name: s.name, instance: s.name, component: 'server', partOf: env.platform, version: s.version };
}

/**
 * Everything one microservice needs in one environment: ServiceAccount,
 * ConfigMap, Deployment, Service, autoscaler, disruption budget and the
 * NetworkPolicy that admits exactly its declared callers.
 */
export class ServiceChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: ServiceProps) {
    const { env, service: s } = props;
    super(scope, id, { file: `${env.name}/services/${s.name}.yaml` });

    const ns = s.namespace;
    const identity = serviceIdentity(env, s);
    const match = selector(identity);
    const m = (name: string, wave: number = WAVE.services, annotations?: Record<string, string>) =>
      meta({ name, namespace: ns, id: identity, wave, ...(annotations ? { annotations } : {}) });

    new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: m(s.name, WAVE.foundation),
      automountServiceAccountToken: false,
    });

    const configName = `${s.name}-config`;
    new k8s.KubeConfigMap(this, 'config', { metadata: m(configName), data: { ...s.config } });

    const secretEnv = s.dependsOn.stores.flatMap((store) =>
      Object.entries(STORE_CLIENT_SECRETS[store] ?? {}).map(([envName, ref]) => ({
        name: envName,
        valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } },
      })),
    );
    const tmp = tmpVolume();
    const ports = [{ name: 'http', containerPort: s.port, protocol: 'TCP' }];
    if (s.metrics.port !== s.port) ports.push({ name: 'http-metrics', containerPort: s.metrics.port, protocol: 'TCP' });
    const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
      httpGet: { path, port: k8s.IntOrString.fromString('http'), scheme: 'HTTP' },
      periodSeconds,
      timeoutSeconds: 2,
      failureThreshold,
    });

    new k8s.KubeDeployment(this, 'deployment', {
      metadata: m(s.name),
      spec: {
        // An autoscaler owns the count: leaving replicas out stops every sync from resetting it.
        ...(s.scaler === 'fixed' ? { replicas: s.replicas } : {}),
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: 600,
        selector: { matchLabels: match },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(0) },
        },
        template: {
          metadata: {
            labels: meta({ name: s.name, id: identity, wave: WAVE.services }).labels,
            annotations: {
              [ANNOTATION.configChecksum]: contentHash(s.config),
              'kubectl.kubernetes.io/default-container': s.name,
              'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true}',
              ...sidecarAnnotations(),
              ...instrumentationAnnotations(env, s),
            },
          },
          spec: {
            serviceAccountName: s.name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: s.shutdown.gracePeriodSeconds,
            securityContext: podSecurityContext(),
            ...zoneSpread(env, match),
            containers: [
              {
                name: s.name,
                image: s.image,
                imagePullPolicy: 'IfNotPresent',
                ports,
                envFrom: [{ configMapRef: { name: configName } }],
                env: [
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                  ...secretEnv,
                ],
                resources: {
                  requests: quantities(s.resources.requests),
                  limits: quantities(s.resources.limits),
                },
                startupProbe: probe(s.health.startup, 2, 30),
                readinessProbe: probe(s.health.readiness, 5, 3),
                livenessProbe: probe(s.health.liveness, 10, 3),
                lifecycle: s.shutdown.preStopSeconds > 0 ? { preStop: { exec: { command: ['sleep', String(s.shutdown.preStopSeconds)] } } } : undefined,
                securityContext: containerSecurityContext(),
                volumeMounts: [tmp.mount],
              },
            ],
            volumes: [tmp.volume],
          },
        },
      },
    });

    const servicePorts = [{ name: 'http', port: s.port, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP', appProtocol: 'http' }];
    if (s.metrics.port !== s.port) {
      servicePorts.push({ name: 'http-metrics', port: s.metrics.port, targetPort: k8s.IntOrString.fromString('http-metrics'), protocol: 'TCP', appProtocol: 'http' });
    }
    new k8s.KubeService(this, 'service', {
      metadata: m(s.name),
      spec: { type: 'ClusterIP', selector: match, ports: servicePorts },
    });

    if (s.scaler === 'hpa' && s.autoscaling) {
      const a = s.autoscaling;
      const utilization = (resource: 'cpu' | 'memory', averageUtilization: number) => ({
        type: 'Resource',
        resource: { name: resource, target: { type: 'Utilization', averageUtilization } },
      });
      new k8s.KubeHorizontalPodAutoscalerV2(this, 'autoscaler', {
        metadata: m(s.name),
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: s.name },
          minReplicas: a.minReplicas,
          maxReplicas: a.maxReplicas,
          metrics: [
            utilization('cpu', a.targetCPUUtilization),
            ...(a.targetMemoryUtilization !== undefined ? [utilization('memory', a.targetMemoryUtilization)] : []),
          ],
          behavior: {
            scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
            scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 30 }] },
          },
        },
      });
    }

    if (s.replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'disruption-budget', {
        metadata: m(s.name),
        spec: {
          maxUnavailable: k8s.IntOrString.fromNumber(1),
          selector: { matchLabels: match },
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
        },
      });
    }

    const callers = s.callers.map((caller) => ({
      from: [podsIn(ns, selector({ name: caller, instance: caller }))],
      ports: tcp(s.port),
    }));
    const metricsPorts = [...new Set([s.metrics.port, ...SIDECAR_METRICS_PORTS])];
    const depServices = s.dependsOn.services.map((dep) => {
      const target = env.serviceIndex.get(dep)!;
      return { to: [podsIn(ns, selector({ name: dep, instance: dep }))], ports: tcp(target.port) };
    });
    const depStores = s.dependsOn.stores.map((store) => {
      const ep = STORE_ENDPOINTS[store];
      return { to: [podsIn(env.dataNamespace, { 'app.kubernetes.io/name': ep.appName })], ports: tcp(...ep.clientPorts.map((p) => p.port)) };
    });
    new k8s.KubeNetworkPolicy(this, 'network-policy', {
      metadata: m(s.name, WAVE.foundation),
      spec: {
        podSelector: { matchLabels: match },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          ...callers,
          ...(s.route ? [{ from: [gatewayPeer(env)], ports: tcp(s.port) }] : []),
          { from: [prometheusPeer(env)], ports: tcp(...metricsPorts) },
        ],
        egress: [...depServices, ...depStores, dnsEgress(), telemetryEgress(env), meshControlPlaneEgress(env)],
      },
    });
  }
}

function quantities(m: { cpu: string; memory: string }) {
  return { cpu: k8s.Quantity.fromString(m.cpu), memory: k8s.Quantity.fromString(m.memory) };
}
