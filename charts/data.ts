import type { Construct } from 'constructs';
import type { PlatformChart } from './platform-chart';
import type { EnvironmentModel, StoreModel } from '../platform/model';
import * as postgres from './postgres';
import * as provision from './postgres-provision';
import * as postgresBackup from './postgres-backup';
import * as redis from './redis';
import * as redisBackup from './redis-backup';
import * as zookeeper from './zookeeper';
import * as kafka from './kafka';
import * as topics from './kafka-topics';

/**
 * The data layer of one environment: one chart per store in `env.stores`
 * (`<env>/data/<store>.yaml`), the PostgreSQL provisioning Job
 * (`<env>/data/postgres-provision.yaml`), the PostgreSQL backup check when
 * the environment has backups (`<env>/data/postgres-backup.yaml`), the Redis
 * snapshot CronJob then (`<env>/data/redis-backup.yaml`) and, when services declare topics,
 * the Kafka topic Job (`<env>/data/kafka-topics.yaml`).
 */
export function addDataCharts(scope: Construct, env: EnvironmentModel): Map<string, PlatformChart[]> {
  const out = new Map<string, PlatformChart[]>();
  for (const store of env.stores) {
    const id = `${env.name}-data-${store.kind}`;
    const charts: PlatformChart[] = [];
    switch (store.kind) {
      case 'postgres':
        charts.push(new postgres.PostgresChart(scope, id, { env, store }));
        charts.push(new provision.PostgresProvisionChart(scope, `${env.name}-data-postgres-provision`, { env, store }));
        if (store.backup) charts.push(new postgresBackup.PostgresBackupChart(scope, `${env.name}-data-postgres-backup`, { env, store }));
        break;
      case 'redis':
        charts.push(new redis.RedisChart(scope, id, { env, store }));
        if (store.backup) charts.push(new redisBackup.RedisBackupChart(scope, `${env.name}-data-redis-backup`, { env, store }));
        break;
      case 'zookeeper':
        charts.push(new zookeeper.ZooKeeperChart(scope, id, { env, store }));
        break;
      case 'kafka':
        charts.push(new kafka.KafkaChart(scope, id, { env, store, zookeeper: zookeeperOf(env) }));
        if (env.topics.length > 0) charts.push(new topics.KafkaTopicsChart(scope, `${env.name}-data-kafka-topics`, { env, store }));
        break;
    }
    out.set(store.kind, charts);
  }
  return out;
}

function zookeeperOf(env: EnvironmentModel): StoreModel {
  const zk = env.stores.find((s) => s.kind === 'zookeeper');
  if (!zk) throw new Error(`environment ${env.name}: kafka runs in ZooKeeper mode and needs dataStores.zookeeper`);
  return zk;
}

