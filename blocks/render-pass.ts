import { ApiObject } from 'cdk8s';
import { fastToJson } from './fast-to-json';
import type { KubeObject } from './kube-object';

let current: Map<ApiObject, KubeObject> | undefined;

/** cdk8s's switch (read by `ApiObject.toJson` on every call) that leaves dictionary keys in the order they were set. */
const UNSORTED = 'CDK8S_DISABLE_SORT';

/**
 * Runs `f` as one render pass: inside it, `rendered(o)` renders each object
 * once. The policy gate walks an app inside a pass, so what a chart computes
 * from other charts' objects while it renders (the ResourceQuota from the
 * workloads) shares their rendering with the gate instead of repeating it.
 *
 * Inside a pass cdk8s does not sort keys (`CDK8S_DISABLE_SORT`, set for the pass only and then put back).
 * Its sort was wasted: it sorts the props of an L1 object, whose `toJson` then builds the JSON in the
 * API schema's order, and the YAML writer orders every mapping itself (render/yaml.ts). Profiled at 500
 * services × 3 environments: cdk8s's sanitizeValue 280 -> 172 ms of a 7 s synth, the same bytes.
 *
 * Inside a pass `ApiObject.prototype.toJson` (which every generated L1 class calls as `super.toJson()`) is
 * `fastToJson`: the same JSON in one walk instead of cdk8s's resolve and sanitize (blocks/fast-to-json.ts),
 * put back after the pass as the switch is. Both hold while `f` runs: its work is done before it returns (a
 * promise it returned would run outside the pass).
 */
export function renderPass<T>(f: () => T): T {
  const outer = current;
  const sorting = process.env[UNSORTED];
  current = new Map();
  process.env[UNSORTED] = '1';
  const toJson = ApiObject.prototype.toJson;
  ApiObject.prototype.toJson = fastToJson as typeof toJson;
  try {
    return f();
  } finally {
    ApiObject.prototype.toJson = toJson;
    current = outer;
    if (sorting === undefined) delete process.env[UNSORTED];
    else process.env[UNSORTED] = sorting;
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
