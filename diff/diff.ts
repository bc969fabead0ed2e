import { diffValues, type FieldChange } from './compare';
import { treeObjects, type JsonObject, type ObjectKey } from './objects';
import { assessRisk, get, RISK_FLAGS, type Risk, type RiskContext, type RiskFlag, type RiskFlagName } from './risk';

export interface ObjectDiff {
  readonly key: ObjectKey;
  readonly id: string;
  readonly status: 'added' | 'removed' | 'changed';
  /** File in the new tree (or the old one, when removed). */
  readonly file: string;
  /** Field changes (changed objects only). */
  readonly changes: readonly FieldChange[];
  readonly flags: readonly RiskFlag[];
  /** Access a policy no longer grants: a tightening, listed, never flagged. */
  readonly tightened: readonly string[];
  /**
   * The changes that only follow others — the version label, a checksum
   * annotation — which the report folds into one line per environment.
   * When every change is one of these, the object is folded whole.
   */
  readonly noise: readonly FieldChange[];
  /** The object itself, for added and removed objects. */
  readonly object?: JsonObject;
}

export interface DiffResult {
  /** Sorted by environment, kind, namespace, name. */
  readonly objects: readonly ObjectDiff[];
  readonly summary: {
    readonly added: number;
    readonly removed: number;
    readonly changed: number;
    /** Objects carrying each flag. */
    readonly flags: Readonly<Record<RiskFlagName, number>>;
  };
}

/** The version label and checksum annotations change with what they describe; alone they change nothing. */
export const isNoise = (c: FieldChange): boolean => /(^|\.)labels\."app\.kubernetes\.io\/version"$/.test(c.pattern) || /(^|\.)annotations\."checksum\/[^"]*"$/.test(c.pattern);

const compareKeys = (a: ObjectKey, b: ObjectKey) => {
  for (const k of ['env', 'kind', 'namespace', 'name', 'group'] as const) {
    if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  }
  return 0;
};

/**
 * Object-level diff of two rendered trees (relative path → YAML text): which
 * objects were added, removed or changed, the changed fields, and the risk
 * flags reviewers must see first. Files moving around is no change; only
 * objects count.
 */
export function diffTrees(base: ReadonlyMap<string, string>, head: ReadonlyMap<string, string>): DiffResult {
  const before = treeObjects(base);
  const after = treeObjects(head);
  // Namespaces whose default PeerAuthentication (no selector) in the new tree is STRICT: removing a
  // workload-level one there falls back to STRICT.
  const podLabelsOf = (tree: typeof after) => {
    const podLabels = new Map<string, Record<string, string>[]>();
    for (const { key, obj } of tree.values()) {
      const template = key.kind === 'CronJob' ? get(obj, 'spec', 'jobTemplate', 'spec', 'template') : get(obj, 'spec', 'template');
      const labels = get(template, 'metadata', 'labels');
      if (labels && typeof labels === 'object' && !Array.isArray(labels)) podLabels.set(key.namespace, [...(podLabels.get(key.namespace) ?? []), labels as Record<string, string>]);
    }
    return podLabels;
  };
  const context: RiskContext = {
    podLabels: podLabelsOf(after),
    basePodLabels: podLabelsOf(before),
    aggregationSelectors: [...after.values()].flatMap(({ key, obj }) => {
      const selectors = get(obj, 'aggregationRule', 'clusterRoleSelectors');
      return key.kind === 'ClusterRole' && Array.isArray(selectors) ? selectors : [];
    }),
    strictNamespaces: new Set(
      [...after.values()]
        .filter(({ key, obj }) => key.kind === 'PeerAuthentication' && get(obj, 'spec', 'selector') === undefined && get(obj, 'spec', 'mtls', 'mode') === 'STRICT')
        .map(({ key }) => key.namespace),
    ),
  };
  const out: ObjectDiff[] = [];
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(id);
    const a = after.get(id);
    const entry = (status: ObjectDiff['status'], t: { key: ObjectKey; file: string }, changes: FieldChange[], risk: Risk, object?: JsonObject): ObjectDiff => ({
      key: t.key, id, status, file: t.file, changes, flags: risk.flags, tightened: risk.tightened, noise: changes.filter(isNoise), ...(object ? { object } : {}),
    });
    if (b && a) {
      const changes = diffValues(b.obj, a.obj);
      if (changes.length === 0) continue;
      out.push(entry('changed', a, changes, assessRisk(a.key, b.obj, a.obj, changes, context)));
    } else if (a) {
      out.push(entry('added', a, [], assessRisk(a.key, undefined, a.obj, [], context), a.obj));
    } else if (b) {
      out.push(entry('removed', b, [], assessRisk(b.key, b.obj, undefined, [], context), b.obj));
    }
  }
  out.sort((x, y) => compareKeys(x.key, y.key));
  const flags = Object.fromEntries(RISK_FLAGS.map((f) => [f, out.filter((o) => o.flags.some((x) => x.flag === f)).length])) as Record<RiskFlagName, number>;
  return {
    objects: out,
    summary: {
      added: out.filter((o) => o.status === 'added').length,
      removed: out.filter((o) => o.status === 'removed').length,
      changed: out.filter((o) => o.status === 'changed').length,
      flags,
    },
  };
}
