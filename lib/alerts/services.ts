import type { EnvironmentModel } from '../../platform/model';
import { anyOf, type AlertGroup } from './types';

/** SLO thresholds every platform service is held to. */
export const SERVICE_SLO = { latencyP95Ms: 200, errorRatio: 0.01 } as const;

/**
 * The services' SLO alerts, from the mesh's request metrics (reported by the
 * destination sidecar, so they are the same for every runtime) and from
 * kube-state-metrics.
 */
export function serviceAlerts(env: EnvironmentModel): AlertGroup | undefined {
  if (env.services.length === 0) return undefined;
  const ns = env.namespace;
  // A canary is its own workload (`<service>-canary`): its errors and latency alert on their own.
  const workloads = anyOf(env.services.flatMap((s) => [s.name, ...(s.canary ? [s.canary.name] : [])]));
  const istio = `reporter="destination", destination_workload_namespace="${ns}", destination_workload=~"${workloads}"`;
  const hpas = env.services.flatMap((s) => (s.scaler === 'hpa' ? [s.name] : s.scaler === 'keda' ? [`keda-hpa-${s.name}`] : []));
  return {
    name: `${env.platform}-${env.name}-services`,
    alerts: [
      {
        alert: 'ServiceLatencyP95High',
        expr: `histogram_quantile(0.95, sum by (destination_workload, le) (rate(istio_request_duration_milliseconds_bucket{${istio}}[5m]))) > ${SERVICE_SLO.latencyP95Ms}`,
        for: '10m',
        severity: 'warning',
        summary: `{{ $labels.destination_workload }} p95 latency is above ${SERVICE_SLO.latencyP95Ms} ms`,
        description: `The 95th percentile of request duration of {{ $labels.destination_workload }} in ${ns} is {{ $value | humanize }} ms (SLO: ${SERVICE_SLO.latencyP95Ms} ms).`,
      },
      {
        alert: 'ServiceErrorRateHigh',
        expr:
          `sum by (destination_workload) (rate(istio_requests_total{${istio}, response_code=~"5.."}[5m]))` +
          ` / sum by (destination_workload) (rate(istio_requests_total{${istio}}[5m])) > ${SERVICE_SLO.errorRatio}`,
        for: '5m',
        severity: 'critical',
        summary: `{{ $labels.destination_workload }} answers more than ${SERVICE_SLO.errorRatio * 100}% of requests with 5xx`,
        description: `{{ $value | humanizePercentage }} of the requests to {{ $labels.destination_workload }} in ${ns} failed with a 5xx status over the last 5 minutes.`,
      },
      {
        alert: 'ServicePodsNotReady',
        expr: `sum by (deployment) (kube_deployment_status_replicas_unavailable{namespace="${ns}", deployment=~"${workloads}"}) > 0`,
        for: '15m',
        severity: 'warning',
        summary: '{{ $labels.deployment }} has pods that are not ready',
        description: `{{ $value }} replica(s) of {{ $labels.deployment }} in ${ns} have been unavailable for 15 minutes.`,
      },
      ...(hpas.length
        ? [
            {
              alert: 'ServiceAutoscalerAtMax',
              expr:
                `kube_horizontalpodautoscaler_status_current_replicas{namespace="${ns}", horizontalpodautoscaler=~"${anyOf(hpas)}"}` +
                ` >= kube_horizontalpodautoscaler_spec_max_replicas{namespace="${ns}", horizontalpodautoscaler=~"${anyOf(hpas)}"}`,
              for: '15m',
              severity: 'warning' as const,
              summary: '{{ $labels.horizontalpodautoscaler }} has been at its maximum replicas for 15 minutes',
              description: `The autoscaler {{ $labels.horizontalpodautoscaler }} in ${ns} cannot add replicas; raise maxReplicas or find the bottleneck.`,
            },
          ]
        : []),
    ],
  };
}
