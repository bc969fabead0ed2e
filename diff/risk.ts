import { authorizationGrants, compareGrants, networkPolicyGrants, type Grant } from './access';
import { selectsLabels, type LabelSelector } from '../blocks/label-selector';
import type { FieldChange } from './compare';
import type { Json, JsonObject, ObjectKey } from './objects';

/**
 * What a reviewer must look at first:
 * - REPLACE: the API server will refuse the update (immutable field); Argo CD fails or must replace.
 * - DATA: persistent data can be lost (StatefulSet, claim template, PVC or Namespace removed).
 * - RESTART: pods restart with nothing to take over — a workload without redundancy
 *   (one pod, the PostgreSQL primary) goes down, or every pod of a data store
 *   restarts in turn; the reason names what and for how long.
 * - SECURITY: access widened — a new caller admitted, a new public route, a weaker
 *   security context, a policy removed. A tightening is listed, not flagged.
 * - CAPACITY: replicas, autoscaling bounds, resources, quotas change; a Deployment
 *   comes or goes (a canary track is added or removed); a VirtualService splits
 *   traffic differently (a canary's weight).
 */
export const RISK_FLAGS = ['REPLACE', 'DATA', 'RESTART', 'SECURITY', 'CAPACITY'] as const;
export type RiskFlagName = (typeof RISK_FLAGS)[number];

/**
 * Every rule that raises a flag, by id: what it flags and when. Each has a
 * test that it fires and one that it stays quiet on a harmless twin
 * (test/diff/risk-rules.test.ts, which fails for an id without both).
 */
export const RISK_RULES = {
  'SELECTOR-IMMUTABLE': { flag: 'REPLACE', when: "a Deployment's, ReplicaSet's or DaemonSet's selector changes" },
  'STATEFULSET-IMMUTABLE': { flag: 'REPLACE', when: 'a StatefulSet field the API server does not update changes (serviceName, claim templates, podManagementPolicy, selector…)' },
  'JOB-IMMUTABLE': { flag: 'REPLACE', when: "a Job's template or selector changes (not a hook Job, which is re-created)" },
  'SERVICE-IMMUTABLE': { flag: 'REPLACE', when: "a Service's clusterIP(s) change (its type may change: a real API server accepts ClusterIP ↔ NodePort ↔ LoadBalancer)" },
  'PVC-IMMUTABLE': { flag: 'REPLACE', when: "a PersistentVolumeClaim's spec changes other than its storage request, or its storage request shrinks" },
  'SECRET-TYPE-IMMUTABLE': { flag: 'REPLACE', when: "a Secret's type changes" },
  'IMMUTABLE-DATA': { flag: 'REPLACE', when: 'the data of a ConfigMap or Secret marked immutable changes' },
  'ROLEREF-IMMUTABLE': { flag: 'REPLACE', when: "a RoleBinding's or ClusterRoleBinding's roleRef changes" },
  'STATEFULSET-REMOVED': { flag: 'DATA', when: 'a StatefulSet, or another workload with claim templates, is removed' },
  'PVC-REMOVED': { flag: 'DATA', when: 'a PersistentVolumeClaim is removed' },
  'NAMESPACE-REMOVED': { flag: 'DATA', when: 'a Namespace is removed' },
  'CLAIM-TEMPLATE-REMOVED': { flag: 'DATA', when: "a StatefulSet's claim template is removed" },
  'CLAIM-RETENTION-DELETE': { flag: 'DATA', when: 'claim retention is switched to Delete' },
  'IMAGE-MAJOR-VERSION': { flag: 'DATA', when: "an image of a workload with claim templates changes major version" },
  'RESTART-ONLY-POD': { flag: 'RESTART', when: "the pod template of a one-pod StatefulSet changes" },
  'RESTART-ROLLING': { flag: 'RESTART', when: 'the pod template of a StatefulSet of several pods changes (each restarts in turn)' },
  'RESTART-DEPLOYMENT-DOWN': { flag: 'RESTART', when: "the pod template of a Deployment whose rollout may stop every replica changes" },
  'NETPOL-NEW-OPEN': { flag: 'SECURITY', when: 'a new NetworkPolicy admits anyone in a direction' },
  'AUTHZ-NEW-OPEN': { flag: 'SECURITY', when: 'a new ALLOW AuthorizationPolicy has a rule for any source' },
  'POLICY-NEW-ON-EXISTING': { flag: 'SECURITY', when: 'a new NetworkPolicy with rules, or a new ALLOW AuthorizationPolicy, selects pods that were already running (not a new workload\'s own)' },
  'PEERAUTH-NEW-WEAK': { flag: 'SECURITY', when: 'a new PeerAuthentication sets a mode other than STRICT' },
  'SIDECAR-NEW-ALLOW-ANY': { flag: 'SECURITY', when: 'a new Istio Sidecar lets its pods reach any host (outboundTrafficPolicy ALLOW_ANY)' },
  'ROUTE-NEW-PUBLIC': { flag: 'SECURITY', when: 'a new VirtualService is bound to a gateway' },
  'ENTRY-POINT-NEW': { flag: 'SECURITY', when: 'a new Gateway, Ingress or HTTPRoute' },
  'SERVICE-NEW-EXTERNAL': { flag: 'SECURITY', when: 'a new LoadBalancer or NodePort Service' },
  'BINDING-NEW': { flag: 'SECURITY', when: 'a new RoleBinding or ClusterRoleBinding' },
  'NETPOL-DENY-REMOVED': { flag: 'SECURITY', when: 'a NetworkPolicy that denies a direction is removed' },
  'AUTHZ-REMOVED': { flag: 'SECURITY', when: 'an AuthorizationPolicy is removed while pods it selected remain (not with its workload)' },
  'PEERAUTH-REMOVED': { flag: 'SECURITY', when: "a PeerAuthentication is removed (not a workload's one where the namespace stays STRICT)" },
  'SECURITY-CONTEXT-WEAKENED': { flag: 'SECURITY', when: 'a security context or pod isolation setting is weakened' },
  'SECURITY-CONTEXT-NEW-WEAK': { flag: 'SECURITY', when: "a new workload's pods set privileged, runAsUser 0, allowPrivilegeEscalation true, added capabilities, an Unconfined seccomp profile, host namespaces or hostPath volumes" },
  'ACCESS-WIDENED': { flag: 'SECURITY', when: 'a NetworkPolicy or AuthorizationPolicy grants access it did not' },
  'NETPOL-SELECTS-FEWER': { flag: 'SECURITY', when: "a NetworkPolicy's pod selector changes other than by dropping a label" },
  'POLICY-SELECTS-MORE': { flag: 'SECURITY', when: "a NetworkPolicy with rules, or an ALLOW AuthorizationPolicy, drops a label from its selector: the pods it now also selects admit its callers" },
  'AUTHZ-TARGET-CHANGED': { flag: 'SECURITY', when: "an AuthorizationPolicy's selector or target changes other than by dropping a label" },
  'AUTHZ-ACTION-CHANGED': { flag: 'SECURITY', when: "an AuthorizationPolicy's action or provider changes" },
  'PEERAUTH-WEAKENED': { flag: 'SECURITY', when: 'a PeerAuthentication mode leaves STRICT' },
  'ROUTE-PUBLIC-CHANGED': { flag: 'SECURITY', when: "a public VirtualService's hosts, gateways or matches change (a match removed answers every path)" },
  'GATEWAY-LISTENER-CHANGED': { flag: 'SECURITY', when: "a Gateway's servers change, or a server loses a TLS setting" },
  'EGRESS-WIDENED': { flag: 'SECURITY', when: "an Istio Sidecar's egress hosts gain one, or its outboundTrafficPolicy becomes ALLOW_ANY" },
  'MESH-LEFT': { flag: 'SECURITY', when: "pods or a Namespace leave the mesh (sidecar injection turned off): mTLS, AuthorizationPolicies and the egress list stop applying to them" },
  'SERVICE-BECOMES-EXTERNAL': { flag: 'SECURITY', when: 'a Service becomes LoadBalancer or NodePort' },
  'RBAC-RULES-WIDENED': { flag: 'SECURITY', when: 'a Role or ClusterRole gains rules, or a rule loses its resourceNames' },
  'RBAC-AGGREGATION-WIDENED': { flag: 'SECURITY', when: "a ClusterRole gains a label an aggregationRule of the tree selects (its rules join that role), or an aggregationRule changes" },
  'BINDING-CHANGED': { flag: 'SECURITY', when: "a binding's subjects or role change" },
  'APPPROJECT-WIDENED': { flag: 'SECURITY', when: 'an Argo CD AppProject allows more repositories, destinations, source namespaces or kinds, loses a blacklist, or its roles change' },
  'GUARDRAIL-CHANGED': { flag: 'SECURITY', when: 'a ValidatingAdmissionPolicy or its binding is removed, or its spec changes (what it refuses, from whom, or where: its CEL cannot be judged here, so every change is for a reviewer)' },
  'APPLICATION-SOURCE-CHANGED': { flag: 'SECURITY', when: "an Argo CD Application's project, source repository or destination changes" },
  'SCALING-OBJECT-NEW': { flag: 'CAPACITY', when: 'a new HorizontalPodAutoscaler, ScaledObject or ResourceQuota' },
  'DEPLOYMENT-NEW': { flag: 'CAPACITY', when: 'a new Deployment' },
  'SCALING-OBJECT-REMOVED': { flag: 'CAPACITY', when: 'a HorizontalPodAutoscaler, ScaledObject or ResourceQuota is removed' },
  'DEPLOYMENT-REMOVED': { flag: 'CAPACITY', when: 'a Deployment is removed' },
  'CAPACITY-FIELD': { flag: 'CAPACITY', when: 'replicas, autoscaling bounds, metrics or triggers, resources or quota amounts change' },
  'TRAFFIC-SPLIT': { flag: 'CAPACITY', when: "a VirtualService route's weights or destinations change (a canary's weight, a blue-green switch)" },
  'DISRUPTION-BUDGET': { flag: 'CAPACITY', when: "a PodDisruptionBudget's minAvailable or maxUnavailable changes" },
  'DISRUPTION-BUDGET-REMOVED': { flag: 'CAPACITY', when: 'a PodDisruptionBudget is removed' },
  'LIMIT-RANGE': { flag: 'CAPACITY', when: "a LimitRange's limits change" },
  'STORAGE-SIZE': { flag: 'CAPACITY', when: 'a claim (template) storage request changes' },
} as const satisfies Record<string, { readonly flag: RiskFlagName; readonly when: string }>;
export type RiskRuleId = keyof typeof RISK_RULES;
const rule = (id: RiskRuleId) => ({ flag: RISK_RULES[id].flag, rule: id });

