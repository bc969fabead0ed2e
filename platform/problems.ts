import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';

/**
 * Spec problems in the words of the file, not of the validation library: where (the path with list
 * items named by their `name`, and the YAML line and column when the text is known), what is wrong,
 * and what would be valid (the fields allowed here, the closest name for a typo).
 */

export type SpecPath = readonly (string | number)[];

/** Line and column (1-based) of a path in the spec's text (a field: its key). */
export type Locate = (path: SpecPath) => { line: number; column: number } | undefined;

/** The closest candidate to a misspelt name, when it is close enough to be a typo. */
export function didYouMean(name: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(name, candidates as string[]);
  const d = distance(name, best);
  return d > 0 && d <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** `; did you mean 'x'?` or nothing. */
export function suggestion(name: string, candidates: readonly string[]): string {
  const best = didYouMean(name, candidates);
  return best ? `; did you mean '${best}'?` : '';
}

/** `services[order-service].dependsOn[2]`: list items by their `name` where they have one, else by index. */
export function formatPath(path: SpecPath, doc?: unknown): string {
  let out = '';
  let node: any = doc;
  for (const p of path) {
    if (typeof p === 'number') {
      const item = Array.isArray(node) ? node[p] : undefined;
      const name = item && typeof item === 'object' && typeof item.name === 'string' && /^[\w.-]+$/.test(item.name) ? item.name : undefined;
      out += `[${name ?? p}]`;
    } else out += out === '' ? String(p) : `.${String(p)}`;
    node = node && typeof node === 'object' ? node[p as any] : undefined;
  }
  return out || '(root)';
}

type Schema = z.core.$ZodType;
const defOf = (s: Schema): any => (s as any)._zod.def;

/** The schema with optional/default/nullable/pipe wrappers removed. */
function unwrap(s: Schema): Schema {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    const def = defOf(cur);
    if (['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(def.type)) cur = def.innerType;
    else if (def.type === 'pipe') cur = def.in;
    else break;
  }
  return cur;
}

/** The schema of the value at `path` (unions: the object option that has the key), or undefined. */
export function schemaAt(root: Schema, path: SpecPath): Schema | undefined {
  let cur: Schema | undefined = root;
  for (const p of path) {
    if (!cur) return undefined;
    const s = unwrap(cur);
    const def = defOf(s);
    if (def.type === 'array') cur = def.element;
    else if (def.type === 'record') cur = def.valueType;
    else if (def.type === 'object') cur = def.shape[p as string];
    else if (def.type === 'union') {
      const option = (def.options as Schema[]).map(unwrap).find((o) => defOf(o).type === 'object' && defOf(o).shape[p as string]);
      cur = option ? defOf(option).shape[p as string] : undefined;
    }
    else return undefined;
  }
  return cur;
}

/** The field names an object at `path` accepts. */
export function fieldsAt(root: Schema, path: SpecPath): string[] {
  const s = schemaAt(root, path);
  if (!s) return [];
  const u = unwrap(s);
  const def = defOf(u);
  if (def.type === 'object') return Object.keys(def.shape).filter((k) => k !== '$schema');
  if (def.type === 'union') return def.options.flatMap((o: Schema) => (defOf(unwrap(o)).type === 'object' ? Object.keys(defOf(unwrap(o)).shape) : []));
  // A map whose keys are an enum (gitops.addons): its keys are the fields.
  if (def.type === 'record' && def.keyType && defOf(unwrap(def.keyType)).type === 'enum') return Object.values(defOf(unwrap(def.keyType)).entries as Record<string, string>).map(String);
  return [];
}

/** The `.describe()` text of the field at `path`, if short enough to quote. */
function descriptionAt(root: Schema, path: SpecPath): string | undefined {
  let s = schemaAt(root, path);
  for (let i = 0; s && i < 10; i++) {
    const d = (s as any).description as string | undefined;
    if (d) return d.replace(/@default.*$/, '').trim() || undefined;
    const def = defOf(s);
    s = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  }
  return undefined;
}

/** What a value of this schema is, in plain words. */
export function kindInWords(s: Schema | undefined, expected?: string): string {
  const def = s ? defOf(unwrap(s)) : { type: expected };
  switch (def.type) {
    case 'object':
      return `a map of fields (${Object.keys(def.shape).filter((k) => k !== '$schema').slice(0, 6).join(', ')}${Object.keys(def.shape).length > 6 ? ', …' : ''})`;
    case 'record':
      return 'a map (name: value)';
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    case 'number':
    case 'int':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${Object.values(def.entries).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'union':
      return def.options.map((o: Schema) => kindInWords(o)).join(' or ');
    case 'literal':
      return def.values.map((v: unknown) => JSON.stringify(v)).join(' or ');
    default:
      return expected ?? 'a value';
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'nothing (null: a key with no value)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return JSON.stringify(v);
}

/** One problem per unknown key; the rest as the schema's own (custom) message or in plain words. */
export function describeIssue(root: Schema, issue: z.core.$ZodIssue): { path: SpecPath; message: string }[] {
  const path = issue.path as (string | number)[];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = fieldsAt(root, path);
      return issue.keys.map((k) => {
        const hint = didYouMean(k, allowed);
        return { path: [...path, k], message: hint ? `unknown field; did you mean '${hint}'?` : `unknown field (fields here: ${allowed.join(', ')})` };
      });
    }
    case 'invalid_type': {
      const words = kindInWords(schemaAt(root, path), issue.expected);
      const what = descriptionAt(root, path);
      if (issue.input === undefined) return [{ path, message: `required (${words}${what ? `: ${what}` : ''})` }];
      if (!issue.message.startsWith('Invalid input')) return [{ path, message: issue.message }];
      return [{ path, message: `expected ${words}, got ${describeValue(issue.input)}` }];
    }
    case 'invalid_value': {
      const given = describeValue(issue.input);
      const hint = typeof issue.input === 'string' ? suggestion(issue.input, issue.values.map(String)) : '';
      return [{ path, message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${given}${hint}` }];
    }
    case 'invalid_key':
      // A map key the key schema refused: its own message, not "Invalid key in record".
      return [{ path, message: (issue.issues ?? []).map((i: { message: string }) => i.message).join('; ') || issue.message }];
    case 'invalid_union': {
      // "settings or false": when the input has the shape of one option (a map for the settings), report that
      // option's own problems (an unknown field, min > max) instead of "expected … or false".
      const options = ((issue as { errors?: z.core.$ZodIssue[][] }).errors ?? []).filter(
        (list) => list.length > 0 && !list.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value')),
      );
      if (options.length === 1) return options[0]!.flatMap((i) => describeIssue(root, { ...i, path: [...path, ...i.path] } as z.core.$ZodIssue));
      return [{ path, message: `expected ${kindInWords(schemaAt(root, path))}, got ${describeValue(issue.input)}` }];
    }
    case 'too_small':
    case 'too_big':
      if (issue.message.startsWith('Too ')) {
        const bound = issue.code === 'too_small' ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`;
        const unit = issue.origin === 'array' ? ' items' : issue.origin === 'string' ? ' characters' : '';
        return [{ path, message: `must be ${bound}${unit}, got ${describeValue(issue.input)}` }];
      }
      return [{ path, message: issue.message }];
    default:
      return [{ path, message: issue.message }];
  }
}
