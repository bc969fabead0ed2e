import { App } from 'cdk8s';
import { environmentUnitList } from '../charts';
import { addAccessChart } from '../charts/access';
import { renderedMeshSettings } from '../charts/guardrails';
import { addArgoCdCharts } from '../charts/argocd';
import { inventory, type EnvironmentInventory } from '../charts/inventory';
import { SpecError } from '../platform/loader';
import type { PlatformModel } from '../platform/model';
import { RULE_PACK, type RulePack, type Violation } from '../policy/gate';
import { PolicyValidation } from '../policy/validation';
import type { RenderedChart } from '../blocks/kube-object';
import type { ChartCache, EnvironmentCache } from './chart-cache';
import { kustomizationFiles, treesOf } from './kustomization';
import { releaseMemory } from './release';
import { patchObjects, type PatchProblem } from './patches';
import { renderedCharts, validateApp, validationFailure } from './synth';
import { forgetScalars, joinDocuments, toYaml, toYamlDocuments } from './yaml';

export interface RenderByEnvironmentOptions {
  /** The rules every object must pass. @default RULE_PACK (policy/) */
  readonly rulePack?: RulePack;
  /**
   * Called with each pass's charts once they passed (each environment's, then the cluster-wide Argo CD
   * and access charts), while they are still alive: keep what you need of them, not the objects, to
   * keep memory to one environment. Not called once any pass has failed.
   */
  readonly onCharts?: (charts: readonly RenderedChart[]) => void;
  /**
   * Puts back each part of an environment whose input is unchanged since it was kept, instead of
   * building it (render/chart-cache.ts); the files are the same byte for byte. Used with the default
   * rule pack only (a custom pack renders without it). @default no cache
   */
  readonly cache?: ChartCache;
}

/** Where each rendered file goes as soon as its pass has passed: path (relative to the output directory) and text. */
export type FileSink = (path: string, text: string) => void;

/**
 * Renders the same files as `PlatformApp.render()`, one environment at a time: each environment's
 * charts are built in an App of their own, patched, checked by the rule pack, turned into YAML, handed
 * to `write` and released before the next is built (`releaseMemory`), so what is alive at once is one
 * environment's constructs and objects. The Argo CD and access charts are then rendered from what every
 * environment rendered (its inventory), as the single App derives them.
 *
 * Nothing an environment renders depends on another's: the charts read their own environment of the
 * model, the patches name environments, and the gate compares objects within one environment
 * (`scopeOf`). Failures are reported as the single App reports them — every patch problem (SpecError),
 * else every construct error, else every violation of every environment, in the same order. Files of
 * the passes before a failure may have gone to `write` already: the caller drops them
 * (`TreeWriter.abort`). `test/render/by-environment.test.ts` proves the files and the failures are the
 * same as `PlatformApp`'s, and that an environment is unreachable once its pass is over.
 */
export function renderByEnvironment(model: PlatformModel, write: FileSink, opts: RenderByEnvironmentOptions = {}): void {
  const pack = opts.rulePack ?? RULE_PACK;
  const crossIds = new Set(pack.crossRules.map((r) => r.id));
  const paths: string[] = [];
  const rendered = new Map<string, EnvironmentInventory>();
  const patchProblems: PatchProblem[] = [];
  const meshSettings = new Set<string>();
  const errors: string[] = [];
  // The single App reports every object's violations (in tree order), then each scope's cross-object ones.
  const objectViolations: Violation[] = [];
  const crossViolations: Violation[] = [];

  /** Validates the app and, while everything passed, hands its files to `write`; returns how many objects it rendered. */
  const pass = (app: App, cache?: EnvironmentCache, seen?: (charts: readonly RenderedChart[]) => void): number => {
    if (patchProblems.length) return 0; // the single App stops at the patches: no gate findings are reported
    const found = validateApp(app);
    errors.push(...found.errors);
    for (const v of found.violations) (crossIds.has(v.rule) ? crossViolations : objectViolations).push(v);
    if (errors.length || objectViolations.length || crossViolations.length) return 0;
    const charts = renderedCharts(app);
    opts.onCharts?.(charts);
    seen?.(charts);
    let objects = 0;
    const documents = new Map<string, string[]>();
    for (const c of charts) {
      paths.push(c.file);
      if (cache) {
        // The restored objects' documents as they were written; the others' now.
        const docs = c.objects.map((o) => cache.restoredYaml(o) ?? toYaml(o));
        documents.set(c.file, docs);
        write(c.file, joinDocuments(docs));
      } else write(c.file, toYamlDocuments(c.objects));
      objects += c.objects.length;
    }
    cache?.keep(charts, (file) => documents.get(file)!);
    return objects;
  };

  // One function call per environment: nothing of an environment's App outlives its call.
  const environmentPass = (env: PlatformModel['environments'][number]): number => {
    const slice: PlatformModel = {
      ...model,
      environments: [env],
      patches: model.patches.filter((p) => p.environments.includes(env.name)).map((p) => ({ ...p, environments: [env.name] })),
    };
    const app = new App({ outdir: '.' });
    const gate = PolicyValidation.of(app, pack);
    // Only with the default pack: what the cache restored passed its one-object rules, under the same code.
    const cache = pack === RULE_PACK ? opts.cache?.environment(slice.patches) : undefined;
    if (cache) gate.trustPassed((o) => cache.restoredYaml(o) !== undefined);
    for (const unit of environmentUnitList(slice, env)) {
      if (cache) cache.add(app, unit);
      else unit.add(app, unit.input);
    }
    const problems = patchObjects(app, slice);
    if (problems.length) {
      patchProblems.push(...problems);
      return 0;
    }
    rendered.set(env.name, inventory(app, slice).get(env.name)!);
    // What the guardrails need of the workloads, read from the JSON the gate rendered (the objects go with the pass).
    return pass(app, cache, (charts) => {
      for (const m of renderedMeshSettings(charts.flatMap((c) => c.objects), new Set(env.namespaces))) meshSettings.add(m);
    });
  };
  model.environments.forEach((env, i) => {
    const objects = environmentPass(env);
    // Its namespaces and names are not the next environment's: the YAML writer's memo goes with it.
    forgetScalars();
    // The cluster-wide pass after the last environment is small: that one is left to V8.
    if (i < model.environments.length - 1) releaseMemory(objects);
  });
  if (patchProblems.length) {
    // The single App lists them patch by patch, each in the order of the environments it names.
    const patchAt = new Map(model.patches.map((p) => [p.where, p]));
    const order = (x: PatchProblem) => [model.patches.indexOf(patchAt.get(x.where)!), patchAt.get(x.where)!.environments.indexOf(x.environment)] as const;
    const sorted = patchProblems.map((p, i) => ({ p, i, at: order(p) })).sort((a, b) => a.at[0] - b.at[0] || a.at[1] - b.at[1] || a.i - b.i);
    throw new SpecError('patches', sorted.map((x) => x.p.message));
  }

  const cluster = new App({ outdir: '.' });
  PolicyValidation.of(cluster, pack);
  addAccessChart(cluster, model, rendered, () => [...meshSettings].sort());
  addArgoCdCharts(cluster, model, rendered);
  pass(cluster);

  const failure = validationFailure(errors, [...objectViolations, ...crossViolations]);
  if (failure) throw failure;
  for (const [path, text] of kustomizationFiles(treesOf(model), paths)) write(path, text);
  opts.cache?.prune();
}
