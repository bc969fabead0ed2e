import { serviceHost, storeMetrics, type StoreCatalogue, type StoreEndpoint } from '../../catalogue/store-kind';

export const POSTGRES_PORT = 5432;

/** The Sync hook Job that provisions the role and databases (stores/postgres/provision.ts). */
export const POSTGRES_PROVISION = 'postgres-provision';
/** The hourly CronJob that checks the backups (stores/postgres/backup.ts). */
export const POSTGRES_BACKUP_CHECK = 'postgres-backup-check';
/** The daily CronJob that restores the newest backup and checks it (stores/postgres/backup.ts). */
export const POSTGRES_RESTORE_TEST = 'postgres-restore-test';

/**
 * PostgreSQL connection budget. `max_connections` is fixed (a restart
 * parameter: the primary must never restart because a client was added), and
 * so is each client pod's pool, `POSTGRES_POOL_MAX` (a client's config must
 * not change because another client or a canary was added). What is derived
 * from the spec is the check: the most client pods that can run at once —
 * every client at max replicas plus rolling-update surge, canaries included —
 * times the pool must fit in max_connections minus the reserve, or the spec
 * is refused.
 */
export const POSTGRES_MAX_CONNECTIONS = 200;
/** superuser_reserved_connections (3), the exporter, the provisioning Job and an operator's psql sessions. */
export const POSTGRES_RESERVED_CONNECTIONS = 10;
/** Connections each client pod may open (its pool's maximum). */
export const POSTGRES_POOL_PER_POD = 2;

const endpoint: StoreEndpoint = { appName: 'postgresql', service: 'postgres', clientPorts: [{ name: 'tcp-postgresql', port: POSTGRES_PORT }], serviceAccount: 'postgres' };

/** PostgreSQL: a primary and streaming replicas; one database per client service; WAL archiving and point-in-time restore. */
export const POSTGRES: StoreCatalogue = {
  title: 'PostgreSQL',
  connectionBudget: { perPod: POSTGRES_POOL_PER_POD, available: POSTGRES_MAX_CONNECTIONS - POSTGRES_RESERVED_CONNECTIONS, why: `max_connections ${POSTGRES_MAX_CONNECTIONS} minus ${POSTGRES_RESERVED_CONNECTIONS} reserved` },
  endpoint,
  dependable: true,
  clientSecrets: {
    POSTGRES_USER: { name: 'postgres-app-credentials', key: 'username' },
    POSTGRES_PASSWORD: { name: 'postgres-app-credentials', key: 'password' },
  },
  connectionEnv: (namespace, serviceName) => ({
    POSTGRES_HOST: serviceHost('postgres', namespace),
    POSTGRES_READ_HOST: serviceHost('postgres-read', namespace),
    POSTGRES_PORT: String(POSTGRES_PORT),
    POSTGRES_DB: serviceName.replace(/-/g, '_'),
    POSTGRES_SSLMODE: 'disable',
    POSTGRES_POOL_MAX: String(POSTGRES_POOL_PER_POD),
  }),
  metrics: [storeMetrics(endpoint, 9187, 'postgres_exporter')],
  otherPods: [POSTGRES_PROVISION, POSTGRES_BACKUP_CHECK, POSTGRES_RESTORE_TEST],
  backup: 'point-in-time',
  backupInterval: { key: 'fullEveryHours', defaultHours: 24, maxHours: 168, description: 'A full base backup is taken when the newest is this old; WAL is archived continuously in between.' },
  // A data directory is read only by the major version that wrote it (pg_upgrade or a dump moves it on).
  dataFormat: (version) => version.split('.')[0]!,
  dataFormatRunbook: 'PostgreSQL major upgrade',
};
