import { POSTGRES_MAX_CONNECTIONS, POSTGRES_PORT, POSTGRES_PROVISION } from './catalogue';
import { dependentClients, storeJobClient, type StoreClient } from '../../blocks/store-clients';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { contentHash } from '../../blocks/hash';
import { ANNOTATION, LABEL, selector, type Identity } from '../../blocks/meta';
import { WAVE } from '../../blocks/waves';
import { toMi } from '../../blocks/quota';
import {
  DATA_VOLUME,
  execProbe,
  exporterContainer,
  memoryShare,
  metaFor,
  podEnv,
  scratch,
  secretEnv,
  serviceDns,
  storeIdentity,
} from '../../blocks/stateful';
import type { EnvironmentModel, StoreModel } from '../../platform/model';
import { StatefulStore, type StatefulStoreMember } from '../../blocks/stateful-store';
import type { WorkloadContainer } from '../../blocks/workload';
import { STORE_METRICS } from '../../catalogue/stores';
import { objectStoreEgress } from '../../blocks/backup';
import { BACKUP_SIDECAR_RESOURCES, BACKUP_SIDECAR_SCRIPT, PGBACKREST_IMAGE, pgbackrestEnv, RESTORE_SCRIPT, WAL_HANDOFF_SCRIPT, WAL_QUEUE_DIR } from './pgbackrest';
import { PlatformChart } from '../../charts/platform-chart';

/** Official PostgreSQL image (Debian bookworm, user `postgres` = UID/GID 999); the tag is the spec's version. */
export const postgresImage = (version: string) => `docker.io/library/postgres:${version}-bookworm`;
export const POSTGRES_EXPORTER_IMAGE = 'quay.io/prometheuscommunity/postgres-exporter:v0.17.1';
export const POSTGRES_UID = 999;
/** From STORE_METRICS, the one place every metrics port is defined. */
export const POSTGRES_EXPORTER_PORT = STORE_METRICS.postgres.port;

/** Secrets (in the data namespace) the PostgreSQL pods read; see README.md "Data stores". */
export const POSTGRES_SECRETS = {
  /** `postgres-password` (superuser, also used by the exporter over localhost) and `replication-password` (role `replicator`). */
  admin: 'postgres-credentials',
  /** `username` / `password` of the application role that owns the services' databases (same values as the services' copy). */
  app: 'postgres-app-credentials',
} as const;

/** Workload names (they are also the pods' `app.kubernetes.io/instance`). */
export const POSTGRES_PRIMARY = 'postgres-primary';
export const POSTGRES_READ = 'postgres-read';
/** The ConfigMap of the PostgreSQL scripts (initdb, replica, the backup scripts). */
export const POSTGRES_SCRIPTS = 'postgres-scripts';

export interface PostgresProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The `postgres` store of this environment. */
  readonly store: StoreModel;
}

/** Read replicas: every replica of the spec beyond the primary (prod 3 → primary + 2). */
export const readReplicas = (store: Pick<StoreModel, 'replicas'>) => Math.max(0, store.replicas - 1);

/** The databases the application role owns: one per client service (`api` → `api`, `order-service` → `order_service`). */
export const databasesOf = (store: Pick<StoreModel, 'clients'>) => store.clients.map((c) => c.replace(/-/g, '_'));

/** Server settings shared by primary and replicas (a hot standby needs max_connections etc. ≥ the primary's). */
export function postgresSettings(store: StoreModel): Record<string, string> {
  const limitMi = store.resources.milli.limitMemMi;
  return {
    listen_addresses: '*',
    max_connections: String(POSTGRES_MAX_CONNECTIONS),
    shared_buffers: `${memoryShare(limitMi, 0.25)}MB`,
    effective_cache_size: `${memoryShare(limitMi, 0.5)}MB`,
    wal_level: 'replica',
    max_wal_senders: '10',
    max_replication_slots: '10',
    // WAL kept for replicas that fall behind or re-sync: 5 % of the volume, between 256 MB and 4 GB.
    wal_keep_size: `${Math.min(4096, Math.max(256, Math.floor(toMi(store.storage) * 0.05)))}MB`,
    hot_standby: 'on',
    hot_standby_feedback: 'on',
    password_encryption: 'scram-sha-256',
    unix_socket_directories: '/var/run/postgresql',
    log_destination: 'stderr',
    log_min_duration_statement: '1000',
  };
}

