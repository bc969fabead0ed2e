import { k8s } from 'cdk8s-plus-28';
import { STORE_KINDS } from '../stores';
import type { Construct } from 'constructs';
import { objectGroup } from '../blocks/object-group';
import { meta, type Identity } from '../blocks/meta';
import { WAVE } from '../blocks/waves';
import { dashboard, dashboardUid, type Dashboard, type PanelSpec } from '../blocks/grafana';
import { kafkaExporterNamespace, kafkaExporterSeries } from '../stores/kafka/alerts';
import { durationQuantile, errorRatio, errorSloText, latencySloText, requestRate, requestSeries, workloadsOf } from '../blocks/signals/service';
import type { EnvironmentModel, ServiceModel } from '../platform/model';
import { DATA_STORES, STORE_CATALOGUE } from '../catalogue/stores';
import { PlatformChart } from './platform-chart';
import { serviceIdentity } from './service';

export interface DashboardsProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
}

/** Label the Grafana dashboard sidecar (kube-prometheus-stack) loads ConfigMaps by. */
export const DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;
/** Annotation naming the Grafana folder the sidecar files the dashboard in. */
export const FOLDER_ANNOTATION = 'grafana_folder';

export const serviceDashboardName = (s: Pick<ServiceModel, 'name'>) => `dashboard-svc-${s.name}`;
export const OVERVIEW_DASHBOARD_NAME = 'dashboard-overview';

/** Request rate, errors, duration percentiles and saturation of one service. */
export function serviceDashboard(env: EnvironmentModel, s: ServiceModel): Dashboard {
  const ns = s.namespace;
  const sel = requestSeries(ns, { exact: s.name });
  const container = `namespace="${ns}", container="${s.name}"`;
  const quantile = (q: number) => ({ expr: durationQuantile(q, sel), legendFormat: `p${Math.round(q * 100)}` });
  const panels: PanelSpec[] = [
    {
      title: 'Request rate',
      description: 'Requests per second received, by response code (reported by the destination sidecar).',
      unit: 'reqps',
      targets: [{ expr: requestRate(sel, 'response_code'), legendFormat: '{{response_code}}' }],
    },
    {
      title: 'Error ratio (5xx)',
      description: `Share of requests answered with a 5xx status. SLO: ${errorSloText([s])}.`,
      unit: 'percentunit',
      targets: [{ expr: errorRatio(sel), legendFormat: '5xx ratio' }],
    },
    {
      title: 'Request duration',
      description: `Percentiles of request duration. SLO: p95 below ${latencySloText([s])}.`,
      unit: 'ms',
      targets: [quantile(0.5), quantile(0.95), quantile(0.99)],
    },
    {
      title: 'Replicas',
      description: 'Desired and available replicas of the Deployment.',
      unit: 'short',
      targets: [
        { expr: `kube_deployment_spec_replicas{namespace="${ns}", deployment="${s.name}"}`, legendFormat: 'desired' },
        { expr: `kube_deployment_status_replicas_available{namespace="${ns}", deployment="${s.name}"}`, legendFormat: 'available' },
      ],
    },
    {
      title: 'CPU saturation',
      description: 'CPU used by the service containers as a share of their limits.',
      unit: 'percentunit',
      targets: [
        {
          expr: `sum(rate(container_cpu_usage_seconds_total{${container}}[5m])) / sum(kube_pod_container_resource_limits{${container}, resource="cpu"})`,
          legendFormat: 'CPU / limit',
        },
      ],
    },
    {
      title: 'Memory saturation',
      description: 'Working-set memory of the service containers as a share of their limits.',
      unit: 'percentunit',
      targets: [
        {
          expr: `sum(container_memory_working_set_bytes{${container}}) / sum(kube_pod_container_resource_limits{${container}, resource="memory"})`,
          legendFormat: 'memory / limit',
        },
      ],
    },
  ];
  if (s.canary) {
    // The panels above show the stable track (workload `<service>`); these compare both.
    const tracks = requestSeries(ns, { anyOf: workloadsOf(s) });
    panels.push(
      {
        title: 'Canary vs stable: error ratio (5xx)',
        description: `Share of 5xx answers per track (stable ${s.name}, canary ${s.canary.name}).`,
        unit: 'percentunit',
        targets: [
          { expr: errorRatio(tracks, 'destination_workload'), legendFormat: '{{destination_workload}}' },
        ],
      },
      {
        title: 'Canary vs stable: p95 duration',
        description: '95th percentile of request duration per track.',
        unit: 'ms',
        targets: [
          { expr: durationQuantile(0.95, tracks, 'destination_workload'), legendFormat: '{{destination_workload}}' },
        ],
      },
    );
  }
  if (s.consumes.length > 0) {
    panels.push({
      title: 'Kafka consumer lag',
      description: `Messages not yet consumed by consumer group ${s.name}, per topic (target per replica: ${s.kafkaLagThreshold}).`,
      unit: 'short',
      wide: true,
      targets: [{ expr: `sum by (topic) (kafka_consumergroup_lag{${kafkaExporterSeries(kafkaExporterNamespace(env))}, consumergroup="${s.name}"})`, legendFormat: '{{topic}}' }],
    });
  }
  return dashboard({
    uid: dashboardUid(env.platform, env.name, s.name),
    title: `${env.platform} / ${env.name} / ${s.name}`,
    description: `Request rate, errors, duration and saturation of ${s.name} in ${env.name}.`,
    tags: [env.platform, env.name, 'service'],
    panels,
  });
}

