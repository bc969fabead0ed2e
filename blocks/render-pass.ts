import type { ApiObject } from 'cdk8s';
import type { KubeObject } from './kube-object';

let current: Map<ApiObject, KubeObject> | undefined;

/**
 * Runs `f` as one render pass: inside it, `rendered(o)` renders each object
 * once. The policy gate walks an app inside a pass, so what a chart computes
 * from other charts' objects while it renders (the ResourceQuota from the
 * workloads) shares their rendering with the gate instead of repeating it.
 */
export function renderPass<T>(f: () => T): T {
  const outer = current;
  current = new Map();
  try {
    return f();
  } finally {
    current = outer;
  }
}

/** `o.toJson()`, once per render pass (every time outside one). */
export function rendered(o: ApiObject): KubeObject {
  if (!current) return o.toJson() as KubeObject;
  let json = current.get(o);
  if (!json) {
    json = o.toJson() as KubeObject;
    current.set(o, json);
  }
  return json;
}
