import type { EnvironmentModel, ServiceModel } from '../../platform/model';
import { durationQuantile, errorRatio, ratio, requestSeries, workloadsOf } from '../signals/service';
import { cronJobSeries } from '../signals/cronjob';
import { anyOf, type Alert, type AlertGroup } from './types';

/**
 * The services grouped by one SLO threshold, in spec order of first
 * appearance: one alert rule per distinct value, so services that keep the
 * defaults share one rule and a service with its own threshold gets its own.
 */
function byThreshold(services: readonly ServiceModel[], threshold: (s: ServiceModel) => number): { value: number; workloads: string[] }[] {
  const groups = new Map<number, string[]>();
  for (const s of services) groups.set(threshold(s), [...(groups.get(threshold(s)) ?? []), ...workloadsOf(s)]);
  return [...groups].map(([value, workloads]) => ({ value, workloads }));
}

/**
 * The services' SLO alerts, from the mesh's request metrics (reported by the
 * destination sidecar, so they are the same for every runtime) and from
 * kube-state-metrics. Latency and error thresholds come from each service's
 * `slo` (default p95 200 ms, 1 % 5xx).
 */
export function serviceAlerts(env: EnvironmentModel): AlertGroup | undefined {
  if (env.services.length === 0) return undefined;
  const ns = env.namespace;
  // A canary is its own workload (`<service>-canary`): its errors and latency alert on their own.
  const workloads = anyOf(env.services.flatMap(workloadsOf));
  const istio = (names: readonly string[]) => requestSeries(ns, { anyOf: names });
  const latency = byThreshold(env.services, (s) => s.slo.latencyP95Ms).map(
    ({ value, workloads: names }): Alert => ({
      alert: 'ServiceLatencyP95High',
      expr: `${durationQuantile(0.95, istio(names), 'destination_workload')} > ${value}`,
      for: '10m',
      severity: 'warning',
      summary: `{{ $labels.destination_workload }} p95 latency is above ${value} ms`,
      description: `The 95th percentile of request duration of {{ $labels.destination_workload }} in ${ns} is {{ $value | humanize }} ms (SLO: ${value} ms).`,
    }),
  );
  const errors = byThreshold(env.services, (s) => s.slo.errorRatePercent).map(
    ({ value, workloads: names }): Alert => ({
      alert: 'ServiceErrorRateHigh',
      expr: `${errorRatio(istio(names), 'destination_workload')} > ${ratio(value)}`,
      for: '5m',
      severity: 'critical',
      summary: `{{ $labels.destination_workload }} answers more than ${value}% of requests with 5xx`,
      description: `{{ $value | humanizePercentage }} of the requests to {{ $labels.destination_workload }} in ${ns} failed with a 5xx status over the last 5 minutes.`,
    }),
  );
  const hpas = env.services.flatMap((s) => (s.scaler === 'hpa' ? [s.name] : s.scaler === 'keda' ? [`keda-hpa-${s.name}`] : []));
  // Scheduled tasks: the latest scheduled run has not succeeded by its deadline (failed, hung, or never
  // succeeded at all); one rule per deadline, so each task is held to its own.
  const deadlines = new Map<number, string[]>();
  for (const c of env.services.flatMap((s) => s.cronJobs)) deadlines.set(c.activeDeadlineSeconds, [...(deadlines.get(c.activeDeadlineSeconds) ?? []), c.name]);
  const cronAlerts = [...deadlines].map(([deadline, names]): Alert => {
    const sel = `namespace="${ns}", cronjob=~"${anyOf(names)}"`;
    const scheduled = `max by (namespace, cronjob) (${cronJobSeries('lastSchedule', sel)})`;
    const succeeded = `max by (namespace, cronjob) (${cronJobSeries('lastSuccess', sel)})`;
    return {
      alert: 'ServiceCronJobFailing',
      expr: `(time() - ${scheduled} > ${deadline}) unless on (namespace, cronjob) (${succeeded} >= on (namespace, cronjob) ${scheduled})`,
      for: '5m',
      severity: 'warning',
      summary: '{{ $labels.cronjob }}: its latest run has not succeeded',
      description: `The run of the CronJob {{ $labels.cronjob }} in ${ns} scheduled {{ $value | humanizeDuration }} ago has not succeeded within its deadline (${deadline} s): it failed, hung, or never succeeded.`,
    };
  });
  return {
    name: `${env.platform}-${env.name}-services`,
    alerts: [
      ...latency,
      ...errors,
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
      ...cronAlerts,
    ],
  };
}
