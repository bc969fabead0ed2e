import type { Construct } from 'constructs';
import { ServiceMonitor, ServiceMonitorSpecEndpointsScheme } from '../imports/prometheus-servicemonitor-monitoring.coreos.com';
import { PodMonitor, PodMonitorSpecPodMetricsEndpointsScheme } from '../imports/prometheus-podmonitor-monitoring.coreos.com';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../imports/prometheus-rule-monitoring.coreos.com';
import { LABEL, meta, selector, type Identity } from '../lib/meta';
import { WAVE } from '../lib/waves';
import { STORE_METRICS_COMPONENT, storeMetricsEndpoints } from '../lib/stores';
import { COLLECTOR_METRICS_PORTS } from '../lib/instrumentation';
import { alertGroups, runbookAnchor } from '../lib/alerts';
import type { EnvironmentModel, ServiceModel } from '../platform/model';
import { PlatformChart } from './platform-chart';
import { serviceIdentity } from './service';

export interface MonitoringProps {
  readonly env: EnvironmentModel;
  /** Page whose `#<alert>` sections are the runbooks (docs/runbooks.md in the platform repository). */
  readonly runbookBaseUrl: string;
}

export const SCRAPE_INTERVAL = '30s';

/** Name of the Service port that carries a service's metrics (as charts/service.ts names them). */
export function metricsPortName(s: Pick<ServiceModel, 'port' | 'metrics'>): string {
  return s.metrics.port === s.port ? 'http' : 'http-metrics';
}

/** Label the Istio sidecar injector puts on every meshed pod. */
export const MESHED_POD_LABEL = { 'security.istio.io/tlsMode': 'istio' } as const;

/**
 * What Prometheus scrapes and alerts on in one environment: a ServiceMonitor
 * per service and per data-store exporter, PodMonitors for the Envoy sidecars
 * and the OpenTelemetry collector, and the PrometheusRule with every
 * component's alerts.
 */
export class MonitoringChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: MonitoringProps) {
    const { env } = props;
    super(scope, id, { file: `${env.name}/telemetry/monitoring.yaml` });
    const idOf = (name: string, component: string): Identity => ({ name, instance: name, component, partOf: env.platform, version: env.version });

    for (const s of env.services) {
      const id = serviceIdentity(env, s);
      new ServiceMonitor(this, `sm-${s.name}`, {
        metadata: meta({ name: s.name, namespace: s.namespace, id, wave: WAVE.services }),
        spec: {
          selector: { matchLabels: selector(id) },
          endpoints: [{ port: metricsPortName(s), path: s.metrics.path, scheme: ServiceMonitorSpecEndpointsScheme.HTTP, interval: SCRAPE_INTERVAL }],
        },
      });
    }

    for (const store of env.stores) {
      for (const metrics of storeMetricsEndpoints(store.kind)) {
        const id: Identity = { name: metrics.appName, instance: metrics.service, component: STORE_METRICS_COMPONENT, partOf: env.platform, version: store.version };
        new ServiceMonitor(this, `sm-${metrics.service}`, {
          metadata: meta({ name: metrics.service, namespace: store.namespace, id, wave: WAVE.services }),
          spec: {
            selector: { matchLabels: { [LABEL.name]: metrics.appName, [LABEL.component]: STORE_METRICS_COMPONENT } },
            endpoints: [{ port: metrics.portName, path: metrics.path, scheme: ServiceMonitorSpecEndpointsScheme.HTTP, interval: SCRAPE_INTERVAL }],
          },
        });
      }
    }

    // Envoy's own statistics (istio_requests_total, request durations): the source of the SLO alerts.
    for (const namespace of env.namespaces) {
      new PodMonitor(this, `sidecars-${namespace}`, {
        metadata: meta({ name: 'istio-sidecars', namespace, id: idOf('istio-sidecars', 'monitoring'), wave: WAVE.services }),
        spec: {
          selector: { matchLabels: { ...MESHED_POD_LABEL } },
          podMetricsEndpoints: [{ port: 'http-envoy-prom', path: '/stats/prometheus', scheme: PodMonitorSpecPodMetricsEndpointsScheme.HTTP, interval: SCRAPE_INTERVAL }],
        },
      });
    }

    const t = env.telemetry;
    new PodMonitor(this, 'collector', {
      metadata: meta({ name: t.service, namespace: t.namespace, id: idOf(t.service, 'monitoring'), wave: WAVE.services }),
      spec: {
        selector: { matchLabels: { ...t.podLabels } },
        podMetricsEndpoints: COLLECTOR_METRICS_PORTS.map((portNumber) => ({
          portNumber,
          path: '/metrics',
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
