import { dependentClients } from '../../blocks/store-clients';
import type { Construct } from 'constructs';
import { contentHash } from '../../blocks/hash';
import { ANNOTATION } from '../../blocks/meta';
import {
  DATA_VOLUME,
  execProbe,
  memoryShare,
  METRICS_PORT_NAME,
  podDns,
  podEnv,
  scratch,
  storeIdentity,
} from '../../blocks/stateful';
import type { EnvironmentModel, StoreModel } from '../../platform/model';
import { StatefulStore } from '../../blocks/stateful-store';
import { STORE_METRICS } from '../../catalogue/stores';
import { ZOOKEEPER_PORT } from './catalogue';
import { javaExec } from '../../blocks/jvm';
import { PlatformChart } from '../../charts/platform-chart';

/** Official ZooKeeper image (eclipse-temurin JRE, user `zookeeper` = UID/GID 1000); the tag is the spec's version. */
export const zookeeperImage = (version: string) => `docker.io/library/zookeeper:${version}`;
export const ZOOKEEPER_UID = 1000;
export const ZK_CLIENT_PORT = ZOOKEEPER_PORT;
export const ZK_FOLLOWER_PORT = 2888;
export const ZK_ELECTION_PORT = 3888;
/** ZooKeeper's built-in Prometheus metrics provider. */
/** From STORE_METRICS, the one place every metrics port is defined. */
export const ZK_METRICS_PORT = STORE_METRICS.zookeeper.port;
export const ZOOKEEPER_NAME = 'zookeeper';
export const ZOOKEEPER_HEADLESS = 'zookeeper-headless';

export interface ZooKeeperProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The `zookeeper` store of this environment. */
  readonly store: StoreModel;
}

/** `server.<id>=<pod dns>:2888:3888;2181`, one per replica; id = ordinal + 1. */
export function zookeeperServers(store: Pick<StoreModel, 'replicas' | 'namespace'>): string[] {
  return Array.from({ length: store.replicas }, (_, i) => `server.${i + 1}=${podDns(ZOOKEEPER_NAME, i, ZOOKEEPER_HEADLESS, store.namespace)}:${ZK_FOLLOWER_PORT}:${ZK_ELECTION_PORT};${ZK_CLIENT_PORT}`);
}

/** Every ZooKeeper pod's client address (Kafka's `zookeeper.connect`). */
export function zookeeperConnect(store: Pick<StoreModel, 'replicas' | 'namespace'>): string {
  return Array.from({ length: store.replicas }, (_, i) => `${podDns(ZOOKEEPER_NAME, i, ZOOKEEPER_HEADLESS, store.namespace)}:${ZK_CLIENT_PORT}`).join(',');
}

/** Heap: half the memory limit (the rest is metaspace, threads, page cache for snapshots). */
export const zookeeperHeapMi = (store: Pick<StoreModel, 'resources'>) => memoryShare(store.resources.milli.limitMemMi, 0.5);

export function zooCfg(store: StoreModel): string {
  return [
    'dataDir=/data',
    `clientPort=${ZK_CLIENT_PORT}`,
    'tickTime=2000',
    'initLimit=10',
    'syncLimit=5',
    'maxClientCnxns=60',
    'autopurge.snapRetainCount=5',
    'autopurge.purgeInterval=24',
    '4lw.commands.whitelist=srvr,mntr,ruok',
    'admin.enableServer=false',
    // Bind quorum ports on all addresses: the pod's own DNS name may not resolve yet at start.
    'quorumListenOnAllIPs=true',
    'reconfigEnabled=false',
    'standaloneEnabled=true',
    'metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider',
    `metricsProvider.httpPort=${ZK_METRICS_PORT}`,
    'metricsProvider.exportJvmInfo=true',
    // One server runs standalone: a one-line ensemble is ignored with an error in the log.
    ...(store.replicas > 1 ? zookeeperServers(store) : []),
    '',
  ].join('\n');
}

/** Console logging at INFO (the container log is the log); the image's own logback.xml is not used. */
export const ZK_LOGBACK = `<configuration>
  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="CONSOLE"/></root>
</configuration>
`;

/** Where the official image keeps ZooKeeper's jars. */
export const zookeeperLibDir = (version: string) => `/apache-zookeeper-${version}-bin/lib`;

/**
 * myid = ordinal + 1 unless the claim already has one (a persisted id wins),
 * then the server itself reads the read-only config from the ConfigMap
 * volume: nothing is copied, so a container restart starts exactly like the first.
 */
export function zookeeperStart(store: Pick<StoreModel, 'version' | 'resources'>): string {
  return `#!/bin/bash
set -euo pipefail
ORDINAL="\${POD_NAME##*-}"
if [ ! -s /data/myid ]; then echo "$((ORDINAL + 1))" > /data/myid; fi
echo "myid $(cat /data/myid)"
${javaExec({
    heapMi: zookeeperHeapMi(store),
    libDir: zookeeperLibDir(store.version),
    mainClass: 'org.apache.zookeeper.server.quorum.QuorumPeerMain',
    args: ['/config/zoo.cfg'],
    properties: { 'logback.configurationFile': '/config/logback.xml' },
  })}
`;
}

