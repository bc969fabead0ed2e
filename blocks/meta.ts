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
  /** Which of the spec's `patches` changed the object (render/patches.ts). */
  patchedBy: 'platform-gen/patched-by',
  /** The file of `extraManifests` the object came from (charts/extra-manifests.ts). */
  fromFile: 'platform-gen/from-file',
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
 * The pods of a platform service that serve it, for its Service and every
 * policy that must reach or protect them: `app.kubernetes.io/name` and the
 * `server` component, so every track it runs — `<service>`, `<service>-canary`,
 * `<service>-blue`, `<service>-green` — is covered (never its scheduled
 * tasks' pods, component `cronjob`), and moving between release strategies
 * never narrows a Service or a policy while the routes still name the old
 * track: the mesh picks the track by DestinationRule subset. The spec keeps
 * the name unique to the service in its namespace.
 */
export function servicePods(s: { readonly name: string }): Record<string, string> {
  return { [LABEL.name]: s.name, [LABEL.component]: SERVER_COMPONENT };
}

/** `app.kubernetes.io/component` of the pods that serve a platform service (every track). */
export const SERVER_COMPONENT = 'server';

/** The Deployment an autoscaler scales (and Argo CD leaves the replicas of): the service's, or its active colour's. */
export function scaledDeployment(s: { readonly name: string; readonly blueGreen?: { readonly active: { readonly name: string } } }): string {
  return s.blueGreen?.active.name ?? s.name;
}

/** Pod label of a blue-green service's colour (`blue`, `green`); never in a selector (the instance tells the colours apart). */
export const COLOUR_LABEL = 'platform.example.com/colour';

/**
 * Every pod that runs as the service and calls what it calls — its tracks
 * and its CronJobs' pods, all named after it — as callees' NetworkPolicies
 * admit them.
 */
export function callerPods(s: { readonly name: string }): Record<string, string>[] {
  return [{ [LABEL.name]: s.name }];
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
