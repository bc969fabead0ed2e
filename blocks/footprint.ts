import type { KubeObject } from './kube-object';
import { addFootprints, CONTAINER_DEFAULTS, EMPTY_FOOTPRINT, PROXY_ANNOTATION, toMi, type Footprint } from './quota';

/**
 * What the rendered workloads of a namespace can claim at their largest,
 * read from the pod specs themselves (never from a copy of the sizes): the
 * ResourceQuota is computed from this, so a container added to a pod is
 * counted the moment it is rendered.
 *
 * Per pod, as the scheduler and the quota count it: per resource, the larger
 * of the running containers plus native sidecars (restartable init
 * containers) and the largest init container plus the native sidecars
 * declared before it; plus the Istio proxy sized by the pod's
 * `sidecar.istio.io/proxy*` annotations (the injector adds it to every pod
 * of a meshed namespace; without them, at Istio's default size). A container
 * without requests or limits counts as admission fills them in (its limits,
 * else the namespace's LimitRange defaults). Claims:
 * a StatefulSet's volumeClaimTemplates and generic ephemeral volumes, per pod.
 *
 * A container a VerticalPodAutoscaler controls (updateMode other than Off)
 * counts at the largest it may set (`maxAllowed`; the limit scaled with it
 * unless `RequestsOnly`), so the quota holds every recommendation it applies.
 *
 * Pods at their largest: a Deployment's replicas — or its autoscaler's
 * maximum — plus the rolling-update surge (none for Recreate); a
 * StatefulSet's replicas (it replaces pods in place); a Job's parallelism; a
 * CronJob one Job at a time (QUOTA-BOUNDED requires Forbid or Replace); the
 * OpenTelemetry operator's collector Deployment like a Deployment; a
 * PersistentVolumeClaim of its own. Not counted: pods still terminating
 * after a rollout or a replaced Job (within their grace period; the 20 %
 * headroom of quotaHard is for them) and claims a scaled-down StatefulSet
 * retains (delete them when scaling down for good).
 */
export function namespaceFootprint(objects: readonly KubeObject[], namespace: string): Footprint {
  const inNs = objects.filter((o) => o.metadata.namespace === namespace);
  const maxOf = autoscaledMaximum(inNs);
  const vpaOf = verticalMaximum(inNs);
  return addFootprints(inNs.map((o) => workloadFootprint(o, maxOf.get(`${o.kind}/${o.metadata.name}`), vpaOf.get(`${o.kind}/${o.metadata.name}`))));
}

/** The kinds whose objects run pods, bound how many run, or hold or make Secrets: only these need rendering to count a namespace. */
export const COUNTED_KINDS: ReadonlySet<string> = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'Pod', 'PersistentVolumeClaim', 'Job', 'CronJob', 'OpenTelemetryCollector', 'HorizontalPodAutoscaler', 'ScaledObject', 'VerticalPodAutoscaler', 'SealedSecret', 'Certificate']);

/**
 * The Secrets a namespace holds for what is rendered into it, read from the
 * objects: every Secret a pod template reads (variables, envFrom, volumes,
 * projected volumes, image pull secrets), every SealedSecret (it unseals into
 * a Secret of its name), every cert-manager Certificate's Secret — and, per
 * Certificate, cert-manager's temporary next-private-key Secret while it
 * issues. The quota's `count/secrets` bounds them with headroom for an
 * operator's own (an image pull secret) and stops a runaway controller.
 */
