import type { ManagedEndpoint, SecretRef, StoreCatalogue, StoreEndpoint, StoreMetrics } from './store-kind';
import { KAFKA } from '../stores/kafka/catalogue';
import { MONGODB } from '../stores/mongodb/catalogue';
import { MYSQL } from '../stores/mysql/catalogue';
import { POSTGRES } from '../stores/postgres/catalogue';
import { REDIS } from '../stores/redis/catalogue';
import { ZOOKEEPER } from '../stores/zookeeper/catalogue';

export { METRICS_PORT_NAME, STORE_METRICS_COMPONENT, type ManagedEndpoint, type SecretRef, type StoreCatalogue, type StoreEndpoint, type StoreMetrics } from './store-kind';

/**
 * The store registry of the catalogue layer: one line per kind, each entry
 * from its own folder (`stores/<kind>/catalogue.ts`). The kinds are its keys,
 * in this order (the order stores render in); the charts layer's registry
 * (`stores/index.ts`) is a mapped type over them, so a kind added here does
 * not compile until its charts are registered there too.
 */
export const STORE_CATALOGUE = {
  postgres: POSTGRES,
  mysql: MYSQL,
  redis: REDIS,
  kafka: KAFKA,
  zookeeper: ZOOKEEPER,
  mongodb: MONGODB,
} as const satisfies Record<string, StoreCatalogue>;

/** A data store kind: a key of the registry. */
export type DataStoreName = keyof typeof STORE_CATALOGUE;
/** The data store kinds, in registry order. */
export const DATA_STORES: readonly DataStoreName[] = Object.keys(STORE_CATALOGUE) as DataStoreName[];

/**
 * What the entries' own types cannot say (they cannot name the registry's
 * keys without a cycle): the kinds an entry names as clients or requirements
 * are kinds, and a backed-up kind, and only one, states its backup interval.
 * Checked when the registry loads.
 */
export function catalogueProblems(registry: Readonly<Record<string, StoreCatalogue>>): string[] {
  return Object.entries(registry).flatMap(([kind, c]) => [
    ...(['clientStores', 'requires'] as const).flatMap((field) => (c[field] ?? []).filter((k) => !(k in registry)).map((k) => `stores/${kind}/catalogue.ts: ${field} names '${k}', which is no store kind (kinds: ${Object.keys(registry).join(', ')})`)),
    ...((c.backup === 'none') !== (c.backupInterval === undefined) ? [`stores/${kind}/catalogue.ts: backup is '${c.backup}' ${c.backupInterval ? 'but a backupInterval is set' : 'but no backupInterval says how often'}`] : []),
  ]);
}
const problems = catalogueProblems(STORE_CATALOGUE);
if (problems.length) throw new Error(problems.join('\n'));

/** Store kinds whose pods are clients of `kind` (ZooKeeper: Kafka). */
export const STORE_CLIENT_STORES = Object.fromEntries(DATA_STORES.map((k) => [k, STORE_CATALOGUE[k].clientStores ?? []])) as { readonly [K in DataStoreName]: readonly DataStoreName[] };
/** Store kinds `kind` cannot run without (Kafka in ZooKeeper mode: ZooKeeper). */
export const STORE_REQUIRES = Object.fromEntries(DATA_STORES.map((k) => [k, STORE_CATALOGUE[k].requires ?? []])) as { readonly [K in DataStoreName]: readonly DataStoreName[] };

const byKind = <T>(f: (c: StoreCatalogue, kind: DataStoreName) => T): { readonly [K in DataStoreName]: T } =>
  Object.fromEntries(DATA_STORES.map((k) => [k, f(STORE_CATALOGUE[k], k)])) as { [K in DataStoreName]: T };

/** The data stores a service may name in `dependsOn` (ZooKeeper is Kafka's, not the services'). */
export const DEPENDABLE_STORES: readonly DataStoreName[] = DATA_STORES.filter((k) => STORE_CATALOGUE[k].dependable);

export const STORE_ENDPOINTS: { readonly [K in DataStoreName]: StoreEndpoint } = byKind((c) => c.endpoint);


/** The exporter inside each store's own pods (a sidecar, or built into the server). */
export const STORE_METRICS: { readonly [K in DataStoreName]: StoreMetrics } = byKind((c) => c.metrics[0]!);

/** Connection settings a service receives in its ConfigMap for a store in `namespace`. */
export function storeConnectionEnv(store: DataStoreName, namespace: string, serviceName: string, external?: ManagedEndpoint): Record<string, string> {
  const c: StoreCatalogue = STORE_CATALOGUE[store];
  if (!external) return c.connectionEnv(namespace, serviceName);
  if (!c.managed) throw new Error(`${c.title} has no managed form`);
  return c.managed.connectionEnv(external, serviceName);
}

/** A client's credentials for `store`: the in-cluster Secret's, or those of the Secret a managed store's spec names. */
export function storeClientSecrets(store: DataStoreName, external?: { readonly secretName: string }): Readonly<Record<string, SecretRef>> {
  const c: StoreCatalogue = STORE_CATALOGUE[store];
  if (!external) return c.clientSecrets ?? {};
  if (!c.managed) throw new Error(`${c.title} has no managed form`);
  return c.managed.clientSecrets(external.secretName);
}

/**
 * Every credential variable a client of `store` may receive, in the cluster or from a managed form:
 * the names a service's own `env` and `secrets` may not take.
 */
export function storeClientSecretNames(store: DataStoreName): string[] {
  const c: StoreCatalogue = STORE_CATALOGUE[store];
  return [...new Set([...Object.keys(c.clientSecrets ?? {}), ...Object.keys(c.managed?.clientSecrets('-') ?? {})])];
}

/** Every metrics endpoint a store's chart renders; the ServiceMonitors follow this list. */
export function storeMetricsEndpoints(kind: DataStoreName): readonly StoreMetrics[] {
  return STORE_CATALOGUE[kind].metrics;
}
