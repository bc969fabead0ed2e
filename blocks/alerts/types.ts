
/**
 * One Prometheus alert, defined next to the other alerts of its component
 * (Grafana-mixin style). The runbook URL is added when the groups are
 * assembled into the environment's PrometheusRule.
 */
export interface Alert {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold, e.g. `10m`. */
  readonly for: string;
  readonly severity: 'critical' | 'warning';
  readonly summary: string;
  readonly description: string;
}

export interface AlertGroup {
  readonly name: string;
  readonly alerts: readonly Alert[];
}


/** `a|b|c` for a PromQL regex matcher over DNS names (which need no escaping). */
export const anyOf = (names: readonly string[]): string => names.join('|');
