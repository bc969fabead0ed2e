import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { meta, selector, type Identity } from '../blocks/meta';
import { WAVE } from '../blocks/waves';
import { exporterContainer, prometheusIngress, storeService, workloadNetworkPolicy, workloadServiceAccount } from '../blocks/stateful';
import { addressEgress, MERGED_METRICS } from '../blocks/network';
import { meshPodAnnotations, workloadPodSpec } from '../blocks/workload';
import { STORE_METRICS_COMPONENT, type StoreMetrics } from '../catalogue/stores';
import type { EnvironmentModel, ExternalStoreModel } from '../platform/model';
import type { AlertGroup } from '../blocks/alerts/types';
import { PlatformChart } from '../charts/platform-chart';

/** What a managed store's chart renders from (the kinds' `<Kind>ManagedChart`s). */
export interface ManagedStoreProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The managed store of this environment (`dataStores.<kind>.environments.<env>.external`). */
  readonly store: ExternalStoreModel;
}

/**
 * The alert group of a store a provider runs in `env`: only its availability, as the managed
 * exporter in the services namespace sees it (its replication, failovers and backups are the
 * provider's to watch). Critical after 2 minutes, like the in-cluster kinds' own "down" alerts.
 */
export function managedAvailabilityAlerts(env: EnvironmentModel, store: ExternalStoreModel, a: { alert: string; expr: string; summary: string; description: string }): AlertGroup {
  return { name: `${env.platform}-${env.name}-${store.kind}`, alerts: [{ alert: a.alert, expr: a.expr, for: '2m', severity: 'critical', summary: a.summary, description: a.description }] };
}

export interface ManagedExporterProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The managed store of this environment (`dataStores.<kind>.environments.<env>.external`). */
  readonly store: ExternalStoreModel;
  /** The exporter: its name, port and path (the kind's `managed.exporter`). */
  readonly metrics: StoreMetrics;
  /** Its pinned image. */
  readonly image: string;
  /** Its arguments besides the listen address and path. @default none */
  readonly args?: string[];
  /** Its environment: where the endpoint is, and credentials from `store.secretName`. */
  readonly containerEnv: k8s.EnvVar[];
  /** An HTTP path its probes may ask that does not query the store. @default a TCP check of the metrics port */
  readonly probePath?: string;
}

/**
 * What the platform renders for a store a provider runs (RDS, Cloud SQL…):
 * the kind's exporter pointed at the managed endpoint
 * (`<env>/data/<kind>-managed.yaml`), so the kind's availability alert fires
 * when the clients cannot reach it either. It runs in the services namespace,
 * beside the clients' Secret it logs in with (TLS: the connection leaves the
 * mesh); one replica (Recreate); its metrics Service for the ServiceMonitor;
 * a NetworkPolicy (Prometheus in on 15020; out: the endpoint's addresses on
 * its port, DNS, istiod). Its mesh egress (the ServiceEntry and its own
 * REGISTRY_ONLY Sidecar) is the mesh-egress chart's, like every external host.
 */
export class ManagedExporterChart extends PlatformChart {
  /** The exporter's Deployment. */
  readonly exporter: k8s.KubeDeployment;

  constructor(scope: Construct, id: string, props: ManagedExporterProps) {
    const { env, store, metrics: m } = props;
    super(scope, id, { file: `${env.name}/data/${store.kind}-managed.yaml` });
    const ns = env.namespace;
    const version = props.image.split(':').pop()!;
    const ident: Identity = { name: m.appName, instance: m.appName, component: 'exporter', partOf: env.platform, version };
    workloadServiceAccount(this, 'service-account', { name: m.appName, namespace: ns, id: ident });
    const podSpec = workloadPodSpec({
      serviceAccount: m.appName,
      containers: [
        exporterContainer({
          name: m.appName,
          image: props.image,
          port: m.port,
          args: [`--web.listen-address=:${m.port}`, `--web.telemetry-path=${m.path}`, ...(props.args ?? [])],
          env: props.containerEnv,
          ...(props.probePath ? { httpProbePath: props.probePath } : {}),
        }),
      ],
    });
    this.exporter = new k8s.KubeDeployment(this, 'exporter', {
      metadata: meta({ name: m.appName, namespace: ns, id: ident, wave: WAVE.data }),
      spec: {
        replicas: 1,
        revisionHistoryLimit: 10,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: selector(ident) },
        template: {
          metadata: { labels: meta({ name: m.appName, id: ident, wave: WAVE.data }).labels, annotations: meshPodAnnotations({ defaultContainer: m.appName, proxy: 5, metrics: m }) },
          spec: podSpec,
        },
      },
    });
    storeService(this, 'metrics-service', {
      name: m.service,
      namespace: ns,
      id: ident,
      ports: [{ name: m.portName, port: MERGED_METRICS.port, targetPort: MERGED_METRICS.port, appProtocol: 'http' }],
      allInstances: true,
      component: STORE_METRICS_COMPONENT,
    });
    workloadNetworkPolicy(this, 'network-policy', {
      env,
      name: m.appName,
      namespace: ns,
      id: ident,
      ingress: [prometheusIngress(env)],
      egress: [],
      extraEgress: [addressEgress(store.cidrs, [store.port])],
    });
  }
}
