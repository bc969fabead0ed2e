import type { EnvironmentModel } from '../../platform/model';
import { kafkaAlerts } from './kafka';
import { postgresAlerts } from './postgres';
import { redisAlerts } from './redis';
import { serviceAlerts } from './services';
import type { AlertGroup, AlertGroupBuilder } from './types';
import { zookeeperAlerts } from './zookeeper';

export type { Alert, AlertGroup } from './types';

/** Every component's alerts, in a fixed order. */
export const ALERT_GROUPS: readonly AlertGroupBuilder[] = [serviceAlerts, postgresAlerts, redisAlerts, kafkaAlerts, zookeeperAlerts];

export function alertGroups(env: EnvironmentModel): AlertGroup[] {
  return ALERT_GROUPS.map((build) => build(env)).filter((g): g is AlertGroup => g !== undefined && g.alerts.length > 0);
}

/** Anchor of an alert's runbook section (docs/runbooks.md). */
export function runbookAnchor(alert: string): string {
  return alert.toLowerCase();
}
