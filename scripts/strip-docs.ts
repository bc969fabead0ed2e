/** Drops documentation (`description` strings) from a JSON schema but keeps properties that happen to be named `description`. */
export function stripDescriptions(x: any): any {
  if (Array.isArray(x)) return x.map(stripDescriptions);
  if (!x || typeof x !== 'object') return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) {
    if (k === 'description' && typeof v === 'string') continue;
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, stripDescriptions(s)])) : stripDescriptions(v);
  }
  return out;
}
