#!/usr/bin/env node
// Runs a TypeScript entry point of this project fast: bundles it with esbuild
// once and loads the bundle. The bundle is reused while every file that went
// into it (esbuild's metafile: our sources and the node_modules files it
// inlined; package.json, tsconfig.json) has the same size and modification time
// as when it was built, none was saved during the build, and the folders of our
// sources hold the same files an import could resolve to; anything else
// rebuilds it. tsx takes several times longer to start this app. The generated
// converters' quadratic filter of undefined fields is made linear in the bundle
// (scripts/defined-only.cjs). V8's code cache of the bundle is kept beside it (see `load`).
'use strict';
const { statSync, readFileSync, readdirSync, writeFileSync, mkdirSync, rmSync, renameSync } = require('node:fs');
const { join, resolve, basename, dirname } = require('node:path');

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
// V8 rejects a code cache made under other flags (`--max-old-space-size` too), and a run whose cache was rejected
// writes its own: one cache per set of Node flags, so that runs with and without them (the tests run both) do not
// throw each other's away. Plain runs keep the plain name.
const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ').trim();
const codeCache = join(cacheDir, flags ? `${name}.${require('node:crypto').createHash('sha256').update(flags).digest('hex').slice(0, 12)}.v8-cache` : `${name}.v8-cache`);
/** Every code cache of this entry (`<name>.v8-cache`, `<name>.<flags hash>.v8-cache`): all are of the old bundle once it is rebuilt. */
const codeCaches = () => readdirSync(cacheDir).filter((n) => n === `${name}.v8-cache` || (n.startsWith(`${name}.`) && /^[0-9a-f]{12}\.v8-cache$/.test(n.slice(name.length + 1)))).map((n) => join(cacheDir, n));

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

