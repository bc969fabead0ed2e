import { ApiObject, App, Chart } from 'cdk8s';
import { PolicyError } from '../policy/gate';
import { PolicyValidation } from '../policy/validation';
import { PlatformChart } from '../charts/platform-chart';
import { toYamlDocuments } from './yaml';
import type { KubeObject, RenderedChart } from '../blocks/kube-object';

/**
 * Renders every chart of `app`, one entry per output file, after running
 * every construct's validations once — including the rule pack when
 * `PolicyValidation.of(app)` was added (then a failure is a PolicyError
 * listing every violation).
 *
 * cdk8s's `Chart.toJson()` re-walks the whole app (dependency resolution and
 * validation) for every chart, which makes N charts cost O(N²). Our charts do
 * not depend on each other, so we validate the tree once and render each
 * chart's own objects directly: linear in the number of objects.
 */
export function synthCharts(app: App): RenderedChart[] {
  const plain = app.node.children.filter((c) => Chart.isChart(c) && !PlatformChart.isPlatformChart(c));
  if (plain.length) {
    throw new Error(
      plain.map((c) => `chart '${c.node.path}' is a plain cdk8s Chart: it names no file under the output directory. Make it a PlatformChart with file '<environment>/<folder>/<name>.yaml' (its environment's kustomization, Argo CD Application and AppProject then include it).`).join('\n'),
    );
  }
  const errors: string[] = [];
  for (const node of app.node.findAll()) for (const e of node.node.validate()) errors.push(`[${node.node.path || '(app)'}] ${e}`);
  const gate = PolicyValidation.find(app);
  if (gate && gate.violations.length > 0 && errors.length === gate.violations.length) throw new PolicyError(gate.violations);
  if (errors.length) throw new Error(`Validation failed:\n  ${errors.join('\n  ')}`);

  const files = new Map<string, RenderedChart>();
  for (const c of app.node.children) {
    if (!PlatformChart.isPlatformChart(c)) continue;
    if (files.has(c.file)) throw new Error(`two charts render to ${c.file}`);
    const objects = c.node.findAll().filter((n): n is ApiObject => n instanceof ApiObject);
    files.set(c.file, { file: c.file, objects: objects.map((o) => (gate ? gate.rendered(o) : (o.toJson() as KubeObject))) });
  }
  return [...files.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** File path → YAML text. */
export function serializeCharts(charts: readonly RenderedChart[]): Map<string, string> {
  return new Map(charts.map((c) => [c.file, toYamlDocuments(c.objects)]));
}
