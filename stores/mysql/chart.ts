import { MYSQL_MAX_CONNECTIONS, MYSQL_PORT, MYSQL_PROVISION } from './catalogue';
import { dependentClients, storeJobClient, type StoreClient } from '../../blocks/store-clients';
import type { Construct } from 'constructs';
import { contentHash } from '../../blocks/hash';
import { ANNOTATION, LABEL, type Identity } from '../../blocks/meta';
import { DATA_VOLUME, execProbe, exporterContainer, memoryShare, podEnv, scratch, secretEnv, serviceDns, storeIdentity } from '../../blocks/stateful';
import type { EnvironmentModel, StoreModel } from '../../platform/model';
import { StatefulStore, type StatefulStoreMember } from '../../blocks/stateful-store';
import { STORE_METRICS } from '../../catalogue/stores';
import { toMi } from '../../blocks/quota';
import { PlatformChart } from '../../charts/platform-chart';

/** The official MariaDB image (Ubuntu, user `mysql` = UID/GID 999); the tag is the spec's version. */
export const mysqlImage = (version: string) => `docker.io/library/mariadb:${version}`;
export const MYSQL_EXPORTER_IMAGE = 'docker.io/prom/mysqld-exporter:v0.16.0';
export const MYSQL_UID = 999;
/** From STORE_METRICS, the one place every metrics port is defined. */
export const MYSQL_EXPORTER_PORT = STORE_METRICS.mysql.port;

/** Secrets (in the data namespace) the MySQL pods read; see README.md "Data stores". */
export const MYSQL_SECRETS = {
  /** `root-password` (root, also the exporter over localhost and the provisioning Job) and `replication-password` (user `replicator`). */
  admin: 'mysql-credentials',
  /** `username` / `password` of the application user that owns the services' databases (same values as the services' copy). */
  app: 'mysql-app-credentials',
} as const;

/** Workload names (they are also the pods' `app.kubernetes.io/instance`). */
export const MYSQL_PRIMARY = 'mysql-primary';
export const MYSQL_READ = 'mysql-read';
/** The ConfigMap of the server configuration and scripts. */
export const MYSQL_SCRIPTS = 'mysql-scripts';

/** Where the claim is mounted; the data directory is a directory below it (a fresh volume may hold lost+found). */
const MOUNT = '/var/lib/mysql';
export const MYSQL_DATADIR = `${MOUNT}/data`;
const RUN_DIR = '/run/mysqld';
const CONFIG_DIR = '/etc/mysql/platform';

/** A replica further behind than this (seconds) is not Ready: it leaves `mysql-read`. */
export const REPLICA_MAX_LAG_SECONDS = 30;
/** How long the primary keeps binary logs: a replica away longer cannot catch up and must be re-cloned (runbook). */
export const BINLOG_KEEP_SECONDS = 3 * 24 * 3600;

/**
 * Startup probe checks (10 s apart) before liveness applies: 30 min, plus a
 * minute per GiB of the claim — a replica's first start copies the primary's
 * databases (a logical copy: roughly a GiB a minute here), and a copy cut
 * short by the kubelet would begin again from scratch, for ever.
 */
export const startupChecks = (store: Pick<StoreModel, 'storage'>) => 180 + 6 * Math.ceil(toMi(store.storage) / 1024);

/** Read replicas: every replica of the spec beyond the primary (prod 3 → primary + 2). */
export const readReplicas = (store: Pick<StoreModel, 'replicas'>) => Math.max(0, store.replicas - 1);

/** The databases the application user owns: one per client service (`order-service` → `order_service`). */
export const databasesOf = (store: Pick<StoreModel, 'clients'>) => store.clients.map((c) => c.replace(/-/g, '_'));

/**
 * The server configuration both roles read (`--defaults-file`, so nothing of
 * the image's /etc/mysql applies). GTID replication: every member writes a
 * binary log (a replica too, `log_slave_updates`, so it can be promoted),
 * row-based, strict GTID order, durable at commit.
 */
export function mysqlConfig(store: StoreModel): string {
  const limitMi = store.resources.milli.limitMemMi;
  return `[mariadbd]
datadir = ${MYSQL_DATADIR}
socket = ${RUN_DIR}/mysqld.sock
pid-file = ${RUN_DIR}/mysqld.pid
tmpdir = /tmp
port = ${MYSQL_PORT}
bind-address = 0.0.0.0
skip-name-resolve
host-cache-size = 0
character-set-server = utf8mb4
max_connections = ${MYSQL_MAX_CONNECTIONS}
innodb_buffer_pool_size = ${memoryShare(limitMi, 0.4)}M
innodb_flush_log_at_trx_commit = 1
log_bin = mysql-bin
relay_log = relay-bin
binlog_format = ROW
sync_binlog = 1
log_slave_updates = ON
gtid_strict_mode = ON
binlog_expire_logs_seconds = ${BINLOG_KEEP_SECONDS}
slave_net_timeout = 30
log_warnings = 2
`;
}

