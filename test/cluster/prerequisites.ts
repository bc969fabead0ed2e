import crds from '../../policy/schemas/crds.json';
import { podSpecOf } from '../../policy/rules';
import type { TreeObject } from './tree';

/**
 * What a cluster has before an environment syncs, derived from the rendered
 * tree itself (never a second list of it):
 * - the CustomResourceDefinitions the add-ons install, built from the pinned
 *   upstream CRDs' schemas, names and scope (policy/schemas/crds.json, generated
 *   by `npm run crd-schema`): strict validation runs against the real schemas;
 * - the namespaces the tree's objects live in but does not create (the add-ons');
 * - a StorageClass for each class the claims name, and a default class when a
 *   claim names none (the DefaultStorageClass admission plugin fills it in);
 * - the Secrets pods reference that the tree does not render (credentials the
 *   platform team provides), with a placeholder for every key referenced.
 * Each is listed in the run's summary as a prerequisite.
 */

/** Provisioner name of the test's StorageClasses; test/cluster/provisioner.ts plays it. */
export const IMITATION_PROVISIONER = 'imitation.platform-gen.test/volumes';
/** Name of the default class the test installs when some claim names no class. */
export const DEFAULT_STORAGE_CLASS = 'standard';

type Resource = { plural: string; singular: string; listKind: string; scope: string; approved?: string };

/** One CRD per group and kind, with every version the project renders (the first listed stores). */
export function customResourceDefinitions(): any[] {
  const byKind = new Map<string, { group: string; kind: string; res: Resource; versions: { name: string; schema: unknown }[] }>();
  const resources = (crds as any).resources as Record<string, Resource>;
  for (const [key, res] of Object.entries(resources)) {
    const [group, version, kind] = key.split('/') as [string, string, string];
    const id = `${group}/${kind}`;
    const entry = byKind.get(id) ?? { group, kind, res, versions: [] };
    entry.versions.push({ name: version, schema: (crds as any).schemas[key] });
    byKind.set(id, entry);
  }
  return [...byKind.values()].map((c) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${c.res.plural}.${c.group}`, ...(c.res.approved ? { annotations: { 'api-approved.kubernetes.io': c.res.approved } } : {}) },
    spec: {
      group: c.group,
      names: { kind: c.kind, plural: c.res.plural, singular: c.res.singular, listKind: c.res.listKind },
      scope: c.res.scope,
      versions: c.versions.map((v, i) => ({ name: v.name, served: true, storage: i === 0, schema: { openAPIV3Schema: v.schema }, subresources: { status: {} } })),
    },
  }));
}

export interface Prerequisites {
  readonly namespaces: string[];
  readonly storageClasses: any[];
  readonly secrets: any[];
}

export function prerequisites(objects: readonly TreeObject[]): Prerequisites {
  const created = new Set(objects.filter((o) => o.obj.kind === 'Namespace').map((o) => o.obj.metadata.name));
  const used = new Set(objects.map((o) => o.obj.metadata?.namespace).filter((n): n is string => !!n));
  const namespaces = [...used].filter((n) => !created.has(n)).sort();

  const classes = new Set<string>();
  let needsDefault = false;
  for (const { obj } of objects) {
    const claims = [...(obj.kind === 'StatefulSet' ? obj.spec?.volumeClaimTemplates ?? [] : []), ...(obj.kind === 'PersistentVolumeClaim' ? [obj] : [])];
    for (const c of claims) {
      if (c.spec?.storageClassName) classes.add(c.spec.storageClassName);
      else needsDefault = true;
    }
  }
  const storageClass = (name: string, isDefault: boolean) => ({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name, ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
    provisioner: IMITATION_PROVISIONER,
    // As zonal block storage (EBS, PD) is: the volume is made where the scheduler puts the pod.
    volumeBindingMode: 'WaitForFirstConsumer',
    reclaimPolicy: 'Delete',
    allowVolumeExpansion: true,
  });
  const storageClasses = [...[...classes].sort().map((c) => storageClass(c, false)), ...(needsDefault && !classes.has(DEFAULT_STORAGE_CLASS) ? [storageClass(DEFAULT_STORAGE_CLASS, true)] : [])];

  const rendered = new Set(objects.filter((o) => o.obj.kind === 'Secret').map((o) => `${o.obj.metadata.namespace}/${o.obj.metadata.name}`));
  const keys = new Map<string, Set<string>>();
  const want = (ns: string, name: string, key?: string) => {
    const id = `${ns}/${name}`;
    if (rendered.has(id)) return;
    const set = keys.get(id) ?? new Set<string>();
    if (key) set.add(key);
    keys.set(id, set);
  };
  for (const { obj } of objects) {
    const ns = obj.metadata?.namespace;
    for (const spec of [podSpecOf(obj)].filter(Boolean) as any[]) {
      for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
        for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) want(ns, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
        for (const e of c.envFrom ?? []) if (e.secretRef) want(ns, e.secretRef.name);
      }
      for (const v of spec?.volumes ?? []) if (v.secret) want(ns, v.secret.secretName, undefined);
    }
  }
  const secrets = [...keys.entries()].sort().map(([id, ks]) => {
    const [namespace, name] = id.split('/') as [string, string];
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace },
      type: 'Opaque',
      stringData: Object.fromEntries([...ks].sort().map((k) => [k, `placeholder-${k}`])),
    };
  });
  return { namespaces, storageClasses, secrets };
}

export interface NodeLayout {
  readonly zones: readonly string[];
  readonly perZone: number;
}

/**
 * KWOK nodes: `perZone` in each zone, with the hostname and zone labels the
 * spread rules use and a production-like allocatable (8 CPU, 32 Gi, 110 pods).
 */
export function kwokNodes(layout: NodeLayout): any[] {
  return layout.zones.flatMap((zone) =>
    Array.from({ length: layout.perZone }, (_, i) => {
      const name = `node-${zone}-${i + 1}`;
      return {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          labels: {
            'kubernetes.io/hostname': name,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            'node.kubernetes.io/instance-type': 'imitation-8x32',
            'topology.kubernetes.io/region': 'test-region',
            'topology.kubernetes.io/zone': zone,
            type: 'kwok',
          },
        },
        spec: {},
        status: {
          allocatable: { cpu: '8', memory: '32Gi', pods: '110', 'ephemeral-storage': '100Gi' },
          capacity: { cpu: '8', memory: '32Gi', pods: '110', 'ephemeral-storage': '100Gi' },
          nodeInfo: { architecture: 'amd64', operatingSystem: 'linux', kubeletVersion: 'kwok', kubeProxyVersion: 'kwok' },
        },
      };
    }),
  );
}