export interface RiskFlag {
  readonly flag: RiskFlagName;
  /** The id of the rule that raised it (RISK_RULES). */
  readonly rule: RiskRuleId;
  readonly reason: string;
  /** The workload a policy now admits, when the flag is about one (the report puts its policies on one line). */
  readonly caller?: { readonly name: string; readonly namespace: string };
}

/** A flag's findings plus what a change narrowed (listed for the reviewer, never flagged). */
export interface Risk {
  readonly flags: readonly RiskFlag[];
  readonly tightened: readonly string[];
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
export const get = (o: Json | undefined, ...path: string[]): Json | undefined => {
  let cur: Json | undefined = o;
  for (const p of path) cur = isObject(cur) ? cur[p] : undefined;
  return cur;
};
const isHook = (o: JsonObject | undefined) => !!o && isObject(get(o, 'metadata', 'annotations')) && get(o, 'metadata', 'annotations', 'argocd.argoproj.io/hook') !== undefined;
const starts = (c: FieldChange, prefix: string) => c.pattern === prefix || c.pattern.startsWith(`${prefix}.`) || c.pattern.startsWith(`${prefix}[`);
const fmt = (v: Json | undefined) => (v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));

/** A label selector against a pod's labels; no selector: `none` decides. */
const selectorSelects = (sel: Json | undefined, labels: Record<string, string>, none: boolean): boolean => (isObject(sel) ? selectsLabels(sel as LabelSelector, labels) : none);

