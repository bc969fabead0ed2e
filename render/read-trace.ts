/**
 * What a computation read of its input, recorded as it ran and replayed against another input: the
 * chart cache's test that a chart's inputs are unchanged (render/chart-cache.ts).
 *
 * `traceReads(input)` hands out a Proxy of `input`; every read through it — a property, `in`, the own
 * keys (Object.keys, spread, JSON.stringify), a Map's `get`/`has`/entries, a Set's members — is
 * recorded once with what it gave. `replayReads(trace, other)` repeats those reads on `other` and is
 * true when each gives the same: same primitives, same keys, objects of the same shape, and the same
 * object wherever the first input gave the same object by two paths (so an identity comparison the
 * computation made comes out the same). A computation that reads only through the proxy then computes
 * the same from `other`: that is what makes a cached result valid, with no list of inputs to keep up.
 *
 * What it cannot see, it refuses rather than guesses: a value that is not plain data (a class instance,
 * a function of its own, a Map key that is not a string) makes the trace `untrackable` (never replayed
 * true), and a write through the proxy throws — the model is read-only. Reads outside the input
 * (module constants, files, the clock) are not in the trace: the cache keys its entries by the code's
 * version, and charts read nothing else (test/render/chart-cache.test.ts renders with and without it).
 */

/** Node 0 is the input; a read is [node, op, key, what it gave] (see `encode`). */
export interface ReadTrace {
  /** Shape of each object node the computation reached, by node id. */
  readonly shapes: readonly Shape[];
  readonly reads: readonly Read[];
  /** Why the trace cannot be replayed (it then never matches), when something read was not plain data. */
  readonly untrackable?: string;
}

type Shape = 'object' | 'array' | 'map' | 'set';
/** g: property, h: `in`, o: own property, k: own keys / members, m: Map#get, mh: Map#has or Set#has. */
type Op = 'g' | 'h' | 'o' | 'k' | 'm' | 'mh';
type Read = readonly [node: number, op: Op, key: string, value: string];

const hasOwn = (o: object, k: PropertyKey) => Object.prototype.hasOwnProperty.call(o, k);

function shapeOf(v: object): Shape | undefined {
  if (Array.isArray(v)) return 'array';
  if (v instanceof Map) return 'map';
  if (v instanceof Set) return 'set';
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null ? 'object' : undefined;
}

/** A primitive as a string that equals another's exactly when the values are the same (Object.is). */
function encodePrimitive(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return `s${v}`;
    case 'number':
      return Object.is(v, -0) ? 'n-0' : `n${v}`;
    case 'boolean':
      return v ? 'b1' : 'b0';
    case 'undefined':
      return 'u';
    case 'bigint':
      return `i${v}`;
    default:
      return v === null ? 'z' : undefined;
  }
}

const NOT_OWN_FUNCTION = 'f';

/** A recording in progress: `input` is the proxy to read through; `trace()` is what was read so far. */
export interface Recording<T> {
  readonly input: T;
  trace(): ReadTrace;
  /** The node id of `value` when it is one of this recording's proxies (what `replayNodes` gives back for it). */
  nodeOf(value: unknown): number | undefined;
  /** How many times anything was read through this recording's proxies so far (every read, recorded once or not). */
  accesses(): number;
}

/** Every proxy handed out, by the object it reads: its recording's nodes and its node id. */
const PROXIES = new WeakMap<object, { readonly target: object; readonly nodes: Map<object, { id: number; proxy: object }>; readonly id: number }>();

/** The object a proxy reads (anything else as it is): what a nested computation traces on its own. */
export function untracked<T>(value: T): T {
  return typeof value === 'object' && value !== null ? ((PROXIES.get(value)?.target as T) ?? value) : value;
}

