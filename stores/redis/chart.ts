import { REDIS_BACKUP } from './catalogue';
import { RedisMasterProxy } from './master-proxy';
import { dependentClients, storeJobClient, type StoreClient } from '../../blocks/store-clients';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { contentHash } from '../../blocks/hash';
import { ANNOTATION, LABEL, selector } from '../../blocks/meta';
import { WAVE } from '../../blocks/waves';
import { objectStoreEgress } from '../../blocks/backup';
import { RCLONE_IMAGE, rcloneEnv, REDIS_RESTORE_SCRIPT } from './snapshots';
import { SIDECAR_RESOURCES } from '../../catalogue/resources';
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
  WRITE_CONFIG,
} from '../../blocks/stateful';
import type { EnvironmentModel, StoreModel } from '../../platform/model';
import { StatefulStore } from '../../blocks/stateful-store';
import { STORE_ENDPOINTS, STORE_METRICS } from '../../catalogue/stores';
import { REDIS_PORT, REDIS_SENTINEL_MASTER, SENTINEL_PORT } from './catalogue';
import { PlatformChart } from '../../charts/platform-chart';

/** Official Redis image (Debian bookworm, user `redis` = UID/GID 999); the tag is the spec's version. */
export const redisImage = (version: string) => `docker.io/library/redis:${version}-bookworm`;
export const REDIS_EXPORTER_IMAGE = 'docker.io/oliver006/redis_exporter:v1.81.0';
export const REDIS_UID = 999;
/** From STORE_METRICS, the one place every metrics port is defined. */
export const REDIS_EXPORTER_PORT = STORE_METRICS.redis.port;
/** Secret (data namespace) with key `password`: requirepass/masterauth of Redis and Sentinel. */
export const REDIS_SECRET = 'redis-credentials';
export const REDIS_NAME = 'redis';
export const REDIS_HEADLESS = 'redis-headless';

/** Sentinels that must agree a master is down: a majority of the nodes. */
export const sentinelQuorum = (nodes: number) => Math.floor(nodes / 2) + 1;

export interface RedisProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The `redis` store of this environment. */
  readonly store: StoreModel;
}

export function redisConf(store: StoreModel): string {
  return [
    'bind * -::*',
    // Auth is on (requirepass is appended at start from the Secret), so protected mode adds nothing.
    'protected-mode no',
    `port ${REDIS_PORT}`,
    'dir /data',
    'appendonly yes',
    'appendfsync everysec',
    'save 900 1 300 10 60 10000',
    // Room for copy-on-write during AOF rewrite / RDB save inside the memory limit.
    `maxmemory ${memoryShare(store.resources.milli.limitMemMi, 0.6)}mb`,
    'maxmemory-policy noeviction',
    'replica-read-only yes',
    'replica-serve-stale-data yes',
    // A restarted replica loads its AOF without a cached master, so it always asks for a full resync:
    // the default 5 s wait for more replicas to batch would be added to every pod restart.
    'repl-diskless-sync-delay 1',
    'tcp-keepalive 60',
    '',
  ].join('\n');
}

/**
 * Both containers ask the Sentinels for the master: through the `redis`
 * Service first, then every other pod's Sentinel by name (the Service has no
 * ready pod during a full restart, or may route to a Sentinel that is slow to
 * answer). Pod 0 is the master only when no other Redis pod exists (the set's
 * first start, or a full restart where pod 0 comes up alone): when other pods
 * exist but no Sentinel answers, the container exits and is restarted rather
 * than guess a master — a guess could make a second master.
 */
const FIND_MASTER = `HEADLESS="${REDIS_HEADLESS}.$POD_NAMESPACE.svc.cluster.local"
MY_HOST="$POD_NAME.$HEADLESS"
ask_sentinel() { timeout 3 redis-cli -h "$1" -p ${SENTINEL_PORT} sentinel get-master-addr-by-name ${REDIS_SENTINEL_MASTER} 2>/dev/null | head -n 1 || true; }
MASTER="$(ask_sentinel "$SENTINEL_HOST")"
PEERS=0
if [ -z "$MASTER" ]; then
  for i in $(seq 0 $((REDIS_NODES - 1))); do
    PEER="${REDIS_NAME}-$i.$HEADLESS"
    if [ "${REDIS_NAME}-$i" = "$POD_NAME" ] || ! getent hosts "$PEER" >/dev/null; then continue; fi
    PEERS=$((PEERS + 1))
    MASTER="$(ask_sentinel "$PEER")"
    if [ -n "$MASTER" ]; then break; fi
  done
fi
if [ -z "$MASTER" ]; then
  if [ "$PEERS" -gt 0 ]; then echo "$PEERS other Redis pod(s) exist but no Sentinel answered: not guessing a master; exiting to retry" >&2; exit 1; fi
  MASTER="${REDIS_NAME}-0.$HEADLESS"
fi
`;

