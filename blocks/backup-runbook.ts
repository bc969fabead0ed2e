import type { Runbook } from './alerts/types';

/** What every backed-up store keeps and what it does not (one section for all of them). */
export const BACKUPS_RUNBOOK: Runbook = {
  alerts: {
  },
  procedures: [
    { heading: 'Backups: what is kept, and what is not', body: `With \`environments.<env>.backups\` in the spec:
- **PostgreSQL** is backed up by pgBackRest 2.54 into the bucket under
  \`/<platform>/<env>/postgres\` (client-side AES-256 encrypted with the Secret's
  \`encryption-passphrase\`, zstd): every WAL segment as it completes (at least
  once a minute while there are writes: \`archive_timeout\` 60 s), and a full base
  backup every \`backups.postgres.fullEveryHours\` (default 24) and right after a
  restore. Backups and WAL older than \`retentionDays\` are expired (the newest
  full backup before that stays, so any time in the window can be restored).
  What a restore can lose: the writes of the last minute at most (the segment
  being filled), if the primary's volume is lost with it.
- **Redis** is snapshotted (RDB) from the master every \`backups.redis.everyHours\`
  (default 6) into \`/<platform>/<env>/redis/\`, kept \`retentionDays\`. A restore
  loses the writes since the snapshot.
- **Kafka and ZooKeeper are not backed up.** Their data is replicated (Kafka:
  replication factor min(3, brokers), \`min.insync.replicas\` 2 of 3; ZooKeeper: a
  majority quorum), which survives losing a broker or a member and their volumes,
  not the loss of the whole cluster or a bad write. Topics and their settings are
  re-created from the spec by the \`kafka-topics\` Job; the messages are not.
  ZooKeeper holds only Kafka's metadata, which Kafka rebuilds for the topics it
  re-creates. Services that cannot lose events must keep them elsewhere (e.g. in
  PostgreSQL, with an outbox).
- **The encryption passphrase is not recoverable**: keep a copy of the
  \`backup-credentials\` Secret's \`encryption-passphrase\` outside the cluster
  (the backups cannot be read without it, also by whoever holds the bucket).
` },
  ],
};
