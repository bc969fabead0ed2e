// The output is never half-written: one writer at a time (a lock naming the other's pid), and a writer killed at any
// point leaves the old tree, which the next writer restores if the kill fell between the swap's two renames.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dump } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { readTree } from '../../diff/sources';
import { OutputLockedError, writeTreeAtomically } from '../../render/writer';
import { smallPlatform } from '../helpers/fixtures';

const ROOT = resolve(__dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'writers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const out = join(work, 'dist');
const specA = join(work, 'a.yaml');
const specB = join(work, 'b.yaml');
writeFileSync(specA, dump(smallPlatform()));
writeFileSync(specB, dump({ ...smallPlatform(), version: '2.0.0' }));
const env = (spec: string) => ({ ...process.env, PLATFORM_SPEC: spec, CDK8S_OUTDIR: out, PLATFORM_DOCS_OUT: '' });
const synthSync = (spec: string) => spawnSync(process.execPath, ['scripts/run.cjs', 'main.ts'], { cwd: ROOT, env: env(spec), encoding: 'utf8' });
const synthAsync = (spec: string) =>
  new Promise<{ code: number | null; stderr: string }>((done) => {
    const p = spawn(process.execPath, ['scripts/run.cjs', 'main.ts'], { cwd: ROOT, env: env(spec) });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => done({ code, stderr }));
  });
const leftovers = () => readdirSync(work).filter((n) => n.startsWith('.dist.'));

describe('writers', () => {
  const trees: Record<'a' | 'b', Map<string, string>> = {} as never;
  it('renders the two trees the tests compare with', () => {
    expect(synthSync(specB).status).toBe(0);
    trees.b = readTree(out);
    expect(synthSync(specA).status).toBe(0);
    trees.a = readTree(out);
    expect(trees.a).not.toEqual(trees.b);
  });

  it('a second writer while one holds the lock stops with its pid; a lock whose writer is gone is taken over', () => {
    const lockFile = join(work, '.dist.lock');
    writeFileSync(lockFile, String(process.pid)); // this process is alive
    expect(() => writeTreeAtomically(out, new Map([['x.yaml', 'a: 1\n']]))).toThrow(OutputLockedError);
    expect(() => writeTreeAtomically(out, new Map([['x.yaml', 'a: 1\n']]))).toThrow(`another synth is writing dist/ (pid ${process.pid})`);
    expect(readTree(out)).toEqual(trees.a);
    writeFileSync(lockFile, '2147483646'); // no such process: a killed writer's lock
    expect(synthSync(specA).status).toBe(0);
    expect(existsSync(lockFile)).toBe(false);
    // Empty: a writer between creating the lock and writing its pid. Held while fresh; stale once old.
    writeFileSync(lockFile, '');
    expect(() => writeTreeAtomically(out, new Map([['x.yaml', 'a: 1\n']]))).toThrow('another synth is starting to write dist/');
    utimesSync(lockFile, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(synthSync(specA).status).toBe(0);
    expect(existsSync(lockFile)).toBe(false);
    expect(readTree(out)).toEqual(trees.a);
  });

  it('two synths started at once: each finishes or stops with the other\'s pid, and the tree is one of the two renders whole', async () => {
    for (let round = 0; round < 2; round++) {
      const [x, y] = await Promise.all([synthAsync(specA), synthAsync(specB)]);
      for (const r of [x, y]) {
        if (r.code !== 0) expect(r.stderr).toMatch(/another synth is (writing dist\/ \(pid \d+\)|starting to write dist\/)/);
      }
      expect([trees.a, trees.b]).toContainEqual(readTree(out));
      expect(leftovers()).toEqual([]);
    }
  });

  it('a synth killed at any moment leaves the old tree (or, between the two renames, the old tree beside it, which the next synth restores)', async () => {
    let between = 0;
    let killed = 0;
    // Kill moments spread over one synth's own duration here (it got faster; fixed moments would miss its end).
    const started = performance.now();
    expect(synthSync(specB).status).toBe(0);
    const duration = performance.now() - started;
    for (const at of [0.3, 0.55, 0.75, 0.88, 0.96]) {
      expect(synthSync(specA).status).toBe(0);
      const p = spawn(process.execPath, ['scripts/run.cjs', 'main.ts'], { cwd: ROOT, env: env(specB) });
      const exited = new Promise<NodeJS.Signals | null>((r) => p.on('exit', (_code, signal) => r(signal)));
      await new Promise((r) => setTimeout(r, at * duration));
      p.kill('SIGKILL');
      if ((await exited) === 'SIGKILL') killed += 1;
      if (existsSync(out)) expect([trees.a, trees.b]).toContainEqual(readTree(out));
      else between += 1; // killed between the renames: the next writer puts the old tree back
      // The next synth takes the stale lock over, recovers, and writes whole.
      const again = synthSync(specA);
      expect(again.status, again.stderr).toBe(0);
      expect(readTree(out)).toEqual(trees.a);
      expect(leftovers()).toEqual([]);
    }
    expect(between).toBeLessThanOrEqual(5);
    // Most kills must land while the synth runs, or this test would prove nothing.
    expect(killed).toBeGreaterThanOrEqual(3);
  }, 60_000);
});
