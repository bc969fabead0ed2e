import { ApiObject, type App } from 'cdk8s';
import { apiGroupOf } from '../blocks/kube-object';
import type { PlatformModel } from '../platform/model';
import { PlatformChart } from './platform-chart';

/** A group/kind pair as AppProject whitelists spell it. */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** A group/kind with the version the environment renders it in (`apps`, `Deployment`, `v1`). */
export interface VersionedKind extends GroupKind {
  readonly version: string;
}

/** What one environment's charts render, read back from the construct tree. */
export interface EnvironmentInventory {
  /** Kinds without a namespace (Namespace, …), for the project's cluster-resource whitelist. */
  readonly clusterKinds: readonly GroupKind[];
  /** Namespaced kinds, for the project's namespace-resource whitelist, the access roles and the guardrails. */
  readonly namespacedKinds: readonly VersionedKind[];
  /** Every namespace its objects live in (its own plus any add-on namespace it writes to). */
  readonly namespaces: readonly string[];
}

/** Per environment name. */
export type RenderedInventory = ReadonlyMap<string, EnvironmentInventory>;

const byGroupKind = (a: GroupKind, b: GroupKind) => (a.group + '/' + a.kind < b.group + '/' + b.kind ? -1 : a.group + '/' + a.kind > b.group + '/' + b.kind ? 1 : 0);

/** Reads kinds and namespaces from every chart already in `app` (files `<env>/…`), per environment. */
export function inventory(app: App, model: PlatformModel): RenderedInventory {
  const acc = new Map(
    model.environments.map((e) => [e.name, { cluster: new Map<string, GroupKind>(), namespaced: new Map<string, VersionedKind>(), namespaces: new Set(e.namespaces) }]),
  );
  for (const chart of app.node.children) {
    if (!PlatformChart.isPlatformChart(chart)) continue;
    const env = acc.get(chart.file.split('/')[0]!);
    if (!env) continue;
    for (const node of chart.node.findAll()) {
      if (!(node instanceof ApiObject)) continue;
      const gk = { group: apiGroupOf(node.apiVersion), kind: node.kind };
      const key = `${gk.group}/${gk.kind}`;
      const ns = node.metadata.namespace;
      if (ns === undefined) env.cluster.set(key, gk);
      else {
        env.namespaced.set(key, { ...gk, version: node.apiVersion.slice(node.apiVersion.indexOf('/') + 1) });
        env.namespaces.add(ns);
      }
    }
  }
  return new Map(
    [...acc].map(([name, e]) => [
      name,
      {
        clusterKinds: [...e.cluster.values()].sort(byGroupKind),
        namespacedKinds: [...e.namespaced.values()].sort(byGroupKind),
        namespaces: [...e.namespaces].sort(),
      },
    ]),
  );
}

