import type { Runbook } from '../../blocks/alerts/types';
import { POSTGRES } from './catalogue';
import { ARCHIVE_TIMEOUT_SECONDS } from './chart';
import { PGBACKREST_IMAGE } from './pgbackrest';

const interval = POSTGRES.backupInterval!;

/** PostgreSQL: what to do when its alerts fire, how to restore it and how to upgrade its major version. */
export const POSTGRES_RUNBOOK: Runbook = {
  alerts: {
    PostgresDown: `postgres_exporter cannot reach the server. Check the PostgreSQL pod, its
volume and its logs; services fail over to the primary Service only once a
replica is promoted.

Where PostgreSQL is managed (\`external\`, RDS…), the exporter is
\`postgres-exporter\` in the services namespace: read its log
(\`kubectl -n <ns> logs deploy/postgres-exporter\`). \`connection refused\` or a
timeout: the endpoint, or the path to it (the NetworkPolicy \`postgres-exporter\`
and the clients' egress to \`cidrs\`, the ServiceEntry's addresses, the
provider's security group). \`password authentication failed\`: the Secret named
in \`secretName\` (keys \`username\`, \`password\`). The provider's own console
tells whether the instance itself is down or failing over.
`,
    PostgresReplicationLagHigh: `A replica is more than 30 s behind the primary: reads from \`postgres-read\` are
stale. Check replica I/O, network, and long-running queries on the replica.
`,
    PostgresWalArchivingFailing: `Every WAL archiving attempt of the primary failed for 15 minutes: nothing new
reaches the backup bucket, so a restore cannot reach past the last archived
segment, and \`pg_wal\` grows on the primary's volume until it is full. The
archiving is done by the primary's \`backup\` container (pgBackRest); read its
log: \`kubectl -n <dataNs> logs postgres-primary-0 -c backup --tail=50\`.
- \`stanza-create failed\` or \`system-id … does not match\`: the bucket prefix
  \`/<platform>/<env>/postgres\` holds another database's backups (a new database
  was initialised beside an old repository). Move that prefix away in the bucket
  (or point \`backups.objectStore\` elsewhere), then restart the container
  (\`kubectl -n <dataNs> exec postgres-primary-0 -c backup -- kill 1\`).
- \`403\`/\`InvalidAccessKeyId\`/\`SignatureDoesNotMatch\`: the \`backup-credentials\`
  Secret (keys \`access-key-id\`, \`secret-access-key\`) or the bucket's policy.
- timeouts: the NetworkPolicy \`postgres-primary-backup\` (egress to the object
  store's \`cidrs\`, or public addresses, on its port) and the Istio ServiceEntry
  \`external-<endpoint>\` of the data namespace.
- \`no answer from the backup container\`: the \`backup\` container is restarting;
  \`kubectl -n <dataNs> describe pod postgres-primary-0\`.
Once archiving works again, PostgreSQL archives the waiting segments by itself
(\`SELECT * FROM pg_stat_archiver\` shows \`last_archived_time\` moving).
`,
    PostgresBackupStale: `The hourly CronJob \`postgres-backup-check\` has not succeeded for 3 hours. It
fails when the newest full backup is older than \`backups.postgres.fullEveryHours\`
plus 2 hours, when the stanza is not healthy, or when it cannot read the bucket
(credentials, the encryption passphrase, the network). Its log says which:
\`kubectl -n <dataNs> logs job/<the last postgres-backup-check job> -c check\`.
The backups themselves are taken by the primary's \`backup\` container (its log,
as above). Take one now and check:

    kubectl -n <dataNs> exec postgres-primary-0 -c backup -- pgbackrest backup --type=full
    kubectl -n <dataNs> exec postgres-primary-0 -c backup -- pgbackrest info
`,
    PostgresBackupNeverSucceeded: `No run of \`postgres-backup-check\` has ever succeeded in this namespace (or
kube-state-metrics does not see the CronJob): backups may never have worked
here. Run it now and read its log:

    kubectl -n <dataNs> create job --from=cronjob/postgres-backup-check backup-check-now
    kubectl -n <dataNs> logs -f job/backup-check-now -c check

then see PostgresBackupStale.
`,
    PostgresRestoreTestStale: `The daily CronJob \`postgres-restore-test\` has not passed for 26 hours. Each run
restores the newest full backup and the archived WAL into a volume of its own
(a claim of the store's size, deleted with the pod), lets PostgreSQL replay the
WAL and promote, checks every database with \`pg_amcheck\` (tables, indexes,
page checksums) and stops; it never writes to the bucket. Until it passes, the
backups are not known to restore. Its containers say where it failed:

    kubectl -n <dataNs> logs job/<the last postgres-restore-test job> -c restore   # pgBackRest restore
    kubectl -n <dataNs> logs job/<the last postgres-restore-test job> -c wal       # WAL fetched from the bucket
    kubectl -n <dataNs> logs job/<the last postgres-restore-test job> -c verify    # replay, promotion, pg_amcheck

A checksum or decryption error in \`restore\` is a damaged backup: take a new
full backup now (PostgresBackupStale has the command) and run the test again
(\`kubectl -n <dataNs> create job --from=cronjob/postgres-restore-test restore-test-now\`).
\`pg_amcheck\` errors are corruption in the database itself (they were backed
up): check the primary with \`pg_amcheck\` too. A Pending pod: the claim could not
be provisioned (the StorageClass, the namespace's quota).
`,
    PostgresRestoreTestNeverSucceeded: `No restore test has ever passed in this namespace: no backup of this
environment has been shown to restore. Run one (above) and read its logs.
`,
  },
  procedures: [
    { heading: 'Restore PostgreSQL to a point in time', body: `An empty primary claim is always restored from the backups when the bucket has
any: to \`restoreTo\` when the spec sets it, otherwise to the end of the archived
WAL (a lost volume comes back with every archived commit). A primary whose claim
holds a database is never touched. \`test:stores\` (\`postgres-backup.test.ts\`)
runs these steps. \`<dataNs>\` is the environment's data namespace.

1. Find the time to go back to, in UTC with its zone (the moment before the bad
   change), and check the backups reach it (\`backup\` list, \`archive\` min/max):

       kubectl -n <dataNs> exec postgres-primary-0 -c backup -- pgbackrest info

2. If the primary still runs, archive the segment being written, so WAL up to
   now is in the bucket:

       kubectl -n <dataNs> exec postgres-primary-0 -c postgresql -- psql -U postgres -c 'SELECT pg_switch_wal()'

3. Set the target in \`platform.yaml\`, render, review and commit:

       dataStores:
         postgres:
           environments:
             prod: { replicas: 3, storage: 100Gi, storageClass: gp3, restoreTo: "2026-11-30 14:03:12+00" }

       npm run synth && npm run diff   # the primary's restore container gets RESTORE_TARGET
       git commit -am "Restore PostgreSQL (prod) to 2026-11-30 14:03:12+00" && git push

   Let Argo CD sync it (the primary restarts on its data: nothing is restored yet).
4. Replace the primary's volume: the StatefulSet re-creates the claim empty and
   the pod on it.

       kubectl -n <dataNs> delete pvc data-postgres-primary-0 --wait=false
       kubectl -n <dataNs> delete pod postgres-primary-0

   The \`restore\` init container restores the newest full backup before the
   target (\`kubectl -n <dataNs> logs postgres-primary-0 -c restore\`); PostgreSQL
   then replays the archived WAL up to the target, logs \`recovery stopping
   before commit …\` and \`selected new timeline ID\`, and is promoted. Once it is
   Ready, the \`backup\` container takes a full backup of the new timeline.
5. Re-clone each replica from the restored primary (their data is of the old
   timeline):

       kubectl -n <dataNs> delete pvc data-postgres-read-0 --wait=false
       kubectl -n <dataNs> delete pod postgres-read-0
       # …and the same for postgres-read-1, one at a time

6. Check the data, then remove \`restoreTo\` from \`platform.yaml\` (commit, sync):
   left in place it would restore to the same time the next time the primary's
   claim is empty.
` },
    { heading: 'PostgreSQL major upgrade', body: `A PostgreSQL data directory starts only under the major version that wrote it, so
\`npm run synth\` refuses a major version change (16 → 17, or back) for an environment
whose rendered \`dist/\` runs the old one, and says so with the version it found. The
data has to move first; then \`upgradedFrom\` tells the synth it did:

    dataStores:
      postgres:
        version: "17.2"
        environments:
          prod: { replicas: 3, storage: 100Gi, upgradedFrom: "16.4" }

**Not yet exercised by \`test:stores\`**: the steps below are the outline we hold to, not
a procedure proven here. The constraints that shape it: the primary's \`restore\` init
container restores an empty claim from the bucket, and a 16 backup cannot start under 17;
replicas clone from the primary.

1. Stop the writers (scale the client services to 0, or put them in maintenance), then
   take a logical dump the new major can load:

       kubectl -n <dataNs> exec postgres-primary-0 -c postgresql -- pg_dumpall -U postgres > dump.sql

2. Keep the old major's backups out of the new primary's way: they cannot be
   restored into 17. Move them aside in the bucket (or point \`backups\` at a new bucket
   for this environment) so the empty 17 primary initialises instead of restoring.
3. Set \`version\` and \`upgradedFrom\` as above, \`npm run synth && npm run diff\`, commit,
   and let Argo CD sync. Delete the primary's and the replicas' claims and pods so the
   StatefulSets re-create them empty (as in "Restore PostgreSQL to a point in time",
   step 4 and 5).
4. Load the dump into the new primary, check it, start the writers again:

       kubectl -n <dataNs> exec -i postgres-primary-0 -c postgresql -- psql -U postgres < dump.sql

5. Remove \`upgradedFrom\` once \`dist/\` renders the new version (it is only read while the
   rendered \`dist/\` still runs the old one).
` },
  ],
  backups: `- **PostgreSQL** is backed up by pgBackRest ${PGBACKREST_IMAGE.replace(/^.*:/, '')} into the bucket under
  \`/<platform>/<env>/postgres\` (client-side AES-256 encrypted with the Secret's
  \`encryption-passphrase\`, zstd): every WAL segment as it completes (at least
  once every ${ARCHIVE_TIMEOUT_SECONDS} s while there are writes: \`archive_timeout\`), and a full base
  backup every \`backups.postgres.${interval.key}\` (default ${interval.defaultHours}) and right after a
  restore. Backups and WAL older than \`retentionDays\` are expired (the newest
  full backup before that stays, so any time in the window can be restored).
  What a restore can lose: the writes of the last ${ARCHIVE_TIMEOUT_SECONDS} s at most (the segment
  being filled), if the primary's volume is lost with it.`,
};