const REDIS_START = `#!/bin/bash
set -euo pipefail
${FIND_MASTER}
${WRITE_CONFIG}
CONF=/etc/redis/redis.conf
redis_conf() {
  cat /scripts/redis.conf
  echo "replica-announce-ip $MY_HOST"
  echo "requirepass $REDIS_PASSWORD"
  echo "masterauth $REDIS_PASSWORD"
  if [ "$MASTER" != "$MY_HOST" ]; then echo "replicaof $MASTER ${REDIS_PORT}"; fi
}
write_config "$CONF" redis_conf
echo "starting as $([ "$MASTER" = "$MY_HOST" ] && echo master || echo "replica of $MASTER")"
exec redis-server "$CONF"
`;

/**
 * Sentinel's failover-timeout: besides bounding a failover, a Sentinel retries a failover of the same
 * master only after twice this (an aborted attempt, e.g. a split vote between the two surviving
 * Sentinels, cost 120 s at 60000), and an election waits min(10 s, this) for votes.
 */
export const SENTINEL_FAILOVER_TIMEOUT_MS = 20000;

const SENTINEL_START = `#!/bin/bash
set -euo pipefail
${FIND_MASTER}
${WRITE_CONFIG}
sentinel_conf() {
  cat <<EOF
port ${SENTINEL_PORT}
dir /tmp
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $MY_HOST
sentinel monitor ${REDIS_SENTINEL_MASTER} $MASTER ${REDIS_PORT} $SENTINEL_QUORUM
sentinel down-after-milliseconds ${REDIS_SENTINEL_MASTER} 10000
sentinel failover-timeout ${REDIS_SENTINEL_MASTER} ${SENTINEL_FAILOVER_TIMEOUT_MS}
sentinel parallel-syncs ${REDIS_SENTINEL_MASTER} 1
sentinel auth-pass ${REDIS_SENTINEL_MASTER} $REDIS_PASSWORD
requirepass $REDIS_PASSWORD
EOF
}
write_config /etc/sentinel/sentinel.conf sentinel_conf
exec redis-sentinel /etc/sentinel/sentinel.conf
`;

/** The preStop hook gives up handing over after this many seconds (each step it may still run is bounded by a 5 s timeout). */
export const FAILOVER_DEADLINE_S = 35;
/** Writes stay paused on the old master at most this long: longer than the hook can run, so the pause never ends while this node is still a master that Sentinel has replaced. */
export const FAILOVER_PAUSE_MS = (FAILOVER_DEADLINE_S + 10) * 1000;
/** The Redis pods' grace period: room for the hook and the shutdown after it. */
export const REDIS_GRACE_S = 60;

/**
 * Before a master stops, hand its role to a replica without losing an
 * acknowledged write: pause writes (clients wait, nothing is refused), wait
 * until every online replica has acknowledged the master's whole replication
 * offset, ask Sentinel to fail over (it promotes the best replica), then make
 * this node a replica of the new master itself before writes resume, so a
 * write held by the pause is refused (READONLY) instead of accepted here and
 * lost. With no replica (one node) it returns at once. If no new master is
 * named by the deadline, writes resume here (still the master): on SIGTERM
 * Redis waits for its replicas to catch up before it exits (shutdown-timeout).
 */
const PRE_STOP = `#!/bin/bash
set -uo pipefail
HEADLESS="${REDIS_HEADLESS}.$POD_NAMESPACE.svc.cluster.local"
MY_HOST="$POD_NAME.$HEADLESS"
local_cli() { timeout 5 redis-cli -h 127.0.0.1 -p ${REDIS_PORT} "$@"; }
sentinel_cli() { timeout 5 redis-cli -h "$SENTINEL_HOST" -p ${SENTINEL_PORT} "$@"; }
replication() { local_cli info replication | tr -d '\\r'; }
field() { replication | sed -n "s/^$1://p"; }
[ "$(field role)" = master ] || exit 0
if [ "$(field connected_slaves)" = 0 ]; then echo "no replica to fail over to"; exit 0; fi
[ "$(local_cli client pause ${FAILOVER_PAUSE_MS} write)" = OK ] || { echo "could not pause writes"; exit 0; }
trap 'local_cli client unpause >/dev/null 2>&1' EXIT
while [ "$SECONDS" -lt 10 ]; do
  R="$(replication)"
  OFFSET="$(echo "$R" | sed -n 's/^master_repl_offset://p')"
  ONLINE="$(echo "$R" | grep -c '^slave[0-9]*:.*state=online')"
  SYNCED="$(echo "$R" | grep '^slave[0-9]*:.*state=online' | grep -c ",offset=$OFFSET,")"
  if [ "$ONLINE" -gt 0 ] && [ "$SYNCED" = "$ONLINE" ]; then break; fi
  sleep 0.2
done
echo "replicas in sync: $SYNCED of $ONLINE at offset $OFFSET"
OUT="$(sentinel_cli sentinel failover ${REDIS_SENTINEL_MASTER})"
if [ "$OUT" != OK ]; then echo "Sentinel refused the failover: $OUT"; exit 0; fi
while [ "$SECONDS" -lt ${FAILOVER_DEADLINE_S} ]; do
  NEW="$(sentinel_cli sentinel get-master-addr-by-name ${REDIS_SENTINEL_MASTER} | head -n 1)"
  if [ -n "$NEW" ] && [ "$NEW" != "$MY_HOST" ]; then
    local_cli replicaof "$NEW" ${REDIS_PORT} >/dev/null
    echo "failed over to $NEW in $SECONDS s; now its replica"
    exit 0
  fi
  sleep 0.4
done
echo "no new master within ${FAILOVER_DEADLINE_S} s; staying master"
`;