/** bash: `sql_quote VALUE` prints VALUE as a SQL string literal (backslash and quote escaped). */
const SQL_QUOTE = `sql_quote() { local s="\${1//\\\\/\\\\\\\\}"; s="\${s//\\'/\\\\\\'}"; printf "'%s'" "$s"; }`;

/** bash helpers every script shares: the server's arguments for this pod, a SQL string literal, the local client. */
const COMMON = `DATADIR=${MYSQL_DATADIR}
CNF=${CONFIG_DIR}/my.cnf
ordinal="\${POD_NAME##*-}"
# server_id: 1 for the primary, 100 + ordinal for a replica (unique in the replication group).
if [ "$ROLE" = primary ]; then server_id=1; else server_id=$((100 + ordinal)); fi
server_args=(--defaults-file="$CNF" --server-id="$server_id")
# A replica skips error 1396 (a CREATE/DROP/RENAME USER that finds the user as it should end up): the user
# changes made while it cloned are in both the users it copied and the binary log it replays from.
[ "$ROLE" = primary ] || server_args+=(--read-only=ON --slave-skip-errors=1396)
# A SQL string literal of $1 (backslash and quote escaped).
${SQL_QUOTE}
`;

/**
 * Both roles' container command. On an empty claim it prepares a data
 * directory beside the final one and renames it into place only when
 * complete, so a start interrupted at any step begins again from scratch:
 * - primary: mariadb-install-db, then on a socket-only server without binary
 *   log (these users are not replicated: replicas copy the user table when
 *   they clone) the install's password-less root accounts dropped, `root`
 *   (localhost and `%`) and `replicator` created from the Secret;
 * - replica: mariadb-install-db, then on a socket-only server without binary
 *   log the primary's databases (a consistent snapshot: `--single-transaction`,
 *   with its GTID position) and then its users are loaded, and replication
 *   is pointed at the `mysql` Service (whoever is primary) from that position.
 * An existing data directory is used as is: a replica resumes replication
 * from where it stopped.
 */
