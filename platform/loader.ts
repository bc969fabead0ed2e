import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import type { z } from 'zod';
import { crossCheck, platformSpec, type PlatformSpec } from './schema';

/** A spec that cannot be rendered: every problem, each with its path, in one message. */
export class SpecError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the platform spec:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SpecError';
  }
}

/** `services[3].port` from `['services', 3, 'port']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out || '(root)';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => `${formatPath([...issue.path, k])}: unknown field`).join('\n  - ');
    case 'invalid_type':
      if (issue.input === undefined) return `${where}: required (${issue.expected})`;
      return issue.message.startsWith('Invalid input') ? `${where}: expected ${issue.expected}, got ${describeValue(issue.input)}` : `${where}: ${issue.message}`;
    case 'invalid_value':
      return `${where}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(issue.input)}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return JSON.stringify(v);
}

/** Validates an already-parsed document. Throws SpecError listing every problem. */
export function parseSpec(doc: unknown, source = 'spec'): PlatformSpec {
  const result = platformSpec.safeParse(doc, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map(describeIssue);
  // zod skips refinements once a field failed with a type error; run the
  // cross-field rules on the raw document too so one run reports everything.
  crossCheck(doc as PlatformSpec, (path, message) => problems.push(`${formatPath(path)}: ${message}`));
  throw new SpecError(source, [...new Set(problems)]);
}

/** Reads and validates a platform spec file (YAML). */
export function loadSpec(file: string): PlatformSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SpecError(file, [`cannot read the file: ${(e as Error).message}`]);
  }
  return parseSpecText(text, file);
}

export function parseSpecText(text: string, source: string): PlatformSpec {
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: source, schema: yaml.CORE_SCHEMA });
  } catch (e) {
    const err = e as yaml.YAMLException;
    const line = err.mark ? `line ${err.mark.line + 1}, column ${err.mark.column + 1}` : 'unknown position';
    throw new SpecError(source, [`YAML syntax error at ${line}: ${err.reason ?? err.message}`]);
  }
  if (doc === null || doc === undefined) throw new SpecError(source, ['(root): the file is empty']);
  return parseSpec(doc, source);
}
