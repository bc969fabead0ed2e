import type { Runbook } from '../../blocks/alerts/types';
import { REDIS } from './catalogue';

const interval = REDIS.backupInterval!;

/** Redis: what to do when its alerts fire, and how to restore it. */
export const REDIS_RUNBOOK: Runbook = {
  alerts: {
    RedisDown: `redis_exporter cannot reach Redis. Check the pod and Sentinel's view of the
master (\`SENTINEL get-master-addr-by-name mymaster\`). Clients on \`REDIS_HOST\` go
through \`redis-master\`: while no node answers \`role:master\` its pods are not
Ready (\`kubectl -n <dataNs> logs deploy/redis-master\` shows each node's checks).

Where Redis is managed (\`external\`, ElastiCache…), redis_exporter runs in the
services namespace against \`rediss://<host>:<port>\`: read its log. A refused
AUTH is the Secret (\`external.secretName\`, key \`password\`); a TLS error is the
endpoint's certificate; a timeout is the network path (the endpoint's addresses
must be in \`external.cidrs\`) or the provider (its console: a failover or
maintenance moves the primary endpoint for seconds).
`,
    RedisMemoryHigh: `Redis uses more than 90 % of maxmemory: keys are being evicted or writes
rejected. Look for missing TTLs and big keys (\`redis-cli --bigkeys\`); raise the
tier of the store.
`,
    RedisBackupStale: `The CronJob \`redis-backup\` has not succeeded for two of its intervals plus an
hour. Its pod has two steps: \`snapshot\` (asks a Sentinel for the master and
streams an RDB from it) and \`upload\` (rclone to the bucket). Read both:
\`kubectl -n <dataNs> logs job/<the last redis-backup job> -c snapshot\` (no master
named: see RedisDown; auth errors: \`redis-credentials\`) and \`-c upload\` (the
bucket, \`backup-credentials\`, the NetworkPolicy \`redis-backup\`). Run one now:

    kubectl -n <dataNs> create job --from=cronjob/redis-backup redis-backup-now
`,
    RedisBackupNeverSucceeded: `No run of \`redis-backup\` has ever succeeded in this namespace. Run one now
(above) and read its logs; then see RedisBackupStale.
`,
  },
  procedures: [
    { heading: 'Restore Redis', body: `Redis pods that start on an **empty claim** install the newest snapshot from
the bucket before Redis starts (their \`restore\` init container; the snapshot
becomes the base of Redis 7's multi-part AOF, since Redis with \`appendonly yes\`
ignores a lone \`dump.rdb\`). A replica's copy is then replaced by its first sync
from the master; a pod that becomes master because every node restarted starts
with the snapshot. Writes after the snapshot are lost. \`test:stores\`
(\`redis-backup.test.ts\`) runs these steps.

1. Take a snapshot now if Redis still answers (otherwise the newest is used):

       kubectl -n <dataNs> create job --from=cronjob/redis-backup redis-backup-now

2. Replace every node's volume, highest ordinal first; all nodes must be gone
   before the first comes back, or it would sync the current data from a
   surviving master:

       kubectl -n <dataNs> delete pvc data-redis-2 data-redis-1 data-redis-0 --wait=false
       kubectl -n <dataNs> delete pod redis-2 redis-1 redis-0

   The StatefulSet re-creates the claims empty; \`redis-0\` starts as master
   with the snapshot (\`kubectl -n <dataNs> logs redis-0 -c restore\`: \`restore:
   redis-<time>.rdb restored\`), the others restore, then sync from it.
3. Check the keys (\`kubectl -n <dataNs> exec redis-0 -c redis -- redis-cli dbsize\`).

A snapshot cannot be read without the \`encryption-passphrase\` it was written
with: a pod whose restore cannot read the bucket or decrypt the snapshot does
not start (it is not started empty beside backups it cannot see).
` },
  ],
  backups: `- **Redis** is snapshotted (RDB) from the master every \`backups.redis.${interval.key}\`
  (default ${interval.defaultHours}) into \`/<platform>/<env>/redis/\`, kept \`retentionDays\`. A restore
  loses the writes since the snapshot.`,
};