export const START_SCRIPT = `#!/bin/bash
set -euo pipefail
${COMMON}
tmp_server() { # start a socket-only server on DIR, no binary log, no replication threads
  mariadbd "\${server_args[@]}" --datadir="$1" --skip-networking --skip-log-bin --skip-slave-start \\
    --socket=${RUN_DIR}/init.sock --pid-file=${RUN_DIR}/init.pid &
  for i in $(seq 1 120); do
    mariadb-admin --no-defaults --socket=${RUN_DIR}/init.sock -uroot ping >/dev/null 2>&1 && return 0
    kill -0 $! 2>/dev/null || { echo "the initialising server exited" >&2; return 1; }
    sleep 1
  done
  echo "the initialising server did not start" >&2; return 1
}
tmp_sql() { mariadb --no-defaults --socket=${RUN_DIR}/init.sock -uroot "$@"; }
tmp_stop() { tmp_sql -e 'SHUTDOWN'; while [ -e ${RUN_DIR}/init.pid ]; do sleep 1; done; }

if [ ! -d "$DATADIR/mysql" ]; then
  work="$DATADIR.init"
  rm -rf "$work"
  mkdir -p "$work"
  echo "initialising $work ($ROLE)"
  mariadb-install-db --defaults-file="$CNF" --datadir="$work" --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve >/dev/null
  unset MYSQL_PWD
  tmp_server "$work"
  # The install's root accounts have no password: only root@localhost stays until the users are set.
  tmp_sql -e "DELETE FROM mysql.global_priv WHERE NOT (User = 'root' AND Host = 'localhost') AND User <> 'mariadb.sys';
    DELETE FROM mysql.proxies_priv WHERE NOT (User = 'root' AND Host = 'localhost'); FLUSH PRIVILEGES;"
  root_pw="$(sql_quote "$MARIADB_ROOT_PASSWORD")"
  if [ "$ROLE" = primary ]; then
    tmp_sql <<EOSQL
ALTER USER root@localhost IDENTIFIED BY $root_pw;
CREATE USER root@'%' IDENTIFIED BY $root_pw;
GRANT ALL PRIVILEGES ON *.* TO root@'%' WITH GRANT OPTION;
CREATE USER replicator@'%' IDENTIFIED BY $(sql_quote "$MARIADB_REPLICATION_PASSWORD");
GRANT REPLICATION SLAVE ON *.* TO replicator@'%';
EOSQL
  else
    until MYSQL_PWD="$MARIADB_ROOT_PASSWORD" mariadb-admin --no-defaults -h "$PRIMARY_HOST" -uroot --connect-timeout=3 ping >/dev/null 2>&1; do
      echo "waiting for the primary $PRIMARY_HOST"; sleep 2
    done
    # The databases, with the GTID position of the snapshot (SET GLOBAL gtid_slave_pos), then the primary's users
    # but root@localhost, this session's own (replacing it would drop the session's privileges mid-import; it gets
    # the Secret's password as on the primary). A user created, dropped or renamed in between is in both the users
    # copied and the log replayed from the snapshot: replicas skip that error (1396, server_args).
    echo "cloning the primary $PRIMARY_HOST"
    MYSQL_PWD="$MARIADB_ROOT_PASSWORD" mariadb-dump --no-defaults -h "$PRIMARY_HOST" -uroot --default-character-set=utf8mb4 \\
      --all-databases --ignore-database=mysql --ignore-database=sys --single-transaction --gtid --master-data=1 \\
      --routines --events --triggers --skip-comments | tmp_sql
    # utf8mb3 here: 10.11's mariadb-dump --system=users fails on utf8mb4 connections (illegal mix of collations).
    MYSQL_PWD="$MARIADB_ROOT_PASSWORD" mariadb-dump --no-defaults -h "$PRIMARY_HOST" -uroot --default-character-set=utf8mb3 \\
      --system=users --no-data --no-create-info --no-create-db --skip-comments --databases mysql \\
      | grep -v -e '\`root\`@\`localhost\`' -e "'root'@'localhost'" | sed 's/^CREATE USER /CREATE OR REPLACE USER /' | tmp_sql
    tmp_sql <<EOSQL
ALTER USER root@localhost IDENTIFIED BY $root_pw;
EOSQL
    export MYSQL_PWD="$MARIADB_ROOT_PASSWORD"
    tmp_sql <<EOSQL
CHANGE MASTER TO MASTER_HOST=$(sql_quote "$PRIMARY_HOST"), MASTER_PORT=${MYSQL_PORT}, MASTER_USER='replicator',
  MASTER_PASSWORD=$(sql_quote "$MARIADB_REPLICATION_PASSWORD"), MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=5;
EOSQL
    echo "cloned at GTID $(tmp_sql -NBe 'SELECT @@gtid_slave_pos')"
  fi
  export MYSQL_PWD="$MARIADB_ROOT_PASSWORD"
  tmp_stop
  mv "$work" "$DATADIR"
  echo "initialised"
else
  echo "MySQL data directory appears to contain a database; skipping initialisation"
fi
unset MYSQL_PWD
# Only InnoDB tables: a clone's snapshot (--single-transaction) is consistent for InnoDB alone, and a
# MyISAM or Aria table copied after it would break the replica. (Not for the initialising servers above:
# mariadb-install-db makes the system tables in Aria.)
exec mariadbd "\${server_args[@]}" --enforce-storage-engine=InnoDB
`;

const LOCAL = `mariadb --no-defaults -h 127.0.0.1 -P ${MYSQL_PORT} -uroot`;

/** Liveness and the primary's readiness: the server answers a query as root over TCP. */
const SERVER_UP = `MYSQL_PWD="$MARIADB_ROOT_PASSWORD" ${LOCAL} --connect-timeout=3 -NBe 'SELECT 1' >/dev/null`;

/**
 * Readiness of a read replica: it answers, and either both replication
 * threads run with the SQL thread within REPLICA_MAX_LAG_SECONDS, or it is
 * not broken and does not replicate because the primary itself is down (then
 * it keeps serving reads, as a read replica should while the primary
 * restarts). A broken replica — the binary log it needs is gone, or a
 * statement failed — stays up (liveness) but leaves `mysql-read`, primary up
 * or not, instead of serving arbitrarily stale data (runbook: re-clone it).
 * When every replica is out, `mysql-read` has no endpoint (reads fail; the
 * runbook says to read from `mysql`).
 */
