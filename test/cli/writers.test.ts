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
    writeFileSync(`${lockFile}.2147483646`, '2147483646'); // and the pid file it linked as the lock, left by the kill
    expect(synthSync(specA).status).toBe(0);
    expect(existsSync(lockFile)).toBe(false);
    expect(leftovers()).toEqual([]);
    // A live process's pid file is another writer about to link it: left alone.
    writeFileSync(`${lockFile}.${process.pid}`, String(process.pid));
    expect(synthSync(specA).status).toBe(0);
    expect(leftovers()).toEqual([`.dist.lock.${process.pid}`]);
    rmSync(`${lockFile}.${process.pid}`);
    // Empty: on a file system without hard links, a writer between creating the lock and writing its pid. Held while fresh; stale once old.
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
    // Each kill waits for the phase it is meant to hit, seen on disk (a synth takes well under a second and its
    // speed varies with the machine's load: fixed moments missed the write), polled every millisecond.
    const staging = () => readdirSync(work).find((n) => n.startsWith('.dist.staging-') && !n.endsWith('.old'));
    const filesIn = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? filesIn(join(dir, e.name)) : 1), 0);
    const stagedFiles = () => {
      const dir = staging();
      try {
        return dir ? filesIn(join(work, dir)) : 0;
      } catch {
        return 0; // renamed away while counted
      }
    };
    const total = trees.b.size;
    const moments: [string, () => boolean][] = [
      ['while it loads and renders', () => true],
      ['once it holds the lock', () => existsSync(join(work, '.dist.lock'))],
      ['once it writes the staging tree', () => stagedFiles() > 0],
      ['half way through the staging tree', () => stagedFiles() >= total / 2],
      ['between the two renames, if caught', () => readdirSync(work).some((n) => n.endsWith('.old'))],
    ];
    const hit: string[] = [];
    let between = 0;
    // Each round starts from tree a: written here for the first, by the round before for the others.
    expect(synthSync(specA).status).toBe(0);
    for (const [moment, reached] of moments) {
      const p = spawn(process.execPath, ['scripts/run.cjs', 'main.ts'], { cwd: ROOT, env: env(specB) });
      let done = false;
      const exited = new Promise<NodeJS.Signals | null>((r) => p.on('exit', (_code, signal) => ((done = true), r(signal))));
      if (moment === 'while it loads and renders') await new Promise((r) => setTimeout(r, 50));
      while (!done && !reached()) await new Promise((r) => setTimeout(r, 1));
      p.kill('SIGKILL');
      if ((await exited) === 'SIGKILL') hit.push(moment);
      if (existsSync(out)) expect([trees.a, trees.b]).toContainEqual(readTree(out));
      else between += 1; // killed between the renames: the next writer puts the old tree back
      // The next synth takes the stale lock over, recovers, and writes whole.
      const again = synthSync(specA);
      expect(again.status, again.stderr).toBe(0);
      expect(readTree(out)).toEqual(trees.a);
      expect(leftovers()).toEqual([]);
    }
    // The kills landed where they were meant to (the moment between the renames is too short to be sure of).
    expect(hit).toEqual(expect.arrayContaining(moments.slice(0, 4).map(([m]) => m)));
    expect(between).toBeLessThanOrEqual(1);
  }, 60_000);
});
