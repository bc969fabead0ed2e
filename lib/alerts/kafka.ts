import type { EnvironmentModel } from '../../platform/model';
import { STORE_METRICS } from '../stores';
import type { Alert, AlertGroup } from './types';

/**
 * Kafka: brokers down and, per consuming service, consumer lag that is still
 * above target with every replica the service may run (the autoscaler cannot
 * catch up), from kafka_exporter.
 */
export function kafkaAlerts(env: EnvironmentModel): AlertGroup | undefined {
  const kafka = env.stores.find((s) => s.kind === 'kafka');
  if (!kafka) return undefined;
  const ns = kafka.namespace;
  const lag: Alert[] = env.services
    .filter((s) => s.consumes.length > 0)
    .map((s) => {
      const threshold = s.kafkaLagThreshold * s.maxReplicas;
      return {
        alert: 'KafkaConsumerLagHigh',
        expr: `sum by (consumergroup, topic) (kafka_consumergroup_lag{namespace="${ns}", consumergroup="${s.name}"}) > ${threshold}`,
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
        expr: `(max(kafka_brokers{namespace="${ns}"}) or vector(0)) < ${kafka.replicas}`,
        for: '5m',
        severity: 'critical',
        summary: 'Kafka has fewer brokers than configured',
        description: `kafka_exporter (${STORE_METRICS.kafka.service}) sees {{ $value }} of ${kafka.replicas} brokers in ${ns}.`,
      },
      ...lag,
    ],
  };
}
