import { DATA_STORES, type DataStoreName } from '../catalogue/stores';
import type { StoreKind } from '../charts/store-kind';
import type { EnvironmentModel } from '../platform/model';
import { KAFKA_KIND } from './kafka';
import { MONGODB_KIND } from './mongodb';
import { MYSQL_KIND } from './mysql';
import { POSTGRES_KIND } from './postgres';
import { REDIS_KIND } from './redis';
import { ZOOKEEPER_KIND } from './zookeeper';

/**
 * The store registry: what renders each data store kind. A mapped type over
 * the catalogue's DATA_STORES, so adding a kind there fails to compile until
 * its folder (`stores/<kind>/`: catalogue, charts, alerts, panels) is here.
 */
export const STORE_KINDS: { readonly [K in DataStoreName]: StoreKind } = {
  postgres: POSTGRES_KIND,
  mysql: MYSQL_KIND,
  redis: REDIS_KIND,
  kafka: KAFKA_KIND,
  zookeeper: ZOOKEEPER_KIND,
  mongodb: MONGODB_KIND,
};

/** The stores' alert groups in `env`, in catalogue order. */
export function storeAlertGroups(env: EnvironmentModel) {
  return DATA_STORES.map((k) => STORE_KINDS[k].alerts(env));
}
