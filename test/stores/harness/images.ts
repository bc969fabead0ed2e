import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * THE ONE PLACE the harness imitates container images.
 *
 * No image registry or container runtime is reachable here, so each image the
 * data layer names is stood in for by the same server program installed on
 * this machine (Debian packages) or fetched from Maven Central by
 * `test/stores/setup.sh`, bound into the container's root at the path the
 * image keeps it, with the image's user, ENV, WORKDIR, ENTRYPOINT and
 * STOPSIGNAL as its Dockerfile sets them (read from the official image
 * sources; nothing of them is copied here).
 *
 * What this does NOT cover, by design:
 * - the server versions differ (see VERSIONS and README "Data stores: what is proven");
 * - the image's own files other than those listed (a script calling a tool
 *   the image lacks but this machine has would pass here);
 * - seccomp, AppArmor, CPU limits; memory limits are enforced (cgroup v1);
 * - containers in NOT_RUN (their binaries cannot be built here).
 */

export const CACHE_DIR = process.env.STORES_CACHE ?? join(homedir(), '.cache', 'platform-gen', 'stores');

/** What the harness runs in place of each image (image version → version run here). */
export const VERSIONS = {
  postgres: { image: '16.4 (postgres:16.4-bookworm)', here: 'PostgreSQL 15 (Debian bookworm postgresql-15)' },
  redis: { image: '7.4.1 (redis:7.4.1-bookworm)', here: 'Redis 7.0.15 (Debian bookworm redis-server, redis-sentinel)' },
  zookeeper: { image: '3.9.3 (zookeeper:3.9.3, Temurin 17)', here: 'ZooKeeper 3.9.3 jars from Maven Central on OpenJDK 17' },
  pgbackrest: { image: '2.54.2 (woblerr/pgbackrest:2.54.2, Ubuntu)', here: 'pgBackRest 2.45 (Debian bookworm pgbackrest)' },
  rclone: { image: '1.68.2 (rclone/rclone:1.68.2, Alpine)', here: 'rclone 1.60.1 (Debian bookworm rclone)' },
  mysql: { image: '10.11.x (mariadb:10.11.x, Ubuntu jammy or noble)', here: 'MariaDB 10.11.19 (Debian bookworm mariadb-server, mariadb-client)' },
  kafka: { image: '3.9.0 (quay.io/strimzi/kafka:0.45.0-kafka-3.9.0, UBI 9, OpenJDK 17)', here: 'Kafka 3.9.0 jars and jmx_prometheus_javaagent 1.0.1 from Maven Central on OpenJDK 17' },
  haproxy: { image: '2.8.10 (haproxy:2.8.10-bookworm)', here: 'HAProxy 2.6.12 (Debian bookworm haproxy)' },
  mongodb: { image: '7.0.x (mongo:7.0.x, Ubuntu jammy)', here: 'no MongoDB: mongod and mongosh are stubs (mongod-stub.sh, mongosh-stub.cjs)' },
} as const;

