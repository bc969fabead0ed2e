import type { k8s } from 'cdk8s-plus-28';
import { preset, type ResourcePreset } from '../../catalogue/resources';
import { BACKUP_SECRET_KEYS } from '../../blocks/backup';
import { secretEnv } from '../../blocks/stateful';
import type { StoreBackupModel } from '../../platform/model';

/** PostgreSQL's backups with pgBackRest: its image, settings and the scripts of the sidecar, the restore and the checks. */

/**
 * How often the backup checks run, and how late a backup may be before the
 * check fails: one schedule interval plus this much (a full backup of a large
 * database takes a while, and the sidecar looks once a minute).
 */
export const BACKUP_CHECK_SCHEDULE = '17 * * * *';
export const BACKUP_LATE_AFTER_SECONDS = 2 * 3600;
/** The backup alert fires when the hourly check has not passed for this long (three runs in a row failed or did not run). */
export const BACKUP_STALE_AFTER_SECONDS = 3 * 3600;

/** pgBackRest in its own image (Ubuntu, pgBackRest 2.54.2 built from source; image user 2001, which the pods override with the PostgreSQL image's 999 so the data files are theirs). */
export const PGBACKREST_IMAGE = 'docker.io/woblerr/pgbackrest:2.54.2';

/** The backup sidecar: pgBackRest compresses (zstd) and checksums with 2 processes while a backup runs. */
export const BACKUP_SIDECAR_RESOURCES: ResourcePreset = preset(50, 1000, 64, 512);

/** The directory the PostgreSQL and the pgBackRest containers of a pod share for WAL requests (an emptyDir). */
export const WAL_QUEUE_DIR = '/var/run/pgbackrest';

/** The stanza (pgBackRest's name for one cluster's backups); unique because the repository path is per platform/environment. */
export const PGBACKREST_STANZA = 'main';

/** Written at the claim's root by a restore; the sidecar takes a full backup once the restored primary is up, then removes it. */
export const RESTORED_MARKER = 'pgbackrest-restored';

/**
 * pgBackRest's whole configuration, as its `PGBACKREST_*` environment (no
 * config file): the repository in the bucket (client-side AES-256 encrypted,
 * zstd, time-based retention), the local cluster over the Unix socket.
 */
export function pgbackrestEnv(b: StoreBackupModel, pg: { dataDir: string; socketDir: string; port: number }): k8s.EnvVar[] {
  const s = b.objectStore;
  const secret = (name: string, key: string) => secretEnv(name, s.credentialsSecret, key);
  const v = (name: string, value: string | number) => ({ name: `PGBACKREST_${name}`, value: String(value) });
  return [
    // Only this environment configures pgBackRest: no config file of the image is read (nor needs to be readable by UID 999).
    v('CONFIG', '/dev/null'),
    v('STANZA', PGBACKREST_STANZA),
    v('REPO1_TYPE', 's3'),
    v('REPO1_PATH', b.prefix),
    v('REPO1_S3_ENDPOINT', s.endpoint),
    v('REPO1_STORAGE_PORT', s.port),
    v('REPO1_S3_BUCKET', s.bucket),
    v('REPO1_S3_REGION', s.region),
    v('REPO1_S3_URI_STYLE', s.uriStyle),
    secret('PGBACKREST_REPO1_S3_KEY', BACKUP_SECRET_KEYS.accessKeyId),
    secret('PGBACKREST_REPO1_S3_KEY_SECRET', BACKUP_SECRET_KEYS.secretAccessKey),
    v('REPO1_CIPHER_TYPE', 'aes-256-cbc'),
    secret('PGBACKREST_REPO1_CIPHER_PASS', BACKUP_SECRET_KEYS.encryptionPassphrase),
    // Restorable to any time within retentionDays: full backups (and their WAL) older than that go, except the newest before it.
    v('REPO1_RETENTION_FULL_TYPE', 'time'),
    v('REPO1_RETENTION_FULL', b.retentionDays),
    v('PG1_PATH', pg.dataDir),
    v('PG1_SOCKET_PATH', pg.socketDir),
    v('PG1_PORT', pg.port),
    v('PG1_USER', 'postgres'),
    v('COMPRESS_TYPE', 'zst'),
    v('PROCESS_MAX', 2),
    v('START_FAST', 'y'),
    // Read-only root: locks in /tmp, logs to the container's output only.
    v('LOCK_PATH', '/tmp/pgbackrest'),
    v('LOG_LEVEL_FILE', 'off'),
    v('LOG_LEVEL_CONSOLE', 'info'),
    // The image's default time zone is Europe/Moscow: logs and `info` in UTC instead.
    { name: 'TZ', value: 'Etc/UTC' },
  ];
}

