import { POSTGRES_RUNBOOK } from './runbook';
import type { StoreKind } from '../../charts/store-kind';
import { postgresAlerts, postgresUp } from './alerts';
import { PostgresBackupChart } from './backup';
import { POSTGRES_PRIMARY, PostgresChart, postgresClients } from './chart';
import { POSTGRES, POSTGRES_BACKUP_CHECK, POSTGRES_RESTORE_TEST } from './catalogue';
import { LABEL } from '../../blocks/meta';
import { PostgresProvisionChart } from './provision';
import { PostgresManagedChart } from './managed';
import { lastSuccess } from '../../blocks/signals/cronjob';

/** PostgreSQL: the primary and replicas, the provisioning Job, the backup check and restore test. */
export const POSTGRES_KIND: StoreKind = {
  runbook: POSTGRES_RUNBOOK,
  addCharts: (scope, env, store) => [
    new PostgresChart(scope, `${env.name}-data-postgres`, { env, store }),
    new PostgresProvisionChart(scope, `${env.name}-data-postgres-provision`, { env, store }),
    ...(store.backup ? [new PostgresBackupChart(scope, `${env.name}-data-postgres-backup`, { env, store })] : []),
  ],
  addManagedCharts: (scope, env, store) => [new PostgresManagedChart(scope, `${env.name}-data-postgres-managed`, { env, store })],
  clients: postgresClients,
  bucketClients: [
    { name: POSTGRES_PRIMARY, labels: { [LABEL.name]: POSTGRES.endpoint.appName, [LABEL.instance]: POSTGRES_PRIMARY } },
    { name: POSTGRES_BACKUP_CHECK, labels: { [LABEL.name]: POSTGRES_BACKUP_CHECK } },
    { name: POSTGRES_RESTORE_TEST, labels: { [LABEL.name]: POSTGRES_RESTORE_TEST } },
  ],
  alerts: postgresAlerts,
  health: (ns) => ({ expr: `sum(${postgresUp(ns)})`, legendFormat: 'PostgreSQL up' }),
  overviewPanels: (_env, store) =>
    store.backup
      ? [
          {
            title: 'PostgreSQL backups',
            description: `Age of the newest archived WAL segment (a restore can reach up to it), and time since the hourly backup check and the daily restore test last passed. Full backups every ${store.backup.everyHours} h, kept ${store.backup.retentionDays} days.`,
            unit: 's',
            targets: [
              { expr: `max(pg_stat_archiver_last_archive_age{namespace="${store.namespace}"})`, legendFormat: 'last WAL archived' },
              lastSuccess(store.namespace, POSTGRES_BACKUP_CHECK),
              lastSuccess(store.namespace, POSTGRES_RESTORE_TEST),
            ],
          },
        ]
      : [],
};
