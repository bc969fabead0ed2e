// One benchmark run in a fresh process: spec (file) → validate → model → render → policy → write.
// Prints one JSON line; the parent (cli/bench.ts) measures the process wall time around it.
import { performance } from 'node:perf_hooks';
import { loadPlatform } from '../platform/load';
import { renderPlatform } from '../render/pipeline';
import { writeTreeAtomically } from '../render/writer';

const [spec, outdir] = process.argv.slice(2) as [string, string];
const t0 = performance.now();
const model = loadPlatform(spec);
const t1 = performance.now();
const { charts, files } = renderPlatform(model);
const t2 = performance.now();
writeTreeAtomically(outdir, files);
const t3 = performance.now();
console.log(
  JSON.stringify({
    objects: charts.reduce((n, c) => n + c.objects.length, 0),
    files: files.size,
    loadMs: t1 - t0,
    renderMs: t2 - t1,
    writeMs: t3 - t2,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
