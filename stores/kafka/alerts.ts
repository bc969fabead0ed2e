import type { EnvironmentModel } from '../../platform/model';
import { KAFKA_EXPORTER } from './catalogue';
import type { Alert, AlertGroup } from '../../blocks/alerts/types';

/**
 * PromQL matchers of kafka_exporter's series in namespace `ns`: its
 * ServiceMonitor's job (the `kafka-exporter-metrics` Service). kafka_exporter
 * exports `kafka_brokers` (brokers in the cluster metadata) and
 * `kafka_consumergroup_lag{consumergroup, topic, partition}`; the brokers' JMX
 * exporter exports neither.
 */
export const kafkaExporterSeries = (ns: string) => `namespace="${ns}", job="${KAFKA_EXPORTER.metrics.service}"`;

/** Where kafka_exporter runs in `env`: beside the brokers, or (a managed Kafka) in the services namespace beside the clients' Secret. */
export function kafkaExporterNamespace(env: Pick<EnvironmentModel, 'stores' | 'externalStores' | 'namespace' | 'dataNamespace'>): string {
  if (env.externalStores.some((x) => x.kind === 'kafka')) return env.namespace;
  return env.stores.find((s) => s.kind === 'kafka')?.namespace ?? env.dataNamespace;
}

/** Brokers in the cluster's metadata, as kafka_exporter sees them: the alert and the overview's health stat. */
export const kafkaBrokers = (ns: string) => `max(kafka_brokers{${kafkaExporterSeries(ns)}})`;

/**
 * Kafka: brokers down and, per consuming service, consumer lag that is still
 * above target with every replica the service may run (the autoscaler cannot
 * catch up), from kafka_exporter.
 */
export function kafkaAlerts(env: EnvironmentModel): AlertGroup | undefined {
  const kafka = env.stores.find((s) => s.kind === 'kafka');
  const managed = env.externalStores.find((s) => s.kind === 'kafka');
  if (!kafka && !managed) return undefined;
  const ns = kafkaExporterNamespace(env);
  // The brokers the cluster should have: ours, or every broker the spec lists for the provider's.
  const brokers = kafka ? kafka.replicas : managed!.hosts.length;
  const lag: Alert[] = env.services
    .filter((s) => s.consumes.length > 0)
    .map((s) => {
      const threshold = s.kafkaLagThreshold * s.maxReplicas;
      return {
        alert: 'KafkaConsumerLagHigh',
        expr: `sum by (consumergroup, topic) (kafka_consumergroup_lag{${kafkaExporterSeries(ns)}, consumergroup="${s.name}"}) > ${threshold}`,
        for: '15m',
        severity: 'warning',
        summary: `Consumer group ${s.name} is falling behind on {{ $labels.topic }}`,
        description: `Lag of ${s.name} on {{ $labels.topic }} is {{ $value }} messages, above ${threshold} (${s.kafkaLagThreshold} per replica × ${s.maxReplicas} replicas) for 15 minutes.`,
      };
    });
  return {
    name: `${env.platform}-${env.name}-kafka`,
    alerts: [
      {
        alert: 'KafkaBrokersDown',
        // `or vector(0)`: fires too when kafka_exporter cannot reach any broker (it then exports nothing).
        expr: `(${kafkaBrokers(ns)} or vector(0)) < ${brokers}`,
        for: '5m',
        severity: 'critical',
        summary: 'Kafka has fewer brokers than configured',
        description: managed
          ? `kafka_exporter (${KAFKA_EXPORTER.metrics.service} in ${ns}) sees {{ $value }} of the ${brokers} brokers of the managed Kafka (the spec's brokers; 0 when it cannot reach them or log in with Secret ${managed.secretName}: the endpoint, the network path or the credentials).`
          : `kafka_exporter (${KAFKA_EXPORTER.metrics.service}) sees {{ $value }} of ${brokers} brokers in ${ns}.`,
      },
      ...lag,
    ],
  };
}