/** A primitive value as `encodePrimitive` wrote it. */
export function decodePrimitive(enc: string): unknown {
  switch (enc[0]) {
    case 's':
      return enc.slice(1);
    case 'n':
      return enc === 'n-0' ? -0 : Number(enc.slice(1));
    case 'b':
      return enc === 'b1';
    case 'i':
      return BigInt(enc.slice(1));
    case 'z':
      return null;
    default:
      return undefined;
  }
}

export { encodePrimitive };

export function traceReads<T extends object>(input: T): Recording<T> {
  const shapes: Shape[] = [];
  const reads: Read[] = [];
  const seen: Set<string>[] = [];
  const nodes = new Map<object, { id: number; proxy: object }>();
  let untrackable: string | undefined;
  let accesses = 0;

  const record = (node: number, op: Op, key: string, value: string) => {
    accesses++;
    const at = `${op}\0${key}`;
    if (seen[node]!.has(at)) return;
    seen[node]!.add(at);
    reads.push([node, op, key, value]);
  };
  const refuse = (why: string) => {
    untrackable ??= why;
  };

  /** The node of an object (its proxy), made on first sight. */
  const nodeOf = (v: object): { id: number; proxy: object } | undefined => {
    let n = nodes.get(v);
    if (n) return n;
    const shape = shapeOf(v);
    if (!shape) return undefined;
    const id = shapes.length;
    shapes.push(shape);
    seen.push(new Set());
    n = { id, proxy: new Proxy(v, shape === 'map' || shape === 'set' ? collectionHandler(id, shape) : objectHandler(id)) };
    nodes.set(v, n);
    PROXIES.set(n.proxy, { target: v, nodes, id });
    return n;
  };

  /** What reading `key` of node `node` gave, recorded, and handed on (objects as their proxies). */
  const give = (node: number, op: Op, key: string, v: unknown, own: boolean): unknown => {
    const prim = encodePrimitive(v);
    if (prim !== undefined) {
      record(node, op, key, prim);
      return v;
    }
    if (typeof v === 'function') {
      // Array.prototype.map and the like: the same in every input. A function of the input's own is not data.
      if (own) refuse(`a function at '${key}'`);
      else record(node, op, key, NOT_OWN_FUNCTION);
      return v;
    }
    const n = nodeOf(v as object);
    if (!n) {
      refuse(`a ${(v as object).constructor?.name ?? 'non-plain'} object at '${key}'`);
      return v;
    }
    record(node, op, key, `r${n.id}`);
    return n.proxy;
  };

  const readOnly = (): never => {
    throw new TypeError('the model is read-only: a chart changed it while rendering');
  };

  /**
   * A frozen property (non-configurable, non-writable) of an object must be handed out as it is: a Proxy may not
   * give anything else for it. Its value is then not followed, and the trace is refused.
   */
  const fixedObject = (target: object, key: string, v: unknown, d = Reflect.getOwnPropertyDescriptor(target, key)): boolean => {
    if (typeof v !== 'object' || v === null || !d || d.configurable || !('value' in d) || d.writable) return false;
    refuse(`a frozen object at '${key}'`);
    return true;
  };

  const objectHandler = (id: number): ProxyHandler<object> => ({
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof key === 'symbol') {
        if (hasOwn(target, key)) refuse(`a symbol key ${String(key)}`);
        return v;
      }
      if (fixedObject(target, key, v)) return v;
      return give(id, 'g', key, v, hasOwn(target, key));
    },
    has(target, key) {
      const v = Reflect.has(target, key);
      if (typeof key === 'symbol') {
        if (hasOwn(target, key)) refuse(`a symbol key ${String(key)}`);
      } else record(id, 'h', key, v ? 'b1' : 'b0');
      return v;
    },
    ownKeys(target) {
      const keys = Reflect.ownKeys(target);
      if (keys.some((k) => typeof k === 'symbol')) refuse('a symbol key');
      record(id, 'k', '', JSON.stringify(keys.filter((k) => typeof k === 'string')));
      return keys;
    },
    getOwnPropertyDescriptor(target, key) {
      const d = Reflect.getOwnPropertyDescriptor(target, key);
      if (typeof key === 'symbol') return d;
      record(id, 'o', key, d ? 'b1' : 'b0');
      // Its value is a read too, handed out through the proxy (a data property of plain data is configurable,
      // but an array's length, which is a primitive and handed out as it is).
      if (d && fixedObject(target, key, d.value, d)) return d;
      return d && 'value' in d ? { ...d, value: give(id, 'g', key, d.value, true) } : d;
    },
    set: readOnly,
    defineProperty: readOnly,
    deleteProperty: readOnly,
    setPrototypeOf: readOnly,
    preventExtensions: readOnly,
  });

  /** A Map's or Set's methods, bound to the real one (their internal slots are not the proxy's), recording what they give. */
  const collectionHandler = (id: number, shape: 'map' | 'set'): ProxyHandler<object> => ({
    get(target, key) {
      const c = target as Map<unknown, unknown> & Set<unknown>;
      const stringKey = (k: unknown): k is string => typeof k === 'string' || (refuse(`a ${typeof k} key of a ${shape}`), false);
      const members = () => {
        const list = [...c.keys()];
        if (shape === 'map') list.forEach(stringKey);
        else if (list.some((m) => encodePrimitive(m) === undefined)) refuse('an object in a Set');
        record(id, 'k', '', JSON.stringify(list.map((m) => (shape === 'map' ? m : encodePrimitive(m)))));
        return list;
      };
      const valueOf = (k: unknown) => (shape === 'map' && stringKey(k) ? give(id, 'm', k, c.get(k), true) : k);
      switch (key) {
        case 'get':
          return (k: unknown) => (stringKey(k) ? give(id, 'm', k, c.get(k), true) : c.get(k));
        case 'has':
          return (k: unknown) => {
            const v = c.has(k);
            const enc = shape === 'map' ? (stringKey(k) ? k : undefined) : encodePrimitive(k);
            if (enc !== undefined) record(id, 'mh', enc, v ? 'b1' : 'b0');
            else refuse(`an object looked up in a ${shape}`);
            return v;
          };
        case 'size':
          return members().length;
        case 'keys':
          return () => members()[Symbol.iterator]();
        case 'values':
          return () => members().map(valueOf)[Symbol.iterator]();
        case 'entries':
          return () => members().map((k) => [k, valueOf(k)])[Symbol.iterator]();
        case Symbol.iterator:
          // A Map iterates its entries, a Set its members.
          return () => members().map((k) => (shape === 'map' ? [k, valueOf(k)] : k))[Symbol.iterator]();
        case 'forEach':
          return (f: (v: unknown, k: unknown, c: unknown) => void, thisArg?: unknown) => members().forEach((k) => f.call(thisArg, valueOf(k), k, nodes.get(target)!.proxy));
        default:
          if (typeof key === 'symbol') return Reflect.get(target, key, target);
          refuse(`${shape}.${key}`);
          return Reflect.get(target, key, target);
      }
    },
    set: readOnly,
    defineProperty: readOnly,
    deleteProperty: readOnly,
    setPrototypeOf: readOnly,
    preventExtensions: readOnly,
  });

  const root = nodeOf(input);
  if (!root) throw new TypeError('traceReads: the input must be a plain object, array, Map or Set');
  return {
    input: root.proxy as T,
    trace: () => ({ shapes: [...shapes], reads: [...reads], ...(untrackable ? { untrackable } : {}) }),
    accesses: () => accesses,
    nodeOf: (value) => {
      const p = typeof value === 'object' && value !== null ? PROXIES.get(value) : undefined;
      return p && p.nodes === nodes ? p.id : undefined;
    },
  };
}

