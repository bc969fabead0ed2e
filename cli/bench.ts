/**
 * npm run bench [-- --sizes 100,500,1000 --runs 3]
 *
 * Renders the reference platform and generated platforms of N services × 3
 * environments, each in a fresh process exactly as `npm run synth` runs, and
 * prints a Markdown table: wall time (median of runs, process start to exit),
 * the in-process phases, objects per second and peak memory (max RSS). Its
 * baseline is a plain cdk8s-plus-28 app (cli/bench-baseline.ts) rendering 500 ×
 * (Deployment, Service, HorizontalPodAutoscaler) in one environment, run with
 * tsx as the default toolchain runs it; the last lines compare the generated
 * platform of 500 services with it, in pairs run back to back (per run and per object), and time a
 * one-service change of that platform over its previous output with the chart
 * cache (`npm run synth -- --cache`), which the rows do not use: each sample times,
 * back to back, a full render without the cache, one with an empty cache, an
 * unchanged one, the change, and a process that only loads the changed spec
 * (what any synth pays before it builds a part: the floor of an incremental synth);
 * the ratios are taken within the sample.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { dump } from 'js-yaml';
import { generatePlatform } from './generate-spec';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100,500,1000' }, runs: { type: 'string', default: '3' } } });
const sizes = values.sizes!.split(',').map(Number);
const runs = Number(values.runs);
const root = resolve(__dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'bench-'));

interface Sample { wallMs: number; objects: number; files: number; loadMs: number; renderMs: number; writeMs: number; maxRssMiB: number; restored?: number; rendered?: number }

let caches = 0;
/** A fresh chart cache folder (an empty cache), or `none`. */
const emptyCache = () => join(work, `cache-${caches++}`);

function runOnce(spec: string, outdir = join(work, 'out'), cache: string | 'none' = 'none'): Sample {
  const start = performance.now();
  const args = [join(root, 'scripts', 'run.cjs'), 'cli/bench-worker.ts', spec, outdir, ...(cache === 'none' ? [] : [cache])];
  const out = execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const wallMs = performance.now() - start;
  return { wallMs, ...JSON.parse(out.trim().split('\n').pop()!) };
}

/** A process that starts, loads `spec` (validated, the model built) and stops: what every synth pays before rendering. */
const loadOnce = (spec: string): Sample => {
  const start = performance.now();
  const out = execFileSync(process.execPath, [join(root, 'scripts', 'run.cjs'), 'cli/bench-worker.ts', '--load-only', spec], { cwd: root, encoding: 'utf8' });
  return { ...JSON.parse(out.trim().split('\n').pop()!), wallMs: performance.now() - start };
};

