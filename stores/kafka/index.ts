import { KAFKA_RUNBOOK } from './runbook';
import type { StoreKind } from '../../charts/store-kind';
import type { EnvironmentModel, StoreModel } from '../../platform/model';
import { kafkaAlerts, kafkaBrokers, kafkaExporterSeries } from './alerts';
import { KafkaChart, kafkaClients } from './chart';
import { KafkaTopicsChart } from './topics';

function zookeeperOf(env: EnvironmentModel): StoreModel {
  const zk = env.stores.find((s) => s.kind === 'zookeeper');
  if (!zk) throw new Error(`environment ${env.name}: kafka runs in ZooKeeper mode and needs dataStores.zookeeper`);
  return zk;
}

/** Kafka brokers and kafka_exporter, and the topic Job when services declare topics. */
export const KAFKA_KIND: StoreKind = {
  runbook: KAFKA_RUNBOOK,
  addCharts: (scope, env, store) => [
    new KafkaChart(scope, `${env.name}-data-kafka`, { env, store, zookeeper: zookeeperOf(env) }),
    ...(env.topics.length > 0 ? [new KafkaTopicsChart(scope, `${env.name}-data-kafka-topics`, { env, store })] : []),
  ],
  clients: kafkaClients,
  alerts: kafkaAlerts,
  health: (ns) => ({ expr: kafkaBrokers(ns), legendFormat: 'Kafka brokers' }),
  overviewPanels: (env, store) =>
    env.services.some((s) => s.consumes.length > 0)
      ? [
          {
            title: 'Kafka consumer lag',
            description: 'Messages not yet consumed, per consumer group.',
            unit: 'short',
            targets: [{ expr: `sum by (consumergroup) (kafka_consumergroup_lag{${kafkaExporterSeries(store.namespace)}})`, legendFormat: '{{consumergroup}}' }],
          },
        ]
      : [],
};
