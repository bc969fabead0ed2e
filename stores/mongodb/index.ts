import { MONGODB_RUNBOOK } from './runbook';
import type { StoreKind } from '../../charts/store-kind';
import { mongodbAlerts, mongodbUp } from './alerts';
import { MongoDbChart, mongodbClients } from './chart';
import { MongoDbProvisionChart } from './provision';

/** MongoDB: the replica set and the provisioning Job. */
export const MONGODB_KIND: StoreKind = {
  runbook: MONGODB_RUNBOOK,
  addCharts: (scope, env, store) => [
    new MongoDbChart(scope, `${env.name}-data-mongodb`, { env, store }),
    new MongoDbProvisionChart(scope, `${env.name}-data-mongodb-provision`, { env, store }),
  ],
  clients: mongodbClients,
  alerts: mongodbAlerts,
  health: (ns) => ({ expr: `sum(${mongodbUp(ns)})`, legendFormat: 'MongoDB members up' }),
};