/** A Kubernetes quantity in bytes (`10Gi`, `500M`, `1e3`), or undefined. */
function bytes(q: Json | undefined): number | undefined {
  const m = typeof q === 'string' || typeof q === 'number' ? /^([0-9.]+(?:e[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$/.exec(String(q)) : null;
  if (!m) return undefined;
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}

/** A NetworkPolicy with an allow rule in a direction it isolates, or an ALLOW AuthorizationPolicy with a rule: selecting a pod grants it callers. */
function grantsSomething(kind: string, obj: JsonObject): boolean {
  const spec = get(obj, 'spec');
  if (kind === 'NetworkPolicy') return ['ingress', 'egress'].some((d) => { const r = get(spec, d); return Array.isArray(r) && r.length > 0; });
  if (kind === 'AuthorizationPolicy') { const r = get(spec, 'rules'); return (get(spec, 'action') ?? 'ALLOW') === 'ALLOW' && Array.isArray(r) && r.length > 0; }
  return false;
}

/** Whether pod labels say sidecar injection is off (the `sidecar.istio.io/inject` label or annotation "false"). */
const injectionOff = (template: Json | undefined) => ['labels', 'annotations'].some((m) => get(template, 'metadata', m, 'sidecar.istio.io/inject') === 'false');

/** StatefulSet spec fields the API server lets you update; everything else is immutable. */
const STATEFULSET_MUTABLE = ['replicas', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds', 'ordinals', 'revisionHistoryLimit'];
const PUBLIC_SERVICE_TYPES = ['LoadBalancer', 'NodePort'];

/** Flags of an added object. */
function addedFlags(key: ObjectKey, obj: JsonObject, context?: RiskContext): RiskFlag[] {
  const out: RiskFlag[] = [];
  const spec = get(obj, 'spec');
  // A new allowing policy over pods that ran before admits callers they did not admit (a new workload's own policies are no loosening of anyone else's).
  if ((key.kind === 'NetworkPolicy' || key.kind === 'AuthorizationPolicy') && grantsSomething(key.kind, obj)) {
    const selector = key.kind === 'NetworkPolicy' ? get(spec, 'podSelector') : get(spec, 'selector');
    const existing = (context?.basePodLabels?.get(key.namespace) ?? []).filter((l) => selectorSelects(selector, l, key.kind === 'AuthorizationPolicy'));
    if (existing.length) {
      const grants = grantsOf(key.kind, obj).map((g) => g.text);
      const names = [...new Set(existing.map((l) => l['app.kubernetes.io/name'] ?? l.app ?? JSON.stringify(l)))].join(', ');
      out.push({ ...rule('POLICY-NEW-ON-EXISTING'), reason: `new ${key.kind} over pods already running (${names}) ${grants.length ? `admits ${grants.join('; ')}` : 'grants them access'}` });
    }
  }
  const weak = weakPod(key.kind, obj);
  if (weak.length) out.push({ ...rule('SECURITY-CONTEXT-NEW-WEAK'), reason: `new ${key.kind}'s pods: ${weak.join('; ')}` });
  switch (key.kind) {
    case 'NetworkPolicy':
      for (const dir of ['ingress', 'egress'] as const) {
        const rules = get(spec, dir);
        if (Array.isArray(rules) && rules.some((r) => allowsAnyone(r, dir === 'ingress' ? 'from' : 'to'))) out.push({ ...rule('NETPOL-NEW-OPEN'), reason: `new NetworkPolicy allows ${dir} from/to anywhere` });
      }
      break;
    case 'AuthorizationPolicy': {
      const action = get(spec, 'action') ?? 'ALLOW';
      const rules = get(spec, 'rules');
      if (action === 'ALLOW' && Array.isArray(rules) && rules.some((r) => get(r, 'from') === undefined)) out.push({ ...rule('AUTHZ-NEW-OPEN'), reason: 'new AuthorizationPolicy allows requests from any source' });
      break;
    }
    case 'VirtualService': {
      const gateways = get(spec, 'gateways');
      if (Array.isArray(gateways) && gateways.some((g) => g !== 'mesh')) out.push({ ...rule('ROUTE-NEW-PUBLIC'), reason: `new public route: hosts ${fmt(get(spec, 'hosts'))} via ${fmt(gateways)}` });
      break;
    }
    case 'PeerAuthentication': {
      const modes = [get(spec, 'mtls', 'mode'), ...(isObject(get(spec, 'portLevelMtls')) ? Object.values(get(spec, 'portLevelMtls') as JsonObject).map((p) => get(p, 'mode')) : [])].filter((m) => m !== undefined);
      const weak = modes.filter((m) => m !== 'STRICT' && m !== 'UNSET');
      if (weak.length) out.push({ ...rule('PEERAUTH-NEW-WEAK'), reason: `new PeerAuthentication sets mTLS ${weak.join(', ')}: plain-text requests are accepted` });
      break;
    }
    case 'Sidecar':
      if (get(spec, 'outboundTrafficPolicy', 'mode') === 'ALLOW_ANY') out.push({ ...rule('SIDECAR-NEW-ALLOW-ANY'), reason: 'new Sidecar with outboundTrafficPolicy ALLOW_ANY: its pods reach any host' });
      break;
    case 'Gateway':
    case 'Ingress':
    case 'HTTPRoute':
      out.push({ ...rule('ENTRY-POINT-NEW'), reason: `new ${key.kind}: a new public entry point` });
      break;
    case 'Service':
      if (PUBLIC_SERVICE_TYPES.includes(String(get(spec, 'type')))) out.push({ ...rule('SERVICE-NEW-EXTERNAL'), reason: `new ${String(get(spec, 'type'))} Service is reachable from outside the cluster` });
      break;
    case 'ClusterRoleBinding':
    case 'RoleBinding':
      out.push({ ...rule('BINDING-NEW'), reason: `new ${key.kind} grants ${fmt(get(obj, 'roleRef', 'name'))}` });
      break;
    case 'HorizontalPodAutoscaler':
    case 'ScaledObject':
    case 'ResourceQuota':
      out.push({ ...rule('SCALING-OBJECT-NEW'), reason: `new ${key.kind}` });
      break;
    case 'Deployment': {
      const replicas = get(spec, 'replicas');
      out.push({ ...rule('DEPLOYMENT-NEW'), reason: `new Deployment: ${replicas === undefined ? 'replicas set by an autoscaler' : `${fmt(replicas)} replica(s)`}` });
      break;
    }
  }
  return out;
}

/** `stable 90 % / canary 10 %`: where an HTTP route of a VirtualService sends its requests. */
function trafficSplit(route: Json | undefined): string {
  if (!Array.isArray(route) || route.length === 0) return '(no route)';
  return route
    .map((r) => {
      const to = get(r, 'destination', 'subset') ?? get(r, 'destination', 'host');
      const weight = get(r, 'weight') ?? (route.length === 1 ? 100 : 0);
      return `${fmt(to)} ${fmt(weight)} %`;
    })
    .join(' / ');
}

/** The `spec.http` item a change is in (matched by name or position, as the diff matched it). */
function httpItem(obj: JsonObject, c: FieldChange): Json | undefined {
  const seg = c.segments[2];
  const list = get(obj, 'spec', 'http');
  if (!seg || !Array.isArray(list)) return undefined;
  if ('name' in seg) return list.find((h) => get(h, 'name') === seg.name);
  if ('index' in seg) return list[seg.index];
  return undefined;
}

/** A NetworkPolicy rule without peers (or with an all-namespaces peer / 0.0.0.0/0) admits everyone. */
function allowsAnyone(rule: Json, peers: 'from' | 'to'): boolean {
  const list = get(rule, peers);
  if (!Array.isArray(list) || list.length === 0) return true;
  return list.some((p) => {
    const ns = get(p, 'namespaceSelector');
    const pods = get(p, 'podSelector');
    const empty = (s: Json | undefined) => isObject(s) && Object.keys(s).every((k) => { const v = s[k]; return (isObject(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0); });
    return get(p, 'ipBlock', 'cidr') === '0.0.0.0/0' || (empty(ns) && (pods === undefined || empty(pods)));
  });
}

/** What the whole new tree says, for flags one object cannot decide alone. */
export interface RiskContext {
  /** Namespaces whose namespace-wide PeerAuthentication is STRICT in the new tree. */
  readonly strictNamespaces: ReadonlySet<string>;
  /** Pod-template labels of the workloads (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs) in the new tree, per namespace. */
  readonly podLabels?: ReadonlyMap<string, readonly Readonly<Record<string, string>>[]>;
  /** The same of the old tree: the pods that were already running. */
  readonly basePodLabels?: ReadonlyMap<string, readonly Readonly<Record<string, string>>[]>;
  /** The clusterRoleSelectors of every aggregationRule in the new tree. */
  readonly aggregationSelectors?: readonly Json[];
}

/** Flags of a removed object. */
function removedFlags(key: ObjectKey, obj: JsonObject, context?: RiskContext): RiskFlag[] {
  const out: RiskFlag[] = [];
  const spec = get(obj, 'spec');
  if (key.kind === 'StatefulSet') out.push({ ...rule('STATEFULSET-REMOVED'), reason: 'StatefulSet removed: its pods and the data they serve go away' });
  else if (Array.isArray(get(spec, 'volumeClaimTemplates'))) out.push({ ...rule('STATEFULSET-REMOVED'), reason: `${key.kind} with volume claim templates removed` });
  if (key.kind === 'PersistentVolumeClaim') out.push({ ...rule('PVC-REMOVED'), reason: 'PersistentVolumeClaim removed: its volume may be deleted' });
  if (key.kind === 'Namespace') out.push({ ...rule('NAMESPACE-REMOVED'), reason: 'Namespace removed: everything in it is deleted, volumes included' });
  if (key.kind === 'NetworkPolicy') {
    // Without policyTypes a NetworkPolicy isolates Ingress, and Egress when it has egress rules (the API's defaults).
    const given = get(spec, 'policyTypes');
    const types = Array.isArray(given) ? given : ['Ingress', ...(get(spec, 'egress') !== undefined ? ['Egress'] : [])];
    const denies = types.some((t) => { const rules = get(spec, String(t).toLowerCase()); return !Array.isArray(rules) || rules.length === 0; });
    if (denies) out.push({ ...rule('NETPOL-DENY-REMOVED'), reason: 'a deny NetworkPolicy is removed: traffic it blocked is allowed' });
  }
  if (key.kind === 'AuthorizationPolicy') {
    // A workload policy that goes with its workload (a service removed) loosens nothing: no pod it selected is left.
    const sel = get(spec, 'selector', 'matchLabels');
    const selected = isObject(sel) && context?.podLabels ? (context.podLabels.get(key.namespace) ?? []).some((l) => Object.entries(sel).every(([k, v]) => l[k] === v)) : true;
    if (selected) out.push({ ...rule('AUTHZ-REMOVED'), reason: 'AuthorizationPolicy removed: the workload may accept requests it refused' });
  }
  // A workload-level PeerAuthentication in a namespace that stays STRICT falls back to STRICT: no loosening.
  const fallsBackToStrict = get(spec, 'selector') !== undefined && context?.strictNamespaces.has(key.namespace) === true;
  if (key.kind === 'PeerAuthentication' && !fallsBackToStrict) out.push({ ...rule('PEERAUTH-REMOVED'), reason: 'PeerAuthentication removed: mTLS may no longer be required' });
  if (key.kind === 'HorizontalPodAutoscaler' || key.kind === 'ScaledObject' || key.kind === 'ResourceQuota') out.push({ ...rule('SCALING-OBJECT-REMOVED'), reason: `${key.kind} removed` });
  if (key.kind === 'PodDisruptionBudget') out.push({ ...rule('DISRUPTION-BUDGET-REMOVED'), reason: 'PodDisruptionBudget removed: a node drain may evict all the pods it protected at once' });
  if (key.kind === 'Deployment') out.push({ ...rule('DEPLOYMENT-REMOVED'), reason: `Deployment removed: its ${fmt(get(spec, 'replicas') ?? 'autoscaled')} replica(s) go away` });
  if (ADMISSION_POLICY_KINDS.includes(key.kind)) out.push({ ...rule('GUARDRAIL-CHANGED'), reason: `${key.kind} removed: what it refused is admitted` });
  return out;
}

/**
 * What a new workload's pod spec explicitly sets that opens it up (the gate refuses these in every render; a
 * hand-made tree is not gated): privileged, privilege escalation, root, added capabilities (but NET_BIND_SERVICE),
 * an Unconfined seccomp profile, host namespaces, hostPath volumes. Settings left out (runAsNonRoot, a seccomp
 * profile), which Pod Security `restricted` also requires, are not flagged: the namespace's admission refuses those pods.
 */
function weakPod(kind: string, obj: JsonObject): string[] {
  const pod = kind === 'Pod' ? get(obj, 'spec') : kind === 'CronJob' ? get(obj, 'spec', 'jobTemplate', 'spec', 'template', 'spec') : WORKLOAD_TEMPLATE_KINDS.includes(kind) ? get(obj, 'spec', 'template', 'spec') : undefined;
  if (!isObject(pod)) return [];
  const out: string[] = [];
  for (const k of ['hostNetwork', 'hostPID', 'hostIPC']) if (pod[k] === true) out.push(`${k}`);
  if (Array.isArray(pod.volumes) && pod.volumes.some((v) => get(v, 'hostPath') !== undefined)) out.push('a hostPath volume');
  const context = (where: string, sc: Json | undefined) => {
    if (get(sc, 'runAsUser') === 0) out.push(`${where} runs as root (runAsUser 0)`);
    if (get(sc, 'seccompProfile', 'type') === 'Unconfined') out.push(`${where} seccomp Unconfined`);
  };
  context('the pod', get(pod, 'securityContext'));
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    const containers = pod[list];
    if (!Array.isArray(containers)) continue;
    for (const c of containers) {
      const name = `container ${fmt(get(c, 'name'))}`;
      const sc = get(c, 'securityContext');
      if (get(sc, 'privileged') === true) out.push(`${name} privileged`);
      if (get(sc, 'allowPrivilegeEscalation') === true) out.push(`${name} allows privilege escalation`);
      const added = get(sc, 'capabilities', 'add');
      if (Array.isArray(added) && added.some((x) => x !== 'NET_BIND_SERVICE')) out.push(`${name} adds capabilities ${added.join(', ')}`);
      context(name, sc);
    }
  }
  return out;
}

/** Is `c` a security-context (or pod-level isolation) change that weakens it? */
function weakens(c: FieldChange): string | undefined {
  const leaf = c.segments.length ? c.segments[c.segments.length - 1]! : undefined;
  const last = leaf && 'key' in leaf ? leaf.key : '';
  const inContext = c.pattern.includes('securityContext');
  if (inContext) {
    if (last === 'securityContext' && c.op === 'remove') return 'security context removed';
    if ((last === 'runAsNonRoot' || last === 'readOnlyRootFilesystem') && c.old === true && c.new !== true) return `${last} no longer true`;
    if (last === 'privileged' && c.new === true) return 'container becomes privileged';
    if (last === 'allowPrivilegeEscalation' && c.old === false && c.new !== false) return 'privilege escalation allowed';
    if ((last === 'runAsUser' || last === 'runAsGroup') && c.new === 0) return `${last} 0 (root)`;
    if (c.pattern.endsWith('capabilities.add') || (c.pattern.includes('capabilities.add') && c.op !== 'remove')) {
      const before = new Set(Array.isArray(c.old) ? c.old : []);
      const added = (Array.isArray(c.new) ? c.new : c.new !== undefined ? [c.new] : []).filter((x) => !before.has(x));
      if (added.length) return `capabilities added: ${added.join(', ')}`;
    }
    if (c.pattern.endsWith('capabilities.drop') && Array.isArray(c.old) && c.old.includes('ALL') && !(Array.isArray(c.new) && c.new.includes('ALL'))) return 'no longer drops ALL capabilities';
    if (c.pattern.endsWith('seccompProfile.type') || last === 'seccompProfile') {
      const t = last === 'seccompProfile' ? get(c.new, 'type') : c.new;
      if (t === undefined || t === 'Unconfined') return 'seccomp profile removed or Unconfined';
    }
    if (c.op === 'remove' && ['runAsNonRoot', 'readOnlyRootFilesystem', 'capabilities', 'seccompProfile', 'allowPrivilegeEscalation'].includes(last)) return `${last} removed from the security context`;
  }
  if (['hostNetwork', 'hostPID', 'hostIPC'].includes(last) && c.new === true) return `${last} enabled`;
  if (last === 'automountServiceAccountToken' && c.old === false && c.new !== false) return 'ServiceAccount token mounted';
  if (c.pattern.endsWith('spec.volumes[]') && c.op === 'add' && get(c.new, 'hostPath') !== undefined) return 'hostPath volume added';
  return undefined;
}

/** The admission guardrails' kinds (charts/guardrails.ts). */
const ADMISSION_POLICY_KINDS = ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'];

const CAPACITY_FIELDS = [/(^|\.)replicas$/, /^spec\.(minReplicas|maxReplicas|metrics|behavior)\b/, /^spec\.(minReplicaCount|maxReplicaCount|triggers)\b/, /\.resources\.(requests|limits)\b/, /\.resources$/, /^spec\.hard\b/];

/** Flags of a changed object, from its field changes. */
function changedFlags(key: ObjectKey, before: JsonObject, after: JsonObject, changes: readonly FieldChange[], context?: RiskContext): RiskFlag[] {
  const out: RiskFlag[] = [];
  const add = (id: RiskRuleId, reason: string) => out.push({ ...rule(id), reason });
  // Whole-object checks (a field's own change cannot tell them).
  if (key.kind === 'PersistentVolumeClaim') {
    const [was, now] = [bytes(get(before, 'spec', 'resources', 'requests', 'storage')), bytes(get(after, 'spec', 'resources', 'requests', 'storage'))];
    if (was !== undefined && now !== undefined && now < was) add('PVC-IMMUTABLE', `spec.resources.requests.storage: ${fmt(get(before, 'spec', 'resources', 'requests', 'storage'))} → ${fmt(get(after, 'spec', 'resources', 'requests', 'storage'))}: a claim cannot shrink`);
  }
  if (key.kind === 'Secret' && get(before, 'type') !== get(after, 'type')) add('SECRET-TYPE-IMMUTABLE', `type: ${fmt(get(before, 'type'))} → ${fmt(get(after, 'type'))}: a Secret's type is immutable`);
  if ((key.kind === 'ConfigMap' || key.kind === 'Secret') && get(before, 'immutable') === true && changes.some((c) => ['data', 'stringData', 'binaryData'].some((f) => starts(c, f)))) add('IMMUTABLE-DATA', `the data of an immutable ${key.kind} changed`);
  if (POD_TEMPLATE_KINDS.concat(['DaemonSet', 'Job']).includes(key.kind) && injectionOff(get(after, 'spec', 'template')) && !injectionOff(get(before, 'spec', 'template'))) add('MESH-LEFT', 'sidecar.istio.io/inject "false" on the pod template: its pods leave the mesh');
  if (key.kind === 'Namespace') {
    const [was, now] = [get(before, 'metadata', 'labels', 'istio-injection'), get(after, 'metadata', 'labels', 'istio-injection')];
    if (was === 'enabled' && now !== 'enabled') add('MESH-LEFT', `label istio-injection: ${fmt(was)} → ${fmt(now)}: new pods of the namespace start outside the mesh`);
  }
  if (key.kind === 'ClusterRole') {
    const [was, now] = [get(before, 'metadata', 'labels'), get(after, 'metadata', 'labels')];
    const joins = (labels: Json | undefined) => (context?.aggregationSelectors ?? []).some((sel) => isObject(labels) && selectorSelects(sel, labels as Record<string, string>, false));
    const wasIn = (sel: Json) => isObject(was) && selectorSelects(sel, was as Record<string, string>, false);
    if (joins(now) && (context?.aggregationSelectors ?? []).some((sel) => isObject(now) && selectorSelects(sel, now as Record<string, string>, false) && !wasIn(sel))) add('RBAC-AGGREGATION-WIDENED', 'metadata.labels: the role now joins an aggregated ClusterRole (its rules are granted to that role\'s subjects)');
  }
  for (const c of changes) {
    // REPLACE: immutable fields.
    if (['Deployment', 'ReplicaSet', 'DaemonSet'].includes(key.kind) && starts(c, 'spec.selector')) add('SELECTOR-IMMUTABLE', `${c.path} is immutable`);
    if (key.kind === 'StatefulSet' && c.pattern.startsWith('spec.')) {
      const field = c.pattern.slice(5).split(/[.[]/)[0]!;
      if (!STATEFULSET_MUTABLE.includes(field)) add('STATEFULSET-IMMUTABLE', `${c.path}: StatefulSet ${field} is immutable`);
    }
    if (key.kind === 'Job' && !isHook(before) && !isHook(after) && (starts(c, 'spec.template') || starts(c, 'spec.selector'))) add('JOB-IMMUTABLE', `${c.path}: a Job's template is immutable`);
    if (key.kind === 'Service' && (starts(c, 'spec.clusterIP') || starts(c, 'spec.clusterIPs'))) add('SERVICE-IMMUTABLE', `${c.path}: ${fmt(c.old)} → ${fmt(c.new)}`);
    if (key.kind === 'PersistentVolumeClaim' && c.pattern.startsWith('spec.') && c.pattern !== 'spec.resources.requests.storage') add('PVC-IMMUTABLE', `${c.path} of a PersistentVolumeClaim is immutable`);

    // DATA: claim templates removed, retention switched to Delete.
    if (c.pattern === 'spec.volumeClaimTemplates[]' && c.op === 'remove') add('CLAIM-TEMPLATE-REMOVED', `${c.path} removed`);
    if (c.pattern === 'spec.volumeClaimTemplates' && c.op === 'remove') add('CLAIM-TEMPLATE-REMOVED', 'all volume claim templates removed');
    if (starts(c, 'spec.persistentVolumeClaimRetentionPolicy')) {
      const policy = get(after, 'spec', 'persistentVolumeClaimRetentionPolicy');
      const was = get(before, 'spec', 'persistentVolumeClaimRetentionPolicy');
      for (const when of ['whenDeleted', 'whenScaled']) {
        if (get(policy, when) === 'Delete' && get(was, when) !== 'Delete') add('CLAIM-RETENTION-DELETE', `spec.persistentVolumeClaimRetentionPolicy.${when} → Delete: claims are deleted with their pods`);
      }
    }

    // SECURITY
    const weak = weakens(c);
    if (weak) add('SECURITY-CONTEXT-WEAKENED', `${c.path}: ${weak}`);
    if (key.kind === 'NetworkPolicy') {
      // A label dropped from the selector puts more pods under the policy: they gain its isolation, and its allow rules
      // (a widening where a default deny isolated them already); any other edit may leave pods out.
      const dropsLabel = c.op === 'remove' && /^spec\.podSelector\.matchLabels\./.test(c.pattern);
      if (starts(c, 'spec.podSelector') && !dropsLabel) add('NETPOL-SELECTS-FEWER', `${c.path}: NetworkPolicy selects different pods (pods it no longer selects lose its isolation)`);
      if (dropsLabel && grantsSomething(key.kind, after)) add('POLICY-SELECTS-MORE', `${c.path} removed: the pods the NetworkPolicy now also selects admit its callers`);
    }
    if (key.kind === 'AuthorizationPolicy') {
      // As for a NetworkPolicy: a label dropped from the selector puts more workloads under the policy (a DENY one denies more).
      const dropsLabel = c.op === 'remove' && /^spec\.selector\.matchLabels\./.test(c.pattern);
      if ((starts(c, 'spec.selector') && !dropsLabel) || starts(c, 'spec.targetRef') || starts(c, 'spec.targetRefs')) add('AUTHZ-TARGET-CHANGED', `${c.path}: AuthorizationPolicy applies to different workloads`);
      if (dropsLabel && grantsSomething(key.kind, after)) add('POLICY-SELECTS-MORE', `${c.path} removed: the workloads the AuthorizationPolicy now also selects admit its callers`);
      if (c.pattern === 'spec.action' || c.pattern === 'spec.provider') add('AUTHZ-ACTION-CHANGED', `${c.path}: ${fmt(c.old)} → ${fmt(c.new)}`);
    }
    if (key.kind === 'PeerAuthentication' && (starts(c, 'spec.mtls') || starts(c, 'spec.portLevelMtls')) && c.new !== 'STRICT') add('PEERAUTH-WEAKENED', `${c.path}: ${fmt(c.old)} → ${fmt(c.new)}`);
    if (key.kind === 'VirtualService') {
      const gateways = get(after, 'spec', 'gateways');
      const publicRoute = Array.isArray(gateways) && gateways.some((g) => g !== 'mesh');
      if (publicRoute && c.op !== 'remove' && (starts(c, 'spec.hosts') || starts(c, 'spec.gateways') || /^spec\.http\[\]\.match\b/.test(c.pattern) || c.pattern === 'spec.http[]')) {
        add('ROUTE-PUBLIC-CHANGED', `${c.path}: public route changed`);
      }
      // A route without a match answers every request to its hosts.
      if (publicRoute && c.op === 'remove' && c.pattern === 'spec.http[].match') add('ROUTE-PUBLIC-CHANGED', `${c.path} removed: the public route answers every path`);
    }
    if (key.kind === 'Gateway' && starts(c, 'spec.servers') && c.op !== 'remove') add('GATEWAY-LISTENER-CHANGED', `${c.path}: gateway listener changed`);
    if (key.kind === 'Gateway' && c.op === 'remove' && /^spec\.servers\[\]\.tls\b/.test(c.pattern)) add('GATEWAY-LISTENER-CHANGED', `${c.path} removed: the listener's TLS is weaker (no redirect to HTTPS, no minimum version, or none at all)`);
    if (key.kind === 'Sidecar') {
      const addsHost = /^spec\.egress\[\]\.hosts(\[\])?$/.test(c.pattern) && c.op !== 'remove';
      if (addsHost) {
        const before_ = new Set(Array.isArray(c.old) ? c.old : []);
        const added = (Array.isArray(c.new) ? c.new : c.new !== undefined ? [c.new] : []).filter((x) => !before_.has(x));
        if (added.length) add('EGRESS-WIDENED', `${c.path}: its pods may now reach ${added.join(', ')}`);
      }
      if (starts(c, 'spec.outboundTrafficPolicy') && get(after, 'spec', 'outboundTrafficPolicy', 'mode') === 'ALLOW_ANY') add('EGRESS-WIDENED', `${c.path}: outboundTrafficPolicy ALLOW_ANY: its pods reach any host`);
    }
    if (key.kind === 'Service' && c.pattern === 'spec.type' && PUBLIC_SERVICE_TYPES.includes(String(c.new))) add('SERVICE-BECOMES-EXTERNAL', `${c.path}: Service becomes reachable from outside the cluster`);
    // resourceNames added where a rule had none narrows it to those objects.
    const narrows = c.pattern === 'rules[].resourceNames' && c.op === 'add';
    if (['Role', 'ClusterRole'].includes(key.kind) && starts(c, 'rules') && c.op !== 'remove' && !narrows) add('RBAC-RULES-WIDENED', `${c.path}: permissions widened`);
    if (['Role', 'ClusterRole'].includes(key.kind) && c.pattern === 'rules[].resourceNames' && c.op === 'remove') add('RBAC-RULES-WIDENED', `${c.path} removed: the rule applies to every object of its resources`);
    if (key.kind === 'ClusterRole' && starts(c, 'aggregationRule') && c.op !== 'remove') add('RBAC-AGGREGATION-WIDENED', `${c.path}: the role aggregates other roles' rules`);
    if (['RoleBinding', 'ClusterRoleBinding'].includes(key.kind) && (starts(c, 'subjects') || starts(c, 'roleRef')) && c.op !== 'remove') add('BINDING-CHANGED', `${c.path}: binding changed`);
    if (['RoleBinding', 'ClusterRoleBinding'].includes(key.kind) && starts(c, 'roleRef')) add('ROLEREF-IMMUTABLE', `${c.path}: a binding's roleRef is immutable (delete and create it)`);
    if (ADMISSION_POLICY_KINDS.includes(key.kind) && starts(c, 'spec')) add('GUARDRAIL-CHANGED', `${c.path}: the guardrail changed (${c.op})`);
    if (key.kind === 'AppProject' && c.op !== 'remove' && ['spec.sourceRepos', 'spec.destinations', 'spec.clusterResourceWhitelist', 'spec.namespaceResourceWhitelist', 'spec.sourceNamespaces', 'spec.roles'].some((p) => starts(c, p))) {
      add('APPPROJECT-WIDENED', `${c.path}: Argo CD project allows more`);
    }
    if (key.kind === 'AppProject' && c.op === 'remove' && ['spec.clusterResourceBlacklist', 'spec.namespaceResourceBlacklist'].some((p) => starts(c, p))) add('APPPROJECT-WIDENED', `${c.path} removed: Argo CD project allows kinds it refused`);
    if (key.kind === 'Application' && (['spec.project', 'spec.source.repoURL', 'spec.destination'].some((p) => starts(c, p)) || /^spec\.sources\[\]\.repoURL$/.test(c.pattern))) {
      add('APPLICATION-SOURCE-CHANGED', `${c.path}: ${fmt(c.old)} → ${fmt(c.new)}`);
    }

    // CAPACITY
    const storage = /(^|\.)resources\.requests\.storage$/.test(c.pattern);
    if (c.pattern.startsWith('spec') && !storage && CAPACITY_FIELDS.some((re) => re.test(c.pattern))) add('CAPACITY-FIELD', `${c.path}: ${fmt(c.old)} → ${fmt(c.new)}`);
    if (key.kind === 'VirtualService' && /^spec\.http\[\]\.route(\[\]|$)/.test(c.pattern) && (c.pattern.endsWith('.weight') || /\.destination\.(subset|host)$/.test(c.pattern) || c.pattern === 'spec.http[].route[]' || c.pattern === 'spec.http[].route')) {
      const name = c.segments[2] && 'name' in c.segments[2] ? c.segments[2].name : c.path.split('.route')[0]!;
      add('TRAFFIC-SPLIT', `traffic split of ${name}: ${trafficSplit(get(httpItem(before, c), 'route'))} → ${trafficSplit(get(httpItem(after, c), 'route'))}`);
    }
    if (key.kind === 'PodDisruptionBudget' && (starts(c, 'spec.minAvailable') || starts(c, 'spec.maxUnavailable'))) add('DISRUPTION-BUDGET', `${c.path}: ${fmt(c.old)} → ${fmt(c.new)}`);
    if (key.kind === 'LimitRange' && starts(c, 'spec.limits')) add('LIMIT-RANGE', `${c.path}: ${fmt(c.old)} → ${fmt(c.new)}`);
    if (/^spec\.volumeClaimTemplates\[\]\.spec\.resources\.requests\.storage$/.test(c.pattern) || (key.kind === 'PersistentVolumeClaim' && c.pattern === 'spec.resources.requests.storage')) {
      add('STORAGE-SIZE', `${c.path}: ${fmt(c.old)} → ${fmt(c.new)}`);
    }
  }
  return dedupe(out);
}

function dedupe(flags: RiskFlag[]): RiskFlag[] {
  const seen = new Set<string>();
  return flags.filter((f) => {
    const k = `${f.flag} ${f.reason}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Grants of the access policies: a NetworkPolicy per direction, an AuthorizationPolicy's sources. */
function grantsOf(kind: string, obj: JsonObject): Grant[] {
  if (kind === 'NetworkPolicy') return [...networkPolicyGrants(obj, 'ingress'), ...networkPolicyGrants(obj, 'egress')];
  if (kind === 'AuthorizationPolicy') return authorizationGrants(obj);
  return [];
}

/** Access a NetworkPolicy or AuthorizationPolicy gains (SECURITY) and loses (listed) between two versions. */
function accessRisk(key: ObjectKey, before: JsonObject, after: JsonObject): Risk {
  if (key.kind !== 'NetworkPolicy' && key.kind !== 'AuthorizationPolicy') return { flags: [], tightened: [] };
  const denies = (o: JsonObject) => key.kind === 'AuthorizationPolicy' && get(o, 'spec', 'action') === 'DENY';
  if (denies(before) !== denies(after)) return { flags: [], tightened: [] }; // an action change is flagged by its field
  const { widened, tightened } = compareGrants(grantsOf(key.kind, before), grantsOf(key.kind, after));
  // A DENY policy's grants are what it refuses: losing one widens access.
  const [opened, closed] = denies(after) ? [tightened, widened] : [widened, tightened];
  const verb = denies(after) ? 'no longer denies' : 'now admits';
  return {
    flags: opened.map((g) => ({ ...rule('ACCESS-WIDENED'), reason: `${key.kind} ${verb} ${g.text}`, ...(g.caller && !denies(after) ? { caller: g.caller } : {}) })),
    tightened: closed.map((g) => `${key.kind} ${denies(after) ? 'now denies' : 'no longer admits'} ${g.text}`),
  };
}

const POD_TEMPLATE_KINDS = ['Deployment', 'StatefulSet'];
/** Kinds whose pod template is at spec.template. */
const WORKLOAD_TEMPLATE_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'];
const seconds = (n: number) => (n >= 120 && n % 60 === 0 ? `${n / 60} min` : `${n} s`);

/** How long a pod of this template may take to stop and to become ready again, from its own settings. */
function restartTimes(template: Json | undefined): string {
  const spec = get(template, 'spec');
  const grace = get(spec, 'terminationGracePeriodSeconds');
  const containers = get(spec, 'containers');
  const startup = Array.isArray(containers)
    ? Math.max(0, ...containers.map((c) => {
        const p = get(c, 'startupProbe') ?? get(c, 'readinessProbe');
        if (!isObject(p)) return 0;
        return Number(get(p, 'initialDelaySeconds') ?? 0) + Number(get(p, 'periodSeconds') ?? 10) * Number(get(p, 'failureThreshold') ?? 3);
      }))
    : 0;
  return `stopping takes up to ${seconds(typeof grace === 'number' ? grace : 30)}${startup ? `, starting until ready up to ${seconds(startup)} (its probes)` : ''}`;
}

/** Deployment pods that may be unavailable at once during a rollout (maxUnavailable, rounded down as the controller does). */
function rolloutUnavailable(spec: Json | undefined, replicas: number): number {
  if (get(spec, 'strategy', 'type') === 'Recreate') return replicas;
  const mu = get(spec, 'strategy', 'rollingUpdate', 'maxUnavailable') ?? '25%';
  const surge = get(spec, 'strategy', 'rollingUpdate', 'maxSurge') ?? '25%';
  const of = (v: Json, round: (x: number) => number) => (typeof v === 'string' && v.endsWith('%') ? round((replicas * Number(v.slice(0, -1))) / 100) : Number(v));
  const unavailable = of(mu, Math.floor);
  // The controller makes maxUnavailable 1 when both round to zero.
  return unavailable === 0 && of(surge, Math.ceil) === 0 ? 1 : unavailable;
}

/**
 * RESTART: a pod-template change restarts every pod. A StatefulSet restarts
 * them in place, one at a time (highest ordinal first): with one pod that is
 * an outage of its role (the PostgreSQL primary), with several a rolling
 * restart of the whole store. A Deployment goes down only when its rollout may
 * take every replica away at once (Recreate, or maxUnavailable ≥ replicas);
 * a surge-first rollout replaces even a single replica without a gap.
 */
function restartFlags(key: ObjectKey, after: JsonObject, changes: readonly FieldChange[]): RiskFlag[] {
  if (!POD_TEMPLATE_KINDS.includes(key.kind) || !changes.some((c) => starts(c, 'spec.template'))) return [];
  const spec = get(after, 'spec');
  const replicas = get(spec, 'replicas');
  if (typeof replicas !== 'number' || replicas === 0) return []; // autoscaled (an HPA keeps its minimum) or scaled to zero
  const template = get(spec, 'template');
  const what = [get(after, 'metadata', 'labels', 'app.kubernetes.io/component'), get(after, 'metadata', 'labels', 'app.kubernetes.io/name')].filter((v) => typeof v === 'string').join(' of ');
  const times = restartTimes(template);
  if (key.kind === 'StatefulSet') {
    if (replicas === 1) return [{ ...rule('RESTART-ONLY-POD'), reason: `its only pod (${what || key.name}) restarts: no other pod serves its clients meanwhile; ${times}` }];
    return [{ ...rule('RESTART-ROLLING'), reason: `rolling restart of all ${replicas} pods (${what || key.name}), one at a time; each ${times}` }];
  }
  if (rolloutUnavailable(spec, replicas) >= replicas) return [{ ...rule('RESTART-DEPLOYMENT-DOWN'), reason: `the rollout may stop all ${replicas} replica(s) at once (${get(spec, 'strategy', 'type') === 'Recreate' ? 'Recreate' : 'maxUnavailable'}): down until a new pod is ready; ${times}` }];
  return [];
}

/** `postgres:16.4` → 16; a digest or a non-numeric tag → undefined. */
function majorOf(image: Json | undefined): number | undefined {
  if (typeof image !== 'string') return undefined;
  const tag = /:([^:@/]+)(@.*)?$/.exec(image)?.[1];
  const m = tag ? /^v?(\d+)\./.exec(tag) ?? /^v?(\d+)$/.exec(tag) : null;
  return m ? Number(m[1]) : undefined;
}

/** DATA: a container of a workload with claim templates changes its image's major version (its data format may not start). */
function majorVersionFlags(after: JsonObject, changes: readonly FieldChange[]): RiskFlag[] {
  if (!Array.isArray(get(after, 'spec', 'volumeClaimTemplates'))) return [];
  return changes
    .filter((c) => /^spec\.template\.spec\.(initContainers|containers)\[\]\.image$/.test(c.pattern) && c.op === 'change')
    .flatMap((c) => {
      const [a, b] = [majorOf(c.old), majorOf(c.new)];
      const repo = (v: Json | undefined) => String(v).replace(/[:@].*$/, '');
      if (a === undefined || b === undefined || a === b || repo(c.old) !== repo(c.new)) return [];
      return [{ ...rule('IMAGE-MAJOR-VERSION'), reason: `${c.path}: major version ${a} → ${b} on persistent claims: data written by ${a} may not start on ${b} without a migration (docs/runbooks.md)` }];
    });
}

/** The risk of one object's change: flags, and what it tightens. */
export function assessRisk(key: ObjectKey, before: JsonObject | undefined, after: JsonObject | undefined, changes: readonly FieldChange[], context?: RiskContext): Risk {
  if (!before && after) return { flags: addedFlags(key, after, context), tightened: [] };
  if (before && !after) return { flags: removedFlags(key, before, context), tightened: [] };
  if (before && after) {
    const access = accessRisk(key, before, after);
    return { flags: dedupe([...changedFlags(key, before, after, changes, context), ...restartFlags(key, after, changes), ...majorVersionFlags(after, changes), ...access.flags]), tightened: access.tightened };
  }
  return { flags: [], tightened: [] };
}
