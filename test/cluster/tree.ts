import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, loadAll } from 'js-yaml';
import { readTree } from '../../diff/sources';

/** One object of a rendered tree, with the file it came from. */
export interface TreeObject {
  readonly file: string;
  readonly obj: any;
  readonly wave: number;
  /** Argo CD hook phase (`Sync`, `PreSync`, `PostSync`), when the object is a hook. */
  readonly hook?: string;
}

/** Every Kubernetes object under `dir` (kustomization.yaml is kustomize's, not the cluster's). */
export function loadTree(dir: string): TreeObject[] {
  const out: TreeObject[] = [];
  for (const [file, text] of [...readTree(dir)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (file === 'kustomization.yaml' || file.endsWith('/kustomization.yaml')) continue;
    for (const obj of loadAll(text) as any[]) {
      if (!obj || typeof obj !== 'object') continue;
      const a = obj.metadata?.annotations ?? {};
      out.push({ file, obj, wave: Number(a['argocd.argoproj.io/sync-wave'] ?? 0), hook: a['argocd.argoproj.io/hook'] });
    }
  }
  return out;
}

/** Changes one object of a rendered tree in place (the file is rewritten; the other objects keep their content). */
export function editObject(dir: string, kind: string, name: string, change: (obj: any) => void): void {
  const t = loadTree(dir).find((x) => x.obj.kind === kind && x.obj.metadata.name === name);
  if (!t) throw new Error(`no ${kind} ${name} in ${dir}`);
  const file = join(dir, t.file);
  const objs = (loadAll(readFileSync(file, 'utf8')) as any[]).filter(Boolean);
  change(objs.find((o) => o.kind === kind && o.metadata.name === name));
  writeFileSync(file, objs.map((o) => dump(o, { noRefs: true, lineWidth: -1 })).join('---\n'));
}

/**
 * Argo CD's order of kinds inside one sync wave (gitops-engine's kind order:
 * namespaces and policies first, workloads after what they mount); kinds it
 * does not list come after, by kind and name.
 */
const KIND_ORDER = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount', 'Secret', 'SecretList',
  'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleList',
  'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding', 'RoleBindingList', 'Service', 'DaemonSet', 'Pod',
  'ReplicationController', 'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService',
];

/** The steps of one Argo CD sync: phase (PreSync, Sync with its hooks, PostSync), then wave, each step's objects in kind order. */
export function syncSteps(objects: readonly TreeObject[]): { phase: string; wave: number; objects: TreeObject[] }[] {
  const phaseOf = (o: TreeObject) => (o.hook === 'PreSync' ? 0 : o.hook === 'PostSync' ? 2 : 1);
  const rank = (k: string) => {
    const i = KIND_ORDER.indexOf(k);
    return i < 0 ? KIND_ORDER.length : i;
  };
  const sorted = [...objects].sort(
    (a, b) =>
      phaseOf(a) - phaseOf(b) ||
      a.wave - b.wave ||
      rank(a.obj.kind) - rank(b.obj.kind) ||
      String(a.obj.kind).localeCompare(String(b.obj.kind)) ||
      String(a.obj.metadata?.namespace ?? '').localeCompare(String(b.obj.metadata?.namespace ?? '')) ||
      String(a.obj.metadata?.name).localeCompare(String(b.obj.metadata?.name)),
  );
  const steps: { phase: string; wave: number; objects: TreeObject[] }[] = [];
  for (const o of sorted) {
    const phase = ['PreSync', 'Sync', 'PostSync'][phaseOf(o)]!;
    const last = steps[steps.length - 1];
    if (last && last.phase === phase && last.wave === o.wave) last.objects.push(o);
    else steps.push({ phase, wave: o.wave, objects: [o] });
  }
  return steps;
}

/** `Kind/namespace/name` (`Kind/name` when cluster-scoped): how every problem names an object. */
export const refOf = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ? `${namespace}/` : ''}${name}`;
export const ref = (o: any) => refOf(o.kind, o.metadata?.namespace, o.metadata?.name);
