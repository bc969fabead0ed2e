import { stableJson } from '../blocks/hash';
import { apiIdentity, type KubeObject } from '../blocks/kube-object';
import { selectsLabels, type LabelSelector } from '../blocks/label-selector';
import { podSpecOf } from './rules';

/**
 * A rule about how objects of one render fit together (a Service selects
 * pods, an HPA's target exists, …). It sees every object of one scope — one
 * environment's files, or the Argo CD files — and reports problems on the
 * object that has them, so a suppression on that object silences it.
 */
export interface CrossRule {
  readonly id: string;
  readonly description: string;
  check(objects: readonly KubeObject[]): CrossFinding[];
}

export interface CrossFinding {
  readonly object: KubeObject;
  readonly message: string;
}

type Labels = Readonly<Record<string, string>>;

/** A label selector without a requirement (`{}`, `matchLabels: {}`, no expressions): it selects everything. */
const emptySelector = (selector: LabelSelector) => Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
/** A label selector against labels (none selects nothing). */
const selects = (selector: LabelSelector | undefined, labels: Labels = {}): boolean => !!selector && selectsLabels(selector, labels);
const templateLabels = (o: KubeObject): Labels | undefined => {
  const spec = o.spec as any;
  if (o.kind === 'Pod') return o.metadata.labels;
  return (o.kind === 'CronJob' ? spec?.jobTemplate?.spec?.template : spec?.template)?.metadata?.labels;
};
const ref = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;
const spec = (o: KubeObject) => (o.spec ?? {}) as any;

/** A lookup key of parts that may be missing (a namespace) without colliding with any text (a namespace named `undefined`). */
const keyOf = (...parts: (string | undefined)[]) => parts.map((p) => (p === undefined ? '\u0001' : p)).join('\u0000');

/** Objects with labels, found by one `key=value` pair: a selector's candidates are the smallest bucket of its pairs. */
class LabelIndex {
  private readonly byPair = new Map<string, KubeObject[]>();
  constructor(
    private readonly all: readonly KubeObject[],
    private readonly labelsOf: (o: KubeObject) => Labels | undefined,
  ) {
    for (const o of all) {
      for (const [k, v] of Object.entries(labelsOf(o) ?? {})) {
        const key = `${k}\u0000${v}`;
        const bucket = this.byPair.get(key);
        if (bucket) bucket.push(o);
        else this.byPair.set(key, [o]);
      }
    }
  }

  /** The objects whose labels `selector` selects, in their render order. */
  selectedBy(selector: Parameters<typeof selects>[0]): KubeObject[] {
    let candidates = this.all;
    for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) {
      const bucket = this.byPair.get(`${k}\u0000${v}`) ?? [];
      if (bucket.length < candidates.length) candidates = bucket;
    }
    return candidates.filter((o) => selects(selector, this.labelsOf(o)));
  }
}

const EMPTY: readonly KubeObject[] = [];

/**
 * Lookups over one scope's objects, built once per object list: rules ask them once per Service, budget,
 * monitor or autoscaler, and scanning every object each time made the gate quadratic (at 500 services it
 * was 2.4 s of a 7.4 s synth).
 */
class ScopeIndex {
  private readonly inNs = new Map<string | undefined, KubeObject[]>();
  private readonly byName = new Map<string, KubeObject>();
  private readonly workloads = new Map<string | undefined, LabelIndex>();
  private readonly services = new Map<string | undefined, LabelIndex>();
  private readonly secretsRead = new Map<string | undefined, Set<string>>();
  private readonly scalers = new Map<string, KubeObject[]>();
  private readonly position = new Map<KubeObject, number>();

  /** The list as it was indexed. */
  private readonly indexed: readonly KubeObject[];

