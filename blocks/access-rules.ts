import {
  ACCESS_PARTS,
  MANAGED_KINDS,
  OPERATED_KINDS,
  POD_OPERATIONS,
  RBAC_KINDS,
  READ_VERBS,
  resourceOf,
  RUNTIME_RESOURCES,
  SECRET_KINDS,
  WRITE_VERBS,
  type AccessLevel,
  type AccessPart,
  type GroupResource,
} from '../catalogue/access';

/** A namespaced kind the environments render, with its API group. */
export interface RenderedKind {
  readonly group: string;
  readonly kind: string;
}

/** One rule of a Role or ClusterRole, as RBAC spells it. */
export interface PolicyRuleJson {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

/** Name of the ClusterRole of one level: `<platform>-<level>`. */
export const levelRoleName = (platform: string, level: AccessLevel) => `${platform}-${level}`;
/** Name of the ClusterRole of one part: `<platform>-access-<part>`. */
export const partRoleName = (platform: string, part: AccessPart) => `${platform}-access-${part}`;
/** The label that aggregates a part into a level's ClusterRole (one per platform and level, so two platforms on a cluster never mix). */
export const aggregationLabel = (platform: string, level: AccessLevel) => `access.platform.example.com/${platform}-${level}`;

const key = (r: GroupResource) => `${r.group}/${r.resource}`;

/** Rules granting `verbs` on `resources`, one rule per API group (groups and resources sorted). */
function rulesFor(resources: readonly GroupResource[], verbs: readonly string[]): PolicyRuleJson[] {
  const byGroup = new Map<string, Set<string>>();
  for (const r of resources) (byGroup.get(r.group) ?? byGroup.set(r.group, new Set()).get(r.group)!).add(r.resource);
  return [...byGroup.keys()].sort().map((group) => ({ apiGroups: [group], resources: [...byGroup.get(group)!].sort(), verbs: [...verbs] }));
}

const resourcesOf = (kinds: readonly RenderedKind[], keep: (kind: string) => boolean): GroupResource[] =>
  kinds.filter((k) => keep(k.kind)).map((k) => ({ group: k.group, resource: resourceOf(k.kind) }));

/**
 * The rules of one part (catalogue/access.ts), from the namespaced kinds the
 * environments render: a kind a chart starts rendering is readable, and — by
 * its class — changeable, with no second list to update.
 */
export function partRules(part: AccessPart, kinds: readonly RenderedKind[]): PolicyRuleJson[] {
  switch (part) {
    case 'read': {
      const rendered = resourcesOf(kinds, (k) => !SECRET_KINDS.has(k) && !RBAC_KINDS.has(k));
      const seen = new Set(rendered.map(key));
      return rulesFor([...rendered, ...RUNTIME_RESOURCES.filter((r) => !seen.has(key(r)))], READ_VERBS);
    }
    case 'read-rbac':
      return rulesFor([...RBAC_KINDS].map((k) => ({ group: 'rbac.authorization.k8s.io', resource: resourceOf(k) })), READ_VERBS);
    case 'operate': {
      const operated = resourcesOf(kinds, (k) => OPERATED_KINDS.has(k));
      const byVerbs = new Map<string, GroupResource[]>([[WRITE_VERBS.join(','), operated]]);
      for (const op of POD_OPERATIONS) (byVerbs.get(op.verbs.join(',')) ?? byVerbs.set(op.verbs.join(','), []).get(op.verbs.join(','))!).push(op.resource);
      return [...byVerbs].flatMap(([verbs, resources]) => rulesFor(resources, verbs.split(',')));
    }
    case 'secrets':
      return rulesFor([...SECRET_KINDS].map((k) => ({ group: '', resource: resourceOf(k) })), [...READ_VERBS, ...WRITE_VERBS]);
    case 'manage':
      return rulesFor(resourcesOf(kinds, (k) => MANAGED_KINDS.has(k)), WRITE_VERBS);
  }
}

/** The parts a level is made of. */
export const partsOf = (level: AccessLevel): AccessPart[] => (Object.keys(ACCESS_PARTS) as AccessPart[]).filter((p) => (ACCESS_PARTS[p] as readonly AccessLevel[]).includes(level));