export const REPLICA_READY = `export MYSQL_PWD="$MARIADB_ROOT_PASSWORD"
status="$(${LOCAL} --connect-timeout=2 -e 'SHOW REPLICA STATUS\\G')" || exit 1
field() { sed -n "s/^ *$1: //p" <<<"$status"; }
io="$(field Slave_IO_Running)"; sql="$(field Slave_SQL_Running)"; lag="$(field Seconds_Behind_Master)"
[ "$io" = Yes ] && [ "$sql" = Yes ] && [ -n "$lag" ] && [ "$lag" != NULL ] && [ "$lag" -le ${REPLICA_MAX_LAG_SECONDS} ] && exit 0
# Only a replica that is not broken keeps serving while the primary is away: its SQL thread runs, and its
# I/O thread has not been refused the binary log it needs (1236).
[ "$sql" = Yes ] && [ "$(field Last_SQL_Errno)" = 0 ] && [ "$(field Last_IO_Errno)" != 1236 ] || exit 1
! mariadb-admin --no-defaults -h "$PRIMARY_HOST" -uroot --connect-timeout=2 ping >/dev/null 2>&1`;

/**
 * Idempotent: the application user (created if missing, its password set
 * from the Secret every run) and one database per client service (created if
 * missing, never altered or dropped), with all privileges on it. The
 * `mysql-provision` Sync hook Job runs it on every sync against the `mysql`
 * Service as root. Every statement is IF NOT EXISTS or converges, so its
 * replicated copy is harmless on a replica that cloned after it ran.
 */
export const PROVISION_SCRIPT = `#!/bin/bash
set -euo pipefail
${SQL_QUOTE}
client() { mariadb --no-defaults -h "$MYSQL_HOST" -P "$MYSQL_PORT" -uroot --connect-timeout=10 "$@"; }
user="$(sql_quote "$APP_USER")@'%'"
# The password's hash, from a SELECT (never binary-logged): the logged statements below carry the hash, not
# the password, into the binary log and every replica's relay log.
hash="$(client -NB <<<"SELECT PASSWORD($(sql_quote "$APP_PASSWORD"))")"
{
  echo "CREATE USER IF NOT EXISTS $user IDENTIFIED BY PASSWORD '$hash';"
  echo "ALTER USER $user IDENTIFIED BY PASSWORD '$hash';"
  for db in $APP_DATABASES; do
    echo "CREATE DATABASE IF NOT EXISTS \\\`$db\\\` CHARACTER SET utf8mb4;"
    echo "GRANT ALL PRIVILEGES ON \\\`$db\\\`.* TO $user;"
  done
} | client
echo "provisioned $APP_USER: $APP_DATABASES"
`;

/** What PROVISION_SCRIPT reads: the application user from its Secret and the databases of the client services. */
export function provisionEnv(store: Pick<StoreModel, 'clients'>) {
  return [
    secretEnv('APP_USER', MYSQL_SECRETS.app, 'username'),
    secretEnv('APP_PASSWORD', MYSQL_SECRETS.app, 'password'),
    { name: 'APP_DATABASES', value: databasesOf(store).join(' ') },
  ];
}

export interface MySqlProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The `mysql` store of this environment. */
  readonly store: StoreModel;
}

/**
 * MySQL (MariaDB) with GTID replication: a primary StatefulSet (1 pod) and a
 * read-replica StatefulSet (spec replicas − 1), Services `mysql` (read-write
 * → primary) and `mysql-read` (read-only → replicas, or the primary while
 * there are none), headless governing Services, disruption budgets, the
 * mysqld_exporter sidecar behind `mysql-metrics`, and the NetworkPolicy that
 * admits the services depending on mysql, the provisioning Job and the
 * replicas (cloning from and replicating the primary).
 */
export class MySqlChart extends PlatformChart {
  /** The primary and its replicas: ServiceAccount, configuration and scripts, Services, two StatefulSets, disruption budgets, NetworkPolicy. */
  readonly store: StatefulStore;

