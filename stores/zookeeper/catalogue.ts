import { serviceHost, storeMetrics, type StoreCatalogue, type StoreEndpoint } from '../../catalogue/store-kind';

export const ZOOKEEPER_PORT = 2181;

const endpoint: StoreEndpoint = { appName: 'zookeeper', service: 'zookeeper', clientPorts: [{ name: 'tcp-client', port: ZOOKEEPER_PORT }], serviceAccount: 'zookeeper' };

/** ZooKeeper: Kafka's metadata quorum; its only clients are the brokers. */
export const ZOOKEEPER: StoreCatalogue = {
  unmanagedWhy: "ZooKeeper is Kafka's, not the services'",
  title: 'ZooKeeper',
  endpoint,
  dependable: false,
  clientStores: ['kafka'],
  connectionEnv: (namespace) => ({ ZOOKEEPER_CONNECT: `${serviceHost('zookeeper', namespace)}:${ZOOKEEPER_PORT}` }),
  metrics: [storeMetrics(endpoint, 7000, 'ZooKeeper PrometheusMetricsProvider')],
  backup: 'none',
};
