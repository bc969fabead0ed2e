import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { ChartCache } from '../render/chart-cache';
import { SpecError } from '../platform/loader';
import { loadPlatform, locateProblems } from '../platform/load';
import { renderPlatform } from '../render/pipeline';
import type { PlatformModel } from '../platform/model';
import { ForeignOutputError, OutputLockedError, openTree, writeFileAtomically, type TreeWriter } from '../render/writer';
import { renderByEnvironment } from '../render/by-environment';
import { dataFormatProblems } from '../render/upgrade-check';
import type { RenderedChart } from '../blocks/kube-object';
import { architectureMarkdown, ARCHITECTURE_DOC, secretRows } from '../render/diagram';
import { runbooksMarkdown } from '../render/runbooks';
import { PolicyError } from '../policy/gate';
import { formatSummary, ObjectTally, synthSummary, type SynthSummary } from '../render/summary';

export const DEFAULT_SPEC = 'platform.yaml';
export const DEFAULT_OUTDIR = 'dist';

export interface SynthOptions {
  /** Platform spec file. @default $PLATFORM_SPEC or platform.yaml */
  readonly spec?: string;
  /** Output directory. @default $CDK8S_OUTDIR or dist */
  readonly outdir?: string;
  /**
   * Where the architecture document (Mermaid diagram) goes; `false`: not written.
   * Never inside the output directory, and not moved by CDK8S_OUTDIR.
   * @default $PLATFORM_DOCS_OUT, else docs/architecture.md when rendering to ./dist (also via `cdk8s synth`), else not written
   */
  readonly docsOut?: string | false;
  /** Called with the files once they are written (the cdk8s CLI entry also streams them). */
  readonly onWritten?: (files: ReadonlyMap<string, string>) => void;
  /**
   * What is printed on stdout: `text`, the short summary (environments, objects per kind, files
   * added/changed/removed/unchanged, policy results with every suppression and its reason, time);
   * `json`, the same as one JSON document (on failure: `{ ok: false, errors }`); `quiet`, nothing
   * (errors still go to stderr).
   * @default text
   */
  readonly output?: 'text' | 'json' | 'quiet';
  /**
   * The chart cache (render/chart-cache.ts): `dir` holds one folder per spec, `version` names the code
   * that renders (an entry of another version is never used). `npm run synth -- --cache` passes the
   * bundle's hash (scripts/run.cjs). @default no cache: every chart is built
   */
  readonly cache?: { readonly dir: string; readonly version: string };
}

/**
 * spec → model → render, with every check `npm run synth` makes (spec,
 * policy gate, data-format change against what `outdir` renders now).
 * Throws SpecError / PolicyError; writes nothing.
 */
export function renderChecked(spec: string, outdir: string) {
  const model = loadPlatform(spec);
  return locatedIn(spec, () => {
    const { charts, files } = renderPlatform(model);
    checkDataFormat(spec, model, outdir, charts);
    return { model, charts, files };
  });
}

/** Runs `f`; a SpecError it throws gets each problem's line in the spec file. */
function locatedIn<T>(spec: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SpecError) throw new SpecError(spec, locateProblems(spec, e.problems));
    throw e;
  }
}

/** Refuses a store version the claims deployed from `outdir` cannot start on (`dataFormatProblems`, on the rendered StatefulSets). */
function checkDataFormat(spec: string, model: PlatformModel, outdir: string, charts: readonly RenderedChart[]): void {
  const problems = dataFormatProblems(model, outdir, charts);
  if (problems.length) throw new SpecError(spec, problems);
}

/** Prints a failed synth's message the one way both entry points do. */
export function reportFailure(e: unknown, outdir: string): void {
  if (e instanceof SpecError || e instanceof PolicyError || e instanceof OutputLockedError || e instanceof ForeignOutputError) console.error(e.message);
  else console.error(`synth failed: ${(e as Error).stack ?? String(e)}`);
  console.error(`${outdir}/ was left as it was.`);
}

/**
 * spec → model → render → atomic write, one environment at a time (`renderByEnvironment`): each
 * environment's files are staged as soon as it has passed, and only what the summary, the architecture
 * document and the data-format check need is kept of its objects. Returns the process exit code.
 */
export function synth(opts: SynthOptions = {}): number {
  const startedAt = Date.now();
  const spec = opts.spec ?? process.env.PLATFORM_SPEC ?? DEFAULT_SPEC;
  const outdir = opts.outdir ?? process.env.CDK8S_OUTDIR ?? DEFAULT_OUTDIR;
  const output = opts.output ?? 'text';
  let tree: TreeWriter | undefined;
  try {
    const model = loadPlatform(spec);
    tree = openTree(outdir);
    const staged = tree;
    const tally = new ObjectTally();
    const secrets: string[] = [];
    const statefulSets: RenderedChart[] = [];
    const files = opts.onWritten ? new Map<string, string>() : undefined;
    const cache = opts.cache ? new ChartCache({ dir: join(opts.cache.dir, specKey(spec)), version: opts.cache.version }) : undefined;
    locatedIn(spec, () => {
      renderByEnvironment(
        model,
        (path, text) => {
          staged.add(path, text);
          files?.set(path, text);
        },
        {
          onCharts: (charts) => {
            tally.add(charts);
            secrets.push(...secretRows(model, charts));
            // What the data-format check reads of the objects, which are not kept.
            for (const c of charts) {
              const objects = c.objects.filter((o) => o.kind === 'StatefulSet');
              if (objects.length) statefulSets.push({ file: c.file, objects });
            }
          },
          cache,
        },
      );
      checkDataFormat(spec, model, outdir, statefulSets);
    });
    const defaultOutdir = resolve(outdir) === resolve(DEFAULT_OUTDIR);
    const docsOut = opts.docsOut ?? process.env.PLATFORM_DOCS_OUT ?? (defaultOutdir ? ARCHITECTURE_DOC : false);
    // The runbooks go beside it (docs/runbooks.md): assembled from every component's, as the alerts link to them.
    // Both are rendered before anything is written: a failure leaves the output directory as it was.
    const docTexts: [string, string][] = docsOut ? [[docsOut, architectureMarkdown(model, secrets)], [join(dirname(docsOut), 'runbooks.md'), runbooksMarkdown()]] : [];
    const write = tree.commit();
    if (files) opts.onWritten?.(files);
    for (const [path, text] of docTexts) writeFileAtomically(path, text);
    const docs = docTexts.map(([path]) => path);
    const summary: SynthSummary = synthSummary({ spec, outdir, model, tally, write, docs, startedAt, cache: cache?.stats });
    if (output === 'text') console.log(formatSummary(summary));
    else if (output === 'json') console.log(JSON.stringify({ ok: true, ...summary }, null, 2));
    return 0;
  } catch (e) {
    tree?.abort();
    if (output === 'json') console.log(JSON.stringify({ ok: false, errors: failureLines(e), outdir: `${outdir}/ was left as it was` }, null, 2));
    reportFailure(e, outdir);
    return 1;
  }
}

/** The chart cache's folder of a spec: its absolute path, hashed (two specs never share entries). */
function specKey(spec: string): string {
  return createHash('sha256').update(resolve(spec)).digest('hex').slice(0, 16);
}

/** A failure as one line per problem (spec problems, policy violations), for `--json`. */
function failureLines(e: unknown): string[] {
  if (e instanceof SpecError) return e.problems;
  if (e instanceof PolicyError) return e.message.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
  return [(e as Error).message ?? String(e)];
}
