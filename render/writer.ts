import { chmodSync, closeSync, existsSync, fstatSync, linkSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Another process holds the output directory's lock. */
export class OutputLockedError extends Error {
  override readonly name = 'OutputLockedError';
}

/**
 * The output directory holds what a synth does not write (a git checkout, notes, another tool's files): a synth
 * replaces the directory with exactly what it renders, so it would delete them. Nothing is touched.
 */
export class ForeignOutputError extends Error {
  override readonly name = 'ForeignOutputError';
}

/** How long an empty lock file counts as a writer starting up (between creating the file and writing its pid: only without hard links). */
const EMPTY_LOCK_GRACE_MS = 5_000;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * The output directory's lock, `.<outdir>.lock` beside it, holding the
 * writer's pid: a second writer stops with the pid of the first instead of
 * interleaving its renames. A lock whose process is gone (killed) is stale
 * and taken over; so is the state a kill between the two renames of a swap
 * leaves (no `outdir`, the old tree retired beside it): it is put back first.
 *
 * The lock appears with its pid in it: the pid is written to `.<outdir>.lock.<pid>` and that file
 * hard-linked as the lock (a link fails if the lock exists), so a writer killed at any moment leaves
 * either no lock or one naming a dead process. Only on a file system without hard links is the lock
 * created empty and then written; an empty lock is therefore held while fresh (a writer between the two)
 * and stale once old.
 */
function lock(target: string): () => void {
  const file = join(dirname(target), `.${basename(target)}.lock`);
  const own = `${file}.${process.pid}`;
  const locked = (why: string) => new OutputLockedError(`another synth ${why}; ${basename(target)}/ was left to it`);
  writeFileSync(own, String(process.pid));
  let ours: NonNullable<ReturnType<typeof readLock>>;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        create(file, own);
        ours = readLock(file)!;
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        // Several writers meeting a stale lock at once: each retries after the one that took it over.
        if (attempt >= 3) throw locked(`is taking the lock of ${basename(target)}/`);
        const held = readLock(file);
        if (held === undefined) continue; // released meanwhile
        if (Number.isInteger(held.pid) && held.pid > 0 && alive(held.pid)) throw locked(`is writing ${basename(target)}/ (pid ${held.pid})`);
        if (held.text === '' && Date.now() - held.mtimeMs < EMPTY_LOCK_GRACE_MS) throw locked(`is starting to write ${basename(target)}/`);
        takeOver(file, held, locked);
      }
    }
  } finally {
    rmSync(own, { force: true });
  }
  // Pid files of writers killed before they linked theirs, or stale locks set aside by writers killed before they
  // removed them (a live writer's are its own: it is refused by this lock).
  const mine = new RegExp(`^${basename(file).replace(/\./g, '\\.')}(?:\\.|-stale\\.)(\\d+)$`);
  for (const n of readdirSync(dirname(target))) {
    const pid = Number(mine.exec(n)?.[1] ?? NaN);
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) rmSync(join(dirname(target), n), { force: true });
  }
  recover(target);
  // Released only if the lock is still this writer's (an inode number is reused at once: its contents and time too).
  return () => {
    if (sameLock(readLock(file), ours)) rmSync(file, { force: true });
  };
}