export interface ImageImitation {
  /** The image's user (a passwd/group entry the container sees). */
  readonly user: { readonly name: string; readonly uid: number; readonly gid: number; readonly home: string };
  /** Dockerfile ENV. */
  readonly env: Record<string, string>;
  readonly workingDir: string;
  /** Dockerfile ENTRYPOINT (used when the container sets no `command`). */
  readonly entrypoint: readonly string[];
  /** Dockerfile CMD (used when the container sets neither `command` nor `args`). */
  readonly cmd: readonly string[];
  /** Dockerfile STOPSIGNAL. */
  readonly stopSignal: NodeJS.Signals;
  /** Paths the image has: path in the container → path on this machine (bound read-only). */
  readonly binds: Readonly<Record<string, string>>;
  /** Directories the image has (created in the container's root, owned by the image user, with this mode). */
  readonly dirs?: Readonly<Record<string, number>>;
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const JAVA_HOME = '/usr/lib/jvm/java-17-openjdk-amd64';
const HARNESS_DIR = __dirname;

const redis: ImageImitation = {
  user: { name: 'redis', uid: 999, gid: 999, home: '/home/redis' },
  env: { PATH },
  workingDir: '/data',
  entrypoint: ['docker-entrypoint.sh'],
  cmd: ['redis-server'],
  stopSignal: 'SIGTERM',
  binds: {},
  dirs: { '/data': 0o755 },
};

const postgres = (major: string): ImageImitation => ({
  user: { name: 'postgres', uid: 999, gid: 999, home: '/var/lib/postgresql' },
  env: {
    // The image puts its own major's binaries first; here the installed major's.
    PATH: `/usr/lib/postgresql/${major}/bin:${PATH}`,
    PGDATA: '/var/lib/postgresql/data',
    // The image generates en_US.UTF-8; C.UTF-8 is what this machine has without locale generation.
    LANG: 'C.UTF-8',
  },
  workingDir: '/',
  entrypoint: ['docker-entrypoint.sh'],
  cmd: ['postgres'],
  stopSignal: 'SIGINT',
  binds: { '/usr/local/bin/docker-entrypoint.sh': join(HARNESS_DIR, 'postgres-entrypoint.sh') },
  dirs: { '/var/run/postgresql': 0o3777, '/var/lib/postgresql': 0o755 },
});

const zookeeper = (version: string): ImageImitation => {
  const home = `/apache-zookeeper-${version}-bin`;
  return {
    user: { name: 'zookeeper', uid: 1000, gid: 1000, home },
    env: { PATH: `${PATH}:/opt/java/openjdk/bin:${home}/bin`, JAVA_HOME: '/opt/java/openjdk', ZOO_CONF_DIR: '/conf', ZOO_DATA_DIR: '/data', ZOO_DATA_LOG_DIR: '/datalog', ZOO_LOG_DIR: '/logs' },
    workingDir: home,
    entrypoint: ['/docker-entrypoint.sh'],
    cmd: ['zkServer.sh', 'start-foreground'],
    stopSignal: 'SIGTERM',
    binds: { [`${home}/lib`]: join(CACHE_DIR, `zookeeper-${version}`, 'lib'), '/opt/java/openjdk': JAVA_HOME },
  };
};

/**
 * Strimzi's Kafka image (the broker image): Kafka's jars in /opt/kafka/libs
 * with the JMX exporter agent beside them (fetch.sh lays the cache out so),
 * user `kafka` 1001 in group 0, tini as entrypoint (the pod sets a command).
 * Its JVM trusts the public CAs; with a managed Kafka of the harness running
 * (provider-kafka.ts), also that run's CA (STORES_JAVA_CACERTS), as the
 * image's trust store holds the public CA that signs Amazon MSK's brokers.
 */
const kafka = (version: string): ImageImitation => ({
  user: { name: 'kafka', uid: 1001, gid: 0, home: '/home/kafka' },
  env: { PATH, JAVA_HOME, KAFKA_HOME: '/opt/kafka', KAFKA_VERSION: version, STRIMZI_VERSION: '0.45.0' },
  workingDir: '/opt/kafka',
  entrypoint: ['/usr/bin/tini', '-w', '-e', '143', '--'],
  cmd: [],
  stopSignal: 'SIGTERM',
  binds: {
    '/opt/kafka/libs': join(CACHE_DIR, `kafka-${version}`, 'libs'),
    ...(process.env.STORES_JAVA_CACERTS ? { '/etc/ssl/certs/java/cacerts': process.env.STORES_JAVA_CACERTS } : {}),
  },
});

/**
 * The official MariaDB image (MariaDB's own packages on Ubuntu, user `mysql`
 * 999/999, LANG C.UTF-8, ENTRYPOINT docker-entrypoint.sh — unused: the pods
 * set a command, stores/mysql/chart.ts START_SCRIPT, and read their own
 * configuration with --defaults-file). Here Debian's MariaDB of the same
 * release series on this machine's /usr; /var/lib/mysql and /run/mysqld as
 * the image creates them (0777 for /run/mysqld).
 */
const mariadb: ImageImitation = {
  user: { name: 'mysql', uid: 999, gid: 999, home: '/var/lib/mysql' },
  env: { PATH, LANG: 'C.UTF-8' },
  workingDir: '/',
  entrypoint: ['docker-entrypoint.sh'],
  cmd: ['mariadbd'],
  stopSignal: 'SIGTERM',
  binds: {},
  dirs: { '/var/lib/mysql': 0o755, '/run/mysqld': 0o777 },
};

/**
 * The official HAProxy image (Debian bookworm-slim with HAProxy built into
 * /usr/local/sbin, user `haproxy` 99:99, WORKDIR /var/lib/haproxy, ENTRYPOINT
 * docker-entrypoint.sh — unused: the pod sets a command — STOPSIGNAL SIGUSR1,
 * HAProxy's graceful stop). Here Debian's HAProxy 2.6 on this machine's /usr.
 */
const haproxy: ImageImitation = {
  user: { name: 'haproxy', uid: 99, gid: 99, home: '/var/lib/haproxy' },
  env: { PATH },
  workingDir: '/var/lib/haproxy',
  entrypoint: ['docker-entrypoint.sh'],
  cmd: ['haproxy', '-f', '/usr/local/etc/haproxy/haproxy.cfg'],
  stopSignal: 'SIGUSR1',
  binds: {},
  dirs: { '/var/lib/haproxy': 0o755 },
};

/** The PostgreSQL exporter sidecar: its static Go binary, built from the Go module proxy (images/exporters/build.sh). */
const postgresExporter = (version: string): ImageImitation => ({
  user: { name: 'nobody', uid: 65534, gid: 65534, home: '/home' },
  env: { PATH },
  workingDir: '/',
  entrypoint: ['/bin/postgres_exporter'],
  cmd: [],
  stopSignal: 'SIGTERM',
  binds: { '/bin/postgres_exporter': join(CACHE_DIR, 'exporters', `postgres_exporter-${version}`, 'postgres_exporter') },
});

/**
 * pgBackRest's image (woblerr/pgbackrest: Ubuntu, pgBackRest built from
 * source at /usr/bin/pgbackrest, user pgbackrest 2001, TZ Europe/Moscow, an
 * entrypoint that drops root with gosu — unused: the pods set a command and
 * run as 999). Here Debian's pgBackRest on this machine's /usr. It trusts
 * the public CAs plus the harness object store's CA (STORES_CA_BUNDLE, set
 * by object-store.ts), as the image trusts the public CAs that sign AWS S3.
 */
const pgbackrest = (): ImageImitation => {
  const bundle = process.env.STORES_CA_BUNDLE;
  if (!bundle) throw new Error('the pgBackRest image needs the harness object store (useCluster starts it when the rendered tree has backups)');
  return {
    user: { name: 'pgbackrest', uid: 2001, gid: 2001, home: '/home/pgbackrest' },
    env: { PATH, TZ: 'Europe/Moscow', BACKREST_USER: 'pgbackrest', BACKREST_UID: '2001', BACKREST_GROUP: 'pgbackrest', BACKREST_GID: '2001' },
    workingDir: '/',
    entrypoint: ['/entrypoint.sh'],
    cmd: ['pgbackrest', 'version'],
    stopSignal: 'SIGTERM',
    binds: { '/etc/ssl/certs/ca-certificates.crt': bundle },
  };
};

/**
 * rclone's image (rclone/rclone: Alpine, /usr/local/bin/rclone, WORKDIR
 * /data, runs as root unless the pod says otherwise — ours run as 999, `sh`
 * is busybox). Here
 * Debian's rclone on this machine's /usr and its `sh` (dash); trusts the
 * harness object store's CA as pgbackrest() does.
 */
const rclone = (): ImageImitation => {
  const bundle = process.env.STORES_CA_BUNDLE;
  if (!bundle) throw new Error('the rclone image needs the harness object store (useCluster starts it when the rendered tree has backups)');
  return {
    user: { name: 'root', uid: 0, gid: 0, home: '/root' },
    env: { PATH, XDG_CONFIG_HOME: '/config' },
    workingDir: '/data',
    entrypoint: ['rclone'],
    cmd: [],
    stopSignal: 'SIGTERM',
    binds: { '/etc/ssl/certs/ca-certificates.crt': bundle },
    dirs: { '/data': 0o755 },
  };
};

/**
 * The official MongoDB image (docker-library/mongo 7.0: user `mongodb` 999:999, HOME /data/db, no
 * WORKDIR, ENTRYPOINT docker-entrypoint.sh — unused, the pods set a command — CMD mongod). No
 * MongoDB program can be installed here: **its mongod and mongosh are stubs**. mongod-stub.sh checks
 * the keyfile as mongod does and then serves nothing; mongosh-stub.cjs runs the scripts' JavaScript
 * against a replica set kept in a file (MONGOSH_STUB_STATE); each file says what it does not cover.
 */
const mongo = (): ImageImitation => ({
  user: { name: 'mongodb', uid: 999, gid: 999, home: '/data/db' },
  env: { PATH, HOME: '/data/db' },
  workingDir: '/',
  entrypoint: ['docker-entrypoint.sh'],
  cmd: ['mongod'],
  stopSignal: 'SIGTERM',
  binds: { '/usr/bin/mongod': join(HARNESS_DIR, 'mongod-stub.sh'), '/usr/bin/mongosh': join(HARNESS_DIR, 'mongosh-stub.cjs') },
  dirs: { '/data/db': 0o755, '/data/configdb': 0o755 },
});

/** The imitation of `image`, or an error naming what the harness can run. */
export function imitationOf(image: string): ImageImitation {
  let m: RegExpMatchArray | null;
  if ((m = image.match(/^docker\.io\/library\/redis:(\d+)\.\d+\.\d+-bookworm$/))) return redis;
  if ((m = image.match(/^docker\.io\/library\/postgres:(\d+)(\.\d+)?-bookworm$/))) return postgres(process.env.STORES_PG_MAJOR ?? '15');
  if ((m = image.match(/^docker\.io\/library\/mariadb:10\.11\.\d+$/))) return mariadb;
  if ((m = image.match(/^docker\.io\/library\/zookeeper:(\d+\.\d+\.\d+)$/))) return zookeeper(m[1]);
  if ((m = image.match(/^quay\.io\/strimzi\/kafka:0\.45\.0-kafka-(\d+\.\d+\.\d+)$/))) return kafka(m[1]);
  if ((m = image.match(/^quay\.io\/prometheuscommunity\/postgres-exporter:(v\d+\.\d+\.\d+)$/))) return postgresExporter(m[1]);
  if ((m = image.match(/^docker\.io\/library\/mongo:7\.0\.\d+$/))) return mongo();
  if ((m = image.match(/^docker\.io\/library\/haproxy:2\.8\.\d+-bookworm$/))) return haproxy;
  if (image === 'docker.io/woblerr/pgbackrest:2.54.2') return pgbackrest();
  if (image === 'docker.io/rclone/rclone:1.68.2') return rclone();
  throw new Error(`the stores harness has no imitation of image ${image} (test/stores/harness/images.ts)`);
}

/**
 * Containers the harness does not run, and why. A pod's readiness is then the
 * readiness of the containers it runs. Anything else it cannot run is an error.
 */
export const NOT_RUN: Readonly<Record<string, string>> = {
  'oliver006/redis_exporter': 'metrics exporter: the Go module proxy refuses github.com/oliver006/redis_exporter, so no binary can be built here',
  'prom/mysqld-exporter': 'metrics exporter: the Go module proxy refuses github.com/prometheus/mysqld_exporter, so no binary can be built here',
  'danielqsj/kafka-exporter': 'metrics exporter: the Go module proxy refuses github.com/danielqsj/kafka_exporter, so no binary can be built here',
  'percona/mongodb_exporter': 'metrics exporter: the Go module proxy refuses github.com/percona/mongodb_exporter, so no binary can be built here',
};

export function notRunReason(image: string): string | undefined {
  const hit = Object.keys(NOT_RUN).find((k) => image.includes(k));
  return hit ? NOT_RUN[hit] : undefined;
}
