import { ApiObject, JsonPatch } from 'cdk8s';
import type { Construct } from 'constructs';
import { PlatformChart } from '../charts/platform-chart';
import { SpecError } from '../platform/loader';
import type { PlatformModel, PatchModel } from '../platform/model';
import { suggestion } from '../platform/problems';
import { ANNOTATION } from '../blocks/meta';

/** The annotation that tells a reviewer which patches of the spec changed an object. */
export const PATCHED_ANNOTATION = ANNOTATION.patchedBy;

type Op = { op: string; path: string; value?: unknown; from?: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const pointer = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');
/** The merge patch without its nulls (what RFC 7386 adds where the target has nothing). */
const withoutNulls = (v: unknown): unknown => (isObject(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)])) : v);

/** RFC 7386 as RFC 6902 operations against the object as it is rendered. */
export function mergePatchOps(target: unknown, patch: Record<string, unknown>, base = ''): Op[] {
  const ops: Op[] = [];
  const t = isObject(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    const path = `${base}/${pointer(k)}`;
    if (v === null) {
      if (k in t) ops.push({ op: 'remove', path });
    } else if (isObject(v) && isObject(t[k])) ops.push(...mergePatchOps(t[k], v, path));
    else ops.push({ op: k in t ? 'replace' : 'add', path, value: withoutNulls(v) });
  }
  return ops;
}

function toCdk8s(o: Op): JsonPatch {
  switch (o.op) {
    case 'add':
      return JsonPatch.add(o.path, o.value);
    case 'remove':
      return JsonPatch.remove(o.path);
    case 'replace':
      return JsonPatch.replace(o.path, o.value);
    case 'move':
      return JsonPatch.move(o.from!, o.path);
    case 'copy':
      return JsonPatch.copy(o.from!, o.path);
    default:
      return JsonPatch.test(o.path, o.value);
  }
}

/**
 * Applies the spec's `patches` to the objects of every environment's charts under `scope` (before the
 * policy gate runs, which then sees the patched objects). Each patched object is annotated with the
 * patches that changed it. Throws SpecError listing every patch that matches nothing or does not apply.
 */
export function applyPatches(scope: Construct, model: Pick<PlatformModel, 'patches'>): void {
  const problems = patchObjects(scope, model);
  if (problems.length) throw new SpecError('patches', problems.map((p) => p.message));
}

/** A patch that does not apply to an environment: which patch (its `where`), where, and why. */
export interface PatchProblem {
  readonly where: string;
  readonly environment: string;
  readonly message: string;
}

/**
 * `applyPatches` without the throw: applies every patch that applies (annotating what it changed, only
 * when all did) and returns the problems of the others, patch by patch, environment by environment in
 * the order each patch names them.
 */
export function patchObjects(scope: Construct, model: Pick<PlatformModel, 'patches'>): PatchProblem[] {
  if (model.patches.length === 0) return [];
  const charts = scope.node.children.filter((c): c is PlatformChart => PlatformChart.isPlatformChart(c));
  const problems: PatchProblem[] = [];
  const patchedBy = new Map<ApiObject, string[]>();
  for (const patch of model.patches) {
    for (const env of patch.environments) {
      const problem = (message: string) => problems.push({ where: patch.where, environment: env, message });
      const objects = charts.filter((c) => c.file.startsWith(`${env}/`)).flatMap((c) => c.node.findAll().filter((n): n is ApiObject => n instanceof ApiObject));
      const matches = objects.filter((o) => matchesTarget(o, patch.target));
      if (matches.length === 0) {
        const sameKind = [...new Set(objects.filter((o) => o.kind === patch.target.kind).map((o) => o.name))];
        problem(`${patch.where}: matches no object in ${env} (kind ${patch.target.kind}, name ${patch.target.name}${patch.target.namespace ? `, namespace ${patch.target.namespace}` : ''})${suggestion(patch.target.name, sameKind)}`);
        continue;
      }
      for (const obj of matches) {
        const current = obj.toJson();
        const ops = patch.merge ? mergePatchOps(current, patch.merge as Record<string, unknown>) : [...(patch.ops ?? [])];
        const failed = firstFailure(current, ops);
        if (failed) {
          problem(`${patch.where}: does not apply to ${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.name} in ${env}: ${failed}`);
          continue;
        }
        obj.addJsonPatch(...ops.map(toCdk8s));
        // cdk8s's typed objects serialise only the fields of their API, after the patches: a misspelt
        // field would vanish without a word. What the patch wrote must be in the rendered object.
        const dropped = droppedPaths(ops.reduce((doc, o) => JsonPatch.apply(doc, toCdk8s(o)), structuredClone(current) as unknown), obj.toJson());
        for (const d of dropped) {
          problem(`${patch.where}: ${d.path} is not a field of ${obj.apiVersion} ${obj.kind} (rendering drops it)${suggestion(d.key, d.siblings)}`);
        }
        patchedBy.set(obj, [...(patchedBy.get(obj) ?? []), describe(patch)]);
      }
    }
  }
  if (problems.length) return problems;
  // Added after the patches (as one more operation), so a patch cannot drop it.
  for (const [obj, names] of patchedBy) {
    const annotations = (obj.toJson() as { metadata?: { annotations?: unknown } }).metadata?.annotations;
    if (annotations === undefined) obj.addJsonPatch(JsonPatch.add('/metadata/annotations', {}));
    obj.addJsonPatch(JsonPatch.add(`/metadata/annotations/${pointer(PATCHED_ANNOTATION)}`, names.join('; ')));
  }
  return [];
}

