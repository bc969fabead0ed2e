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
  // Every chart is a PlatformChart added to the App itself: what is written, what the quota counts and what
  // the gate checks are then the same charts.
  const misplaced = app.node.findAll().flatMap((c) => {
    if (!Chart.isChart(c)) return [];
    if (!PlatformChart.isPlatformChart(c)) return [`chart '${c.node.path}' is a plain cdk8s Chart: it names no file under the output directory. Make it a PlatformChart with file '<environment>/<folder>/<name>.yaml' (its environment's kustomization, Argo CD Application and AppProject then include it).`];
    return c.node.scope === app ? [] : [`PlatformChart '${c.node.path}' is nested in '${c.node.scope!.node.path}': add it to the App itself (only those are written).`];
  });
  if (misplaced.length) throw new Error(misplaced.join('\n'));

  const gate = PolicyValidation.find(app);
  const errors: string[] = [];
  let policyFailed = false;
  for (const node of app.node.findAll()) {
    const found = node.node.validate();
    // The gate's own messages (it runs as one of the App's validations) become a PolicyError; any other is an Error.
    const gateMessages = new Set(node === app ? (gate?.messages ?? []) : []);
    for (const e of found) {
      if (gateMessages.has(e)) policyFailed = true;
      else errors.push(`[${node.node.path || '(app)'}] ${e}`);
    }
  }
  if (errors.length) throw new Error(`Validation failed:\n  ${errors.join('\n  ')}`);
  if (policyFailed) throw new PolicyError(gate!.violations);

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