/**
 * A started Redis: the master, or a replica whose link to its master is up
 * (its first full sync is done). As the startup probe, it keeps a rolling
 * update from moving on to the next pod — the master last — while the
 * restarted replica is still syncing and could not take over.
 */
const REDIS_SYNCED = `R="$(redis-cli -h 127.0.0.1 -p ${REDIS_PORT} info replication 2>/dev/null | tr -d '\\r')"
case "$R" in *role:master*|*master_link_status:up*) exit 0 ;; esac
exit 1`;

/**
 * Redis with Sentinel: one StatefulSet whose pods each run redis-server
 * (master or replica, AOF on the claim) and a Sentinel (quorum = majority),
 * both announcing their stable pod DNS names through the headless Service;
 * the `redis` Service (Sentinel 26379 only: Sentinel-aware clients reach the
 * master at the pod DNS name Sentinel announces), the `redis-master` proxy
 * (every client's REDIS_HOST: the master, whichever node it is), a disruption
 * budget, redis_exporter behind `redis-metrics`, and the NetworkPolicy.
 */
export class RedisChart extends PlatformChart {
  /** The nodes: ServiceAccount, scripts, Services, StatefulSet, disruption budget, NetworkPolicy. */
  readonly store: StatefulStore;
  /** `redis-master`: HAProxy routing to the current master (the clients' REDIS_HOST). */
  readonly masterProxy: RedisMasterProxy;