/**
 * The primary's WAL archiving when the environment has backups: every
 * segment goes to the backup repository through the pgBackRest container
 * (WAL_HANDOFF_SCRIPT), at least once a minute while there are writes — the
 * most a point-in-time restore can lose.
 */
export const ARCHIVE_TIMEOUT_SECONDS = 60;
export function archiveSettings(store: Pick<StoreModel, 'backup'>): Record<string, string> {
  if (!store.backup) return {};
  return { archive_mode: 'on', archive_command: '/scripts/pgbackrest-wal.sh push %p', archive_timeout: `${ARCHIVE_TIMEOUT_SECONDS}s` };
}

/** The backup containers' view of the primary (same paths as the PostgreSQL container). */
const PGDATA = '/var/lib/postgresql/data/pgdata';
const SOCKET_DIR = '/var/run/postgresql';
export const pgbackrestPg = { dataDir: PGDATA, socketDir: SOCKET_DIR, port: POSTGRES_PORT } as const;

/** pgBackRest's environment for `store` (which must have backups), credentials from the environment's backup Secret. */
export function pgbackrestEnvOf(store: StoreModel): k8s.EnvVar[] {
  const b = store.backup!;
  return pgbackrestEnv(b, pgbackrestPg);
}

const settingsArgs = (s: Record<string, string>) => Object.entries(s).flatMap(([k, v]) => ['-c', `${k}=${v}`]);

/**
 * First start of the primary (docker-entrypoint-initdb.d): the replication
 * role and its pg_hba line. The application role and databases are not made
 * here: the `postgres-provision` Job converges them on every sync, so the
 * primary's pod template does not depend on which services use it (adding a
 * service must not restart the only primary).
 */
const INITDB_SCRIPT = `#!/bin/bash
# Runs once, when the official entrypoint initialises an empty PGDATA.
set -euo pipefail
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
psql -v ON_ERROR_STOP=1 -v pw="$POSTGRES_REPLICATION_PASSWORD" --username "$POSTGRES_USER" --dbname postgres <<'EOSQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'pw';
EOSQL
`;

/** A replica further behind than this (bytes of WAL not yet replayed) is not Ready: it leaves `postgres-read`. */
export const REPLICA_MAX_REPLAY_LAG_BYTES = 16 * 1024 * 1024;

/**
 * Readiness of a read replica: it accepts connections, and either streams
 * from the primary with its replay within REPLICA_MAX_REPLAY_LAG_BYTES of
 * what the primary reported, or is not streaming because the primary itself
 * is down (then it keeps serving reads, as a read replica should while the
 * primary restarts). A replica that does not stream from a primary that is up
 * — it fell behind `wal_keep_size` and can never catch up — stays up
 * (liveness is pg_isready) but leaves `postgres-read` instead of serving
 * arbitrarily stale data (runbook: re-clone it).
 */
export const REPLICA_READY = `pg_isready -q -h 127.0.0.1 -p ${POSTGRES_PORT} -U postgres -d postgres || exit 1
[ "$(psql -h 127.0.0.1 -p ${POSTGRES_PORT} -U postgres -d postgres -XtAc \\
  "SELECT status = 'streaming' AND pg_wal_lsn_diff(latest_end_lsn, pg_last_wal_replay_lsn()) < ${REPLICA_MAX_REPLAY_LAG_BYTES} FROM pg_stat_wal_receiver")" = t ] && exit 0
! pg_isready -q -h "$PRIMARY_HOST" -p ${POSTGRES_PORT} -t 3`;

/**
 * Idempotent: the application role (created if missing, its password set from
 * the Secret every run) and one database per client service (created if
 * missing, never altered or dropped). The \`postgres-provision\` Sync hook
 * Job (stores/postgres/provision.ts) runs it on every sync over the \`postgres\` Service
 * (libpq \`PGHOST\`/\`PGPASSWORD\`). Needs \`provisionEnv()\`.
 */
export const PROVISION_SCRIPT = `#!/bin/bash
set -euo pipefail
psql -v ON_ERROR_STOP=1 -v app_user="$APP_USER" -v app_pw="$APP_PASSWORD" \\
  --username "\${POSTGRES_USER:-postgres}" --dbname postgres <<'EOSQL'
SELECT format('CREATE ROLE %I LOGIN', :'app_user')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_user') \\gexec
ALTER ROLE :"app_user" WITH LOGIN PASSWORD :'app_pw';
EOSQL
for db in $APP_DATABASES; do
  psql -v ON_ERROR_STOP=1 -v db="$db" -v app_user="$APP_USER" --username "\${POSTGRES_USER:-postgres}" --dbname postgres <<'EOSQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'app_user')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \\gexec
EOSQL
done
`;

