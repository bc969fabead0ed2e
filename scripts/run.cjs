#!/usr/bin/env node
// Runs a TypeScript entry point of this project fast: bundles it with esbuild
// (once, cached until a source file changes) and loads the bundle. tsx takes
// ~1.3 s to start this app on a 2-core machine; a cached bundle takes ~0.4 s.
'use strict';
const { statSync, readdirSync, mkdirSync } = require('node:fs');
const { join, resolve, basename } = require('node:path');

const root = resolve(__dirname, '..');
const entry = process.argv[2];
if (!entry) {
  console.error('usage: node scripts/run.cjs <entry.ts> [args...]');
  process.exit(2);
}
const SOURCE_DIRS = ['platform', 'lib', 'charts', 'policy', 'cli', 'imports'];
const SOURCE_FILES = ['main.ts', 'package-lock.json', 'scripts/run.cjs'];

function newestSource() {
  let newest = 0;
  const visit = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.name.endsWith('.ts') || e.name.endsWith('.json')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of SOURCE_DIRS) visit(join(root, d));
  for (const f of [...SOURCE_FILES, entry]) {
    try {
      newest = Math.max(newest, statSync(resolve(root, f)).mtimeMs);
    } catch {}
  }
  return newest;
}

const cacheDir = join(root, 'node_modules', '.cache', 'platform-gen');
const bundle = join(cacheDir, `${basename(entry).replace(/\.ts$/, '')}.cjs`);
let fresh = false;
try {
  fresh = statSync(bundle).mtimeMs > newestSource();
} catch {}
if (!fresh) {
  mkdirSync(cacheDir, { recursive: true });
  require('esbuild').buildSync({
    absWorkingDir: root,
    entryPoints: [resolve(root, entry)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: bundle,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}
process.argv.splice(1, 2, bundle);
require(bundle);
