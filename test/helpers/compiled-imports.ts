/**
 * A vite plugin for the vitest configs: the generated CRD classes in `imports/` (7.7 MB of TypeScript, written by
 * `cdk8s import`) are compiled once by esbuild into CommonJS files under `node_modules/.cache/platform-gen/vitest-imports/`,
 * named by the hash of their source, and Node loads them as it loads a dependency. Vite's own path for a source file
 * (transform, source map, its module rewrite) took 4–5 s of every `npm test` run for these files alone.
 *
 * The same esbuild compiles them for `npm run synth` (scripts/run.cjs); `cdk8s` and `constructs` are the checkout's
 * own, so their classes are the ones the tests import. What it does not give: source maps into `imports/` (generated code).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { transformSync } from 'esbuild';
import type { Plugin } from 'vite';

const ROOT = resolve(__dirname, '../..');
const IMPORTS = join(ROOT, 'imports');
const OUT = join(ROOT, 'node_modules/.cache/platform-gen/vitest-imports');

/** The compiled file of `imports/<name>.ts`, built when its source's hash has none yet (older builds of it removed). */
function compiled(file: string): string {
  const source = readFileSync(file);
  const name = basename(file, '.ts');
  const out = join(OUT, `${name}.${createHash('sha256').update(source).digest('hex').slice(0, 16)}.cjs`);
  if (existsSync(out)) return out;
  mkdirSync(OUT, { recursive: true });
  const { code } = transformSync(source.toString('utf8'), { loader: 'ts', format: 'cjs', target: 'node20', sourcefile: file });
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, out);
  for (const f of readdirSync(OUT)) if (f.startsWith(`${name}.`) && join(OUT, f) !== out && !f.endsWith('.tmp')) rmSync(join(OUT, f), { force: true });
  return out;
}

export function compiledImports(): Plugin {
  return {
    name: 'platform-gen:compiled-imports',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer || !/(^|\/)imports\/[^/]+$/.test(source) || !source.startsWith('.')) return null;
      const file = `${resolve(dirname(importer), source)}.ts`;
      return dirname(file) === IMPORTS ? compiled(file) : null;
    },
  };
}
