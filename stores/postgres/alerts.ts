import type { EnvironmentModel } from '../../platform/model';
import type { AlertGroup } from '../../blocks/alerts/types';
import { managedAvailabilityAlerts } from '../managed-exporter';
import { BACKUP_STALE_AFTER_SECONDS, RESTORE_TEST_STALE_AFTER_SECONDS } from './pgbackrest';
import { cronJobBackupAlerts } from '../../blocks/alerts/backup';

/** Replication lag above this many seconds pages the on-call. */
/** postgres_exporter's `pg_up` (1 while it can query its server) in namespace `ns`, for the alerts and the overview. */
export const postgresUp = (ns: string) => `pg_up{namespace="${ns}"}`;

export const POSTGRES_REPLICATION_LAG_SECONDS = 30;

/** PostgreSQL: instance down and, with replicas, replication lag (postgres_exporter). */
export function postgresAlerts(env: EnvironmentModel): AlertGroup | undefined {
  const pg = env.stores.find((s) => s.kind === 'postgres');
  const managed = env.externalStores.find((s) => s.kind === 'postgres');
  if (!pg && managed) {
    // A provider runs it: availability is ours to watch (managedAvailabilityAlerts).
    return managedAvailabilityAlerts(env, managed, {
      alert: 'PostgresDown',
      expr: `${postgresUp(env.namespace)} == 0`,
      summary: 'The managed PostgreSQL cannot be queried',
      description: `postgres_exporter in ${env.namespace} cannot query the managed PostgreSQL at ${managed.host}:${managed.port} with its clients' credentials (Secret ${managed.secretName}): the endpoint, the network path (NetworkPolicy, ServiceEntry) or the credentials.`,
    });
  }
  if (!pg) return undefined;
  const ns = pg.namespace;
  return {
    name: `${env.platform}-${env.name}-postgres`,
    alerts: [
      {
        alert: 'PostgresDown',
        expr: `${postgresUp(ns)} == 0`,
        for: '2m',
        severity: 'critical',
        summary: 'PostgreSQL instance {{ $labels.pod }} is down',
        description: `postgres_exporter cannot reach the PostgreSQL server in pod {{ $labels.pod }} (${ns}).`,
      },
      ...(pg.replicas > 1
        ? [
            {
              alert: 'PostgresReplicationLagHigh',
              expr: `max by (pod) (pg_replication_lag_seconds{namespace="${ns}"}) > ${POSTGRES_REPLICATION_LAG_SECONDS}`,
              for: '5m',
              severity: 'critical' as const,
              summary: 'PostgreSQL replica {{ $labels.pod }} lags behind the primary',
              description: `Replica {{ $labels.pod }} in ${ns} is {{ $value | humanizeDuration }} behind the primary (threshold ${POSTGRES_REPLICATION_LAG_SECONDS}s); reads from postgres-read may be stale.`,
            },
          ]
        : []),
      ...(pg.backup
        ? [
            {
              alert: 'PostgresWalArchivingFailing',
              // Every attempt of the last 10 minutes failed: nothing new reaches the bucket, pg_wal grows.
              expr: `increase(pg_stat_archiver_failed_count{namespace="${ns}"}[10m]) > 0 and increase(pg_stat_archiver_archived_count{namespace="${ns}"}[10m]) == 0`,
              for: '5m',
              severity: 'critical' as const,
              summary: 'PostgreSQL cannot archive WAL ({{ $labels.pod }})',
              description: `Every WAL archiving attempt of {{ $labels.pod }} in ${ns} failed for 15 minutes: a point-in-time restore cannot reach past the last archived segment, and pg_wal grows until the volume is full. See the backup container's log.`,
            },
            ...cronJobBackupAlerts({
              name: 'PostgresBackup',
              namespace: ns,
              cronjob: 'postgres-backup-check',
              staleAfterSeconds: BACKUP_STALE_AFTER_SECONDS,
              neverFor: '3h',
              what: 'PostgreSQL backups are current',
              causes: 'the newest full backup is late, the stanza is unhealthy, or the bucket cannot be read',
              neverMeans: 'backups may never have worked in this environment',
            }),
            ...cronJobBackupAlerts({
              name: 'PostgresRestoreTest',
              namespace: ns,
              cronjob: 'postgres-restore-test',
              staleAfterSeconds: RESTORE_TEST_STALE_AFTER_SECONDS,
              neverFor: '30h',
              what: 'PostgreSQL backups restore',
              causes: 'the newest backup or the archived WAL could not be restored, replayed or checked; until a restore test passes, the backups are not known to be usable',
              neverMeans: 'no backup of this environment has ever been shown to restore',
            }),
          ]
        : []),
    ],
  };
}
