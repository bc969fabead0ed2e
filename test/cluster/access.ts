import { stableJson } from '../../blocks/hash';
import type { ControlPlane } from './control-plane';
import type { TreeObject } from './tree';
import { CLUSTER_PROBES, expectAllowed, expectedLevels, PROBES, probeName, type Level, type Probe } from '../helpers/access-contract';

/**
 * Step 3b of `npm run test:cluster`: who may do what, asked of the real API
 * server's RBAC authorizer with the platform's roles aggregated by the real
 * kube-controller-manager — for every team × namespace of the environment ×
 * probe of the contract (test/helpers/access-contract.ts), expected from the
 * spec's `teams:`.
 *
 * Each question is the one `kubectl auth can-i VERB RESOURCE --as=probe:<team>
 * --as-group=<group>` asks, posted as a SubjectAccessReview: the same attributes
 * to the same authorizer, and the groups an impersonated user gets (the one
 * named, then `system:authenticated`, which the API server's impersonation
 * filter appends). All of an environment's reviews go in one `kubectl create`
 * (630 for the reference): one kubectl per question took 44 s of a 93 s dev run.
 * What kubectl checks on its side before it asks — that the resource is served,
 * and namespaced when asked in a namespace — is checked here against discovery.
 * (kubectl also sends the resource's version, which no authorizer here reads.)
 * Every run asks kubectl itself one question per probe and compares its answer
 * and warnings with the review's, and proves the comparison can fail: the same
 * reviews without the team's group, and as a cluster admin, must each answer
 * otherwise somewhere (where kubectl allowed, and denied, anything).
 */
export interface AccessExpectation {
  readonly platform: string;
  /** The environment's namespaces, where its RoleBindings live. */
  readonly namespaces: readonly string[];
  readonly teams: readonly { readonly team: string; readonly groups: readonly string[]; readonly level: Level | undefined }[];
}

/** What the spec's `teams:` (as written) expects in one environment. */
export function accessExpectation(platform: string, teams: Record<string, { groups: string[]; access?: Record<string, string> }>, env: string, namespaces: readonly string[]): AccessExpectation {
  return { platform, namespaces, teams: expectedLevels(teams, [env]).map(({ team, groups, level }) => ({ team, groups, level })) };
}

/** The groups of a user impersonated with `--as-group=<group>`: that one, then system:authenticated (the impersonation filter adds it for any non-anonymous user). */
const impersonatedGroups = (group: string) => (group === 'system:authenticated' || group === 'system:unauthenticated' ? [group] : [group, 'system:authenticated']);

/** The SubjectAccessReview of one question: what `kubectl auth can-i` with `--as` and `--as-group` asks. */
function accessReview(p: Omit<Probe, 'allowed'>, user: string, group: string, namespace: string | undefined, groups = impersonatedGroups(group)): object {
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user,
      groups,
      // No empty fields (the core group is none): the API server echoes the spec without them, and the answer is matched by it.
      resourceAttributes: { verb: p.verb, ...(p.group ? { group: p.group } : {}), resource: p.resource, ...(p.subresource ? { subresource: p.subresource } : {}), ...(namespace ? { namespace } : {}) },
    },
  };
}

/** Runs `tasks` with at most `n` at a time. */
async function pool<T>(n: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]!();
      }
    }),
  );
  return out;
}

/** The question asked as a person would: `kubectl auth can-i … --as … --as-group …`; its answer and its warnings. */
async function canI(cp: ControlPlane, p: Omit<Probe, 'allowed'>, user: string, group: string, namespace: string | undefined): Promise<{ allowed: boolean; warnings: string[] }> {
  const args = ['auth', 'can-i', p.verb, p.group ? `${p.resource}.${p.group}` : p.resource, ...(p.subresource ? [`--subresource=${p.subresource}`] : []), ...(namespace ? ['-n', namespace] : ['--all-namespaces']), `--as=${user}`, `--as-group=${group}`];
  const r = await cp.kubectl(args);
  const answer = r.stdout.trim();
  if (answer !== 'yes' && answer !== 'no') throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return { allowed: answer === 'yes', warnings: r.stderr.split('\n').filter((l) => /^Warning:/.test(l)) };
}

/** The verbs `kubectl auth can-i` knows for a resource (k8s.io/kubectl pkg/cmd/auth/cani.go); it warns about any other. */
const RESOURCE_VERBS = new Set(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'use', 'bind', 'impersonate', '*', 'approve', 'sign', 'escalate', 'attest']);
/** Resources the API server authorizes but does not serve (impersonation's users and groups): kubectl does not warn about them. */
const NOT_DISCOVERABLE = new Set(['users', 'groups']);

