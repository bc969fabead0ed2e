import { KAFKA_EXPORTER, KAFKA_PORT, KAFKA_TOPICS_NAME, kafkaImageTag, kafkaZooKeeperModeProblem } from './catalogue';
import { dependentClients, kedaOperatorClient, storeJobClient, type StoreClient } from '../../blocks/store-clients';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { contentHash } from '../../blocks/hash';
import { ANNOTATION, LABEL, meta, selector, type Identity } from '../../blocks/meta';
import { WAVE } from '../../blocks/waves';
import {
  DATA_VOLUME,
  execProbe,
  exporterContainer,
  memoryShare,
  METRICS_PORT_NAME,
  metricsService,
  podEnv,
  prometheusIngress,
  scratch,
  storeIdentity,
  serviceDns,
  workloadNetworkPolicy,
  workloadServiceAccount,
  WRITE_CONFIG,
} from '../../blocks/stateful';
import { javaExec } from '../../blocks/jvm';
import type { EnvironmentModel, StoreModel } from '../../platform/model';
import { StatefulStore } from '../../blocks/stateful-store';
import { meshPodAnnotations, workloadPodSpec } from '../../blocks/workload';
import { STORE_ENDPOINTS, STORE_METRICS, STORE_REQUIRES } from '../../catalogue/stores';
import { PlatformChart } from '../../charts/platform-chart';
import { zookeeperConnect } from '../zookeeper/chart';

/**
 * The broker image: Strimzi's Kafka image for the spec's version (the tag
 * table is KAFKA_IMAGE_TAGS, beside the spec's version check). It is Apache
 * Kafka's distribution under `/opt/kafka` on UBI 9 with OpenJDK 17, plus the
 * Prometheus JMX exporter java agent in `/opt/kafka/libs` — one image, no
 * init container copying a jar out of another. Apache's own `apache/kafka`
 * image has no agent, and Prometheus publishes the agent only as a jar.
 */
export const kafkaImage = (version: string) => `quay.io/strimzi/kafka:${kafkaImageTag(version)}`;
/** kafka_exporter (danielqsj/kafka_exporter release v1.9.0): brokers and consumer-group lag. */
export const KAFKA_EXPORTER_VERSION = '1.9.0';
export const KAFKA_EXPORTER_IMAGE = `docker.io/danielqsj/kafka-exporter:v${KAFKA_EXPORTER_VERSION}`;
/** The Strimzi image's user `kafka` (its group is 0; the pod runs with its own group and fsGroup instead). */
export const KAFKA_UID = 1001;
/** From STORE_METRICS, the one place every metrics port is defined. */
export const KAFKA_METRICS_PORT = STORE_METRICS.kafka.port;
export const KAFKA_NAME = 'kafka';
export const KAFKA_HEADLESS = 'kafka-headless';
export const KAFKA_LOG_DIRS = '/var/lib/kafka/data/logs';

export interface KafkaProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The `kafka` store of this environment. */
  readonly store: StoreModel;
  /** The `zookeeper` store of the same environment (the ensemble Kafka registers in). */
  readonly zookeeper: StoreModel;
}

/** Replication of topics (and internal topics): up to 3, never more than the brokers. */
export const replicationFactor = (brokers: number) => Math.min(3, brokers);
/** min.insync.replicas: 2 from 3 brokers on (one broker may be down), 1 below. */
export const minInSyncReplicas = (brokers: number) => Math.max(1, Math.min(2, brokers - 1));

export function serverProperties(store: StoreModel, zookeeper: StoreModel): string {
  const rf = replicationFactor(store.replicas);
  const isr = minInSyncReplicas(store.replicas);
  return [
    '# broker.id and advertised.listeners are appended per pod at start.',
    `listeners=PLAINTEXT://:${KAFKA_PORT}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${KAFKA_LOG_DIRS}`,
    `zookeeper.connect=${zookeeperConnect(zookeeper)}`,
    'zookeeper.connection.timeout.ms=18000',
    'zookeeper.session.timeout.ms=18000',
    'auto.create.topics.enable=false',
    `default.replication.factor=${rf}`,
    `min.insync.replicas=${isr}`,
    `offsets.topic.replication.factor=${rf}`,
    `transaction.state.log.replication.factor=${rf}`,
    `transaction.state.log.min.isr=${isr}`,
    `num.partitions=${Math.max(3, store.replicas)}`,
    'unclean.leader.election.enable=false',
    'controlled.shutdown.enable=true',
    'auto.leader.rebalance.enable=true',
    'log.retention.hours=168',
    'log.segment.bytes=1073741824',
    'num.network.threads=3',
    'num.io.threads=8',
    'group.initial.rebalance.delay.ms=3000',
    '',
  ].join('\n');
}

