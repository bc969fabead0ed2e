// scripts/defined-only.cjs: the bundle scripts/run.cjs builds has the generated converters' quadratic filter of
// undefined fields (at the end of every converter, and on every map field) replaced by one linear pass. Proven three
// ways: the helper builds the same object as the expression it replaces, on objects of every shape the converters
// filter; every such expression of cdk8s-plus-28's k8s module and of imports/ is matched (none left, nothing else
// touched); and the bundle renders every platform under test byte for byte as the tests' in-process renders do,
// which run the generated code unchanged.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { transformSync } from 'esbuild';
import { dump } from 'js-yaml';
import { afterAll, describe, expect, test } from 'vitest';
import { platformsUnderTest } from '../helpers/platforms';
import { canaryPlatform, smallPlatform } from '../helpers/fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { definedOnly, rewriteConverters, HELPER } = require('../../scripts/defined-only.cjs') as {
  definedOnly: (o: object) => object;
  rewriteConverters: (text: string) => { text: string; count: number };
  HELPER: string;
};

const ROOT = resolve(__dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'defined-only-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The expression the converters filter with, as cdk8s import writes it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const quadratic = (o: object) => Object.entries(o).reduce((r, i) => (i[1] === undefined ? r : { ...r, [i[0]]: i[1] }), {} as any);
/** The same expression in the generated sources, and as esbuild prints it (any names). */
const GENERATED = '.reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {})';
const PRINTED = /\.reduce\(\(([\w$]+), ([\w$]+)\) => \2\[1\] === void 0 \? \1 : \{ \.\.\.\1, \[\2\[0\]\]: \2\[1\] \}/g;
// (Filters that also map each value, `[i[0]]: i[1]?.value`, are other expressions: left as they are.)

/**
 * Why `a` is not `b` to any caller, or undefined: the same prototype (identity), the same own keys in order, and
 * each property's descriptor with the same flags and the same value (identity, `Object.is`).
 */
function difference(a: object, b: object): string | undefined {
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return 'prototype';
  const keys = Reflect.ownKeys(a);
  if (JSON.stringify(keys.map(String)) !== JSON.stringify(Reflect.ownKeys(b).map(String))) return `keys ${keys.map(String)} / ${Reflect.ownKeys(b).map(String)}`;
  for (const k of keys) {
    const x = Object.getOwnPropertyDescriptor(a, k)!;
    const y = Object.getOwnPropertyDescriptor(b, k)!;
    if (!Object.is(x.value, y.value) || x.get !== y.get || x.set !== y.set || x.enumerable !== y.enumerable || x.writable !== y.writable || x.configurable !== y.configurable) return `property ${String(k)}`;
  }
  return undefined;
}

/** Objects as the converters filter them (a literal of the schema's fields, a map field), and the edges one could hold. */
function shapes(): object[] {
  const values = [undefined, null, 0, -0, NaN, '', 'x', false, true, [], [undefined], {}, { a: undefined }, new (class Quantity { value = '1Gi'; })()];
  const own = (o: object, k: string, value: unknown) => Object.defineProperty(o, k, { value, enumerable: true, writable: true, configurable: true });
  const out: object[] = [{}, { a: undefined }, { a: 1, b: undefined, c: 2 }, { '10': 1, b: undefined, '2': 3, a: 4 }, { toString: 'x', constructor: 1, hasOwnProperty: undefined }];
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  for (let i = 0; i < 500; i++) {
    const o: Record<string, unknown> = {};
    const n = rand(30);
    for (let j = 0; j < n; j++) o[['apiVersion', 'kind', 'metadata', 'spec', 'app.kubernetes.io/name', `f${rand(40)}`, String(rand(5))][rand(7)]!] = values[rand(values.length)];
    out.push(o);
  }
  // An own __proto__ key (the spread defines it; an assignment would set the prototype instead).
  out.push(own({ a: 1 }, '__proto__', { evil: true }), own({ a: 1 }, '__proto__', undefined));
  return out;
}

describe('the converters\' filter of undefined fields, made linear (scripts/defined-only.cjs)', () => {
  test('definedOnly builds the same object as the quadratic expression, for every shape', () => {
    const all = shapes();
    for (const o of all) expect(difference(definedOnly(o), quadratic(o)), JSON.stringify(o)).toBeUndefined();
    // The bad twins, each told apart on some shape: undefined fields kept, __proto__ assigned, values copied, not a plain object.
    const assigns = (o: Record<string, unknown>) => {
      const r: Record<string, unknown> = {};
      for (const k of Object.keys(o)) if (o[k] !== undefined) r[k] = o[k];
      return r;
    };
    const twins: Record<string, (o: Record<string, unknown>) => object> = {
      'keeps undefined': (o) => Object.fromEntries(Object.entries(o)),
      'assigns __proto__': assigns,
      'copies values': (o) => structuredClone(assigns(o)),
      'a class instance': (o) => Object.assign(new (class Fields {})(), assigns(o)),
      'a null prototype': (o) => Object.assign(Object.create(null), assigns(o)),
    };
    for (const [name, twin] of Object.entries(twins)) expect(all.some((o) => difference(twin(o as Record<string, unknown>), quadratic(o)) !== undefined), name).toBe(true);
  });

  test('with Object.prototype changed (an accessor, a read-only key) it still defines what the spread defines', () => {
    const seen: unknown[] = [];
    Object.defineProperty(Object.prototype, 'spec', { set: (v) => seen.push(v), get: () => undefined, configurable: true });
    Object.defineProperty(Object.prototype, 'kind', { value: 'inherited', writable: false, configurable: true });
    try {
      const o = { kind: 'Deployment', spec: { replicas: 1 }, status: undefined };
      expect(difference(definedOnly(o), quadratic(o))).toBeUndefined();
      expect(seen).toEqual([]);
    } finally {
      delete (Object.prototype as Record<string, unknown>).spec;
      delete (Object.prototype as Record<string, unknown>).kind;
    }
  });

  test('every filter of cdk8s-plus-28\'s k8s module and of imports/ is rewritten, as esbuild prints it, and nothing else', () => {
    const sources = [
      { file: 'node_modules/cdk8s-plus-28/lib/imports/k8s.js', loader: 'js' as const },
      ...readdirSync(join(ROOT, 'imports'))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => ({ file: `imports/${f}`, loader: 'ts' as const })),
    ];
    let total = 0;
    for (const { file, loader } of sources) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const { code } = transformSync(text, { loader, format: 'cjs', logLevel: 'silent' });
      const { text: rewritten, count } = rewriteConverters(code);
      expect(count, file).toBe(text.split(GENERATED).length - 1);
      expect(count, file).toBeGreaterThanOrEqual(text.match(/function toJson_/g)?.length ?? 0); // one at the end of every converter
      expect(rewritten.match(PRINTED), file).toBeNull();
      // Nothing else changed: the text with each call put back is the printed text.
      expect(rewritten.replace(/\nfunction __platformGenDefinedOnly\([^]*$/, '').replace(new RegExp(`${HELPER}\\(([\\w$.]+)\\)`, 'g'), 'X($1)').trimEnd(), file).toBe(
        code.replace(/Object\.entries\(([\w$.]+)\)\.reduce\(\(([\w$]+), ([\w$]+)\) => \3\[1\] === void 0 \? \2 : \{ \.\.\.\2, \[\3\[0\]\]: \3\[1\] \}, \{\}\)/g, 'X($1)').trimEnd(),
      );
      total += count;
    }
    expect(total).toBeGreaterThan(4000); // 458 in the k8s module, the rest in imports/
    // The bad twins: an expression printed otherwise is not matched, and the text is left as it was; a bundle that
    // already has the helper's name is refused.
    const other = 'function f(result) { return Object.entries(result).reduce((r, i) => r, {}); }';
    expect(rewriteConverters(other)).toEqual({ text: other, count: 0 });
    expect(() => rewriteConverters(`var ${HELPER} = 1;`)).toThrow(HELPER);
  });

  test('the bundle renders every platform under test byte for byte as the generated code does in-process', () => {
    const specs = platformsUnderTest().map(({ name, rendered }) => {
      if (name === 'fixture' || name === 'fixture with canaries') {
        const file = join(work, `${name.replace(/\W+/g, '-')}.yaml`);
        writeFileSync(file, dump(name === 'fixture' ? smallPlatform() : canaryPlatform()));
        return { spec: file, files: rendered.files };
      }
      return { spec: resolve(ROOT, name), files: rendered.files };
    });
    const r = spawnSync(process.execPath, ['scripts/run.cjs', 'test/cli/fixtures/render-files-entry.ts', ...specs.map((s) => s.spec)], { cwd: ROOT, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const bundled = JSON.parse(r.stdout) as Record<string, Record<string, string>>;
    for (const { spec, files } of specs) expect(bundled[spec], spec).toEqual(Object.fromEntries(files));
    // What ran was the rewritten bundle.
    const bundle = readFileSync(join(ROOT, 'node_modules/.cache/platform-gen/render-files-entry.cjs'), 'latin1');
    expect(bundle.match(PRINTED)).toBeNull();
    expect(bundle.match(new RegExp(`return ${HELPER}\\(`, 'g'))?.length).toBeGreaterThan(400);
  });
});
