import type { EnvironmentModel } from '../../platform/model';
import type { AlertGroup } from './types';

/** Replication lag above this many seconds pages the on-call. */
export const POSTGRES_REPLICATION_LAG_SECONDS = 30;

/** PostgreSQL: instance down and, with replicas, replication lag (postgres_exporter). */
export function postgresAlerts(env: EnvironmentModel): AlertGroup | undefined {
  const pg = env.stores.find((s) => s.kind === 'postgres');
  if (!pg) return undefined;
  const ns = pg.namespace;
  return {
    name: `${env.platform}-${env.name}-postgres`,
    alerts: [
      {
        alert: 'PostgresDown',
        expr: `pg_up{namespace="${ns}"} == 0`,
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
    ],
  };
}
