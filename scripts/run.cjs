#!/usr/bin/env node
// Runs a TypeScript entry point of this project fast: bundles it with esbuild
// once and loads the bundle. The bundle is reused while every file that went
// into it (esbuild's metafile: our sources and the node_modules files it
// inlined) has the same size and modification time as when it was built;
// anything else rebuilds it. tsx takes several times longer to start this app.
'use strict';
const { statSync, readFileSync, writeFileSync, mkdirSync } = require('node:fs');
const { join, resolve, basename } = require('node:path');

const root = resolve(__dirname, '..');
const entry = process.argv[2];
if (!entry) {
  console.error('usage: node scripts/run.cjs <entry.ts> [args...]');
  process.exit(2);
}

const cacheDir = join(root, 'node_modules', '.cache', 'platform-gen');
const name = basename(entry).replace(/\.ts$/, '');
const bundle = join(cacheDir, `${name}.cjs`);
const stamp = join(cacheDir, `${name}.inputs.json`);

/** size:mtime of each input, or null when one is gone. */
function fingerprint(files) {
  const out = {};
  for (const f of files) {
    try {
      const st = statSync(resolve(root, f));
      out[f] = `${st.size}:${st.mtimeMs}`;
    } catch {
      return null;
    }
  }
  return out;
}

function isFresh() {
  try {
    const recorded = JSON.parse(readFileSync(stamp, 'utf8'));
    statSync(bundle);
    const now = fingerprint(Object.keys(recorded.inputs));
    return now !== null && recorded.entry === entry && Object.keys(recorded.inputs).every((f) => recorded.inputs[f] === now[f]);
  } catch {
    return false;
  }
}

if (!isFresh()) {
  mkdirSync(cacheDir, { recursive: true });
  const result = require('esbuild').buildSync({
    absWorkingDir: root,
    entryPoints: [resolve(root, entry)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: bundle,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = [...Object.keys(result.metafile.inputs), 'package-lock.json', 'scripts/run.cjs'];
  writeFileSync(stamp, JSON.stringify({ entry, inputs: fingerprint(inputs) ?? {} }));
}
process.argv.splice(1, 2, bundle);
require(bundle);
