import * as yaml from 'js-yaml';

/** apiVersion 0, kind 1, metadata 2, any other key 3. */
const rank = (k: string) => (k === 'apiVersion' ? 0 : k === 'kind' ? 1 : k === 'metadata' ? 2 : 3);

/** apiVersion, kind, metadata first (also inside references), then alphabetical. */
export function compareKeys(a: string, b: string): number {
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

const DUMP_OPTIONS: yaml.DumpOptions = { sortKeys: compareKeys, noRefs: true, lineWidth: -1 };

/** js-yaml's serialisation of one object: the definition of our output, and the fallback of the writer below. */
export function dumpWithJsYaml(object: unknown): string {
  return yaml.dump(object, DUMP_OPTIONS);
}

/**
 * How js-yaml writes a string scalar (plain, quoted or a literal block at level 0), memoised: rendered
 * objects repeat the same strings (labels, names, ports) thousands of times, and choosing a scalar's
 * style — a pass over its characters and a test against every implicit YAML type — was most of
 * js-yaml's time. Bounded, so a long-lived process does not keep every string it ever wrote.
 */
const scalars = new Map<string, string>();

/** Forgets the memoised scalars (rendering one environment at a time: its names are not the next one's). */
export function forgetScalars(): void {
  scalars.clear();
  keys.clear();
}

function stringScalar(s: string): string {
  if (isPlainWord(s)) return s;
  let out = scalars.get(s);
  if (out === undefined) {
    if (scalars.size >= 100_000) scalars.clear();
    out = yaml.dump(s, DUMP_OPTIONS).slice(0, -1);
    scalars.set(s, out);
  }
  return out;
}

/**
 * Words js-yaml would read as another type (null, booleans, YAML 1.1's yes/no/on/off), so it quotes them.
 * Every other implicit type (numbers, dates, `.inf`, `<<`) starts with a digit, a sign, a dot or `<`.
 */
const TYPED_WORDS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF']);
const WORD = /^[A-Za-z][A-Za-z0-9._/-]*$/;

/** A letter, then letters, digits, `.`, `_`, `/`, `-`, and no typed word: js-yaml writes it plain, as it is (most names and labels). */
const isPlainWord = (s: string) => s.length < 200 && WORD.test(s) && !TYPED_WORDS.has(s);

/** A shape the writer below does not reproduce: the object is written by js-yaml itself. */
class Unsupported extends Error {}

/** Indentation by width, the common ones made once (a fresh string per mapping was a measurable share of the writer). */
const INDENTS = Array.from({ length: 41 }, (_, n) => ' '.repeat(n));
const spaces = (n: number) => INDENTS[n] ?? ' '.repeat(n);
/** A line break and the indentation of `level`, made once per level. */
const LINE_BREAKS = INDENTS.filter((_, n) => n % 2 === 0).map((i) => '\n' + i);
const lineBreak = (level: number) => LINE_BREAKS[level] ?? '\n' + spaces(2 * level);

/**
 * The characters js-yaml's `isPrintable` accepts, and the line feed, each as one UTF-16 unit (no surrogates).
 * A multi-line string made of them only is written as a literal block (its `chooseScalarStyle` with no line
 * width, indent 2, and the string a value): one with any other character goes to js-yaml.
 */
const NOT_LITERAL_SAFE = /[^\n\x20-\x7e\xa1-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]/;

/**
 * js-yaml's literal block scalar at `level` (its `blockHeader`, `indentString` and `dropEndingNewline`):
 * `|`, an indentation indicator when the text starts with spaces (after any empty lines), `+` to keep
 * trailing empty lines or `-` to strip a missing final newline, then each non-empty line indented by
 * 2 × max(1, level). Written here rather than by js-yaml: Grafana dashboards (tens of kB each) were
 * most of the characters js-yaml wrote.
 */
function literalBlock(s: string, level: number): string {
  const clip = s.charCodeAt(s.length - 1) === 10;
  const keep = clip && (s.charCodeAt(s.length - 2) === 10 || s.length === 1);
  let out = '|' + (/^\n* /.test(s) ? '2' : '') + (keep ? '+' : clip ? '' : '-') + '\n';
  const indent = spaces(2 * Math.max(1, level));
  const end = clip ? s.length - 1 : s.length;
  for (let start = 0; start < end; ) {
    let next = s.indexOf('\n', start);
    if (next === -1 || next > end) next = end;
    if (next > start) out += indent + s.slice(start, next);
    if (next < end) out += '\n';
    start = next + 1;
  }
  return out;
}

/**
 * A value at `level`. js-yaml writes a literal block scalar with its lines indented by 2 × max(1, level);
 * the memoised form was written at level 0 (indent 2), so its lines are re-indented.
 */
function scalarAt(s: string, level: number): string {
  if (s.includes('\n') && !NOT_LITERAL_SAFE.test(s)) return literalBlock(s, level);
  const text = stringScalar(s);
  if (text.charCodeAt(0) !== 124 /* | */ || level <= 1) return text;
  const extra = spaces(2 * (level - 1));
  const nl = text.indexOf('\n');
  return text.slice(0, nl + 1) + text.slice(nl + 1).replace(/^(?=.)/gm, extra);
}

/**
 * The same bytes as `dumpWithJsYaml` for the JSON-shaped values a render produces (plain objects,
 * arrays, strings, finite numbers, booleans, null), written without js-yaml's per-node dispatch.
 * Mirrors js-yaml 4's block writer under our options (indent 2, no flow levels, no references, no
 * line width, keys sorted by `compareKeys`): a mapping's or sequence's first entry follows its parent
 * on the same line only inside a sequence item (`- key: v`), nested collections start a new line
 * indented by two spaces per level, empty ones are `{}` and `[]`, `undefined` values are left out
 * of mappings and written as null in sequences. Anything else (a multi-line key or one written in more than 1024 characters,
 * a Date, a class with its own string tag, a non-finite number) throws Unsupported, and the caller
 * hands the whole object to js-yaml. test/render/yaml.test.ts compares the two on every rendered
 * object of the reference and the seed platforms and on generated edge cases.
 */
function node(value: unknown, level: number, compact: boolean): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return value.length === 0 ? "''" : scalarAt(value, level);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (Number.isInteger(value) && !Object.is(value, -0)) return String(value);
      throw new Unsupported();
    case 'object': {
      if (Array.isArray(value)) return sequence(value, level, compact);
      if (Object.prototype.toString.call(value) !== '[object Object]') throw new Unsupported();
      return mapping(value as Record<string, unknown>, level, compact);
    }
    default:
      throw new Unsupported();
  }
}