/** Keys `expected` has where `actual` has none, as JSON pointers, with the keys `actual` has there (for did-you-mean). */
function droppedPaths(expected: unknown, actual: unknown, base = ''): { path: string; key: string; siblings: string[] }[] {
  if (Array.isArray(expected) && Array.isArray(actual)) return expected.flatMap((v, i) => droppedPaths(v, actual[i], `${base}/${i}`));
  if (typeof expected !== 'object' || expected === null || typeof actual !== 'object' || actual === null || Array.isArray(expected) || Array.isArray(actual)) return [];
  const a = actual as Record<string, unknown>;
  return Object.entries(expected as Record<string, unknown>).flatMap(([k, v]) =>
    Object.hasOwn(a, k) ? droppedPaths(v, a[k], `${base}/${pointer(k)}`) : [{ path: `${base}/${pointer(k)}`, key: k, siblings: Object.keys(a) }],
  );
}

function matchesTarget(o: ApiObject, t: PatchModel['target']): boolean {
  return o.kind === t.kind && o.name === t.name && (t.namespace === undefined || o.metadata.namespace === t.namespace) && (t.apiVersion === undefined || o.apiVersion === t.apiVersion);
}

const describe = (p: PatchModel) => `${p.where.replace(/ \(line.*$/, '')}${p.reason ? `: ${p.reason}` : ''}`;

/** What a patch may not change: which object it is (the AppProject and the gate's scopes are derived from these). */
const IDENTITY_PATHS = ['/kind', '/apiVersion', '/metadata/name', '/metadata/namespace'];
/** The path is one of them, inside one, or holds one (`/metadata`, the whole object ``). */
const touchesIdentity = (path: string | undefined) => path !== undefined && IDENTITY_PATHS.some((p) => path === p || path.startsWith(`${p}/`) || p.startsWith(`${path}/`));

/** Whether a JSON pointer names something in `doc` (`parentOnly`: whether its parent does, where `add` writes). */
function exists(doc: unknown, path: string, parentOnly = false): boolean {
  const keys = path.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  let cur: any = doc;
  for (const [i, k] of keys.entries()) {
    if (parentOnly && i === keys.length - 1) return typeof cur === 'object' && cur !== null && (!Array.isArray(cur) || k === '-' || /^\d+$/.test(k));
    if (typeof cur !== 'object' || cur === null || !Object.hasOwn(cur, k)) return false;
    cur = cur[k];
  }
  return true;
}

/**
 * The first operation that does not apply, in words; undefined when all do. RFC 6902 is strict where
 * the library that applies patches is lenient (a `remove` of nothing is silently ignored there): a
 * patch whose path names nothing is a mistake in the spec, so it is refused here.
 */
function firstFailure(doc: unknown, ops: readonly Op[]): string | undefined {
  let cur: unknown = structuredClone(doc);
  for (const [i, o] of ops.entries()) {
    const at = `operation ${i} (${o.op} ${o.path})`;
    if (o.op !== 'test' && (touchesIdentity(o.path) || (o.op === 'move' && touchesIdentity(o.from)))) return `${at}: a patch may not change an object's kind, apiVersion, name or namespace (render another object instead)`;
    if (o.op === 'add' ? !exists(cur, o.path, true) : !exists(cur, o.path, false)) return `${at}: ${o.op === 'add' ? 'its parent' : 'the path'} does not exist in the rendered object`;
    if ((o.op === 'move' || o.op === 'copy') && !exists(cur, o.from!)) return `${at}: from ${o.from} does not exist in the rendered object`;
    try {
      cur = JsonPatch.apply(cur, toCdk8s(o));
    } catch (e) {
      return `${at}: ${o.op === 'test' ? 'the value differs' : (e as Error).message.split('\n')[0]}`;
    }
  }
  return undefined;
}
