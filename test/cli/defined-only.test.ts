// scripts/defined-only.cjs: the bundle scripts/run.cjs builds has the generated converters' quadratic filter
// replaced by one linear pass. Proven three ways: the helper builds the same object as the statement it replaces,
// on objects of every shape the converters build; every converter of cdk8s-plus-28's k8s module and of imports/ is
// matched (none left quadratic, none half-rewritten); and the bundle renders every platform under test byte for
// byte as the tests' in-process renders do, which run the generated code unchanged.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { transformSync } from 'esbuild';
import { dump } from 'js-yaml';
import { afterAll, describe, expect, test } from 'vitest';
import { platformsUnderTest } from '../helpers/platforms';
import { canaryPlatform, smallPlatform } from '../helpers/fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { definedOnly, rewriteConverters } = require('../../scripts/defined-only.cjs') as {
  definedOnly: (o: object) => object;
  rewriteConverters: (text: string) => { text: string; count: number };
};

const ROOT = resolve(__dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'defined-only-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The statement the converters end with, as cdk8s import writes it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const quadratic = (result: object) => Object.entries(result).reduce((r, i) => (i[1] === undefined ? r : { ...r, [i[0]]: i[1] }), {} as any);

/** Everything about an object a caller could tell apart: prototype, own keys in order, each property's descriptor. */
const exact = (o: object) => ({
  proto: Object.getPrototypeOf(o),
  keys: Reflect.ownKeys(o),
  descriptors: Reflect.ownKeys(o).map((k) => Object.getOwnPropertyDescriptor(o, k)),
});

/** Objects as the converters build them (a literal of the schema's fields), and the edges a literal could hold. */
function shapes(): object[] {
  const values = [undefined, null, 0, -0, NaN, '', 'x', false, true, [], [undefined], {}, { a: undefined }];
  const out: object[] = [{}, { a: undefined }, { a: 1, b: undefined, c: 2 }, { '10': 1, b: undefined, '2': 3, a: 4 }];
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  for (let i = 0; i < 500; i++) {
    const o: Record<string, unknown> = {};
    const n = rand(30);
    for (let j = 0; j < n; j++) o[['apiVersion', 'kind', 'metadata', 'spec', `f${rand(40)}`, String(rand(5))][rand(6)]!] = values[rand(values.length)];
    out.push(o);
  }
  // An own __proto__ key (the spread defines it; an assignment would set the prototype instead).
  out.push(Object.defineProperty({ a: 1 }, '__proto__', { value: { evil: true }, enumerable: true, writable: true, configurable: true }));
  out.push(Object.defineProperty({ a: 1 }, '__proto__', { value: undefined, enumerable: true, writable: true, configurable: true }));
  return out;
}

describe('the converters\' filter, made linear (scripts/defined-only.cjs)', () => {
  test('definedOnly builds the same object as the quadratic statement, for every shape', () => {
    const all = shapes();
    for (const o of all) expect(exact(definedOnly(o)), JSON.stringify(o)).toEqual(exact(quadratic(o)));
    // The bad twin: a filter that keeps undefined fields, or assigns __proto__, is told apart.
    const keepsUndefined = (o: object) => Object.fromEntries(Object.entries(o));
    expect(all.filter((o) => !isDeepStrictEqual(exact(keepsUndefined(o)), exact(quadratic(o)))).length).toBeGreaterThan(100);
    const assigns = (o: Record<string, unknown>) => {
      const r: Record<string, unknown> = {};
      for (const k of Object.keys(o)) if (o[k] !== undefined) r[k] = o[k];
      return r;
    };
    const protoKey = all[all.length - 2]!;
    expect(exact(assigns(protoKey as Record<string, unknown>))).not.toEqual(exact(quadratic(protoKey)));
  });

  test('every converter of cdk8s-plus-28\'s k8s module and of imports/ is rewritten, as esbuild prints it', () => {
    const sources = [
      { file: 'node_modules/cdk8s-plus-28/lib/imports/k8s.js', loader: 'js' as const },
      ...readdirSync(join(ROOT, 'imports'))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => ({ file: `imports/${f}`, loader: 'ts' as const })),
    ];
    let total = 0;
    for (const { file, loader } of sources) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const converters = text.match(/function toJson_/g)?.length ?? 0;
      const { code } = transformSync(text, { loader, format: 'cjs', logLevel: 'silent' });
      const { text: rewritten, count } = rewriteConverters(code);
      expect(count, file).toBe(converters);
      expect(rewritten, file).not.toMatch(/Object\.entries\(\w+\)\.reduce/);
      total += count;
    }
    expect(total).toBeGreaterThan(4000); // 440 in the k8s module, the rest in imports/
    // The bad twin: a statement printed otherwise is not matched, and the text is left as it was.
    const other = 'function f(result) { return Object.entries(result).reduce((r, i) => r, {}); }';
    expect(rewriteConverters(other)).toEqual({ text: other, count: 0 });
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
    expect(bundle).not.toMatch(/Object\.entries\(\w+\)\.reduce\(\(\w+, \w+\) => \w+\[1\] === void 0/);
    expect(bundle.match(/return __platformGenDefinedOnly\(/g)?.length).toBeGreaterThan(400);
  });
});
