import type { Json, JsonObject } from './objects';

/** One step of a path: a map key, a list item matched by its name, or a list position. */
export type PathSegment = { readonly key: string } | { readonly name: string; readonly by: string } | { readonly index: number };

export interface FieldChange {
  /** `spec.template.spec.containers[name=api].image` */
  readonly path: string;
  /** Same path with list items as `[]`, for rules: `spec.template.spec.containers[].image`. */
  readonly pattern: string;
  readonly segments: readonly PathSegment[];
  /** `add`: only in the new object; `remove`: only in the old one. */
  readonly op: 'add' | 'remove' | 'change';
  readonly old?: Json;
  readonly new?: Json;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys list items are matched by, in order of preference. */
const ITEM_KEYS: readonly ((item: JsonObject) => string | undefined)[] = [
  (i) => (typeof i.name === 'string' ? i.name : undefined),
  (i) => (isObject(i.metadata) && typeof i.metadata.name === 'string' ? i.metadata.name : undefined),
];
const ITEM_KEY_NAMES = ['name', 'metadata.name'];

/** How the items of both lists can be matched: by a unique name, or not at all (by position). */
function itemKey(a: readonly Json[], b: readonly Json[]): number | undefined {
  const items = [...a, ...b];
  if (items.length === 0 || !items.every(isObject)) return undefined;
  for (let k = 0; k < ITEM_KEYS.length; k++) {
    const unique = (list: readonly Json[]) => {
      const names = list.map((i) => ITEM_KEYS[k]!(i as JsonObject));
      return names.every((n) => n !== undefined) && new Set(names).size === names.length;
    };
    if (unique(a) && unique(b)) return k;
  }
  return undefined;
}

const isScalarList = (v: readonly Json[]) => v.every((x) => !isObject(x) && !Array.isArray(x));

function render(segments: readonly PathSegment[]): { path: string; pattern: string } {
  let path = '';
  let pattern = '';
  for (const s of segments) {
    if ('key' in s) {
      const k = /^[A-Za-z_][\w-]*$/.test(s.key) ? s.key : JSON.stringify(s.key);
      path += path ? `.${k}` : k;
      pattern += pattern ? `.${k}` : k;
    } else if ('name' in s) {
      path += `[${s.by}=${s.name}]`;
      pattern += '[]';
    } else {
      path += `[${s.index}]`;
      pattern += '[]';
    }
  }
  return { path: path || '(root)', pattern };
}

function equal(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && equal(a[k], b[k]));
  }
  return false;
}

/**
 * Field-level differences between two versions of an object. Maps recurse by
 * key; lists of named items (containers, env, ports, volumes, claim
 * templates) are matched by name, so a reordering is no change and a path
 * reads `containers[name=api].image`; lists of scalars are one value; other
 * lists match equal items wherever they stand, then pair the rest by position.
 */
export function diffValues(before: Json | undefined, after: Json | undefined, segments: PathSegment[] = []): FieldChange[] {
  if (equal(before, after)) return [];
  const at = (op: FieldChange['op']): FieldChange => ({
    ...render(segments),
    segments: [...segments],
    op,
    ...(before !== undefined ? { old: before } : {}),
    ...(after !== undefined ? { new: after } : {}),
  });
  if (before === undefined) return [at('add')];
  if (after === undefined) return [at('remove')];

  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffValues(before[k], after[k], [...segments, { key: k }]));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    if (isScalarList(before) && isScalarList(after)) return [at('change')];
    const k = itemKey(before, after);
    if (k !== undefined) {
      const name = (i: Json) => ITEM_KEYS[k]!(i as JsonObject)!;
      const oldBy = new Map(before.map((i) => [name(i), i]));
      const newBy = new Map(after.map((i) => [name(i), i]));
      const names = [...oldBy.keys(), ...[...newBy.keys()].filter((n) => !oldBy.has(n))];
      return names.flatMap((n) => diffValues(oldBy.get(n), newBy.get(n), [...segments, { name: n, by: ITEM_KEY_NAMES[k]! }]));
    }
    // Unnamed items (NetworkPolicy rules, route entries…): equal items match wherever they stand, so a
    // reordering or an insertion is not reported as a change to every later item. What is left pairs
    // up by position when both sides have as many left (an edited item shows its changed fields);
    // otherwise it is reported as removed and added items.
    const usedAfter = new Set<number>();
    const leftBefore: number[] = [];
    before.forEach((item, i) => {
      const j = after.findIndex((candidate, jj) => !usedAfter.has(jj) && equal(item, candidate));
      if (j >= 0) usedAfter.add(j);
      else leftBefore.push(i);
    });
    const leftAfter = after.map((_, j) => j).filter((j) => !usedAfter.has(j));
    if (leftBefore.length === leftAfter.length) {
      return leftBefore.flatMap((i, k) => diffValues(before[i], after[leftAfter[k]!], [...segments, { index: leftAfter[k]! }]));
    }
    return [
      ...leftBefore.flatMap((i) => diffValues(before[i], undefined, [...segments, { index: i }])),
      ...leftAfter.flatMap((j) => diffValues(undefined, after[j], [...segments, { index: j }])),
    ];
  }
  return [at('change')];
}
