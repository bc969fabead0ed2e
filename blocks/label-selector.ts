/** A Kubernetes label selector: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist), all ANDed. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

/**
 * Whether `selector` selects an object with `labels`, as the API server decides it. Labels are own keys: a label
 * named `constructor` or `toString` is a label, not a member of every object. An unknown operator selects nothing.
 */
export function selectsLabels(selector: LabelSelector, labels: Readonly<Record<string, string>> = {}): boolean {
  const has = (k: string) => Object.hasOwn(labels, k);
  return (
    Object.entries(selector.matchLabels ?? {}).every(([k, v]) => has(k) && labels[k] === v) &&
    (selector.matchExpressions ?? []).every((e) => {
      switch (e.operator) {
        case 'In':
          return has(e.key) && (e.values ?? []).includes(labels[e.key]!);
        case 'NotIn':
          return !has(e.key) || !(e.values ?? []).includes(labels[e.key]!);
        case 'Exists':
          return has(e.key);
        case 'DoesNotExist':
          return !has(e.key);
        default:
          return false;
      }
    })
  );
}
