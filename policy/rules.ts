import type { KubeObject } from '../blocks/kube-object';
import { ANNOTATION, LABEL } from '../blocks/meta';
import { strictSchemaErrors } from './strict-schema';
import { CLUSTER_SCOPED_KINDS, WORKLOAD_KINDS } from '../catalogue/kinds';
import { credentialLiteral } from '../catalogue/credentials';

/**
 * The rule pack every rendered object must pass before anything is written
 * (cdk-nag style: ids, one concern each, suppressions need a reason).
 */
export interface Rule {
  readonly id: string;
  readonly description: string;
  /** Problems found in `obj`, as human-readable sentences. */
  check(obj: KubeObject): string[];
}

type Container = {
  name: string;
  image?: string;
  securityContext?: Record<string, any>;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  restartPolicy?: string;
  env?: { name: string }[];
};
type PodSpec = {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: Record<string, any>;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: Record<string, unknown>[];
  automountServiceAccountToken?: boolean;
};

type RbacRule = { verbs?: unknown; resources?: unknown; apiGroups?: unknown; nonResourceURLs?: unknown };
const rbacRules = (o: KubeObject): RbacRule[] => (o.kind === 'Role' || o.kind === 'ClusterRole' ? (((o as { rules?: RbacRule[] }).rules ?? []) as RbacRule[]) : []);

export function podSpecOf(obj: KubeObject): PodSpec | undefined {
  const spec = obj.spec as any;
  if (!spec || !WORKLOAD_KINDS.has(obj.kind)) return undefined;
  if (obj.kind === 'CronJob') return spec.jobTemplate?.spec?.template?.spec;
  if (obj.kind === 'Pod') return spec;
  return spec.template?.spec;
}

const allContainers = (p: PodSpec) => [...(p.initContainers ?? []), ...p.containers];
const isLongRunning = (obj: KubeObject) => obj.kind !== 'Job' && obj.kind !== 'CronJob' && obj.kind !== 'Pod';

const podRule = (id: string, description: string, f: (pod: PodSpec, obj: KubeObject) => string[]): Rule => ({
  id,
  description,
  check: (obj) => {
    const pod = podSpecOf(obj);
    return pod ? f(pod, obj) : [];
  },
});

/**
 * SCHEMA-STRICT: an object valid for its API — the Kubernetes 1.30 definitions or the pinned CRD
 * schema: types, required fields, enums, no unknown field (the API server's strict field validation).
 * `shaped`: only what the spec's patches changed or its extraManifests added (the synth's gate; the
 * platform's own objects are checked the same way by npm test); `all`: every object (`npm run check`
 * on any YAML). A kind no pinned schema covers is the cluster's to validate.
 */
export function schemaStrictRule(scope: 'shaped' | 'all'): Rule {
  return {
    id: 'SCHEMA-STRICT',
    description:
      scope === 'shaped'
        ? "An object the spec's patches changed or its extraManifests added is valid for its API (Kubernetes 1.30 definitions or the pinned CRD schema; no unknown field). The platform's own objects are checked the same way by npm test."
        : 'Every object is valid for its API (Kubernetes 1.30 definitions or the pinned CRD schema; no unknown field).',
    check: (o) => {
      const annotations = o.metadata?.annotations ?? {};
      const source = annotations[ANNOTATION.patchedBy] ?? annotations[ANNOTATION.fromFile];
      if (scope === 'shaped' && source === undefined) return [];
      return (strictSchemaErrors(o) ?? []).map((e) => `not valid for ${o.apiVersion} ${o.kind}${source ? ` (${source})` : ''}: ${e}`);
    },
  };
}

