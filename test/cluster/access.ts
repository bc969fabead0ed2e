import type { ControlPlane } from './control-plane';
import type { TreeObject } from './tree';
import { CLUSTER_PROBES, expectAllowed, expectedLevels, PROBES, probeName, type Level, type Probe } from '../helpers/access-contract';

/**
 * Step 3b of `npm run test:cluster`: who may do what, asked of the real API
 * server's RBAC authorizer with the platform's roles aggregated by the real
 * kube-controller-manager — `kubectl auth can-i --as-group` for every team ×
 * namespace of the environment × probe of the contract
 * (test/helpers/access-contract.ts), expected from the spec's `teams:`.
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

async function canI(cp: ControlPlane, p: Omit<Probe, 'allowed'>, user: string, group: string, namespace: string | undefined): Promise<{ allowed: boolean; warning?: string }> {
  const args = ['auth', 'can-i', p.verb, p.group ? `${p.resource}.${p.group}` : p.resource, ...(p.subresource ? [`--subresource=${p.subresource}`] : []), ...(namespace ? ['-n', namespace] : ['--all-namespaces']), `--as=${user}`, `--as-group=${group}`];
  const r = await cp.kubectl(args);
  const answer = r.stdout.trim();
  if (answer !== 'yes' && answer !== 'no') throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`);
  const warning = r.stderr.split('\n').find((l) => /^Warning:/.test(l));
  return { allowed: answer === 'yes', ...(warning ? { warning } : {}) };
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
  const served = new Set((await cp.must(['api-resources', '-o', 'name'])).split('\n').map((l) => l.trim()).filter(Boolean));
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
  const answers = await pool(
    6,
    asks.map((a) => () => canI(cp, a.p, `probe:${a.team}`, a.group, a.ns).catch((e: Error) => ({ allowed: !a.want, warning: `harness: ${e.message}` }))),
  );
  asks.forEach((a, i) => {
    const got = answers[i]!;
    const where = a.ns ? `in ${a.ns}` : 'cluster-wide';
    if (got.allowed !== a.want) problems.push(`access: ${a.team} (${a.level ?? 'no access'}, group ${a.group}) ${where}: ${probeName(a.p)} should be ${a.want ? 'allowed' : 'denied'}, is ${got.allowed ? 'allowed' : 'denied'}`);
    if (got.warning) problems.push(`access: ${probeName(a.p)}: ${got.warning}`);
  });
  return { problems, summary: `${asks.length} kubectl auth can-i (${exp.teams.length} teams × ${exp.namespaces.length} namespaces × ${PROBES.length} probes + ${CLUSTER_PROBES.length} cluster-wide), ${asks.length - problems.filter((p) => / should be /.test(p)).length} as expected` };
}
