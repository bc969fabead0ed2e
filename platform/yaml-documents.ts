import { readFileSync } from 'node:fs';
import { LineCounter, parseAllDocuments } from 'yaml';

/** One document of a YAML file kept beside the spec, and where it starts (`file (line L, column C)`). */
export interface PlacedDocument {
  readonly value: unknown;
  readonly where: string;
}

/**
 * The documents of a YAML (or JSON) file beside the spec, read as the spec is (YAML 1.2 core schema,
 * duplicate keys refused, merge keys): empty documents skipped, syntax errors as problems with their
 * positions. `file` is how messages name it.
 */
export function readYamlDocuments(path: string, file: string): { documents: PlacedDocument[]; problems: string[] } {
  const lines = new LineCounter();
  const at = (offset: number | undefined) => {
    const p = lines.linePos(offset ?? 0);
    return `${file} (line ${p.line}, column ${p.col})`;
  };
  const documents: PlacedDocument[] = [];
  const problems: string[] = [];
  for (const doc of parseAllDocuments(readFileSync(path, 'utf8'), { lineCounter: lines, schema: 'core', uniqueKeys: true, merge: true }) as ReturnType<typeof parseAllDocuments> & unknown[]) {
    if (doc.errors.length) {
      problems.push(...doc.errors.map((e) => `${at(e.pos[0])}: YAML syntax error: ${e.message.split('\n')[0]}`));
      continue;
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) documents.push({ value, where: at(doc.contents?.range?.[0]) });
  }
  return { documents, problems };
}
