import type { EnvironmentModel } from '../../platform/model';
import type { AlertGroup } from '../../blocks/alerts/types';
import { managedAvailabilityAlerts } from '../managed-exporter';
import { MYSQL_MAX_CONNECTIONS } from './catalogue';

/** mysqld_exporter's `mysql_up` (1 while it can query its server) in namespace `ns`, for the alerts and the overview. */
export const mysqlUp = (ns: string) => `mysql_up{namespace="${ns}"}`;

/** Replication lag above this many seconds pages the on-call. */
export const MYSQL_REPLICATION_LAG_SECONDS = 30;
/** Share of max_connections in use that warns before clients are refused. */
export const MYSQL_CONNECTIONS_WARN = 0.85;

/** MySQL: server down, connections near the limit and, with replicas, replication stopped or lagging (mysqld_exporter). */
export function mysqlAlerts(env: EnvironmentModel): AlertGroup | undefined {
  const my = env.stores.find((s) => s.kind === 'mysql');
  const managed = env.externalStores.find((s) => s.kind === 'mysql');
  if (!my && managed) {
    // A provider runs it: availability is ours to watch (managedAvailabilityAlerts).
    return managedAvailabilityAlerts(env, managed, {
      alert: 'MySQLDown',
      expr: `${mysqlUp(env.namespace)} == 0`,
      summary: 'The managed MySQL cannot be queried',
      description: `mysqld_exporter in ${env.namespace} cannot query the managed MySQL at ${managed.host}:${managed.port} with its clients' credentials (Secret ${managed.secretName}): the endpoint, the network path (NetworkPolicy, ServiceEntry) or the credentials.`,
    });
  }
  if (!my) return undefined;
  const ns = my.namespace;
  const sel = `namespace="${ns}"`;
  return {
    name: `${env.platform}-${env.name}-mysql`,
    alerts: [
      {
        alert: 'MySQLDown',
        expr: `${mysqlUp(ns)} == 0`,
        for: '2m',
        severity: 'critical',
        summary: 'MySQL instance {{ $labels.pod }} is down',
        description: `mysqld_exporter cannot query the MySQL server in pod {{ $labels.pod }} (${ns}).`,
      },
      {
        alert: 'MySQLConnectionsNearLimit',
        expr: `max by (pod) (mysql_global_status_threads_connected{${sel}}) / max by (pod) (mysql_global_variables_max_connections{${sel}}) > ${MYSQL_CONNECTIONS_WARN}`,
        for: '10m',
        severity: 'warning',
        summary: 'MySQL {{ $labels.pod }} is near max_connections',
        description: `{{ $value | humanizePercentage }} of max_connections (${MYSQL_MAX_CONNECTIONS}) of {{ $labels.pod }} in ${ns} are in use; past it, clients are refused. The connection budget should prevent this: look for connections outside the services' pools.`,
      },
      ...(my.replicas > 1
        ? [
            {
              alert: 'MySQLReplicationStopped',
              expr: `min by (pod) (mysql_slave_status_slave_io_running{${sel}}) == 0 or min by (pod) (mysql_slave_status_slave_sql_running{${sel}}) == 0`,
              for: '5m',
              severity: 'critical' as const,
              summary: 'MySQL replica {{ $labels.pod }} does not replicate',
              description: `A replication thread of {{ $labels.pod }} in ${ns} has stopped for 5 minutes: it serves no reads (it left mysql-read) and falls further behind. Its log and SHOW REPLICA STATUS say why.`,
            },
            {
              alert: 'MySQLReplicationLagHigh',
              expr: `max by (pod) (mysql_slave_status_seconds_behind_master{${sel}}) > ${MYSQL_REPLICATION_LAG_SECONDS}`,
              for: '5m',
              severity: 'critical' as const,
              summary: 'MySQL replica {{ $labels.pod }} lags behind the primary',
              description: `Replica {{ $labels.pod }} in ${ns} is {{ $value | humanizeDuration }} behind the primary (threshold ${MYSQL_REPLICATION_LAG_SECONDS}s); reads from mysql-read may be stale.`,
            },
          ]
        : []),
    ],
  };
}