  constructor(objects: readonly KubeObject[]) {
    this.indexed = [...objects];
    for (const o of objects) {
      this.position.set(o, this.position.size);
      const ns = o.metadata.namespace;
      const list = this.inNs.get(ns);
      if (list) list.push(o);
      else this.inNs.set(ns, [o]);
      const key = keyOf(o.kind, ns, o.metadata.name);
      if (!this.byName.has(key)) this.byName.set(key, o);
      const pod = podSpecOf(o);
      if (pod) {
        const read = this.secretsRead.get(ns) ?? new Set<string>();
        for (const name of secretsReadBy(pod)) read.add(name);
        this.secretsRead.set(ns, read);
      }
      if (o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject') {
        const target = scaleTarget(o);
        const found = this.scalers.get(keyOf(ns, target));
        if (found) found.push(o);
        else this.scalers.set(keyOf(ns, target), [o]);
      }
    }
    for (const [ns, list] of this.inNs) {
      this.workloads.set(ns, new LabelIndex(list.filter((o) => podSpecOf(o) && o.kind !== 'Job' && o.kind !== 'CronJob'), templateLabels));
      this.services.set(ns, new LabelIndex(list.filter((o) => o.kind === 'Service'), (o) => o.metadata.labels));
    }
  }

  private static readonly cache = new WeakMap<readonly KubeObject[], ScopeIndex>();
  /**
   * The index of `objects`, shared by the rules checking the same list (the gate hands each rule the same array).
   * Each rule asks once per check, and a list changed since (an exported rule run again on an edited array) gets
   * a new index: one pass comparing the list with the one indexed.
   */
  static of(objects: readonly KubeObject[]): ScopeIndex {
    let index = ScopeIndex.cache.get(objects);
    if (!index || !index.indexes(objects)) ScopeIndex.cache.set(objects, (index = new ScopeIndex(objects)));
    return index;
  }

  private indexes(objects: readonly KubeObject[]): boolean {
    return objects.length === this.indexed.length && objects.every((o, i) => o === this.indexed[i]);
  }

  /** `some` sorted as the scope renders them. */
  inRenderOrder(some: KubeObject[]): KubeObject[] {
    return some.sort((a, b) => this.position.get(a)! - this.position.get(b)!);
  }

  /** Every object in `namespace`, in render order. */
  namespaced(namespace: string | undefined): readonly KubeObject[] {
    return this.inNs.get(namespace) ?? EMPTY;
  }

  /** The first object of `kind` named `name` in `namespace`. */
  find(kind: string | undefined, namespace: string | undefined, name: string | undefined): KubeObject | undefined {
    return this.byName.get(keyOf(kind, namespace, name));
  }

  /** Long-running workloads in `namespace` whose pod labels `selector` selects. */
  workloadsSelectedBy(namespace: string | undefined, selector: Parameters<typeof selects>[0]): KubeObject[] {
    return this.workloads.get(namespace)?.selectedBy(selector) ?? [];
  }

  /** Services in `namespace` whose labels `selector` selects. */
  servicesSelectedBy(namespace: string | undefined, selector: Parameters<typeof selects>[0]): KubeObject[] {
    return this.services.get(namespace)?.selectedBy(selector) ?? [];
  }

  /** Whether some pod in `namespace` reads Secret `name`. */
  secretRead(namespace: string | undefined, name: string): boolean {
    return this.secretsRead.get(namespace)?.has(name) ?? false;
  }

  /** The autoscalers (HPA, KEDA ScaledObject) in `namespace` scaling `target` (`Kind/name`). */
  scalersOf(namespace: string | undefined, target: string): readonly KubeObject[] {
    return this.scalers.get(keyOf(namespace, target)) ?? EMPTY;
  }
}

/** `Kind/name` of the workload an autoscaler scales (a KEDA ScaledObject's kind defaults to Deployment). */
const scaleTarget = (o: KubeObject) => `${spec(o).scaleTargetRef?.kind ?? (o.kind === 'ScaledObject' ? 'Deployment' : undefined)}/${spec(o).scaleTargetRef?.name}`;

/** Names of the Secrets a pod spec reads: variables, envFrom, volumes (projected too), image pull secrets. */
export function secretsReadBy(pod: any): Set<string> {
  const out = new Set<string>();
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name) out.add(e.valueFrom.secretKeyRef.name);
    for (const e of c.envFrom ?? []) if (e.secretRef?.name) out.add(e.secretRef.name);
  }
  for (const v of pod.volumes ?? []) {
    if (v.secret?.secretName) out.add(v.secret.secretName);
    for (const src of v.projected?.sources ?? []) if (src.secret?.name) out.add(src.secret.name);
  }
  for (const r of pod.imagePullSecrets ?? []) if (r.name) out.add(r.name);
  return out;
}

/** A rule's check with the scope's index (`ScopeIndex.of`), taken once per check. */
const withIndex =
  (check: (objects: readonly KubeObject[], index: ScopeIndex) => CrossFinding[]) =>
  (objects: readonly KubeObject[]): CrossFinding[] =>
    check(objects, ScopeIndex.of(objects));

