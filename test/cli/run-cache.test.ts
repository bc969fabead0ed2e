import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { SourceMap, type SourceMapping } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

// scripts/run.cjs: the esbuild bundle and V8's code cache of it, kept in node_modules/.cache/platform-gen.
const ROOT = resolve(__dirname, '../..');
const ENTRY = 'test/cli/fixtures/code-cache-entry.ts';
const CACHE = join(ROOT, 'node_modules/.cache/platform-gen/code-cache-entry.v8-cache');
const run = () => spawnSync(process.execPath, ['scripts/run.cjs', ENTRY, 'a', 'b'], { cwd: ROOT, encoding: 'utf8' });
const EXPECTED = `${JSON.stringify({ sorted: ['apiVersion', 'kind', 'metadata', 'spec'], argv: ['a', 'b'], text: 'a → b, café, 🚀' })}\n`;
const BUNDLE = join(ROOT, 'node_modules/.cache/platform-gen/code-cache-entry.cjs');

describe('scripts/run.cjs', () => {
  test('runs the entry with its arguments, and keeps V8 code cache of the bundle for the next run', () => {
    rmSync(CACHE, { force: true });
    const first = run();
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe(EXPECTED);
    expect(statSync(CACHE).size).toBeGreaterThan(1000);
    const second = run();
    expect(second.stdout).toBe(EXPECTED);
  });

  test('the bundle is ASCII (read without decoding UTF-8), and the source\'s other characters mean the same', () => {
    expect(run().stdout).toBe(EXPECTED);
    const bytes = readFileSync(BUNDLE);
    expect(bytes.every((b) => b < 0x80)).toBe(true);
    expect(bytes.toString()).toContain('\\u2014 and this comment'); // the comment's dash, escaped
    // The bad twin: a bundle that is not ASCII (the string's arrow as UTF-8) is read as UTF-8, with the same output
    // (read as Latin-1, the arrow would be three characters). Only its inputs decide whether it is rebuilt: this one
    // is used as it is, then put back.
    try {
      writeFileSync(BUNDLE, bytes.toString().replace('a \\u2192 b', 'a \u2192 b'));
      expect(readFileSync(BUNDLE).every((b) => b < 0x80)).toBe(false);
      expect(run().stdout).toBe(EXPECTED);
    } finally {
      writeFileSync(BUNDLE, bytes);
    }
  });

  test("the bundle's source map points its code back at the source lines, and holds no copy of the sources", () => {
    expect(run().stdout).toBe(EXPECTED);
    const map = JSON.parse(readFileSync(`${BUNDLE}.map`, 'utf8'));
    expect(map.sourcesContent).toBeUndefined();
    const sourceMap = new SourceMap(map);
    const bundle = readFileSync(BUNDLE, 'latin1').split('\n');
    const at = (needle: string) => {
      const line = bundle.findIndex((l) => l.includes(needle));
      expect(line, needle).toBeGreaterThanOrEqual(0);
      const entry = sourceMap.findEntry(line, bundle[line]!.indexOf(needle)) as SourceMapping; // {} when nothing maps there
      return { file: relative(dirname(`${BUNDLE}.map`), resolve(dirname(`${BUNDLE}.map`), entry.originalSource)), line: entry.originalLine };
    };
    const source = (file: string, needle: string) => readFileSync(join(ROOT, file), 'utf8').split('\n').findIndex((l) => l.includes(needle));
    // The entry's line, and (the twin) a line of a module it imports, each at its own file and line.
    expect(at('text: "a ')).toEqual({ file: relative(dirname(`${BUNDLE}.map`), join(ROOT, ENTRY)), line: source(ENTRY, "text: 'a ") });
    expect(at('function compareKeys(')).toEqual({ file: relative(dirname(`${BUNDLE}.map`), join(ROOT, 'render/yaml.ts')), line: source('render/yaml.ts', 'function compareKeys(') });
  });

  test('a bundle whose code (not only its comments) is not ASCII is written as it is, and means the same', () => {
    const r = spawnSync(process.execPath, ['scripts/run.cjs', 'test/cli/fixtures/non-ascii-code-entry.ts'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ replaced: 'a -> b', raw: 'café', source: '→' });
    // The bad twin: escaped, the regular expression would look for the six characters \u2192 and the raw text would be one.
    expect(readFileSync(join(dirname(BUNDLE), 'non-ascii-code-entry.cjs'), 'utf8')).toContain('/→/');
  });

  test('a damaged cache (garbage, or cut short) is ignored and written again; the entry runs the same', () => {
    for (const damage of [Buffer.from('not a code cache'.repeat(100)), readFileSync(CACHE).subarray(0, 200)]) {
      writeFileSync(CACHE, damage);
      const r = run();
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(EXPECTED);
      expect(readFileSync(CACHE).equals(damage)).toBe(false);
    }
    // The cache is written beside and renamed into place: nothing is left beside it.
    expect(readdirSync(dirname(CACHE)).filter((n) => n.startsWith('code-cache-entry.v8-cache.'))).toEqual([]);
  });

  test('a run with other Node flags keeps a code cache of its own: the plain run\'s is neither rejected nor rewritten', () => {
    const withFlags = (...flags: string[]) => spawnSync(process.execPath, [...flags, 'scripts/run.cjs', ENTRY, 'a', 'b'], { cwd: ROOT, encoding: 'utf8' });
    const own = () => readdirSync(dirname(CACHE)).filter((n) => /^code-cache-entry\.[0-9a-f]{12}\.v8-cache$/.test(n));
    expect(run().stdout).toBe(EXPECTED);
    const plain = readFileSync(CACHE);
    for (const flags of [['--max-old-space-size=256'], ['--stack-size=2000']]) {
      const r = withFlags(...flags);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(EXPECTED);
      // V8 would reject the plain cache under these flags (and the run would then write its own over it).
      expect(readFileSync(CACHE).equals(plain), flags.join(' ')).toBe(true);
    }
    expect(own()).toHaveLength(2); // one per set of flags, kept for the next run with them
    expect(run().stdout).toBe(EXPECTED);
    expect(readFileSync(CACHE).equals(plain)).toBe(true);
    // A rebuild (an input changed) drops every one of them with the old bundle.
    const stamp = join(dirname(CACHE), 'code-cache-entry.inputs.json');
    writeFileSync(stamp, '{}');
    expect(run().stdout).toBe(EXPECTED);
    expect(own()).toEqual([]);
  });

  test('a source saved while the bundle is built, or a new file an import now resolves to, builds it again', () => {
    // An entry of its own, outside the project: it prints what its module `./lib` exports.
    const dir = mkdtempSync(join(tmpdir(), 'run-fresh-'));
    const name = `fresh-${process.pid}`;
    const entry = join(dir, `${name}.ts`);
    const built = join(dirname(CACHE), `${name}.cjs`);
    try {
      mkdirSync(join(dir, 'lib'));
      writeFileSync(entry, "import { value } from './lib';\nconsole.log(value);\n");
      writeFileSync(join(dir, 'lib', 'index.ts'), "export const value = 'v1';\n");
      // Saves lib/index.ts again right after esbuild returns: the build read v1, the file now says v2.
      const preload = join(dir, 'save-during-build.cjs');
      writeFileSync(
        preload,
        `const Module = require('node:module'); const fs = require('node:fs'); const load = Module._load;
Module._load = function (request, ...rest) {
  const m = load.call(this, request, ...rest);
  if (request !== 'esbuild') return m;
  return { ...m, buildSync(...a) { const r = m.buildSync(...a); fs.writeFileSync(${JSON.stringify(join(dir, 'lib', 'index.ts'))}, "export const value = 'v2';\\n"); return r; } };
};\n`,
      );
      const go = (...flags: string[]) => {
        const r = spawnSync(process.execPath, [...flags, 'scripts/run.cjs', entry], { cwd: ROOT, encoding: 'utf8' });
        expect(r.stderr).toBe('');
        return r.stdout.trim();
      };
      expect(go('--require', preload)).toBe('v1'); // built before the save
      expect(go()).toBe('v2'); // before the fix: v1, in this run and every later one
      const mtime = statSync(built).mtimeMs;
      expect(go()).toBe('v2');
      expect(statSync(built).mtimeMs).toBe(mtime); // then reused
      // `./lib` resolves to lib.ts before lib/index.ts: a new lib.ts changes the bundle although no input changed.
      writeFileSync(join(dir, 'lib.ts'), "export const value = 'lib.ts';\n");
      expect(go()).toBe('lib.ts');
      // The twin: what no import can resolve to (a folder, another kind of file) builds nothing again.
      const again = statSync(built).mtimeMs;
      mkdirSync(join(dir, 'other'));
      writeFileSync(join(dir, 'notes.md'), 'not code\n');
      expect(go()).toBe('lib.ts');
      expect(statSync(built).mtimeMs).toBe(again);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      for (const n of readdirSync(dirname(CACHE))) if (n.startsWith(`${name}.`)) rmSync(join(dirname(CACHE), n), { force: true });
    }
  });
});
