import type { ControlPlane } from './control-plane';
import type { NodeLayout } from './prerequisites';
import { ref, type TreeObject } from './tree';

const cond = (o: any, type: string) => (o.status?.conditions ?? []).find((c: any) => c.type === type);

/** Why a live object is not healthy yet (Argo CD's health, as its built-in checks judge it), or undefined. */
function unhealthy(live: any): string | undefined {
  const s = live.status ?? {};
  const gen = live.metadata.generation ?? 0;
  switch (live.kind) {
    case 'Deployment': {
      const want = live.spec.replicas ?? 1;
      if ((s.observedGeneration ?? 0) < gen) return 'generation not observed yet';
      if ((s.updatedReplicas ?? 0) < want || (s.availableReplicas ?? 0) < want || (s.replicas ?? 0) > want) return `${s.availableReplicas ?? 0}/${want} available, ${s.updatedReplicas ?? 0} updated`;
      return undefined;
    }
    case 'StatefulSet': {
      const want = live.spec.replicas ?? 1;
      if ((s.observedGeneration ?? 0) < gen) return 'generation not observed yet';
      if ((s.readyReplicas ?? 0) < want || (s.availableReplicas ?? want) < want) return `${s.readyReplicas ?? 0}/${want} ready`;
      if (live.spec.updateStrategy?.type !== 'OnDelete' && ((s.updatedReplicas ?? 0) < want || s.currentRevision !== s.updateRevision)) return `${s.updatedReplicas ?? 0}/${want} updated`;
      return undefined;
    }
    case 'Job':
      if (cond(live, 'Failed')?.status === 'True') return `failed: ${cond(live, 'Failed').message ?? ''}`;
      return cond(live, 'Complete')?.status === 'True' ? undefined : `${s.succeeded ?? 0} succeeded, ${s.active ?? 0} active`;
    case 'PersistentVolumeClaim':
      return s.phase === 'Bound' ? undefined : `claim ${s.phase}`;
    case 'PodDisruptionBudget':
      if ((s.observedGeneration ?? 0) < gen || s.disruptionsAllowed === undefined) return 'allowed disruptions not reported';
      return (s.currentHealthy ?? 0) < (s.desiredHealthy ?? 0) ? `${s.currentHealthy}/${s.desiredHealthy} healthy` : undefined;
    case 'HorizontalPodAutoscaler':
      return cond(live, 'AbleToScale')?.status === 'True' ? undefined : `not able to scale: ${cond(live, 'AbleToScale')?.message ?? 'no status yet'}`;
    default:
      return undefined;
  }
}

const WATCHED = ['Deployment', 'StatefulSet', 'Job'];
const FINAL = ['PodDisruptionBudget', 'HorizontalPodAutoscaler'];

/** The scheduling or readiness reason of the pods behind a workload that is not healthy. */
async function podReasons(cp: ControlPlane, live: any): Promise<string> {
  const sel = live.spec?.selector?.matchLabels;
  if (!sel) return '';
  const selector = Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',');
  const pods = (await cp.getJson(['get', 'pods', '-n', live.metadata.namespace, '-l', selector])).items as any[];
  const reasons = new Set<string>();
  for (const p of pods) {
    const sched = cond(p, 'PodScheduled');
    if (sched?.status === 'False') reasons.add(`${p.metadata.name} unschedulable: ${sched.message}`);
  }
  if (pods.length === 0) {
    const ev = (await cp.getJson(['get', 'events', '-n', live.metadata.namespace, '--field-selector', `type=Warning`])).items as any[];
    // The workload's own events and its ReplicaSets' (`<name>-<hash>`).
    for (const e of ev.filter((x) => x.involvedObject.name === live.metadata.name || x.involvedObject.name.startsWith(`${live.metadata.name}-`))) reasons.add(`${e.involvedObject.kind}/${e.involvedObject.name} ${e.reason}: ${e.message}`);
  }
  return [...reasons].slice(0, 3).join('; ');
}

