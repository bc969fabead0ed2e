// One benchmark run in a fresh process, as `npm run synth` renders: spec (file) → validate → model → each
// environment rendered, checked and staged → swapped in. Prints one JSON line; the parent (cli/bench.ts)
// measures the process wall time around it. Writing is interleaved with rendering: `writeMs` is the time
// spent staging files and swapping the tree, `renderMs` the rest. With a third argument, the chart cache
// in that folder, as `npm run synth` keeps it (entries written in the background: the process exits
// when they are in place, and the parent's wall time counts that). With `--load-only` first, it only loads the spec.
import { performance } from 'node:perf_hooks';
import { loadPlatform } from '../platform/load';
import { renderByEnvironment } from '../render/by-environment';
import { openTree } from '../render/writer';
import { ChartCache } from '../render/chart-cache';

// `--load-only <spec>`: the process starts and loads the spec (read, validated, the model built) and stops there: what
// every synth pays before it renders anything (the floor of a one-service change, issue 14).
const loadOnly = process.argv[2] === '--load-only';
const [spec, outdir, cacheDir] = process.argv.slice(loadOnly ? 3 : 2) as [string, string, string?];
const cache = cacheDir ? new ChartCache({ dir: cacheDir, version: 'bench' }) : undefined;
const t0 = performance.now();
const model = loadPlatform(spec);
const t1 = performance.now();
if (loadOnly) {
  console.log(JSON.stringify({ objects: 0, files: 0, loadMs: t1 - t0, renderMs: 0, writeMs: 0, maxRssMiB: process.resourceUsage().maxRSS / 1024, environments: model.environments.length }));
  process.exit(0);
}
const tree = openTree(outdir);
let objects = 0;
let files = 0;
let writeMs = 0;
renderByEnvironment(
  model,
  (path, text) => {
    const s = performance.now();
    tree.add(path, text);
    files++;
    writeMs += performance.now() - s;
  },
  { onCharts: (charts) => charts.forEach((c) => (objects += c.objects.length)), cache },
);
const t2 = performance.now();
tree.commit();
const t3 = performance.now();
writeMs += t3 - t2;
console.log(
  JSON.stringify({
    objects,
    files,
    loadMs: t1 - t0,
    renderMs: t3 - t1 - writeMs,
    writeMs,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    ...(cache ? { restored: cache.stats.restored, rendered: cache.stats.rendered } : {}),
  }),
);
