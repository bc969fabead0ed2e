import { REDIS_BACKUP } from './catalogue';

import type { EnvironmentModel } from '../../platform/model';
import type { AlertGroup } from '../../blocks/alerts/types';
import { managedAvailabilityAlerts } from '../managed-exporter';
import { cronJobBackupAlerts } from '../../blocks/alerts/backup';

/** A Redis snapshot may be this many schedule intervals late (plus an hour) before the alert fires. */
/** redis_exporter's `redis_up` (1 while it can reach its node) in namespace `ns`, for the alerts and the overview. */
export const redisUp = (ns: string) => `redis_up{namespace="${ns}"}`;

export const REDIS_BACKUP_MISSED_RUNS = 2;

export const REDIS_MEMORY_RATIO = 0.9;

/** Redis: instance down, memory close to maxmemory (redis_exporter). */
export function redisAlerts(env: EnvironmentModel): AlertGroup | undefined {
  const redis = env.stores.find((s) => s.kind === 'redis');
  const managed = env.externalStores.find((s) => s.kind === 'redis');
  if (!redis && managed) {
    // A provider runs it: availability is ours to watch (managedAvailabilityAlerts).
    return managedAvailabilityAlerts(env, managed, {
      alert: 'RedisDown',
      expr: `${redisUp(env.namespace)} == 0`,
      summary: 'The managed Redis cannot be reached',
      description: `redis_exporter in ${env.namespace} cannot reach the managed Redis at ${managed.host}:${managed.port} over TLS with its clients' password (Secret ${managed.secretName}): the endpoint, the network path (NetworkPolicy, ServiceEntry), the certificate or the password.`,
    });
  }
  if (!redis) return undefined;
  const ns = redis.namespace;
  return {
    name: `${env.platform}-${env.name}-redis`,
    alerts: [
      {
        alert: 'RedisDown',
        expr: `${redisUp(ns)} == 0`,
        for: '2m',
        severity: 'critical',
        summary: 'Redis instance {{ $labels.pod }} is down',
        description: `redis_exporter cannot reach Redis in pod {{ $labels.pod }} (${ns}).`,
      },
      {
        alert: 'RedisMemoryHigh',
        // Instances without maxmemory (0) are left out instead of dividing by zero.
        expr: `redis_memory_used_bytes{namespace="${ns}"} / (redis_memory_max_bytes{namespace="${ns}"} > 0) > ${REDIS_MEMORY_RATIO}`,
        for: '10m',
        severity: 'warning',
        summary: 'Redis {{ $labels.pod }} uses more than 90% of maxmemory',
        description: `Redis in pod {{ $labels.pod }} (${ns}) uses {{ $value | humanizePercentage }} of maxmemory; keys will be evicted or writes rejected.`,
      },
      ...(redis.backup
        ? cronJobBackupAlerts({
            name: 'RedisBackup',
            namespace: ns,
            cronjob: REDIS_BACKUP,
            staleAfterSeconds: (REDIS_BACKUP_MISSED_RUNS * redis.backup.everyHours + 1) * 3600,
            neverFor: `${redis.backup.everyHours + 1}h`,
            what: 'Redis snapshots are current',
            causes: 'the snapshot (Sentinel, the master) or the upload (bucket, credentials) fails; see the last Job\'s logs',
            neverMeans: 'backups may never have worked in this environment',
          })
        : []),
    ],
  };
}