/** What PROVISION_SCRIPT reads: the application role from its Secret and the databases of the client services. */
export function provisionEnv(store: Pick<StoreModel, 'clients'>): k8s.EnvVar[] {
  return [
    secretEnv('APP_USER', POSTGRES_SECRETS.app, 'username'),
    secretEnv('APP_PASSWORD', POSTGRES_SECRETS.app, 'password'),
    { name: 'APP_DATABASES', value: databasesOf(store).join(' ') },
  ];
}

/**
 * Read replica: on an empty volume clone the primary with pg_basebackup
 * (through the \`postgres\` Service, i.e. whoever is primary), mark it a standby,
 * then stream from the same Service. An existing PGDATA is reused as is.
 */
const REPLICA_SCRIPT = `#!/bin/bash
set -euo pipefail
export PGPASSWORD="$POSTGRES_REPLICATION_PASSWORD"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -q -h "$PRIMARY_HOST" -p ${POSTGRES_PORT} -U replicator; do
    echo "waiting for primary $PRIMARY_HOST"; sleep 2
  done
  rm -rf "$PGDATA.clone"
  pg_basebackup -h "$PRIMARY_HOST" -p ${POSTGRES_PORT} -U replicator -D "$PGDATA.clone" -X stream -c fast --no-password
  touch "$PGDATA.clone/standby.signal"
  rm -rf "$PGDATA"
  mv "$PGDATA.clone" "$PGDATA"
fi
chmod 0700 "$PGDATA"
# restore_command: none (a clone of a restored primary copies the restore's; replicas have no pgBackRest container).
exec postgres "$@" -c "primary_conninfo=host=$PRIMARY_HOST port=${POSTGRES_PORT} user=replicator application_name=$POD_NAME" -c restore_command=
`;

/**
 * PostgreSQL with streaming replication: a primary StatefulSet (1 pod) and a
 * read-replica StatefulSet (spec replicas − 1), Services `postgres`
 * (read-write → primary) and `postgres-read` (read-only → replicas, or the
 * primary while there are none), headless governing Services, disruption
 * budgets, the postgres-exporter sidecar behind `postgres-metrics`, and the
 * NetworkPolicy that admits the services depending on postgres and the
 * provisioning Job.
 */
export class PostgresChart extends PlatformChart {
  /** The primary and its replicas: ServiceAccount, scripts, Services, two StatefulSets, disruption budgets, NetworkPolicy. */
  readonly store: StatefulStore;

