import { ApiObject, App, Chart } from 'cdk8s';
import { PolicyError, type Violation } from '../policy/gate';
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
  const { errors, violations } = validateApp(app);
  const failure = validationFailure(errors, violations);
  if (failure) throw failure;
  return renderedCharts(app);
}

/** What validating an app found: construct validation errors (`[path] message`) and the gate's violations. */
export interface AppValidation {
  readonly errors: readonly string[];
  readonly violations: readonly Violation[];
}

/**
 * Runs every construct's validations once, the rule pack's among them when `PolicyValidation.of(app)`
 * was added, and returns what they found. Throws when a chart is misplaced (not a PlatformChart of the App).
 */
export function validateApp(app: App): AppValidation {
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
  for (const node of app.node.findAll()) {
    const found = node.node.validate();
    // The gate's own messages (it runs as one of the App's validations) are its violations; any other is an error.
    const gateMessages = new Set(node === app ? (gate?.messages ?? []) : []);
    for (const e of found) if (!gateMessages.has(e)) errors.push(`[${node.node.path || '(app)'}] ${e}`);
  }
  return { errors, violations: gate?.violations ?? [] };
}

/** The error a validation's findings make (construct errors first, then the gate's PolicyError), or undefined when it passed. */
export function validationFailure(errors: readonly string[], violations: readonly Violation[]): Error | undefined {
  if (errors.length) return new Error(`Validation failed:\n  ${errors.join('\n  ')}`);
  if (violations.length) return new PolicyError(violations);
  return undefined;
}

/** Every PlatformChart of a validated app with its objects as the gate rendered them, sorted by file. */
export function renderedCharts(app: App): RenderedChart[] {
  const gate = PolicyValidation.find(app);
  const files = new Map<string, RenderedChart>();
  for (const c of app.node.children) {
    if (!PlatformChart.isPlatformChart(c)) continue;
    if (files.has(c.file)) throw new Error(`two charts render to ${c.file}`);
    const objects = c.node.findAll().filter((n): n is ApiObject => n instanceof ApiObject);
    files.set(c.file, { file: c.file, objects: objects.map((o) => (gate ? gate.rendered(o) : (o.toJson() as KubeObject))) });
  }
  return [...files.values()].sort(byFile);
}

export const byFile = (a: RenderedChart, b: RenderedChart) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);

/** File path → YAML text. */
export function serializeCharts(charts: readonly RenderedChart[]): Map<string, string> {
  return new Map(charts.map((c) => [c.file, toYamlDocuments(c.objects)]));
}
