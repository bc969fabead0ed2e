import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

const ROOT = resolve(__dirname, '../..');
/** Everything: the config's `exclude` decides what is not product code, so a new folder is checked too. */
const SOURCES = ['.'];

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

/** Runs dependency-cruiser with the project's rules in `cwd`; returns the rule violations. */
function cruise(cwd: string, paths: readonly string[]): Violation[] {
  const bin = join(ROOT, 'node_modules/.bin/depcruise');
  const r = spawnSync(bin, ['--config', join(cwd, '.dependency-cruiser.cjs'), '--output-type', 'json', ...paths], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 && !r.stdout.startsWith('{')) throw new Error(`depcruise failed (${r.status}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('layers', () => {
  test('no module imports a later layer, and no import cycle exists', () => {
    const violations = cruise(ROOT, SOURCES);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  }, 60_000);

  const twin = mkdtempSync(join(tmpdir(), 'layers-'));
  afterAll(() => rmSync(twin, { recursive: true, force: true }));

  test('the bad twin: an import back up a layer and a cycle are both reported', () => {
    cpSync(join(ROOT, '.dependency-cruiser.cjs'), join(twin, '.dependency-cruiser.cjs'));
    writeFileSync(join(twin, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true }, include: ['**/*.ts'] }));
    const files: Record<string, string> = {
      // catalogue → platform: back up one layer.
      'catalogue/tiers.ts': "import type { Model } from '../platform/model';\nexport type Tiers = Model;\n",
      'platform/model.ts': 'export interface Model { readonly name: string }\n',
      // two building blocks that import each other.
      'blocks/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'blocks/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
      // allowed: charts → blocks, render → charts.
      'charts/c.ts': "import { a } from '../blocks/a';\nexport const c = a;\n",
      'render/r.ts': "import { c } from '../charts/c';\nexport const r = c;\n",
      // A store kind's folder: its catalogue is catalogue, the rest is charts.
      'stores/kv/catalogue.ts': "import { chart } from './chart';\nexport const KV = { port: 1, chart };\n",
      'stores/kv/chart.ts': "import type { Model } from '../../platform/model';\nexport const chart = (m: Model) => m.name;\n",
      'stores/kv/alerts.ts': "import { KV } from './catalogue';\nimport { a } from '../../blocks/a';\nexport const alerts = [KV.port, a];\n",
      // A folder in no layer, in between: it would let catalogue reach charts unseen.
      'utils/bridge.ts': "import { c } from '../charts/c';\nexport const bridge = c;\n",
      'catalogue/uses-bridge.ts': "import { bridge } from '../utils/bridge';\nexport const x = bridge;\n",
    };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(twin, file)), { recursive: true });
      writeFileSync(join(twin, file), text);
    }
    const found = cruise(twin, ['.']).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(found).toContain('layer-catalogue: catalogue/tiers.ts → platform/model.ts');
    expect(found).toContain('no-cycle: blocks/a.ts → blocks/b.ts');
    expect(found).toContain('layer-catalogue: stores/kv/catalogue.ts → stores/kv/chart.ts');
    expect(found).toContain('in-a-layer: catalogue/uses-bridge.ts → utils/bridge.ts');
    expect(found).toContain('outside-layers: utils/bridge.ts → charts/c.ts');
    // Allowed imports raise nothing: charts → blocks, render → charts, a store's charts → its catalogue, blocks and platform.
    expect(found.filter((f) => /^[a-z-]+: (charts\/c\.ts|render\/r\.ts|stores\/kv\/alerts\.ts|stores\/kv\/chart\.ts) →/.test(f))).toEqual([]);
  }, 60_000);
});

describe('the store registry', () => {
  test('checks what the entries’ types cannot: named kinds exist, backed-up kinds state their interval (with bad twins)', async () => {
    const { catalogueProblems, DATA_STORES, STORE_CATALOGUE } = await import('../../catalogue/stores');
    expect(catalogueProblems(STORE_CATALOGUE)).toEqual([]);
    expect(catalogueProblems({ ...STORE_CATALOGUE, kafka: { ...STORE_CATALOGUE.kafka, requires: ['zookeper'] } })).toEqual([
      `stores/kafka/catalogue.ts: requires names 'zookeper', which is no store kind (kinds: ${DATA_STORES.join(', ')})`,
    ]);
    const { backupInterval: _, ...noInterval } = STORE_CATALOGUE.redis;
    expect(catalogueProblems({ ...STORE_CATALOGUE, redis: noInterval })).toEqual(["stores/redis/catalogue.ts: backup is 'snapshots' but no backupInterval says how often"]);
  });
});

describe('the store registry and what the project proves for each kind', () => {
  test('every kind runs in the reference platform or a seed platform (examples/*.yaml: their store, cluster and rules tests run on it), and states what its backups keep from its own values', async () => {
    const { DATA_STORES, STORE_CATALOGUE } = await import('../../catalogue/stores');
    const { STORE_KINDS } = await import('../../stores');
    const { loadPlatform } = await import('../../platform/load');
    const { exampleSpecs } = await import('../../cli/examples');
    const root = resolve(__dirname, '../..');
    const platforms = [resolve(root, 'platform.yaml'), ...exampleSpecs(root).map((x) => x.spec)].map((f) => loadPlatform(f));
    const runs = (k: string) => platforms.some((p) => p.environments.some((e) => e.stores.some((s) => s.kind === k)));
    expect(DATA_STORES.filter((k) => !runs(k)), 'add the kind to platform.yaml or to a seed platform in examples/: every store kind is rendered and run by one').toEqual([]);
    for (const k of DATA_STORES) {
      const backups = STORE_KINDS[k].runbook.backups;
      expect(backups, `stores/${k}/runbook.ts states what its backups keep`).toMatch(/\S/);
      const interval = STORE_CATALOGUE[k].backupInterval;
      if (interval) {
        expect(backups).toContain(`backups.${k}.${interval.key}`);
        expect(backups).toContain(`(default ${interval.defaultHours})`);
      }
    }
  });
});
