import type { EnvironmentModel } from '../../platform/model';
import { STORE_METRICS } from '../../catalogue/stores';
import type { AlertGroup } from '../../blocks/alerts/types';

/** Members that must agree for ZooKeeper to serve: a majority of the ensemble. */
export const zookeeperQuorum = (members: number) => Math.floor(members / 2) + 1;

/**
 * The quorum as ZooKeeper's PrometheusMetricsProvider reports it. An ensemble
 * (more than one server) has a quorum while a leader serves with at least a
 * majority − 1 followers in sync: only the leader exports `synced_followers`
 * (followers in sync, itself not counted), so no series means no leader. A
 * single server runs standalone (no leader metrics); it serves while it
 * exports its server gauges (`uptime`).
 */
export function zookeeperQuorumExpr(ns: string, members: number): string {
  const series = zookeeperSeries(ns);
  // `or vector(0)`: the alert must fire when no leader (or no server) reports at all.
  return members > 1 ? `(max(synced_followers{${series}}) + 1 or vector(0)) < ${zookeeperQuorum(members)}` : `(count(uptime{${series}}) or vector(0)) < 1`;
}

/** Matchers of the ensemble's own series in namespace `ns` (its ServiceMonitor's job), for its alerts and panels. */
export const zookeeperSeries = (ns: string) => `namespace="${ns}", job="${STORE_METRICS.zookeeper.service}"`;

/** ZooKeeper: no leader, or fewer members in sync with it than a quorum (majority) of the ensemble. */
export function zookeeperAlerts(env: EnvironmentModel): AlertGroup | undefined {
  const zk = env.stores.find((s) => s.kind === 'zookeeper');
  if (!zk) return undefined;
  const ns = zk.namespace;
  const quorum = zookeeperQuorum(zk.replicas);
  return {
    name: `${env.platform}-${env.name}-zookeeper`,
    alerts: [
      {
        alert: 'ZooKeeperQuorumLost',
        expr: zookeeperQuorumExpr(ns, zk.replicas),
        for: '2m',
        severity: 'critical',
        summary: 'ZooKeeper has lost its quorum',
        description:
          zk.replicas > 1
            ? `Only {{ $value }} of ${zk.replicas} ZooKeeper members in ${ns} are in sync with a leader (0: no leader); ${quorum} are needed. Kafka cannot elect controllers or change metadata.`
            : `The ZooKeeper server in ${ns} is not serving. Kafka cannot elect controllers or change metadata.`,
      },
    ],
  };
}
