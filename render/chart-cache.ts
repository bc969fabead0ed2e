import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApiObject, type App } from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';
import { withGroupBuilder } from '../blocks/object-group';
import type { KubeObject, RenderedChart } from '../blocks/kube-object';
import type { ChartUnit } from '../charts';
import { PlatformChart } from '../charts/platform-chart';
import type { PatchModel } from '../platform/model';
import { PATCHED_ANNOTATION } from './patches';
import { decodePrimitive, encodePrimitive, firstDifference, replayNodes, replayReads, traceReads, untracked, type ReadTrace, type Recording } from './read-trace';
import { addRestoredObjects, RestoredChart } from './restored-chart';

/** One object as it was rendered: its JSON and its YAML document. */
interface StoredObject {
  readonly o: KubeObject;
  readonly y: string;
}

/** An `objectGroup` of a chart: what its input was made of, what it read, its objects. */
interface StoredGroup {
  /** Its scope's construct path and its id. */
  readonly g: string;
  /** Each field of its input: a node of the chart's trace (['n', id]) or a primitive (['p', encoded]). */
  readonly input: Readonly<Record<string, readonly ['n' | 'p', number | string]>>;
  readonly trace: ReadTrace;
  readonly items: readonly StoredObject[];
  /** Its items as they were read from the entry's file (written back as they are when the group is put back). */
  readonly raw?: string;
}

type Item = StoredObject | StoredGroup;
const isGroup = (i: Item): i is StoredGroup => 'g' in i;

/** What the cache keeps of one part of an environment (a ChartUnit). */
interface Entry {
  /** The code that rendered it (`ChartCacheOptions.version`). */
  readonly version: string;
  /** The patches of its environment (a patch applies to objects, after the charts are built). */
  readonly patches: string;
  /** Everything its charts read of the model while they were built and rendered, but for their groups' reads. */
  readonly trace: ReadTrace;
  /** Its charts, each with its objects in order (those of a group together). */
  readonly charts: readonly { readonly id: string; readonly file: string; readonly items: readonly Item[] }[];
}

export interface ChartCacheOptions {
  /** Directory of this spec's entries (one JSON file per part of an environment). */
  readonly dir: string;
  /**
   * The version of the code that renders: an entry of another version is never used. The CLI passes the
   * hash of the bundle it runs (scripts/run.cjs), so any change to the code, a dependency or the rule
   * pack's code renders everything again.
   */
  readonly version: string;
}

/** How many parts were put back from the cache, and how many were built (with why some could not be kept). */
export interface ChartCacheStats {
  restored: number;
  rendered: number;
  /** Parts that read something the trace cannot follow (kept never), by unit id. */
  readonly untrackable: Map<string, string>;
  /** Parts built again although an entry was kept, by unit id: what changed (`env.services[3].image`, `patches`). */
  readonly changed: Map<string, string>;
  /** Why an entry could not be written (the first such error), if one could not. */
  writeError?: string;
  /** Of the groups (`objectGroup`) of the charts that were built: how many were put back, how many built. */
  readonly groups: { restored: number; built: number };
}

/**
 * Per-chart cache of a render (issue 14, "Incremental"): each part of an environment (a ChartUnit: a
 * service's chart, a store's charts, the mesh chart, …) is kept with its rendered objects, their YAML
 * and the trace of everything it read of the model (render/read-trace.ts). The next render puts a part
 * back without building it when the entry is valid:
 *  - the same code (`version`: the bundle's hash, so any code, dependency or rule change invalidates
 *    every entry),
 *  - the same patches in its environment,
 *  - and every read of the trace gives the same on the new model.
 * A part built again puts back each of its groups (`objectGroup`: one service's objects in the mesh,
 * monitoring and dashboards charts) whose own reads give the same, so a one-service change builds that
 * service's chart and its groups, not every service's. Parts that read more than their input (the
 * environment's quotas read every workload of the App) are always built; they see restored objects as
 * they saw built ones. Entries are never trusted without their trace, so a stale or foreign entry
 * (another synth, another spec) is only a miss; an unreadable or damaged one too. Restored objects skip
 * only the one-object rules they passed under the same code; the cross-object rules see every object.
 */
export class ChartCache {
  readonly stats: ChartCacheStats = { restored: 0, rendered: 0, untrackable: new Map(), changed: new Map(), groups: { restored: 0, built: 0 } };
  private readonly used = new Set<string>();
  private written = 0;

  constructor(private readonly opts: ChartCacheOptions) {}

  /** A cache pass over one environment's App (one per environment pass). */
  environment(patches: readonly PatchModel[]): EnvironmentCache {
    return new EnvironmentCache(this, createHash('sha256').update(JSON.stringify(patches)).digest('hex'));
  }

