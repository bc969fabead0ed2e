import { cronJobLastSuccessSeries } from '../signals/cronjob';
import type { Alert } from './types';

/**
 * The two alerts of a backup CronJob (or the restore test's), through kube-state-metrics'
 * `kube_cronjob_status_last_successful_time`: its last success is older than
 * `staleAfterSeconds` (critical), or it has never succeeded (warning, after
 * `neverFor`, long enough for the first scheduled run).
 */
export function cronJobBackupAlerts(p: {
  /** Alert name stem: `<name>Stale`, `<name>NeverSucceeded`. */
  readonly name: string;
  readonly namespace: string;
  readonly cronjob: string;
  readonly staleAfterSeconds: number;
  readonly neverFor: string;
  /** What a success of the CronJob proves, e.g. "PostgreSQL backups are current". */
  readonly what: string;
  /** What to look at when it fails. */
  readonly causes: string;
  /** What no success at all means. */
  readonly neverMeans: string;
}): Alert[] {
  const series = cronJobLastSuccessSeries(p.namespace, p.cronjob);
  return [
    {
      alert: `${p.name}Stale`,
      expr: `time() - max by (namespace, cronjob) (${series}) > ${p.staleAfterSeconds}`,
      for: '5m',
      severity: 'critical',
      summary: `${p.what}: not known for too long`,
      description: `The CronJob ${p.cronjob} in ${p.namespace} last succeeded {{ $value | humanizeDuration }} ago (limit ${p.staleAfterSeconds / 3600} h): ${p.causes}.`,
    },
    {
      alert: `${p.name}NeverSucceeded`,
      expr: `absent(${series})`,
      for: p.neverFor,
      severity: 'warning',
      summary: `${p.what}: never shown`,
      description: `No run of the CronJob ${p.cronjob} in ${p.namespace} has succeeded: ${p.neverMeans}.`,
    },
  ];
}
