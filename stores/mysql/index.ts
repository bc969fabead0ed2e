import { MYSQL_RUNBOOK } from './runbook';
import type { StoreKind } from '../../charts/store-kind';
import { mysqlAlerts, mysqlUp } from './alerts';
import { MySqlChart, mysqlClients } from './chart';
import { MySqlProvisionChart } from './provision';
import { MySqlManagedChart } from './managed';

/** MySQL (MariaDB): the primary and replicas, the provisioning Job; where a provider runs it, the exporter watching it. */
export const MYSQL_KIND: StoreKind = {
  runbook: MYSQL_RUNBOOK,
  addCharts: (scope, env, store) => [
    new MySqlChart(scope, `${env.name}-data-mysql`, { env, store }),
    new MySqlProvisionChart(scope, `${env.name}-data-mysql-provision`, { env, store }),
  ],
  addManagedCharts: (scope, env, store) => [new MySqlManagedChart(scope, `${env.name}-data-mysql-managed`, { env, store })],
  clients: mysqlClients,
  alerts: mysqlAlerts,
  health: (ns) => ({ expr: `sum(${mysqlUp(ns)})`, legendFormat: 'MySQL up' }),
};