  /**
   * @internal An entry's file is one line of JSON for the entry, with each group's items in a line of
   * their own after it (its `line`), parsed when they are used and written back unparsed when the
   * group was put back: a chart built again for one service rewrites its other services' lines as read.
   */
  read(id: string): Entry | undefined {
    this.used.add(id);
    try {
      const [head, ...lines] = readFileSync(this.file(id), 'utf8').split('\n');
      const e = JSON.parse(head!) as Entry;
      if (e.version !== this.opts.version || !wellFormed(e)) return undefined;
      for (const c of e.charts)
        for (const i of c.items)
          if (isGroup(i)) {
            const raw = lines[(i as unknown as { line: number }).line];
            if (raw === undefined) return undefined;
            let parsed: StoredObject[] | undefined;
            // Parsed on first use; a damaged line throws there, and the caller builds the part instead.
            Object.defineProperties(i, { raw: { value: raw }, items: { get: () => (parsed ??= storedObjects(JSON.parse(raw))) } });
          }
      return e;
    } catch {
      return undefined; // none yet, or unreadable: built again
    }
  }

  /** @internal Written beside and renamed into place: a reader sees a whole entry or none. */
  write(id: string, entry: Entry): void {
    const tmp = `${this.file(id)}.${process.pid}-${this.written++}.tmp`;
    // The cache is an optimisation: a folder it cannot write to (read-only, full) is reported, never a failed synth.
    const failed = (e: Error) => {
      this.stats.writeError ??= e.message;
      try {
        rmSync(tmp, { force: true });
      } catch {
        // nothing was written there
      }
    };
    try {
      const lines: string[] = [];
      const head = {
        ...entry,
        charts: entry.charts.map((c) => ({
          ...c,
          items: c.items.map((i) => (isGroup(i) ? { g: i.g, input: i.input, trace: i.trace, line: lines.push(i.raw ?? JSON.stringify(i.items)) - 1 } : i)),
        })),
      };
      mkdirSync(this.opts.dir, { recursive: true });
      writeFileSync(tmp, [JSON.stringify(head), ...lines].join('\n'));
      renameSync(tmp, this.file(id));
    } catch (e) {
      failed(e as Error);
    }
  }

  /**
   * After a render that passed: removes the entries of parts it did not have (a service removed, an
   * environment renamed), marks this folder used, and keeps only the `keepFolders` folders used last
   * beside it (the CLI keeps one folder per spec: test runs and spec moves leave others behind).
   */
  prune(keepFolders = 8): void {
    try {
      this.pruneFolders(keepFolders);
    } catch (e) {
      this.stats.writeError ??= (e as Error).message;
    }
  }