export function namespaceSecrets(objects: readonly KubeObject[], namespace: string): { readonly names: ReadonlySet<string>; readonly certificates: number } {
  const names = new Set<string>();
  let certificates = 0;
  const fromPod = (pod: any) => {
    for (const c of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) {
      for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name) names.add(e.valueFrom.secretKeyRef.name);
      for (const e of c.envFrom ?? []) if (e.secretRef?.name) names.add(e.secretRef.name);
    }
    for (const v of pod?.volumes ?? []) {
      if (v.secret?.secretName) names.add(v.secret.secretName);
      for (const p of v.projected?.sources ?? []) if (p.secret?.name) names.add(p.secret.name);
    }
    for (const p of pod?.imagePullSecrets ?? []) if (p.name) names.add(p.name);
  };
  for (const o of objects.filter((x) => x.metadata.namespace === namespace)) {
    const spec = (o.spec ?? {}) as any;
    if (o.kind === 'SealedSecret') names.add(o.metadata.name);
    else if (o.kind === 'Certificate') {
      if (spec.secretName) names.add(spec.secretName);
      certificates += 1;
    } else if (o.kind === 'CronJob') fromPod(spec.jobTemplate?.spec?.template?.spec);
    else if (o.kind === 'Pod') fromPod(spec);
    else fromPod(spec.template?.spec);
  }
  return { names, certificates };
}

/**
 * What a VerticalPodAutoscaler that applies its recommendations (any updateMode but Off) may set, per
 * container of its target: each controlled resource up to `maxAllowed`. Requests only (RequestsOnly), or
 * requests and limits together, the limit keeping its ratio to the request (RequestsAndLimits, VPA's default).
 */
export type VerticalMaximum = ReadonlyMap<string, { readonly maxAllowed: Readonly<Record<string, string>>; readonly limits: boolean; readonly resources: readonly string[] }>;

/** By `Kind/name` of the VPA's target. */
function verticalMaximum(objects: readonly KubeObject[]): Map<string, VerticalMaximum> {
  const out = new Map<string, VerticalMaximum>();
  for (const o of objects) {
    const s = (o.spec ?? {}) as any;
    if (o.kind !== 'VerticalPodAutoscaler' || !s.targetRef || (s.updatePolicy?.updateMode ?? 'Recreate') === 'Off') continue;
    const containers = new Map<string, { maxAllowed: Record<string, string>; limits: boolean; resources: string[] }>();
    for (const p of s.resourcePolicy?.containerPolicies ?? []) {
      if (p.mode === 'Off' || !p.maxAllowed) continue;
      containers.set(p.containerName, { maxAllowed: p.maxAllowed, limits: p.controlledValues !== 'RequestsOnly', resources: p.controlledResources ?? ['cpu', 'memory'] });
    }
    out.set(`${s.targetRef.kind}/${s.targetRef.name}`, containers);
  }
  return out;
}

