import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { KubeObject } from '../../blocks/kube-object';

const requireModel = createRequire(__filename);

/**
 * Model packages by API group: the core group and Kubernetes' built-in groups
 * come from `kubernetes-models`, CRDs from `@kubernetes-models/*`.
 */
const PACKAGES: Record<string, string> = {
  'networking.istio.io': '@kubernetes-models/istio',
  'security.istio.io': '@kubernetes-models/istio',
  'telemetry.istio.io': '@kubernetes-models/istio',
  'argoproj.io': '@kubernetes-models/argo-cd',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'keda.sh': '@kubernetes-models/keda',
  'bitnami.com': '@kubernetes-models/sealed-secrets',
  'cert-manager.io': '@kubernetes-models/cert-manager',
};

/**
 * The @kubernetes-models releases that run on Node 20 predate some served
 * versions; these have the same schema under an older version name.
 * (Istio's v1 APIs are v1beta1 promoted without schema changes.)
 */
const SAME_SCHEMA_AS: Record<string, string> = {
  'networking.istio.io/v1': 'networking.istio.io/v1beta1',
  'security.istio.io/v1': 'security.istio.io/v1beta1',
  'telemetry.istio.io/v1': 'telemetry.istio.io/v1alpha1',
};

type ModelClass = new (data: unknown) => { validate(): void };
const cache = new Map<string, ModelClass | null>();

/** The model class for an apiVersion/kind, or null when no package covers it. */
export function modelFor(apiVersion: string, kind: string): ModelClass | null {
  const key = `${apiVersion}/${kind}`;
  if (cache.has(key)) return cache.get(key)!;
  const version = SAME_SCHEMA_AS[apiVersion] ?? apiVersion;
  const group = version.includes('/') ? version.split('/')[0]! : '';
  const pkg = PACKAGES[group] ?? 'kubernetes-models';
  let cls: ModelClass | null = null;
  try {
    cls = (requireModel(`${pkg}/${version}/${kind}`) as Record<string, ModelClass>)[kind] ?? null;
  } catch {
    cls = null;
  }
  if (!cls) {
    // ESM-only packages (prometheus-operator, keda) export no `require` condition;
    // load the module file by path (Node 20.19+ can require ES modules).
    const file = (requireModel.resolve.paths(pkg) ?? []).map((dir) => join(dir, pkg, version, `${kind}.js`)).find((f) => existsSync(f));
    if (file) cls = (requireModel(file) as Record<string, ModelClass>)[kind] ?? null;
  }
  cache.set(key, cls);
  return cls;
}

/** Problems of one object against its schema; throws when no schema covers the kind. */
export function schemaErrors(obj: KubeObject): string[] {
  const cls = modelFor(obj.apiVersion, obj.kind);
  if (!cls) throw new Error(`no schema model for ${obj.apiVersion} ${obj.kind}`);
  // A model validated under an older version name also checks apiVersion: give it the name it knows.
  const alias = SAME_SCHEMA_AS[obj.apiVersion];
  try {
    new cls(alias ? { ...obj, apiVersion: alias } : obj).validate();
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}
