import { join } from 'node:path';
import { dump } from 'js-yaml';
import { ControlPlane, defaultPorts, type Ports } from './control-plane';
import { customResourceDefinitions, kwokNodes, prerequisites, type NodeLayout, type Prerequisites } from './prerequisites';
import { ImitationProvisioner } from './provisioner';
import { loadTree, ref, syncSteps, type TreeObject } from './tree';
import { settle, warningEvents, drainOnePerZone } from './checks';
import { istioAnalyze } from './istio';
import { checkAccess, type AccessExpectation } from './access';
import { checkGuardrails } from './guardrails';

/**
 * Steps 1–3 of `npm run test:cluster` on one rendered tree: a fresh cluster
 * (bootCluster), one Argo CD sync (syncTree), the checks after it (afterSync)
 * and, in prod, the drain (runTree).
 */

export interface EnvResult {
  readonly name: string;
  readonly problems: string[];
  readonly summary: Record<string, string | number>;
}

// YAML documents: kubectl before 1.30 reads a stream that starts with `{` as one JSON object and drops the rest.
const yamlStream = (objs: readonly any[]) => objs.map((o) => dump(o, { noRefs: true, lineWidth: -1 })).join('---\n');

/** SSA with strict validation, as Argo CD's server-side apply; returns the warnings kubectl printed. */
export async function apply(cp: ControlPlane, objs: readonly any[], problems: string[], what: string): Promise<string[]> {
  if (objs.length === 0) return [];
  const r = await cp.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=argocd-controller', '--validate=strict', '-f', '-'], yamlStream(objs));
  const lines = r.stderr.split('\n').filter((l) => l.trim());
  const warnings = lines.filter((l) => /^Warning:/.test(l));
  const errors = lines.filter((l) => !/^Warning:/.test(l));
  if (r.code !== 0) problems.push(`${what}: apply failed:\n    ${errors.join('\n    ')}`);
  if (warnings.length) {
    // Attribute each warning to its object (one server-side dry run per object); one no object repeats is
    // reported as it was printed, under the step.
    let claimed = 0;
    for (const o of objs) {
      const one = await cp.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=argocd-controller', '--validate=strict', '--dry-run=server', '-f', '-'], yamlStream([o]));
      for (const w of one.stderr.split('\n').filter((l) => /^Warning:/.test(l))) {
        problems.push(`${ref(o)}: ${w}`);
        claimed++;
      }
    }
    if (claimed < warnings.length) for (const w of warnings) problems.push(`${what}: ${w}`);
  }
  return warnings;
}

/** A fresh control plane with KWOK nodes, the add-ons' CRDs and namespaces, StorageClasses and the volume provisioner. */
export interface Cluster {
  readonly cp: ControlPlane;
  readonly provisioner: ImitationProvisioner;
  readonly pre: Prerequisites;
  stop(): Promise<void>;
}

