import type { Runbook } from '../../blocks/alerts/types';

/** Kafka: what to do when its alerts fire. */
export const KAFKA_RUNBOOK: Runbook = {
  alerts: {
    KafkaConsumerLagHigh: `A consumer group's lag stays above its target even at maximum replicas. Check
the consumers for errors and rebalancing; the number of partitions caps the
useful replicas. Raise maxReplicas or partitions.
`,
    KafkaBrokersDown: `kafka_exporter (Deployment \`kafka-exporter\` in the data namespace) sees fewer
brokers than configured, or reports nothing at all (it cannot reach any
broker, or is itself down: \`kubectl -n <dataNs> logs deploy/kafka-exporter\`).
Check the Kafka pods, their volumes, and ZooKeeper (see ZooKeeperQuorumLost).
`,
  },
};
