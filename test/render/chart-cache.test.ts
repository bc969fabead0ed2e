import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { modelsUnderTest } from '../helpers/platforms';
import { generatePlatform } from '../../cli/generate-spec';
import { parseSpec } from '../../platform/loader';
import { resolvePlatform, type PlatformModel } from '../../platform/model';
import type { PlatformSpecInput } from '../../platform/schema';
import { renderByEnvironment } from '../../render/by-environment';
import { ChartCache } from '../../render/chart-cache';
import { firstDifference, replayReads, traceReads } from '../../render/read-trace';
import { checkPolicies, RULE_PACK } from '../../policy/gate';
import { App, ApiObject } from 'cdk8s';
import { objectGroup } from '../../blocks/object-group';
import { PlatformChart } from '../../charts/platform-chart';
import type { ChartUnit } from '../../charts';
import { renderedCharts } from '../../render/synth';
import { toYaml } from '../../render/yaml';
import type { KubeObject } from '../../blocks/kube-object';

const tmp = mkdtempSync(join(tmpdir(), 'chart-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(tmp, `cache-${dirs++}`);

/** Every file the render writes, in order (as `npm run synth` stages them). */
function render(model: PlatformModel, cache?: ChartCache): Map<string, string> {
  const files = new Map<string, string>();
  renderByEnvironment(model, (path, text) => files.set(path, text), { cache });
  return files;
}
/** Changes every entry of a cache folder (its first line: the entry without its groups' objects). */
function editEntries(dir: string, edit: (entry: any) => void): void {
  for (const f of readdirSync(dir)) {
    const [head, ...rest] = readFileSync(join(dir, f), 'utf8').split('\n');
    const e = JSON.parse(head!);
    edit(e);
    writeFileSync(join(dir, f), [JSON.stringify(e), ...rest].join('\n'));
  }
}
const modelOf = (spec: PlatformSpecInput) => resolvePlatform(parseSpec(spec, 'fixture'));
const cacheAt = (dir: string, version = 'v1') => new ChartCache({ dir, version });

// Shared work: most tests start from the same spec's files and its warm cache. Each is made once; a test gets a copy
// of the folder (it changes the entries) and never changes the files it is given.
const plainFiles = new Map<string, Map<string, string>>();
const warmFolders = new Map<string, string>();
const warmRoot = mkdtempSync(join(tmpdir(), 'chart-cache-warm-'));
afterAll(() => rmSync(warmRoot, { recursive: true, force: true }));
/** The files a render of `spec` without the cache writes. */
function plainOf(spec: PlatformSpecInput): Map<string, string> {
  const key = JSON.stringify(spec);
  if (!plainFiles.has(key)) plainFiles.set(key, render(modelOf(spec)));
  return plainFiles.get(key)!;
}
/** A new folder holding the cache a first render of `spec` leaves (built the first time, then copied). */
function warmCopy(spec: PlatformSpecInput): string {
  const key = JSON.stringify(spec);
  if (!warmFolders.has(key)) {
    // A folder alone in its parent, out of tmp: a render prunes the spec folders beside its own (ChartCache.prune),
    // and the tests make many in tmp.
    const dir = join(mkdtempSync(join(warmRoot, 'spec-')), 'cache');
    render(modelOf(spec), cacheAt(dir));
    warmFolders.set(key, dir);
  }
  const copy = freshDir();
  cpSync(warmFolders.get(key)!, copy, { recursive: true });
  expect(readdirSync(copy).length, 'the warm cache has entries').toBeGreaterThan(0);
  return copy;
}

/** A replayed trace of reading `f` of `input`, against `other`. */
function replayed<T extends object>(input: T, f: (x: T) => unknown, other: T): boolean {
  const r = traceReads(input);
  f(r.input);
  // Kept as JSON between runs: the replay reads the stored form.
  return replayReads(JSON.parse(JSON.stringify(r.trace())), other);
}

describe('a read trace replays what was read, and only that', () => {
  const service = () => ({ name: 'api', image: 'api:1', ports: [8080], env: { A: '1' } as Record<string, string>, unused: 'x' });

  test('the same reads on an equal input match; a changed value that was read does not (its path is named)', () => {
    const read = (s: ReturnType<typeof service>) => `${s.name} ${s.image} ${s.ports[0]}`;
    expect(replayed(service(), read, service())).toBe(true);
    expect(replayed(service(), read, { ...service(), image: 'api:2' })).toBe(false);
    expect(replayed(service(), read, { ...service(), ports: [9090] })).toBe(false);
    const r = traceReads(service());
    read(r.input);
    expect(firstDifference(r.trace(), { ...service(), ports: [9090] })).toBe('ports[0]');
    expect(firstDifference(r.trace(), service())).toBeUndefined();
  });

  test('a change to what was not read still matches', () => {
    expect(replayed(service(), (s) => s.name, { ...service(), unused: 'y', image: 'api:9' })).toBe(true);
  });

  test('keys: Object.keys, spread and JSON.stringify see an added or removed key', () => {
    for (const read of [(s: ReturnType<typeof service>) => Object.keys(s.env), (s: ReturnType<typeof service>) => ({ ...s.env }), (s: ReturnType<typeof service>) => JSON.stringify(s.env)]) {
      expect(replayed(service(), read, service())).toBe(true);
      expect(replayed(service(), read, { ...service(), env: { A: '1', B: '2' } })).toBe(false);
      expect(replayed(service(), read, { ...service(), env: {} })).toBe(false);
    }
  });

  test('`in`, a missing property and an array\'s length are reads too', () => {
    expect(replayed(service(), (s) => 'B' in s.env, service())).toBe(true);
    expect(replayed(service(), (s) => 'B' in s.env, { ...service(), env: { B: '' } })).toBe(false);
    expect(replayed(service(), (s) => s.env.B, { ...service(), env: { B: '' } })).toBe(false);
    expect(replayed(service(), (s) => s.ports.map((p) => p + 1), { ...service(), ports: [8080, 8081] })).toBe(false);
  });

  test('Maps and Sets: get, has, size and iteration', () => {
    const input = () => ({ index: new Map([['a', { port: 1 }]]), tags: new Set(['x']) });
    const getPort = (i: ReturnType<typeof input>) => i.index.get('a')?.port;
    expect(replayed(input(), getPort, input())).toBe(true);
    expect(replayed(input(), getPort, { ...input(), index: new Map([['a', { port: 2 }]]) })).toBe(false);
    expect(replayed(input(), (i) => i.index.has('b'), { ...input(), index: new Map([['a', { port: 1 }], ['b', { port: 1 }]]) })).toBe(false);
    expect(replayed(input(), (i) => [...i.index.values()].map((v) => v.port), { ...input(), index: new Map([['a', { port: 1 }], ['b', { port: 1 }]]) })).toBe(false);
    expect(replayed(input(), (i) => i.tags.has('x'), { ...input(), tags: new Set<string>() })).toBe(false);
    expect(replayed(input(), (i) => i.tags.size, { ...input(), tags: new Set(['y']) })).toBe(false);
    expect(replayed(input(), (i) => i.tags.has('x'), { ...input(), tags: new Set(['x', 'y']) })).toBe(true);
  });

  test('identity: an object reached by two paths must be one object again', () => {
    const shared = { name: 'a' };
    const same = { list: [shared], byName: { a: shared } };
    const read = (i: typeof same) => i.list[0] === i.byName.a;
    expect(replayed(same, read, { list: [shared], byName: { a: shared } })).toBe(true);
    expect(replayed(same, read, { list: [{ name: 'a' }], byName: { a: { name: 'a' } } })).toBe(false);
  });

  test('identity both ways: two objects that became one object do not match', () => {
    const read = (i: { x: object; y: object }) => [i.x, i.y];
    const o = {};
    expect(replayed({ x: {}, y: {} }, read, { x: {}, y: {} })).toBe(true);
    expect(replayed({ x: {}, y: {} }, read, { x: o, y: o })).toBe(false);
  });

  test('a property descriptor\'s value is a read too', () => {
    const read = (s: ReturnType<typeof service>) => Object.getOwnPropertyDescriptor(s, 'image')!.value;
    expect(replayed(service(), read, service())).toBe(true);
    expect(replayed(service(), read, { ...service(), image: 'api:2' })).toBe(false);
    const nested = (s: ReturnType<typeof service>) => (Object.getOwnPropertyDescriptor(s, 'env')!.value as Record<string, string>).A;
    expect(replayed(service(), nested, { ...service(), env: { A: '2' } })).toBe(false);
  });

  test('what is not plain data makes the trace untrackable (it never matches); writes throw', () => {
    class Thing {
      x = 1;
    }
    const r = traceReads({ thing: new Thing(), f: () => 1 });
    void r.input.thing.x;
    expect(r.trace().untrackable).toContain('Thing');
    expect(replayReads(r.trace(), { thing: new Thing(), f: () => 1 })).toBe(false);
    const w = traceReads({ a: { b: 1 } });
    expect(() => ((w.input.a as { b: number }).b = 2)).toThrow(/read-only/);
    expect(() => delete (w.input as { a?: unknown }).a).toThrow(/read-only/);
  });

  test('a frozen object in the input is handed out as it is (a Proxy may give nothing else) and the trace is refused', () => {
    // A shared default frozen by its module (or by a test): reading through it must not throw.
    const defaults = Object.freeze({ requests: Object.freeze({ cpu: '100m' }) });
    for (const read of [(i: { d: typeof defaults }) => i.d.requests.cpu, (i: { d: typeof defaults }) => (Object.getOwnPropertyDescriptor(i.d, 'requests')!.value as { cpu: string }).cpu]) {
      const r = traceReads({ d: defaults });
      expect(read(r.input)).toBe('100m');
      expect(r.trace().untrackable).toBe("a frozen object at 'requests'");
    }
    // Frozen primitives are plain reads.
    const p = traceReads({ d: Object.freeze({ cpu: '100m' }) });
    expect(p.input.d.cpu).toBe('100m');
    expect(p.trace().untrackable).toBeUndefined();
  });
});

const platforms = modelsUnderTest();

describe('the chart cache renders the same bytes as no cache', () => {
  test.each(platforms)('%s: building with the cache, then putting every part back, gives the same files', (_, load) => {
    const model = load();
    const plain = render(model);
    const dir = freshDir();
    const first = cacheAt(dir);
    expect(render(model, first)).toEqual(plain);
    expect(first.stats.restored).toBe(0);
    expect(first.stats.untrackable).toEqual(new Map());
    const second = cacheAt(dir);
    const again = render(load(), second);
    expect([...again.keys()]).toEqual([...plain.keys()]);
    for (const [path, text] of plain) expect(again.get(path), path).toBe(text);
    // Every part but those that read more than their input (the quotas, extra manifests) was put back.
    expect(second.stats.rendered).toBe(model.environments.length + model.environments.reduce((n, e) => n + e.extraManifests.length, 0));
    expect(second.stats.restored).toBe(first.stats.rendered - second.stats.rendered);
  });
});

describe('a change to the spec builds what read it, and the files are those of a render without the cache', () => {
  const base = () => generatePlatform(12);
  const service = (s: PlatformSpecInput, name: string) => s.services!.find((x) => x.name === name)! as { [k: string]: unknown };
  const changes: [string, (s: PlatformSpecInput) => void, RegExp][] = [
    ['a new image of one service', (s) => void (service(s, 'svc-0005').image = 'registry.example.com/bench/svc-0005:2.0.0'), /-svc-0005$/],
    ['a new variable of one service', (s) => void (service(s, 'svc-0005').env = { LOG_LEVEL: 'debug', EXTRA: '1' }), /-svc-0005$/],
    ['a new call between services', (s) => void (service(s, 'svc-0007').dependsOn = [...(service(s, 'svc-0007').dependsOn as string[]), 'svc-0004']), /-svc-000[47]$/],
    ['a service removed', (s) => void (s.services = s.services!.filter((x) => x.name !== 'svc-0011')), /./],
    ['more replicas of a store', (s) => void (s.dataStores!.postgres!.environments!.prod!.replicas = 5), /prod-data-postgres/],
    ['an environment\'s namespace', (s) => void ((s.environments as Record<string, { namespace: string }>).dev!.namespace = 'bench-development'), /^dev-/],
  ];

  test.each(changes)('%s', (_, change, built) => {
    const dir = warmCopy(base());
    const spec = base();
    change(spec);
    const model = modelOf(spec);
    const cache = cacheAt(dir);
    const cached = render(model, cache);
    const plain = render(model);
    expect(plain, 'the change changes the files').not.toEqual(plainOf(base()));
    expect([...cached.keys()]).toEqual([...plain.keys()]);
    for (const [path, text] of plain) expect(cached.get(path), path).toBe(text);
    // What it says it built again is what the change touched (and each says what it read differently).
    expect([...cache.stats.changed.keys()].some((id) => built.test(id)), [...cache.stats.changed].join("; ")).toBe(true);
    expect(cache.stats.restored).toBeGreaterThan(0);
    for (const why of cache.stats.changed.values()) expect(why).toMatch(/^(svc-[a-z0-9-]+: )?(env|service|store|x|s|runbookBaseUrl)\b|keys/);
  });

  test('a one-service image change builds that service\'s chart in each environment and, of the charts that label its objects, only its groups', () => {
    const dir = warmCopy(base());
    const spec = base();
    service(spec, 'svc-0005').image = 'registry.example.com/bench/svc-0005:2.0.0';
    const cache = cacheAt(dir);
    render(modelOf(spec), cache);
    const built = [...cache.stats.changed.keys()].map((id) => id.replace(/^(dev|staging|prod)-/, '')).sort();
    expect(new Set(built)).toEqual(new Set(['svc-0005', 'mesh', 'mesh-security', 'monitoring', 'dashboards']));
    expect(cache.stats.changed.get('prod-svc-0005')).toBe('service.version');
    expect(cache.stats.changed.get('prod-mesh')).toBe('svc-svc-0005: s.version');
    // Its route, policy, monitor and dashboard in each environment; every other service's put back.
    expect(cache.stats.groups).toEqual({ built: 4 * 3, restored: 4 * 3 * 11 });
  });

  test('bad twin: entries whose trace misses a read put back stale charts, and the comparison sees it', () => {
    const dir = warmCopy(base());
    // Plant the fault: forget every read of `image` and `version` (its tag) in the kept traces.
    editEntries(dir, (e) => void (e.trace.reads = e.trace.reads.filter((r: string[]) => r[2] !== 'version' && r[2] !== 'image')));
    const spec = base();
    service(spec, 'svc-0005').image = 'registry.example.com/bench/svc-0005:2.0.0';
    const model = modelOf(spec);
    const cached = render(model, cacheAt(dir));
    const plain = render(model);
    const stale = [...plain].filter(([path, text]) => cached.get(path) !== text).map(([path]) => path);
    expect(stale).toContain('prod/services/svc-0005.yaml');
  });
});

describe('bad twin of the groups', () => {
  test('a group whose trace misses a read is put back stale, and the comparison sees it', () => {
    const dir = warmCopy(generatePlatform(12));
    // Plant the fault in the groups' traces only: the charts' own traces still see the change and build the chart.
    editEntries(dir, (e) => {
      for (const c of e.charts) for (const i of c.items) if (i.g) i.trace.reads = i.trace.reads.filter((r: string[]) => r[2] !== 'version');
    });
    const spec = generatePlatform(12);
    (spec.services!.find((x) => x.name === 'svc-0005') as { image: string }).image = 'registry.example.com/bench/svc-0005:2.0.0';
    const model = modelOf(spec);
    const cached = render(model, cacheAt(dir));
    const plain = render(model);
    const stale = [...plain].filter(([path, text]) => cached.get(path) !== text).map(([path]) => path);
    expect(stale).toEqual(expect.arrayContaining(['prod/mesh/routing.yaml', 'prod/telemetry/dashboards.yaml']));
    expect(stale).not.toContain('prod/services/svc-0005.yaml');
  });
});

describe('groups', () => {
  type Items = { ns: string; items: { name: string; on: boolean }[] };
  /**
   * A chart of one ConfigMap per item that is `on`, in namespace `ns`: its groups are each item's (none for
   * an item that is off). `how` is how a group gets the namespace: through its input (as a computed
   * string, or the model object), or — breaking objectGroup's contract — captured from the chart.
   */
  const unitOf = (model: Items, how: 'input' | 'model' | 'captured-string' | 'captured-model' = 'input'): ChartUnit<{ m: Items }> => ({
    id: 'test-chart',
    input: { m: model },
    cacheable: true,
    add: (scope, { m }) => {
      const chart = new PlatformChart(scope, 'test-chart', { file: 'dev/test/items.yaml' });
      const ns = `${m.ns}`;
      for (const item of m.items) {
        const made = (g: typeof chart, name: string, namespace: string) => new ApiObject(g, `cm-${name}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace } });
        if (how === 'input') objectGroup(chart, item.name, { item, ns }, (g, i) => void (i.item.on && made(g as typeof chart, i.item.name, i.ns)));
        if (how === 'model') objectGroup(chart, item.name, { item, m }, (g, i) => void (i.item.on && made(g as typeof chart, i.item.name, i.m.ns)));
        if (how === 'captured-string') objectGroup(chart, item.name, { item }, (g, i) => void (i.item.on && made(g as typeof chart, i.item.name, ns)));
        if (how === 'captured-model') objectGroup(chart, item.name, { item }, (g, i) => void (i.item.on && made(g as typeof chart, i.item.name, m.ns)));
      }
      return chart;
    },
  });
  const renderUnit = (cache: ChartCache, model: Items | Items['items'], how?: Parameters<typeof unitOf>[1]) => {
    const app = new App({ outdir: '.' });
    const env = cache.environment([]);
    env.add(app, unitOf(Array.isArray(model) ? { ns: 'dev', items: model } : model, how));
    const charts = renderedCharts(app);
    const docs = charts[0]!.objects.map((o) => env.restoredYaml(o) ?? toYaml(o));
    env.keep(charts, () => docs);
    return charts[0]!.objects.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
  };
  const items = [{ name: 'a', on: true }, { name: 'b', on: true }];

  test('a group that rendered nothing is kept too: when its input turns it on, its object appears', () => {
    const dir = freshDir();
    expect(renderUnit(cacheAt(dir), [{ name: 'a', on: true }, { name: 'b', on: false }])).toEqual(['dev/a']);
    const same = cacheAt(dir);
    expect(renderUnit(same, [{ name: 'a', on: true }, { name: 'b', on: false }])).toEqual(['dev/a']);
    expect(same.stats.restored).toBe(1);
    const on = cacheAt(dir);
    expect(renderUnit(on, [{ name: 'a', on: true }, { name: 'b', on: true }])).toEqual(['dev/a', 'dev/b']);
    expect(on.stats.changed.get('test-chart')).toBe('b: item.on');
    expect(on.stats.groups).toEqual({ restored: 1, built: 1 });
  });

  test('a value the chart computed and passes in a group\'s input is compared: a new one builds the group again', () => {
    for (const how of ['input', 'model'] as const) {
      const dir = freshDir();
      renderUnit(cacheAt(dir), { ns: 'dev', items }, how);
      const next = cacheAt(dir);
      expect(renderUnit(next, { ns: 'prod', items }, how)).toEqual(['prod/a', 'prod/b']);
      expect(next.stats.groups.restored).toBe(0);
    }
  });

  test('a group reading the chart\'s model outside its input is seen while it is built, and its part never kept', () => {
    const dir = freshDir();
    const first = cacheAt(dir);
    renderUnit(first, { ns: 'dev', items }, 'captured-model');
    expect(first.stats.untrackable.get('test-chart')).toBe('group a read the model outside its input');
    const next = cacheAt(dir);
    expect(renderUnit(next, { ns: 'prod', items }, 'captured-model')).toEqual(['prod/a', 'prod/b']);
  });

  test('bad twin of the contract: a string the chart computed, captured by a group instead of passed in, is put back stale', () => {
    const dir = freshDir();
    renderUnit(cacheAt(dir), { ns: 'dev', items }, 'captured-string');
    expect(renderUnit(cacheAt(dir), { ns: 'prod', items }, 'captured-string')).toEqual(['dev/a', 'dev/b']);
  });
});

describe('the gate on restored objects', () => {
  // A Service whose labels the one-object rules reject, selecting no pods (a cross-object finding).
  const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'orphan', namespace: 'shop' }, spec: { selector: { app: 'none' }, ports: [{ port: 80 }] } };
  const rules = (v: ReturnType<typeof checkPolicies>) => [...new Set(v.map((x) => x.rule))].sort();

  test('objects that passed the one-object rules before skip them, and the cross-object rules still see them', () => {
    const charts = [{ file: 'prod/services/orphan.yaml', objects: [service] }];
    const all = rules(checkPolicies(charts));
    expect(all).toContain('SERVICE-SELECTS');
    expect(all.length).toBeGreaterThan(1); // the bad twin: one-object findings too
    expect(rules(checkPolicies(charts, undefined, (o) => o === service))).toEqual(['SERVICE-SELECTS']);
  });

  test('a patch over a warm cache is gated in full: the environment it changes is built again and refused', () => {
    const dir = warmCopy(generatePlatform(6));
    const broken = generatePlatform(6);
    (broken as { patches?: unknown[] }).patches = [{ environments: ['prod'], target: { kind: 'Deployment', name: 'svc-0001' }, ops: [{ op: 'replace', path: '/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation', value: true }] }];
    expect(() => render(modelOf(broken), cacheAt(dir))).toThrow(/allowPrivilegeEscalation|privilege/i);
  });
});

describe('what the cache never trusts', () => {
  const spec = () => generatePlatform(6);

  test('another code version builds everything again', () => {
    const dir = warmCopy(spec());
    const next = cacheAt(dir, 'v2');
    render(modelOf(spec()), next);
    expect(next.stats.restored).toBe(0);
  });

  test('an unreadable or truncated entry is a miss, and the files are right', () => {
    const dir = warmCopy(spec());
    const files = readdirSync(dir);
    writeFileSync(join(dir, files[0]!), '{"version":"v1","trace":');
    writeFileSync(join(dir, files[1]!), 'not json');
    // Well-formed JSON of the wrong shape, and a group line cut short.
    writeFileSync(join(dir, files[2]!), '{"version":"v1","patches":"x","charts":[{}]}');
    const withGroups = files.find((f) => f.endsWith('-mesh.json'))!;
    const [head, ...lines] = readFileSync(join(dir, withGroups), 'utf8').split('\n');
    writeFileSync(join(dir, withGroups), [head, ...lines.map((l) => l.slice(0, 10))].join('\n'));
    const cache = cacheAt(dir);
    expect(render(modelOf(spec()), cache)).toEqual(plainOf(spec()));
    expect(cache.stats.rendered).toBeGreaterThanOrEqual(4 + 3);
  });

  test('a chart a patch changed is not kept; a changed patch builds its environment again', () => {
    const patched = (value: number): PlatformSpecInput => ({
      ...spec(),
      patches: [{ environments: ['prod'], target: { kind: 'Deployment', name: 'svc-0001' }, merge: { spec: { revisionHistoryLimit: value } } }],
    });
    const dir = freshDir();
    render(modelOf(patched(3)), cacheAt(dir));
    expect(existsSync(join(dir, 'prod-svc-0001.json'))).toBe(false);
    expect(existsSync(join(dir, 'prod-svc-0002.json'))).toBe(true);
    const same = cacheAt(dir);
    render(modelOf(patched(3)), same);
    expect([...same.stats.changed.keys()]).toEqual([]);
    const other = cacheAt(dir);
    const model = modelOf(patched(4));
    expect(render(model, other)).toEqual(render(model));
    expect([...other.stats.changed].filter(([id]) => id.startsWith('prod-')).every(([, why]) => why === 'patches')).toBe(true);
    expect([...other.stats.changed.keys()].some((id) => id.startsWith('dev-'))).toBe(false);
  });

  test('only the folders used last are kept beside a spec\'s own', () => {
    const root = freshDir();
    const folders = ['a', 'b', 'c', 'd'].map((n) => join(root, n));
    for (const [i, f] of folders.entries()) {
      const c = cacheAt(f);
      render(modelOf(generatePlatform(2)), c);
      c.prune(2);
      expect(existsSync(f)).toBe(true);
      if (i >= 2) expect(existsSync(folders[i - 2]!)).toBe(false);
    }
    expect(readdirSync(root).sort()).toEqual(['c', 'd']);
  });

  test('a cache folder that cannot be written is reported, and the render still succeeds', () => {
    writeFileSync(join(tmp, 'not-a-folder'), '');
    const cache = cacheAt(join(tmp, 'not-a-folder', 'sub'));
    expect(render(modelOf(spec()), cache)).toEqual(plainOf(spec()));
    expect(cache.stats.writeError).toMatch(/ENOTDIR|EEXIST/);
  });

  test('a custom rule pack renders without the cache (its rules are not part of the cache\'s version)', () => {
    const cache = cacheAt(freshDir());
    const model = modelOf(spec());
    const files = new Map<string, string>();
    renderByEnvironment(model, (path, text) => files.set(path, text), { cache, rulePack: { ...RULE_PACK, rules: RULE_PACK.rules.slice(1) } });
    expect(files).toEqual(plainOf(spec()));
    expect(cache.stats.restored + cache.stats.rendered).toBe(0);
  });

  test('an entry that is well-formed but does not replay as it reads (a node it never reached) is built again', () => {
    const dir = warmCopy(spec());
    editEntries(dir, (e) => {
      for (const c of e.charts) for (const i of c.items) if (i.g) i.input = { env: ['n', 999], s: ['n', 998] };
      e.trace.reads = e.trace.reads.map((r: unknown[]) => (r[1] === 'g' ? [777, ...r.slice(1)] : r));
    });
    const cache = cacheAt(dir);
    expect(render(modelOf(spec()), cache)).toEqual(plainOf(spec()));
    expect(cache.stats.restored).toBe(0);
  });

  test('the entries of parts a render no longer has are removed', () => {
    const dir = warmCopy(spec());
    expect(existsSync(join(dir, 'dev-svc-0005.json'))).toBe(true);
    const fewer = spec();
    fewer.services = fewer.services!.filter((s) => s.name !== 'svc-0005');
    render(modelOf(fewer), cacheAt(dir));
    expect(existsSync(join(dir, 'dev-svc-0005.json'))).toBe(false);
    expect(existsSync(join(dir, 'dev-svc-0004.json'))).toBe(true);
  });
});
