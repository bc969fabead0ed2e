import { ZOOKEEPER_RUNBOOK } from './runbook';
import type { StoreKind } from '../../charts/store-kind';
import { dependentClients } from '../../blocks/store-clients';
import { zookeeperAlerts, zookeeperSeries } from './alerts';
import { ZooKeeperChart } from './chart';

/** ZooKeeper, Kafka's quorum. */
export const ZOOKEEPER_KIND: StoreKind = {
  runbook: ZOOKEEPER_RUNBOOK,
  addCharts: (scope, env, store) => [new ZooKeeperChart(scope, `${env.name}-data-zookeeper`, { env, store })],
  clients: dependentClients,
  alerts: zookeeperAlerts,
  health: (ns) => ({ expr: `sum(up{${zookeeperSeries(ns)}})`, legendFormat: 'ZooKeeper members up' }),
};
