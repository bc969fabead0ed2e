import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';

/**
 * Edits of a YAML file as text splices at the positions the `yaml` package's parser reports, so
 * everything not edited — comments, their spacing, flow lists, quoting, blank lines — stays byte for
 * byte (re-serialising the document would re-format all of it). Enough for what `npm run promote`
 * changes: set a scalar, add keys (creating block maps), remove keys (and the maps they empty).
 */

type Path = readonly (string | number)[];

interface Parsed {
  readonly text: string;
  readonly lines: LineCounter;
  readonly root: Node | null;
}

function parse(text: string): Parsed {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: false, merge: true });
  if (doc.errors.length) throw new Error(`not valid YAML: ${doc.errors[0]!.message}`);
  return { text, lines, root: doc.contents as Node | null };
}

/** The node at `path` and the pairs that lead to it (one per map step). */
function walk(p: Parsed, path: Path): { node: Node | null | undefined; pairs: (Pair<Node, Node | null> | undefined)[] } {
  let node: Node | null | undefined = p.root;
  const pairs: (Pair<Node, Node | null> | undefined)[] = [];
  for (const k of path) {
    if (isAlias(node)) throw new Error(`${path.join('.')} goes through an alias (*${node.source}): edit that part of the file by hand`);
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(k)) as Pair<Node, Node | null> | undefined;
      pairs.push(pair);
      node = pair ? pair.value : undefined;
    } else if (isSeq(node) && typeof k === 'number') {
      pairs.push(undefined);
      node = node.items[k] as Node | undefined;
    } else return { node: undefined, pairs };
    if (node === undefined) return { node, pairs };
  }
  return { node, pairs };
}

const lineStart = (text: string, pos: number) => text.lastIndexOf('\n', pos - 1) + 1;
/** The position after the line `pos` ends (a range end may already sit after the newline). */
const lineEnd = (text: string, pos: number) => {
  if (pos > 0 && text[pos - 1] === '\n') return pos;
  const nl = text.indexOf('\n', pos);
  return nl < 0 ? text.length : nl + 1;
};
const endOf = (pair: Pair<Node, Node | null>) => (pair.value?.range ?? pair.key.range!)[1];

/** A plain scalar where YAML reads it back as the same string, else double-quoted. */
function scalarText(value: string, like?: Node): string {
  if (isScalar(like) && like.type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (isScalar(like) && like.type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  const doc = parseDocument(`v: ${value}`);
  const plain = !doc.errors.length && (doc.get('v') as unknown) === value && !/[#{}[\],&*!|>'"%@`]/.test(value[0] ?? '');
  return plain ? value : JSON.stringify(value);
}

const splice = (text: string, from: number, to: number, insert: string) => text.slice(0, from) + insert + text.slice(to);

/** `path` set to the string `value`: an existing scalar replaced in place; missing keys added (block style under a block map). */
export function setIn(text: string, path: Path, value: string): string {
  const p = parse(text);
  const { node } = walk(p, path);
  if (node !== undefined && node !== null) {
    if (isAlias(node)) throw new Error(`${path.join('.')} is an alias (*${node.source}): edit it by hand`);
    if (!isScalar(node)) throw new Error(`${path.join('.')} is not a scalar`);
    return splice(text, node.range![0], node.range![1], scalarText(value, node));
  }
  // The deepest map that exists, and the keys still missing below it.
  for (let depth = path.length - 1; depth >= 0; depth--) {
    const { node: parent } = walk(p, path.slice(0, depth));
    if (parent === undefined) continue;
    if (!isMap(parent)) throw new Error(`${path.slice(0, depth).join('.') || '(root)'} is not a map`);
    return insertInto(p, parent, path.slice(depth), value);
  }
  throw new Error('no document');
}

function insertInto(p: Parsed, map: YAMLMap, rest: Path, value: string): string {
  const { text } = p;
  if (map.flow) {
    const nested = rest.slice(1).reduceRight<string>((inner, k) => `{ ${String(k)}: ${inner} }`, scalarText(value));
    const open = map.range![0];
    const empty = map.items.length === 0;
    const entry = `${String(rest[0])}: ${nested}`;
    if (empty) return splice(text, open + 1, map.range![1] - 1, ` ${entry} `);
    return splice(text, open + 1, open + 1, ` ${entry},${text[open + 1] === ' ' ? '' : ' '}`);
  }
  const first = map.items[0] as Pair<Node, Node | null> | undefined;
  if (!first) throw new Error('cannot add to an empty block map');
  const indent = p.lines.linePos(first.key.range![0]).col - 1;
  const last = map.items[map.items.length - 1] as Pair<Node, Node | null>;
  const at = lineEnd(text, endOf(last));
  const lines = rest.map((k, i) => `${' '.repeat(indent + 2 * i)}${String(k)}:${i === rest.length - 1 ? ` ${scalarText(value)}` : ''}`);
  // The file's own line ending.
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const prefix = at > 0 && text[at - 1] !== '\n' ? eol : '';
  return splice(text, at, at, `${prefix}${lines.join(eol)}${eol}`);
}

/** `path` removed (nothing when absent); a map it leaves empty goes too, up to `keep` path elements. */
export function deleteIn(text: string, path: Path, keep = 1): string {
  const p = parse(text);
  const { node, pairs } = walk(p, path);
  if (node === undefined) return text;
  const { node: parent } = walk(p, path.slice(0, -1));
  if (!isMap(parent)) throw new Error(`${path.slice(0, -1).join('.')} is not a map`);
  if (parent.items.length === 1 && path.length - 1 > keep) return deleteIn(text, path.slice(0, -1), keep);
  const pair = pairs[pairs.length - 1]!;
  if (parent.flow) {
    const i = parent.items.indexOf(pair);
    if (parent.items.length === 1) return splice(text, parent.range![0] + 1, parent.range![1] - 1, '');
    const next = parent.items[i + 1] as Pair<Node, Node | null> | undefined;
    if (next) return splice(text, pair.key.range![0], next.key.range![0], '');
    const prev = parent.items[i - 1] as Pair<Node, Node | null>;
    return splice(text, endOf(prev), endOf(pair), '');
  }
  // The first key of a list item sits on the item's `- ` line: the next key moves up onto it.
  const keyStart = pair.key.range![0];
  if (p.text.slice(lineStart(p.text, keyStart), keyStart).trim() !== '') {
    const next = parent.items[parent.items.indexOf(pair) + 1] as Pair<Node, Node | null> | undefined;
    if (next) return splice(text, keyStart, next.key.range![0], '');
  }
  // The key's lines, with the comment lines right above it at its indentation (they describe it).
  let from = lineStart(p.text, pair.key.range![0]);
  const indent = pair.key.range![0] - from;
  for (;;) {
    const prevStart = lineStart(p.text, from - 1);
    if (from === 0 || !new RegExp(`^ {${indent}}#`).test(p.text.slice(prevStart, from))) break;
    from = prevStart;
  }
  return splice(text, from, lineEnd(text, endOf(pair)), '');
}
