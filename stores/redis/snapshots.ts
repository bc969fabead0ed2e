import type { k8s } from 'cdk8s-plus-28';
import { BACKUP_SECRET_KEYS } from '../../blocks/backup';
import { secretEnv } from '../../blocks/stateful';
import type { StoreBackupModel } from '../../platform/model';

/** Redis's snapshots with rclone: its image, configuration and the scripts of the snapshot Job and the restore. */

/** rclone in its own image (Alpine, rclone 1.68.2: `sh`, no bash); it ships the Redis snapshots. */
export const RCLONE_IMAGE = 'docker.io/rclone/rclone:1.68.2';

/** Snapshot objects: `redis-<UTC time>.rdb`, so the newest sorts last. */
export const REDIS_SNAPSHOT_GLOB = 'redis-*.rdb';

/**
 * rclone's configuration as environment: remote `bucket` (the S3 store) and
 * remote `snapshots`, the store's prefix through rclone's `crypt` (file
 * contents encrypted with the Secret's passphrase; names left readable). The
 * scripts below obscure the passphrase at start (rclone's config format).
 */
export function rcloneEnv(b: StoreBackupModel): k8s.EnvVar[] {
  const s = b.objectStore;
  const secret = (name: string, key: string) => secretEnv(name, s.credentialsSecret, key);
  const v = (name: string, value: string) => ({ name, value });
  return [
    v('RCLONE_CONFIG_BUCKET_TYPE', 's3'),
    v('RCLONE_CONFIG_BUCKET_PROVIDER', 'Other'),
    v('RCLONE_CONFIG_BUCKET_ENDPOINT', `https://${s.endpoint}:${s.port}`),
    v('RCLONE_CONFIG_BUCKET_REGION', s.region),
    v('RCLONE_CONFIG_BUCKET_FORCE_PATH_STYLE', String(s.uriStyle === 'path')),
    v('RCLONE_CONFIG_BUCKET_NO_CHECK_BUCKET', 'true'),
    secret('RCLONE_CONFIG_BUCKET_ACCESS_KEY_ID', BACKUP_SECRET_KEYS.accessKeyId),
    secret('RCLONE_CONFIG_BUCKET_SECRET_ACCESS_KEY', BACKUP_SECRET_KEYS.secretAccessKey),
    v('RCLONE_CONFIG_SNAPSHOTS_TYPE', 'crypt'),
    v('RCLONE_CONFIG_SNAPSHOTS_REMOTE', `bucket:${s.bucket}${b.prefix}`),
    v('RCLONE_CONFIG_SNAPSHOTS_FILENAME_ENCRYPTION', 'off'),
    v('RCLONE_CONFIG_SNAPSHOTS_DIRECTORY_NAME_ENCRYPTION', 'false'),
    secret('SNAPSHOT_PASSPHRASE', BACKUP_SECRET_KEYS.encryptionPassphrase),
    // Read-only root: rclone's config and cache in /tmp.
    v('RCLONE_CONFIG', '/tmp/rclone.conf'),
    v('RCLONE_CACHE_DIR', '/tmp/rclone-cache'),
    v('HOME', '/tmp'),
  ];
}

/** POSIX sh (the rclone image has no bash): rclone's crypt password from the passphrase. */
const RCLONE_SETUP = `export RCLONE_CONFIG_SNAPSHOTS_PASSWORD="$(rclone obscure "$SNAPSHOT_PASSPHRASE")"`;

/** POSIX sh: when the script exits, ask the Istio proxy to quit (busybox wget; see QUIT_SIDECAR_ON_EXIT). */
const QUIT_SIDECAR_ON_EXIT_SH = `trap 'wget -q -O /dev/null --post-data= http://127.0.0.1:15020/quitquitquit 2>/dev/null || true' EXIT`;

/**
 * The Redis backup Job's first container (Redis image): asks a Sentinel for
 * the master and streams an RDB snapshot from it (`redis-cli --rdb`, the
 * replication protocol: no BGSAVE on the master's disk) into the pod's
 * scratch volume.
 */
export const REDIS_SNAPSHOT_SCRIPT = `#!/bin/bash
set -euo pipefail
master="$(redis-cli -h "$SENTINEL_HOST" -p "$SENTINEL_PORT" --no-auth-warning SENTINEL get-master-addr-by-name "$SENTINEL_MASTER" | head -n 1)"
[ -n "$master" ] || { echo "snapshot: no Sentinel names a master" >&2; exit 1; }
echo "snapshot: from the master $master"
redis-cli -h "$master" -p "$REDIS_PORT" --no-auth-warning --rdb /snapshot/dump.rdb
ls -l /snapshot/dump.rdb
`;

/**
 * The Redis backup Job's main container (rclone image): uploads the snapshot
 * as \`redis-<UTC time>.rdb\` (encrypted), then deletes the snapshots older than
 * RETENTION_DAYS — never the one just uploaded.
 */
export const REDIS_UPLOAD_SCRIPT = `set -eu
${QUIT_SIDECAR_ON_EXIT_SH}
${RCLONE_SETUP}
name="redis-$(date -u +%Y%m%dT%H%M%SZ).rdb"
rclone copyto /snapshot/dump.rdb "snapshots:$name"
echo "upload: $name"
rclone delete --min-age "\${RETENTION_DAYS}d" --include '${REDIS_SNAPSHOT_GLOB}' --exclude "$name" snapshots:
echo "upload: snapshots older than \${RETENTION_DAYS} days expired"
`;

/**
 * Init container of every Redis pod (rclone image). On a claim with a
 * dataset (an AOF directory or an RDB file) it does nothing. On an empty
 * claim it installs the newest snapshot (or RESTORE_SNAPSHOT) as the base of
 * Redis 7's multi-part AOF (\`appendonlydir/\`: the RDB as base, an empty
 * increment, the manifest), because Redis with \`appendonly yes\` ignores a
 * lone dump.rdb and would start empty. A replica's restored copy is replaced
 * by its first sync; a pod that becomes master (every node down) starts with
 * the snapshot instead of nothing. It fails when it cannot read the bucket:
 * an empty Redis must not start in place of one that has backups.
 */
export const REDIS_RESTORE_SCRIPT = `set -eu
if [ -e /data/appendonlydir ] || [ -e /data/dump.rdb ]; then echo "restore: /data holds a dataset; nothing to restore"; exit 0; fi
${RCLONE_SETUP}
if ! list="$(rclone lsf --files-only --include '${REDIS_SNAPSHOT_GLOB}' snapshots:)"; then
  echo "restore: cannot read the snapshots, so an empty Redis is not started beside backups it cannot see; fix the object store, its credentials or the passphrase" >&2
  exit 1
fi
snapshot="\${RESTORE_SNAPSHOT:-$(printf '%s\\n' "$list" | sort | tail -n 1)}"
if [ -z "$snapshot" ]; then echo "restore: no snapshot in the bucket; Redis starts empty"; exit 0; fi
rm -rf /data/restore.tmp
mkdir -p /data/restore.tmp/appendonlydir
rclone copyto "snapshots:$snapshot" /data/restore.tmp/appendonlydir/appendonly.aof.1.base.rdb
: > /data/restore.tmp/appendonlydir/appendonly.aof.1.incr.aof
printf 'file appendonly.aof.1.base.rdb seq 1 type b\\nfile appendonly.aof.1.incr.aof seq 1 type i\\n' > /data/restore.tmp/appendonlydir/appendonly.aof.manifest
mv /data/restore.tmp/appendonlydir /data/appendonlydir
rmdir /data/restore.tmp
echo "restore: $snapshot restored"
`;