export const RULES: readonly Rule[] = [
  {
    id: 'META-NAMESPACE',
    description: 'Every namespaced object names its namespace explicitly.',
    check: (o) => (CLUSTER_SCOPED_KINDS.has(o.kind) ? (o.metadata.namespace ? ['cluster-scoped object must not set a namespace'] : []) : o.metadata.namespace ? [] : ['metadata.namespace is missing']),
  },
  {
    id: 'META-LABELS',
    description: 'Every object carries the six app.kubernetes.io labels.',
    check: (o) => Object.values(LABEL).filter((l) => !o.metadata.labels?.[l]).map((l) => `label ${l} is missing`),
  },
  {
    id: 'SELECTOR-STABLE',
    description: 'Selectors use stable labels only: never the version, never a cdk8s construct address.',
    check: (o) => {
      const sel = ((o.spec as any)?.selector?.matchLabels ?? (o.kind === 'Service' ? (o.spec as any)?.selector : undefined)) as Record<string, string> | undefined;
      if (!sel) return [];
      return Object.keys(sel)
        .filter((k) => k === LABEL.version || k.startsWith('cdk8s.io/'))
        .map((k) => `selector uses unstable label ${k}`);
    },
  },
  {
    id: 'SECRET-NO-DATA',
    description: 'Credentials are never rendered: Secrets are referenced by name, not shipped in git.',
    check: (o) => (o.kind === 'Secret' && (o.data || o.stringData) ? ['Secret carries data in git'] : []),
  },
  podRule('PSS-HOST', 'No host namespaces or hostPath volumes (PSS baseline).', (p) => [
    ...(p.hostNetwork ? ['hostNetwork is set'] : []),
    ...(p.hostPID ? ['hostPID is set'] : []),
    ...(p.hostIPC ? ['hostIPC is set'] : []),
    ...(p.volumes ?? []).filter((v) => 'hostPath' in v).map((v) => `volume ${String(v.name)} is a hostPath`),
  ]),
  podRule('PSS-NONROOT', 'Pods and containers run as non-root (PSS restricted).', (p) =>
    allContainers(p)
      .filter((c) => !(c.securityContext?.runAsNonRoot ?? p.securityContext?.runAsNonRoot))
      .map((c) => `container ${c.name} may run as root (runAsNonRoot not true)`)
      .concat(allContainers(p).filter((c) => (c.securityContext?.runAsUser ?? p.securityContext?.runAsUser) === 0).map((c) => `container ${c.name} runs as UID 0`)),
  ),
  podRule('PSS-SECCOMP', 'Seccomp profile RuntimeDefault (PSS restricted).', (p) =>
    allContainers(p)
      .filter((c) => !['RuntimeDefault', 'Localhost'].includes(c.securityContext?.seccompProfile?.type ?? p.securityContext?.seccompProfile?.type))
      .map((c) => `container ${c.name} has no RuntimeDefault seccomp profile`),
  ),
  podRule('PSS-CAPABILITIES', 'Containers drop ALL capabilities, add none but NET_BIND_SERVICE (PSS restricted).', (p) =>
    allContainers(p).flatMap((c) => {
      const caps = c.securityContext?.capabilities ?? {};
      const out: string[] = [];
      if (!(caps.drop ?? []).includes('ALL')) out.push(`container ${c.name} does not drop ALL capabilities`);
      for (const a of caps.add ?? []) if (a !== 'NET_BIND_SERVICE') out.push(`container ${c.name} adds capability ${a}`);
      return out;
    }),
  ),
  podRule('PSS-ESCALATION', 'No privilege escalation, no privileged containers (PSS restricted).', (p) =>
    allContainers(p).flatMap((c) => [
      ...(c.securityContext?.allowPrivilegeEscalation !== false ? [`container ${c.name} allows privilege escalation`] : []),
      ...(c.securityContext?.privileged ? [`container ${c.name} is privileged`] : []),
    ]),
  ),
  podRule('READONLY-ROOT', 'Root filesystems are read-only; writable paths are volumes.', (p) =>
    allContainers(p)
      .filter((c) => c.securityContext?.readOnlyRootFilesystem !== true)
      .map((c) => `container ${c.name} has a writable root filesystem`),
  ),
  podRule('RESOURCES', 'Every container has CPU and memory requests and limits.', (p) =>
    allContainers(p).flatMap((c) =>
      (['requests', 'limits'] as const).flatMap((k) =>
        (['cpu', 'memory'] as const).filter((r) => c.resources?.[k]?.[r] === undefined).map((r) => `container ${c.name} has no ${k}.${r}`),
      ),
    ),
  ),
  podRule('PROBES', 'Long-running containers have readiness and liveness probes.', (p, o) =>
    isLongRunning(o)
      ? p.containers.flatMap((c) => [
          ...(c.readinessProbe ? [] : [`container ${c.name} has no readinessProbe`]),
          ...(c.livenessProbe ? [] : [`container ${c.name} has no livenessProbe`]),
        ])
      : [],
  ),
  podRule('ENV-UNIQUE', 'A container names each environment variable once (server-side apply refuses duplicates; kubectl apply keeps the last).', (p) =>
    allContainers(p).flatMap((c) => {
      const names = (c.env ?? []).map((e) => e.name);
      return [...new Set(names.filter((n, i) => names.indexOf(n) !== i))].map((n) => `container ${c.name} sets ${n} more than once`);
    }),
  ),
  schemaStrictRule('shaped'),
  {
    id: 'CREDENTIAL-LITERAL',
    description: 'No credential written into a container variable or a ConfigMap (by name or by shape); credentials come from Secrets.',
    check: (o) => {
      const pod = podSpecOf(o);
      const pairs: [string, string, string][] = pod
        ? allContainers(pod).flatMap((c) => ((c.env ?? []) as { name: string; value?: unknown }[]).flatMap((e) => (typeof e.value === 'string' ? [[`container ${c.name}`, e.name, e.value] as [string, string, string]] : [])))
        : o.kind === 'ConfigMap'
          ? Object.entries(((o as { data?: Record<string, unknown> }).data ?? {}))
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) // findings in the order the keys are written (a render pass leaves them unsorted)
              .flatMap(([k, v]): [string, string, string][] => (typeof v === 'string' ? [['data', k, v]] : []))
          : [];
      return pairs.flatMap(([where, key, value]) => {
        const why = credentialLiteral(key, value);
        return why ? [`${where}: ${why}; read it from a Secret`] : [];
      });
    },
  },
  {
    id: 'QUOTA-BOUNDED',
    description: 'A workload runs a bounded number of pods of a bounded size, so the namespace quota (computed from the pod specs) holds them: no DaemonSet or daemonset-mode collector, CronJobs one Job at a time, a numeric or percentage maxSurge, a VPA that applies recommendations bounds them (maxAllowed).',
    check: (o) => {
      const spec = (o.spec ?? {}) as any;
      if (o.kind === 'DaemonSet') return ['a DaemonSet runs one pod per node, which no namespace quota can bound; run node agents outside the platform namespaces'];
      if (o.kind === 'OpenTelemetryCollector' && spec.mode === 'daemonset') return ['a daemonset collector runs one pod per node, which no namespace quota can bound'];
      if (o.kind === 'CronJob' && !['Forbid', 'Replace'].includes(spec.concurrencyPolicy)) return [`concurrencyPolicy ${spec.concurrencyPolicy ?? 'Allow'} lets Jobs pile up; use Forbid or Replace`];
      // A VPA that applies recommendations must bound them (maxAllowed) for every resource it controls, or the quota cannot.
      if (o.kind === 'VerticalPodAutoscaler' && (spec.updatePolicy?.updateMode ?? 'Recreate') !== 'Off') {
        const policies: any[] = spec.resourcePolicy?.containerPolicies ?? [];
        const unbounded = policies.filter((p) => p.mode !== 'Off' && (p.controlledResources ?? ['cpu', 'memory']).some((r: string) => p.maxAllowed?.[r] === undefined));
        if (policies.filter((p) => p.mode !== 'Off').length === 0) return ['applies recommendations with no containerPolicies: nothing bounds them (give each controlled container maxAllowed, the rest mode Off)'];
        return unbounded.map((p) => `container ${p.containerName}: maxAllowed does not bound every controlled resource (${(p.controlledResources ?? ['cpu', 'memory']).join(', ')}), so the quota cannot hold what VPA may set`);
      }
      const maxSurge = spec.strategy?.rollingUpdate?.maxSurge;
      if (o.kind === 'Deployment' && maxSurge !== undefined && typeof maxSurge !== 'number' && !/^[0-9]+%$/.test(String(maxSurge))) return [`maxSurge ${String(maxSurge)} is neither a number nor a percentage`];
      return [];
    },
  },
  podRule('IMAGE-PINNED', 'Images carry an explicit tag or digest, never latest.', (p) =>
    allContainers(p)
      .filter((c) => !c.image || /:latest$/.test(c.image) || !/[:@]/.test(c.image.slice(c.image.lastIndexOf('/') + 1)))
      .map((c) => `container ${c.name} image ${c.image ?? '(none)'} is not pinned`),
  ),
  {
    id: 'RBAC-NO-WILDCARD',
    description: "A Role or ClusterRole names its verbs, resources and API groups (no '*' anywhere in them, which would also grant whatever a future API adds), and an aggregated ClusterRole selects by a label of its own (an empty selector, or Kubernetes' bootstrap label, takes in every role, cluster-admin included).",
    check: (o) => [
      ...rbacRules(o).flatMap((r, i) =>
        (['verbs', 'resources', 'apiGroups', 'nonResourceURLs'] as const).flatMap((f) => (((r[f] ?? []) as string[]).some((v) => String(v).includes('*')) ? [`rules[${i}].${f} has a wildcard: list what it grants`] : [])),
      ),
      ...(o.kind === 'ClusterRole'
        ? (((o as { aggregationRule?: { clusterRoleSelectors?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] }[] } }).aggregationRule?.clusterRoleSelectors ?? []) as { matchLabels?: Record<string, string>; matchExpressions?: unknown[] }[]).flatMap((sel, i) => {
            const labels = Object.keys(sel.matchLabels ?? {});
            if (labels.length === 0 && (sel.matchExpressions ?? []).length === 0) return [`aggregationRule.clusterRoleSelectors[${i}] is empty: it aggregates every ClusterRole`];
            return labels.filter((l) => l.startsWith('kubernetes.io/') || l.startsWith('rbac.authorization.k8s.io/')).map((l) => `aggregationRule.clusterRoleSelectors[${i}] selects Kubernetes' own label ${l}`);
          })
        : []),
    ],
  },
  {
    id: 'RBAC-NO-ESCALATION',
    description: 'No role grants escalate, bind or impersonate, ServiceAccount tokens (serviceaccounts/token) or the kubelet API (nodes/proxy): each lets its holder act with more than the role says.',
    check: (o) =>
      rbacRules(o).flatMap((r, i) => [
        ...((r.verbs ?? []) as string[]).filter((v) => ['escalate', 'bind', 'impersonate'].includes(v)).map((v) => `rules[${i}] grants ${v}`),
        ...((r.resources ?? []) as string[]).filter((x) => ['serviceaccounts/token', 'nodes/proxy'].includes(x)).map((x) => `rules[${i}] grants ${x}`),
      ]),
  },
  {
    id: 'RBAC-BINDING-SCOPED',
    description: "Access is granted per namespace, by the platform's roles, to your identity provider's groups (or a ServiceAccount of that namespace): no ClusterRoleBinding; no binding to cluster-admin, Kubernetes' admin or edit (edit may impersonate ServiceAccounts) or a system: role; no system: group or user subject.",
    check: (o) => {
      if (o.kind !== 'RoleBinding' && o.kind !== 'ClusterRoleBinding') return [];
      const out: string[] = [];
      if (o.kind === 'ClusterRoleBinding') out.push('a ClusterRoleBinding grants its role in every namespace; bind per namespace with RoleBindings');
      const ref = (o as { roleRef?: { name?: string; kind?: string } }).roleRef;
      if (ref?.kind === 'ClusterRole' && (['cluster-admin', 'admin', 'edit'].includes(ref.name ?? '') || ref.name?.startsWith('system:'))) out.push(`binds Kubernetes' built-in ${ref.name}`);
      for (const sub of ((o as { subjects?: { kind?: string; name?: string; namespace?: string }[] }).subjects ?? [])) {
        if (sub.kind === 'ServiceAccount') {
          if (o.kind === 'RoleBinding' && sub.namespace !== undefined && sub.namespace !== o.metadata.namespace) out.push(`binds ServiceAccount ${sub.namespace}/${sub.name} of another namespace`);
        } else if (sub.name?.startsWith('system:')) out.push(`binds ${sub.kind} ${sub.name} (a Kubernetes system identity: system:authenticated is everyone, system:masters is cluster-admin)`);
      }
      return out;
    },
  },
  podRule('SA-TOKEN', 'Pods do not mount a ServiceAccount token unless they call the API server.', (p) =>
    p.automountServiceAccountToken === false ? [] : ['automountServiceAccountToken is not false'],
  ),
];

/** Per-object suppressions: `ID: reason` entries separated by `;`. */
export const SUPPRESS_ANNOTATION = 'policy.platform-gen.dev/suppress';

export function suppressionsOf(obj: KubeObject): Map<string, string> {
  const raw = obj.metadata.annotations?.[SUPPRESS_ANNOTATION];
  const out = new Map<string, string>();
  if (!raw) return out;
  for (const part of raw.split(';')) {
    const at = part.indexOf(':');
    if (at < 0) continue;
    out.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return out;
}
