export const DATA_STORES = ['postgres', 'redis', 'kafka', 'zookeeper'] as const;
export type DataStoreName = (typeof DATA_STORES)[number];
/** The data stores a service may name in `dependsOn` (ZooKeeper is Kafka's, not the services'). */
export const DEPENDABLE_STORES = ['postgres', 'redis', 'kafka'] as const;

/** The named port Prometheus (ServiceMonitor) scrapes on every Service that publishes metrics: the pods' merged endpoint. */
export const METRICS_PORT_NAME = 'http-metrics';

/**
 * What the rest of the platform needs to know about each data store: the pod
 * labels its clients' NetworkPolicies and AuthorizationPolicies select, the
 * Services and ports they connect to, and the Secrets that hold credentials.
 * The data-layer charts render exactly these names; service charts only read them.
 */
export interface StoreEndpoint {
  /** `app.kubernetes.io/name` of every pod of the store. */
  readonly appName: string;
  /** Client-facing Service (read-write; for Redis the Sentinels, which name the master). */
  readonly service: string;
  /** Ports clients connect to on the store's pods (named); NetworkPolicies and AuthorizationPolicies open these. */
  readonly clientPorts: readonly { readonly name: string; readonly port: number }[];
  /** ServiceAccount of the store's pods (mesh principal). */
  readonly serviceAccount: string;
}

/** Client ports of the data layer: the one place the charts, the services' config and the policies read them. */
export const STORE_PORTS = { postgres: 5432, redis: 6379, sentinel: 26379, kafka: 9092, zookeeper: 2181 } as const;

/** Redis Sentinel's master group; services receive it as REDIS_SENTINEL_MASTER. */
export const REDIS_SENTINEL_MASTER = 'mymaster';

export const STORE_ENDPOINTS: Readonly<Record<DataStoreName, StoreEndpoint>> = {
  postgres: { appName: 'postgresql', service: 'postgres', clientPorts: [{ name: 'tcp-postgresql', port: STORE_PORTS.postgres }], serviceAccount: 'postgres' },
  redis: {
    appName: 'redis',
    service: 'redis',
    clientPorts: [
      { name: 'tcp-redis', port: STORE_PORTS.redis },
      { name: 'tcp-sentinel', port: STORE_PORTS.sentinel },
    ],
    serviceAccount: 'redis',
  },
  kafka: { appName: 'kafka', service: 'kafka', clientPorts: [{ name: 'tcp-kafka', port: STORE_PORTS.kafka }], serviceAccount: 'kafka' },
  zookeeper: { appName: 'zookeeper', service: 'zookeeper', clientPorts: [{ name: 'tcp-client', port: STORE_PORTS.zookeeper }], serviceAccount: 'zookeeper' },
};

/** A Secret an operator must create (e.g. as a SealedSecret) before the workloads start. */
export interface SecretRef {
  readonly name: string;
  readonly key: string;
}

/** Credentials the services receive for each store, by Secret reference (never by value). */
export const STORE_CLIENT_SECRETS: Readonly<Partial<Record<DataStoreName, Readonly<Record<string, SecretRef>>>>> = {
  postgres: {
    POSTGRES_USER: { name: 'postgres-app-credentials', key: 'username' },
    POSTGRES_PASSWORD: { name: 'postgres-app-credentials', key: 'password' },
  },
  redis: { REDIS_PASSWORD: { name: 'redis-credentials', key: 'password' } },
};

