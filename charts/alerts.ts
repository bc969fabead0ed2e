import type { EnvironmentModel } from '../platform/model';
import { serviceAlerts } from '../blocks/alerts/services';
import type { AlertGroup } from '../blocks/alerts/types';
import { storeAlertGroups } from '../stores';

export type { Alert, AlertGroup } from '../blocks/alerts/types';

/** Every component's alerts, in a fixed order: the services', then each store kind's (catalogue order). */
export function alertGroups(env: EnvironmentModel): AlertGroup[] {
  return [serviceAlerts(env), ...storeAlertGroups(env)].filter((g): g is AlertGroup => g !== undefined && g.alerts.length > 0);
}

/** Anchor of an alert's runbook section (docs/runbooks.md). */
export function runbookAnchor(alert: string): string {
  return alert.toLowerCase();
}
