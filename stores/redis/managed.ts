import type { Construct } from 'constructs';
import { secretEnv } from '../../blocks/stateful';
import { ManagedExporterChart, type ManagedStoreProps } from '../managed-exporter';
import { REDIS_MANAGED_EXPORTER } from './catalogue';
import { REDIS_EXPORTER_IMAGE } from './chart';

/**
 * A Redis a provider runs (ElastiCache, Memorystore, Azure Cache…):
 * redis_exporter pointed at the primary endpoint over TLS (`rediss://`, the
 * certificate checked against the image's CAs), logging in with the clients'
 * Secret (`<env>/data/redis-managed.yaml`; stores/managed-exporter.ts), so
 * `RedisDown` fires when the clients cannot reach it either.
 */
export class RedisManagedChart extends ManagedExporterChart {
  constructor(scope: Construct, id: string, props: ManagedStoreProps) {
    const { env, store } = props;
    super(scope, id, {
      env,
      store,
      metrics: REDIS_MANAGED_EXPORTER,
      image: REDIS_EXPORTER_IMAGE,
      containerEnv: [{ name: 'REDIS_ADDR', value: `rediss://${store.host}:${store.port}` }, secretEnv('REDIS_PASSWORD', store.secretName, 'password')],
    });
  }
}