/**
 * archive_command and restore_command of the PostgreSQL container. The
 * PostgreSQL image has no pgBackRest, and the object store's credentials
 * belong to the pgBackRest container only, so the command hands the request
 * to that container of the same pod through WAL_QUEUE_DIR and waits for its
 * answer: PostgreSQL counts a WAL segment archived only once pgBackRest has
 * stored it in the bucket (as with archive_command = pgbackrest archive-push),
 * and keeps it in pg_wal until then.
 *
 * Exit codes: 0 done; 1 not done (push: PostgreSQL retries; get: "no such
 * segment", the end of the archive); 126 for a get that failed for any other
 * reason (the store unreachable, no answer): PostgreSQL then aborts the
 * recovery instead of ending it early and promoting without the rest of the
 * archive — the container restarts and the recovery resumes.
 */
export const WAL_HANDOFF_SCRIPT = `#!/bin/bash
# archive_command = '/scripts/pgbackrest-wal.sh push %p'; restore_command = '/scripts/pgbackrest-wal.sh get %f %p'
set -u
queue=${WAL_QUEUE_DIR}
timeout=\${WAL_HANDOFF_TIMEOUT_SECONDS:-300}
abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
case "\${1:-}" in
  push) [ $# -eq 2 ] || exit 1; request=(archive-push "$(abs "$2")"); failed=1 ;;
  get) [ $# -eq 3 ] || exit 126; request=(archive-get "$2" "$(abs "$3")"); failed=126 ;;
  *) echo "usage: $0 push WAL_PATH | get WAL_NAME DEST" >&2; exit 1 ;;
esac
id="$(date +%s%N)-$$"
printf '%s\\n' "\${request[@]}" > "$queue/$id.tmp" && mv "$queue/$id.tmp" "$queue/$id.req" || exit "$failed"
deadline=$((SECONDS + timeout))
while [ "$SECONDS" -lt "$deadline" ]; do
  if [ -f "$queue/$id.rc" ]; then
    rc="$(cat "$queue/$id.rc")"; rm -f "$queue/$id.rc"
    exit "$rc"
  fi
  sleep 0.1
done
rm -f "$queue/$id.req"
echo "pgbackrest-wal: the backup container did not answer within $timeout s: $*" >&2
exit "$failed"
`;

/**
 * bash: \`serve\` answers the WAL requests of WAL_HANDOFF_SCRIPT in
 * WAL_QUEUE_DIR with pgBackRest, one at a time, forever, touching \`.alive\`
 * every round.
 */
const WAL_SERVE_FN = `serve() {
  local round=0
  # A FIFO nobody writes to: 'read -t' on it waits without starting a process (no 'sleep' ten times a second).
  [ -p "$queue/.tick" ] || mkfifo "$queue/.tick"
  exec 3<>"$queue/.tick"
  while true; do
    [ $((round % 10)) -eq 0 ] && touch "$queue/.alive"
    for req in "$queue"/*.req; do
      [ -e "$req" ] || break
      id="\${req%.req}"
      mv "$req" "$id.work" 2>/dev/null || continue
      mapfile -t request < "$id.work"
      pgbackrest "\${request[@]}"; rc=$?
      case "\${request[0]}:$rc" in
        *:0) ;;
        archive-get:1) ;;            # not in the archive
        archive-get:*) rc=126 ;;     # any other failure must not end a recovery early
        *) rc=1 ;;
      esac
      echo "$rc" > "$id.rc.tmp" && mv "$id.rc.tmp" "$id.rc"
      rm -f "$id.work"
    done
    # Answers nobody collected (the requester timed out) go after 10 min.
    if [ $((round += 1)) -ge 3000 ]; then round=0; find "$queue" -maxdepth 1 -name '*.rc' -mmin +10 -delete 2>/dev/null; fi
    read -r -t 0.1 -u 3 _ || true
  done
}
`;