/**
 * What kubectl warns about before it asks (cani.go): a resource discovery does not list (but users and groups), a
 * cluster-wide resource asked in a namespace, a verb it does not know. The old harness turned each warning into a problem.
 */
function discoveryWarnings(p: Omit<Probe, 'allowed'>, namespace: string | undefined, served: ReadonlySet<string>, namespaced: ReadonlySet<string>): string[] {
  const name = p.group ? `${p.resource}.${p.group}` : p.resource;
  const inGroup = p.group ? ` in group '${p.group}'` : '';
  const out: string[] = [];
  if (!served.has(name)) {
    if (!NOT_DISCOVERABLE.has(name)) out.push(`Warning: the server doesn't have a resource type '${p.resource}'${inGroup}`);
  } else if (namespace && !namespaced.has(name)) out.push(`Warning: resource '${p.resource}' is not namespace scoped${inGroup}`);
  if (!RESOURCE_VERBS.has(p.verb)) out.push(`Warning: verb '${p.verb}' is not a known verb`);
  return out;
}

/** Posts every review in one `kubectl create`; returns each one's `status.allowed`, in order. */
async function review(cp: ControlPlane, reviews: readonly object[]): Promise<boolean[]> {
  if (reviews.length === 0) return [];
  const r = await cp.kubectl(['create', '-f', '-', '-o', 'json'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: reviews }));
  if (r.code !== 0) throw new Error(`kubectl create of ${reviews.length} SubjectAccessReviews failed (exit ${r.code}): ${r.stderr.trim()}`);
  // One JSON document per object, one after another (a List when kubectl gathers them): each starts at the start of a line.
  const items = r.stdout
    .trim()
    .split(/\n(?=\{)/)
    .map((d) => JSON.parse(d) as { kind?: string; items?: any[] })
    .flatMap((d) => (d.kind === 'List' ? (d.items ?? []) : [d]));
  if (items.length !== reviews.length) throw new Error(`${reviews.length} SubjectAccessReviews posted, ${items.length} answered`);
  // Answered in the order posted: each answer's spec is its question's.
  return items.map((item, i) => {
    const asked = (reviews[i] as { spec: object }).spec;
    if (stableJson(item.spec) !== stableJson(asked)) throw new Error(`SubjectAccessReview ${i}: answered ${JSON.stringify(item.spec)} for ${JSON.stringify(asked)}`);
    return item.status?.allowed === true;
  });
}

