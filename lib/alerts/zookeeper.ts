import type { EnvironmentModel } from '../../platform/model';
import { STORE_METRICS } from '../stores';
import type { AlertGroup } from './types';

/** ZooKeeper: fewer live members than a quorum (majority) of the ensemble. */
export function zookeeperAlerts(env: EnvironmentModel): AlertGroup | undefined {
  const zk = env.stores.find((s) => s.kind === 'zookeeper');
  if (!zk) return undefined;
  const ns = zk.namespace;
  const quorum = Math.floor(zk.replicas / 2) + 1;
  return {
    name: `${env.platform}-${env.name}-zookeeper`,
    alerts: [
      {
        alert: 'ZooKeeperQuorumLost',
        // `or vector(0)`: the alert must fire when every member is gone, too.
        expr: `(sum(up{namespace="${ns}", job="${STORE_METRICS.zookeeper.service}"}) or vector(0)) < ${quorum}`,
        for: '2m',
        severity: 'critical',
        summary: 'ZooKeeper has lost its quorum',
        description: `Only {{ $value }} of ${zk.replicas} ZooKeeper members in ${ns} are up; ${quorum} are needed. Kafka cannot elect controllers or change metadata.`,
      },
    ],
  };
}