/** One workload's footprint (EMPTY for objects that run no pods); `vertical`: what its VPA may raise. */
export function workloadFootprint(o: KubeObject, autoscaledMax?: number, vertical?: VerticalMaximum): Footprint {
  const spec = (o.spec ?? {}) as any;
  const ref = `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
  switch (o.kind) {
    case 'Deployment': {
      const base = autoscaledMax ?? spec.replicas ?? 1;
      return times(base + surge(base, spec.strategy), spec.template, ref, [], vertical);
    }
    case 'ReplicaSet':
      return times(autoscaledMax ?? spec.replicas ?? 1, spec.template, ref, [], vertical);
    case 'StatefulSet':
      return times(autoscaledMax ?? spec.replicas ?? 1, spec.template, ref, spec.volumeClaimTemplates ?? [], vertical);
    case 'Pod':
      return times(1, { metadata: o.metadata, spec }, ref);
    case 'PersistentVolumeClaim':
      return { ...EMPTY_FOOTPRINT, claims: 1, storageMi: toMi(String(spec.resources?.requests?.storage ?? '0')) };
    case 'Job':
      return times(spec.parallelism ?? 1, spec.template, ref);
    case 'CronJob':
      // One Job at a time (Forbid, Replace); `Allow` lets them pile up, which the QUOTA-BOUNDED rule refuses.
      return times(spec.jobTemplate?.spec?.parallelism ?? 1, spec.jobTemplate?.spec?.template, ref);
    case 'OpenTelemetryCollector': {
      // Only `deployment` mode runs a bounded number of pods (QUOTA-BOUNDED refuses a daemonset collector).
      const base = autoscaledMax ?? spec.autoscaler?.maxReplicas ?? spec.replicas ?? 1;
      const pod = { metadata: { annotations: spec.podAnnotations }, spec: { containers: [{ name: 'otc-container', resources: spec.resources }] } };
      return times(base + surge(base, undefined), pod, ref);
    }
    default:
      // A DaemonSet runs a pod per node, which no namespace quota can bound: QUOTA-BOUNDED refuses it.
      return EMPTY_FOOTPRINT;
  }
}

/** The largest replica count an HPA or KEDA ScaledObject may set, by `Kind/name` of its target. */
function autoscaledMaximum(objects: readonly KubeObject[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const o of objects) {
    const s = (o.spec ?? {}) as any;
    if (o.kind === 'HorizontalPodAutoscaler' && s.scaleTargetRef) out.set(`${s.scaleTargetRef.kind}/${s.scaleTargetRef.name}`, s.maxReplicas);
    if (o.kind === 'ScaledObject' && s.scaleTargetRef) out.set(`${s.scaleTargetRef.kind ?? 'Deployment'}/${s.scaleTargetRef.name}`, s.maxReplicaCount ?? 100);
  }
  return out;
}

/** Extra pods a rolling update may add (`maxSurge`, 25 % by default, rounded up as Kubernetes does); none for Recreate. */
function surge(replicas: number, strategy: any): number {
  if (strategy?.type === 'Recreate') return 0;
  const s = strategy?.rollingUpdate?.maxSurge ?? '25%';
  if (typeof s === 'number') return s;
  // Not a number nor a percentage: the API server refuses it (and so does QUOTA-BOUNDED); count the default.
  const m = /^([0-9]+)%$/.exec(s) ?? ['25%', '25'];
  return Math.ceil((replicas * Number(m[1])) / 100);
}

interface Sizes {
  requestCpu: number;
  limitCpu: number;
  requestMemMi: number;
  limitMemMi: number;
}
const KEYS = ['requestCpu', 'limitCpu', 'requestMemMi', 'limitMemMi'] as const;
const ZERO: Sizes = { requestCpu: 0, limitCpu: 0, requestMemMi: 0, limitMemMi: 0 };
const plus = (a: Sizes, b: Sizes): Sizes => ({ requestCpu: a.requestCpu + b.requestCpu, limitCpu: a.limitCpu + b.limitCpu, requestMemMi: a.requestMemMi + b.requestMemMi, limitMemMi: a.limitMemMi + b.limitMemMi });
const max = (a: Sizes, b: Sizes): Sizes => Object.fromEntries(KEYS.map((k) => [k, Math.max(a[k], b[k])])) as unknown as Sizes;

/** `500m` / `2` → millicores. */
function milli(q: string | number, what: string): number {
  const s = String(q);
  const m = /^([0-9.]+)(m?)$/.exec(s);
  if (!m) throw new Error(`${what}: not a CPU quantity: ${s}`);
  return Math.ceil(Number(m[1]) * (m[2] ? 1 : 1000));
}

/**
 * A container's requests and limits as admission leaves them: a missing
 * request is its limit (API defaulting), else the LimitRange's default
 * request; a missing limit is the LimitRange's default (the platform's
 * namespaces default to the small tier, charts/environment.ts).
 */
function containerSizes(c: any, what: string): Sizes {
  const r = c.resources ?? {};
  const d = CONTAINER_DEFAULTS;
  return {
    requestCpu: milli(r.requests?.cpu ?? r.limits?.cpu ?? d.requests.cpu, `${what} requests.cpu`),
    limitCpu: milli(r.limits?.cpu ?? d.limits.cpu, `${what} limits.cpu`),
    requestMemMi: toMi(String(r.requests?.memory ?? r.limits?.memory ?? d.requests.memory)),
    limitMemMi: toMi(String(r.limits?.memory ?? d.limits.memory)),
  };
}

/** A container's sizes at the largest its VPA may set: each controlled request at maxAllowed (never lowered), the limit keeping its ratio when VPA controls limits too. */
function raised(c: Sizes, v: { maxAllowed: Readonly<Record<string, string>>; limits: boolean; resources: readonly string[] } | undefined, what: string): Sizes {
  if (!v) return c;
  const out = { ...c };
  if (v.resources.includes('cpu') && v.maxAllowed.cpu !== undefined) {
    const to = Math.max(c.requestCpu, milli(v.maxAllowed.cpu, `${what} VPA maxAllowed.cpu`));
    if (v.limits && c.requestCpu > 0) out.limitCpu = Math.ceil((c.limitCpu * to) / c.requestCpu);
    out.requestCpu = to;
  }
  if (v.resources.includes('memory') && v.maxAllowed.memory !== undefined) {
    const to = Math.max(c.requestMemMi, toMi(String(v.maxAllowed.memory)));
    if (v.limits && c.requestMemMi > 0) out.limitMemMi = Math.ceil((c.limitMemMi * to) / c.requestMemMi);
    out.requestMemMi = to;
  }
  return out;
}

/**
 * What the injector gives a proxy whose pod does not size it: Istio's chart
 * default (`global.proxy.resources`; the add-on values here do not change it).
 * The platform's own pods always size it (blocks/quota.ts sidecarAnnotations).
 */
const ISTIO_DEFAULT_PROXY = { requestCpu: '100m', limitCpu: '2000m', requestMemory: '128Mi', limitMemory: '1024Mi' } as const;

/** The Istio proxy as its annotations size it (Istio's default where they do not). */
function proxySizes(annotations: Record<string, string> | undefined, what: string): Sizes {
  const a = annotations ?? {};
  if (a['sidecar.istio.io/inject'] === 'false') return ZERO;
  return {
    requestCpu: milli(a[PROXY_ANNOTATION.requestCpu] ?? ISTIO_DEFAULT_PROXY.requestCpu, what),
    limitCpu: milli(a[PROXY_ANNOTATION.limitCpu] ?? ISTIO_DEFAULT_PROXY.limitCpu, what),
    requestMemMi: toMi(a[PROXY_ANNOTATION.requestMemory] ?? ISTIO_DEFAULT_PROXY.requestMemory),
    limitMemMi: toMi(a[PROXY_ANNOTATION.limitMemory] ?? ISTIO_DEFAULT_PROXY.limitMemory),
  };
}

/** One pod of `template`, as the quota counts it (its VPA-controlled containers at their largest). */
function podSizes(template: any, ref: string, vertical?: VerticalMaximum): Sizes {
  const spec = template?.spec ?? {};
  let sidecars = ZERO;
  let initPeak = ZERO;
  for (const c of spec.initContainers ?? []) {
    const s = containerSizes(c, `${ref} init container ${c.name}`);
    if (c.restartPolicy === 'Always') sidecars = plus(sidecars, s);
    else initPeak = max(initPeak, plus(s, sidecars));
  }
  const running = (spec.containers ?? []).reduce((a: Sizes, c: any) => plus(a, raised(containerSizes(c, `${ref} container ${c.name}`), vertical?.get(c.name) ?? vertical?.get('*'), `${ref} container ${c.name}`)), sidecars);
  return plus(max(running, initPeak), proxySizes(template?.metadata?.annotations, ref));
}

/** Claims of one pod: volumeClaimTemplates (StatefulSet) and generic ephemeral volumes. */
function podClaims(template: any, claimTemplates: readonly any[]): { storageMi: number; claims: number } {
  const ephemeral = (template?.spec?.volumes ?? []).filter((v: any) => v.ephemeral).map((v: any) => v.ephemeral.volumeClaimTemplate);
  const all = [...claimTemplates, ...ephemeral];
  return { storageMi: all.reduce((a, t) => a + toMi(String(t.spec?.resources?.requests?.storage ?? '0')), 0), claims: all.length };
}

function times(pods: number, template: any, ref: string, claimTemplates: readonly any[] = [], vertical?: VerticalMaximum): Footprint {
  const s = podSizes(template, ref, vertical);
  const c = podClaims(template, claimTemplates);
  return {
    pods,
    requestCpu: pods * s.requestCpu,
    limitCpu: pods * s.limitCpu,
    requestMemMi: pods * s.requestMemMi,
    limitMemMi: pods * s.limitMemMi,
    storageMi: pods * c.storageMi,
    claims: pods * c.claims,
  };
}
