/**
 * What each access level of `teams:` means — the one statement both the
 * Kubernetes roles (charts/access.ts, blocks/access-rules.ts) and the Argo CD
 * project roles (charts/argocd.ts) are derived from.
 */

/** Access levels a team can have in an environment, weakest first. */
export const ACCESS_LEVELS = ['view', 'audit', 'deploy', 'edit', 'admin'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** One line per level, for the schema and README. */
export const ACCESS_LEVEL_DOC: Readonly<Record<AccessLevel, string>> = {
  view: 'read what the environment runs (no Secrets, no RBAC); Argo CD: see the Application and its logs',
  audit: 'view plus the RBAC objects (who may do what), still no Secrets; Argo CD: see the Application and its logs',
  deploy: 'view in the cluster; Argo CD: sync the Application (the CI/CD deployer: changes arrive through git)',
  edit: 'view plus operate the workloads (restart, scale, delete pods, exec, port-forward, Jobs, ConfigMaps) and their Secrets; Argo CD: sync, run resource actions, exec',
  admin: 'edit plus the guardrails inside the namespaces (network and mesh policies, routes within the namespace, disruption budgets, ServiceAccounts, monitors); never RBAC, the quota or limits, the Gateway or certificates; Argo CD: sync, resource actions, exec',
};

/** The parts a level is aggregated from (one ClusterRole each), and the levels each part aggregates into. */
export const ACCESS_PARTS = {
  /** get/list/watch on everything the environments run, except Secrets and RBAC. */
  read: ['view', 'audit', 'deploy', 'edit', 'admin'],
  /** get/list/watch on Roles and RoleBindings (who may do what; changed through git only). */
  'read-rbac': ['audit', 'admin'],
  /** change the workloads and their configuration. */
  operate: ['edit', 'admin'],
  /** read and write Secrets. */
  secrets: ['edit', 'admin'],
  /** change the guardrails and routes inside the namespaces (MANAGED_KINDS). */
  manage: ['admin'],
} as const satisfies Record<string, readonly AccessLevel[]>;
export type AccessPart = keyof typeof ACCESS_PARTS;

/**
 * Kinds the `operate` part may create, change and delete: the workloads and what they read. Not Services:
 * a `type: LoadBalancer` or NodePort one would publish pods past the gateway and its policies.
 */
export const OPERATED_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'Job', 'CronJob', 'ConfigMap', 'HorizontalPodAutoscaler', 'ScaledObject']);

/**
 * Kinds the `manage` part may change where the environments render them: the guardrails and routes inside a
 * namespace. An allowlist: a kind on no list (a bare Pod or Endpoints in extraManifests, a new CRD) is read-only.
 * Not the Gateway (its servers' hosts decide which namespace's routes the shared ingress proxy serves for which
 * host name: a team's could claim another environment's host) and not cert-manager's Certificate (one in a
 * team's namespace may name a ClusterIssuer and get a trusted certificate for any host): both are the
 * platform's, changed through git. What RBAC cannot say about the kinds that stay (where a route may lead, what
 * a pod template may change in the mesh) the admission guardrails say (charts/guardrails.ts).
 */
export const MANAGED_KINDS: ReadonlySet<string> = new Set([
  'NetworkPolicy',
  'AuthorizationPolicy',
  'PeerAuthentication',
  'Sidecar',
  'ServiceEntry',
  'VirtualService',
  'DestinationRule',
  'PodDisruptionBudget',
  'ServiceAccount',
  'ServiceMonitor',
  'PodMonitor',
  'PrometheusRule',
  'VerticalPodAutoscaler',
  'Telemetry',
]);

/** Kinds no level may change: the namespace's bounds are the platform's, changed through git only. */
export const PLATFORM_ONLY_KINDS: ReadonlySet<string> = new Set(['ResourceQuota', 'LimitRange', 'Namespace']);

/** Kinds only `secrets` reads. */
export const SECRET_KINDS: ReadonlySet<string> = new Set(['Secret']);

