import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runDiff } from '../../diff/command';
import type { NodeLayout } from './prerequisites';
import type { Ports } from './control-plane';
import { afterSync, bootCluster, syncTree } from './sync';
import { editObject, loadTree, ref, refOf, type TreeObject } from './tree';

/**
 * Step 4 of `npm run test:cluster`: an upgrade. The environment's tree at the
 * base (the previous commit's dist/, or `--base REF`) is synced to a fresh
 * control plane, then the current tree. Every changed object is first applied
 * as a server-side dry run: the set the API server refuses (immutable fields)
 * must be exactly the set `npm run diff` flags REPLACE. The rest is then
 * synced, what only the base had is pruned (except `Prune=false`), and it
 * must settle like a fresh install.
 */
export interface UpgradeResult {
  readonly problems: string[];
  /** kind/namespace/name of every object the diff reports changed. */
  readonly changed: string[];
  /** Refused by the API server, with its message. */
  readonly refused: Map<string, string>;
  /** Flagged REPLACE by `npm run diff`, with the reason. */
  readonly flagged: Map<string, string>;
  /** Objects only the base had, deleted as Argo CD's prune would. */
  readonly pruned: string[];
  readonly seconds: number;
}


/** The default base: the commit before the last one that changed dist/ (so the upgrade is never from an identical tree). */
export function defaultBase(repo: string): string {
  const last = execFileSync('git', ['-C', repo, 'log', '-1', '--format=%H', '--', 'dist'], { encoding: 'utf8' }).trim();
  if (!last) throw new Error('no commit changed dist/ (a clone with history is needed; pass --base REF)');
  return `${last}~1`;
}

/** `dist/` as committed at `ref`, extracted under `dest` (dest/<env>/…). */
export function distAt(ref: string, dest: string, repo: string): void {
  mkdirSync(dest, { recursive: true });
  let tar: Buffer;
  try {
    tar = execFileSync('git', ['-C', repo, 'archive', '--format=tar', ref, 'dist'], { maxBuffer: 256 << 20 });
  } catch (e) {
    throw new Error(`cannot read dist/ at '${ref}' (a clone with history is needed; pass --base REF): ${(e as Error).message.split('\n')[0]}`);
  }
  execFileSync('tar', ['-x', '--strip-components=1', '-C', dest], { input: tar });
}

