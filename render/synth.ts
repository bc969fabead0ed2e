import { ApiObject, App } from 'cdk8s';
import { PlatformChart } from '../charts/platform-chart';
import { toYamlDocuments } from './yaml';
import type { KubeObject, RenderedChart } from '../blocks/kube-object';

/**
 * Renders every PlatformChart of `app`, one entry per output file.
 *
 * cdk8s's `Chart.toJson()` re-walks the whole app (dependency resolution and
 * validation) for every chart, which makes N charts cost O(N²). Our charts do
 * not depend on each other, so we validate the tree once and render each
 * chart's own objects directly: linear in the number of objects.
 */
export function synthCharts(app: App): RenderedChart[] {
  const errors: string[] = [];
  const charts: { chart: PlatformChart; apiObjects: ApiObject[] }[] = [];
  for (const c of app.node.children) {
    if (!PlatformChart.isPlatformChart(c)) continue;
    const nodes = c.node.findAll();
    for (const node of nodes) for (const e of node.node.validate()) errors.push(`[${node.node.path}] ${e}`);
    charts.push({ chart: c, apiObjects: nodes.filter((n): n is ApiObject => n instanceof ApiObject) });
  }
  if (errors.length) throw new Error(`Validation failed:\n  ${errors.join('\n  ')}`);

  const files = new Map<string, RenderedChart>();
  for (const { chart, apiObjects } of charts) {
    if (files.has(chart.file)) throw new Error(`two charts render to ${chart.file}`);
    files.set(chart.file, { file: chart.file, objects: apiObjects.map((o) => o.toJson() as KubeObject) });
  }
  return [...files.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** File path → YAML text. */
export function serializeCharts(charts: readonly RenderedChart[]): Map<string, string> {
  return new Map(charts.map((c) => [c.file, toYamlDocuments(c.objects)]));
}