/** True when every read of `trace` gives the same on `input` as it gave when it was recorded. */
export function replayReads(trace: ReadTrace, input: object): boolean {
  return firstDifference(trace, input) === undefined;
}

/**
 * Where `input` first reads differently from the input `trace` was recorded on (`env.services[3].image`),
 * or undefined when every read gives the same.
 */
export function firstDifference(trace: ReadTrace, input: object): string | undefined {
  if (trace.untrackable) return `(untrackable: ${trace.untrackable})`;
  const { at } = replay(trace, input);
  if (at === undefined) return undefined;
  const pathOf = (node: number): string => {
    if (node === 0) return '';
    const [parent, op, key] = trace.reads.find((r) => r[3] === `r${node}`)!;
    return pathOf(parent) + step(op, key);
  };
  const step = (op: Op, key: string) => (op === 'm' || op === 'mh' ? `.get(${JSON.stringify(key)})` : /^\d+$/.test(key) ? `[${key}]` : `.${key}`);
  const [node, op, key] = trace.reads[at]!;
  const path = pathOf(node);
  return op === 'k' ? `${path || '(input)'}: its keys` : `${(path + step(op, key)).replace(/^\./, '')}${op === 'h' || op === 'o' || op === 'mh' ? ' (present or not)' : ''}`;
}

