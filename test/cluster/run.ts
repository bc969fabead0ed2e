/**
 * `npm run test:cluster`: every environment of the rendered tree, applied to a
 * fresh real control plane as Argo CD would sync it, must be admitted with
 * zero errors and zero warnings, schedule, roll out and settle without a
 * Warning event; in prod one node per zone is then drained through the
 * Eviction API.
 *
 *   npm run test:cluster                          every environment of dist/
 *   npm run test:cluster -- --env prod            one environment
 *   npm run test:cluster -- --dir PATH [--zones a,b,c] [--ingress-gateway APP]   any rendered tree (steps 1–2)
 *   npm run test:cluster -- --base REF            upgrade from dist/ at REF (default: before the last commit that changed dist/)
 *   --keep   keeps the work directory (control-plane logs) · --no-drain · --no-upgrade · --no-faults
 *   --lanes N   runs N control planes at a time (default 2; ports CLUSTER_PORT_BASE + 10 × lane)
 *
 * For each environment: a fresh install (sync, settle, no Warning event,
 * istioctl analyze; prod: drain one node per zone), then an upgrade from the
 * base's dist/ (every update the API server refuses is exactly one `npm run
 * diff` flags REPLACE). Then the bad twins: a tree with planted faults must
 * fail with each fault named, and a planted upgrade (image bump, claim
 * resize) must be accepted and refused exactly as the diff predicts.
 *
 * Exit 0 only when every environment passes; each problem is printed with the
 * object and the reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { loadSpec } from '../../platform/loader';
import { accessExpectation, type AccessExpectation } from './access';
import { loadPlatform } from '../../platform/load';
import type { NodeLayout } from './prerequisites';
import { plantFaults, plantGuardrailFaults } from './faults';
import { runTree, type EnvResult } from './sync';
import { loadTree } from './tree';
import { GATEWAY } from './istio';
import { defaultPorts, type Ports } from './control-plane';
import { defaultBase, distAt, plantUpgrade, upgradeCheck, type UpgradeResult } from './upgrade';

const ROOT = resolve(__dirname, '..', '..');
const failedUpgrade = (e: Error): UpgradeResult => ({ problems: [`harness: ${e.message}`], changed: [], refused: new Map(), flagged: new Map(), pruned: [], seconds: 0 });
const GENERIC_ZONES = ['zone-a', 'zone-b', 'zone-c'];
const PORT_BASE = Number(process.env.CLUSTER_PORT_BASE ?? 16000);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      env: { type: 'string', multiple: true },
      dir: { type: 'string' },
      zones: { type: 'string' },
      'ingress-gateway': { type: 'string' },
      'nodes-per-zone': { type: 'string', default: '3' },
      'no-drain': { type: 'boolean', default: false },
      'no-faults': { type: 'boolean', default: false },
      'no-upgrade': { type: 'boolean', default: false },
      lanes: { type: 'string', default: '2' },
      base: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const lanesWanted = Number(values.lanes);
  if (!Number.isInteger(lanesWanted) || lanesWanted < 1) {
    console.error(`--lanes must be a positive integer, got ${values.lanes}`);
    process.exit(2);
  }
  const work = mkdtempSync(join(tmpdir(), 'platform-gen-cluster-'));
  const perZone = Number(values['nodes-per-zone']);
  const runs: { name: string; dir: string; layout: NodeLayout; drain: boolean }[] = [];
  // The platform the tree was rendered from (not needed with --dir).
  const specFile = process.env.PLATFORM_SPEC ?? join(ROOT, 'platform.yaml');
  const spec = values.dir ? undefined : loadSpec(specFile);
  // As npm run synth loads it (its peers' specs, SealedSecrets and extra manifests beside it).
  const model = spec ? loadPlatform(specFile) : undefined;
  const distRoot = process.env.CDK8S_OUTDIR ?? join(ROOT, 'dist');
  // The access roles (dist/access/, their own Application) are synced before each environment, as Argo CD's waves do.
  const before = existsSync(join(distRoot, 'access')) ? [join(distRoot, 'access')] : [];
  const access = (env: string): AccessExpectation | undefined => {
    const e = model?.environments.find((x) => x.name === env);
    return spec && e && Object.keys(spec.teams).length ? accessExpectation(spec.name, spec.teams, env, e.namespaces) : undefined;
  };
  if (values['ingress-gateway']) GATEWAY.app = values['ingress-gateway'];
  if (values.dir) {
    const zones = values.zones ? values.zones.split(',') : GENERIC_ZONES;
    runs.push({ name: basename(resolve(values.dir)), dir: resolve(values.dir), layout: { zones, perZone }, drain: false });
  } else if (model) {
    GATEWAY.app = model.cluster.ingressGateway.name;
    const envs = values.env ?? model.environments.map((e) => e.name);
    for (const e of envs) {
      const env = model.environments.find((x) => x.name === e);
      if (!env) throw new Error(`no environment '${e}' (have ${model.environments.map((x) => x.name).join(', ')})`);
      const zones = env.zones.length ? env.zones : GENERIC_ZONES;
      runs.push({ name: e, dir: join(process.env.CDK8S_OUTDIR ?? join(ROOT, 'dist'), e), layout: { zones, perZone }, drain: !values['no-drain'] && e === 'prod' });
    }
  }
  const results: EnvResult[] = [];
  /** One control-plane run: it prints its lines when it ends (a block per run, whichever lane ran it). */
  type Task = { name: string; run: (ports: Ports, out: string[]) => Promise<void> };
  const tasks: Task[] = [];
  for (const r of runs) {
    tasks.push({
      name: r.name,
      run: async (ports, out) => {
        out.push(`[cluster] ${r.name}: ${r.dir} on ${r.layout.zones.length} zones × ${r.layout.perZone} KWOK nodes`);
        let last: EnvResult;
        try {
          last = await runTree(r.name, r.dir, r.layout, { drain: r.drain, work, before: values.dir ? [] : before, access: access(r.name), ports });
        } catch (e) {
          last = { name: r.name, problems: [`harness: ${(e as Error).message}`], summary: {} };
        }
        results.push(last);
        for (const [k, v] of Object.entries(last.summary)) out.push(`[cluster] ${r.name}: ${k}: ${v}`);
        for (const p of last.problems) out.push(`[cluster] ${r.name}: PROBLEM ${p}`);
        out.push(`[cluster] ${r.name}: ${last.problems.length === 0 ? 'PASS' : `FAIL (${last.problems.length} problems)`}`);
      },
    });
  }
  const report = (out: string[], name: string, u: UpgradeResult, problems: string[]) => {
    out.push(`[cluster] ${name}: ${u.changed.length} objects changed, ${u.refused.size} refused by the API server, ${u.flagged.size} flagged REPLACE, ${u.pruned.length} pruned, ${u.seconds} s`);
    for (const [k, why] of u.refused) out.push(`[cluster] ${name}: refused ${k}: ${why}`);
    for (const p of problems) out.push(`[cluster] ${name}: PROBLEM ${p}`);
    out.push(`[cluster] ${name}: ${problems.length === 0 ? 'PASS' : `FAIL (${problems.length} problems)`}`);
    results.push({ name, problems, summary: {} });
  };
  // Step 4: the upgrade from the base's committed dist/ to the current one, per environment.
  if (!values.dir && !values['no-upgrade']) {
    const baseRoot = join(work, 'base-dist');
    const base = values.base ?? defaultBase(ROOT);
    distAt(base, baseRoot, ROOT);
    for (const r of runs) {
      const name = `${r.name} upgrade from ${base.replace(/^([0-9a-f]{10})[0-9a-f]+/, '$1')}`;
      tasks.push({
        name,
        run: async (ports, out) => {
          out.push(`[cluster] ${name}`);
          const u = await upgradeCheck(`${r.name}-upgrade`, r.name, baseRoot, distRoot, r.layout, work, ports).catch(failedUpgrade);
          report(out, name, u, u.problems);
        },
      });
    }
  }
  // The upgrade's bad twin: an image bump (accepted, not flagged) and a claim resize (refused, flagged).
  if (model && !values['no-faults'] && runs[0]) {
    const env = runs[0].name;
    const e = model.environments.find((x) => x.name === env)!;
    const deployment = e.services[0]!.name;
    const sts = loadTree(join(distRoot, env)).find((t) => t.obj.kind === 'StatefulSet' && t.obj.spec?.volumeClaimTemplates?.length)!.obj.metadata;
    const planted = plantUpgrade(distRoot, env, join(work, 'planted-upgrade'), deployment, sts.name);
    const name = 'planted upgrade';
    const layout = runs[0].layout;
    tasks.push({
      name,
      run: async (ports, out) => {
        out.push(`[cluster] ${name}: ${env} with Deployment ${deployment}'s image bumped and StatefulSet ${sts.name}'s claim template resized`);
        const u = await upgradeCheck('planted-upgrade', env, planted.baseRoot, planted.headRoot, layout, work, ports).catch(failedUpgrade);
        const stsId = `StatefulSet/${sts.namespace}/${sts.name}`;
        const depId = `Deployment/${e.namespace}/${deployment}`;
        const wrong: string[] = [];
        if (![...u.refused.keys()].includes(stsId) || u.refused.size !== 1) wrong.push(`expected exactly ${stsId} refused, got ${[...u.refused.keys()].join(', ') || 'none'}`);
        if (![...u.flagged.keys()].includes(stsId) || u.flagged.size !== 1) wrong.push(`expected exactly ${stsId} flagged REPLACE, got ${[...u.flagged.keys()].join(', ') || 'none'}`);
        if (!u.changed.includes(depId)) wrong.push(`expected ${depId} changed`);
        // The accepted image bump rolled out: the upgrade's own problems are the only other failures.
        report(out, name, u, [...wrong, ...u.problems]);
      },
    });
  }
  // The bad twin: a copy of the first environment with faults planted must fail, each fault named.
  if (model && !values['no-faults'] && runs[0]) {
    const first = runs[0];
    // Services with one stable Deployment (`<service>`, the stable subset routed): not a blue-green one.
    const svcs = model.environments.find((e) => e.name === first.name)!.services.filter((s) => !s.blueGreen).map((s) => s.name);
    if (svcs.length < 4) throw new Error('planted faults need four services');
    const dir = join(work, 'planted-faults');
    const faults = plantFaults(first.dir, dir, [svcs[0]!, svcs[1]!, svcs[2]!, svcs[3]!], access(first.name));
    // With teams, the access tree synced before it is a copy with guardrails broken.
    const plantedBefore = before.length && access(first.name) ? [join(work, 'planted-faults-access')] : before;
    if (plantedBefore !== before) faults.push(...plantGuardrailFaults(before[0]!, plantedBefore[0]!, model.name));
    tasks.push({
      name: 'planted faults',
      run: async (ports, out) => {
        out.push(`[cluster] planted faults: ${first.name} with ${faults.map((f) => f.what).join('; ')}`);
        const r = await runTree('planted-faults', dir, first.layout, { drain: false, work, waveTimeoutMs: 60_000, before: plantedBefore, access: access(first.name), ports }).catch((e) => ({ name: 'planted-faults', problems: [`harness: ${e.message}`], summary: {} }) as EnvResult);
        const missed = faults.filter((f) => !r.problems.some((p) => f.expect.test(p)));
        for (const p of r.problems) out.push(`[cluster] planted faults: reported ${p.split('\n')[0]}`);
        for (const f of missed) out.push(`[cluster] planted faults: NOT REPORTED: ${f.what} (expected ${f.expect})`);
        out.push(`[cluster] planted faults: ${missed.length === 0 ? `PASS (all ${faults.length} reported)` : `FAIL (${missed.length} of ${faults.length} not reported)`}`);
        results.push({ name: 'planted-faults', problems: missed.map((f) => `not reported: ${f.what}`), summary: {} });
      },
    });
  }
  // The runs side by side in lanes, each lane's control planes on ports of its own (CLUSTER_PORT_BASE + 10 × lane):
  // a run mostly waits on rollouts (minReadySeconds, waves, the settle loop), so two share the machine's cores well.
  const queue = [...tasks];
  const lanes = Math.min(lanesWanted, tasks.length);
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      const ports = defaultPorts(PORT_BASE + 10 * lane);
      for (let t = queue.shift(); t; t = queue.shift()) {
        console.log(`[cluster] ${t.name}: started${lanes > 1 ? ` (lane ${lane + 1})` : ''}`);
        const out: string[] = [];
        const started = Date.now();
        await t.run(ports, out).catch((e: Error) => {
          out.push(`[cluster] ${t!.name}: PROBLEM harness: ${e.message}`);
          results.push({ name: t!.name, problems: [`harness: ${e.message}`], summary: {} });
        });
        out.push(`[cluster] ${t.name}: ended in ${Math.round((Date.now() - started) / 1000)} s`);
        console.log(out.join('\n'));
      }
    }),
  );
  console.log(`[cluster] ${tasks.length} runs in ${Math.round((Date.now() - t0) / 1000)} s, ${lanes} at a time`);
  if (values.keep) console.log(`[cluster] kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
  const failed = results.filter((r) => r.problems.length);
  console.log(`cluster: ${results.length - failed.length} passed, ${failed.length} failed`);
  process.exit(failed.length ? 1 : 0);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
