import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * `npm run synth --quiet` of `spec` into `out`, as a user runs it (a fresh process, the policy gate
 * included; no architecture document): for the suites that run another spec than platform.yaml
 * (the seed platforms). `env` is the environment it ran with (PLATFORM_SPEC, CDK8S_OUTDIR), for the
 * steps that read that tree next. `output` is what it printed, unless `inherit` passed it through.
 */
export function synthSpec(spec: string, out: string, o: { inherit?: boolean } = {}): { ok: boolean; output: string; env: NodeJS.ProcessEnv } {
  const env = { ...process.env, PLATFORM_SPEC: resolve(ROOT, spec), CDK8S_OUTDIR: out, PLATFORM_DOCS_OUT: '' };
  const r = spawnSync(process.execPath, ['scripts/run.cjs', 'main.ts', '--quiet'], { cwd: ROOT, env, ...(o.inherit ? { stdio: 'inherit' } : { encoding: 'utf8' }) });
  return { ok: r.status === 0, output: o.inherit ? '' : `${r.stdout}${r.stderr}`, env };
}
