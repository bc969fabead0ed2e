/**
 * `npm run test:rules`: Prometheus's own promtool reads what we render.
 * - every PrometheusRule's groups, per environment: `promtool check rules`;
 * - every Grafana dashboard query, per environment, wrapped as a recording rule
 *   so promtool parses it as PromQL (Grafana's `$__rate_interval` / `$__interval`
 *   are replaced by a duration first, as Grafana does before it queries);
 * - `promtool test rules`: every alert of every environment against its cases
 *   in test/monitoring/alert-tests.ts (fires with its labels and annotations
 *   after its `for`, not before; silent on healthy series); an alert with no
 *   case fails;
 * - planted faults: a broken expression must be refused, and each alert's
 *   cases must fail on rules whose `for` was dropped, so a checker that
 *   accepts everything fails here.
 * promtool comes from `npm run tools:build` (test/cluster/build-tools.sh).
 * The reference's dist/ (or the tree named as the argument, rendered from PLATFORM_SPEC), then every
 * seed platform (examples/*.yaml) rendered afresh.
 * Prints `rules: N passed, N failed`; exit 1 on any failure.
 */
import { ARGOCD_DIR } from '../../charts/argocd-common';
import { ACCESS_DIR } from '../../charts/access';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dump, loadAll } from 'js-yaml';
import { loadPlatform } from '../../platform/load';
import { ALERT_CASES } from './alert-tests';
import { exampleSpecs } from '../../cli/examples';
import { synthSpec } from '../helpers/synth-spec';

const root = resolve(__dirname, '..', '..');
const dist = resolve(process.argv[2] ?? join(root, 'dist'));
const paths = execFileSync('bash', [join(root, 'test', 'cluster', 'build-tools.sh'), '--paths', 'prometheus'], { encoding: 'utf8' });
const promtool = /^promtool=(.*)$/m.exec(paths)?.[1];
if (!promtool || !statSync(promtool, { throwIfNoEntry: false })) {
  console.error('promtool is not built: run `npm run tools:build`');
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), 'promtool-'));

function yamlObjects(dir: string): any[] {
  const out: any[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlObjects(p));
    else if (e.name.endsWith('.yaml')) for (const d of loadAll(readFileSync(p, 'utf8'))) if (d) out.push(d);
  }
  return out;
}

function dashboardExprs(objects: any[]): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const cm of objects.filter((o) => o.kind === 'ConfigMap' && o.metadata?.labels?.grafana_dashboard)) {
    for (const [key, text] of Object.entries<string>(cm.data ?? {})) {
      const walk = (n: any, at: string) => {
        if (Array.isArray(n)) n.forEach((x, i) => walk(x, `${at}[${i}]`));
        else if (n && typeof n === 'object') {
          if (typeof n.expr === 'string') out.push({ where: `${cm.metadata.name}/${key} ${at}`, expr: n.expr });
          for (const [k, v] of Object.entries(n)) walk(v, `${at}.${k}`);
        }
      };
      walk(JSON.parse(text), '');
    }
  }
  return out;
}

/** promtool check rules on `groups`; returns promtool's complaint, or undefined when it accepts them. */
function check(name: string, groups: unknown[]): string | undefined {
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, dump({ groups }, { lineWidth: -1 }));
  const r = spawnSync(promtool!, ['check', 'rules', file], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `${r.stdout}${r.stderr}`.trim();
}

