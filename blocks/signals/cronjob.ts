import type { Target } from '../grafana';

/**
 * A CronJob's last success, stated once for its alerts and its panels:
 * kube-state-metrics' `kube_cronjob_status_last_successful_time` (seconds since the epoch).
 */
export const cronJobLastSuccessSeries = (ns: string, cronjob: string) => `kube_cronjob_status_last_successful_time{namespace="${ns}", cronjob="${cronjob}"}`;

/** Seconds since a CronJob last succeeded, as a dashboard target. */
export const lastSuccess = (ns: string, cronjob: string): Target => ({
  expr: `time() - max(${cronJobLastSuccessSeries(ns, cronjob)})`,
  legendFormat: `${cronjob}: last success`,
});