const LOG4J = [
  'log4j.rootLogger=INFO, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka.request.logger=WARN',
  'log4j.logger.kafka.authorizer.logger=WARN',
  'log4j.logger.org.apache.zookeeper=WARN',
  '',
].join('\n');

/** JMX exporter rules: broker, request, replica-manager and controller metrics with the usual kafka_* names. */
const JMX_RULES = `lowercaseOutputName: true
lowercaseOutputLabelNames: true
rules:
  - pattern: kafka.server<type=(.+), name=(.+), clientId=(.+), topic=(.+), partition=(.*)><>Value
    name: kafka_server_$1_$2
    type: GAUGE
    labels: { clientId: "$3", topic: "$4", partition: "$5" }
  - pattern: kafka.server<type=(.+), name=(.+), clientId=(.+), brokerHost=(.+), brokerPort=(.+)><>Value
    name: kafka_server_$1_$2
    type: GAUGE
    labels: { clientId: "$3", broker: "$4:$5" }
  - pattern: kafka.(\\w+)<type=(.+), name=(.+)PerSec\\w*, topic=(.+)><>Count
    name: kafka_$1_$2_$3_total
    type: COUNTER
    labels: { topic: "$4" }
  - pattern: kafka.(\\w+)<type=(.+), name=(.+)PerSec\\w*><>Count
    name: kafka_$1_$2_$3_total
    type: COUNTER
  - pattern: kafka.(\\w+)<type=(.+), name=(.+), topic=(.+), partition=(.+)><>Value
    name: kafka_$1_$2_$3
    type: GAUGE
    labels: { topic: "$4", partition: "$5" }
  - pattern: kafka.(\\w+)<type=(.+), name=(.+)><>(Count|Value)
    name: kafka_$1_$2_$3
  - pattern: kafka.(\\w+)<type=(.+), name=(.+), (\\w+)=(.+)><>(Count|Value)
    name: kafka_$1_$2_$3
    labels: { "$4": "$5" }
  - pattern: kafka.(\\w+)<type=(.+), name=(.+)><>(\\d+)thPercentile
    name: kafka_$1_$2_$3
    type: GAUGE
    labels: { quantile: "0.$4" }
`;

/** Where the image keeps Kafka's jars (and the JMX exporter agent, `jmx_prometheus_javaagent-<version>.jar`). */
export const KAFKA_LIB_DIR = '/opt/kafka/libs';
export const KAFKA_LOGS_DIR = '/opt/kafka/logs';
/** The per-pod broker config start.sh writes (an emptyDir); the startup probe reads broker.id from it. */
export const KAFKA_RENDERED_CONFIG_DIR = '/opt/kafka/config-rendered';
const KAFKA_RENDERED_CONFIG = `${KAFKA_RENDERED_CONFIG_DIR}/server.properties`;
/** GC log: 4 × 16 MiB rotated + the current file, well inside the 512Mi `logs` emptyDir (the launcher's -loggc keeps 10 × 100 MB). */
export const KAFKA_GC_LOG = { dir: KAFKA_LOGS_DIR, files: 4, fileMi: 16 } as const;
export const KAFKA_LOGS_SIZE_MI = 512;

/** Tries (2 s apart) to wait for a previous run's registration: past zookeeper.session.timeout.ms (18 s) with room to spare. */
const REGISTRATION_WAIT_TRIES = 20;

/**
 * broker.id = pod ordinal, unless the volume's meta.properties already has one
 * (a persisted id wins); each broker advertises its own pod DNS name. The
 * per-pod config is written owner-only into an emptyDir (never a copy of the
 * read-only ConfigMap file), then `java` runs the broker as PID 1 with the
 * flags of the image's launcher stated here (blocks/jvm.ts).
 */
