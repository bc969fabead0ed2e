import { REDIS_RUNBOOK } from './runbook';
import type { StoreKind } from '../../charts/store-kind';
import { lastSuccess } from '../../blocks/signals/cronjob';
import { redisAlerts, redisUp } from './alerts';
import { RedisBackupChart } from './backup';
import { RedisManagedChart } from './managed';
import { REDIS_NAME, RedisChart, redisClients } from './chart';
import { REDIS, REDIS_BACKUP } from './catalogue';
import { LABEL } from '../../blocks/meta';

/** Redis with Sentinel, and its snapshot CronJob when the environment has backups. */
export const REDIS_KIND: StoreKind = {
  runbook: REDIS_RUNBOOK,
  addCharts: (scope, env, store) => [
    new RedisChart(scope, `${env.name}-data-redis`, { env, store }),
    ...(store.backup ? [new RedisBackupChart(scope, `${env.name}-data-redis-backup`, { env, store })] : []),
  ],
  // ElastiCache, Memorystore…: redis_exporter at the primary endpoint, beside the clients' Secret.
  addManagedCharts: (scope, env, store) => [new RedisManagedChart(scope, `${env.name}-data-redis-managed`, { env, store })],
  clients: redisClients,
  bucketClients: [
    { name: REDIS_NAME, labels: { [LABEL.name]: REDIS.endpoint.appName } },
    { name: REDIS_BACKUP, labels: { [LABEL.name]: REDIS_BACKUP } },
  ],
  alerts: redisAlerts,
  health: (ns) => ({ expr: `sum(${redisUp(ns)})`, legendFormat: 'Redis up' }),
  overviewPanels: (_env, store) =>
    store.backup
      ? [
          {
            title: 'Redis snapshots',
            description: `Time since the last RDB snapshot reached the bucket (every ${store.backup.everyHours} h, kept ${store.backup.retentionDays} days).`,
            unit: 's',
            targets: [lastSuccess(store.namespace, REDIS_BACKUP)],
          },
        ]
      : [],
};