// What a resolver could find instead of an input: a new `stores.ts` beside the `stores/` an import resolved into
// takes its place without any input changing. Each folder of our own inputs is listed by the names of its files that
// an import can resolve to (the dependencies' folders change only with package-lock.json, an input).
const RESOLVABLE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs|json)$/;
/** The resolvable file names of each folder (`.` for the root), or null when one is gone. */
function listings(folders) {
  const out = {};
  for (const d of folders) {
    try {
      out[d] = readdirSync(resolve(root, d), { withFileTypes: true })
        .filter((e) => !e.isDirectory() && RESOLVABLE.test(e.name))
        .map((e) => e.name)
        .sort()
        .join('/');
    } catch {
      return null;
    }
  }
  return out;
}
const ownFolders = (inputs) => [...new Set(inputs.filter((f) => !/(^|\/)node_modules\//.test(f)).map((f) => dirname(f)))].sort();

function isFresh() {
  try {
    const recorded = JSON.parse(readFileSync(stamp, 'utf8'));
    statSync(bundle);
    const now = fingerprint(Object.keys(recorded.inputs));
    const folders = listings(Object.keys(recorded.folders ?? {}));
    return (
      now !== null &&
      folders !== null &&
      recorded.entry === entry &&
      Object.keys(recorded.inputs).every((f) => recorded.inputs[f] === now[f]) &&
      Object.keys(recorded.folders).every((d) => recorded.folders[d] === folders[d])
    );
  } catch {
    return false;
  }
}

if (!isFresh()) {
  mkdirSync(cacheDir, { recursive: true });
  // The file system's clock when the build starts (a file's own mtime, the clock the inputs' mtimes come from): an
  // input saved after this may have been read by esbuild before the save, and its size and mtime then say nothing
  // about what the bundle holds (see `inputs` below).
  const marker = join(cacheDir, `${name}.${process.pid}.build-start`);
  writeFileSync(marker, '');
  const buildStart = statSync(marker).mtimeMs;
  rmSync(marker, { force: true });
  const result = require('esbuild').buildSync({
    absWorkingDir: root,
    entryPoints: [resolve(root, entry)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: bundle,
    // The map gives positions only: a debugger reads the sources from the checkout. Copying every source into it
    // (esbuild's default) made it 15.8 MB for the synth's bundle, and each build 0.2–0.4 s longer.
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
    write: false,
  });
  // Each file written beside and renamed into place: another run starting meanwhile (the test files spawn
  // several at once) loads the old bundle or the new one, never a half-written one.
  const replace = (path, contents) => {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, contents);
    renameSync(tmp, path);
  };
  // The bundle is made ASCII (see `load`) where only its comments are not: esbuild escapes other characters in
  // strings, plain templates and identifiers (its default charset), and in a comment an escape sequence is as good as
  // the character. Not in a regular expression or a tagged template (String.raw), where it would change the
  // meaning: a bundle with one of those (its code without comments is not ASCII) is written as it is, and read as UTF-8.
  const { isAscii } = require('node:buffer');
  const ascii = (text) => {
    if (isAscii(Buffer.from(text)) || !isAscii(Buffer.from(require('esbuild').transformSync(text, { minifyWhitespace: true, logLevel: 'silent' }).code))) return text;
    return text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  };
  // The generated converters' quadratic filter, made linear (scripts/defined-only.cjs).
  const { rewriteConverters } = require('./defined-only.cjs');
  for (const f of result.outputFiles) replace(f.path, f.path === bundle ? ascii(rewriteConverters(f.text).text) : f.contents);
  for (const c of codeCaches()) rmSync(c, { force: true });
  // tsconfig.json and package.json steer esbuild (class fields, decorators; `exports`, `type`) without being inputs.
  const inputs = [...Object.keys(result.metafile.inputs), 'package-lock.json', 'package.json', 'tsconfig.json', 'scripts/run.cjs', 'scripts/defined-only.cjs'];
  const recorded = fingerprint(inputs) ?? {};
  // An input saved during the build (at or after its start) is recorded as unknown: the next run builds again, as
  // git does with a file changed in the second its index was written. Without this, a save while the bundle was
  // built left a bundle of the old source that every later run took for fresh.
  for (const f of Object.keys(recorded)) if (Number(recorded[f].split(':')[1]) >= buildStart) recorded[f] = 'saved during the build';
  replace(stamp, JSON.stringify({ entry, inputs: recorded, folders: listings(ownFolders(inputs)) ?? {} }));
}
process.argv.splice(1, 2, bundle);
load(bundle);

/**
 * Loads the bundle as `require` would, with V8's code cache: compiling the 5 MB bundle and then
 * its functions as they first run took about a tenth of a reference synth. The first run after a
 * build saves what V8 compiled (at exit, so the functions that ran are in it); later runs start
 * from it. V8 checks the cache against the source and its own version and flags, and ignores one
 * that does not match (it is then written again).
 */
function load(file) {
  const Module = require('node:module');
  const vm = require('node:vm');
  const { dirname } = require('node:path');
  let cachedData;
  try {
    cachedData = readFileSync(codeCache);
  } catch {
    cachedData = undefined;
  }
  // Read as Latin-1 when it is ASCII, as the build makes it: the same string, without decoding 5 MB of UTF-8
  // (37 ms of a 0.23 s start here, against 1.5 ms).
  const bytes = readFileSync(file);
  const source = require('node:buffer').isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  // What the code is, for caches of what it renders (the chart cache: render/chart-cache.ts): any change to
  // a source, a dependency or this project's rules changes the bundle, so an entry of other code is never used.
  // Hashed only when asked for (a synth with --cache).
  let sha256;
  globalThis[Symbol.for('platform-gen.bundle')] = {
    get sha256() {
      return (sha256 ??= require('node:crypto').createHash('sha256').update(source).digest('hex'));
    },
    cacheDir: join(cacheDir, 'charts'),
  };
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => {
      // Written beside and renamed into place: two runs finishing at once never leave a mixture of their caches.
      const tmp = `${codeCache}.${process.pid}`;
      try {
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, codeCache);
      } catch {
        rmSync(tmp, { force: true }); // a read-only cache directory: run without one
      }
    });
  }
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(dirname(file));
  require.cache[file] = m;
  script.runInThisContext().call(m.exports, m.exports, Module.createRequire(file), m, file, dirname(file));
  m.loaded = true;
}
