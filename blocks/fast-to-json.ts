import { ApiObject, App, ImplicitTokenResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver, type IResolver } from 'cdk8s';

/**
 * `ApiObject.prototype.toJson` of cdk8s 2.70, with the same result for the objects of an App that has only
 * cdk8s's built-in resolvers, in one walk instead of three.
 *
 * cdk8s renders an object by resolving every value of its props (`resolve`: for each value, `App.of` up the
 * construct tree, a resolution context, a copy of the key path, three resolver calls), then copying the
 * result again (`sanitizeValue`). Profiled at 500 services × 3 environments, those two and `App.of` were
 * 0.75 s of a 6 s render, the largest share of any one function. This walk does what the three built-in
 * resolvers do (a `Lazy` is produced, a value with a `resolve()` method resolved, a non-plain value with a
 * string or number `value` replaced by `{ value }`, each result resolved again) and drops null values as
 * the sanitiser does, in one pass. Anything else is handed to cdk8s: an App with resolvers of its own, a
 * scope that is not an App, sorted keys (outside a render pass). An object holding a value cdk8s refuses
 * (a class instance, a Date) or an own `__proto__` key is rendered again by cdk8s from the start, so its
 * errors are cdk8s's, in cdk8s's order (the Lazies met before are then produced twice).
 */
export function fastToJson(this: ApiObject): unknown {
  if (process.env.CDK8S_DISABLE_SORT === undefined || process.env.CDK8S_DISABLE_SORT === '' || !builtInResolvers(this)) return byCdk8s(this);
  // Two private fields of cdk8s 2.70's ApiObject, as its toJson reads them; another shape is left to that toJson.
  const { props, patches } = this as unknown as { props: unknown; patches: unknown };
  if (!Array.isArray(patches)) return byCdk8s(this);
  try {
    primitivesAreValues = [String.prototype, Number.prototype, Boolean.prototype].every((p) => !('resolve' in p) && !('value' in p));
    const data = { ...(props as object), metadata: this.metadata.toJson() };
    const json = walk(data);
    const patched = patches.length === 0 ? json : JsonPatch.apply(json, ...(patches as JsonPatch[]));
    const result: Record<string, unknown> = {};
    for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)]) if (k in patched) result[k] = patched[k];
    return result;
  } catch (e) {
    if (e === CDK8S_RENDERS_IT) return byCdk8s(this);
    throw new Error(`Failed serializing construct at path '${this.node.path}' with name '${this.name}': ${e}`);
  }
}

/** Thrown by the walk on what only cdk8s renders exactly: the object is rendered by cdk8s instead. */
const CDK8S_RENDERS_IT = Symbol('cdk8s renders it');

const original = ApiObject.prototype.toJson;

/** @internal How many objects `fastToJson` handed to cdk8s (the tests expect none of the platforms' objects). */
export const handedToCdk8s = { count: 0 };

function byCdk8s(o: ApiObject): unknown {
  handedToCdk8s.count++;
  return original.call(o);
}

/** Whether `o`'s App resolves with cdk8s's three built-in resolvers only, unchanged. */
function builtInResolvers(o: ApiObject): boolean {
  const root = o.node.root;
  if (!(root instanceof App)) return false;
  const r: readonly IResolver[] = root.resolvers;
  const is = (x: IResolver | undefined, C: new () => IResolver) => x?.constructor === C && x.resolve === C.prototype.resolve;
  return r.length === 3 && is(r[0], LazyResolver) && is(r[1], ImplicitTokenResolver) && is(r[2], NumberStringUnionResolver);
}

/**
 * Whether a string, number or boolean is its own value for the resolvers: true unless a `resolve` or
 * `value` member was added to their prototypes (then every value takes the resolvers' tests, as in cdk8s).
 */
let primitivesAreValues = false;

/** sanitizeValue(resolve(value), { sortKeys: false }) under the built-in resolvers. */
function walk(value: unknown): unknown {
  const type = typeof value;
  if ((type === 'string' || type === 'number' || type === 'boolean') && primitivesAreValues) return value;
  for (;;) {
    if (value === null || value === undefined) return undefined;
    if (value instanceof Lazy) value = value.produce();
    else if (typeof (value as { resolve?: unknown }).resolve === 'function') value = (value as { resolve(): unknown }).resolve();
    else if ((value as object).constructor !== Object && (typeof (value as { value?: unknown }).value === 'number' || typeof (value as { value?: unknown }).value === 'string'))
      value = { value: (value as { value: unknown }).value };
    else break;
  }
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(walk);
  // cdk8s's sanitiser refuses it (unless its constructor is named Object): cdk8s says how, after resolving everything else.
  if ((value as object).constructor !== Object) throw CDK8S_RENDERS_IT;
  // Its keys and values read first, as cdk8s's Object.entries does: a Lazy that changes them changes nothing here.
  const keys = Object.keys(value as object);
  const values = Object.values(value as object);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    // cdk8s assigns it, which sets the prototype of its copy, and its sanitiser then reads that prototype's constructor.
    if (keys[i] === '__proto__') throw CDK8S_RENDERS_IT;
    const v = walk(values[i]);
    if (v !== null && v !== undefined) out[keys[i]!] = v;
  }
  return out;
}
