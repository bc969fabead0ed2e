/**
 * One place that makes names, labels, selectors and metadata for every object
 * (the role of Bitnami's `common` chart). Nothing else builds label maps.
 */
export const MANAGED_BY = 'platform-gen';

export const LABEL = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  version: 'app.kubernetes.io/version',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

export const ANNOTATION = {
  syncWave: 'argocd.argoproj.io/sync-wave',
  syncOptions: 'argocd.argoproj.io/sync-options',
  hook: 'argocd.argoproj.io/hook',
  hookDeletePolicy: 'argocd.argoproj.io/hook-delete-policy',
  configChecksum: 'checksum/config',
  prometheusScrape: 'prometheus.io/scrape',
  prometheusPort: 'prometheus.io/port',
  prometheusPath: 'prometheus.io/path',
} as const;

/** Who an object belongs to. `instance` is unique per workload in a namespace. */
export interface Identity {
  /** `app.kubernetes.io/name`: the application (service name, `postgresql`, `redis`…). */
  readonly name: string;
  /** `app.kubernetes.io/instance`: the workload, unique in its namespace and stable across releases. */
  readonly instance: string;
  /** `app.kubernetes.io/component`: its role (`server`, `primary`, `namespace`…). */
  readonly component: string;
  /** `app.kubernetes.io/part-of`: the platform. */
  readonly partOf: string;
  /** `app.kubernetes.io/version`: release of what runs (image tag); never in selectors. */
  readonly version: string;
}

export function labels(id: Identity, extra: Record<string, string> = {}): Record<string, string> {
  return {
    [LABEL.name]: id.name,
    [LABEL.instance]: id.instance,
    [LABEL.component]: id.component,
    [LABEL.partOf]: id.partOf,
    [LABEL.version]: labelValue(id.version),
    [LABEL.managedBy]: MANAGED_BY,
    ...extra,
  };
}

/**
 * The pod selector of a workload: name + instance only. Never the version and
 * never a construct path, so selectors stay valid across releases and refactors.
 */
export function selector(id: Pick<Identity, 'name' | 'instance'>): Record<string, string> {
  return { [LABEL.name]: id.name, [LABEL.instance]: id.instance };
}

/**
 * The pods of a platform service, for its Service and every policy that must
 * reach or protect them. Without a canary: its one Deployment (name +
 * instance, as `selector`). With a canary: `app.kubernetes.io/name` alone, so
 * the stable (`<service>`) and canary (`<service>-canary`) instances are both
 * covered; the spec keeps that name unique to the service in its namespace.
 */
export function servicePods(s: { readonly name: string; readonly canary?: object }): Record<string, string> {
  return s.canary ? { [LABEL.name]: s.name } : selector({ name: s.name, instance: s.name });
}

/**
 * Every set of pods that runs as the service and calls what it calls: its tracks (`servicePods`) and
 * each of its CronJobs' pods (by their instance, so the Service, autoscaler and budget never select them).
 * What callees' NetworkPolicies admit.
 */
export function callerPods(s: { readonly name: string; readonly canary?: object; readonly cronJobs?: readonly { readonly name: string }[] }): Record<string, string>[] {
  return [servicePods(s), ...(s.cronJobs ?? []).map((c) => selector({ name: s.name, instance: c.name }))];
}

/** Pod label of a canary track (`canary`); never in a selector. Stable pods do not carry it, so adding a canary does not restart them. */
export const TRACK_LABEL = 'platform.example.com/track';

/** Label values are at most 63 characters of `[A-Za-z0-9._-]`, alphanumeric at both ends. */
export function labelValue(v: string): string {
  const cleaned = v.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

export interface MetaOptions {
  readonly name: string;
  /** Omit only for cluster-scoped kinds. */
  readonly namespace?: string;
  readonly id: Identity;
  /** Argo CD sync wave (see blocks/waves.ts). */
  readonly wave: number;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export function meta(o: MetaOptions) {
  return {
    name: o.name,
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    labels: labels(o.id, o.labels),
    annotations: { [ANNOTATION.syncWave]: String(o.wave), ...o.annotations },
  };
}

/**
 * Pod annotations that name a pod's one application metrics endpoint. Istio's
 * sidecar injector (metrics merging, `meshConfig.enablePrometheusMerge`, on by
 * default) moves them into istio-agent's `ISTIO_PROMETHEUS_ANNOTATIONS` and
 * rewrites them to `15020` / `/stats/prometheus`, where the agent serves the
 * application's metrics (fetched from `localhost:<port><path>`) merged with
 * Envoy's and its own. One endpoint per pod.
 */
export function metricsMergeAnnotations(endpoint: { readonly port: number; readonly path: string }): Record<string, string> {
  return { [ANNOTATION.prometheusScrape]: 'true', [ANNOTATION.prometheusPort]: String(endpoint.port), [ANNOTATION.prometheusPath]: endpoint.path };
}