/** RBAC kinds: read by `read-rbac`, written by nobody (a level that could bind could give itself to anyone). */
export const RBAC_KINDS: ReadonlySet<string> = new Set(['Role', 'RoleBinding']);

/** A group and resource as RBAC rules name them. */
export interface GroupResource {
  readonly group: string;
  readonly resource: string;
}

/** Objects the environments do not render but run (made by controllers), read by every level. */
export const RUNTIME_RESOURCES: readonly GroupResource[] = [
  { group: '', resource: 'pods' },
  { group: '', resource: 'pods/log' },
  { group: '', resource: 'events' },
  { group: '', resource: 'endpoints' },
  { group: '', resource: 'persistentvolumeclaims' },
  { group: 'apps', resource: 'replicasets' },
  { group: 'apps', resource: 'controllerrevisions' },
  { group: 'batch', resource: 'jobs' },
  { group: 'discovery.k8s.io', resource: 'endpointslices' },
  { group: 'events.k8s.io', resource: 'events' },
];

/** What `operate` may do to running pods beyond the operated kinds. */
export const POD_OPERATIONS: readonly { readonly resource: GroupResource; readonly verbs: readonly string[] }[] = [
  { resource: { group: '', resource: 'pods' }, verbs: ['delete'] },
  // WebSocket clients (kubectl ≥ 1.30) ask for get, SPDY ones for create.
  { resource: { group: '', resource: 'pods/exec' }, verbs: ['get', 'create'] },
  { resource: { group: '', resource: 'pods/portforward' }, verbs: ['get', 'create'] },
  { resource: { group: '', resource: 'pods/eviction' }, verbs: ['create'] },
  { resource: { group: 'apps', resource: 'deployments/scale' }, verbs: ['get', 'update', 'patch'] },
  { resource: { group: 'apps', resource: 'statefulsets/scale' }, verbs: ['get', 'update', 'patch'] },
];

export const READ_VERBS = ['get', 'list', 'watch'] as const;
export const WRITE_VERBS = ['create', 'update', 'patch', 'delete'] as const;

/**
 * The resource of a kind as the API server serves it (lower case, English plural):
 * NetworkPolicy → networkpolicies, Gateway → gateways, Ingress → ingresses.
 * test:cluster checks every resource a rendered role names against the API server's discovery.
 */
export function resourceOf(kind: string): string {
  const k = kind.toLowerCase();
  if (k === 'endpoints') return k;
  if (/(s|x|ch|sh)$/.test(k)) return `${k}es`;
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

/** Argo CD project-role permissions per level: `[resource, action]` on the environment's Applications. */
export const ARGOCD_PERMISSIONS: Readonly<Record<AccessLevel, readonly (readonly [string, string])[]>> = {
  view: [['applications', 'get'], ['logs', 'get']],
  audit: [['applications', 'get'], ['logs', 'get']],
  deploy: [['applications', 'get'], ['applications', 'sync'], ['logs', 'get']],
  edit: [['applications', 'get'], ['applications', 'sync'], ['applications', 'action/*'], ['logs', 'get'], ['exec', 'create']],
  // No `delete` (it could cascade-delete the environment's Application, Namespaces and claims included) and no
  // `override` (the Applications sync automatically from git; a local or other-revision sync is refused anyway).
  admin: [['applications', 'get'], ['applications', 'sync'], ['applications', 'action/*'], ['logs', 'get'], ['exec', 'create']],
};

/** Levels that change anything in the cluster or in Argo CD beyond reading. */
export const WRITE_LEVELS: ReadonlySet<AccessLevel> = new Set(['deploy', 'edit', 'admin']);

// What the lists cannot say by their types: no kind is both writable and reserved.
for (const writable of [OPERATED_KINDS, MANAGED_KINDS]) {
  for (const k of writable) if (PLATFORM_ONLY_KINDS.has(k) || SECRET_KINDS.has(k) || RBAC_KINDS.has(k)) throw new Error(`catalogue/access.ts: ${k} is writable and reserved`);
}
