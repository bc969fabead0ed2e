import { parseArgs } from 'node:util';
import { SpecError } from '../platform/loader';
import { PolicyError } from '../policy/gate';
import { diffTrees, type DiffResult } from './diff';
import { FORMATS, formatReport, type Format } from './report';
import { RISK_FLAGS, type RiskFlagName } from './risk';
import { GitError, readGitTree, readTree, renderTree, shortCommit } from './sources';

/** Exit codes of `npm run diff`. */
export const EXIT = {
  /** Ran: no changes, or changes without a gated flag. */
  ok: 0,
  /** A risk flag named in `--fail-on` was found. */
  gated: 1,
  /** Bad arguments, an invalid spec, a policy violation, or a git error. */
  error: 2,
  /** `--exit-code` was given and something changed (no gated flag). */
  changed: 3,
} as const;

export const USAGE = `Usage: npm run diff -- [options]

Renders platform.yaml (the working tree's, as it is now) in memory and
compares its objects with dist/ as committed at HEAD (default), at another
git ref, or with a directory. Edit platform.yaml, then run this: no synth
needed. After npm run synth it still compares with HEAD's dist/

Options:
  --base <ref>         compare with dist/ as committed at <ref> (default: HEAD;
                       e.g. origin/main for a pull request)
  --base-dir <dir>     compare with the files in <dir> instead (e.g. dist, the
                       files on disk)
  --head-dir <dir>     compare against <dir> instead of a fresh render
  --spec <file>        platform spec (default: $PLATFORM_SPEC or platform.yaml)
  --dist <dir>         where dist/ lives in the repository (default: dist)
  --env <name>         only this environment directory (repeatable; argocd is one too)
  --format <f>         text | markdown | json (default: text)
  --fail-on <flags>    exit 1 if any of these flags is found: ${RISK_FLAGS.join(',')} or all
  --exit-code          exit 3 when anything changed (like git diff --exit-code)
  -h, --help           this help

Exit codes: 0 no changes or no gated flag, 1 a --fail-on flag was found,
2 usage, spec, policy or git error, 3 changes with --exit-code.
`;

export interface DiffIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface DiffOptions {
  /** Git ref whose dist/ is the base (default HEAD), unless `baseDir` is given. */
  readonly base?: string;
  readonly baseDir?: string;
  readonly headDir?: string;
  readonly spec: string;
  readonly dist: string;
  readonly envs: readonly string[];
  readonly format: Format;
  readonly failOn: readonly RiskFlagName[];
  readonly exitCode: boolean;
}

class UsageError extends Error {}

export function parseDiffArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): DiffOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        base: { type: 'string' },
        'base-dir': { type: 'string' },
        'head-dir': { type: 'string' },
        spec: { type: 'string' },
        dist: { type: 'string' },
        env: { type: 'string', multiple: true },
        format: { type: 'string' },
        'fail-on': { type: 'string' },
        'exit-code': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const format = (v.format ?? 'text') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${v.format}'`);
  if (v.base !== undefined && v['base-dir'] !== undefined) throw new UsageError('--base and --base-dir exclude each other');
  const failOn: RiskFlagName[] = [];
  for (const f of (v['fail-on'] ?? '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean)) {
    if (f === 'ALL') failOn.push(...RISK_FLAGS);
    else if ((RISK_FLAGS as readonly string[]).includes(f)) failOn.push(f as RiskFlagName);
    else throw new UsageError(`--fail-on: unknown flag '${f}' (known: ${RISK_FLAGS.join(', ')}, all)`);
  }
  const dist = v.dist ?? 'dist';
  return {
    ...(v['base-dir'] !== undefined ? { baseDir: v['base-dir'] } : { base: v.base ?? 'HEAD' }),
    ...(v['head-dir'] !== undefined ? { headDir: v['head-dir'] } : {}),
    spec: v.spec ?? env.PLATFORM_SPEC ?? 'platform.yaml',
    dist,
    envs: v.env ?? [],
    format,
    failOn: [...new Set(failOn)],
    exitCode: v['exit-code'] ?? false,
  };
}

function only(tree: Map<string, string>, envs: readonly string[]): Map<string, string> {
  if (envs.length === 0) return tree;
  return new Map([...tree].filter(([path]) => envs.includes(path.split('/')[0]!)));
}

/** The exit code for a result under the options. */
export function exitCodeOf(result: DiffResult, opts: Pick<DiffOptions, 'failOn' | 'exitCode'>): number {
  if (opts.failOn.some((f) => result.summary.flags[f] > 0)) return EXIT.gated;
  if (opts.exitCode && result.objects.length > 0) return EXIT.changed;
  return EXIT.ok;
}

/** `npm run diff`: returns the exit code, writes the report to `io.out`. */
export function runDiff(argv: readonly string[], io: DiffIO = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }): number {
  const cwd = io.cwd ?? process.cwd();
  let opts: DiffOptions | 'help';
  try {
    opts = parseDiffArgs(argv, io.env ?? process.env);
  } catch (e) {
    io.err(`diff: ${(e as Error).message}\n\n${USAGE}`);
    return EXIT.error;
  }
  if (opts === 'help') {
    io.out(USAGE);
    return EXIT.ok;
  }
  try {
    const resolvePath = (p: string) => (p.startsWith('/') ? p : `${cwd}/${p}`);
    const base = opts.baseDir !== undefined ? readTree(resolvePath(opts.baseDir)) : readGitTree(opts.base!, opts.dist, cwd);
    const head = opts.headDir !== undefined ? readTree(resolvePath(opts.headDir)) : renderTree(resolvePath(opts.spec));
    const compared = {
      base: opts.baseDir !== undefined ? `the files in ${opts.baseDir}/` : `${opts.dist}/ at ${opts.base} (${shortCommit(opts.base!, cwd)})`,
      head: opts.headDir !== undefined ? `the files in ${opts.headDir}/` : `${opts.spec} rendered now`,
    };
    const result = diffTrees(only(base, opts.envs), only(head, opts.envs));
    io.out(formatReport(result, opts.format, compared));
    const code = exitCodeOf(result, opts);
    if (code === EXIT.gated) io.err(`diff: gated risk flags found: ${opts.failOn.filter((f) => result.summary.flags[f] > 0).join(', ')}\n`);
    return code;
  } catch (e) {
    if (e instanceof SpecError || e instanceof PolicyError || e instanceof GitError) io.err(`diff: ${e.message}\n`);
    else io.err(`diff failed: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.error;
  }
}