  private pruneFolders(keepFolders: number): void {
    let names: string[];
    try {
      names = readdirSync(this.opts.dir);
    } catch {
      return;
    }
    // Only whole entries of parts this render did not have: a temporary file may be another synth's, or one of ours still being written.
    for (const n of names) if (n.endsWith('.json') && !this.used.has(n.slice(0, -'.json'.length))) rmSync(join(this.opts.dir, n), { force: true });
    // A temporary file an hour old is a killed synth's.
    const stale = Date.now() - 3600_000;
    for (const n of names) if (n.endsWith('.tmp') && (statSync(join(this.opts.dir, n), { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < stale) rmSync(join(this.opts.dir, n), { force: true });
    const now = new Date();
    utimesSync(this.opts.dir, now, now);
    const parent = dirname(this.opts.dir);
    const folders = readdirSync(parent, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => {
        try {
          return { path: join(parent, d.name), used: statSync(join(parent, d.name)).mtimeMs };
        } catch {
          return undefined; // removed meanwhile by another synth
        }
      })
      .filter((f) => f !== undefined)
      .sort((a, b) => b.used - a.used);
    for (const f of folders.slice(keepFolders)) rmSync(f.path, { recursive: true, force: true });
  }

  /** @internal */
  readonly version = () => this.opts.version;

  private file(id: string): string {
    return join(this.opts.dir, `${id}.json`);
  }
}

/** One environment's use of the cache: restores or builds each part, then keeps what was built. */
export class EnvironmentCache {
  private readonly built: {
    unit: ChartUnit;
    recording: Recording<object>;
    charts: PlatformChart[];
    groups: Map<IConstruct, BuiltGroup>;
    /** Groups that read the model outside their input while they were built. */
    outside: string[];
  }[] = [];
  /** The YAML document of each restored object (by the JSON it renders to). */
  private readonly yaml = new WeakMap<object, string>();

  constructor(
    private readonly cache: ChartCache,
    private readonly patches: string,
  ) {}

  /** Adds `unit`'s charts to `app`: restored when its entry is valid, else built (with its reads traced, and its unchanged groups restored). */
  add(app: App, unit: ChartUnit): void {
    if (!unit.cacheable) {
      unit.add(app, unit.input);
      this.cache.stats.rendered++;
      return;
    }
    const entry = this.cache.read(unit.id);
    // An entry that does not replay as it reads (damaged by hand: well-formed, inconsistent) is built again.
    let changed: string | undefined = !entry ? 'no entry' : entry.patches !== this.patches ? 'patches' : undefined;
    if (entry && !changed) {
      try {
        changed = whatChanged(entry, unit.input);
      } catch {
        changed = 'a damaged entry';
      }
    }
    // Every object read before any is put back: a damaged group builds the part instead.
    const restored = entry && changed === undefined ? attempt(() => entry.charts.map((c) => ({ c, objects: c.items.flatMap((i) => (isGroup(i) ? i.items : [i])) }))) : undefined;
    if (restored) {
      for (const { c, objects } of restored) {
        for (const x of objects) this.yaml.set(x.o, x.y);
        new RestoredChart(app, c.id, { file: c.file, objects: objects.map((x) => x.o) });
      }
      this.cache.stats.restored++;
      return;
    }
    if (entry) this.cache.stats.changed.set(unit.id, changed ?? 'a damaged entry');
    const stored = new Map(entry && entry.patches === this.patches ? entry.charts.flatMap((c) => c.items.filter(isGroup).map((g) => [g.g, g] as const)) : []);
    const before = app.node.children.length;
    const recording = traceReads(unit.input);
    // Each group between two leaf constructs it adds to its scope (a construct level of its own for every
    // service's objects cost a fifth more time and a quarter more memory at 1000 services): by its start.
    const groups = new Map<IConstruct, BuiltGroup>();
    const outside: string[] = [];
    withGroupBuilder(
      (scope, id, input, build) => {
        // What the group's input is made of, so that a later render can replay its trace without building the chart.
        const fields = Object.entries(input).map(([k, v]): [string, ['n' | 'p', number | string] | undefined] => {
          const node = recording.nodeOf(v);
          if (node !== undefined) return [k, ['n', node]];
          const prim = encodePrimitive(v);
          return [k, prim !== undefined ? ['p', prim] : undefined];
        });
        if (fields.some(([, f]) => f === undefined)) {
          // Made of values of its own: built in place, its reads the chart's (its objects items of the chart).
          build(scope, input);
          return;
        }
        const start = new Construct(scope, `${id}~group`);
        // The group's trace is taken when the part is kept, after its objects rendered (a Lazy reads then).
        const added = (info: Omit<StoredGroup, 'items'>) => groups.set(start, { info, end: new Construct(scope, `${id}~end`) });
        const g = `${scope.node.path}/${id}`;
        const raw = Object.fromEntries(Object.entries(input).map(([k, v]) => [k, untracked(v)]));
        const spec = Object.fromEntries(fields) as StoredGroup['input'];
        const kept = stored.get(g);
        // Its primitive fields as given now (values the chart computed), then its own reads.
        const sameFields = kept !== undefined && JSON.stringify(Object.entries(spec).filter(([, [kind]]) => kind === 'p')) === JSON.stringify(Object.entries(kept.input).filter(([, [kind]]) => kind === 'p'));
        const keptItems = kept && sameFields && replayReads(kept.trace, raw) ? attempt(() => kept.items) : undefined;
        if (kept && keptItems) {
          for (const x of keptItems) this.yaml.set(x.o, x.y);
          addRestoredObjects(scope, keptItems.map((x) => x.o), `${id}~`);
          added({ g, input: spec, trace: kept.trace, raw: kept.raw });
          this.cache.stats.groups.restored++;
          return;
        }
        const own = traceReads(raw);
        const before = recording.accesses();
        build(scope, own.input);
        // A group must read the model through its input: one that read the chart's (a captured variable) is
        // not the group's alone, and the part is never kept (test/render/chart-cache.test.ts sees it).
        if (recording.accesses() !== before) outside.push(id);
        added({ g, input: spec, get trace() { return own.trace(); } });
        this.cache.stats.groups.built++;
      },
      () => unit.add(app, recording.input),
    );
    const charts = app.node.children.slice(before).filter(PlatformChart.isPlatformChart);
    this.built.push({ unit, recording, charts, groups, outside });
    this.cache.stats.rendered++;
  }

  /** The YAML document of an object restored from the cache (undefined for one built). */
  restoredYaml(json: KubeObject): string | undefined {
    return this.yaml.get(json);
  }

  /**
   * Keeps every part built in this environment, once its pass has passed: its objects as the gate
   * rendered them (`charts`) and their YAML documents (`documents`, by file, in the same order). A part a
   * patch changed, or whose reads the trace could not follow, is not kept.
   */
  keep(charts: readonly RenderedChart[], documents: (file: string) => readonly string[]): void {
    const byFile = new Map(charts.map((c) => [c.file, c]));
    for (const b of this.built) {
      const traces = [b.recording.trace(), ...[...b.groups.values()].map((g) => g.info.trace)];
      const untrackable = traces.find((t) => t.untrackable)?.untrackable ?? (b.outside.length ? `group ${b.outside[0]} read the model outside its input` : undefined);
      if (untrackable) {
        this.cache.stats.untrackable.set(b.unit.id, untrackable);
        continue;
      }
      const kept = b.charts.map((c) => ({ id: c.node.id, file: c.file, items: items(c, byFile.get(c.file)!.objects, documents(c.file), b.groups) }));
      if (kept.some((c) => c.items === undefined)) continue;
      const objects = kept.flatMap((c) => c.items!.flatMap((i) => (isGroup(i) ? i.items : [i])));
      if (objects.some((x) => x.o.metadata.annotations?.[PATCHED_ANNOTATION] !== undefined)) continue;
      this.cache.write(b.unit.id, { version: this.cache.version(), patches: this.patches, trace: traces[0]!, charts: kept as Entry['charts'] });
    }
  }
}

/** Why `entry` does not hold for `input` (the first read that differs, its group's path first), or undefined when it does. */
function whatChanged(entry: Entry, input: object): string | undefined {
  const nodes = replayNodes(entry.trace, input);
  if (!nodes) return firstDifference(entry.trace, input) ?? 'its reads';
  for (const c of entry.charts) {
    for (const g of c.items.filter(isGroup)) {
      const groupInput = Object.fromEntries(Object.entries(g.input).map(([k, [kind, v]]) => [k, kind === 'n' ? nodes[v as number] : decodePrimitive(v as string)]));
      const diff = firstDifference(g.trace, groupInput);
      if (diff !== undefined) return `${g.g.split('/').pop()}: ${diff}`;
    }
  }
  return undefined;
}

/** A group a chart being built added: what the entry keeps of it, and the construct after its last (`~end`). */
type BuiltGroup = { readonly info: Omit<StoredGroup, 'items'>; readonly end: IConstruct };

/** A chart's objects in tree order as stored items (a group's together), or undefined when they do not line up. */
function items(chart: PlatformChart, objects: readonly KubeObject[], docs: readonly string[], groups: ReadonlyMap<IConstruct, BuiltGroup>): Item[] | undefined {
  const out: Item[] = [];
  let i = 0;
  const next = (): StoredObject => ({ o: objects[i]!, y: docs[i++]! });
  const objectsUnder = (n: IConstruct) => n.node.findAll().filter((x) => x instanceof ApiObject).length;
  const visit = (n: IConstruct) => {
    if (n instanceof ApiObject) out.push(next());
    const children = n.node.children;
    for (let c = 0; c < children.length; c++) {
      const group = groups.get(children[c]!);
      if (!group) {
        visit(children[c]!);
        continue;
      }
      let count = 0;
      while (children[++c] !== group.end) count += objectsUnder(children[c]!);
      out.push({ g: group.info.g, input: group.info.input, trace: group.info.trace, items: Array.from({ length: count }, next), ...(group.info.raw !== undefined ? { raw: group.info.raw } : {}) });
    }
  };
  visit(chart);
  return i === objects.length && docs.length === objects.length ? out : undefined;
}

/** The shape `read` relies on (a file from another version of this code, or damaged, is a miss, never a crash). */
function wellFormed(e: Entry): boolean {
  const trace = (t: ReadTrace | undefined) => !!t && Array.isArray(t.reads) && Array.isArray(t.shapes);
  return (
    typeof e.patches === 'string' &&
    trace(e.trace) &&
    Array.isArray(e.charts) &&
    e.charts.every(
      (c) =>
        typeof c.id === 'string' &&
        typeof c.file === 'string' &&
        Array.isArray(c.items) &&
        c.items.every((i: Item) => (isGroup(i) ? typeof i.g === 'string' && typeof i.input === 'object' && trace(i.trace) && typeof (i as unknown as { line: unknown }).line === 'number' : typeof i.y === 'string' && typeof i.o?.kind === 'string' && typeof i.o?.metadata?.name === 'string')),
    )
  );
}

/** A group's line as stored objects, or a throw when it is not one. */
function storedObjects(x: unknown): StoredObject[] {
  if (!Array.isArray(x) || !x.every((i) => typeof i?.y === 'string' && typeof i?.o?.kind === 'string' && typeof i?.o?.metadata?.name === 'string')) throw new Error('a damaged group in the chart cache');
  return x;
}

/** `f()`, or undefined when it throws (a damaged cache entry). */
function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

