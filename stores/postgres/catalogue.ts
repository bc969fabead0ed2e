import { METRICS_PORT_NAME, serviceHost, storeMetrics, type StoreCatalogue, type StoreEndpoint, type StoreMetrics } from '../../catalogue/store-kind';

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

/** postgres_exporter pointed at a managed PostgreSQL (RDS…), in the services namespace beside its credentials. */
export const POSTGRES_MANAGED_EXPORTER: StoreMetrics = {
  appName: 'postgres-exporter',
  service: 'postgres-exporter-metrics',
  portName: METRICS_PORT_NAME,
  port: 9187,
  path: '/metrics',
  exporter: 'postgres_exporter, pointed at the managed endpoint',
};

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
  // Amazon RDS, Cloud SQL, Azure Database: one endpoint (reads go to it too: a reader endpoint on the same
  // port would be a second plain-TCP host on one port, which the mesh cannot tell apart), TLS required
  // (the connection leaves the mesh), the same database name and pool per client.
  managed: {
    defaultPort: POSTGRES_PORT,
    protocol: 'TCP',
    connectionEnv: ({ hosts: [host], port }, serviceName) => ({
      POSTGRES_HOST: host,
      POSTGRES_READ_HOST: host,
      POSTGRES_PORT: String(port),
      POSTGRES_DB: serviceName.replace(/-/g, '_'),
      POSTGRES_SSLMODE: 'require',
      POSTGRES_POOL_MAX: String(POSTGRES_POOL_PER_POD),
    }),
    clientSecrets: (secretName) => ({ POSTGRES_USER: { name: secretName, key: 'username' }, POSTGRES_PASSWORD: { name: secretName, key: 'password' } }),
    exporter: POSTGRES_MANAGED_EXPORTER,
  },
  metrics: [storeMetrics(endpoint, 9187, 'postgres_exporter')],
  otherPods: [POSTGRES_PROVISION, POSTGRES_BACKUP_CHECK, POSTGRES_RESTORE_TEST, POSTGRES_MANAGED_EXPORTER.appName],
  backup: 'point-in-time',
  backupInterval: { key: 'fullEveryHours', defaultHours: 24, maxHours: 168, description: 'A full base backup is taken when the newest is this old; WAL is archived continuously in between.' },
  // A data directory is read only by the major version that wrote it (pg_upgrade or a dump moves it on).
  dataFormat: (version) => version.split('.')[0]!,
  dataFormatRunbook: 'PostgreSQL major upgrade',
};