export function kafkaStart(heapMi: number): string {
  return `#!/bin/bash
set -euo pipefail
${WRITE_CONFIG}
ORDINAL="\${POD_NAME##*-}"
mkdir -p "${KAFKA_LOG_DIRS}"
BROKER_ID="$ORDINAL"
if [ -f "${KAFKA_LOG_DIRS}/meta.properties" ]; then
  PERSISTED="$(sed -n 's/^broker\\.id=//p' "${KAFKA_LOG_DIRS}/meta.properties")"
  if [ -n "$PERSISTED" ]; then BROKER_ID="$PERSISTED"; fi
fi
CONF=${KAFKA_RENDERED_CONFIG}
server_properties() {
  cat /config/server.properties
  echo "broker.id=$BROKER_ID"
  echo "advertised.listeners=PLAINTEXT://$POD_NAME.${KAFKA_HEADLESS}.$POD_NAMESPACE.svc.cluster.local:${KAFKA_PORT}"
}
write_config "$CONF" server_properties
echo "broker.id=$BROKER_ID"
# The image's JMX exporter agent; its file name carries the agent's version, so it is looked up, not spelled.
shopt -s nullglob; AGENTS=(${KAFKA_LIB_DIR}/jmx_prometheus_javaagent-*.jar); shopt -u nullglob
[ "\${#AGENTS[@]}" -eq 1 ] || { echo "expected one ${KAFKA_LIB_DIR}/jmx_prometheus_javaagent-*.jar (Strimzi's Kafka image), found \${#AGENTS[@]}" >&2; exit 1; }
JMX_AGENT="\${AGENTS[0]}"
# A broker killed outright (OOM, liveness, node loss) leaves its registration in ZooKeeper until its session
# expires; a broker started before that exits at once (NodeExists) and the container crash-loops with
# growing back-off. Wait for the old registration to go instead (ZooKeeper's client from the broker's jars).
ZK_CONNECT="$(sed -n 's/^zookeeper\\.connect=//p' /config/server.properties)"
registration() {
  timeout 30 java -Xmx64m -XX:-UsePerfData -Dlog4j.configuration=file:/config/log4j.properties -cp '${KAFKA_LIB_DIR}/*' \\
    org.apache.zookeeper.ZooKeeperMain -server "$ZK_CONNECT" stat "/brokers/ids/$BROKER_ID" 2>&1
}
for i in $(seq 1 ${REGISTRATION_WAIT_TRIES}); do
  R="$(registration || true)"
  if echo "$R" | grep -q 'Node does not exist'; then break; fi
  if echo "$R" | grep -q '^ephemeralOwner'; then
    echo "broker $BROKER_ID is still registered by a previous run; waiting for its ZooKeeper session to expire ($i)"
  else
    echo "could not read /brokers/ids/$BROKER_ID from ZooKeeper ($i): $(echo "$R" | tail -n 1)"
  fi
  sleep 2
done
${javaExec({
    heapMi,
    libDir: KAFKA_LIB_DIR,
    mainClass: 'kafka.Kafka',
    args: ['"$CONF"'],
    // The launcher's (kafka-run-class.sh) performance flags.
    flags: ['-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent'],
    gcLog: KAFKA_GC_LOG,
    properties: { 'kafka.logs.dir': KAFKA_LOGS_DIR, 'log4j.configuration': 'file:/config/log4j.properties' },
    agents: [`"$JMX_AGENT"=${KAFKA_METRICS_PORT}:/config/jmx-exporter.yaml`],
  })}
`;
}

/** Readiness of a broker: it is RUNNING (broker state 3), read from its own JMX exporter. */
export const BROKER_RUNNING = `exec 3<>/dev/tcp/127.0.0.1/${KAFKA_METRICS_PORT} || exit 1
printf 'GET /metrics HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3
grep -Eq '^kafka_server_kafkaserver_brokerstate 3(\\.0)?$' <&3`;

/**
 * The startup probe of a broker: it answers, and it is back in the in-sync
 * replica set of every partition it replicates (no under-replicated partition
 * lists it among its replicas but not its ISR). Until then a rolling update
 * does not move on: stopping the next broker while partitions are below their
 * in-sync minimum would make its controlled shutdown fail and stop it
 * uncleanly. Only during startup (a JVM runs the admin client each time);
 * afterwards readiness is BROKER_RUNNING, so followers lagging under load do
 * not take brokers out of the bootstrap Service.
 */
export const BROKER_IN_SYNC = `ID="$(sed -n 's/^broker\\.id=//p' ${KAFKA_RENDERED_CONFIG})"
[ -n "$ID" ] || exit 1
OUT="$(timeout 25 java -Xmx64m -XX:-UsePerfData -XX:TieredStopAtLevel=1 -Dlog4j.configuration=file:/config/log4j.properties \\
  -cp '${KAFKA_LIB_DIR}/*' org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:${KAFKA_PORT} \\
  --describe --under-replicated-partitions 2>/dev/null)" || exit 1
echo "$OUT" | awk -v id="$ID" '/Replicas:/ {
  r = ""; i = ""
  for (f = 1; f <= NF; f++) { if ($f == "Replicas:") r = $(f + 1); if ($f == "Isr:") i = $(f + 1) }
  if (index("," r ",", "," id ",") && !index("," i ",", "," id ",")) behind++
} END { exit behind > 0 }'`;