/** @internal The lock's text, pid, inode and age, read from one open file (undefined when it is gone). */
export function readLock(file: string): { text: string; pid: number; ino: number; mtimeMs: number } | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const { ino, mtimeMs } = fstatSync(fd);
    const text = readFileSync(fd, 'utf8').trim();
    return { text, pid: Number(text), ino, mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/** Whether two reads of a lock saw the same file (the same inode, contents and modification time). */
const sameLock = (a: ReturnType<typeof readLock>, b: ReturnType<typeof readLock>) => !!a && !!b && a.ino === b.ino && a.text === b.text && a.mtimeMs === b.mtimeMs;

/**
 * @internal Removes the stale lock that was read (`stale`), and only that one: it is renamed aside first (atomic), and a
 * lock that turns out to be another (a writer took the stale one over between our read and the rename: another
 * inode, or the same one reused with other contents) is put back and reported as held.
 */
export function takeOver(file: string, stale: NonNullable<ReturnType<typeof readLock>>, locked: (why: string) => OutputLockedError): void {
  const aside = `${file}-stale.${process.pid}`;
  try {
    renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // taken over or released meanwhile: try again
    throw e;
  }
  if (!sameLock(readLock(aside), stale)) {
    try {
      linkSync(aside, file);
    } catch {
      // a third writer's lock is there now: it holds the directory
    }
    rmSync(aside, { force: true });
    throw locked('took the lock over at the same moment');
  }
  rmSync(aside, { force: true });
}

/** Creates the lock `file` holding what `own` holds: a hard link, or (no hard links here) created, then written. Throws EEXIST if it exists. */
function create(file: string, own: string): void {
  try {
    linkSync(own, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || !(code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS')) throw e;
    writeFileSync(file, readFileSync(own), { flag: 'wx' });
  }
}

/** A killed swap: no `outdir`, its previous tree retired beside it (`.<outdir>.staging-*.old`). Put it back; drop stray staging trees. */
function recover(target: string): void {
  const parent = dirname(target);
  const prefix = `.${basename(target)}.staging-`;
  const leftovers = readdirSync(parent).filter((n) => n.startsWith(prefix));
  const retired = leftovers.find((n) => n.endsWith('.old'));
  if (retired && !existsSync(target)) renameSync(join(parent, retired), target);
  for (const n of readdirSync(parent).filter((x) => x.startsWith(prefix))) rmSync(join(parent, n), { recursive: true, force: true });
}

/**
 * Replaces `outdir` with exactly `files`, or leaves it untouched (`openTree`, every file added, committed).
 */
export function writeTreeAtomically(outdir: string, files: ReadonlyMap<string, string>): WriteReport {
  const tree = openTree(outdir);
  try {
    for (const [rel, content] of files) tree.add(rel, content);
  } catch (e) {
    tree.abort();
    throw e;
  }
  return tree.commit();
}

/** A new output tree being written beside the current one: `commit()` swaps it in, `abort()` drops it. */
export interface TreeWriter {
  /** Stages one file (path relative to the output directory); a path may be added once. */
  add(rel: string, content: string): void;
  /** Replaces the output directory with exactly the files added, releases the lock and reports what changed. */
  commit(): WriteReport;
  /** Drops what was staged and releases the lock: the output directory is as it was. */
  abort(): void;
}

/**
 * Takes the output directory's lock and stages files as they are added, so a caller rendering in parts
 * (`renderByEnvironment`) need not hold every file's text until the end.
 *
 * Everything is written into a sibling temporary directory first; only on `commit` is the old directory
 * swapped out (two renames on the same file system). Files that no longer belong disappear with the old
 * directory; a directory holding anything but YAML files (and file managers' leftovers) is not a synth's
 * output and is refused before anything is staged (`ForeignOutputError`: a `.git`, a README would be lost). The directory gets the mode a checkout gives it (0755; mkdtemp makes 0700), files and
 * subdirectories the process's umask as usual. One writer at a time (the lock above): the lock is held
 * from `openTree` to `commit` or `abort`. A writer killed at any point leaves the old tree — in place,
 * or, killed between the two renames, retired beside it, where the next writer restores it before
 * anything else; a staging tree left behind is removed then too.
 */
export function openTree(outdir: string): TreeWriter {
  const target = resolve(outdir);
  mkdirSync(dirname(target), { recursive: true });
  const unlock = lock(target);
  let staging: string;
  let before: Set<string>;
  try {
    const found = survey(target);
    if (found.foreign.length) {
      const shown = found.foreign.slice(0, 5).join(', ') + (found.foreign.length > 5 ? `, and ${found.foreign.length - 5} more` : '');
      throw new ForeignOutputError(
        `${outdir}/ holds what a synth does not write (${shown}). A synth replaces its output directory with exactly the YAML it renders, so these would be deleted. Point the output (CDK8S_OUTDIR) at a folder of its own — new, empty, or an earlier output — or move them out.`,
      );
    }
    before = new Set(found.files);
    staging = mkdtempSync(join(dirname(target), `.${basename(target)}.staging-`));
    chmodSync(staging, 0o755);
  } catch (e) {
    unlock();
    throw e;
  }
  // The mode a written file gets (the umask's): a file linked from the current tree keeps its own, so one whose mode
  // was changed by hand (a stray `chmod +x`, which git records) is written again, like one whose bytes were.
  const writtenMode = 0o666 & ~process.umask();
  const added: string[] = [];
  const changed: string[] = [];
  const staged = new Set<string>();
  const made = new Set<string>();
  let open = true;
  const close = () => {
    open = false;
    unlock();
  };
  const abort = () => {
    if (!open) return;
    rmSync(staging, { recursive: true, force: true });
    close();
  };
  return {
    add(rel, content) {
      if (!open) throw new Error(`the tree of ${outdir} was already committed or aborted`);
      const path = join(staging, rel);
      if (!path.startsWith(staging + '/')) throw new Error(`refusing to write outside the output directory: ${rel}`);
      if (staged.has(rel)) throw new Error(`${rel} is written twice`);
      staged.add(rel);
      const dir = dirname(path);
      if (!made.has(dir)) mkdirSync(dir, { recursive: true });
      made.add(dir);
      // The report, and whether the current tree already has these bytes (then the file is linked, not written).
      // Compared as bytes: the text is encoded once (it is written so), the current file is not decoded.
      const bytes = Buffer.from(content);
      let same = false;
      if (!before.has(rel)) added.push(rel);
      else if (!sameFile(join(target, rel), bytes, writtenMode)) changed.push(rel);
      else same = true;
      place(join(target, rel), path, bytes, same);
    },
    commit() {
      if (!open) throw new Error(`the tree of ${outdir} was already committed or aborted`);
      try {
        swapIn(target, staging);
      } finally {
        close();
      }
      const removed = [...before].filter((f) => !staged.has(f));
      return { added: added.sort(), changed: changed.sort(), removed: removed.sort(), unchanged: staged.size - added.length - changed.length };
    },
    abort,
  };
}

/** What a write changed in the output directory, by path relative to it (each list sorted). */
export interface WriteReport {
  /** Files that were not there. */
  readonly added: readonly string[];
  /** Files whose content changed. */
  readonly changed: readonly string[];
  /** Files that were there and no longer belong (gone with the old tree). */
  readonly removed: readonly string[];
  /** How many files kept their exact bytes. */
  readonly unchanged: number;
}

/** What a file manager leaves in a folder it showed: not the user's work, removed with the old tree. */
const FILE_MANAGER_LEFTOVERS = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini']);

/**
 * Every file under `dir` a synth may replace (relative to it): the YAML files it writes (an earlier output's,
 * including files that no longer belong) and file managers' leftovers; and everything else (`foreign`): other
 * files, hidden folders such as `.git` (not entered), links.
 */
function survey(dir: string, prefix = '', out: { files: string[]; foreign: string[] } = { files: [], foreign: [] }): { files: string[]; foreign: string[] } {
  if (prefix === '' && !existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = `${prefix}${e.name}`;
    if (e.isDirectory()) {
      if (e.name.startsWith('.')) out.foreign.push(`${rel}/`);
      else survey(join(dir, e.name), `${rel}/`, out);
    } else if (e.isFile() && /^[^.].*\.ya?ml$/.test(e.name)) out.files.push(rel);
    else if (!(e.isFile() && FILE_MANAGER_LEFTOVERS.has(e.name))) out.foreign.push(rel);
  }
  return out;
}

/** Whether the file at `path` has these bytes and the mode a write gives (compared as bytes: the file is not decoded). */
function sameFile(path: string, bytes: Buffer, mode: number): boolean {
  const fd = openSync(path, 'r');
  try {
    return (fstatSync(fd).mode & 0o7777) === mode && readFileSync(fd).equals(bytes);
  } finally {
    closeSync(fd);
  }
}

/**
 * A file's bytes at `path` in the staging tree: a hard link to the current tree's file (`current`)
 * when that already has them (`same`), else written. Writing a new file costs this machine about 0.75 ms (1,548 files of a
 * 500-service platform: 1.2 s); a link about 0.02 ms, so a synth that changes a few files writes only
 * those. A file system without hard links gets the bytes written.
 */
function place(current: string, path: string, content: Buffer, same: boolean): void {
  if (same) {
    try {
      linkSync(current, path);
      return;
    } catch {
      // no hard links here: write it
    }
  }
  writeFileSync(path, content);
}

/** The staged tree becomes `target`; the old one is retired beside it and then removed. On failure the staging tree is dropped. */
function swapIn(target: string, staging: string): void {
  const retired = `${staging}.old`;
  const hadOld = existsSync(target);
  try {
    if (hadOld) renameSync(target, retired);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  try {
    renameSync(staging, target);
  } catch (e) {
    if (hadOld) renameSync(retired, target);
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  if (hadOld) rmSync(retired, { recursive: true, force: true });
}

/** Writes one file via a temporary sibling and a rename. */
export function writeFileAtomically(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}
