import { chmodSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ForeignOutputError, OutputLockedError, openTree, readLock, takeOver, writeTreeAtomically } from '../../render/writer';

const tmp = mkdtempSync(join(tmpdir(), 'writer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const inode = (p: string) => statSync(p).ino;

describe('writeTreeAtomically keeps what did not change', () => {
  test('a file with the same bytes is the same file (a hard link into the new tree); a changed one is new, and the old one is not written through', () => {
    const out = join(tmp, 'dist');
    writeTreeAtomically(out, new Map([['dev/a.yaml', 'a: 1\n'], ['dev/b.yaml', 'b: 1\n'], ['prod/c.yaml', 'c: 1\n']]));
    const before = { a: inode(join(out, 'dev/a.yaml')), b: inode(join(out, 'dev/b.yaml')), c: inode(join(out, 'prod/c.yaml')) };
    const report = writeTreeAtomically(out, new Map([['dev/a.yaml', 'a: 1\n'], ['dev/b.yaml', 'b: 2\n'], ['prod/c.yaml', 'c: 1\n'], ['prod/d.yaml', 'd: 1\n']]));
    expect(report).toEqual({ added: ['prod/d.yaml'], changed: ['dev/b.yaml'], removed: [], unchanged: 2 });
    expect(inode(join(out, 'dev/a.yaml'))).toBe(before.a);
    expect(inode(join(out, 'prod/c.yaml'))).toBe(before.c);
    // The changed file is a new file: whoever still had the old one open (a reader, the retired tree) keeps its bytes.
    expect(inode(join(out, 'dev/b.yaml'))).not.toBe(before.b);
    expect(readFileSync(join(out, 'dev/b.yaml'), 'utf8')).toBe('b: 2\n');
    expect(statSync(join(out, 'dev/a.yaml')).nlink).toBe(1); // the retired tree is gone
  });

  test('a file edited by hand in the output directory is rewritten, not kept (its bytes differ from the render)', () => {
    const out = join(tmp, 'edited');
    const files = new Map([['x.yaml', 'x: 1\n']]);
    writeTreeAtomically(out, files);
    writeFileSync(join(out, 'x.yaml'), 'x: 2\n');
    const report = writeTreeAtomically(out, files);
    expect(report.changed).toEqual(['x.yaml']);
    expect(readFileSync(join(out, 'x.yaml'), 'utf8')).toBe('x: 1\n');
  });
});

describe('writeTreeAtomically keeps only what a write would give', () => {
  test('a file whose mode was changed by hand is written again with the mode a write gives; one left alone is still linked', () => {
    const out = join(tmp, 'modes');
    const files = new Map([['x.yaml', 'x: 1\n'], ['y.yaml', 'y: 1\n']]);
    writeTreeAtomically(out, files);
    const written = statSync(join(out, 'y.yaml')).mode & 0o777;
    const y = inode(join(out, 'y.yaml'));
    chmodSync(join(out, 'x.yaml'), 0o755);
    expect(writeTreeAtomically(out, files)).toEqual({ added: [], changed: ['x.yaml'], removed: [], unchanged: 1 });
    expect(statSync(join(out, 'x.yaml')).mode & 0o777).toBe(written);
    expect(inode(join(out, 'y.yaml'))).toBe(y); // the twin: same bytes, same mode: linked
  });

  test('a directory holding what a synth does not write (a .git, a README) is refused before anything is staged, and left as it was', () => {
    const out = join(tmp, 'checkout');
    mkdirSync(join(out, '.git', 'refs'), { recursive: true });
    writeFileSync(join(out, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    mkdirSync(join(out, 'dev'));
    writeFileSync(join(out, 'dev', 'a.yaml'), 'a: 1\n');
    writeFileSync(join(out, 'dev', 'notes.txt'), 'mine\n');
    const listing = () => readdirSync(out, { recursive: true }).map(String).sort();
    const before = listing();
    expect(() => writeTreeAtomically(out, new Map([['dev/a.yaml', 'a: 2\n']]))).toThrow(ForeignOutputError);
    expect(() => writeTreeAtomically(out, new Map([['dev/a.yaml', 'a: 2\n']]))).toThrow(`${out}/ holds what a synth does not write (.git/, dev/notes.txt)`);
    expect(listing()).toEqual(before);
    expect(readFileSync(join(out, 'dev', 'a.yaml'), 'utf8')).toBe('a: 1\n');
    expect(readdirSync(tmp).filter((f) => f.startsWith('.checkout.'))).toEqual([]); // no staging tree, no lock
    // The twin: YAML files in folders and a file manager's leftover are an earlier output's; it is replaced.
    rmSync(join(out, '.git'), { recursive: true });
    rmSync(join(out, 'dev', 'notes.txt'));
    writeFileSync(join(out, 'dev', '.DS_Store'), 'finder');
    expect(writeTreeAtomically(out, new Map([['dev/a.yaml', 'a: 2\n']]))).toEqual({ added: [], changed: ['dev/a.yaml'], removed: [], unchanged: 0 });
    expect(listing()).toEqual(['dev', 'dev/a.yaml']);
  });
});

describe('openTree: a tree staged file by file', () => {
  test('holds the lock from open to commit, stages beside the output directory and swaps it in whole', () => {
    const out = join(tmp, 'staged');
    writeTreeAtomically(out, new Map([['old.yaml', 'o: 1\n']]));
    const tree = openTree(out);
    tree.add('dev/a.yaml', 'a: 1\n');
    // While it is open: the output directory is the old one, and a second writer is refused.
    expect(readdirSync(out)).toEqual(['old.yaml']);
    expect(() => openTree(out)).toThrow(OutputLockedError);
    expect(() => tree.add('dev/a.yaml', 'a: 2\n')).toThrow(/written twice/);
    expect(() => tree.add('../escape.yaml', 'x: 1\n')).toThrow(/outside the output directory/);
    expect(tree.commit()).toEqual({ added: ['dev/a.yaml'], changed: [], removed: ['old.yaml'], unchanged: 0 });
    expect(readdirSync(out)).toEqual(['dev']);
    expect(() => tree.add('b.yaml', 'b: 1\n')).toThrow(/already committed/);
    expect(readdirSync(tmp).filter((f) => f.startsWith('.staged'))).toEqual([]);
  });

  test('abort drops what was staged and releases the lock: the output directory is as it was', () => {
    const out = join(tmp, 'aborted');
    writeTreeAtomically(out, new Map([['keep.yaml', 'k: 1\n']]));
    const tree = openTree(out);
    tree.add('keep.yaml', 'k: 2\n');
    tree.add('new.yaml', 'n: 1\n');
    tree.abort();
    expect(readFileSync(join(out, 'keep.yaml'), 'utf8')).toBe('k: 1\n');
    expect(existsSync(join(out, 'new.yaml'))).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.startsWith('.aborted'))).toEqual([]);
    // The twin: the lock is free again, and the same files committed are written.
    const again = openTree(out);
    again.add('keep.yaml', 'k: 2\n');
    again.commit();
    expect(readFileSync(join(out, 'keep.yaml'), 'utf8')).toBe('k: 2\n');
  });
});

describe('the output lock', () => {
  const DEAD = 2147483646; // no such process
  const locked = (why: string) => new OutputLockedError(why);

  test('a stale lock is taken over only if it is still the lock that was read; one that became another is put back', () => {
    const dir = mkdtempSync(join(tmp, 'lock-'));
    const file = join(dir, '.dist.lock');
    writeFileSync(file, String(DEAD));
    const stale = readLock(file)!;
    expect(stale.pid).toBe(DEAD);
    // Another writer took it over between our read and our rename: its own lock (a live pid, another inode) is there.
    rmSync(file);
    writeFileSync(join(dir, 'other'), String(process.pid));
    linkSync(join(dir, 'other'), file);
    expect(() => takeOver(file, stale, locked)).toThrow(OutputLockedError);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid)); // put back
    expect(readdirSync(dir).sort()).toEqual(['.dist.lock', 'other']);
    // The bad twin: the lock that was read is still there, and goes.
    writeFileSync(join(dir, 'stale'), String(DEAD));
    rmSync(file);
    linkSync(join(dir, 'stale'), file);
    takeOver(file, readLock(file)!, locked);
    expect(existsSync(file)).toBe(false);
  });

  test('a writer releases only its own lock; stale locks set aside by killed writers are removed', () => {
    const out = join(tmp, 'own-lock');
    const file = join(tmp, '.own-lock.lock');
    writeFileSync(join(tmp, `.own-lock.lock-stale.${DEAD}`), String(DEAD));
    const tree = openTree(out);
    expect(existsSync(join(tmp, `.own-lock.lock-stale.${DEAD}`))).toBe(false);
    // Its lock replaced behind its back (say, taken over by a writer that wrongly judged it stale): not removed.
    rmSync(file);
    writeFileSync(file, '1');
    tree.add('x.yaml', 'x: 1\n');
    tree.commit();
    expect(readFileSync(file, 'utf8')).toBe('1');
    rmSync(file);
    // Its own lock is released.
    writeTreeAtomically(out, new Map([['x.yaml', 'x: 1\n']]));
    expect(existsSync(file)).toBe(false);
  });
});
