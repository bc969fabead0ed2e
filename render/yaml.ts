import * as yaml from 'js-yaml';

const FIRST = ['apiVersion', 'kind', 'metadata'];
const rank = (k: string) => {
  const i = FIRST.indexOf(k);
  return i < 0 ? FIRST.length : i;
};

/** apiVersion, kind, metadata first (also inside references), then alphabetical. */
export function compareKeys(a: string, b: string): number {
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * The one YAML serialisation of rendered objects: keys in a fixed order, no
 * anchors, no line folding. Same objects → same bytes.
 */
export function toYamlDocuments(objects: readonly unknown[]): string {
  return objects.map((o) => yaml.dump(o, { sortKeys: compareKeys, noRefs: true, lineWidth: -1 })).join('---\n');
}

export function parseYamlDocuments(text: string): unknown[] {
  return yaml.loadAll(text).filter((d) => d !== null && d !== undefined);
}
