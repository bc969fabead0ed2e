import { METRICS_PORT_NAME, serviceHost, storeMetrics, type StoreCatalogue, type StoreEndpoint, type StoreMetrics } from '../../catalogue/store-kind';

export const MYSQL_PORT = 3306;

/** The Sync hook Job that provisions the application user and databases (stores/mysql/provision.ts). */
export const MYSQL_PROVISION = 'mysql-provision';

/**
 * Connection budget, as for PostgreSQL (stores/postgres/catalogue.ts):
 * `max_connections` is fixed (changing it restarts the only primary), each
 * client pod's pool is fixed (`MYSQL_POOL_MAX`), and the spec is refused when
 * every client pod that can run at once would not fit.
 */
export const MYSQL_MAX_CONNECTIONS = 300;
/** The exporter, the provisioning Job, a cloning replica and an operator's sessions (MariaDB keeps one more for SUPER on top). */
export const MYSQL_RESERVED_CONNECTIONS = 10;
/** Connections each client pod may open (its pool's maximum). */
export const MYSQL_POOL_PER_POD = 2;

/** mysqld_exporter pointed at a managed MySQL (RDS, Cloud SQL…), in the services namespace beside its credentials. */
export const MYSQL_MANAGED_EXPORTER: StoreMetrics = {
  appName: 'mysqld-exporter',
  service: 'mysqld-exporter-metrics',
  portName: METRICS_PORT_NAME,
  port: 9104,
  path: '/metrics',
  exporter: 'mysqld_exporter, pointed at the managed endpoint',
};

const endpoint: StoreEndpoint = { appName: 'mysql', service: 'mysql', clientPorts: [{ name: 'tcp-mysql', port: MYSQL_PORT }], serviceAccount: 'mysql' };

const databaseOf = (serviceName: string) => serviceName.replace(/-/g, '_');

/**
 * MySQL, served by MariaDB 10.11 (the official `mariadb` image; the MySQL
 * protocol and client drivers): a primary and read replicas with GTID
 * replication; one database per client service.
 */
export const MYSQL: StoreCatalogue = {
  title: 'MySQL (MariaDB)',
  connectionBudget: { perPod: MYSQL_POOL_PER_POD, available: MYSQL_MAX_CONNECTIONS - MYSQL_RESERVED_CONNECTIONS, why: `max_connections ${MYSQL_MAX_CONNECTIONS} minus ${MYSQL_RESERVED_CONNECTIONS} reserved` },
  endpoint,
  dependable: true,
  clientSecrets: {
    MYSQL_USER: { name: 'mysql-app-credentials', key: 'username' },
    MYSQL_PASSWORD: { name: 'mysql-app-credentials', key: 'password' },
  },
  connectionEnv: (namespace, serviceName) => ({
    MYSQL_HOST: serviceHost('mysql', namespace),
    MYSQL_READ_HOST: serviceHost('mysql-read', namespace),
    MYSQL_PORT: String(MYSQL_PORT),
    MYSQL_DATABASE: databaseOf(serviceName),
    MYSQL_SSL_MODE: 'DISABLED',
    MYSQL_POOL_MAX: String(MYSQL_POOL_PER_POD),
  }),
  // Amazon RDS / Aurora MySQL, Cloud SQL, Azure Database for MySQL: one endpoint for reads and writes (as for
  // PostgreSQL: a reader endpoint on the same port is a second plain-TCP host the mesh cannot tell apart), TLS required.
  managed: {
    defaultPort: MYSQL_PORT,
    protocol: 'TCP',
    connectionEnv: ({ hosts: [host], port }, serviceName) => ({
      MYSQL_HOST: host,
      MYSQL_READ_HOST: host,
      MYSQL_PORT: String(port),
      MYSQL_DATABASE: databaseOf(serviceName),
      MYSQL_SSL_MODE: 'REQUIRED',
      MYSQL_POOL_MAX: String(MYSQL_POOL_PER_POD),
    }),
    clientSecrets: (secretName) => ({ MYSQL_USER: { name: secretName, key: 'username' }, MYSQL_PASSWORD: { name: secretName, key: 'password' } }),
    exporter: MYSQL_MANAGED_EXPORTER,
  },
  metrics: [storeMetrics(endpoint, 9104, 'mysqld_exporter')],
  otherPods: [MYSQL_PROVISION, MYSQL_MANAGED_EXPORTER.appName],
  backup: 'none',
  versionProblem: (version) =>
    /^10\.11\.\d+$/.test(version) ? undefined : `MySQL is served by MariaDB 10.11 (LTS), the release the stores harness runs: give a 10.11.z version (e.g. 10.11.14)`,
  // A data directory is upgraded in place by mariadb-upgrade only between releases the runbook names.
  dataFormat: (version) => version.split('.').slice(0, 2).join('.'),
  dataFormatRunbook: 'MySQL (MariaDB) upgrade',
};