/**
 * The pgBackRest container of the primary:
 * - serves the PostgreSQL container's WAL requests (WAL_HANDOFF_SCRIPT), one
 *   at a time, and touches \`.alive\` on every round (its liveness probe);
 * - creates the stanza once PostgreSQL is up and primary (idempotent; it
 *   fails, and so does archiving, if the bucket holds another database's
 *   backups — the alerts see it);
 * - takes a full backup when there is none, when the newest is
 *   FULL_EVERY_SECONDS old, and right after a restore; pgBackRest expires
 *   what the retention no longer needs after each;
 * - on SIGTERM keeps serving until PostgreSQL has stopped (its shutdown
 *   archives the last segments), at most 60 s.
 */
export const BACKUP_SIDECAR_SCRIPT = `#!/bin/bash
set -uo pipefail
queue=${WAL_QUEUE_DIR}
marker="$(dirname "$PGBACKREST_PG1_PATH")/${RESTORED_MARKER}"
log() { echo "$(date -u +%FT%TZ) backup: $*"; }

${WAL_SERVE_FN}
stopping=0
on_term() {
  stopping=1
  # PostgreSQL removes postmaster.pid when it has shut down (its last act is archiving the last segments).
  for _ in $(seq 1 60); do [ -e "$PGBACKREST_PG1_PATH/postmaster.pid" ] || break; sleep 1; done
  kill "$server" 2>/dev/null
  exit 0
}
newest_backup() { pgbackrest info --output=json | grep -o '"stop":[0-9]*' | tail -1 | cut -d: -f2; }

mkdir -p "$PGBACKREST_LOCK_PATH"
serve & server=$!
trap on_term TERM INT

until [ "$stopping" = 1 ] || pgbackrest stanza-create; do
  log "stanza-create failed (PostgreSQL not up or still recovering, or the repository holds another database); retrying in 30 s"
  sleep 30 & wait $!
done
while true; do
  newest="$(newest_backup)"
  if [ -e "$marker" ] || [ -z "$newest" ] || [ $(( $(date +%s) - newest )) -ge "$FULL_EVERY_SECONDS" ]; then
    log "taking a full backup"
    pgbackrest backup --type=full & wait $!
    if [ $? -eq 0 ]; then rm -f "$marker"; log "full backup done"; else log "full backup failed; next try in 5 min"; sleep 240 & wait $!; fi
  fi
  sleep 60 & wait $!
done
`;

/**
 * Init container of the primary, before PostgreSQL starts. On a claim that
 * already holds a database it does nothing. On an empty claim:
 * - the repository cannot be read: it fails (the pod does not start an
 *   empty database beside backups it cannot see);
 * - the repository has no backup: nothing to do (the entrypoint initialises a
 *   new database);
 * - otherwise it restores the newest backup (before RESTORE_TARGET when set)
 *   into a scratch directory and moves it into place, with recovery set up:
 *   PostgreSQL replays the archived WAL (through the sidecar) to
 *   RESTORE_TARGET, or to the end of the archive, and is promoted — a new
 *   timeline. A marker tells the sidecar to take a full backup then.
 */
export const RESTORE_SCRIPT = `#!/bin/bash
set -euo pipefail
pgdata="$PGBACKREST_PG1_PATH"
if [ -s "$pgdata/PG_VERSION" ]; then echo "restore: $pgdata holds a database; nothing to restore"; exit 0; fi
mkdir -p "$PGBACKREST_LOCK_PATH"
if ! info="$(pgbackrest info --output=json)"; then
  echo "restore: cannot read the backup repository, so an empty primary is not started beside backups it cannot see; fix the object store, its credentials or the passphrase" >&2
  exit 1
fi
if ! grep -q '"stop":[0-9]' <<<"$info"; then
  if [ -n "\${RESTORE_REQUIRED:-}" ]; then echo "restore: no backup in the repository" >&2; exit 1; fi
  echo "restore: no backup in the repository; the entrypoint initialises a new database"; exit 0
fi
target=()
if [ -n "\${RESTORE_TARGET:-}" ]; then target=(--type=time "--target=$RESTORE_TARGET" --target-action=promote); fi
echo "restore: restoring to \${RESTORE_TARGET:-the end of the archived WAL}"
rm -rf "$pgdata.restore"
mkdir -m 0700 "$pgdata.restore"
pgbackrest restore --pg1-path="$pgdata.restore" "\${target[@]}" --recovery-option="restore_command=/scripts/pgbackrest-wal.sh get %f %p"
touch "$(dirname "$pgdata")/${RESTORED_MARKER}"
rm -rf "$pgdata"
mv "$pgdata.restore" "$pgdata"
echo "restore: files in place; PostgreSQL replays the WAL and is promoted"
`;

