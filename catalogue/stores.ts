import { DATA_STORES, type DataStoreName, type SecretRef, type StoreCatalogue, type StoreEndpoint, type StoreMetrics } from './store-kind';
import { KAFKA } from '../stores/kafka/catalogue';
import { POSTGRES } from '../stores/postgres/catalogue';
import { REDIS } from '../stores/redis/catalogue';
import { ZOOKEEPER } from '../stores/zookeeper/catalogue';

export { DATA_STORES, METRICS_PORT_NAME, STORE_METRICS_COMPONENT, type DataStoreName, type SecretRef, type StoreCatalogue, type StoreEndpoint, type StoreMetrics } from './store-kind';

/**
 * The store catalogue: one entry per kind, each from its own folder. A mapped
 * type over DATA_STORES, so a kind without an entry (or an entry without a
 * kind) does not compile.
 */
export const STORE_CATALOGUE: { readonly [K in DataStoreName]: StoreCatalogue } = {
  postgres: POSTGRES,
  redis: REDIS,
  kafka: KAFKA,
  zookeeper: ZOOKEEPER,
};

const byKind = <T>(f: (c: StoreCatalogue, kind: DataStoreName) => T): { readonly [K in DataStoreName]: T } =>
  Object.fromEntries(DATA_STORES.map((k) => [k, f(STORE_CATALOGUE[k], k)])) as { [K in DataStoreName]: T };

/** The data stores a service may name in `dependsOn` (ZooKeeper is Kafka's, not the services'). */
export const DEPENDABLE_STORES: readonly DataStoreName[] = DATA_STORES.filter((k) => STORE_CATALOGUE[k].dependable);

export const STORE_ENDPOINTS: { readonly [K in DataStoreName]: StoreEndpoint } = byKind((c) => c.endpoint);

/** Credentials the services receive for each store, by Secret reference (never by value). */
export const STORE_CLIENT_SECRETS: { readonly [K in DataStoreName]: Readonly<Record<string, SecretRef>> } = byKind((c) => c.clientSecrets ?? {});

/** The exporter inside each store's own pods (a sidecar, or built into the server). */
export const STORE_METRICS: { readonly [K in DataStoreName]: StoreMetrics } = byKind((c) => c.metrics[0]!);

/** Connection settings a service receives in its ConfigMap for a store in `namespace`. */
export function storeConnectionEnv(store: DataStoreName, namespace: string, serviceName: string): Record<string, string> {
  return STORE_CATALOGUE[store].connectionEnv(namespace, serviceName);
}

/** Every metrics endpoint a store's chart renders; the ServiceMonitors follow this list. */
export function storeMetricsEndpoints(kind: DataStoreName): readonly StoreMetrics[] {
  return STORE_CATALOGUE[kind].metrics;
}
