import { REDIS_BACKUP, REDIS_PORT, REDIS_SENTINEL_MASTER, SENTINEL_PORT } from './catalogue';
import type { Construct } from 'constructs';
import { objectStoreEgress } from '../../blocks/backup';
import { RCLONE_IMAGE, rcloneEnv, REDIS_SNAPSHOT_SCRIPT, REDIS_UPLOAD_SCRIPT } from './snapshots';
import { selector } from '../../blocks/meta';
import { STORE_ENDPOINTS } from '../../catalogue/stores';
import { hookJobIdentity, scheduledJob, scratch, secretEnv, serviceDns, storeIdentity } from '../../blocks/stateful';
import type { EnvironmentModel, StoreModel } from '../../platform/model';
import { PlatformChart } from '../../charts/platform-chart';
import { REDIS_NAME, REDIS_SECRET, REDIS_UID, redisImage } from './chart';


export interface RedisBackupProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The `redis` store of this environment; it must have `backup`. */
  readonly store: StoreModel;
}

/** Cron schedule of a snapshot every `hours` hours (on the hour, UTC). */
export const everyHoursSchedule = (hours: number) => (hours >= 24 ? '0 0 * * *' : `0 */${hours} * * *`);

/**
 * Redis backups, their own workload: a CronJob whose pod streams an RDB
 * snapshot from the master (found through Sentinel; `redis-cli --rdb`, Redis
 * image) into a scratch volume, then uploads it encrypted to the bucket and
 * expires the snapshots older than the retention (rclone image). Its
 * NetworkPolicy allows the Redis pods (6379, 26379) and the object store only.
 * The Redis pods restore the newest snapshot when they start on an empty claim
 * (stores/redis/chart.ts, REDIS_RESTORE_SCRIPT).
 */
export class RedisBackupChart extends PlatformChart {
  /** The snapshot CronJob. */
  readonly cronJob;

  constructor(scope: Construct, id: string, props: RedisBackupProps) {
    const { env, store } = props;
    const backup = store.backup;
    if (!backup) throw new Error(`environment ${env.name}: RedisBackupChart needs a store with backups`);
    super(scope, id, { file: `${env.name}/data/redis-backup.yaml` });
    const ns = store.namespace;
    const snapshot = scratch('snapshot', '/snapshot', { sizeLimit: store.storage });
    const nodes = storeIdentity(env, store, REDIS_NAME, 'node');
    this.cronJob = scheduledJob(this, {
      env,
      name: REDIS_BACKUP,
      namespace: ns,
      id: hookJobIdentity(env, store, REDIS_BACKUP, 'backup'),
      schedule: everyHoursSchedule(backup.everyHours),
      serviceAccountName: STORE_ENDPOINTS.redis.serviceAccount,
      runAsUser: REDIS_UID,
      initContainers: [
        {
          name: 'snapshot',
          image: redisImage(store.version),
          script: REDIS_SNAPSHOT_SCRIPT,
          env: [
            { name: 'SENTINEL_HOST', value: serviceDns(REDIS_NAME, ns) },
            { name: 'SENTINEL_PORT', value: String(SENTINEL_PORT) },
            { name: 'SENTINEL_MASTER', value: REDIS_SENTINEL_MASTER },
            { name: 'REDIS_PORT', value: String(REDIS_PORT) },
            secretEnv('REDISCLI_AUTH', REDIS_SECRET, 'password'),
          ],
          volumeMounts: [snapshot.mount],
        },
      ],
      container: {
        name: 'upload',
        image: RCLONE_IMAGE,
        shell: 'sh',
        script: REDIS_UPLOAD_SCRIPT,
        env: [...rcloneEnv(backup), { name: 'RETENTION_DAYS', value: String(backup.retentionDays) }],
        volumeMounts: [snapshot.mount],
      },
      volumes: [snapshot.volume],
      egress: [{ namespace: ns, labels: selector(nodes), ports: [REDIS_PORT, SENTINEL_PORT] }],
      extraEgress: [objectStoreEgress(backup)],
      activeDeadlineSeconds: 3600,
    });
  }
}

