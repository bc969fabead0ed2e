
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

/**
 * What to do about a component's alerts, beside them: a markdown section per
 * alert (by alert name; its heading is the runbook anchor the alert links to),
 * and the component's procedures (restores, upgrades). docs/runbooks.md is
 * assembled from every component's (render/runbooks.ts).
 */
export interface Runbook {
  readonly alerts: Readonly<Record<string, string>>;
  /** Procedures after every alert section, each a `## heading`. @default none */
  readonly procedures?: readonly { readonly heading: string; readonly body: string }[];
  /** A data store's line in "Backups: what is kept, and what is not": what its backups keep (or that it has none, and why). @default none */
  readonly backups?: string;
}