export async function bootCluster(name: string, layout: NodeLayout, objects: readonly TreeObject[], work: string, problems: string[], ports: Ports = defaultPorts()): Promise<Cluster> {
  const cp = await ControlPlane.start(join(work, name), ports);
  const provisioner = new ImitationProvisioner(cp);
  const stop = async () => {
    await provisioner.stop();
    await cp.stop();
  };
  try {
    const nodes = kwokNodes(layout);
    await apply(cp, nodes, problems, 'nodes');
    await cp.until('KWOK nodes Ready', 60_000, async () => {
      const items = (await cp.getJson(['get', 'nodes'])).items as any[];
      return items.length === nodes.length && items.every((n) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
    });
    await apply(cp, customResourceDefinitions(), problems, 'CustomResourceDefinitions');
    await cp.must(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    const pre = prerequisites(objects);
    await apply(cp, pre.namespaces.map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } })), problems, 'add-on namespaces');
    await apply(cp, pre.storageClasses, problems, 'StorageClasses');
    provisioner.start();
    return { cp, provisioner, pre, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * One Argo CD sync of `objects`: step by step (phase, wave), each applied with
 * SSA and strict validation, hooks replaced before and deleted after success,
 * the next wave only once this one is healthy. Returns whether every wave got healthy.
 */
export async function syncTree(c: Cluster, objects: readonly TreeObject[], problems: string[], o: { waveTimeoutMs?: number; label?: string; providedSecrets?: boolean } = {}): Promise<{ synced: boolean; hooks: number }> {
  const { cp, pre } = c;
  const steps = syncSteps(objects);
  let hooks = 0;
  const at = o.label ? `${o.label} ` : '';
  for (const step of steps) {
    const label = `${at}${step.phase} wave ${step.wave}`;
    // Secrets the platform team provides are in place before the first object that could mount them.
    if (step === steps[0] && o.providedSecrets !== false) {
      await apply(cp, step.objects.filter((x) => x.obj.kind === 'Namespace').map((x) => x.obj), problems, `${label} namespaces`);
      await apply(cp, pre.secrets, problems, 'provided Secrets');
    }
    // BeforeHookCreation: a hook from an earlier sync is deleted first.
    for (const h of step.objects.filter((x) => x.hook)) await cp.kubectl(['delete', h.obj.kind, '-n', h.obj.metadata.namespace, h.obj.metadata.name, '--ignore-not-found', '--wait=true']);
    await apply(cp, step.objects.map((x) => x.obj), problems, label);
    const pending = await settle(cp, step.objects, o.waveTimeoutMs ?? 300_000);
    for (const p of pending) problems.push(`${label}: ${p}`);
    // Argo CD does not start the next wave while this one is unhealthy.
    if (pending.length) return { synced: false, hooks };
    hooks += step.objects.filter((x) => x.hook).length;
    // HookSucceeded: a completed hook Job is deleted.
    for (const h of step.objects.filter((x) => /HookSucceeded/.test(x.obj.metadata.annotations?.['argocd.argoproj.io/hook-delete-policy'] ?? ''))) {
      await cp.kubectl(['delete', h.obj.kind, '-n', h.obj.metadata.namespace, h.obj.metadata.name, '--ignore-not-found', '--wait=true', '--cascade=foreground']);
    }
  }
  return { synced: true, hooks };
}

/** After a sync: everything settled, no Warning event, istioctl analyze clean. Returns the analysis summary. */
export async function afterSync(c: Cluster, objects: readonly TreeObject[], synced: boolean, problems: string[], label = 'after sync'): Promise<string> {
  const nonHooks = objects.filter((x) => !x.hook);
  if (synced) for (const p of await settle(c.cp, nonHooks, 120_000, { final: true })) problems.push(`${label}: ${p}`);
  for (const w of await warningEvents(c.cp)) problems.push(`event: ${w}`);
  const analysis = await istioAnalyze(c.cp, objects);
  for (const m of analysis.counted) problems.push(`istioctl analyze: ${m.level} [${m.code}] (${m.origin}) ${m.text}`);
  return `${analysis.counted.length} errors/warnings, ${analysis.info} info; explained: ${[...analysis.explained].map(([k, n]) => `${n} × ${k}`).join('; ') || 'none'}`;
}

export interface RunOptions {
  readonly drain: boolean;
  readonly work: string;
  readonly waveTimeoutMs?: number;
  /** Trees synced to the same cluster before this one (the platform's `dist/access/` ClusterRoles), as their own Argo CD Applications do. */
  readonly before?: readonly string[];
  /** Who may do what in this environment (from the spec's `teams:`), asked of the API server after the sync. */
  readonly access?: AccessExpectation;
  /** The control plane's ports. @default defaultPorts() (CLUSTER_PORT_BASE) */
  readonly ports?: Ports;
}

export async function runTree(name: string, dir: string, layout: NodeLayout, opts: RunOptions): Promise<EnvResult> {
  const t0 = Date.now();
  const problems: string[] = [];
  const before = (opts.before ?? []).flatMap((d) => loadTree(d));
  const objects = loadTree(dir);
  const c = await bootCluster(name, layout, objects, opts.work, problems, opts.ports);
  const { cp, provisioner, pre } = c;
  try {
    if (before.length) await syncTree(c, before, problems, { label: 'before', providedSecrets: false });
    const { synced, hooks } = await syncTree(c, objects, problems, { waveTimeoutMs: opts.waveTimeoutMs });
    const applied = Date.now();
    const analysis = await afterSync(c, objects, synced, problems);
    const asked = Date.now();
    const access = opts.access ? await checkAccess(cp, [...before, ...objects], opts.access) : undefined;
    const accessSeconds = Math.round((Date.now() - asked) / 100) / 10;
    if (access) problems.push(...access.problems);
    const guarded = Date.now();
    const guardrails = opts.access ? await checkGuardrails(cp, [...before, ...objects], opts.access) : undefined;
    const guardrailSeconds = Math.round((Date.now() - guarded) / 100) / 10;
    if (guardrails) problems.push(...guardrails.problems);
    let drained = '';
    if (opts.drain && problems.length === 0) {
      const d = await drainOnePerZone(cp, layout, objects.filter((x) => !x.hook));
      problems.push(...d.problems);
      drained = d.summary;
      for (const w of await warningEvents(cp)) problems.push(`event after drain: ${w}`);
    }
    if (provisioner.errors.length) problems.push(...provisioner.errors.map((e) => `provisioner: ${e}`));
    const pods = ((await cp.getJson(['get', 'pods', '-A'])).items as any[]).filter((p) => !p.metadata.namespace.startsWith('kube-'));
    const workloads = objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.obj.kind)).length;
    return {
      name,
      problems,
      summary: {
        objects: objects.length,
        'hook Jobs': hooks,
        workloads,
        pods: pods.length,
        'pods ready': pods.filter((p) => p.status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True')).length,
        nodes: layout.zones.length * layout.perZone,
        volumes: provisioner.created.length,
        'sync s': Math.round((applied - t0) / 100) / 10,
        'istioctl analyze': analysis,
        ...(access ? { access: `${access.summary}, ${accessSeconds} s` } : {}),
        ...(guardrails ? { guardrails: `${guardrails.summary}, ${guardrailSeconds} s` } : {}),
        ...(drained ? { drain: drained } : {}),
        'total s': Math.round((Date.now() - t0) / 100) / 10,
        prerequisites: [
          pre.namespaces.length ? `namespaces ${pre.namespaces.join(', ')}` : '',
          `StorageClasses ${pre.storageClasses.map((s) => s.metadata.name).join(', ') || 'none'}`,
          pre.secrets.length ? `${pre.secrets.length} Secrets provided (${pre.secrets.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).join(', ')})` : '',
        ]
          .filter(Boolean)
          .join('; '),
      },
    };
  } finally {
    await c.stop();
  }
}

