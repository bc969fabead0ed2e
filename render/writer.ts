import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Replaces `outdir` with exactly `files`, or leaves it untouched.
 *
 * Everything is written into a sibling temporary directory first; only when
 * that succeeded is the old directory swapped out (two renames on the same
 * file system). Files that no longer belong disappear with the old directory.
 * The directory gets the mode a checkout gives it (0755; mkdtemp makes 0700),
 * files and subdirectories the process's umask as usual.
 */
export function writeTreeAtomically(outdir: string, files: ReadonlyMap<string, string>): void {
  const target = resolve(outdir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(join(parent, `.${basename(target)}.staging-`));
  chmodSync(staging, 0o755);
  try {
    for (const [rel, content] of files) {
      const path = join(staging, rel);
      if (!path.startsWith(staging + '/')) throw new Error(`refusing to write outside the output directory: ${rel}`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  const retired = `${staging}.old`;
  const hadOld = existsSync(target);
  if (hadOld) renameSync(target, retired);
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
