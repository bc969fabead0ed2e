import { METRICS_PORT_NAME, serviceHost, storeMetrics, type StoreCatalogue, type StoreEndpoint, type StoreMetrics } from '../../catalogue/store-kind';

export const REDIS_PORT = 6379;

/** The snapshot CronJob's name (and its pods' app.kubernetes.io/name; stores/redis/backup.ts). */
export const REDIS_BACKUP = 'redis-backup';
export const SENTINEL_PORT = 26379;

/** Redis Sentinel's master group; services receive it as REDIS_SENTINEL_MASTER. */
export const REDIS_SENTINEL_MASTER = 'mymaster';

/** The master endpoint: HAProxy in front of the nodes, routing to the one that answers `role:master` (stores/redis/master-proxy.ts). */
export const REDIS_MASTER = 'redis-master';

const endpoint: StoreEndpoint = {
  appName: 'redis',
  service: 'redis',
  clientPorts: [
    { name: 'tcp-redis', port: REDIS_PORT },
    { name: 'tcp-sentinel', port: SENTINEL_PORT },
  ],
  serviceAccount: 'redis',
  proxy: { appName: REDIS_MASTER, service: REDIS_MASTER, port: REDIS_PORT, serviceAccount: REDIS_MASTER },
};

/** HAProxy's built-in Prometheus exporter in the `redis-master` pods (backend servers up, sessions, check results). */
export const REDIS_MASTER_METRICS: StoreMetrics = {
  appName: REDIS_MASTER,
  service: `${REDIS_MASTER}-metrics`,
  portName: METRICS_PORT_NAME,
  port: 8404,
  path: '/metrics',
  exporter: 'HAProxy (its built-in Prometheus exporter)',
};

/** redis_exporter pointed at a managed Redis (ElastiCache, Memorystore…), in the services namespace beside its credentials. */
export const REDIS_MANAGED_EXPORTER: StoreMetrics = {
  appName: 'redis-exporter',
  service: 'redis-exporter-metrics',
  portName: METRICS_PORT_NAME,
  port: 9121,
  path: '/metrics',
  exporter: 'redis_exporter, pointed at the managed endpoint',
};

/** Redis with Sentinel: a master, replicas and a Sentinel beside each; RDB snapshots shipped to the bucket. */
export const REDIS: StoreCatalogue = {
  title: 'Redis',
  endpoint,
  dependable: true,
  clientSecrets: { REDIS_PASSWORD: { name: 'redis-credentials', key: 'password' } },
  connectionEnv: (namespace) => ({
    // The master, wherever it is: `redis-master` (HAProxy) routes to the node that says role:master, so a
    // client that is not Sentinel-aware connects here and reconnects after a failover. TLS: the mesh's.
    REDIS_HOST: serviceHost(REDIS_MASTER, namespace),
    REDIS_PORT: String(REDIS_PORT),
    REDIS_TLS: 'false',
    // Sentinel-aware clients may ask the Sentinels instead (in the cluster only: a managed Redis has none).
    REDIS_SENTINEL_ADDRS: `${serviceHost('redis', namespace)}:${SENTINEL_PORT}`,
    REDIS_SENTINEL_MASTER,
  }),
  // ElastiCache (Redis OSS or Valkey with in-transit encryption and an AUTH token), Memorystore, Azure Cache:
  // the primary endpoint, which follows the provider's failovers; TLS from the first byte (matched by SNI).
  managed: {
    defaultPort: REDIS_PORT,
    protocol: 'TLS',
    connectionEnv: ({ hosts: [host], port }) => ({ REDIS_HOST: host!, REDIS_PORT: String(port), REDIS_TLS: 'true' }),
    clientSecrets: (secretName) => ({ REDIS_PASSWORD: { name: secretName, key: 'password' } }),
    exporter: REDIS_MANAGED_EXPORTER,
  },
  metrics: [storeMetrics(endpoint, 9121, 'redis_exporter'), REDIS_MASTER_METRICS],
  otherPods: [REDIS_BACKUP, REDIS_MASTER, REDIS_MANAGED_EXPORTER.appName],
  backup: 'snapshots',
  backupInterval: { key: 'everyHours', defaultHours: 6, maxHours: 24, description: 'An RDB snapshot of the master is shipped this often.' },
};