/** Returns problems (empty: every answer as expected) and a one-line summary. */
export async function checkAccess(cp: ControlPlane, objects: readonly TreeObject[], exp: AccessExpectation): Promise<{ problems: string[]; summary: string }> {
  const problems: string[] = [];
  const roles = objects.map((t) => t.obj).filter((o) => o.kind === 'ClusterRole');
  // The level roles carry no rules of their own: the aggregation controller fills them from the parts.
  const levels = roles.filter((o) => o.aggregationRule);
  try {
    await cp.until('access roles aggregated', 60_000, async () => {
      const items = ((await cp.getJson(['get', 'clusterroles', '-l', `app.kubernetes.io/component=access`])).items as any[]).filter((o) => o.aggregationRule);
      return levels.length > 0 && levels.every((l) => (items.find((i) => i.metadata.name === l.metadata.name)?.rules ?? []).length > 0);
    });
  } catch (e) {
    problems.push(`access: ${(e as Error).message} (${levels.map((l) => l.metadata.name).join(', ') || 'no level roles in the tree'})`);
    return { problems, summary: 'roles not aggregated' };
  }
  // Every resource a role names is one the API server serves (a misspelt plural would silently grant nothing).
  const names = (text: string) => new Set(text.split('\n').map((l) => l.trim()).filter(Boolean));
  const served = names(await cp.must(['api-resources', '-o', 'name']));
  const namespaced = names(await cp.must(['api-resources', '--namespaced=true', '-o', 'name']));
  for (const role of roles.filter((o) => !o.aggregationRule)) {
    for (const rule of role.rules ?? []) {
      for (const res of rule.resources ?? []) {
        const base = String(res).split('/')[0]!;
        for (const g of rule.apiGroups ?? []) if (!served.has(g ? `${base}.${g}` : base)) problems.push(`access: ClusterRole ${role.metadata.name} grants ${res}${g ? `.${g}` : ''}, which the API server does not serve`);
      }
    }
  }
  const asks: { team: string; level: Level | undefined; ns: string | undefined; p: Omit<Probe, 'allowed'>; want: boolean; group: string }[] = [];
  for (const t of exp.teams) {
    for (const group of t.groups) {
      for (const ns of exp.namespaces) for (const p of PROBES) asks.push({ team: t.team, level: t.level, ns, p, want: expectAllowed(p, t.level), group });
      for (const p of CLUSTER_PROBES) asks.push({ team: t.team, level: t.level, ns: undefined, p, want: false, group });
    }
  }
  let answers: boolean[];
  try {
    answers = await review(cp, asks.map((a) => accessReview(a.p, `probe:${a.team}`, a.group, a.ns)));
  } catch (e) {
    problems.push(`access: harness: ${(e as Error).message}`);
    return { problems, summary: 'reviews not answered' };
  }
  const warned = new Set<string>();
  asks.forEach((a, i) => {
    const allowed = answers[i]!;
    const where = a.ns ? `in ${a.ns}` : 'cluster-wide';
    if (allowed !== a.want) problems.push(`access: ${a.team} (${a.level ?? 'no access'}, group ${a.group}) ${where}: ${probeName(a.p)} should be ${a.want ? 'allowed' : 'denied'}, is ${allowed ? 'allowed' : 'denied'}`);
    for (const warning of discoveryWarnings(a.p, a.ns, served, namespaced)) {
      if (warned.has(`${probeName(a.p)}: ${warning}`)) continue;
      warned.add(`${probeName(a.p)}: ${warning}`);
      problems.push(`access: ${probeName(a.p)}: ${warning}`);
    }
  });
  // The reviews are checked against kubectl on one question per probe (one a team may do, where one may: allowed and
  // denied answers both), answers and warnings; and the comparison must see a wrong question, or it proves nothing:
  // the same reviews without the team's group must deny something kubectl allows (where it allows anything), and the
  // same reviews as a cluster admin (system:masters) must allow something it denies (where it denies anything).
  const key = (a: (typeof asks)[number]) => `${probeName(a.p)}${a.ns ? '' : ' cluster-wide'}`;
  const pick = new Map<string, number>();
  asks.forEach((a, i) => {
    const at = pick.get(key(a));
    if (at === undefined || (!asks[at]!.want && a.want)) pick.set(key(a), i);
  });
  const picked = [...pick.values()];
  try {
    const byKubectl = await pool(6, picked.map((i) => () => canI(cp, asks[i]!.p, `probe:${asks[i]!.team}`, asks[i]!.group, asks[i]!.ns)));
    picked.forEach((i, k) => {
      const a = asks[i]!;
      const said = byKubectl[k]!;
      const where = a.ns ? `-n ${a.ns}` : '--all-namespaces';
      if (said.allowed !== answers[i]) problems.push(`access: harness: kubectl auth can-i ${probeName(a.p)} ${where} --as-group=${a.group} says ${said.allowed ? 'yes' : 'no'}, its SubjectAccessReview ${answers[i] ? 'allowed' : 'denied'}`);
      const ours = discoveryWarnings(a.p, a.ns, served, namespaced);
      if (JSON.stringify(said.warnings) !== JSON.stringify(ours)) problems.push(`access: harness: kubectl auth can-i ${probeName(a.p)} ${where} warns ${JSON.stringify(said.warnings)}, the harness ${JSON.stringify(ours)}`);
    });
    const twins: [string, string[], boolean][] = [
      ["without the team's group", ['system:authenticated'], true],
      ['as a cluster admin', ['system:masters', 'system:authenticated'], false],
    ];
    for (const [what, groups, allowedSomewhere] of twins) {
      if (!byKubectl.some((said) => said.allowed === allowedSomewhere)) continue; // nothing this twin could turn
      const wrong = await review(cp, picked.map((i) => accessReview(asks[i]!.p, `probe:${asks[i]!.team}`, asks[i]!.group, asks[i]!.ns, groups)));
      if (wrong.every((allowed, k) => allowed === byKubectl[k]!.allowed)) problems.push(`access: harness: the reviews ${what} answered as kubectl does: the comparison cannot see a wrong question`);
    }
  } catch (e) {
    problems.push(`access: harness: ${(e as Error).message}`);
  }
  return { problems, summary: `${asks.length} SubjectAccessReviews, as kubectl auth can-i asks them, ${picked.length} also asked with kubectl (${exp.teams.length} teams × ${exp.namespaces.length} namespaces × ${PROBES.length} probes + ${CLUSTER_PROBES.length} cluster-wide), ${asks.length - problems.filter((p) => / should be /.test(p)).length} as expected` };
}