/** The WAL server alone (the restore test's native sidecar): serves archive-get requests, takes no backup, creates no stanza. */
export const WAL_SERVER_SCRIPT = `#!/bin/bash
set -uo pipefail
queue=${WAL_QUEUE_DIR}
mkdir -p "$PGBACKREST_LOCK_PATH"
${WAL_SERVE_FN}
trap 'exit 0' TERM INT
serve & wait $!
`;

/** The restore test runs daily (UTC) and its alert fires when it has not passed for this long (a day plus a late run). */
export const RESTORE_TEST_SCHEDULE = '45 3 * * *';
export const RESTORE_TEST_STALE_AFTER_SECONDS = 26 * 3600;

/**
 * The restore test's main container (PostgreSQL image), after the \`restore\`
 * init container put the newest backup into the test's own volume (recovery to
 * the end of the archive): starts PostgreSQL there — socket only, archiving
 * off (a test timeline must never reach the repository), no hot standby (so
 * the primary's settings need not be matched) — waits until the WAL is
 * replayed and it is promoted, checks every database's tables and indexes
 * with pg_amcheck (and the pages' checksums as it reads them), stops it.
 */
export const RESTORE_TEST_SCRIPT = `pgdata="$PGBACKREST_PG1_PATH"
[ -s "$pgdata/PG_VERSION" ] || { echo "restore test: nothing was restored" >&2; exit 1; }
postgres -D "$pgdata" -c listen_addresses= -c unix_socket_directories=/tmp -c archive_mode=off -c hot_standby=off \\
  -c shared_buffers=64MB -c max_connections=20 -c max_wal_senders=0 -c max_replication_slots=0 -c wal_level=replica &
pg=$!
until pg_isready -q -h /tmp -d postgres; do
  kill -0 "$pg" 2>/dev/null || { echo "restore test: PostgreSQL stopped during recovery" >&2; exit 1; }
  sleep 2
done
[ "$(psql -h /tmp -U postgres -d postgres -XtAc 'SELECT pg_is_in_recovery()')" = f ] || { echo "restore test: not promoted" >&2; exit 1; }
psql -h /tmp -U postgres -d postgres -XtAc "SELECT 'restore test: ' || count(*) || ' databases, ' || pg_size_pretty(sum(pg_database_size(datname))) FROM pg_database WHERE datallowconn"
pg_amcheck -h /tmp -U postgres --all --install-missing --heapallindexed
echo "restore test: pg_amcheck found no corruption"
pg_ctl -D "$pgdata" -m fast -w stop
echo "restore test: passed"
`;

/**
 * The backup check (a CronJob beside the primary, repository access only):
 * fails unless the stanza is healthy and its newest backup is younger than
 * FULL_EVERY_SECONDS plus BACKUP_LATE_AFTER_SECONDS. Its last success is the
 * "backups are current" signal the alerts read.
 */
export const BACKUP_CHECK_SCRIPT = `mkdir -p "$PGBACKREST_LOCK_PATH"
info="$(pgbackrest info --output=json)"
grep -q '"status":{"code":0' <<<"$info" || { echo "check: the stanza is not healthy:" >&2; pgbackrest info >&2; exit 1; }
newest="$(grep -o '"stop":[0-9]*' <<<"$info" | tail -1 | cut -d: -f2)"
[ -n "$newest" ] || { echo "check: no backup in the repository" >&2; exit 1; }
age=$(( $(date +%s) - newest ))
limit=$(( FULL_EVERY_SECONDS + ${BACKUP_LATE_AFTER_SECONDS} ))
if [ "$age" -gt "$limit" ]; then echo "check: the newest backup is $age s old, more than $limit s" >&2; exit 1; fi
pgbackrest info
echo "check: newest backup $age s old (limit $limit s)"
`;