/**
 * Waits until every workload of `objects` is healthy (and, with `final`, every
 * claim Bound, every Service with ready endpoints, every PDB reporting its
 * allowed disruptions, every HPA able to scale). Returns what is still not,
 * each with the object and the reason.
 */
export async function settle(cp: ControlPlane, objects: readonly TreeObject[], timeoutMs: number, o: { final?: boolean } = {}): Promise<string[]> {
  const kinds = new Set([...WATCHED, ...(o.final ? FINAL : [])]);
  const wanted = new Set(objects.filter((t) => kinds.has(t.obj.kind)).map((t) => ref(t.obj)));
  const namespaces = new Set(objects.map((t) => t.obj.metadata?.namespace).filter(Boolean));
  // A Service must have ready endpoints when a workload of the tree with replicas runs pods it selects (a
  // scaled-to-zero tier, e.g. dev's read replicas, legitimately has none).
  const matches = (sel: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(sel).every(([k, v]) => labels[k] === v);
  const backed = (svc: any) =>
    objects.some((t) => ['Deployment', 'StatefulSet'].includes(t.obj.kind) && t.obj.metadata.namespace === svc.metadata.namespace && (t.obj.spec?.replicas ?? 1) > 0 && matches(svc.spec.selector, t.obj.spec?.template?.metadata?.labels));
  const services = objects.filter((t) => t.obj.kind === 'Service' && t.obj.spec?.selector && backed(t.obj));
  const deadline = Date.now() + timeoutMs;
  let pending: { live: any; why: string }[] = [];
  let missing: string[] = [];
  for (;;) {
    const live = (await cp.getJson(['get', [...kinds].join(','), '-A'])).items as any[];
    const byKey = new Map(live.map((l) => [ref(l), l]));
    missing = [...wanted].filter((k) => !byKey.has(k)).map((k) => `${k.replace(/\/\//, '/')}: not found in the cluster`);
    pending = [...wanted].flatMap((k) => {
      const l = byKey.get(k);
      const why = l && unhealthy(l);
      return why ? [{ live: l, why }] : [];
    });
    if (o.final) {
      const claims = ((await cp.getJson(['get', 'pvc', '-A'])).items as any[]).filter((c) => namespaces.has(c.metadata.namespace));
      for (const c of claims) {
        const why = unhealthy(c);
        if (why) pending.push({ live: c, why });
      }
      const slices = (await cp.getJson(['get', 'endpointslices', '-A'])).items as any[];
      for (const s of services) {
        const ready = slices.filter((e) => e.metadata.namespace === s.obj.metadata.namespace && e.metadata.labels?.['kubernetes.io/service-name'] === s.obj.metadata.name).flatMap((e) => e.endpoints ?? []).filter((e: any) => e.conditions?.ready);
        if (ready.length === 0) pending.push({ live: s.obj, why: 'no ready endpoints' });
      }
    }
    if ((pending.length === 0 && missing.length === 0) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const out = [...missing];
  for (const p of pending) {
    const reasons = ['Deployment', 'StatefulSet'].includes(p.live.kind) ? await podReasons(cp, p.live) : '';
    out.push(`${ref(p.live)}: ${p.why}${reasons ? ` (${reasons})` : ''}`);
  }
  return out;
}

/**
 * The Warnings this harness expects and does not count, each narrow:
 * - the HPA controller cannot read the resource metrics API
 *   (`pods.metrics.k8s.io`): the metrics-server add-on that serves it is
 *   declared but no add-on runs here. Anything else from the HPA controller counts;
 * - the API server's ClusterIP repair loop reporting a Service whose address
 *   it had not recorded yet (`ClusterIPNotAllocated`, "repairing"): a race
 *   inside a freshly started API server, about no manifest;
 * - a controller's create refused because two creates charged the namespace's
 *   ResourceQuota at once ("Operation cannot be fulfilled on resourcequotas …
 *   the object has been modified"): the quota admission's optimistic-concurrency
 *   conflict, which the controller retries. Seen once, on a StatefulSet's claim,
 *   in a run whose rollout then completed. A create the quota refuses ("exceeded
 *   quota", "forbidden") still counts, and a retry that never succeeds fails the
 *   rollout check.
 */
export const NOT_SERVED_HERE = (e: any) => {
  const from = e.source?.component ?? e.reportingComponent;
  return (
    (from === 'horizontal-pod-autoscaler' && ['FailedGetResourceMetric', 'FailedComputeMetricsReplicas'].includes(e.reason) && /pods\.metrics\.k8s\.io/.test(e.message)) ||
    (from === 'ipallocator-repair-controller' && e.reason === 'ClusterIPNotAllocated' && /repairing$/.test(e.message)) ||
    (e.reason === 'FailedCreate' && /Operation cannot be fulfilled on resourcequotas "[^"]+": the object has been modified; please apply your changes to the latest version and try again$/.test(e.message))
  );
};

/**
 * Warning events from controllers and the scheduler (FailedCreate from quota
 * or Pod Security, FailedScheduling, …), each with its object; every one is a
 * problem except NOT_SERVED_HERE.
 */
export async function warningEvents(cp: ControlPlane): Promise<string[]> {
  const ev = ((await cp.getJson(['get', 'events', '-A', '--field-selector', 'type=Warning'])).items as any[]).filter((e) => !NOT_SERVED_HERE(e));
  return ev.map((e) => `${e.involvedObject.kind}/${e.involvedObject.namespace ?? ''}/${e.involvedObject.name} ${e.reason} (${e.source?.component ?? e.reportingComponent ?? '?'}, ×${e.count ?? 1}): ${e.message}`);
}

/**
 * A node upgrade, one zone at a time: `kubectl drain` (Eviction API, PDBs
 * respected) of the busiest node in each zone; while it runs, every workload
 * running more than one replica (live count: autoscalers own most) must keep
 * at least one ready replica and never fall below its PDB; afterwards everything is
 * healthy again on the remaining nodes. Drained nodes stay cordoned.
 */
export async function drainOnePerZone(cp: ControlPlane, layout: NodeLayout, objects: readonly TreeObject[]): Promise<{ problems: string[]; summary: string }> {
  const problems: string[] = [];
  // Redundant by the live replica count: an autoscaler owns the count of most Deployments (no spec.replicas in the tree).
  const workloads = objects.filter((t) => ['Deployment', 'StatefulSet'].includes(t.obj.kind));
  const t0 = Date.now();
  let evicted = 0;
  for (const zone of layout.zones) {
    const pods = (await cp.getJson(['get', 'pods', '-A'])).items as any[];
    const nodes = ((await cp.getJson(['get', 'nodes', '-l', `topology.kubernetes.io/zone=${zone}`])).items as any[]).filter((n) => !n.spec.unschedulable);
    const count = (n: any) => pods.filter((p) => p.spec.nodeName === n.metadata.name).length;
    const node = nodes.sort((a, b) => count(b) - count(a))[0];
    if (!node) continue;
    evicted += count(node);
    let stop = false;
    const watch = (async () => {
      while (!stop) {
        const live = (await cp.getJson(['get', 'deployments,statefulsets', '-A'])).items as any[];
        for (const t of workloads) {
          const l = live.find((x) => ref(x) === ref(t.obj));
          if (l && (l.spec?.replicas ?? 1) > 1 && (l.status?.readyReplicas ?? 0) < 1) problems.push(`drain ${node.metadata.name}: ${ref(t.obj)} (${l.spec.replicas} replicas) had no ready replica`);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    })().catch((e) => problems.push(`drain ${node.metadata.name}: watching the workloads failed: ${(e as Error).message}`));
    const r = await cp.kubectl(['drain', node.metadata.name, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=240s']);
    stop = true;
    await watch;
    if (r.code !== 0) problems.push(`drain ${node.metadata.name}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    for (const p of await settle(cp, objects, 240_000, { final: true })) problems.push(`after draining ${node.metadata.name}: ${p}`);
  }
  return { problems: [...new Set(problems)], summary: `${layout.zones.length} nodes drained (one per zone), ${evicted} pods evicted and rescheduled in ${Math.round((Date.now() - t0) / 1000)} s` };
}
