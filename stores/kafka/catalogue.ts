import { METRICS_PORT_NAME, serviceHost, storeMetrics, type StoreCatalogue, type StoreEndpoint, type StoreMetrics } from '../../catalogue/store-kind';

export const KAFKA_PORT = 9092;

/** The Sync hook Job that creates the topics (stores/kafka/topics.ts). */
export const KAFKA_TOPICS_NAME = 'kafka-topics';

const endpoint: StoreEndpoint = { appName: 'kafka', service: 'kafka', clientPorts: [{ name: 'tcp-kafka', port: KAFKA_PORT }], serviceAccount: 'kafka' };

/**
 * kafka_exporter (danielqsj/kafka_exporter): cluster-level Kafka metrics the
 * brokers' JMX exporter does not have — `kafka_brokers` and
 * `kafka_consumergroup_lag{consumergroup, topic, partition}` — from a
 * Deployment of its own in the data namespace (part of the Kafka chart), a
 * Kafka client with its own ServiceAccount (mesh principal).
 */
export const KAFKA_EXPORTER = {
  name: 'kafka-exporter',
  serviceAccount: 'kafka-exporter',
  metrics: { appName: 'kafka-exporter', service: 'kafka-exporter-metrics', portName: METRICS_PORT_NAME, port: 9308, path: '/metrics', exporter: 'kafka_exporter' } satisfies StoreMetrics,
} as const;

/**
 * The Kafka versions the data layer runs, each with the tag of Strimzi's Kafka
 * image that ships it (the broker image: Kafka's distribution plus the
 * Prometheus JMX exporter agent). Strimzi 0.45 is the last release with
 * ZooKeeper mode, the only mode this layer renders; Kafka 4.0 removed it.
 */
export const KAFKA_IMAGE_TAGS: Readonly<Record<string, string>> = {
  '3.8.0': '0.45.0-kafka-3.8.0',
  '3.8.1': '0.45.0-kafka-3.8.1',
  '3.9.0': '0.45.0-kafka-3.9.0',
};

/**
 * Why a Kafka version cannot be rendered, or undefined when it can: it must
 * run in ZooKeeper mode (Kafka 4.0 removed it) and have a broker image.
 */
export function kafkaZooKeeperModeProblem(version: string): string | undefined {
  const major = Number(/^[0-9]+/.exec(version)?.[0]);
  if (!Number.isFinite(major)) return undefined; // the version's own format rule reports it
  const valid = Object.keys(KAFKA_IMAGE_TAGS).join(', ');
  if (major >= 4) return `Kafka 4.0 removed ZooKeeper mode; use one of ${valid} (got '${version}')`;
  if (!KAFKA_IMAGE_TAGS[version]) return `the broker image (Strimzi's Kafka image, the last line with ZooKeeper mode) exists for ${valid} (got '${version}')`;
  return undefined;
}

/** The broker image tag for a Kafka version the spec admitted. */
export function kafkaImageTag(version: string): string {
  const tag = KAFKA_IMAGE_TAGS[version];
  if (!tag) throw new Error(`dataStores.kafka.version: ${kafkaZooKeeperModeProblem(version) ?? `no broker image for '${version}'`}`);
  return tag;
}

/**
 * SASL mechanisms a managed Kafka's clients may authenticate with (`external.sasl`), the default first:
 * SCRAM-SHA-512 (Amazon MSK's only SCRAM), SCRAM-SHA-256, PLAIN (Confluent Cloud's API keys; over TLS only).
 * Each as Kafka's `sasl.mechanism` names it → as kafka_exporter's `--sasl.mechanism` and KEDA's `sasl` name it.
 */
export const KAFKA_SASL_MECHANISMS = {
  'SCRAM-SHA-512': { exporter: 'scram-sha512', keda: 'scram_sha512', jaasModule: 'org.apache.kafka.common.security.scram.ScramLoginModule' },
  'SCRAM-SHA-256': { exporter: 'scram-sha256', keda: 'scram_sha256', jaasModule: 'org.apache.kafka.common.security.scram.ScramLoginModule' },
  PLAIN: { exporter: 'plain', keda: 'plaintext', jaasModule: 'org.apache.kafka.common.security.plain.PlainLoginModule' },
} as const;
export type KafkaSaslMechanism = keyof typeof KAFKA_SASL_MECHANISMS;

/** Where a managed Kafka's brokers are: `b-1…:9096,b-2…:9096` (the clients' KAFKA_BOOTSTRAP_SERVERS, the Job's and KEDA's bootstrap). */
export const kafkaBrokerList = (e: { readonly hosts: readonly string[]; readonly port: number }) => e.hosts.map((h) => `${h}:${e.port}`).join(',');

/** Kafka in ZooKeeper mode: brokers with replicated topics (not backed up: replicated, see docs/runbooks.md). */
export const KAFKA: StoreCatalogue = {
  title: 'Kafka',
  endpoint,
  dependable: true,
  requires: ['zookeeper'],
  // In the cluster the mesh encrypts and authenticates (mTLS, AuthorizationPolicy): the clients speak plain Kafka.
  connectionEnv: (namespace, serviceName) => ({ KAFKA_BOOTSTRAP_SERVERS: `${serviceHost('kafka', namespace)}:${KAFKA_PORT}`, KAFKA_CLIENT_ID: serviceName, KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' }),
  // Amazon MSK, Confluent Cloud, Aiven…: every broker (each is reached directly after the bootstrap), TLS
  // from the first byte (SASL_SSL) with a SASL login from the Secret; the same variable names plus the
  // SASL ones a client reads when KAFKA_SECURITY_PROTOCOL says SASL_SSL. The brokers' certificate must be
  // signed by a CA in the images' default trust store (true of MSK and Confluent Cloud; README).
  managed: {
    defaultPort: 9096,
    endpoints: 'brokers',
    protocol: 'TLS',
    saslMechanisms: Object.keys(KAFKA_SASL_MECHANISMS),
    connectionEnv: (e, serviceName) => ({
      KAFKA_BOOTSTRAP_SERVERS: kafkaBrokerList(e),
      KAFKA_CLIENT_ID: serviceName,
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: e.sasl ?? 'SCRAM-SHA-512',
    }),
    clientSecrets: (secretName) => ({ KAFKA_SASL_USERNAME: { name: secretName, key: 'username' }, KAFKA_SASL_PASSWORD: { name: secretName, key: 'password' } }),
    exporter: KAFKA_EXPORTER.metrics,
  },
  metrics: [storeMetrics(endpoint, 9404, 'Prometheus JMX exporter (java agent in each broker)'), KAFKA_EXPORTER.metrics],
  otherPods: [KAFKA_TOPICS_NAME, KAFKA_EXPORTER.name],
  backup: 'none',
  versionProblem: kafkaZooKeeperModeProblem,
};
