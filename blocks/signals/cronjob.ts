import type { Target } from '../grafana';

/** kube-state-metrics' CronJob series (seconds since the epoch), stated once for alerts and panels. */
const CRONJOB_METRICS = { lastSuccess: 'kube_cronjob_status_last_successful_time', lastSchedule: 'kube_cronjob_status_last_schedule_time' } as const;

/** A CronJob series over a label selector (`namespace="shop", cronjob=~"a|b"`). */
export const cronJobSeries = (which: keyof typeof CRONJOB_METRICS, selector: string) => `${CRONJOB_METRICS[which]}{${selector}}`;

/** A CronJob's last success. */
export const cronJobLastSuccessSeries = (ns: string, cronjob: string) => cronJobSeries('lastSuccess', `namespace="${ns}", cronjob="${cronjob}"`);

/** Seconds since a CronJob last succeeded, as a dashboard target. */
export const lastSuccess = (ns: string, cronjob: string): Target => ({
  expr: `time() - max(${cronJobLastSuccessSeries(ns, cronjob)})`,
  legendFormat: `${cronjob}: last success`,
});