/**
 * A ZooKeeper ensemble for Kafka: StatefulSet (Parallel start, so a quorum can
 * form), the static server list from the headless Service's pod names, the
 * `zookeeper` client Service, Prometheus metrics on 7000 behind
 * `zookeeper-metrics`, a disruption budget and the NetworkPolicy (Kafka brokers
 * and the peers only).
 */
export class ZooKeeperChart extends PlatformChart {
  /** The ensemble: ServiceAccount, ConfigMap, Services, StatefulSet, disruption budget, NetworkPolicy. */
  readonly store: StatefulStore;

  constructor(scope: Construct, id: string, props: ZooKeeperProps) {
    const { env, store } = props;
    super(scope, id, { file: `${env.name}/data/zookeeper.yaml` });
    const zkId = storeIdentity(env, store, ZOOKEEPER_NAME, 'server');
    const config = { 'zoo.cfg': zooCfg(store), 'logback.xml': ZK_LOGBACK, 'start.sh': zookeeperStart(store) };
    const tmp = scratch('tmp', '/tmp', { sizeLimit: '128Mi' });
    // Alive: the server answers (even while it is not in a quorum, when restarting it would not help).
    const ruok = `[ "$(echo ruok | timeout 3 nc -w 2 127.0.0.1 ${ZK_CLIENT_PORT})" = "imok" ]`;
    // Started and Ready: it serves requests as a leader, a follower or standalone, i.e. it is in the quorum
    // and synced (ruok answers imok before that). A rolling update waits for it before stopping the next member.
    const serving = `echo srvr | timeout 3 nc -w 2 127.0.0.1 ${ZK_CLIENT_PORT} | grep -Eq '^Mode: (leader|follower|standalone)$'`;

    this.store = new StatefulStore(this, 'store', {
      env,
      store,
      id: zkId,
      config: { name: 'zookeeper-config', data: config },
      services: [{ name: ZOOKEEPER_NAME, ports: [{ name: 'tcp-client', port: ZK_CLIENT_PORT }] }],
      members: [
        {
          name: ZOOKEEPER_NAME,
          id: zkId,
          headless: {
            name: ZOOKEEPER_HEADLESS,
            ports: [
              { name: 'tcp-client', port: ZK_CLIENT_PORT },
              { name: 'tcp-follower', port: ZK_FOLLOWER_PORT },
              { name: 'tcp-election', port: ZK_ELECTION_PORT },
            ],
          },
          replicas: store.replicas,
          podManagementPolicy: 'Parallel',
          podAnnotations: {
            [ANNOTATION.configChecksum]: contentHash(config),
            // Quorum traffic goes pod to pod by DNS before the peers are ready and is
            // only ever between ZooKeeper pods (NetworkPolicy): it bypasses the sidecar.
            'traffic.sidecar.istio.io/excludeInboundPorts': `${ZK_FOLLOWER_PORT},${ZK_ELECTION_PORT}`,
            'traffic.sidecar.istio.io/excludeOutboundPorts': `${ZK_FOLLOWER_PORT},${ZK_ELECTION_PORT}`,
          },
          pod: {
            uid: ZOOKEEPER_UID,
            terminationGracePeriodSeconds: 60,
            containers: [
              {
                name: 'zookeeper',
                image: zookeeperImage(store.version),
                command: ['bash', '/config/start.sh'],
                ports: [
                  { name: 'tcp-client', containerPort: ZK_CLIENT_PORT, protocol: 'TCP' },
                  { name: 'tcp-follower', containerPort: ZK_FOLLOWER_PORT, protocol: 'TCP' },
                  { name: 'tcp-election', containerPort: ZK_ELECTION_PORT, protocol: 'TCP' },
                  { name: METRICS_PORT_NAME, containerPort: ZK_METRICS_PORT, protocol: 'TCP' },
                ],
                env: podEnv(),
                resources: store.resources,
                startupProbe: execProbe(serving, { periodSeconds: 5, failureThreshold: 60 }),
                readinessProbe: execProbe(serving, { periodSeconds: 10, failureThreshold: 3 }),
                livenessProbe: execProbe(ruok, { periodSeconds: 10, failureThreshold: 6 }),
                volumeMounts: [{ name: DATA_VOLUME, mountPath: '/data' }, { name: 'config', mountPath: '/config' }, tmp.mount],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: 'zookeeper-config', defaultMode: 0o555 } }, tmp.volume],
          },
        },
      ],
      network: {
        clientPorts: [ZK_CLIENT_PORT],
        peerPorts: [ZK_CLIENT_PORT, ZK_FOLLOWER_PORT, ZK_ELECTION_PORT],
        // Its clients are the Kafka brokers (the catalogue's clientStores).
        clients: dependentClients(env, store),
      },
    });
  }
}

