import type { ServiceModel } from '../../platform/model';

/**
 * A service's signals, stated once for its alerts and its dashboards (the
 * Grafana-mixin way): the mesh's request metrics as the destination sidecar
 * reports them (the same for every runtime), the queries over them, and the
 * SLO wording. Alerts compare these queries with the spec's thresholds;
 * dashboards plot them and name the same thresholds.
 */

/** A service's workloads as Istio names them: the service and, if it has one, its canary (held to the same SLO); blue-green: both colours. */
export const workloadsOf = (s: Pick<ServiceModel, 'name' | 'canary' | 'blueGreen'>): string[] =>
  s.blueGreen ? [s.blueGreen.active.name, s.blueGreen.idle.name].sort() : [s.name, ...(s.canary ? [s.canary.name] : [])];

/** Which destination workloads: one by name, or any of several (a regex alternation). */
export type WorkloadMatch = { readonly exact: string } | { readonly anyOf: readonly string[] };

/** Istio's request series received by `match` in `namespace`, as the destination sidecar reports them. */
export function requestSeries(namespace: string, match: WorkloadMatch): string {
  const workload = 'exact' in match ? `="${match.exact}"` : `=~"${match.anyOf.join('|')}"`;
  return `reporter="destination", destination_workload_namespace="${namespace}", destination_workload${workload}`;
}

const sum = (by?: string) => (by ? `sum by (${by}) ` : 'sum');

/** Requests per second over `series`, summed (by `by`). */
export const requestRate = (series: string, by?: string) => `${sum(by)}(rate(istio_requests_total{${series}}[5m]))`;

/** The share of requests answered with a 5xx status. */
export const errorRatio = (series: string, by?: string) =>
  `${sum(by)}(rate(istio_requests_total{${series}, response_code=~"5.."}[5m])) / ${sum(by)}(rate(istio_requests_total{${series}}[5m]))`;

/** The `q` quantile of request duration (ms); `by` keeps a label beside `le`. */
export const durationQuantile = (q: number, series: string, by?: string) =>
  `histogram_quantile(${q}, sum by (${by ? `${by}, ` : ''}le) (rate(istio_request_duration_milliseconds_bucket{${series}}[5m])))`;

/** A percentage as a ratio without floating-point noise (0.7 % → 0.007, not 0.006999…). */
export const ratio = (percent: number) => Number((percent / 100).toPrecision(12));

type Slo = ServiceModel['slo'];

/**
 * The SLO of `services` in words, for a panel description: the value most of
 * them share, then the others' (`200 ms (cart 500 ms, search 300 ms)`).
 */
function sloWords(services: readonly Pick<ServiceModel, 'name' | 'slo'>[], value: (slo: Slo) => number, unit: string): string {
  const counts = new Map<number, number>();
  for (const s of services) counts.set(value(s.slo), (counts.get(value(s.slo)) ?? 0) + 1);
  const common = [...counts].sort(([a, x], [b, y]) => y - x || a - b)[0]?.[0];
  const others = services.filter((s) => value(s.slo) !== common);
  return `${common}${unit}${others.length ? ` (${others.map((s) => `${s.name} ${value(s.slo)}${unit}`).join(', ')})` : ''}`;
}

/** `below 1 %` — the error-ratio SLO of these services. */
export const errorSloText = (services: readonly Pick<ServiceModel, 'name' | 'slo'>[]) => `below ${sloWords(services, (s) => s.errorRatePercent, ' %')}`;

/** `200 ms` — the p95 latency SLO of these services. */
export const latencySloText = (services: readonly Pick<ServiceModel, 'name' | 'slo'>[]) => sloWords(services, (s) => s.latencyP95Ms, ' ms');
