import type { Runbook } from '../../blocks/alerts/types';
import { minInSyncReplicas, replicationFactor } from './chart';

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
  backups: `- **Kafka is not backed up.** Its data is replicated (replication factor
  min(3, brokers), \`min.insync.replicas\` ${minInSyncReplicas(3)} of ${replicationFactor(3)}), which survives losing a broker
  and its volume, not the loss of the whole cluster or a bad write. Topics and
  their settings are re-created from the spec by the \`kafka-topics\` Job; the
  messages are not. Services that cannot lose events must keep them elsewhere
  (e.g. in PostgreSQL, with an outbox).`,
};