/** `promtool test rules` of `cases` against `groups`; promtool's complaint, or undefined when every case passes. */
function unitTest(name: string, groups: unknown[], cases: unknown[]): string | undefined {
  const rules = join(work, `${name}.rules.yaml`);
  const tests = join(work, `${name}.test.yaml`);
  writeFileSync(rules, dump({ groups }, { lineWidth: -1 }));
  writeFileSync(tests, dump({ rule_files: [rules], evaluation_interval: '1m', tests: cases }, { lineWidth: -1, noRefs: true }));
  const r = spawnSync(promtool!, ['test', 'rules', tests], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `${r.stdout}${r.stderr}`.trim();
}

// As npm run synth loads it (its peers' specs, SealedSecrets and extra manifests beside it).
const platform = loadPlatform(process.env.PLATFORM_SPEC ?? join(root, 'platform.yaml'));
const plantedUnits: { env: string; alert: string; groups: any[]; cases: unknown[] }[] = [];

let passed = 0;
let failed = 0;
const result = (what: string, problem: string | undefined) => {
  if (problem === undefined) passed++;
  else {
    failed++;
    console.log(`FAIL ${what}\n${problem}`);
  }
};

// Every environment directory: not Argo CD's objects nor the cluster-wide access roles.
const envs = readdirSync(dist).filter((d) => d !== ARGOCD_DIR && d !== ACCESS_DIR && statSync(join(dist, d)).isDirectory()).sort();
for (const env of envs) {
  const objects = yamlObjects(join(dist, env));
  const rules = objects.filter((o) => o.kind === 'PrometheusRule');
  if (rules.length === 0) result(`${env}: PrometheusRules`, 'no PrometheusRule rendered');
  for (const r of rules) {
    const n = r.spec.groups.reduce((k: number, g: any) => k + g.rules.length, 0);
    result(`${env}: PrometheusRule ${r.metadata.namespace}/${r.metadata.name} (${r.spec.groups.length} groups, ${n} rules)`, check(`${env}-${r.metadata.name}`, r.spec.groups));
  }
  // Unit tests, alert by alert (the rules of one environment are in one PrometheusRule).
  const model = platform.environments.find((e) => e.name === env);
  const groups = rules.flatMap((r) => r.spec.groups);
  const alerts = [...new Set(groups.flatMap((g: any) => g.rules.filter((x: any) => x.alert).map((x: any) => x.alert as string)))].sort();
  if (!model) result(`${env}: alert tests`, `no environment '${env}' in the spec: rendered from another platform.yaml?`);
  else {
    for (const alert of alerts) {
      const build = ALERT_CASES[alert];
      if (!build) {
        result(`${env}: promtool test rules ${alert}`, 'no test case in test/monitoring/alert-tests.ts');
        continue;
      }
      const cases = build(model, platform);
      result(`${env}: promtool test rules ${alert} (${cases.length} cases)`, unitTest(`${env}-${alert}`, groups, cases));
      plantedUnits.push({ env, alert, groups, cases });
    }
    console.log(`${env}: ${alerts.length} alerts unit-tested`);
  }
  const exprs = dashboardExprs(objects);
  if (exprs.length === 0) result(`${env}: dashboard queries`, 'no dashboard query found');
  for (const [i, e] of exprs.entries()) {
    const expr = e.expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m');
    result(`${env}: dashboard ${e.where}`, check(`${env}-dashboard-${i}`, [{ name: 'dashboard', rules: [{ record: 'dashboard:query', expr }] }]));
  }
  console.log(`${env}: ${rules.length} PrometheusRule(s), ${exprs.length} dashboard queries checked`);
}

// The planted fault: a checker that accepts this is broken.
const planted = check('planted-fault', [{ name: 'planted', rules: [{ alert: 'Broken', expr: 'sum(rate(http_requests_total[5m])' }] }]);
if (planted === undefined) result('planted fault (unbalanced parenthesis) must be refused', 'promtool accepted it');
else passed++;

// The planted fault of the unit tests, alert by alert: the cases of each alert must fail on rules that fire at
// once (no `for`), so no alert's cases pass whatever the rule says.
for (const u of plantedUnits) {
  const hasty = u.groups.map((g: any) => ({ ...g, rules: g.rules.map((r: any) => (r.alert ? { ...r, for: '0s' } : r)) }));
  if (unitTest(`planted-no-for-${u.env}-${u.alert}`, hasty, u.cases) === undefined) result(`planted fault: ${u.env} ${u.alert} without \`for\` must fail its cases`, 'promtool test rules passed');
  else passed++;
}

// The seed platforms (examples/*.yaml), when this run is the reference's: each rendered afresh and checked
// by this same script (their store kinds, managed stores and environments are not the reference's).
if (process.argv[2] === undefined && process.env.PLATFORM_SPEC === undefined) {
  for (const { name, spec } of exampleSpecs(root)) {
    const out = join(work, `example-${name}`);
    const { ok, output, env } = synthSpec(spec, out);
    if (!ok) {
      result(`${name}: synth ${spec}`, output);
      continue;
    }
    const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, out], { cwd: root, env, encoding: 'utf8' });
    const counts = /^rules: (\d+) passed, (\d+) failed$/m.exec(r.stdout);
    for (const line of r.stdout.split('\n').filter((l) => l.startsWith('FAIL') || / alerts unit-tested$/.test(l))) console.log(`${name}/${line}`);
    if (!counts) result(`${name}: promtool checks`, `${r.stdout}${r.stderr}`.trim());
    else {
      passed += Number(counts[1]);
      failed += Number(counts[2]);
      if (r.status !== 0 && counts[2] === '0') result(`${name}: promtool checks`, `exited ${r.status}: ${r.stderr}`);
    }
  }
}

console.log(`rules: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
