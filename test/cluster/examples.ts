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
 *   npm run test:examples                 every example, then peers
 *   npm run test:examples -- eks          one (by name; `peers` for the pair)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exampleSpecs } from '../../cli/examples';
import { synthSpec } from '../helpers/synth-spec';
import { writePair } from '../helpers/peers';

const ROOT = resolve(__dirname, '..', '..');
const only = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), 'examples-'));
const results: { name: string; ok: boolean; seconds: number }[] = [];
try {
  for (const { name, spec } of exampleSpecs(ROOT).filter((x) => only.length === 0 || only.includes(x.name))) {
    const t0 = Date.now();
    const out = join(work, name);
    console.log(`[examples] ${name}: synth ${spec} → ${out}`);
    const synth = synthSpec(spec, out, { inherit: true });
    const env = synth.env;
    let ok = synth.ok;
    if (ok) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/cluster/run.ts', '--no-upgrade', '--no-faults'], { cwd: ROOT, env, stdio: 'inherit' });
      ok = run.status === 0;
    }
    const seconds = Math.round((Date.now() - t0) / 1000);
    results.push({ name, ok, seconds });
    console.log(`[examples] ${name}: ${ok ? 'PASS' : 'FAIL'} in ${seconds} s`);
  }
  if (only.length === 0 || only.includes('peers')) {
    const t0 = Date.now();
    const specs = writePair(join(work, 'peers-specs'));
    const merged = join(work, 'peers-prod');
    let ok = true;
    for (const [name, spec] of Object.entries(specs)) {
      const out = join(work, `peers-${name}`);
      console.log(`[examples] peers: synth ${name} → ${out}`);
      ok = ok && synthSpec(spec, out, { inherit: true }).ok;
      // Both prod trees in one directory: one control plane gets both (their namespaces and objects are disjoint).
      if (ok) cpSync(join(out, 'prod'), join(merged, name), { recursive: true });
    }
    if (ok) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/cluster/run.ts', '--dir', merged, '--zones', 'z1,z2,z3'], { cwd: ROOT, stdio: 'inherit' });
      ok = run.status === 0;
    }
    const seconds = Math.round((Date.now() - t0) / 1000);
    results.push({ name: 'peers', ok, seconds });
    console.log(`[examples] peers: ${ok ? 'PASS' : 'FAIL'} in ${seconds} s`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (results.length === 0) {
  console.log(`[examples] no example matches ${only.join(', ')}`);
  process.exit(2);
}
const failed = results.filter((r) => !r.ok);
console.log(`examples: ${results.length - failed.length} passed, ${failed.length} failed (${results.map((r) => `${r.name} ${r.seconds} s`).join(', ')})`);
process.exit(failed.length ? 1 : 0);
