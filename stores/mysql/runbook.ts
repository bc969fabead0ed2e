import type { Runbook } from '../../blocks/alerts/types';
import { BINLOG_KEEP_SECONDS, MYSQL_PRIMARY, MYSQL_READ } from './chart';

const keepDays = BINLOG_KEEP_SECONDS / 86400;

/** MySQL (MariaDB): what to do when its alerts fire, how to re-clone a replica and how to upgrade. */
export const MYSQL_RUNBOOK: Runbook = {
  alerts: {
    MySQLDown: `mysqld_exporter cannot query the server. Check the pod, its volume and its
log: \`kubectl -n <dataNs> logs ${MYSQL_PRIMARY}-0 -c mysql --tail=100\`. The server
recovers InnoDB by itself after a crash; a start that is still initialising
says \`initialising\` or \`cloning the primary\`. Writes fail while the primary is
down; replicas keep serving \`mysql-read\`. Nothing promotes a replica
automatically (see "MySQL: promote a replica").

Where MySQL is managed (\`external\`, RDS…), the exporter is \`mysqld-exporter\`
in the services namespace: read its log. \`connection refused\` or a timeout:
the endpoint or the path to it (the NetworkPolicy \`mysqld-exporter\`, the
ServiceEntry's addresses, the provider's security group). \`Access denied\`:
the Secret named in \`secretName\` (keys \`username\`, \`password\`).
`,
    MySQLConnectionsNearLimit: `Most of \`max_connections\` is in use. The services' pools are sized so they
fit (the connection budget of the spec), so look for other clients:
\`SELECT user, host, db, command, time FROM information_schema.processlist ORDER BY time DESC\`
on the pod the alert names. Kill what should not be there (\`KILL <id>\`).
`,
    MySQLReplicationStopped: `A replica's I/O or SQL thread has stopped; the replica has left \`mysql-read\`.
Read why: \`kubectl -n <dataNs> exec ${MYSQL_READ}-<n> -c mysql -- bash -c
'MYSQL_PWD="$MARIADB_ROOT_PASSWORD" mariadb -h127.0.0.1 -uroot -e "SHOW REPLICA STATUS\\G"'\`.
- \`Last_IO_Error\` with \`Could not find GTID state requested by slave in any
  binlog files\` (error 1236): the replica was away longer than the primary keeps
  binary logs (${keepDays} days) and can never catch up. Re-clone it (below).
- \`Last_SQL_Error\`: a replicated statement failed (someone wrote to the replica
  as root, or the data differ). Do not skip transactions; re-clone it. (Replicas
  skip error 1396 only — a user created, dropped or renamed while they cloned is
  already as it should end up.)
- \`Access denied\` for \`replicator\`: the \`replication-password\` of
  \`mysql-credentials\` was changed without \`ALTER USER replicator\` on the primary.

Re-clone a replica (its claim is deleted; the primary and the other replicas are
untouched): \`kubectl -n <dataNs> delete pvc data-${MYSQL_READ}-<n> --wait=false\`,
then \`kubectl -n <dataNs> delete pod ${MYSQL_READ}-<n>\`. The new pod gets a new
claim, copies the primary's databases and users, and replicates from there.
`,
    MySQLReplicationLagHigh: `A replica is more than 30 s behind the primary: it left \`mysql-read\` and
reads there are stale. When every replica is out, \`mysql-read\` has no endpoint and reads through
it fail: point readers at \`mysql\` (the primary) until one is back. Check the replica's I/O and CPU (its tier), long-running
queries on it, and large transactions on the primary (\`SHOW REPLICA STATUS\`:
\`Seconds_Behind_Master\`, \`Gtid_IO_Pos\` against the primary's \`@@gtid_binlog_pos\`).
`,
  },
  procedures: [
    {
      heading: 'MySQL: promote a replica',
      body: `Only when the primary's claim is lost. With writes stopped (scale the client
services to 0), on the replica with the highest \`@@gtid_slave_pos\`:
\`STOP REPLICA; RESET REPLICA ALL; SET GLOBAL read_only = OFF;\`. Its data then
has to become the primary's claim: the platform renders one primary StatefulSet
(\`${MYSQL_PRIMARY}\`), so copy the replica's data directory into a new
\`data-${MYSQL_PRIMARY}-0\` claim (or bind its volume to that claim name), start
the primary, and re-clone every other replica. This is manual on purpose: an
automatic promotion without fencing loses writes in a network partition.
`,
    },
    {
      heading: 'MySQL (MariaDB) upgrade',
      body: `A patch release (10.11.x → 10.11.y) is a version change in the spec: the
pods restart one at a time on the same data. A new release series changes the
on-disk format: the synth refuses it unless the spec says the data was upgraded
(\`upgradedFrom\`). Take a dump first (\`mariadb-dump --all-databases
--single-transaction\` from the primary), change the version, then run
\`mariadb-upgrade\` on the primary once it is up and on each replica. The
servers refuse tables other than InnoDB (\`enforce_storage_engine\`), and
mariadb-upgrade makes system tables in Aria: run it after
\`SET GLOBAL enforce_storage_engine = NULL\`, then set it back to \`'InnoDB'\`.
`,
    },
  ],
  backups: 'MySQL: no backups yet. Its data survives the loss of a claim only on its replicas (an environment with one MySQL pod has none); see "MySQL: promote a replica".',
};
