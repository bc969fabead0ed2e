import { parseYamlDocuments } from '../render/yaml';

/** A rendered object as plain JSON. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** What identifies an object across two renders: where it lands, not which file holds it. */
export interface ObjectKey {
  /** First directory of the output tree: the environment, or `argocd`. */
  readonly env: string;
  /** API group without version (`apps`, `''` for core), so a version bump is a change, not remove + add. */
  readonly group: string;
  readonly kind: string;
  /** `''` for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
}

export interface TreeObject {
  readonly key: ObjectKey;
  /** `env|group|kind|namespace|name`, the map key. */
  readonly id: string;
  /** File the object was found in (relative to the tree root). */
  readonly file: string;
  readonly obj: JsonObject;
}

export const objectId = (k: ObjectKey) => `${k.env}|${k.group}|${k.kind}|${k.namespace}|${k.name}`;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every Kubernetes object of a tree (file path → YAML text), as `kubectl apply`
 * and Argo CD read it: the items of a `List` (`v1 List`, `*List`) count as
 * objects; kustomization files (which only list files) are skipped. An object
 * named by `generateName` only is keyed `<generateName>*` (each sync creates
 * another; a second with the same prefix `<generateName>*#2`, in file order). Throws, naming the file, for what cannot be compared silently: a
 * document with a kind but no name, or two objects with one identity (the
 * cluster would get only one of them).
 */
export function treeObjects(files: ReadonlyMap<string, string>): Map<string, TreeObject> {
  const out = new Map<string, TreeObject>();
  for (const [file, text] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!/\.ya?ml$/.test(file)) continue;
    let docs: unknown[];
    try {
      docs = parseYamlDocuments(text);
    } catch (e) {
      throw new Error(`${file}: not valid YAML: ${(e as Error).message}`);
    }
    const add = (doc: unknown, where: string) => {
      if (!isObject(doc) || typeof doc.kind !== 'string' || typeof doc.apiVersion !== 'string') return;
      if (doc.apiVersion.startsWith('kustomize.config.k8s.io/')) return;
      if (doc.kind.endsWith('List') && Array.isArray(doc.items)) {
        doc.items.forEach((item, i) => add(item, `${where} ${doc.kind} item ${i + 1}`));
        return;
      }
      const metadata = isObject(doc.metadata) ? doc.metadata : {};
      const name = typeof metadata.name === 'string' ? metadata.name : typeof metadata.generateName === 'string' ? `${metadata.generateName}*` : undefined;
      if (name === undefined) throw new Error(`${file}: ${where}: ${doc.kind} without metadata.name`);
      const apiVersion = doc.apiVersion;
      const keyNamed = (n: string): ObjectKey => ({
        env: file.includes('/') ? file.slice(0, file.indexOf('/')) : '',
        group: apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '',
        kind: doc.kind as string,
        namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '',
        name: n,
      });
      let key = keyNamed(name);
      // Objects named by generateName are each created anew (two hooks may share a prefix): each keeps its own key.
      if (typeof metadata.name !== 'string') for (let n = 2; out.has(objectId(key)); n++) key = keyNamed(`${name}#${n}`);
      const id = objectId(key);
      const seen = out.get(id);
      if (seen) throw new Error(`${file}: ${where}: ${describeKey(key)} is also in ${seen.file}: one identity, two objects (the cluster would get one of them)`);
      out.set(id, { key, id, file, obj: doc });
    };
    docs.forEach((doc, i) => add(doc, `document ${i + 1}`));
  }
  return out;
}

/** `Deployment acme-prod/api` */
export function describeKey(k: ObjectKey): string {
  return `${k.kind} ${k.namespace ? `${k.namespace}/` : ''}${k.name}`;
}
