import { CLUSTER_SCOPED_KINDS } from '../catalogue/kinds';

/** A Kubernetes object as rendered (plain JSON). */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

/** The API group of an apiVersion (`apps/v1` → `apps`, `v1` → the core group ``). */
export const apiGroupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

/** What the API server tells objects apart by: API group, kind, namespace (none for cluster-scoped kinds) and name. */
export const apiIdentity = (o: KubeObject) => `${apiGroupOf(o.apiVersion)}/${o.kind}/${CLUSTER_SCOPED_KINDS.has(o.kind) ? '' : o.metadata.namespace}/${o.metadata.name}`;

export interface RenderedChart {
  /** Path relative to the output directory. */
  readonly file: string;
  readonly objects: readonly KubeObject[];
  /** Which objects cross-object rules compare it with. @default the file's first folder (its environment) */
  readonly scope?: string;
}