export async function upgradeCheck(name: string, env: string, baseRoot: string, headRoot: string, layout: NodeLayout, work: string, ports?: Ports): Promise<UpgradeResult> {
  const t0 = Date.now();
  const problems: string[] = [];
  const base = loadTree(join(baseRoot, env));
  const head = loadTree(join(headRoot, env));
  // The access roles' own Application (dist/access/) syncs before the environment, in both releases.
  const accessOf = (root: string) => (existsSync(join(root, 'access')) ? loadTree(join(root, 'access')) : []);
  const changed: string[] = [];
  const refused = new Map<string, string>();
  const flagged = new Map<string, string>();
  const pruned: string[] = [];
  const c = await bootCluster(name, layout, [...base, ...head], work, problems, ports);
  try {
    if (accessOf(baseRoot).length) await syncTree(c, accessOf(baseRoot), problems, { label: 'base access', providedSecrets: false });
    const b = await syncTree(c, base, problems, { label: 'base' });
    if (!b.synced || problems.length) {
      problems.unshift('the base tree did not sync; the upgrade was not tried');
      return { problems, changed, refused, flagged, pruned, seconds: (Date.now() - t0) / 1000 };
    }
    let out = '';
    const code = runDiff(['--base-dir', baseRoot, '--head-dir', headRoot, '--env', env, '--format', 'json'], { out: (t) => (out += t), err: (t) => problems.push(`npm run diff: ${t.trim()}`) });
    if (code !== 0) problems.push(`npm run diff exited ${code}`);
    const diff = JSON.parse(out || '{"objects":[]}') as { objects: { kind: string; namespace?: string; name: string; status: string; flags: { flag: string; reason: string }[] }[] };
    const headById = new Map(head.map((t) => [ref(t.obj), t]));
    for (const o of diff.objects) {
      const key = refOf(o.kind, o.namespace, o.name);
      const replace = o.flags.find((f) => f.flag === 'REPLACE');
      if (replace) flagged.set(key, replace.reason);
      if (o.status !== 'changed') continue;
      changed.push(key);
      const t = headById.get(key);
      // A hook is replaced (BeforeHookCreation), never updated in place.
      if (!t || t.hook) continue;
      const r = await c.cp.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=argocd-controller', '--validate=strict', '--dry-run=server', '-f', '-'], JSON.stringify(t.obj));
      if (r.code !== 0) refused.set(key, r.stderr.trim().split('\n').filter((l) => !/^Warning:/.test(l)).join(' '));
    }
    for (const [k, why] of refused) if (!flagged.has(k)) problems.push(`${k}: the API server refuses the update but npm run diff does not flag it REPLACE: ${why}`);
    for (const [k, why] of flagged) if (changed.includes(k) && !refused.has(k)) problems.push(`${k}: npm run diff flags REPLACE (${why}) but the API server accepts the update`);
    // What Argo CD can apply: everything but the refused objects (an operator replaces those by hand).
    const applicable: TreeObject[] = head.filter((t) => !refused.has(ref(t.obj)));
    if (accessOf(headRoot).length) await syncTree(c, accessOf(headRoot), problems, { label: 'upgrade access', providedSecrets: false });
    const h = await syncTree(c, applicable, problems, { label: 'upgrade' });
    // Prune (the Applications prune, PruneLast): what only the base had goes, except what says Prune=false.
    if (h.synced) {
      for (const t of base.filter((b) => !b.hook && !headById.has(ref(b.obj)))) {
        if (/Prune=false/.test(t.obj.metadata.annotations?.['argocd.argoproj.io/sync-options'] ?? '')) continue;
        const r = await c.cp.kubectl(['delete', t.obj.kind, ...(t.obj.metadata.namespace ? ['-n', t.obj.metadata.namespace] : []), t.obj.metadata.name, '--ignore-not-found', '--wait=true']);
        if (r.code !== 0) problems.push(`prune ${ref(t.obj)}: ${r.stderr.trim()}`);
        else pruned.push(ref(t.obj));
      }
    }
    await afterSync(c, applicable, h.synced, problems, 'after upgrade');
  } finally {
    await c.stop();
  }
  return { problems, changed, refused, flagged, pruned, seconds: Math.round((Date.now() - t0) / 100) / 10 };
}

/**
 * The upgrade check's bad twin: from `sourceRoot/<env>` (as base), a head with
 * an image bump of `deployment` (accepted, not flagged) and a larger claim
 * template for `statefulSet` (refused, flagged). Writes base and head roots.
 */
export function plantUpgrade(sourceRoot: string, env: string, dest: string, deployment: string, statefulSet: string): { baseRoot: string; headRoot: string } {
  const baseRoot = join(dest, 'base');
  const headRoot = join(dest, 'head');
  cpSync(join(sourceRoot, env), join(baseRoot, env), { recursive: true });
  cpSync(join(sourceRoot, env), join(headRoot, env), { recursive: true });
  const edit = (kind: string, name: string, change: (o: any) => void) => editObject(join(headRoot, env), kind, name, change);
  edit('Deployment', deployment, (d) => {
    const c = d.spec.template.spec.containers[0];
    c.image = c.image.replace(/:([^:@/]+)$/, (_: string, tag: string) => `:${tag}-next`);
  });
  edit('StatefulSet', statefulSet, (s) => {
    const claim = s.spec.volumeClaimTemplates[0];
    claim.spec.resources.requests.storage = claim.spec.resources.requests.storage.replace(/^(\d+)/, (n: string) => String(Number(n) * 2));
  });
  return { baseRoot, headRoot };
}