/** Every service side by side, plus the data stores' health. */
export function overviewDashboard(env: EnvironmentModel): Dashboard {
  const ns = env.namespace;
  // Canaries are workloads of their own, so they show next to their stable track.
  const names = env.services.flatMap(workloadsOf);
  const workloads = `~"${names.join('|')}"`;
  const sel = requestSeries(ns, { anyOf: names });
  const panels: PanelSpec[] = [
    {
      title: 'Request rate by service',
      description: 'Requests per second received by each service.',
      unit: 'reqps',
      targets: [{ expr: requestRate(sel, 'destination_workload'), legendFormat: '{{destination_workload}}' }],
    },
    {
      title: 'Error ratio by service (5xx)',
      description: `Share of requests answered with a 5xx status. SLO: ${errorSloText(env.services)}.`,
      unit: 'percentunit',
      targets: [{ expr: errorRatio(sel, 'destination_workload'), legendFormat: '{{destination_workload}}' }],
    },
    {
      title: 'p95 duration by service',
      description: `95th percentile of request duration. SLO: below ${latencySloText(env.services)}.`,
      unit: 'ms',
      targets: [{ expr: durationQuantile(0.95, sel, 'destination_workload'), legendFormat: '{{destination_workload}}' }],
    },
    {
      title: 'Unavailable replicas',
      description: 'Replicas per Deployment that are not available.',
      unit: 'short',
      targets: [{ expr: `sum by (deployment) (kube_deployment_status_replicas_unavailable{namespace="${ns}", deployment=${workloads}})`, legendFormat: '{{deployment}}' }],
    },
  ];
  // Each store kind's own series and panels (stores/<kind>/index.ts), in catalogue order.
  // A managed store is watched by its exporter in the services namespace (when its kind has one).
  const watched = [
    ...env.stores.map((st) => ({ kind: st.kind, ns: st.namespace, panels: () => STORE_KINDS[st.kind].overviewPanels?.(env, st) ?? [] })),
    ...env.externalStores
      .filter((x) => STORE_CATALOGUE[x.kind].managed?.exporter)
      .map((x) => ({ kind: x.kind, ns: env.namespace, panels: () => STORE_KINDS[x.kind].managedOverviewPanels?.(env, x) ?? [] })),
  ].sort((a, b) => DATA_STORES.indexOf(a.kind) - DATA_STORES.indexOf(b.kind));
  const storeHealth = watched.map(({ kind, ns }) => STORE_KINDS[kind].health(ns));
  if (storeHealth.length) {
    panels.push({ title: 'Data stores', description: 'Live instances of each data store (of a managed one, what its exporter can query).', unit: 'short', type: 'stat', targets: storeHealth });
  }
  for (const w of watched) panels.push(...w.panels());
  return dashboard({
    uid: dashboardUid(env.platform, env.name, 'overview'),
    title: `${env.platform} / ${env.name} / overview`,
    description: `Every service of ${env.platform} in ${env.name}, and its data stores.`,
    tags: [env.platform, env.name, 'overview'],
    panels,
  });
}

/** Grafana dashboards as ConfigMaps the Grafana sidecar picks up: one per service and one overview. */
export class DashboardsChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: DashboardsProps) {
    const { env } = props;
    super(scope, id, { file: `${env.name}/telemetry/dashboards.yaml` });
    // Reads the model only through `env`: a service's group passes its own (render/chart-cache.ts).
    const configMap = (at: Construct, env: EnvironmentModel, cid: string, name: string, identity: Identity, d: Dashboard) =>
      new k8s.KubeConfigMap(at, cid, {
        metadata: meta({
          name,
          namespace: env.namespace,
          id: identity,
          wave: WAVE.services,
          labels: { ...DASHBOARD_LABEL },
          annotations: { [FOLDER_ANNOTATION]: `${env.platform}-${env.name}` },
        }),
        data: { [`${name}.json`]: JSON.stringify(d, null, 2) },
      });

    configMap(this, env, 'overview', OVERVIEW_DASHBOARD_NAME, { name: env.platform, instance: OVERVIEW_DASHBOARD_NAME, component: 'dashboard', partOf: env.platform, version: env.version }, overviewDashboard(env));
    // One group per service: a change to one service builds its dashboard again, not every service's (render/chart-cache.ts).
    for (const s of env.services) {
      objectGroup(this, `svc-${s.name}`, { env, s }, (g, { env, s }) => configMap(g, env, `svc-${s.name}`, serviceDashboardName(s), { ...serviceIdentity(env, s), component: 'dashboard' }, serviceDashboard(env, s)));
    }
  }
}
