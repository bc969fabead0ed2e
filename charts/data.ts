import type { App } from 'cdk8s';
import type { Footprint } from '../lib/quota';
import type { EnvironmentModel, StoreModel } from '../platform/model';
import type { DataStoreName } from '../platform/schema';
import * as postgres from './postgres';
import * as redis from './redis';

/**
 * The data layer of one environment: one chart per store in `env.stores`
 * (`<env>/data/<store>.yaml`) plus the Kafka topics (`<env>/data/kafka-topics.yaml`).
 */
export function addDataCharts(app: App, env: EnvironmentModel): void {
  for (const store of env.stores) {
    const id = `${env.name}-data-${store.kind}`;
    switch (store.kind) {
      case 'postgres':
        new postgres.PostgresChart(app, id, { env, store });
        break;
      case 'redis':
        new redis.RedisChart(app, id, { env, store });
        break;
      default:
        break;
    }
  }
}

const FOOTPRINTS: Partial<Record<DataStoreName, (store: StoreModel) => Footprint>> = {
  postgres: postgres.footprint,
  redis: redis.footprint,
};

/** What the data layer can claim, per namespace, for the ResourceQuota. */
export function dataFootprints(env: EnvironmentModel): { namespace: string; footprint: Footprint }[] {
  return env.stores.flatMap((store) => {
    const f = FOOTPRINTS[store.kind];
    return f ? [{ namespace: store.namespace, footprint: f(store) }] : [];
  });
}
