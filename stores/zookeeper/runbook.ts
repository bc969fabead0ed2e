import type { Runbook } from '../../blocks/alerts/types';

/** ZooKeeper: what to do when its alert fires. */
export const ZOOKEEPER_RUNBOOK: Runbook = {
  alerts: {
    ZooKeeperQuorumLost: `The ensemble has no quorum: no member reports being leader (only the leader
exports \`synced_followers\`), or the leader plus its followers in sync are fewer
than a majority of the ensemble (a single server: it is not serving). Kafka
cannot change metadata or elect a controller. Ask each member for its role
(\`kubectl -n <dataNs> exec zookeeper-N -- bash -c 'echo srvr | nc 127.0.0.1 2181'\`:
\`Mode: leader/follower\`, or "not currently serving requests"); restore the
failed members first (their pods and volumes), and never scale the ensemble
down while it has no quorum.
`,
  },
  backups: `- **ZooKeeper is not backed up.** A majority quorum survives losing a member
  and its volume; it holds only Kafka's metadata, which Kafka rebuilds for the
  topics it re-creates.`,
};
