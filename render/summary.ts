import type { RenderedChart } from '../blocks/kube-object';
import type { PlatformModel } from '../platform/model';
import { ARGO_CD_APPLICATION_OBJECTS } from '../catalogue/addons';
import { RULE_PACK, objectRef, scopeOf } from '../policy/gate';
import { suppressionsOf } from '../policy/rules';
import type { WriteReport } from './writer';

/** What one synth did, for people (`formatSummary`) and for CI (`--json`). */
export interface SynthSummary {
  readonly spec: string;
  readonly outdir: string;
  readonly environments: readonly string[];
  readonly objects: number;
  /** Objects per kind, most first (then by kind). */
  readonly kinds: Readonly<Record<string, number>>;
  readonly files: WriteReport & { readonly total: number };
  readonly policy: {
    readonly rules: number;
    readonly violations: number;
    /** Every rule switched off on an object, with the reason its annotation gives. */
    readonly suppressions: readonly { readonly rule: string; readonly file: string; readonly object: string; readonly reason: string }[];
  };
  /** What may fail after the synth succeeded: an environment past what one Argo CD Application can hold. */
  readonly warnings: readonly string[];
  /** Documents written beside the tree (architecture diagram, runbooks). */
  readonly docs: readonly string[];
  readonly seconds: number;
  /**
   * What the chart cache put back (`restored`) and what was built (`rendered`), when it was used; for each
   * part built again although it was kept, what it read differently (`changed`: `prod-cart` → `service.version`).
   */
  readonly cache?: { readonly restored: number; readonly rendered: number; readonly changed: Readonly<Record<string, string>> };
}

/** What the summary says of the rendered objects, counted as charts are rendered (in parts: `add` each). */
export class ObjectTally {
  readonly counts = new Map<string, number>();
  /** Objects per top folder of the output (an environment, `argocd`, `access`). */
  readonly perTree = new Map<string, number>();
  readonly suppressions: { rule: string; file: string; object: string; reason: string }[] = [];

  add(charts: readonly RenderedChart[]): this {
    for (const c of charts) {
      const tree = scopeOf(c.file);
      this.perTree.set(tree, (this.perTree.get(tree) ?? 0) + c.objects.length);
      for (const obj of c.objects) {
        this.counts.set(obj.kind, (this.counts.get(obj.kind) ?? 0) + 1);
        for (const [rule, reason] of suppressionsOf(obj)) this.suppressions.push({ rule, file: c.file, object: objectRef(obj), reason });
      }
    }
    return this;
  }
}

export function synthSummary(o: {
  spec: string;
  outdir: string;
  model: PlatformModel;
  tally: ObjectTally;
  write: WriteReport;
  docs: readonly string[];
  startedAt: number;
  cache?: { restored: number; rendered: number; changed: ReadonlyMap<string, string>; writeError?: string };
}): SynthSummary {
  const { counts } = o.tally;
  const suppressions = [...o.tally.suppressions].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const kinds = Object.fromEntries([...counts].sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : 1)));
  const { added, changed, removed, unchanged } = o.write;
  return {
    spec: o.spec,
    outdir: o.outdir,
    environments: o.model.environments.map((e) => e.name),
    objects: [...counts.values()].reduce((a, b) => a + b, 0),
    kinds,
    files: { added, changed, removed, unchanged, total: added.length + changed.length + unchanged },
    policy: { rules: RULE_PACK.rules.length + RULE_PACK.crossRules.length, violations: 0, suppressions },
    warnings: [
      ...o.model.environments.flatMap((e) => {
        const n = o.tally.perTree.get(e.name) ?? 0;
        return n > ARGO_CD_APPLICATION_OBJECTS
          ? [`${e.name}: ${n.toLocaleString('en-US')} objects in one Argo CD Application, past the ${ARGO_CD_APPLICATION_OBJECTS.toLocaleString('en-US')} or so at which Argo CD reports its syncs failing (argo-cd#14486): split the platform into specs (docs/gitops.md, "Beyond one repository")`]
          : [];
      }),
      ...(o.cache?.writeError ? [`the chart cache could not be written (${o.cache.writeError}): the next synth builds every chart`] : []),
    ],
    docs: o.docs,
    seconds: Math.round((Date.now() - o.startedAt) / 10) / 100,
    ...(o.cache ? { cache: { restored: o.cache.restored, rendered: o.cache.rendered, changed: Object.fromEntries(o.cache.changed) } } : {}),
  };
}

/** Files listed one by one up to this many per status; beyond, a count. */
const LIST_UP_TO = 12;

/** The short text summary every `npm run synth` ends with. */
export function formatSummary(s: SynthSummary): string {
  const out: string[] = [];
  const f = s.files;
  out.push(`synth: ${s.spec} → ${s.outdir}/ in ${s.seconds.toFixed(2)} s`);
  out.push(`  environments  ${s.environments.join(', ')}`);
  out.push(...wrap(`${s.objects}: ${Object.entries(s.kinds).map(([k, n]) => `${k} ${n}`).join(', ')}`, 90).map((l, i) => `${i === 0 ? '  objects       ' : '                '}${l}`));
  out.push(`  files         ${f.total} written: ${f.added.length} added, ${f.changed.length} changed, ${f.removed.length} removed, ${f.unchanged} unchanged`);
  for (const [mark, list] of [['+', f.added], ['~', f.changed], ['-', f.removed]] as const) {
    for (const file of list.slice(0, LIST_UP_TO)) out.push(`                ${mark} ${file}`);
    if (list.length > LIST_UP_TO) out.push(`                ${mark} … ${list.length - LIST_UP_TO} more`);
  }
  const sup = s.policy.suppressions;
  out.push(`  policy        ${s.policy.rules} rules: ${s.policy.violations} violations, ${sup.length} suppression${sup.length === 1 ? '' : 's'}`);
  for (const x of sup) out.push(`                ${x.rule} off on ${x.object} (${x.file}): ${x.reason}`);
  for (const [i, w] of s.warnings.entries()) out.push(`${i === 0 ? '  warnings      ' : '                '}${w}`);
  if (s.docs.length) out.push(`  docs          ${s.docs.join(', ')}`);
  if (s.cache) out.push(`  chart cache   ${s.cache.restored} of ${s.cache.restored + s.cache.rendered} parts put back unchanged, ${s.cache.rendered} built`);
  return out.join('\n');
}

/** Splits a comma-separated list into lines of at most `width` characters (at the commas). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const part of text.split(', ')) {
    const next = line ? `${line}, ${part}` : part;
    if (next.length > width && line) {
      lines.push(`${line},`);
      line = part;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}
