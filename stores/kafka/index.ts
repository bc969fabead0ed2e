import { KAFKA_RUNBOOK } from './runbook';
import type { StoreKind } from '../../charts/store-kind';
import type { EnvironmentModel, StoreModel } from '../../platform/model';
import type { PanelSpec } from '../../blocks/grafana';
import { kafkaAlerts, kafkaBrokers, kafkaExporterNamespace, kafkaExporterSeries } from './alerts';
import { KafkaChart, kafkaClients } from './chart';
import { KafkaTopicsChart } from './topics';
import { KafkaManagedChart } from './managed';
import { KAFKA_EXPORTER, KAFKA_TOPICS_NAME } from './catalogue';

function zookeeperOf(env: EnvironmentModel): StoreModel {
  const zk = env.stores.find((s) => s.kind === 'zookeeper');
  if (!zk) throw new Error(`environment ${env.name}: kafka runs in ZooKeeper mode and needs dataStores.zookeeper`);
  return zk;
}

/** The topics Job renders when services declare topics (in the cluster or against a managed Kafka). */
const hasTopics = (env: EnvironmentModel) => env.topics.length > 0;

/** Consumer lag on the overview, from kafka_exporter wherever it runs. */
function lagPanels(env: EnvironmentModel): PanelSpec[] {
  if (!env.services.some((s) => s.consumes.length > 0)) return [];
  return [
    {
      title: 'Kafka consumer lag',
      description: 'Messages not yet consumed, per consumer group.',
      unit: 'short',
      targets: [{ expr: `sum by (consumergroup) (kafka_consumergroup_lag{${kafkaExporterSeries(kafkaExporterNamespace(env))}})`, legendFormat: '{{consumergroup}}' }],
    },
  ];
}

/** Kafka brokers and kafka_exporter, and the topic Job when services declare topics. */
export const KAFKA_KIND: StoreKind = {
  runbook: KAFKA_RUNBOOK,
  addCharts: (scope, env, store) => [
    new KafkaChart(scope, `${env.name}-data-kafka`, { env, store, zookeeper: zookeeperOf(env) }),
    ...(hasTopics(env) ? [new KafkaTopicsChart(scope, `${env.name}-data-kafka-topics`, { env, store })] : []),
  ],
  // A provider's Kafka: kafka_exporter and the topic Job, in the services namespace with the clients' Secret.
  addManagedCharts: (scope, env, store) => [
    new KafkaManagedChart(scope, `${env.name}-data-kafka-managed`, { env, store }),
    ...(hasTopics(env) ? [new KafkaTopicsChart(scope, `${env.name}-data-kafka-topics`, { env, store })] : []),
  ],
  managedWorkloads: (env) => [KAFKA_EXPORTER.metrics.appName, ...(hasTopics(env) ? [KAFKA_TOPICS_NAME] : [])],
  clients: kafkaClients,
  alerts: kafkaAlerts,
  health: (ns) => ({ expr: kafkaBrokers(ns), legendFormat: 'Kafka brokers' }),
  overviewPanels: (env) => lagPanels(env),
  managedOverviewPanels: (env) => lagPanels(env),
};