/**
 * Kafka 4 removed ZooKeeper mode; this layer runs Kafka 2.x/3.x (3.9 is the last
 * line with ZooKeeper). The spec rejects other versions (platform/schema.ts);
 * this guard only catches a model that bypassed validation.
 */
export function assertZooKeeperMode(version: string): void {
  const problem = kafkaZooKeeperModeProblem(version);
  if (problem) throw new Error(`dataStores.kafka.version: ${problem}`);
}

/**
 * Kafka brokers in ZooKeeper mode: StatefulSet (Parallel), `zookeeper.connect`
 * listing every ZooKeeper pod, per-pod advertised listeners through
 * `kafka-headless`, replication sized to the broker count, the Prometheus
 * JMX exporter as a java agent behind `kafka-metrics`, the `kafka` bootstrap
 * Service, a disruption budget and the NetworkPolicy.
 */
export class KafkaChart extends PlatformChart {
  /** The brokers: ServiceAccount, config, Services, StatefulSet, disruption budget, NetworkPolicy (kafka_exporter follows them). */
  readonly store: StatefulStore;

  constructor(scope: Construct, id: string, props: KafkaProps) {
    const { env, store, zookeeper } = props;
    super(scope, id, { file: `${env.name}/data/kafka.yaml` });
    assertZooKeeperMode(store.version);
    const brokerId = storeIdentity(env, store, KAFKA_NAME, 'broker');

    const heap = memoryShare(store.resources.milli.limitMemMi, 0.5);
    const config = { 'server.properties': serverProperties(store, zookeeper), 'log4j.properties': LOG4J, 'jmx-exporter.yaml': JMX_RULES, 'start.sh': kafkaStart(heap) };
    const ports = [{ name: 'tcp-kafka', port: KAFKA_PORT }];

    const rendered = scratch('config-rendered', KAFKA_RENDERED_CONFIG_DIR);
    const logs = scratch('logs', KAFKA_LOGS_DIR, { sizeLimit: `${KAFKA_LOGS_SIZE_MI}Mi` });
    const tmp = scratch('tmp', '/tmp', { sizeLimit: '256Mi' });
    const tcpProbe = (periodSeconds: number, failureThreshold: number) => ({ tcpSocket: { port: k8s.IntOrString.fromString('tcp-kafka') }, periodSeconds, failureThreshold, timeoutSeconds: 5 });

    this.store = new StatefulStore(this, 'store', {
      env,
      store,
      id: brokerId,
      config: { name: 'kafka-config', data: config },
      services: [{ name: KAFKA_NAME, ports }],
      members: [
        {
          name: KAFKA_NAME,
          id: brokerId,
          headless: { name: KAFKA_HEADLESS, ports },
          replicas: store.replicas,
          podManagementPolicy: 'Parallel',
          podAnnotations: { [ANNOTATION.configChecksum]: contentHash(config) },
          pod: {
            uid: KAFKA_UID,
            // Controlled shutdown moves partition leadership away before the broker stops.
            terminationGracePeriodSeconds: 120,
            containers: [
              {
                name: 'kafka',
                image: kafkaImage(store.version),
                command: ['bash', '/config/start.sh'],
                ports: [
                  { name: 'tcp-kafka', containerPort: KAFKA_PORT, protocol: 'TCP' },
                  { name: METRICS_PORT_NAME, containerPort: KAFKA_METRICS_PORT, protocol: 'TCP' },
                ],
                env: podEnv(),
                resources: store.resources,
                // Up to 30 min to start and catch up (a broker returning after long downtime copies a backlog).
                startupProbe: execProbe(BROKER_IN_SYNC, { periodSeconds: 10, failureThreshold: 180, timeoutSeconds: 30 }),
                readinessProbe: execProbe(BROKER_RUNNING, { periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 8 }),
                livenessProbe: tcpProbe(10, 6),
                volumeMounts: [{ name: DATA_VOLUME, mountPath: '/var/lib/kafka/data' }, { name: 'config', mountPath: '/config' }, rendered.mount, logs.mount, tmp.mount],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: 'kafka-config', defaultMode: 0o555 } }, rendered.volume, logs.volume, tmp.volume],
          },
        },
      ],
      network: {
        clientPorts: [KAFKA_PORT],
        peerPorts: [KAFKA_PORT],
        clients: kafkaClients(env, store),
        // What the brokers cannot run without (the catalogue's `requires`: ZooKeeper), on its client ports.
        extraEgress: STORE_REQUIRES.kafka.map((k) => ({ namespace: zookeeper.namespace, labels: { [LABEL.name]: STORE_ENDPOINTS[k].appName }, ports: STORE_ENDPOINTS[k].clientPorts.map((p) => p.port) })),
      },
    });
    kafkaExporter(this, env, store);
  }
}