/** Connection settings a service receives in its ConfigMap for a store in `namespace`. */
export function storeConnectionEnv(store: DataStoreName, namespace: string, serviceName: string): Record<string, string> {
  const host = (svc: string) => `${svc}.${namespace}.svc.cluster.local`;
  switch (store) {
    case 'postgres':
      return {
        POSTGRES_HOST: host('postgres'),
        POSTGRES_READ_HOST: host('postgres-read'),
        POSTGRES_PORT: String(STORE_PORTS.postgres),
        POSTGRES_DB: serviceName.replace(/-/g, '_'),
        POSTGRES_SSLMODE: 'disable',
        POSTGRES_POOL_MAX: String(POSTGRES_POOL_PER_POD),
      };
    case 'redis':
      return {
        REDIS_SENTINEL_ADDRS: `${host('redis')}:${STORE_PORTS.sentinel}`,
        REDIS_SENTINEL_MASTER: REDIS_SENTINEL_MASTER,
        // No REDIS_HOST: a Service on 6379 would balance over read-only replicas. Sentinel-aware
        // clients get the master's pod DNS name (via the headless Service) from the Sentinels.
      };
    case 'kafka':
      return { KAFKA_BOOTSTRAP_SERVERS: `${host('kafka')}:${STORE_PORTS.kafka}`, KAFKA_CLIENT_ID: serviceName };
    case 'zookeeper':
      return { ZOOKEEPER_CONNECT: `${host('zookeeper')}:${STORE_PORTS.zookeeper}` };
  }
}

/**
 * One Prometheus metrics endpoint of the data layer: pods labelled
 * `app.kubernetes.io/name: <appName>` serve `path` on container port `port`
 * (named `portName`). The single source of truth for that port: the data
 * charts (container port, exporter flags) and the pods' `prometheus.io/*`
 * annotations read it from here. Prometheus never connects to it: istio-agent
 * fetches it over localhost and serves it merged with Envoy's metrics on
 * 15020 (`MERGED_METRICS`), which the Service `service` (labelled with the
 * same name and `app.kubernetes.io/component: metrics`) publishes as port
 * `portName` for the ServiceMonitor.
 */
export interface StoreMetrics {
  /** `app.kubernetes.io/name` of the pods that serve the metrics and of their Service. */
  readonly appName: string;
  readonly service: string;
  /** Name of the container port and of the metrics Service's port (which targets 15020). */
  readonly portName: string;
  /** The exporter's own port (container port, `prometheus.io/port`). */
  readonly port: number;
  /** The exporter's own path (`prometheus.io/path`). */
  readonly path: string;
  /** What serves the metrics (for docs and dashboards). */
  readonly exporter: string;
}

export const STORE_METRICS_COMPONENT = 'metrics';

const storeMetrics = (kind: DataStoreName, port: number, exporter: string): StoreMetrics => ({
  appName: STORE_ENDPOINTS[kind].appName,
  service: `${STORE_ENDPOINTS[kind].service}-metrics`,
  portName: METRICS_PORT_NAME,
  port,
  path: '/metrics',
  exporter,
});

/** The exporter inside each store's own pods (a sidecar, or built into the server). */
export const STORE_METRICS: Readonly<Record<DataStoreName, StoreMetrics>> = {
  postgres: storeMetrics('postgres', 9187, 'postgres_exporter'),
  redis: storeMetrics('redis', 9121, 'redis_exporter'),
  kafka: storeMetrics('kafka', 9404, 'Prometheus JMX exporter (java agent in each broker)'),
  zookeeper: storeMetrics('zookeeper', 7000, 'ZooKeeper PrometheusMetricsProvider'),
};

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
 * Every metrics endpoint a store's chart renders: the exporter in the store's
 * pods and, for Kafka, kafka_exporter. The ServiceMonitors follow this list.
 */
export function storeMetricsEndpoints(kind: DataStoreName): readonly StoreMetrics[] {
  return kind === 'kafka' ? [STORE_METRICS.kafka, KAFKA_EXPORTER.metrics] : [STORE_METRICS[kind]];
}

/**
 * PostgreSQL connection budget. `max_connections` is fixed (a restart
 * parameter: the primary must never restart because a client was added), and
 * so is each client pod's pool, `POSTGRES_POOL_MAX` (a client's config must
 * not change because another client or a canary was added). What is derived
 * from the spec is the check: the most client pods that can run at once —
 * every client at max replicas plus rolling-update surge, canaries included —
 * times the pool must fit in max_connections minus the reserve, or the spec
 * is refused.
 */
export const POSTGRES_MAX_CONNECTIONS = 200;
/** superuser_reserved_connections (3), the exporter, the provisioning Job and an operator's psql sessions. */
export const POSTGRES_RESERVED_CONNECTIONS = 10;
/** Connections each client pod may open (its pool's maximum). */
export const POSTGRES_POOL_PER_POD = 2;

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