/** What each node of `trace` is in `input` (by node id), when every read gives the same; else undefined. */
export function replayNodes(trace: ReadTrace, input: object): readonly (object | undefined)[] | undefined {
  if (trace.untrackable) return undefined;
  const r = replay(trace, input);
  return r.at === undefined ? r.values : undefined;
}

/** The index of the first read that gives something else on `input` (`at`), and the nodes resolved. */
function replay(trace: ReadTrace, input: object): { at: number | undefined; values: (object | undefined)[] } {
  const values: (object | undefined)[] = [input];
  const at = firstDifferentRead(trace, values);
  return { at, values };
}

function firstDifferentRead(trace: ReadTrace, values: (object | undefined)[]): number | undefined {
  const input = values[0]!;
  if (shapeOf(input) !== trace.shapes[0]) return 0;
  // Both ways: one node is one object, and one object is one node (two objects may not have become one).
  const nodeOf = new Map<object, number>([[input, 0]]);
  const same = (v: unknown, expected: string, own: boolean): boolean => {
    if (expected[0] === 'r') {
      const id = Number(expected.slice(1));
      if (typeof v !== 'object' || v === null) return false;
      const known = values[id];
      if (known !== undefined) return known === v;
      if (shapeOf(v) !== trace.shapes[id] || nodeOf.has(v)) return false;
      values[id] = v;
      nodeOf.set(v, id);
      return true;
    }
    if (expected === NOT_OWN_FUNCTION) return typeof v === 'function' && !own;
    return encodePrimitive(v) === expected;
  };
  for (let i = 0; i < trace.reads.length; i++) {
    const [node, op, key, expected] = trace.reads[i]!;
    const t = values[node];
    if (t === undefined) return i;
    switch (op) {
      case 'g':
        if (!same(Reflect.get(t, key), expected, hasOwn(t, key))) return i;
        break;
      case 'h':
        if ((key in t ? 'b1' : 'b0') !== expected) return i;
        break;
      case 'o':
        if ((hasOwn(t, key) ? 'b1' : 'b0') !== expected) return i;
        break;
      case 'k': {
        const keys = t instanceof Map ? [...t.keys()] : t instanceof Set ? [...t].map(encodePrimitive) : Reflect.ownKeys(t);
        if (JSON.stringify(keys) !== expected) return i;
        break;
      }
      case 'm':
        if (!(t instanceof Map) || !same(t.get(key), expected, true)) return i;
        break;
      case 'mh': {
        const has = t instanceof Map ? t.has(key) : t instanceof Set ? [...t].some((m) => encodePrimitive(m) === key) : undefined;
        if (has === undefined || (has ? 'b1' : 'b0') !== expected) return i;
        break;
      }
    }
  }
  return undefined;
}
