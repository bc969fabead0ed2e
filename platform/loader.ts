import { readFileSync, statSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { crossCheck, platformSpec, type PlatformSpec } from './schema';
import { describeIssue, formatPath, type Locate, type SpecPath } from './problems';

/** A spec that cannot be rendered: every problem, each with its path (and line), in one message. */
export class SpecError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the platform spec:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SpecError';
  }
}

/** Validates an already-parsed document. Throws SpecError listing every problem; `locate` adds lines and columns. */
export function parseSpec(doc: unknown, source = 'spec', locate?: Locate): PlatformSpec {
  const result = platformSpec.safeParse(doc, { reportInput: true });
  if (result.success) return result.data;
  const found = result.error.issues.flatMap((i) => describeIssue(platformSpec, i));
  // zod skips refinements once a field failed with a type error; run the
  // cross-field rules on the raw document too so one run reports everything.
  crossCheck(doc as PlatformSpec, (path, message) => found.push({ path, message }));
  const problems = found.map((p) => problemAt(p.path, p.message, doc, locate));
  throw new SpecError(source, [...new Set(problems)]);
}

/** Reads and validates a platform spec file (YAML). */
export function loadSpec(file: string): PlatformSpec {
  return parseSpecSource(readSpecFile(file), file).spec;
}

/** The largest spec read: a platform of 1000 services is well under 1 MB; past this, split it (README, "Past one repository"). */
export const MAX_SPEC_BYTES = 5 * 1024 * 1024;

/** The text of a spec file; a file that cannot be read, a directory, or a file too large to be a spec is a SpecError. */
export function readSpecFile(file: string): string {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new SpecError(file, ['is a directory, not a spec file (name the YAML file, e.g. platform.yaml)']);
    size = st.size;
  } catch (e) {
    if (e instanceof SpecError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new SpecError(file, [code === 'ENOENT' ? 'no such file' : `cannot read the file: ${(e as Error).message}`]);
  }
  if (size > MAX_SPEC_BYTES) {
    throw new SpecError(file, [`is ${(size / 1024 / 1024).toFixed(1)} MB; a platform spec is at most ${MAX_SPEC_BYTES / 1024 / 1024} MB (1000 services take well under 1): split the platform into one spec per team or domain`]);
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new SpecError(file, [`cannot read the file: ${(e as Error).message}`]);
  }
}

/** The YAML document of a spec, with a line counter; syntax errors (and duplicate keys) are SpecErrors with their positions. */
export function parseSpecDocument(text: string, source: string): { doc: Document.Parsed; lines: LineCounter } {
  const lines = new LineCounter();
  // YAML 1.2 core schema: `yes`/`no` stay strings, no timestamps; duplicate keys are errors.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, schema: 'core', uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    throw new SpecError(
      source,
      doc.errors.map((e) => {
        const at = lines.linePos(e.pos[0]);
        return `YAML syntax error at line ${at.line}, column ${at.col}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  return { doc, lines };
}

export function parseSpecText(text: string, source: string): PlatformSpec {
  return parseSpecSource(text, source).spec;
}

/** The validated spec, the plain document it came from, and where each path is in the text (for later checks' messages). */
export function parseSpecSource(text: string, source: string): { spec: PlatformSpec; document: unknown; locate: Locate } {
  const { doc, lines } = parseSpecDocument(text, source);
  let document: unknown;
  try {
    document = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // A "billion laughs" document: aliases that expand without bound. The yaml package stops it; say what it is.
    if (/alias/i.test((e as Error).message)) throw new SpecError(source, [`(root): the YAML aliases (*name) expand to too much (more than 100 alias expansions): a spec needs few; is this a "billion laughs" document?`]);
    throw e;
  }
  if (document === null || document === undefined) throw new SpecError(source, ['(root): the file is empty']);
  const locate = locator(doc, lines);
  return { spec: parseSpec(document, source, locate), document, locate };
}

/** `path (line L, column C): message`, as every spec problem is printed. */
export function problemAt(path: SpecPath, message: string, document: unknown, locate?: Locate): string {
  const at = locate?.(path);
  return `${formatPath(path, document)}${at ? ` (line ${at.line}, column ${at.column})` : ''}: ${message}`;
}

/** Where a path is in the text: a field's key, a list item's node; a missing field: the map that lacks it. */
export function locator(doc: Document.Parsed, lines: LineCounter): Locate {
  return (path: SpecPath) => {
    let node: Node | null | undefined = doc.contents;
    let keyNode: Node | undefined;
    let last: Node | undefined = node ?? undefined;
    for (const p of path) {
      keyNode = undefined;
      if (isMap(node)) {
        const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(p));
        if (!pair) break;
        keyNode = pair.key as Node;
        node = pair.value as Node | null;
      } else if (isSeq(node) && typeof p === 'number') {
        node = node.items[p] as Node | undefined;
      } else break;
      if (node) last = node;
      else if (keyNode) last = keyNode;
    }
    // A field's problem points at its key (the value is on the same line, or missing); a list item at the item.
    const target = keyNode ?? last;
    const offset = target?.range?.[0];
    if (offset === undefined) return undefined;
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
}
