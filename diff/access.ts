import type { Json, JsonObject } from './objects';

/**
 * Who a NetworkPolicy or an Istio AuthorizationPolicy lets in (or out), as a
 * set of grants, so that two versions compare as sets: a grant only the new
 * version has widens access (a new caller admitted, a new port, a peer or a
 * direction opened); one only the old version had is a tightening. Comparing
 * the policies' fields instead flags a removed caller as loudly as an added
 * one, and a policy whose rules were merely renumbered.
 */
export interface Grant {
  /** Compares equal exactly when the grant is the same. */
  readonly key: string;
  /** `ingress from pods app.kubernetes.io/name=cart in namespace shop-dev on TCP/8080` */
  readonly text: string;
  /**
   * The calling workload as `name (namespace)` when the grant names one (a pod
   * name label with a namespace, or a service-account principal), so that the
   * report can put a NetworkPolicy grant and an AuthorizationPolicy grant for
   * the same caller on one line.
   */
  readonly caller?: { readonly name: string; readonly namespace: string };
  /** The same peer/source without ports or operations, for subsumption (any port covers one port). */
  readonly peer: string;
  /** `*` when any port or operation. */
  readonly scope: string;
  /**
   * A NetworkPolicy peer chosen by pod labels alone, for subsumption: a peer
   * requiring fewer labels (in the same namespaces) selects every pod this one does.
   */
  readonly pods?: { readonly direction: string; readonly namespaces: string; readonly labels: Readonly<Record<string, string>> };
  /**
   * An AuthorizationPolicy source's conditions (`principals=…`, `namespaces=…`), sorted: Istio requires all of a
   * source's fields to match, so a grant with fewer conditions admits every request one with more does.
   */
  readonly conditions?: readonly string[];
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const get = (o: Json | undefined, ...path: string[]): Json | undefined => {
  let cur: Json | undefined = o;
  for (const p of path) cur = isObject(cur) ? cur[p] : undefined;
  return cur;
};
/** JSON with sorted keys: equal values, equal text. */
export function canonical(v: Json | undefined): string {
  if (v === undefined) return '';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

const NAME_LABELS = ['app.kubernetes.io/name', 'app'];
const NAMESPACE_LABEL = 'kubernetes.io/metadata.name';

function selectorText(sel: Json | undefined, what: string): string {
  const labels = get(sel, 'matchLabels');
  const exprs = get(sel, 'matchExpressions');
  const parts: string[] = [];
  if (isObject(labels)) parts.push(...Object.keys(labels).sort().map((k) => `${k}=${String(labels[k])}`));
  if (Array.isArray(exprs)) parts.push(...exprs.map((e) => `${String(get(e, 'key'))} ${String(get(e, 'operator'))}${Array.isArray(get(e, 'values')) ? ` (${(get(e, 'values') as Json[]).join(', ')})` : ''}`));
  return parts.length ? `${what} ${parts.join(', ')}` : `every ${what === 'pods' ? 'pod' : 'namespace'}`;
}

function networkPeer(peer: Json, policyNamespace: string): Pick<Grant, 'text' | 'caller' | 'peer'> & { labels?: Record<string, string>; namespaces?: string } {
  const cidr = get(peer, 'ipBlock', 'cidr');
  if (cidr !== undefined) {
    const except = get(peer, 'ipBlock', 'except');
    return { text: `addresses ${String(cidr)}${Array.isArray(except) && except.length ? ` except ${except.join(', ')}` : ''}`, peer: canonical(peer) };
  }
  const pods = get(peer, 'podSelector');
  const nss = get(peer, 'namespaceSelector');
  const nsName = get(nss, 'matchLabels', NAMESPACE_LABEL);
  const namespace = nss === undefined ? policyNamespace : typeof nsName === 'string' && Object.keys(get(nss, 'matchLabels') as JsonObject).length === 1 && get(nss, 'matchExpressions') === undefined ? nsName : undefined;
  const podText = pods === undefined ? 'every pod' : selectorText(pods, 'pods');
  const nsText = nss === undefined ? 'in its namespace' : namespace !== undefined ? `in namespace ${namespace}` : `in ${selectorText(nss, 'namespaces')}`;
  const podLabels = get(pods, 'matchLabels');
  const nameLabel = isObject(podLabels) ? NAME_LABELS.map((l) => podLabels[l]).find((v) => typeof v === 'string') : undefined;
  return {
    text: `${podText} ${nsText}`,
    peer: canonical({ pods: pods ?? null, namespace: namespace ?? canonical(nss) }),
    ...(get(pods, 'matchExpressions') === undefined ? { labels: isObject(podLabels) ? (podLabels as Record<string, string>) : {}, namespaces: namespace ?? canonical(nss) } : {}),
    ...(typeof nameLabel === 'string' && namespace !== undefined ? { caller: { name: nameLabel, namespace } } : {}),
  };
}

function portText(p: Json): string {
  const proto = String(get(p, 'protocol') ?? 'TCP');
  const port = get(p, 'port');
  const end = get(p, 'endPort');
  return port === undefined ? `${proto}/any` : `${proto}/${String(port)}${end !== undefined ? `-${String(end)}` : ''}`;
}

/**
 * The grants of one direction of a NetworkPolicy. A direction the policy does
 * not isolate (not in `policyTypes`) grants everyone every port.
 */
export function networkPolicyGrants(obj: JsonObject, direction: 'ingress' | 'egress'): Grant[] {
  const spec = get(obj, 'spec');
  const types = get(spec, 'policyTypes');
  const isolated = Array.isArray(types) ? types.includes(direction === 'ingress' ? 'Ingress' : 'Egress') : direction === 'ingress' || get(spec, 'egress') !== undefined;
  const dirText = direction === 'ingress' ? 'ingress from' : 'egress to';
  // Its peer names the direction: not isolating egress is no grant of ingress (a policy switching which direction it isolates opens the other).
  if (!isolated) return [{ key: `${direction}|*|*`, text: `${dirText} anyone on any port (${direction} not isolated)`, peer: `${direction}|*`, scope: '*' }];
  const namespace = String(get(obj, 'metadata', 'namespace') ?? '');
  const rules = get(spec, direction);
  const out: Grant[] = [];
  for (const rule of Array.isArray(rules) ? rules : []) {
    const peers = get(rule, direction === 'ingress' ? 'from' : 'to');
    const ports = get(rule, 'ports');
    const peerList = Array.isArray(peers) && peers.length ? peers.map((p) => networkPeer(p, namespace)) : [{ text: 'anyone', peer: '*' }];
    const portList = Array.isArray(ports) && ports.length ? ports.map((p) => ({ key: canonical({ protocol: get(p, 'protocol') ?? 'TCP', port: get(p, 'port') ?? null, endPort: get(p, 'endPort') ?? null }), text: portText(p) })) : [{ key: '*', text: 'any port' }];
    for (const peer of peerList) {
      for (const port of portList) {
        out.push({
          key: `${direction}|${peer.peer}|${port.key}`,
          text: `${dirText} ${peer.text} on ${port.text}`,
          peer: `${direction}|${peer.peer}`,
          scope: port.key,
          ...('caller' in peer && peer.caller ? { caller: peer.caller } : {}),
          ...('labels' in peer && peer.labels ? { pods: { direction, namespaces: peer.namespaces!, labels: peer.labels } } : {}),
        });
      }
    }
  }
  return out;
}

const PRINCIPAL = /^(?:[^/]+\/)?ns\/([^/]+)\/sa\/([^/]+)$/;
const SOURCE_FIELDS = ['principals', 'namespaces', 'ipBlocks', 'remoteIpBlocks', 'requestPrincipals'] as const;

function operationText(to: Json | undefined, when: Json | undefined): string {
  const parts: string[] = [];
  for (const t of Array.isArray(to) ? to : []) {
    const op = get(t, 'operation');
    if (!isObject(op)) continue;
    for (const k of Object.keys(op).sort()) parts.push(`${k} ${Array.isArray(op[k]) ? (op[k] as Json[]).join(', ') : String(op[k])}`);
  }
  if (Array.isArray(when) && when.length) parts.push(`when ${canonical(when)}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/**
 * The grants of an Istio AuthorizationPolicy: each combination of source values of each rule — Istio ORs the
 * values of one field (principals a or b) and ANDs a source's fields (principal a from namespace n), so
 * `{principals: [a, b], namespaces: [n]}` is the two grants a∧n and b∧n — with the rule's operations and
 * conditions as its scope. An ALLOW policy without rules allows nothing; a rule without sources allows any
 * source. For a DENY policy the grants are what it denies (so a removed or narrowed one widens access).
 */
export function authorizationGrants(obj: JsonObject): Grant[] {
  const rules = get(obj, 'spec', 'rules');
  const out: Grant[] = [];
  for (const rule of Array.isArray(rules) ? rules : []) {
    const scope = canonical({ to: get(rule, 'to') ?? null, when: get(rule, 'when') ?? null });
    const ops = operationText(get(rule, 'to'), get(rule, 'when'));
    const from = get(rule, 'from');
    const sources = Array.isArray(from) && from.length ? from.map((f) => get(f, 'source')) : [undefined];
    for (const source of sources) {
      const negated = isObject(source) && Object.keys(source).some((k) => k.startsWith('not'));
      const fields = isObject(source) && !negated ? SOURCE_FIELDS.filter((f) => Array.isArray(source[f])).map((f) => (source[f] as Json[]).map((v) => [f, String(v)] as const)) : [];
      if (fields.length === 0 || fields.some((values) => values.length === 0)) {
        const peer = source === undefined ? '*' : canonical(source);
        out.push({ key: `${peer}|${scope}`, text: `requests from ${source === undefined ? 'any source' : canonical(source)}${ops}`, peer, scope });
        continue;
      }
      // Every combination of one value per field.
      const combinations = fields.reduce<(readonly [string, string])[][]>((acc, values) => acc.flatMap((c) => values.map((v) => [...c, v])), [[]]);
      for (const combination of combinations) {
        const conditions = combination.map(([f, v]) => `${f}=${v}`).sort();
        const peer = conditions.join('&');
        const principal = combination.find(([f]) => f === 'principals');
        const m = principal ? PRINCIPAL.exec(principal[1]) : null;
        const text = combination.map(([field, value]) => (field === 'principals' && m && value === principal![1] ? `${m[2]} (${m[1]})` : `${field.replace(/s$/, '')} ${value}`)).join(' and ');
        out.push({ key: `${peer}|${scope}`, text: `requests from ${text}${ops}`, peer, scope, conditions, ...(m ? { caller: { name: m[2]!, namespace: m[1]! } } : {}) });
      }
    }
  }
  return out;
}

/**
 * What the new grants add and the old ones lose. A grant already covered by
 * one for any port/operation, for anyone, or for a peer requiring a subset of
 * its pod labels is no widening; a lost grant still covered by a new one is no tightening.
 */
export function compareGrants(before: readonly Grant[], after: readonly Grant[]): { widened: Grant[]; tightened: Grant[] } {
  const wider = (o: Grant, g: Grant) =>
    !!o.pods && !!g.pods && o.pods.direction === g.pods.direction && o.pods.namespaces === g.pods.namespaces && Object.entries(o.pods.labels).every(([k, v]) => g.pods!.labels[k] === v);
  // A source with a subset of another's conditions admits every request the other does.
  const fewer = (o: Grant, g: Grant) => !!o.conditions && !!g.conditions && o.conditions.every((c) => g.conditions!.includes(c));
  const covered = (g: Grant, set: readonly Grant[]) =>
    set.some((o) => {
      const scoped = o.scope === '*' || o.scope === g.scope;
      return o.key === g.key || (o.peer === g.peer && o.scope === '*') || ((o.peer === '*' || o.peer.endsWith('|*')) && samePrefix(o, g) && scoped) || (wider(o, g) && scoped) || (fewer(o, g) && scoped);
    });
  return { widened: after.filter((g) => !covered(g, before)), tightened: before.filter((g) => !covered(g, after)) };
}

/** Both grants are of the same direction (NetworkPolicy) or both of an AuthorizationPolicy. */
function samePrefix(a: Grant, b: Grant): boolean {
  const dir = (g: Grant) => (/^(ingress|egress)\|/.exec(g.peer)?.[1] ?? '');
  return dir(a) === dir(b);
}
