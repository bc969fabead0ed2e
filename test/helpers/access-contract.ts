/**
 * What each access level must and must not allow, written out here by hand —
 * independently of catalogue/access.ts, which the roles are rendered from — so
 * a wrong derivation fails a test instead of agreeing with itself. The unit
 * test (test/charts/access.test.ts) resolves the rendered roles; test:cluster
 * asks the real API server (`kubectl auth can-i --as-group`) the same questions
 * for every team × environment × probe.
 */

export type Level = 'view' | 'audit' | 'deploy' | 'edit' | 'admin';
const ALL: readonly Level[] = ['view', 'audit', 'deploy', 'edit', 'admin'];
const OPERATORS: readonly Level[] = ['edit', 'admin'];

export interface Probe {
  readonly verb: string;
  /** API group ('' = core). */
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  /** The levels that may; every other level (and no access) may not. */
  readonly allowed: readonly Level[];
}

export const PROBES: readonly Probe[] = [
  // Everyone with access reads what runs.
  { verb: 'get', group: 'apps', resource: 'deployments', allowed: ALL },
  { verb: 'list', group: 'apps', resource: 'statefulsets', allowed: ALL },
  { verb: 'watch', group: '', resource: 'pods', allowed: ALL },
  { verb: 'get', group: '', resource: 'pods', subresource: 'log', allowed: ALL },
  { verb: 'list', group: '', resource: 'configmaps', allowed: ALL },
  { verb: 'list', group: '', resource: 'events', allowed: ALL },
  { verb: 'get', group: 'networking.k8s.io', resource: 'networkpolicies', allowed: ALL },
  { verb: 'get', group: 'networking.istio.io', resource: 'virtualservices', allowed: ALL },
  { verb: 'list', group: 'security.istio.io', resource: 'authorizationpolicies', allowed: ALL },
  { verb: 'get', group: '', resource: 'resourcequotas', allowed: ALL },
  // Secrets: only those who operate; audit reads everything else.
  { verb: 'get', group: '', resource: 'secrets', allowed: OPERATORS },
  { verb: 'list', group: '', resource: 'secrets', allowed: OPERATORS },
  { verb: 'watch', group: '', resource: 'secrets', allowed: OPERATORS },
  { verb: 'create', group: '', resource: 'secrets', allowed: OPERATORS },
  // Who may do what: audit and admin.
  { verb: 'list', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', allowed: ['audit', 'admin'] },
  { verb: 'get', group: 'rbac.authorization.k8s.io', resource: 'roles', allowed: ['audit', 'admin'] },
  // Operating the workloads.
  { verb: 'patch', group: 'apps', resource: 'deployments', allowed: OPERATORS },
  { verb: 'update', group: 'apps', resource: 'deployments', subresource: 'scale', allowed: OPERATORS },
  { verb: 'patch', group: 'apps', resource: 'statefulsets', allowed: OPERATORS },
  { verb: 'delete', group: '', resource: 'pods', allowed: OPERATORS },
  { verb: 'create', group: '', resource: 'pods', subresource: 'exec', allowed: OPERATORS },
  { verb: 'create', group: '', resource: 'pods', subresource: 'portforward', allowed: OPERATORS },
  { verb: 'create', group: 'batch', resource: 'jobs', allowed: OPERATORS },
  { verb: 'update', group: '', resource: 'configmaps', allowed: OPERATORS },
  // The guardrails inside the namespaces: admin only.
  { verb: 'patch', group: 'networking.k8s.io', resource: 'networkpolicies', allowed: ['admin'] },
  { verb: 'delete', group: 'security.istio.io', resource: 'authorizationpolicies', allowed: ['admin'] },
  { verb: 'update', group: 'networking.istio.io', resource: 'virtualservices', allowed: ['admin'] },
  { verb: 'patch', group: '', resource: 'serviceaccounts', allowed: ['admin'] },
  // The Gateway and certificates are the platform's: a team's could claim another environment's host name.
  { verb: 'create', group: 'cert-manager.io', resource: 'certificates', allowed: [] },
  { verb: 'update', group: 'networking.istio.io', resource: 'gateways', allowed: [] },
  // Nobody creates Services by hand: a LoadBalancer or NodePort one would publish pods past the gateway.
  { verb: 'create', group: '', resource: 'services', allowed: [] },
  { verb: 'patch', group: 'autoscaling', resource: 'horizontalpodautoscalers', allowed: OPERATORS },
  { verb: 'create', group: '', resource: 'pods', subresource: 'eviction', allowed: OPERATORS },
  { verb: 'get', group: '', resource: 'pods', subresource: 'exec', allowed: OPERATORS },
  { verb: 'delete', group: 'policy', resource: 'poddisruptionbudgets', allowed: ['admin'] },
  // Nobody: the namespace's bounds, bare pods, RBAC escalation, anything cluster-wide.
  { verb: 'update', group: '', resource: 'resourcequotas', allowed: [] },
  { verb: 'delete', group: '', resource: 'limitranges', allowed: [] },
  { verb: 'create', group: '', resource: 'pods', allowed: [] },
  { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'roles', allowed: [] },
  { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'roles', allowed: [] },
  // RBAC is changed through git only: a level that could bind could give itself to anyone.
  { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', allowed: [] },
  { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'roles', allowed: [] },
  { verb: 'create', group: '', resource: 'serviceaccounts', subresource: 'token', allowed: [] },
];

/**
 * Every write (anything but get, list, watch) each level has in the reference platform's namespaces, as
 * `verbs resource.group`: the unit test resolves the rendered roles and compares both ways, so a grant
 * nobody wrote down here fails as surely as a missing one.
 */
const W = 'create,delete,patch,update';
const OPERATE_WRITES = [
  `${W} configmaps`,
  'delete pods',
  'create,get pods/exec',
  'create,get pods/portforward',
  'create pods/eviction',
  `${W} deployments.apps`,
  'patch,update deployments/scale.apps',
  `${W} statefulsets.apps`,
  'patch,update statefulsets/scale.apps',
  `${W} horizontalpodautoscalers.autoscaling`,
  `${W} cronjobs.batch`,
  `${W} jobs.batch`,
  `${W} scaledobjects.keda.sh`,
  `${W} secrets`,
];
export const WRITES: Readonly<Record<Level, readonly string[]>> = {
  view: [],
  audit: [],
  deploy: [],
  edit: OPERATE_WRITES,
  admin: [
    ...OPERATE_WRITES,
    `${W} serviceaccounts`,
    `${W} networkpolicies.networking.k8s.io`,
    `${W} poddisruptionbudgets.policy`,
    `${W} verticalpodautoscalers.autoscaling.k8s.io`,
    `${W} podmonitors.monitoring.coreos.com`,
    `${W} prometheusrules.monitoring.coreos.com`,
    `${W} servicemonitors.monitoring.coreos.com`,
    `${W} destinationrules.networking.istio.io`,
    `${W} serviceentries.networking.istio.io`,
    `${W} sidecars.networking.istio.io`,
    `${W} virtualservices.networking.istio.io`,
    `${W} authorizationpolicies.security.istio.io`,
    `${W} peerauthentications.security.istio.io`,
    `${W} telemetries.telemetry.istio.io`,
  ],
};

/** Probes of cluster-scoped resources: nobody, whatever the level (asked without a namespace). */
export const CLUSTER_PROBES: readonly Omit<Probe, 'allowed'>[] = [
  { verb: 'list', group: '', resource: 'nodes' },
  { verb: 'delete', group: '', resource: 'namespaces' },
  { verb: 'list', group: '', resource: 'secrets' },
  { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
  { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
  { verb: 'impersonate', group: '', resource: 'groups' },
];

/** What a level may do to the environment's Applications in Argo CD, `resource action`. */
export const ARGOCD_CONTRACT: Readonly<Record<Level, readonly string[]>> = {
  view: ['applications get', 'logs get'],
  audit: ['applications get', 'logs get'],
  deploy: ['applications get', 'applications sync', 'logs get'],
  edit: ['applications get', 'applications sync', 'applications action/*', 'logs get', 'exec create'],
  admin: ['applications get', 'applications sync', 'applications action/*', 'logs get', 'exec create'],
};

export const probeName = (p: Omit<Probe, 'allowed'>) => `${p.verb} ${p.resource}${p.subresource ? `/${p.subresource}` : ''}${p.group ? `.${p.group}` : ''}`;

/** Every team × environment of a spec's `teams:` as written (not through the model), with its level or none. */
export function expectedLevels(teams: Record<string, { groups: string[]; access?: Record<string, string> }>, envs: readonly string[]): { team: string; groups: string[]; env: string; level: Level | undefined }[] {
  return Object.entries(teams).flatMap(([team, t]) => envs.map((env) => ({ team, groups: t.groups, env, level: t.access?.[env] as Level | undefined })));
}

/** Allowed for a team at `level` (none: undefined)? */
export const expectAllowed = (p: Probe, level: Level | undefined) => level !== undefined && p.allowed.includes(level);
