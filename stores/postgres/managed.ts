import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { meta, selector, type Identity } from '../../blocks/meta';
import { WAVE } from '../../blocks/waves';
import { exporterContainer, prometheusIngress, secretEnv, storeService, workloadNetworkPolicy, workloadServiceAccount } from '../../blocks/stateful';
import { addressEgress, MERGED_METRICS } from '../../blocks/network';
import { meshPodAnnotations, workloadPodSpec } from '../../blocks/workload';
import { STORE_METRICS_COMPONENT } from '../../catalogue/stores';
import type { EnvironmentModel, ExternalStoreModel } from '../../platform/model';
import { PlatformChart } from '../../charts/platform-chart';
import { POSTGRES_MANAGED_EXPORTER } from './catalogue';
import { POSTGRES_EXPORTER_IMAGE } from './chart';

export interface PostgresManagedProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The managed PostgreSQL of this environment (`dataStores.postgres.environments.<env>.external`). */
  readonly store: ExternalStoreModel;
}

/**
 * What the platform renders for a PostgreSQL a provider runs (RDS, Cloud SQL…):
 * postgres_exporter pointed at the managed endpoint (`<env>/data/postgres-managed.yaml`),
 * so `PostgresDown` fires when the clients cannot reach it either. It runs in the
 * services namespace, beside the clients' Secret it logs in with (`sslmode=require`:
 * the connection leaves the mesh); one replica (Recreate); its metrics Service for
 * the ServiceMonitor; a NetworkPolicy (Prometheus in on 15020; out: the endpoint's
 * addresses on its port, DNS, istiod). Its mesh egress (the ServiceEntry and its own
 * REGISTRY_ONLY Sidecar) is the mesh-egress chart's, like every external host.
 */
export class PostgresManagedChart extends PlatformChart {
  /** The exporter's Deployment. */
  readonly exporter: k8s.KubeDeployment;

  constructor(scope: Construct, id: string, props: PostgresManagedProps) {
    const { env, store } = props;
    super(scope, id, { file: `${env.name}/data/postgres-managed.yaml` });
    const m = POSTGRES_MANAGED_EXPORTER;
    const ns = env.namespace;
    const version = POSTGRES_EXPORTER_IMAGE.split(':').pop()!;
    const ident: Identity = { name: m.appName, instance: m.appName, component: 'exporter', partOf: env.platform, version };
    workloadServiceAccount(this, 'service-account', { name: m.appName, namespace: ns, id: ident });
    const podSpec = workloadPodSpec({
      serviceAccount: m.appName,
      containers: [
        exporterContainer({
          name: m.appName,
          image: POSTGRES_EXPORTER_IMAGE,
          port: m.port,
          args: [`--web.listen-address=:${m.port}`, `--web.telemetry-path=${m.path}`],
          env: [
            { name: 'DATA_SOURCE_URI', value: `${store.host}:${store.port}/postgres?sslmode=require` },
            secretEnv('DATA_SOURCE_USER', store.secretName, 'username'),
            secretEnv('DATA_SOURCE_PASS', store.secretName, 'password'),
          ],
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