export const CROSS_RULES: readonly CrossRule[] = [
  {
    id: 'SEALED-SECRET-USED',
    description: 'Every SealedSecret the render carries unseals into a Secret some pod in its namespace reads (an unused one is a leftover, or a typo in a name).',
    check: withIndex((objects, index) =>
      objects
        .filter((o) => o.kind === 'SealedSecret')
        .flatMap((sealed) => {
          const ns = sealed.metadata.namespace;
          return index.secretRead(ns, sealed.metadata.name) ? [] : [{ object: sealed, message: `no pod in ${ns} reads Secret ${sealed.metadata.name}: reference it (services[].secrets) or delete the file` }];
        })),
  },
  {
    id: 'NAMESPACE-GUARDED',
    description:
      'Every Namespace the render creates enforces Pod Security restricted and has a default-deny NetworkPolicy (every pod, both directions, no rule), a ResourceQuota and a LimitRange: what the workloads open up from.',
    check: withIndex((objects, index) =>
      objects
        .filter((o) => o.kind === 'Namespace')
        .flatMap((ns) => {
          const name = ns.metadata.name;
          const inNs = index.namespaced(name);
          const out: CrossFinding[] = [];
          if (ns.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted') out.push({ object: ns, message: 'does not enforce Pod Security restricted (label pod-security.kubernetes.io/enforce)' });
          const denyAll = inNs.some((o) => {
            const s = spec(o);
            // Every pod (an empty selector, however written), both directions, no rule (none, or an empty list).
            return o.kind === 'NetworkPolicy' && emptySelector(s.podSelector ?? {}) && [...(s.policyTypes ?? [])].sort().join() === 'Egress,Ingress' && !s.ingress?.length && !s.egress?.length;
          });
          if (!denyAll) out.push({ object: ns, message: 'has no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)' });
          for (const kind of ['ResourceQuota', 'LimitRange']) if (!inNs.some((o) => o.kind === kind)) out.push({ object: ns, message: `has no ${kind}` });
          return out;
        })),
  },
  {
    id: 'NAME-UNIQUE',
    description: 'One object per API group, kind, namespace and name (a second one silently replaces the first on apply).',
    check: (objects) => {
      const seen = new Set<string>();
      const out: CrossFinding[] = [];
      for (const o of objects) {
        const key = apiIdentity(o);
        if (seen.has(key)) out.push({ object: o, message: `another ${o.kind} named ${o.metadata.name} is rendered in the same namespace` });
        seen.add(key);
      }
      return out;
    },
  },
  {
    id: 'SELECTOR-MATCHES-TEMPLATE',
    description: "A workload's selector is not empty and selects its own pod template's labels, matchExpressions included (the API server rejects it otherwise).",
    check: (objects) =>
      objects
        .filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(o.kind))
        .flatMap((o) => {
          const selector: LabelSelector | undefined = spec(o).selector;
          if (!selector || emptySelector(selector)) return [{ object: o, message: `has ${selector ? 'an empty' : 'no'} selector: apps/v1 requires one that selects the pod template's labels` }];
          return selects(selector, templateLabels(o)) ? [] : [{ object: o, message: `selector ${stableJson(selector)} does not match the pod template's labels` }];
        }),
  },
  {
    id: 'SERVICE-SELECTS',
    description: "A Service with a selector selects running pods of its own application, and every named targetPort is a port those pods declare.",
    check: withIndex((objects, index) =>
      objects
        .filter((o) => o.kind === 'Service' && spec(o).selector)
        .flatMap((s) => {
          // Kubernetes keeps no endpoints for an empty selector (it is stored as none): not "every pod".
          if (Object.keys(spec(s).selector).length === 0) return [{ object: s, message: 'has an empty selector, which Kubernetes treats as none: it routes to no pod. Name the pods\' labels, or drop the selector for endpoints managed otherwise' }];
          const selected = index.workloadsSelectedBy(s.metadata.namespace, { matchLabels: spec(s).selector });
          if (selected.length === 0) return [{ object: s, message: `selects no pods (selector ${stableJson(spec(s).selector)})` }];
          const name = s.metadata.labels?.['app.kubernetes.io/name'];
          const out: CrossFinding[] = selected
            .filter((w) => name && templateLabels(w)?.['app.kubernetes.io/name'] !== name)
            .map((w) => ({ object: s, message: `selects pods of ${ref(w)}, another application than ${name}` }));
          const declared = new Set(selected.flatMap((w) => [...(podSpecOf(w)!.containers ?? []), ...(podSpecOf(w)!.initContainers ?? [])].flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name))));
          for (const p of spec(s).ports ?? []) {
            if (typeof p.targetPort === 'string' && !declared.has(p.targetPort)) out.push({ object: s, message: `port ${p.name ?? p.port} targets '${p.targetPort}', which no selected pod declares` });
          }
          return out;
        })),
  },
  {
    id: 'PDB-SELECTS',
    description: 'A PodDisruptionBudget selects the pods of exactly one workload and leaves a drain possible (not maxUnavailable 0, not minAvailable ≥ the fixed replica count).',
    check: withIndex((objects, index) =>
      objects
        .filter((o) => o.kind === 'PodDisruptionBudget')
        .flatMap((pdb) => {
          const selected = index.workloadsSelectedBy(pdb.metadata.namespace, spec(pdb).selector);
          if (selected.length !== 1) return [{ object: pdb, message: `selects ${selected.length} workloads (${selected.map(ref).join(', ') || 'none'}); expected exactly one` }];
          const w = selected[0]!;
          const { maxUnavailable, minAvailable } = spec(pdb);
          if (maxUnavailable === 0 || maxUnavailable === '0%') return [{ object: pdb, message: `maxUnavailable ${maxUnavailable}: no node running ${ref(w)} can ever be drained` }];
          const fixed = index.scalersOf(pdb.metadata.namespace, ref(w)).length === 0;
          const replicas = spec(w).replicas ?? 1;
          const available = typeof minAvailable === 'string' && minAvailable.endsWith('%') ? Math.ceil((replicas * Number(minAvailable.slice(0, -1))) / 100) : minAvailable;
          if (fixed && typeof available === 'number' && available >= replicas)
            return [{ object: pdb, message: `minAvailable ${minAvailable} of ${replicas} fixed pods of ${ref(w)}: every drain is blocked` }];
          return [];
        })),
  },
  {
    id: 'HPA-TARGET',
    description: 'An autoscaler (HPA, KEDA ScaledObject) scales a workload rendered in its namespace, which leaves its replica count to it; its minimum ≤ its maximum.',
    check: withIndex((objects, index) =>
      objects
        .filter((o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject')
        .flatMap((a) => {
          const keda = a.kind === 'ScaledObject';
          const target = spec(a).scaleTargetRef ?? {};
          const kind = target.kind ?? (keda ? 'Deployment' : undefined);
          const found = index.find(kind, a.metadata.namespace, target.name);
          const out: CrossFinding[] = [];
          if (!found) out.push({ object: a, message: `scales ${kind}/${target.name}, which is not rendered in ${a.metadata.namespace}` });
          else if (spec(found).replicas !== undefined) out.push({ object: a, message: `${ref(found)} sets replicas (${spec(found).replicas}); every sync would undo the autoscaler` });
          const [min, max] = keda ? [spec(a).minReplicaCount ?? 0, spec(a).maxReplicaCount ?? 100] : [spec(a).minReplicas ?? 1, spec(a).maxReplicas];
          if (min > max) out.push({ object: a, message: `minimum ${min} > maximum ${max}` });
          return out;
        })),
  },
  {
    id: 'VPA-HPA-EXCLUSIVE',
    description: 'A VerticalPodAutoscaler that applies its recommendations targets a workload rendered in its namespace, and no HPA scales that workload on CPU or memory (each would undo the other); in recommendation mode (updateMode Off) it may sit beside one.',
    check: withIndex((objects, index) =>
      objects
        .filter((o) => o.kind === 'VerticalPodAutoscaler')
        .flatMap((v) => {
          const target = spec(v).targetRef ?? {};
          const found = index.find(target.kind, v.metadata.namespace, target.name);
          if (!found) return [{ object: v, message: `targets ${target.kind}/${target.name}, which is not rendered in ${v.metadata.namespace}` }];
          if ((spec(v).updatePolicy?.updateMode ?? 'Recreate') === 'Off') return [];
          // An HPA on CPU or memory (Resource or ContainerResource metrics), or a KEDA ScaledObject with a cpu or memory trigger.
          const onResources = (o: KubeObject) =>
            o.kind === 'HorizontalPodAutoscaler'
              ? (spec(o).metrics ?? []).some((m: any) => (m.type === 'Resource' && ['cpu', 'memory'].includes(m.resource?.name)) || (m.type === 'ContainerResource' && ['cpu', 'memory'].includes(m.containerResource?.name)))
              : o.kind === 'ScaledObject' && (spec(o).triggers ?? []).some((t: any) => ['cpu', 'memory'].includes(t.type));
          // An HPA's scaleTargetRef.kind is required; one without it is read as a Deployment here, as KEDA's is.
                    const scalers = [...index.scalersOf(v.metadata.namespace, `${target.kind}/${target.name}`), ...(target.kind === 'Deployment' ? index.scalersOf(v.metadata.namespace, `undefined/${target.name}`) : [])];
          const hpa = index.inRenderOrder(scalers).find(onResources);
          return hpa ? [{ object: v, message: `updateMode ${spec(v).updatePolicy?.updateMode ?? 'Recreate (default)'} on ${ref(found)}, which ${ref(hpa)} scales on CPU/memory: use updateMode Off (recommendations only)` }] : [];
        })),
  },
  {
    id: 'AUTHZ-PRINCIPALS',
    description:
      'Every ALLOW rule of an AuthorizationPolicy names its callers by principal only, and a principal in a namespace this render owns names a ServiceAccount it renders (a typo would deny the caller, a missing rule source would allow anyone).',
    check: (objects) => {
      const owned = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
      const accounts = new Set(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
      return objects
        .filter((o) => o.kind === 'AuthorizationPolicy')
        .flatMap((ap) => {
          const s = spec(ap);
          if ((s.action ?? 'ALLOW') !== 'ALLOW') return [];
          return (s.rules ?? []).flatMap((rule: any, i: number): CrossFinding[] => {
            if (!rule.from?.length) return [{ object: ap, message: `rule ${i} has no sources: it admits any caller` }];
            return rule.from.flatMap((f: any): CrossFinding[] => {
              const keys = Object.keys(f.source ?? {});
              if (keys.length !== 1 || keys[0] !== 'principals' || !f.source.principals.length) return [{ object: ap, message: `rule ${i} names its callers by ${keys.join(', ') || 'nothing'}, not by principals` }];
              return f.source.principals.flatMap((p: string): CrossFinding[] => {
                const m = /^cluster\.local\/ns\/([a-z0-9-]+)\/sa\/([a-z0-9.-]+)$/.exec(p);
                if (!m) return [{ object: ap, message: `principal ${p} is not cluster.local/ns/<namespace>/sa/<account>` }];
                return owned.has(m[1]!) && !accounts.has(`${m[1]}/${m[2]}`) ? [{ object: ap, message: `principal ${p}: no ServiceAccount ${m[2]} is rendered in ${m[1]}` }] : [];
              });
            });
          });
        });
    },
  },
  {
    id: 'MONITOR-SELECTS',
    description: 'A ServiceMonitor selects at least one Service (in its namespace, or those its namespaceSelector names), and each endpoint scrapes a port every selected Service names.',
    check: withIndex((objects, index) =>
      objects
        .filter((o) => o.kind === 'ServiceMonitor')
        .flatMap((sm) => {
          // Its Services: in its own namespace, or those its namespaceSelector names (`any`: not resolvable here).
          const ns = spec(sm).namespaceSelector;
          if (ns?.any) return [];
          // An empty matchNames is the monitor's own namespace, as the Prometheus Operator reads it (getNamespacesFromNamespaceSelector).
          const namespaces: string[] = ns?.matchNames?.length ? ns.matchNames : [sm.metadata.namespace];
                    const services = index.inRenderOrder([...new Set(namespaces)].flatMap((n) => index.servicesSelectedBy(n, spec(sm).selector)));
          if (services.length === 0) return [{ object: sm, message: 'selects no Service' }];
          return (spec(sm).endpoints ?? []).flatMap((e: any) =>
            services.filter((svc) => !(spec(svc).ports ?? []).some((p: any) => p.name === e.port)).map((svc) => ({ object: sm, message: `endpoint port '${e.port}' is not a port of ${ref(svc)}` })),
          );
        })),
  },
];