  constructor(scope: Construct, id: string, props: RedisProps) {
    const { env, store } = props;
    super(scope, id, { file: `${env.name}/data/redis.yaml` });
    const ns = store.namespace;
    const nodeId = storeIdentity(env, store, REDIS_NAME, 'node');
    const m = metaFor(nodeId, ns);

    const backup = store.backup;
    const scripts = { 'redis.conf': redisConf(store), 'start-redis.sh': REDIS_START, 'start-sentinel.sh': SENTINEL_START, 'prestop-redis.sh': PRE_STOP };

    const sentinel = { name: 'tcp-sentinel', port: SENTINEL_PORT };

    const env_ = [
      ...podEnv(),
      secretEnv('REDIS_PASSWORD', REDIS_SECRET, 'password'),
      // redis-cli reads the password from the environment, never from its (visible) arguments.
      secretEnv('REDISCLI_AUTH', REDIS_SECRET, 'password'),
      { name: 'SENTINEL_HOST', value: serviceDns(REDIS_NAME, ns) },
      { name: 'SENTINEL_QUORUM', value: String(sentinelQuorum(store.replicas)) },
      { name: 'REDIS_NODES', value: String(store.replicas) },
    ];
    const cli = (port: number) => `redis-cli -h 127.0.0.1 -p ${port} ping`;
    const redisConfDir = scratch('redis-config', '/etc/redis');
    const sentinelConfDir = scratch('sentinel-config', '/etc/sentinel');
    const tmp = scratch('tmp', '/tmp');
    const scriptsMount = { name: 'scripts', mountPath: '/scripts' };

    this.store = new StatefulStore(this, 'store', {
      env,
      store,
      id: nodeId,
      config: { name: 'redis-scripts', data: scripts },
      // Sentinel only: every node answers 26379, but only the master accepts writes on 6379, so a
      // load-balanced 6379 would hit a read-only replica 2 times in 3. Clients ask a Sentinel for the
      // master and connect to the pod DNS name it announces, through the headless Service.
      services: [{ name: REDIS_NAME, ports: [sentinel] }],
      members: [
        {
          name: REDIS_NAME,
          id: nodeId,
          headless: { name: REDIS_HEADLESS, ports: [{ name: 'tcp-redis', port: REDIS_PORT }, sentinel] },
          replicas: store.replicas,
          podManagementPolicy: 'OrderedReady',
          podAnnotations: {
            [ANNOTATION.configChecksum]: contentHash(scripts),
            // The restore init container reaches the bucket before Redis starts: only a native sidecar proxy is up by then.
            ...(backup ? { 'sidecar.istio.io/nativeSidecar': 'true' } : {}),
          },
          pod: {
            uid: REDIS_UID,
            terminationGracePeriodSeconds: REDIS_GRACE_S,
            ...(backup
              ? {
                  initContainers: [
                    {
                      name: 'restore',
                      image: RCLONE_IMAGE,
                      command: ['sh', '-c', REDIS_RESTORE_SCRIPT],
                      env: rcloneEnv(backup),
                      resources: SIDECAR_RESOURCES,
                      volumeMounts: [{ name: DATA_VOLUME, mountPath: '/data' }, tmp.mount],
                    },
                  ],
                }
              : {}),
            containers: [
              {
                name: 'redis',
                image: redisImage(store.version),
                command: ['bash', '/scripts/start-redis.sh'],
                ports: [{ name: 'tcp-redis', containerPort: REDIS_PORT, protocol: 'TCP' }],
                env: env_,
                resources: store.resources,
                startupProbe: execProbe(REDIS_SYNCED, { periodSeconds: 5, failureThreshold: 120 }),
                readinessProbe: execProbe(`${cli(REDIS_PORT)} | grep -q PONG`, { periodSeconds: 5, failureThreshold: 3 }),
                livenessProbe: execProbe(`${cli(REDIS_PORT)} | grep -Eq 'PONG|LOADING|MASTERDOWN'`, { periodSeconds: 10, failureThreshold: 6 }),
                lifecycle: { preStop: { exec: { command: ['bash', '/scripts/prestop-redis.sh'] } } },
                volumeMounts: [{ name: DATA_VOLUME, mountPath: '/data' }, redisConfDir.mount, tmp.mount, scriptsMount],
              },
              {
                name: 'sentinel',
                image: redisImage(store.version),
                command: ['bash', '/scripts/start-sentinel.sh'],
                ports: [{ name: 'tcp-sentinel', containerPort: SENTINEL_PORT, protocol: 'TCP' }],
                env: env_,
                resources: SIDECAR_RESOURCES,
                readinessProbe: execProbe(`${cli(SENTINEL_PORT)} | grep -q PONG`, { periodSeconds: 5, failureThreshold: 3 }),
                livenessProbe: execProbe(`${cli(SENTINEL_PORT)} | grep -q PONG`, { periodSeconds: 10, failureThreshold: 6 }),
                volumeMounts: [sentinelConfDir.mount, scriptsMount],
              },
              exporterContainer({
                name: 'metrics',
                image: REDIS_EXPORTER_IMAGE,
                port: REDIS_EXPORTER_PORT,
                env: [{ name: 'REDIS_ADDR', value: `redis://127.0.0.1:${REDIS_PORT}` }, secretEnv('REDIS_PASSWORD', REDIS_SECRET, 'password')],
              }),
            ],
            volumes: [redisConfDir.volume, sentinelConfDir.volume, tmp.volume, { name: 'scripts', configMap: { name: 'redis-scripts', defaultMode: 0o555 } }],
          },
        },
      ],
      network: { clientPorts: [REDIS_PORT, SENTINEL_PORT], peerPorts: [REDIS_PORT, SENTINEL_PORT], clients: redisClients(env, store) },
    });
    this.masterProxy = new RedisMasterProxy(this, 'master-proxy', {
      env,
      store,
      nodes: { name: REDIS_NAME, headless: REDIS_HEADLESS, secret: REDIS_SECRET },
      clients: dependentClients(env, store),
    });
    if (backup) {
      // The restore init container reaches the bucket; NetworkPolicies add up, so this opens that and nothing else.
      new k8s.KubeNetworkPolicy(this, 'restore-network-policy', {
        metadata: m(`${REDIS_NAME}-restore`, WAVE.foundation),
        spec: { podSelector: { matchLabels: selector(nodeId) }, policyTypes: ['Egress'], egress: [objectStoreEgress(backup)] },
      });
    }
  }
}


/** Who connects to the Redis nodes: its client services, the master proxy (`redis-master`), and the snapshot Job (stores/redis/backup.ts) that reads the master's RDB. */
export function redisClients(env: EnvironmentModel, store: StoreModel): StoreClient[] {
  const p = STORE_ENDPOINTS.redis.proxy!;
  const proxy: StoreClient = { namespace: store.namespace, pods: { [LABEL.name]: p.appName }, serviceAccount: { namespace: store.namespace, name: p.serviceAccount }, ports: [p.port] };
  return [...dependentClients(env, store), proxy, ...(store.backup ? [storeJobClient(store, REDIS_BACKUP, [REDIS_PORT, SENTINEL_PORT])] : [])];
}