/** A key as written (memoised apart from values: a render has few distinct keys, each written thousands of times). */
const keys = new Map<string, string>();

function keyScalar(key: string): string {
  let k = keys.get(key);
  if (k === undefined) {
    // js-yaml writes a key explicitly (`? key`) when its written form is over 1024 characters, and a multi-line one quoted.
    if (key.includes('\n')) throw new Unsupported();
    k = key.length === 0 ? "''" : stringScalar(key);
    if (k.length > 1024) throw new Unsupported();
    if (keys.size >= 100_000) keys.clear();
    keys.set(key, k);
  }
  return k;
}

function mapping(object: Record<string, unknown>, level: number, compact: boolean): string {
  const names = Object.keys(object);
  if (names.length === 0) return '{}';
  // Mappings often arrive in this order already (cdk8s does not sort them in a render pass: blocks/render-pass.ts): check before sorting.
  for (let i = 1; i < names.length; i++) {
    if (compareKeys(names[i - 1]!, names[i]!) > 0) {
      names.sort(compareKeys);
      break;
    }
  }
  const nextLine = lineBreak(level);
  let out = '';
  for (const key of names) {
    const value = object[key];
    if (value === undefined) continue;
    const k = keyScalar(key);
    const v = node(value, level + 1, false);
    out += (!compact || out !== '' ? nextLine : '') + k + (v.charCodeAt(0) === 10 ? ':' : ': ') + v;
  }
  return out || '{}';
}

function sequence(items: readonly unknown[], level: number, compact: boolean): string {
  if (items.length === 0) return '[]';
  const nextLine = lineBreak(level);
  let out = '';
  for (const item of items) {
    const v = item === undefined ? 'null' : node(item, level + 1, true);
    out += (!compact || out !== '' ? nextLine : '') + (v.charCodeAt(0) === 10 ? '-' : '- ') + v;
  }
  return out;
}

/** One object as YAML: js-yaml's bytes (see `node`), written fast for the shapes a render produces. */
export function toYaml(object: unknown): string {
  if (object === undefined) return '';
  try {
    return node(object, 0, true) + '\n';
  } catch (e) {
    if (e instanceof Unsupported) return dumpWithJsYaml(object);
    throw e;
  }
}

/**
 * The one YAML serialisation of rendered objects: keys in a fixed order, no
 * anchors, no line folding. Same objects → same bytes.
 */
export function toYamlDocuments(objects: readonly unknown[]): string {
  return joinDocuments(objects.map(toYaml));
}

/** One file of YAML documents (each as `toYaml` writes it). */
export function joinDocuments(documents: readonly string[]): string {
  return documents.join('---\n');
}

export function parseYamlDocuments(text: string): unknown[] {
  return yaml.loadAll(text).filter((d) => d !== null && d !== undefined);
}