  constructor(scope: Construct, id: string, props: PostgresProps) {
    const { env, store } = props;
    super(scope, id, { file: `${env.name}/data/postgres.yaml` });
    const ns = store.namespace;
    const primaryId = storeIdentity(env, store, POSTGRES_PRIMARY, 'primary');
    const readId = storeIdentity(env, store, POSTGRES_READ, 'read-replica');
    const replicas = readReplicas(store);
    const m = metaFor(primaryId, ns);

    const backup = store.backup;
    const scripts: Record<string, string> = {
      'initdb.sh': INITDB_SCRIPT,
      'replica.sh': REPLICA_SCRIPT,
      ...(backup ? { 'pgbackrest-wal.sh': WAL_HANDOFF_SCRIPT, 'backup.sh': BACKUP_SIDECAR_SCRIPT, 'restore.sh': RESTORE_SCRIPT } : {}),
    };
    const clientPort = [{ name: 'tcp-postgresql', port: POSTGRES_PORT }];

    const settings = postgresSettings(store);
    const primarySettings = { ...settings, ...archiveSettings(store) };
    const pgdata = PGDATA;
    const common = (identity: Identity, role: 'primary' | 'replica'): Pick<StatefulStoreMember, 'pod' | 'spreadWith'> => {
      const run = scratch('run', '/var/run/postgresql');
      const tmp = scratch('tmp', '/tmp', { sizeLimit: '256Mi' });
      // Dynamic shared memory (parallel queries, hash joins): a quarter of the memory limit it counts against.
      const shm = scratch('dshm', '/dev/shm', { memory: true, sizeLimit: `${memoryShare(store.resources.milli.limitMemMi, 0.25)}Mi` });
      const scriptVol = { name: 'scripts', configMap: { name: POSTGRES_SCRIPTS, defaultMode: 0o555 } };
      // The primary's backups: WAL requests between the PostgreSQL and the pgBackRest container, the restore before PostgreSQL starts.
      const backs = role === 'primary' && backup ? backupContainers(store, { run, tmp }) : undefined;
      const pgReady = `exec pg_isready -q -h 127.0.0.1 -p ${POSTGRES_PORT} -U postgres -d postgres`;
      const pod: StatefulStoreMember['pod'] = {
        uid: POSTGRES_UID,
        terminationGracePeriodSeconds: 120,
        ...(backs ? { initContainers: [backs.restore] } : {}),
        containers: [
          {
            name: 'postgresql',
            image: postgresImage(store.version),
            ...(role === 'primary'
              ? { args: ['postgres', ...settingsArgs(primarySettings)] }
              : { command: ['bash', '/scripts/replica.sh'], args: settingsArgs(settings) }),
            ports: [{ name: 'tcp-postgresql', containerPort: POSTGRES_PORT, protocol: 'TCP' }],
            env: [
              ...podEnv(),
              { name: 'PGDATA', value: pgdata },
              { name: 'POSTGRES_USER', value: 'postgres' },
              secretEnv('POSTGRES_PASSWORD', POSTGRES_SECRETS.admin, 'postgres-password'),
              secretEnv('POSTGRES_REPLICATION_PASSWORD', POSTGRES_SECRETS.admin, 'replication-password'),
              ...(role === 'primary' ? [{ name: 'POSTGRES_INITDB_ARGS', value: '--data-checksums' }] : [{ name: 'PRIMARY_HOST', value: serviceDns('postgres', ns) }]),
            ],
            resources: store.resources,
            // initdb, crash recovery or a base backup may take long: up to 30 min before liveness applies.
            startupProbe: execProbe(pgReady, { periodSeconds: 10, failureThreshold: 180 }),
            readinessProbe: execProbe(role === 'primary' ? pgReady : REPLICA_READY, { periodSeconds: 10, failureThreshold: 3 }),
            livenessProbe: execProbe(pgReady, { periodSeconds: 10, failureThreshold: 6 }),
            // Fast shutdown (SIGINT) so a checkpoint completes inside the grace period.
            lifecycle: { preStop: { exec: { command: ['bash', '-c', 'pg_ctl stop -D "$PGDATA" -m fast -w -t 100 || true'] } } },
            volumeMounts: [
              { name: DATA_VOLUME, mountPath: '/var/lib/postgresql/data' },
              run.mount,
              tmp.mount,
              shm.mount,
              ...(role === 'primary'
                ? [
                    { name: 'initdb', mountPath: '/docker-entrypoint-initdb.d' },
                    { name: 'scripts', mountPath: '/scripts' },
                  ]
                : [{ name: 'scripts', mountPath: '/scripts' }]),
              ...(backs ? [backs.queue.mount] : []),
            ],
          },
          ...(backs ? [backs.sidecar] : []),
          exporterContainer({
            name: 'metrics',
            image: POSTGRES_EXPORTER_IMAGE,
            port: POSTGRES_EXPORTER_PORT,
            env: [
              { name: 'DATA_SOURCE_URI', value: `127.0.0.1:${POSTGRES_PORT}/postgres?sslmode=disable` },
              { name: 'DATA_SOURCE_USER', value: 'postgres' },
              secretEnv('DATA_SOURCE_PASS', POSTGRES_SECRETS.admin, 'postgres-password'),
            ],
          }),
        ],
        volumes: [
          run.volume,
          tmp.volume,
          shm.volume,
          scriptVol,
          ...(role === 'primary' ? [{ name: 'initdb', configMap: { name: POSTGRES_SCRIPTS, defaultMode: 0o555, items: [{ key: 'initdb.sh', path: 'initdb.sh' }] } }] : []),
          ...(backs ? [backs.queue.volume] : []),
        ],
      };
      // The primary and every replica keep apart (hosts, zones): losing one node must not take the primary and a replica.
      return { pod, spreadWith: { labels: { [LABEL.name]: identity.name }, pods: store.replicas } };
    };

    const checksum = { [ANNOTATION.configChecksum]: contentHash({ scripts, settings: primarySettings }) };
    this.store = new StatefulStore(this, 'store', {
      env,
      store,
      id: primaryId,
      config: { name: POSTGRES_SCRIPTS, data: scripts },
      services: [
        { name: 'postgres', ports: clientPort },
        // The replicas; the primary while there are none.
        { name: 'postgres-read', ports: clientPort, id: replicas > 0 ? readId : primaryId },
      ],
      members: [
        {
          name: POSTGRES_PRIMARY,
          id: primaryId,
          headless: { name: `${POSTGRES_PRIMARY}-headless`, ports: clientPort },
          replicas: 1,
          podManagementPolicy: 'OrderedReady',
          // The restore init container reaches the bucket before PostgreSQL starts: only a native sidecar proxy
          // (an init container itself, started first; Kubernetes 1.29+) is up by then — a classic one would leave it
          // with redirected, unanswered connections.
          podAnnotations: backup ? { ...checksum, 'sidecar.istio.io/nativeSidecar': 'true' } : checksum,
          ...common(primaryId, 'primary'),
        },
        {
          // The replica StatefulSet exists even at 0 replicas, so scaling is a replica-count change only.
          name: POSTGRES_READ,
          id: readId,
          headless: { name: `${POSTGRES_READ}-headless`, ports: clientPort },
          replicas,
          podManagementPolicy: 'OrderedReady',
          podAnnotations: checksum,
          ...common(readId, 'replica'),
          disruptionBudget: replicas > 0,
        },
      ],
      network: { clientPorts: [POSTGRES_PORT], peerPorts: [POSTGRES_PORT], clients: postgresClients(env, store) },
    });
    if (backup) {
      // The primary's pgBackRest container reaches the bucket; NetworkPolicies add up, so this opens that and nothing else.
      new k8s.KubeNetworkPolicy(this, 'backup-network-policy', {
        metadata: m(`${POSTGRES_PRIMARY}-backup`, WAVE.foundation),
        spec: { podSelector: { matchLabels: selector(primaryId) }, policyTypes: ['Egress'], egress: [objectStoreEgress(backup)] },
      });
    }
  }
}