/** `3.9` → `3.9.0`: kafka_exporter's `--kafka.version` (the protocol level it speaks) wants three numbers. */
export function kafkaProtocolVersion(version: string): string {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  if (!m) throw new Error(`dataStores.kafka.version: cannot derive a protocol version from '${version}'`);
  return `${m[1]}.${m[2]}.${m[3] ?? '0'}`;
}

/**
 * kafka_exporter: one replica (Recreate, so never two pods: what the quota
 * counts) in the brokers' namespace and wave, a Kafka client through the
 * `kafka` bootstrap Service, with its own ServiceAccount (mesh principal the
 * Kafka AuthorizationPolicy admits), the `kafka-exporter-metrics` Service and a
 * NetworkPolicy (the brokers, DNS, istiod; Prometheus in).
 */
function kafkaExporter(scope: Construct, env: EnvironmentModel, store: StoreModel): void {
  const ns = store.namespace;
  const m = KAFKA_EXPORTER.metrics;
  const id: Identity = { name: KAFKA_EXPORTER.name, instance: KAFKA_EXPORTER.name, component: 'exporter', partOf: env.platform, version: KAFKA_EXPORTER_VERSION };
  workloadServiceAccount(scope, 'exporter-service-account', { name: KAFKA_EXPORTER.serviceAccount, namespace: ns, id });
  const podSpec = workloadPodSpec({
    serviceAccount: KAFKA_EXPORTER.serviceAccount,
    containers: [
      exporterContainer({
        name: KAFKA_EXPORTER.name,
        image: KAFKA_EXPORTER_IMAGE,
        port: m.port,
        args: [
          `--kafka.server=${serviceDns(KAFKA_NAME, ns)}:${KAFKA_PORT}`,
          `--kafka.version=${kafkaProtocolVersion(store.version)}`,
          `--web.listen-address=:${m.port}`,
          `--web.telemetry-path=${m.path}`,
        ],
        // /healthz answers without querying Kafka; /metrics would run a whole collection per probe.
        httpProbePath: '/healthz',
      }),
    ],
  });
  new k8s.KubeDeployment(scope, 'exporter', {
    metadata: meta({ name: KAFKA_EXPORTER.name, namespace: ns, id, wave: WAVE.data }),
    spec: {
      replicas: 1,
      revisionHistoryLimit: 10,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector(id) },
      template: { metadata: { labels: meta({ name: KAFKA_EXPORTER.name, id, wave: WAVE.data }).labels, annotations: meshPodAnnotations({ defaultContainer: KAFKA_EXPORTER.name, proxy: 5, metrics: m }) }, spec: podSpec },
    },
  });
  metricsService(scope, { store, id, metrics: m });
  workloadNetworkPolicy(scope, 'exporter-network-policy', {
    env,
    name: KAFKA_EXPORTER.name,
    namespace: ns,
    id,
    ingress: [prometheusIngress(env)],
    egress: [{ namespace: ns, labels: { [LABEL.name]: STORE_METRICS.kafka.appName }, ports: [KAFKA_PORT] }],
  });
}


/** Who connects to the brokers: client services, the topic Job, kafka_exporter, and KEDA's Kafka scaler (consumer lag) when a service uses it. */
export function kafkaClients(env: EnvironmentModel, store: StoreModel): StoreClient[] {
  const exporter: StoreClient = { namespace: store.namespace, pods: { [LABEL.name]: KAFKA_EXPORTER.name }, serviceAccount: { namespace: store.namespace, name: KAFKA_EXPORTER.serviceAccount }, ports: [KAFKA_PORT] };
  return [...dependentClients(env, store), storeJobClient(store, KAFKA_TOPICS_NAME, [KAFKA_PORT]), exporter, ...kedaOperatorClient(env, [KAFKA_PORT])];
}
