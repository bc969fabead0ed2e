import { objectGroup } from '../blocks/object-group';
import type { Construct } from 'constructs';
import { ServiceMonitor, ServiceMonitorSpecEndpointsScheme } from '../imports/prometheus-servicemonitor-monitoring.coreos.com';
import { PodMonitor, PodMonitorSpecPodMetricsEndpointsScheme } from '../imports/prometheus-podmonitor-monitoring.coreos.com';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../imports/prometheus-rule-monitoring.coreos.com';
import { LABEL, meta, selector, type Identity } from '../blocks/meta';
import { WAVE } from '../blocks/waves';
import { STORE_CATALOGUE, STORE_METRICS_COMPONENT, storeMetricsEndpoints } from '../catalogue/stores';
import { COLLECTOR_SELF_METRICS } from '../blocks/instrumentation';
import { MERGED_METRICS } from '../blocks/network';
import { METRICS_PORT_NAME } from '../catalogue/stores';
import { alertGroups, runbookAnchor } from './alerts';
import type { EnvironmentModel } from '../platform/model';
import { PlatformChart } from './platform-chart';
import { serviceIdentity } from './service';

export interface MonitoringProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** Page whose `#<alert>` sections are the runbooks (docs/runbooks.md in the platform repository). */
  readonly runbookBaseUrl: string;
}

export const SCRAPE_INTERVAL = '30s';

/** One scrape of a Service's `http-metrics` port: the pods' merged metrics (application + Envoy + istio-agent) on 15020. */
function mergedEndpoint() {
  return { port: METRICS_PORT_NAME, path: MERGED_METRICS.path, scheme: ServiceMonitorSpecEndpointsScheme.HTTP, interval: SCRAPE_INTERVAL };
}

/**
 * What Prometheus scrapes and alerts on in one environment: a ServiceMonitor
 * per service and per data-store exporter (each scrapes the pods' merged
 * metrics, so Envoy's request metrics come with them: no separate Envoy
 * PodMonitor, which would scrape every istio_* series twice), a PodMonitor for
 * the OpenTelemetry collector, and the PrometheusRule with every component's
 * alerts.
 */
export class MonitoringChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: MonitoringProps) {
    const { env } = props;
    super(scope, id, { file: `${env.name}/telemetry/monitoring.yaml` });
    const idOf = (name: string, component: string): Identity => ({ name, instance: name, component, partOf: env.platform, version: env.version });

    // One group per service: a change to one service builds its monitor again, not every service's (render/chart-cache.ts).
    for (const s of env.services) {
      objectGroup(this, `svc-${s.name}`, { env, s }, (g, { env, s }) => {
        const id = serviceIdentity(env, s);
        new ServiceMonitor(g, `sm-${s.name}`, {
          metadata: meta({ name: s.name, namespace: s.namespace, id, wave: WAVE.services }),
          spec: {
            selector: { matchLabels: selector(id) },
            endpoints: [mergedEndpoint()],
          },
        });
      });
    }

    for (const store of env.stores) {
      for (const metrics of storeMetricsEndpoints(store.kind)) {
        const id: Identity = { name: metrics.appName, instance: metrics.service, component: STORE_METRICS_COMPONENT, partOf: env.platform, version: store.version };
        new ServiceMonitor(this, `sm-${metrics.service}`, {
          metadata: meta({ name: metrics.service, namespace: store.namespace, id, wave: WAVE.services }),
          spec: {
            selector: { matchLabels: { [LABEL.name]: metrics.appName, [LABEL.component]: STORE_METRICS_COMPONENT } },
            endpoints: [{ ...mergedEndpoint(), port: metrics.portName }],
          },
        });
      }
    }

    // The exporter watching a store a provider runs (in the services namespace, beside its credentials).
    for (const x of env.externalStores) {
      const metrics = STORE_CATALOGUE[x.kind].managed?.exporter;
      if (!metrics) continue;
      const id: Identity = { name: metrics.appName, instance: metrics.service, component: STORE_METRICS_COMPONENT, partOf: env.platform, version: env.version };
      new ServiceMonitor(this, `sm-${metrics.service}`, {
        metadata: meta({ name: metrics.service, namespace: env.namespace, id, wave: WAVE.services }),
        spec: {
          selector: { matchLabels: { [LABEL.name]: metrics.appName, [LABEL.component]: STORE_METRICS_COMPONENT } },
          endpoints: [{ ...mergedEndpoint(), port: metrics.portName }],
        },
      });
    }

    const t = env.telemetry;
    new PodMonitor(this, 'collector', {
      metadata: meta({ name: t.service, namespace: t.namespace, id: idOf(t.service, 'monitoring'), wave: WAVE.services }),
      spec: {
        selector: { matchLabels: { ...t.podLabels } },
        // The operator's Services are its own: a PodMonitor. Merged (exporter + Envoy) on 15020, and the collector's own telemetry on 8888 (outside the mesh).
        podMetricsEndpoints: [MERGED_METRICS, COLLECTOR_SELF_METRICS].map((e) => ({
          portNumber: e.port,
          path: e.path,
          scheme: PodMonitorSpecPodMetricsEndpointsScheme.HTTP,
          interval: SCRAPE_INTERVAL,
        })),
      },
    });

    const groups = alertGroups(env);
    if (groups.length > 0) {
      new PrometheusRule(this, 'alerts', {
        metadata: meta({ name: `${env.platform}-alerts`, namespace: env.namespace, id: idOf(`${env.platform}-alerts`, 'alerting'), wave: WAVE.services }),
        spec: {
          groups: groups.map((g) => ({
            name: g.name,
            rules: g.alerts.map((a) => ({
              alert: a.alert,
              expr: PrometheusRuleSpecGroupsRulesExpr.fromString(a.expr),
              for: a.for,
              labels: { severity: a.severity, environment: env.name, platform: env.platform },
              annotations: { summary: a.summary, description: a.description, runbook_url: `${props.runbookBaseUrl}#${runbookAnchor(a.alert)}` },
            })),
          })),
        },
      });
    }
  }
}
