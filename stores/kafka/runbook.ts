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

Where Kafka is managed (\`external\`, Amazon MSK…), kafka_exporter runs in the
services namespace and counts the brokers the spec lists: 0 when it cannot
reach them or log in. Read its log (\`kubectl -n <ns> logs deploy/kafka-exporter\`):
a refused login is the Secret (\`external.secretName\`: \`username\`, \`password\`,
the mechanism in \`external.sasl\`); a TLS error is the brokers' certificate; a
timeout is the network path (the brokers' addresses must be in \`external.cidrs\`)
or the provider (its console; a broker being patched is down for minutes). A
broker added or replaced under a new name is missing from \`external.brokers\`.
`,
  },
  backups: `- **Kafka is not backed up.** Its data is replicated (replication factor
  min(3, brokers), \`min.insync.replicas\` ${minInSyncReplicas(3)} of ${replicationFactor(3)}), which survives losing a broker
  and its volume, not the loss of the whole cluster or a bad write. Topics and
  their settings are re-created from the spec by the \`kafka-topics\` Job; the
  messages are not. Services that cannot lose events must keep them elsewhere
  (e.g. in PostgreSQL, with an outbox).`,
};
