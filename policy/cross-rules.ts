import { apiGroupOf, type KubeObject } from '../blocks/kube-object';
import { CLUSTER_SCOPED_KINDS } from '../catalogue/kinds';
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

const matches = (selector: Labels, labels: Labels = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** A label selector (matchLabels and matchExpressions: In, NotIn, Exists, DoesNotExist) against labels. */
function selects(selector: { matchLabels?: Labels; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined, labels: Labels = {}): boolean {
  if (!selector) return false;
  return (
    matches(selector.matchLabels ?? {}, labels) &&
    (selector.matchExpressions ?? []).every((e) => {
      const has = e.key in labels;
      switch (e.operator) {
        case 'In':
          return has && (e.values ?? []).includes(labels[e.key]!);
        case 'NotIn':
          return !has || !(e.values ?? []).includes(labels[e.key]!);
        case 'Exists':
          return has;
        case 'DoesNotExist':
          return !has;
        default:
          return false;
      }
    })
  );
}
const templateLabels = (o: KubeObject): Labels | undefined => {
  const spec = o.spec as any;
  if (o.kind === 'Pod') return o.metadata.labels;
  return (o.kind === 'CronJob' ? spec?.jobTemplate?.spec?.template : spec?.template)?.metadata?.labels;
};
const ref = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;
const spec = (o: KubeObject) => (o.spec ?? {}) as any;

/**
 * A per-namespace index of one object list, built once per list (rules call these once per Service or
 * budget: scanning every object each time made the check quadratic — 70 % of a 500-service synth).
 */
function byNamespace<T>(cache: WeakMap<readonly KubeObject[], Map<string | undefined, T>>, objects: readonly KubeObject[], build: (inNs: KubeObject[]) => T) {
  let index = cache.get(objects);
  if (!index) {
    const groups = new Map<string | undefined, KubeObject[]>();
    for (const o of objects) {
      const inNs = groups.get(o.metadata.namespace);
      if (inNs) inNs.push(o);
      else groups.set(o.metadata.namespace, [o]);
    }
    index = new Map([...groups].map(([ns, inNs]) => [ns, build(inNs)]));
    cache.set(objects, index);
  }
  return (namespace: string | undefined) => index!.get(namespace);
}

const workloadIndex = new WeakMap<readonly KubeObject[], Map<string | undefined, KubeObject[]>>();
/** Long-running workloads (and their pod labels) in `namespace`. */
function workloadsIn(objects: readonly KubeObject[], namespace: string | undefined): KubeObject[] {
  return byNamespace(workloadIndex, objects, (inNs) => inNs.filter((o) => podSpecOf(o) && o.kind !== 'Job' && o.kind !== 'CronJob'))(namespace) ?? [];
}

const scalerIndex = new WeakMap<readonly KubeObject[], Map<string | undefined, Map<string, KubeObject>>>();
/** The autoscalers (HPA, KEDA ScaledObject) in `namespace`, by the name of the Deployment/StatefulSet they scale. */
function scaledTargets(objects: readonly KubeObject[], namespace: string | undefined): Map<string, KubeObject> {
  const build = (inNs: KubeObject[]) => {
    const out = new Map<string, KubeObject>();
    for (const o of inNs) {
      if (o.kind === 'HorizontalPodAutoscaler') out.set(`${spec(o).scaleTargetRef?.kind}/${spec(o).scaleTargetRef?.name}`, o);
      if (o.kind === 'ScaledObject') out.set(`${spec(o).scaleTargetRef?.kind ?? 'Deployment'}/${spec(o).scaleTargetRef?.name}`, o);
    }
    return out;
  };
  return byNamespace(scalerIndex, objects, build)(namespace) ?? new Map();
}

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

export const CROSS_RULES: readonly CrossRule[] = [
  {
    id: 'SEALED-SECRET-USED',
    description: 'Every SealedSecret the render carries unseals into a Secret some pod in its namespace reads (an unused one is a leftover, or a typo in a name).',
    check: (objects) =>
      objects
        .filter((o) => o.kind === 'SealedSecret')
        .flatMap((sealed) => {
          const ns = sealed.metadata.namespace;
          const readers = objects.filter((o) => o.metadata.namespace === ns && podSpecOf(o) && secretsReadBy(podSpecOf(o)).has(sealed.metadata.name));
          return readers.length ? [] : [{ object: sealed, message: `no pod in ${ns} reads Secret ${sealed.metadata.name}: reference it (services[].secrets) or delete the file` }];
        }),
  },
  {
    id: 'NAMESPACE-GUARDED',
    description:
      'Every Namespace the render creates enforces Pod Security restricted and has a default-deny NetworkPolicy (every pod, both directions, no rule), a ResourceQuota and a LimitRange: what the workloads open up from.',
    check: (objects) =>
      objects
        .filter((o) => o.kind === 'Namespace')
        .flatMap((ns) => {
          const name = ns.metadata.name;
          const inNs = objects.filter((o) => o.metadata.namespace === name);
          const out: CrossFinding[] = [];
          if (ns.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted') out.push({ object: ns, message: 'does not enforce Pod Security restricted (label pod-security.kubernetes.io/enforce)' });
          const denyAll = inNs.some((o) => {
            const s = spec(o);
            return o.kind === 'NetworkPolicy' && Object.keys(s.podSelector ?? {}).length === 0 && [...(s.policyTypes ?? [])].sort().join() === 'Egress,Ingress' && !s.ingress && !s.egress;
          });
          if (!denyAll) out.push({ object: ns, message: 'has no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)' });
          for (const kind of ['ResourceQuota', 'LimitRange']) if (!inNs.some((o) => o.kind === kind)) out.push({ object: ns, message: `has no ${kind}` });
          return out;
        }),
  },
  {
    id: 'NAME-UNIQUE',
    description: 'One object per API group, kind, namespace and name (a second one silently replaces the first on apply).',
    check: (objects) => {
      const seen = new Set<string>();
      const out: CrossFinding[] = [];
      for (const o of objects) {
        const key = `${apiGroupOf(o.apiVersion)}/${o.kind}/${CLUSTER_SCOPED_KINDS.has(o.kind) ? '' : o.metadata.namespace}/${o.metadata.name}`;
        if (seen.has(key)) out.push({ object: o, message: `another ${o.kind} named ${o.metadata.name} is rendered in the same namespace` });
        seen.add(key);
      }
      return out;
    },
  },
  {
    id: 'SELECTOR-MATCHES-TEMPLATE',
    description: "A workload's selector matches its own pod template's labels (the API server rejects it otherwise).",
    check: (objects) =>
      objects
        .filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(o.kind) && spec(o).selector?.matchLabels)
        .filter((o) => !matches(spec(o).selector.matchLabels, templateLabels(o)))
        .map((o) => ({ object: o, message: `selector ${JSON.stringify(spec(o).selector.matchLabels)} does not match the pod template's labels` })),
  },
  {
    id: 'SERVICE-SELECTS',
    description: "A Service with a selector selects running pods of its own application, and every named targetPort is a port those pods declare.",
    check: (objects) =>
      objects
        .filter((o) => o.kind === 'Service' && spec(o).selector)
        .flatMap((s) => {
          const selected = workloadsIn(objects, s.metadata.namespace).filter((w) => matches(spec(s).selector, templateLabels(w)));
          if (selected.length === 0) return [{ object: s, message: `selects no pods (selector ${JSON.stringify(spec(s).selector)})` }];
          const name = s.metadata.labels?.['app.kubernetes.io/name'];
          const out: CrossFinding[] = selected
            .filter((w) => name && templateLabels(w)?.['app.kubernetes.io/name'] !== name)
            .map((w) => ({ object: s, message: `selects pods of ${ref(w)}, another application than ${name}` }));
          const declared = new Set(selected.flatMap((w) => [...(podSpecOf(w)!.containers ?? []), ...(podSpecOf(w)!.initContainers ?? [])].flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name))));
          for (const p of spec(s).ports ?? []) {
            if (typeof p.targetPort === 'string' && !declared.has(p.targetPort)) out.push({ object: s, message: `port ${p.name ?? p.port} targets '${p.targetPort}', which no selected pod declares` });
          }
          return out;
        }),
  },
  {
    id: 'PDB-SELECTS',
    description: 'A PodDisruptionBudget selects the pods of exactly one workload and leaves a drain possible (not maxUnavailable 0, not minAvailable ≥ the fixed replica count).',
    check: (objects) =>
      objects
        .filter((o) => o.kind === 'PodDisruptionBudget')
        .flatMap((pdb) => {
          const selected = workloadsIn(objects, pdb.metadata.namespace).filter((w) => selects(spec(pdb).selector, templateLabels(w)));
          if (selected.length !== 1) return [{ object: pdb, message: `selects ${selected.length} workloads (${selected.map(ref).join(', ') || 'none'}); expected exactly one` }];
          const w = selected[0]!;
          const { maxUnavailable, minAvailable } = spec(pdb);
          if (maxUnavailable === 0 || maxUnavailable === '0%') return [{ object: pdb, message: `maxUnavailable ${maxUnavailable}: no node running ${ref(w)} can ever be drained` }];
          const fixed = !scaledTargets(objects, pdb.metadata.namespace).has(ref(w));
          const replicas = spec(w).replicas ?? 1;
          const available = typeof minAvailable === 'string' && minAvailable.endsWith('%') ? Math.ceil((replicas * Number(minAvailable.slice(0, -1))) / 100) : minAvailable;
          if (fixed && typeof available === 'number' && available >= replicas)
            return [{ object: pdb, message: `minAvailable ${minAvailable} of ${replicas} fixed pods of ${ref(w)}: every drain is blocked` }];
          return [];
        }),
  },
  {
    id: 'HPA-TARGET',
    description: 'An autoscaler (HPA, KEDA ScaledObject) scales a workload rendered in its namespace, which leaves its replica count to it; its minimum ≤ its maximum.',
    check: (objects) =>
      objects
        .filter((o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject')
        .flatMap((a) => {
          const keda = a.kind === 'ScaledObject';
          const target = spec(a).scaleTargetRef ?? {};
          const kind = target.kind ?? (keda ? 'Deployment' : undefined);
          const found = objects.find((o) => o.kind === kind && o.metadata.name === target.name && o.metadata.namespace === a.metadata.namespace);
          const out: CrossFinding[] = [];
          if (!found) out.push({ object: a, message: `scales ${kind}/${target.name}, which is not rendered in ${a.metadata.namespace}` });
          else if (spec(found).replicas !== undefined) out.push({ object: a, message: `${ref(found)} sets replicas (${spec(found).replicas}); every sync would undo the autoscaler` });
          const [min, max] = keda ? [spec(a).minReplicaCount ?? 0, spec(a).maxReplicaCount ?? 100] : [spec(a).minReplicas ?? 1, spec(a).maxReplicas];
          if (min > max) out.push({ object: a, message: `minimum ${min} > maximum ${max}` });
          return out;
        }),
  },
  {
    id: 'VPA-HPA-EXCLUSIVE',
    description: 'A VerticalPodAutoscaler that applies its recommendations targets a workload rendered in its namespace, and no HPA scales that workload on CPU or memory (each would undo the other); in recommendation mode (updateMode Off) it may sit beside one.',
    check: (objects) =>
      objects
        .filter((o) => o.kind === 'VerticalPodAutoscaler')
        .flatMap((v) => {
          const target = spec(v).targetRef ?? {};
          const found = objects.find((o) => o.kind === target.kind && o.metadata.name === target.name && o.metadata.namespace === v.metadata.namespace);
          if (!found) return [{ object: v, message: `targets ${target.kind}/${target.name}, which is not rendered in ${v.metadata.namespace}` }];
          if ((spec(v).updatePolicy?.updateMode ?? 'Recreate') === 'Off') return [];
          // An HPA on CPU or memory (Resource or ContainerResource metrics), or a KEDA ScaledObject with a cpu or memory trigger.
          const onResources = (o: KubeObject) =>
            o.kind === 'HorizontalPodAutoscaler'
              ? (spec(o).metrics ?? []).some((m: any) => (m.type === 'Resource' && ['cpu', 'memory'].includes(m.resource?.name)) || (m.type === 'ContainerResource' && ['cpu', 'memory'].includes(m.containerResource?.name)))
              : o.kind === 'ScaledObject' && (spec(o).triggers ?? []).some((t: any) => ['cpu', 'memory'].includes(t.type));
          const hpa = objects.find(
            (o) =>
              (o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject') &&
              o.metadata.namespace === v.metadata.namespace &&
              (spec(o).scaleTargetRef?.kind ?? 'Deployment') === target.kind &&
              spec(o).scaleTargetRef?.name === target.name &&
              onResources(o),
          );
          return hpa ? [{ object: v, message: `updateMode ${spec(v).updatePolicy?.updateMode ?? 'Recreate (default)'} on ${ref(found)}, which ${ref(hpa)} scales on CPU/memory: use updateMode Off (recommendations only)` }] : [];
        }),
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
    check: (objects) =>
      objects
        .filter((o) => o.kind === 'ServiceMonitor')
        .flatMap((sm) => {
          // Its Services: in its own namespace, or those its namespaceSelector names (`any`: not resolvable here).
          const ns = spec(sm).namespaceSelector;
          if (ns?.any) return [];
          const namespaces: string[] = ns?.matchNames ?? [sm.metadata.namespace];
          const services = objects.filter((o) => o.kind === 'Service' && namespaces.includes(o.metadata.namespace!) && selects(spec(sm).selector, o.metadata.labels));
          if (services.length === 0) return [{ object: sm, message: 'selects no Service' }];
          return (spec(sm).endpoints ?? []).flatMap((e: any) =>
            services.filter((svc) => !(spec(svc).ports ?? []).some((p: any) => p.name === e.port)).map((svc) => ({ object: sm, message: `endpoint port '${e.port}' is not a port of ${ref(svc)}` })),
          );
        }),
  },
];