/**
 * The primary's backup containers (the environment has backups): the
 * `restore` init container (RESTORE_SCRIPT) and the `backup` sidecar
 * (BACKUP_SIDECAR_SCRIPT), both the pgBackRest image, both with the claim at
 * the PostgreSQL container's path, and the WAL request queue they share
 * with it.
 */
function backupContainers(store: StoreModel, vols: { run: ReturnType<typeof scratch>; tmp: ReturnType<typeof scratch> }) {
  const queue = scratch('wal-queue', WAL_QUEUE_DIR, { sizeLimit: '16Mi' });
  const env = pgbackrestEnvOf(store);
  const common = { image: PGBACKREST_IMAGE };
  const dataMount = { name: DATA_VOLUME, mountPath: '/var/lib/postgresql/data' };
  const scripts = { name: 'scripts', mountPath: '/scripts' };
  const restore: WorkloadContainer = {
    name: 'restore',
    ...common,
    command: ['bash', '/scripts/restore.sh'],
    env: [...env, ...(store.backup!.restoreTo ? [{ name: 'RESTORE_TARGET', value: store.backup!.restoreTo }] : [])],
    resources: BACKUP_SIDECAR_RESOURCES,
    volumeMounts: [dataMount, vols.tmp.mount, scripts],
  };
  const sidecar: WorkloadContainer = {
    name: 'backup',
    ...common,
    command: ['bash', '/scripts/backup.sh'],
    env: [...env, { name: 'FULL_EVERY_SECONDS', value: String(store.backup!.everyHours * 3600) }],
    resources: BACKUP_SIDECAR_RESOURCES,
    // Both probes ask one thing: does the WAL request loop go round (it touches .alive every 0.1 s, or after each
    // request)? A loop stuck for 5 min stops archiving; liveness restarts the container (the pod is not Ready
    // meanwhile, like for any container restart). The script never exits on a repository error, so a broken
    // bucket or credentials do not take the primary out of its Service: the backup alerts report them.
    readinessProbe: execProbe(`find ${WAL_QUEUE_DIR}/.alive -mmin -5 | grep -q .`, { periodSeconds: 30, failureThreshold: 3 }),
    livenessProbe: execProbe(`find ${WAL_QUEUE_DIR}/.alive -mmin -5 | grep -q .`, { periodSeconds: 30, failureThreshold: 3 }),
    volumeMounts: [dataMount, vols.run.mount, vols.tmp.mount, scripts, queue.mount],
  };
  return { restore, sidecar, queue };
}


/** Who connects to PostgreSQL: its client services, and the provisioning Job (whose own policy narrows it to the primary). */
export function postgresClients(env: EnvironmentModel, store: StoreModel): StoreClient[] {
  return [...dependentClients(env, store), storeJobClient(store, POSTGRES_PROVISION, [POSTGRES_PORT])];
}
