/**
 * `npm run test:examples`: every seed platform (examples/*.yaml) rendered with `npm run synth` into a
 * scratch directory and run through `npm run test:cluster` like the reference — each environment on a
 * fresh real control plane: applied with strict validation, admitted, scheduled, rolled out, settled,
 * istioctl analyze, team access (where the spec has teams), prod drained. No upgrade (an example has no
 * committed base) and no planted faults (the reference run plants them). Then `peers`: two specs calling
 * each other (test/helpers/peers.ts, docs/gitops.md "Calls across specs"), each rendered by npm run synth
 * from its own file, their prod trees applied to one control plane together: both halves of the grant
 * admitted, every pod of both rolled out, istioctl analyze clean across the two. Exit 0 only if every
 * case passes.
 *
 * The cases run in lanes side by side (`--lanes`, default 2), each lane's control planes on ports of its
 * own (CLUSTER_PORT_BASE + 100 × lane), and each case's environments one at a time (`test:cluster --lanes 1`):
 * a run mostly waits on rollouts (minReadySeconds, waves), so two share this 2-core machine well. Every line a
 * case prints is prefixed with its name.
 *
 *   npm run test:examples                 every example, then peers
 *   npm run test:examples -- eks          one (by name; `peers` for the pair)
 *   npm run test:examples -- --lanes 1    one case at a time
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exampleSpecs } from '../../cli/examples';
import { writePair } from '../helpers/peers';
import { SYNTH_ARGS, synthEnv } from '../helpers/synth-spec';

const ROOT = resolve(__dirname, '..', '..');
const { values, positionals: only } = parseArgs({ allowPositionals: true, options: { lanes: { type: 'string', default: '2' } } });
const lanes = Number(values.lanes);
if (!Number.isInteger(lanes) || lanes < 1) {
  console.error(`--lanes must be a positive integer, got ${values.lanes}`);
  process.exit(2);
}
const portBase = Number(process.env.CLUSTER_PORT_BASE ?? 16000);
const work = mkdtempSync(join(tmpdir(), 'examples-'));

/** Runs one process, its output line by line under `[name]`; resolves to whether it exited 0. */
function step(name: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
      let rest = '';
      from.setEncoding('utf8');
      from.on('data', (d: string) => {
        const lines = (rest + d).split('\n');
        rest = lines.pop()!;
        for (const l of lines) to.write(`[${name}] ${l}\n`);
      });
      from.on('end', () => rest && to.write(`[${name}] ${rest}\n`));
    }
    child.on('close', (code) => done(code === 0));
    child.on('error', (e) => {
      console.error(`[${name}] ${e.message}`);
      done(false);
    });
  });
}

/** `npm run synth --quiet` of `spec` into `out`, as a user runs it (no architecture document). */
const synth = (name: string, spec: string, out: string, env: NodeJS.ProcessEnv) => step(name, SYNTH_ARGS, synthEnv(spec, out, env));
const cluster = (name: string, args: readonly string[], env: NodeJS.ProcessEnv) => step(name, ['--import', 'tsx', 'test/cluster/run.ts', ...args], env);

interface Case {
  readonly name: string;
  /** Runs the case with `env` (its lane's ports); resolves to whether it passed. */
  run(env: NodeJS.ProcessEnv): Promise<boolean>;
}

const cases: Case[] = exampleSpecs(ROOT)
  .filter((x) => only.length === 0 || only.includes(x.name))
  .map(({ name, spec }) => ({
    name,
    run: async (env) => {
      const out = join(work, name);
      console.log(`[examples] ${name}: synth ${spec} → ${out}`);
      if (!(await synth(name, spec, out, env))) return false;
      return cluster(name, ['--no-upgrade', '--no-faults', '--lanes', '1'], synthEnv(spec, out, env));
    },
  }));
if (only.length === 0 || only.includes('peers')) {
  cases.push({
    name: 'peers',
    run: async (env) => {
      const specs = writePair(join(work, 'peers-specs'));
      const merged = join(work, 'peers-prod');
      for (const [name, spec] of Object.entries(specs)) {
        const out = join(work, `peers-${name}`);
        console.log(`[examples] peers: synth ${name} → ${out}`);
        if (!(await synth('peers', spec, out, env))) return false;
        // Both prod trees in one directory: one control plane gets both (their namespaces and objects are disjoint).
        cpSync(join(out, 'prod'), join(merged, name), { recursive: true });
      }
      return cluster('peers', ['--dir', merged, '--zones', 'z1,z2,z3', '--lanes', '1'], env);
    },
  });
}

async function main(): Promise<number> {
  if (cases.length === 0) {
    console.log(`[examples] no example matches ${only.join(', ')}`);
    return 2;
  }
  const results: { name: string; ok: boolean; seconds: number }[] = [];
  const queue = [...cases];
  const lane = async (i: number) => {
    const env = { ...process.env, CLUSTER_PORT_BASE: String(portBase + 100 * i) };
    for (let c = queue.shift(); c; c = queue.shift()) {
      const t0 = Date.now();
      const ok = await c.run(env).catch((e: Error) => (console.error(`[${c!.name}] ${e.stack ?? e.message}`), false));
      const seconds = Math.round((Date.now() - t0) / 1000);
      results.push({ name: c.name, ok, seconds });
      console.log(`[examples] ${c.name}: ${ok ? 'PASS' : 'FAIL'} in ${seconds} s`);
    }
  };
  const t0 = Date.now();
  const used = Math.min(lanes, cases.length);
  try {
    await Promise.all(Array.from({ length: used }, (_, i) => lane(i)));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const order = new Map(cases.map((c, i) => [c.name, i]));
  results.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  const failed = results.filter((r) => !r.ok);
  console.log(
    `examples: ${results.length - failed.length} passed, ${failed.length} failed (${results.map((r) => `${r.name} ${r.seconds} s`).join(', ')}; ${Math.round((Date.now() - t0) / 1000)} s, ${used} at a time)`,
  );
  return failed.length ? 1 : 0;
}

main().then((code) => process.exit(code));
