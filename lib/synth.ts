import { ApiObject, App } from 'cdk8s';
import { PlatformChart } from '../charts/platform-chart';
import { toYamlDocuments } from './yaml';

/** A Kubernetes object as rendered (plain JSON). */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

export interface RenderedChart {
  /** Path relative to the output directory. */
  readonly file: string;
  readonly objects: readonly KubeObject[];
}

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
  const charts: PlatformChart[] = [];
  for (const c of app.node.children) {
    if (!PlatformChart.isPlatformChart(c)) continue;
    charts.push(c);
    for (const node of c.node.findAll()) for (const e of node.node.validate()) errors.push(`[${node.node.path}] ${e}`);
  }
  if (errors.length) throw new Error(`Validation failed:\n  ${errors.join('\n  ')}`);

  const files = new Map<string, RenderedChart>();
  for (const chart of charts) {
    if (files.has(chart.file)) throw new Error(`two charts render to ${chart.file}`);
    const objects = chart.node
      .findAll()
      .filter((n): n is ApiObject => n instanceof ApiObject)
      .map((o) => o.toJson() as KubeObject);
    files.set(chart.file, { file: chart.file, objects });
  }
  return [...files.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** File path → YAML text. */
export function serializeCharts(charts: readonly RenderedChart[]): Map<string, string> {
  return new Map(charts.map((c) => [c.file, toYamlDocuments(c.objects)]));
}
