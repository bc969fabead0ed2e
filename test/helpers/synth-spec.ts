import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The environment `npm run synth` of `spec` into `out` runs with (no architecture document), on top of `base`. */
export const synthEnv = (spec: string, out: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv => ({ ...base, PLATFORM_SPEC: resolve(ROOT, spec), CDK8S_OUTDIR: out, PLATFORM_DOCS_OUT: '' });

/** The command line of `npm run synth --quiet`, as `node` arguments run from the project's root. */
export const SYNTH_ARGS = ['scripts/run.cjs', 'main.ts', '--quiet'] as const;

/**
 * `npm run synth --quiet` of `spec` into `out`, as a user runs it (a fresh process, the policy gate
 * included; no architecture document): for the suites that run another spec than platform.yaml
 * (the seed platforms). `env` is the environment it ran with (PLATFORM_SPEC, CDK8S_OUTDIR), for the
 * steps that read that tree next; `output` is what it printed.
 */
export function synthSpec(spec: string, out: string): { ok: boolean; output: string; env: NodeJS.ProcessEnv } {
  const env = synthEnv(spec, out);
  const r = spawnSync(process.execPath, [...SYNTH_ARGS], { cwd: ROOT, env, encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`, env };
}
