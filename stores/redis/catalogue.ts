import { serviceHost, storeMetrics, type StoreCatalogue, type StoreEndpoint } from '../../catalogue/store-kind';

export const REDIS_PORT = 6379;

/** The snapshot CronJob's name (and its pods' app.kubernetes.io/name; stores/redis/backup.ts). */
export const REDIS_BACKUP = 'redis-backup';
export const SENTINEL_PORT = 26379;

/** Redis Sentinel's master group; services receive it as REDIS_SENTINEL_MASTER. */
export const REDIS_SENTINEL_MASTER = 'mymaster';

const endpoint: StoreEndpoint = {
  appName: 'redis',
  service: 'redis',
  clientPorts: [
    { name: 'tcp-redis', port: REDIS_PORT },
    { name: 'tcp-sentinel', port: SENTINEL_PORT },
  ],
  serviceAccount: 'redis',
};

/** Redis with Sentinel: a master, replicas and a Sentinel beside each; RDB snapshots shipped to the bucket. */
export const REDIS: StoreCatalogue = {
  unmanagedWhy: 'its clients find the master through Sentinel (REDIS_SENTINEL_ADDRS), which a managed Redis (ElastiCache, Memorystore) does not offer: the connection variables would differ',
  title: 'Redis',
  endpoint,
  dependable: true,
  clientSecrets: { REDIS_PASSWORD: { name: 'redis-credentials', key: 'password' } },
  connectionEnv: (namespace) => ({
    REDIS_SENTINEL_ADDRS: `${serviceHost('redis', namespace)}:${SENTINEL_PORT}`,
    REDIS_SENTINEL_MASTER,
    // No REDIS_HOST: a Service on 6379 would balance over read-only replicas. Sentinel-aware
    // clients get the master's pod DNS name (via the headless Service) from the Sentinels.
  }),
  metrics: [storeMetrics(endpoint, 9121, 'redis_exporter')],
  otherPods: [REDIS_BACKUP],
  backup: 'snapshots',
  backupInterval: { key: 'everyHours', defaultHours: 6, maxHours: 24, description: 'An RDB snapshot of the master is shipped this often.' },
};
