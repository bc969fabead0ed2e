import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import { loadPlatform } from '../platform/load';
import { renderPlatform } from '../render/pipeline';

/** A rendered tree: path relative to its root (with `/`) → file content. */
export type Tree = ReadonlyMap<string, string>;

/** The YAML files under `dir` (an absent directory is an empty tree). */
export function readTree(dir: string): Map<string, string> {
  const root = resolve(dir);
  const out = new Map<string, string>();
  let exists = false;
  try {
    exists = statSync(root).isDirectory();
  } catch {
    exists = false;
  }
  if (!exists) return out;
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (/\.ya?ml$/.test(e.name)) out.set(relative(root, p).split(sep).join('/'), readFileSync(p, 'utf8'));
    }
  };
  visit(root);
  return out;
}

export class GitError extends Error {
  override readonly name = 'GitError';
}

function git(args: string[], cwd: string): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new GitError(`git ${args.join(' ')}: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** The abbreviated commit `ref` names, for the report's header. */
export function shortCommit(ref: string, cwd = process.cwd()): string {
  return git(['rev-parse', '--short', `${ref}^{commit}`], cwd).trim();
}

/**
 * The YAML files under `dir` as committed at `ref` (a branch, tag or commit).
 * `dir` is relative to `cwd`, which must be inside a git work tree. A ref
 * without that directory is an empty tree (everything is new).
 */
export function readGitTree(ref: string, dir: string, cwd = process.cwd()): Map<string, string> {
  try {
    git(['rev-parse', '--show-toplevel'], cwd);
  } catch {
    throw new GitError(`${cwd} is not in a git repository, so there is no committed ${dir}/ to compare with: pass --base-dir ${dir} to compare with the files on disk`);
  }
  try {
    git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], cwd);
  } catch {
    throw new GitError(`no commit '${ref}' in this repository (a branch, tag or commit; in a shallow CI clone fetch it first, e.g. git fetch origin ${ref})`);
  }
  const top = git(['rev-parse', '--show-toplevel'], cwd).trim();
  const inRepo = relative(top, resolve(cwd, dir)).split(sep).join('/');
  if (inRepo.startsWith('..')) throw new GitError(`${dir} is outside the git work tree ${top}`);
  const listing = git(['ls-tree', '-r', '-z', '--name-only', ref, '--', `${inRepo}/`], top);
  const out = new Map<string, string>();
  for (const path of listing.split('\0').filter((p) => /\.ya?ml$/.test(p))) {
    out.set(posix.relative(inRepo, path), git(['show', `${ref}:${path}`], top));
  }
  return out;
}

/** Renders `spec` in memory through the same pipeline as `npm run synth` (policy gate included). */
export function renderTree(spec: string): Map<string, string> {
  return new Map(renderPlatform(loadPlatform(spec)).files);
}
