import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readTree } from '../../diff/sources';

// `npm run test:package` (CI runs it): the TypeScript emit of the whole package takes ~20 s of CPU, a third of
// `npm test`'s budget on a 2-core machine, so it runs as its own suite.
const ROOT = resolve(__dirname, '../..');

describe('the package', () => {
  test('the package builds (tsc emit, declarations) and the built lib renders the same platform', () => {
    // `npm run build`: lib/ (git-ignored), which the package's `exports` name.
    // A stale module from an earlier build must not survive it (the package would ship it).
    mkdirSync(join(ROOT, 'lib'), { recursive: true });
    writeFileSync(join(ROOT, 'lib/stale.js'), 'module.exports = 1;\n');
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8' });
    expect(build.stdout + build.stderr).toBe('');
    expect(existsSync(join(ROOT, 'lib/stale.js'))).toBe(false);
    expect(existsSync(join(ROOT, 'lib/index.d.ts'))).toBe(true);
    // Required by package name, as a user's app would.
    const script = `const { PlatformApp } = require('platform-gen');
      const r = new PlatformApp({ spec: 'platform.yaml' }).render();
      process.stdout.write(JSON.stringify([...r.files]));`;
    const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(run.stderr).toBe('');
    const files = new Map<string, string>(JSON.parse(run.stdout));
    expect(files).toEqual(readTree(join(ROOT, 'dist')));
  });
});