  constructor(scope: Construct, id: string, props: MySqlProps) {
    const { env, store } = props;
    super(scope, id, { file: `${env.name}/data/mysql.yaml` });
    const ns = store.namespace;
    const primaryId = storeIdentity(env, store, MYSQL_PRIMARY, 'primary');
    const readId = storeIdentity(env, store, MYSQL_READ, 'read-replica');
    const replicas = readReplicas(store);
    const files: Record<string, string> = { 'my.cnf': mysqlConfig(store), 'start.sh': START_SCRIPT };
    const clientPort = [{ name: 'tcp-mysql', port: MYSQL_PORT }];

    const member = (identity: Identity, role: 'primary' | 'replica'): Pick<StatefulStoreMember, 'pod' | 'spreadWith'> => {
      const run = scratch('run', RUN_DIR);
      const tmp = scratch('tmp', '/tmp', { sizeLimit: '1Gi' });
      const pod: StatefulStoreMember['pod'] = {
        uid: MYSQL_UID,
        terminationGracePeriodSeconds: 120,
        containers: [
          {
            name: 'mysql',
            image: mysqlImage(store.version),
            command: ['bash', `${CONFIG_DIR}/start.sh`],
            ports: [{ name: 'tcp-mysql', containerPort: MYSQL_PORT, protocol: 'TCP' }],
            env: [
              ...podEnv(),
              { name: 'ROLE', value: role },
              secretEnv('MARIADB_ROOT_PASSWORD', MYSQL_SECRETS.admin, 'root-password'),
              secretEnv('MARIADB_REPLICATION_PASSWORD', MYSQL_SECRETS.admin, 'replication-password'),
              ...(role === 'replica' ? [{ name: 'PRIMARY_HOST', value: serviceDns('mysql', ns) }] : []),
            ],
            resources: store.resources,
            // Initialisation, crash recovery or a replica's clone may take long: up to 30 min before liveness applies.
            startupProbe: execProbe(SERVER_UP, { periodSeconds: 10, failureThreshold: startupChecks(store) }),
            readinessProbe: execProbe(role === 'primary' ? SERVER_UP : REPLICA_READY, { periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 8 }),
            livenessProbe: execProbe(SERVER_UP, { periodSeconds: 10, failureThreshold: 6 }),
            volumeMounts: [{ name: DATA_VOLUME, mountPath: MOUNT }, run.mount, tmp.mount, { name: 'config', mountPath: CONFIG_DIR }],
          },
          exporterContainer({
            name: 'metrics',
            image: MYSQL_EXPORTER_IMAGE,
            port: MYSQL_EXPORTER_PORT,
            // Replication status is collected by default (nothing on the primary).
            args: [`--web.listen-address=:${MYSQL_EXPORTER_PORT}`, `--mysqld.address=127.0.0.1:${MYSQL_PORT}`, '--mysqld.username=root'],
            env: [secretEnv('MYSQLD_EXPORTER_PASSWORD', MYSQL_SECRETS.admin, 'root-password')],
          }),
        ],
        volumes: [run.volume, tmp.volume, { name: 'config', configMap: { name: MYSQL_SCRIPTS, defaultMode: 0o444 } }],
      };
      // The primary and every replica keep apart (hosts, zones): losing one node must not take the primary and a replica.
      return { pod, spreadWith: { labels: { [LABEL.name]: identity.name }, pods: store.replicas } };
    };

    const checksum = { [ANNOTATION.configChecksum]: contentHash(files) };
    this.store = new StatefulStore(this, 'store', {
      env,
      store,
      id: primaryId,
      config: { name: MYSQL_SCRIPTS, data: files },
      services: [
        { name: 'mysql', ports: clientPort },
        // The replicas; the primary while there are none.
        { name: 'mysql-read', ports: clientPort, id: replicas > 0 ? readId : primaryId },
      ],
      members: [
        {
          name: MYSQL_PRIMARY,
          id: primaryId,
          headless: { name: `${MYSQL_PRIMARY}-headless`, ports: clientPort },
          replicas: 1,
          podManagementPolicy: 'OrderedReady',
          podAnnotations: checksum,
          ...member(primaryId, 'primary'),
        },
        {
          // The replica StatefulSet exists even at 0 replicas, so scaling is a replica-count change only.
          name: MYSQL_READ,
          id: readId,
          headless: { name: `${MYSQL_READ}-headless`, ports: clientPort },
          replicas,
          podManagementPolicy: 'OrderedReady',
          podAnnotations: checksum,
          ...member(readId, 'replica'),
          disruptionBudget: replicas > 0,
        },
      ],
      network: { clientPorts: [MYSQL_PORT], peerPorts: [MYSQL_PORT], clients: mysqlClients(env, store) },
    });
  }
}

/** Who connects to MySQL: its client services, and the provisioning Job (whose own policy narrows it to the primary). */
export function mysqlClients(env: EnvironmentModel, store: StoreModel): StoreClient[] {
  return [...dependentClients(env, store), storeJobClient(store, MYSQL_PROVISION, [MYSQL_PORT])];
}
