/**
 * What a data store kind is, as the rest of the platform needs to know it —
 * one `StoreCatalogue` per kind, in `stores/<kind>/catalogue.ts`, gathered by
 * the exhaustive registry in `catalogue/stores.ts`. The charts, alerts and
 * dashboard panels of a kind live beside it in `stores/<kind>/` (charts layer).
 */

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
  /**
   * A proxy in front of the store that its client services connect to besides the store's pods
   * (Redis: `redis-master`, routing to whichever node is the master). Its pods are labelled
   * `app.kubernetes.io/name: <appName>`, behind the Service `service` on `port`, running as
   * `serviceAccount`. @default none
   */
  readonly proxy?: { readonly appName: string; readonly service: string; readonly port: number; readonly serviceAccount: string };
}

/** A Secret an operator must create (e.g. as a SealedSecret) before the workloads start. */
export interface SecretRef {
  readonly name: string;
  readonly key: string;
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


/** The exporter inside a store's own pods: its port and what serves it, named after the store's endpoint. */
export const storeMetrics = (endpoint: StoreEndpoint, port: number, exporter: string): StoreMetrics => ({
  appName: endpoint.appName,
  service: `${endpoint.service}-metrics`,
  portName: METRICS_PORT_NAME,
  port,
  path: '/metrics',
  exporter,
});

/** Where a managed store is, as its clients and the mesh see it (`dataStores.<kind>.environments.<env>.external`). */
export interface ManagedEndpoint {
  /** Its host (PostgreSQL, MySQL), or every broker (Kafka), in the spec's order. */
  readonly hosts: readonly string[];
  readonly port: number;
  /** The SASL mechanism its clients authenticate with (Kafka). @default none */
  readonly sasl?: string;
}

/** A store kind's managed (external) form: what its clients get when a provider runs it. */
export interface ManagedStore {
  /** The port when the spec gives none. */
  readonly defaultPort: number;
  /**
   * What the spec names: the endpoint (`host`), or every broker (`brokers`: a client connects to
   * each broker the bootstrap answers with, so each needs its egress). @default 'host'
   */
  readonly endpoints?: 'host' | 'brokers';
  /**
   * How the mesh sees the connection: plain TCP (the protocol negotiates TLS itself, so the
   * ServiceEntry matches it by address and port) or TLS from the first byte (matched by SNI).
   */
  readonly protocol: 'TCP' | 'TLS';
  /** SASL mechanisms the spec may choose (`external.sasl`), the default first. @default none: no `sasl` */
  readonly saslMechanisms?: readonly string[];
  /** The client's connection settings for the managed endpoint (the same names `connectionEnv` sets). */
  connectionEnv(endpoint: ManagedEndpoint, serviceName: string): Record<string, string>;
  /** The client's credentials, from the Secret the spec names (the same variable names as `clientSecrets`, and any the managed form adds). */
  clientSecrets(secretName: string): Record<string, SecretRef>;
  /**
   * The exporter the platform runs in the services namespace (where the Secret is), pointed at the
   * managed endpoint, so the kind's availability alert still fires. @default none
   */
  readonly exporter?: StoreMetrics;
}

/** One data store kind, as the spec, the model, the services and the policies see it. */
export interface StoreCatalogue {
  /** Its name for people (diagram, docs). */
  readonly title: string;
  /** Pod labels, client Service, client ports and ServiceAccount (mesh principal). */
  readonly endpoint: StoreEndpoint;
  /**
   * Who connects: services that name it in `dependsOn` (true), or only the
   * stores in `clientStores` (ZooKeeper: the Kafka brokers). The store's
   * NetworkPolicy and AuthorizationPolicy both admit exactly these.
   */
  readonly dependable: boolean;
  /** Store kinds whose pods are clients of this one (each a key of the registry; `catalogue/stores.ts` checks). @default none */
  readonly clientStores?: readonly string[];
  /** Store kinds it cannot run without (Kafka in ZooKeeper mode: ZooKeeper; checked likewise). @default none */
  readonly requires?: readonly string[];
  /**
   * Connections the store has for its client services, when fixed: every
   * client pod that can run at once (max replicas plus surge, canaries, one
   * pod per scheduled task), at `perPod` each, must fit in `available` — the
   * spec is refused otherwise. @default no limit
   */
  readonly connectionBudget?: { readonly perPod: number; readonly available: number; /** How `available` is made up, for the error. */ readonly why: string };
  /** Credentials each client service receives, by Secret reference. @default none */
  readonly clientSecrets?: Readonly<Record<string, SecretRef>>;
  /** Connection settings a client service receives in its ConfigMap, for the store in `namespace`. */
  connectionEnv(namespace: string, serviceName: string): Record<string, string>;
  /**
   * The kind run by a cloud provider outside the cluster (`dataStores.<kind>.environments.<env>.external`):
   * its clients get the same variables pointed at the managed endpoint, their credentials from the Secret
   * the spec names. @default not supported (the spec refuses `external` for the kind, saying why)
   */
  readonly managed?: ManagedStore;
  /** Why the kind cannot be managed outside the cluster yet (shown when the spec asks for it). @default — */
  readonly unmanagedWhy?: string;
  /** Every metrics endpoint its chart renders, the exporter in its own pods first; the ServiceMonitors follow this list. */
  readonly metrics: readonly StoreMetrics[];
  /**
   * `app.kubernetes.io/name` of its pods besides the store's own (its Jobs and
   * exporters). A service with a canary is selected by name alone, so no
   * service may take one of these names (nor the store's). @default none
   */
  readonly otherPods?: readonly string[];
  /** How its data survives the loss of every claim: not at all (replicated only), snapshots, or point-in-time restore. */
  readonly backup: 'none' | 'snapshots' | 'point-in-time';
  /**
   * How often it is backed up, as the spec sets it under
   * `environments.<env>.backups.<kind>.<key>` (hours). @default none (not backed up)
   */
  readonly backupInterval?: { readonly key: string; readonly defaultHours: number; readonly maxHours: number; readonly description: string };
  /** Why `version` cannot be rendered, or undefined when it can. @default every version the spec's format admits */
  versionProblem?(version: string): string | undefined;
  /**
   * The on-disk format a version reads and writes (PostgreSQL: its major version). A version whose
   * format differs from the one its claims hold cannot start on them: the synth refuses the change
   * unless the spec says the data was migrated (`upgradedFrom`). @default every version reads its predecessors' data
   */
  dataFormat?(version: string): string;
  /** Where the runbook for a change of `dataFormat` is (a heading of docs/runbooks.md). */
  readonly dataFormatRunbook?: string;
}

/** `<service>.<namespace>.svc.cluster.local` */
export const serviceHost = (service: string, namespace: string) => `${service}.${namespace}.svc.cluster.local`;