/** Services of the plain cdk8s-plus baseline (issue 14: 500 × Deployment, Service, HPA; 1,500 objects). */
const BASELINE_SERVICES = 500;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  runOnce(join(root, 'platform.yaml')); // warm the bundle cache
  const cases: { label: string; spec: string; services: number }[] = [{ label: 'reference platform.yaml', spec: join(root, 'platform.yaml'), services: 9 }];
  for (const n of sizes) {
    const file = join(work, `platform-${n}.yaml`);
    writeFileSync(file, dump(generatePlatform(n)));
    cases.push({ label: `generated`, spec: file, services: n });
  }
  const rows: string[] = [];
  const walls = new Map<number, { wallMs: number; objects: number }>();
  for (const c of cases) {
    const samples = Array.from({ length: runs }, () => runOnce(c.spec));
    const m = (k: keyof Sample) => median(samples.map((s) => s[k] ?? 0));
    const wall = m('wallMs');
    if (c.label === 'generated') walls.set(c.services, { wallMs: wall, objects: m('objects') });
    rows.push(
      `| ${c.label} | ${c.services} × 3 | ${m('objects')} | ${(wall / 1000).toFixed(2)} s | ${m('loadMs').toFixed(0)} / ${m('renderMs').toFixed(0)} / ${m('writeMs').toFixed(0)} ms | ${Math.round(m('objects') / (wall / 1000)).toLocaleString('en-US')} | ${m('maxRssMiB').toFixed(0)} MiB |`,
    );
    console.error(`done: ${c.label} ${c.services}`);
  }
  // A one-service change (a new image of one service) over the output of the unchanged platform, as a
  // developer's second `npm run synth` runs: the first render of each sample is not timed.
  let incremental: { wallMs: number; renderMs: number; writeMs: number; rendered: number; parts: number; fullMs: number; ratio: number; floorMs: number; floorLoadMs: number; floorRatio: number } | undefined;
  let unchanged: { wallMs: number; ratio: number } | undefined;
  let firstCached: { wallMs: number; ratio: number } | undefined;
  if (walls.has(BASELINE_SERVICES)) {
    const spec = generatePlatform(BASELINE_SERVICES);
    const base = join(work, `platform-${BASELINE_SERVICES}.yaml`);
    const changed = join(work, `platform-${BASELINE_SERVICES}-changed.yaml`);
    const one = spec.services!.find((s) => s.name === 'svc-0250')!;
    (one as { image: string }).image = one.image!.replace(/:.*$/, ':2.0.0');
    writeFileSync(changed, dump(spec));
    // Each sample times, back to back, a full render without the cache, the first with an empty cache, an
    // unchanged one and the one-service change, and compares them within the sample: this machine's speed
    // drifts between the rows.
    const samples = Array.from({ length: runs }, () => {
      const dir = join(work, 'incremental');
      const cache = emptyCache();
      const full = runOnce(base, dir).wallMs;
      const first = runOnce(base, dir, cache).wallMs;
      const same = runOnce(base, dir, cache).wallMs;
      const change = runOnce(changed, dir, cache);
      const floor = loadOnce(changed);
      return { full, first, same, change, floor };
    });
    const med = (f: (x: (typeof samples)[number]) => number) => median(samples.map(f));
    incremental = {
      wallMs: med((x) => x.change.wallMs),
      renderMs: med((x) => x.change.renderMs),
      writeMs: med((x) => x.change.writeMs),
      rendered: med((x) => x.change.rendered!),
      parts: samples[0]!.change.rendered! + samples[0]!.change.restored!,
      fullMs: med((x) => x.full),
      ratio: med((x) => x.change.wallMs / x.full),
      floorMs: med((x) => x.floor.wallMs),
      floorLoadMs: med((x) => x.floor.loadMs),
      floorRatio: med((x) => x.floor.wallMs / x.full),
    };
    unchanged = { wallMs: med((x) => x.same), ratio: med((x) => x.same / x.full) };
    firstCached = { wallMs: med((x) => x.first), ratio: med((x) => x.first / x.full) };
    console.error('done: one-service change');
  }
  // The baseline: plain cdk8s-plus, run with tsx (its own process start included, as for ours). Each of its runs is
  // paired with a run of the generated platform of as many services right before it, and the ratio is taken within
  // the pair: the rows above ran minutes earlier, and this machine's speed drifts.
  const baselineOnce = () => {
    const start = performance.now();
    const out = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), ['cli/bench-baseline.ts', String(BASELINE_SERVICES), join(work, 'baseline')], { cwd: root, encoding: 'utf8' });
    return { wallMs: performance.now() - start, ...(JSON.parse(out.trim().split('\n').pop()!) as { objects: number; maxRssMiB: number }) };
  };
  const paired = walls.has(BASELINE_SERVICES) ? join(work, `platform-${BASELINE_SERVICES}.yaml`) : undefined;
  const pairs = Array.from({ length: runs }, () => {
    const ours = paired ? runOnce(paired) : undefined;
    return { ours, base: baselineOnce() };
  });
  const baseline = pairs.map((p) => p.base);
  const baseWall = median(baseline.map((b) => b.wallMs));
  const baseObjects = baseline[0]!.objects;
  rows.push(
    `| plain cdk8s-plus-28 (tsx) | ${BASELINE_SERVICES} × 1 | ${baseObjects} | ${(baseWall / 1000).toFixed(2)} s | – | ${Math.round(baseObjects / (baseWall / 1000)).toLocaleString('en-US')} | ${median(baseline.map((b) => b.maxRssMiB)).toFixed(0)} MiB |`,
  );
  console.log(`| platform | services × envs | objects | wall (median of ${runs}) | load / render / write | objects/s (wall) | peak RSS |`);
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  const ours = walls.get(BASELINE_SERVICES);
  if (incremental && unchanged && firstCached) {
    const pct = (r: number) => `${(100 * r).toFixed(0)} %`;
    console.log(
      `\nWith the chart cache (\`--cache\`), ${BASELINE_SERVICES} services, each against a full render without it in the same sample (${(incremental.fullMs / 1000).toFixed(2)} s), medians of ${runs}: ` +
        `one service changed (svc-0250's image) over the previous output and cache ${(incremental.wallMs / 1000).toFixed(2)} s, ${pct(incremental.ratio)} ` +
        `(render ${incremental.renderMs.toFixed(0)} ms, write ${incremental.writeMs.toFixed(0)} ms; ${incremental.rendered} of ${incremental.parts} parts built); ` +
        `nothing changed ${(unchanged.wallMs / 1000).toFixed(2)} s, ${pct(unchanged.ratio)}; the first render with an empty cache ${(firstCached.wallMs / 1000).toFixed(2)} s, ${pct(firstCached.ratio)}. ` +
        `What any synth of the changed spec pays before it builds a part (starting, loading the bundle, loading the spec: \`--load-only\`) ${(incremental.floorMs / 1000).toFixed(2)} s, ${pct(incremental.floorRatio)} (the spec's load ${incremental.floorLoadMs.toFixed(0)} ms of it).`,
    );
  }
  if (ours) {
    const ratios = pairs.map((p) => p.ours!.wallMs / p.base.wallMs);
    const ratio = median(ratios);
    const perObject = ratio / (ours.objects / baseObjects);
    console.log(
      `\n${BASELINE_SERVICES} services × 3 environments against plain cdk8s-plus, in ${runs} pairs run back to back (${ratios.map((r) => r.toFixed(2)).join(', ')}): ` +
        `median ${ratio.toFixed(2)}× its wall time (target < 1.0) for ${(ours.objects / baseObjects).toFixed(1)}× its objects: ${perObject.toFixed(3)}× its time per object.`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
