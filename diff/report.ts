import { diffWordsWithSpace, structuredPatch } from 'diff';
import * as yaml from 'js-yaml';
import { diffValues, type FieldChange } from './compare';
import type { DiffResult, ObjectDiff } from './diff';
import type { Json } from './objects';
import { describeKey } from './objects';
import { RISK_FLAGS, type RiskFlagName } from './risk';

export const FORMATS = ['text', 'markdown', 'json'] as const;
export type Format = (typeof FORMATS)[number];

/** What was compared, for the report's header: `dist/ at HEAD (9751660)`, `platform.yaml rendered now`. */
export interface Compared {
  readonly base: string;
  readonly head: string;
}

/** Longer strings, multi-line strings and JSON documents get a line, word or structural diff instead of old → new. */
const LONG = 120;

/** A value on one line: scalars as they are, maps and lists as flow YAML. Never cut. */
export function inline(v: Json | undefined): string {
  if (v === undefined) return '(none)';
  return typeof v === 'string' ? JSON.stringify(v) : yaml.dump(v, { flowLevel: 0, lineWidth: -1, noRefs: true }).trim();
}

const isScalar = (v: Json | undefined) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const parseJson = (s: string): Json | undefined => {
  if (!/^\s*[[{]/.test(s)) return undefined;
  try {
    return JSON.parse(s) as Json;
  } catch {
    return undefined;
  }
};

/** A long single-line string: the changed words with a little context, `[-old-]{+new+}`. */
function wordDiff(a: string, b: string): string {
  const parts = diffWordsWithSpace(a, b);
  const CONTEXT = 30;
  return parts
    .map((p, i) => {
      if (p.added) return `{+${p.value}+}`;
      if (p.removed) return `[-${p.value}-]`;
      const first = i === 0;
      const last = i === parts.length - 1;
      if (first && p.value.length > CONTEXT) return `…${p.value.slice(-CONTEXT)}`;
      if (last && p.value.length > CONTEXT) return `${p.value.slice(0, CONTEXT)}…`;
      if (!first && !last && p.value.length > 2 * CONTEXT) return `${p.value.slice(0, CONTEXT)}…${p.value.slice(-CONTEXT)}`;
      return p.value;
    })
    .join('');
}

/**
 * How one field changed, as lines (the first is `path: …`). Short values read
 * `old → new`; lists of names (principals, hosts) show what was added and
 * removed; JSON documents (dashboards) a field-by-field diff; multi-line text
 * (scripts, configuration) a unified line diff; a long line its changed words.
 */
export function changeLines(c: FieldChange): string[] {
  if (c.op === 'add' || c.op === 'remove') {
    const v = c.op === 'add' ? c.new : c.old;
    const sign = c.op === 'add' ? '+' : '-';
    const text = inline(v);
    if (text.length <= LONG && !(typeof v === 'string' && v.includes('\n'))) return [`${c.path}: ${sign} ${text}`];
    const block = typeof v === 'string' ? v.replace(/\n$/, '') : yaml.dump(v, { lineWidth: -1, noRefs: true }).trimEnd();
    return [`${c.path}: ${sign}`, ...block.split('\n').map((l) => `  ${sign} ${l}`)];
  }
  const [a, b] = [c.old, c.new];
  if (Array.isArray(a) && Array.isArray(b) && a.every(isScalar) && b.every(isScalar)) {
    const added = b.filter((x) => !a.includes(x));
    const removed = a.filter((x) => !b.includes(x));
    if (added.length + removed.length > 0) return [`${c.path}: ${[added.length ? `+ ${inline(added)}` : '', removed.length ? `- ${inline(removed)}` : ''].filter(Boolean).join(' ')}`];
    return [`${c.path}: reordered ${inline(a)} → ${inline(b)}`];
  }
  if (typeof a === 'string' && typeof b === 'string' && (a.length > LONG || b.length > LONG || a.includes('\n') || b.includes('\n'))) {
    const [ja, jb] = [parseJson(a), parseJson(b)];
    if (ja !== undefined && jb !== undefined) {
      const inner = diffValues(ja, jb);
      return [`${c.path}: JSON, ${inner.length} field${inner.length === 1 ? '' : 's'} changed`, ...inner.flatMap((d) => changeLines(d).map((l) => `  ${l}`))];
    }
    if (!a.includes('\n') && !b.includes('\n')) return [`${c.path}: ${wordDiff(a, b)}`];
    const patch = structuredPatch('old', 'new', a.endsWith('\n') ? a : `${a}\n`, b.endsWith('\n') ? b : `${b}\n`, '', '', { context: 2 });
    return [`${c.path}: text, ${patch.hunks.length} hunk${patch.hunks.length === 1 ? '' : 's'}`, ...patch.hunks.flatMap((h) => [`  @@ line ${h.newStart} @@`, ...h.lines.map((l) => `  ${l}`)])];
  }
  return [`${c.path}: ${inline(a)} → ${inline(b)}`];
}

/** The environment's name as a token of a namespace, host or path (`shop-dev`, `dev.shop.example.com`) → `<env>`. */
function neutral(text: string, env: string): string {
  if (!env) return text;
  const e = env.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`(?<![\\w])${e}(?![\\w])`, 'g'), '<env>');
}

/** One line of the flags section: the same finding in every environment it occurs in. */
export interface Finding {
  readonly flag: RiskFlagName;
  readonly text: string;
  readonly envs: readonly string[];
}

/**
 * The risk flags as findings: the flags of one object are one line; the
 * NetworkPolicy and AuthorizationPolicy grants to one new caller of one
 * workload are one line; a finding that reads the same in several
 * environments (their names aside) is one line naming them.
 */
export function findings(result: DiffResult): Finding[] {
  const byKey = new Map<string, { flag: RiskFlagName; text: string; neutral: string; envs: string[] }>();
  const put = (flag: RiskFlagName, env: string, text: string, key = `${flag}|${neutral(text, env)}`) => {
    const f = byKey.get(key) ?? byKey.set(key, { flag, text, neutral: neutral(text, env), envs: [] }).get(key)!;
    if (!f.envs.includes(env)) f.envs.push(env);
  };
  // A new caller: grouped by the workload it may now reach and the caller, over both kinds of policy.
  const callers = new Map<string, { env: string; target: string; caller: string; kinds: Set<string> }>();
  for (const o of result.objects) {
    for (const flag of RISK_FLAGS) {
      const own = o.flags.filter((f) => f.flag === flag);
      const plain = own.filter((f) => !f.caller);
      if (plain.length) put(flag, o.key.env, `${describeKey(o.key)}: ${plain.map((f) => f.reason).join('; ')}`);
      for (const f of own.filter((x) => x.caller)) {
        const target = `${o.key.namespace ? `${o.key.namespace}/` : ''}${o.key.name}`;
        const caller = `${f.caller!.name} (${f.caller!.namespace})`;
        const k = `${o.key.env}|${target}|${caller}`;
        (callers.get(k) ?? callers.set(k, { env: o.key.env, target, caller, kinds: new Set() }).get(k)!).kinds.add(o.key.kind);
      }
    }
  }
  for (const c of callers.values()) put('SECURITY', c.env, `${c.target} now admits ${c.caller} (${[...c.kinds].sort().join(' and ')})`);
  return [...byKey.values()]
    .map((f) => ({ flag: f.flag, text: f.envs.length > 1 ? f.neutral : f.text, envs: f.envs.sort() }))
    .sort((x, y) => RISK_FLAGS.indexOf(x.flag) - RISK_FLAGS.indexOf(y.flag) || (x.text < y.text ? -1 : x.text > y.text ? 1 : 0));
}

const SIGN = { added: '+', removed: '-', changed: '~' } as const;

function groups(result: DiffResult): Map<string, Map<string, ObjectDiff[]>> {
  const byEnv = new Map<string, Map<string, ObjectDiff[]>>();
  for (const o of result.objects) {
    if (folded(o)) continue;
    const env = byEnv.get(o.key.env) ?? byEnv.set(o.key.env, new Map()).get(o.key.env)!;
    (env.get(o.key.kind) ?? env.set(o.key.kind, []).get(o.key.kind)!).push(o);
  }
  return byEnv;
}

/** A changed object whose every change is the version label or a checksum annotation. */
const folded = (o: ObjectDiff) => o.status === 'changed' && o.noise.length === o.changes.length && o.flags.length === 0;

/** Per environment, the folded objects in one line per distinct change: `12 objects: app.kubernetes.io/version "1.0.0" → "1.0.1"`. */
function foldedLines(result: DiffResult, env: string): string[] {
  const counts = new Map<string, Set<string>>();
  for (const o of result.objects.filter((x) => x.key.env === env && folded(x))) {
    for (const c of o.noise) {
      const field = c.pattern.replace(/^.*\.(labels|annotations)\./, '');
      const k = `${field} ${inline(c.old)} → ${inline(c.new)}`;
      (counts.get(k) ?? counts.set(k, new Set()).get(k)!).add(o.id);
    }
  }
  return [...counts].map(([k, ids]) => `${ids.size} object${ids.size === 1 ? '' : 's'} changed only in ${k}`);
}

function headline(result: DiffResult, found: readonly Finding[]): string {
  const s = result.summary;
  if (result.objects.length === 0) return 'No changes: the rendered objects are identical.';
  const flags = RISK_FLAGS.map((f) => [f, found.filter((x) => x.flag === f).length] as const).filter(([, n]) => n > 0).map(([f, n]) => `${f} ${n}`);
  return `${s.added} added, ${s.removed} removed, ${s.changed} changed${flags.length ? ` · risk: ${flags.join(', ')}` : ' · no risk flags'}`;
}

const objectName = (o: ObjectDiff) => `${o.key.namespace ? `${o.key.namespace}/` : ''}${o.key.name}`;

/** The lines of one object below its name: changed fields (noise summarised), tightenings. */
function objectLines(o: ObjectDiff): string[] {
  const real = o.changes.filter((c) => !o.noise.includes(c));
  const lines = real.flatMap(changeLines);
  if (o.noise.length && real.length) lines.push(`(and ${o.noise.length} version label / checksum field${o.noise.length === 1 ? '' : 's'})`);
  for (const t of o.tightened) lines.push(`tightened: ${t}`);
  for (const f of o.flags) lines.push(`${f.flag}: ${f.reason}`);
  return lines;
}

const header = (compared?: Compared) => (compared ? `${compared.head} compared with ${compared.base}` : '');

export function formatText(result: DiffResult, compared?: Compared): string {
  const found = findings(result);
  const lines = [`Manifest diff${compared ? ` — ${header(compared)}` : ''}`, headline(result, found)];
  if (found.length) {
    lines.push('', 'Risk flags:');
    for (const f of found) lines.push(`  ${f.flag.padEnd(8)} ${f.text}  [${f.envs.join(', ')}]`);
  }
  const envs = [...new Set(result.objects.map((o) => o.key.env))];
  const byEnv = groups(result);
  for (const env of envs) {
    lines.push('', `== ${env}`);
    for (const l of foldedLines(result, env)) lines.push(`  ${l}`);
    for (const [kind, objects] of byEnv.get(env) ?? []) {
      lines.push(`  ${kind}`);
      for (const o of objects) {
        const flags = [...new Set(o.flags.map((f) => f.flag))];
        lines.push(`    ${SIGN[o.status]} ${objectName(o)} (${o.status})${flags.length ? ` [${flags.join(', ')}]` : ''}`);
        for (const l of objectLines(o)) lines.push(`        ${l}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
/** Text in a table cell or list item: pipes escaped, `<env>` not taken for an HTML tag. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, ' ');

/** A report to post as a pull-request comment: the flags first, then one collapsed section per environment. */
export function formatMarkdown(result: DiffResult, compared?: Compared): string {
  const s = result.summary;
  const found = findings(result);
  const lines = ['## Manifest diff', ''];
  if (compared) lines.push(`${header(compared)}.`, '');
  lines.push(headline(result, found));
  if (result.objects.length === 0) return `${lines.join('\n')}\n`;
  if (found.length) {
    lines.push('', '### ⚠️ Risk flags', '', '| flag | what | environments |', '|---|---|---|');
    for (const f of found) lines.push(`| **${f.flag}** | ${cell(f.text)} | ${f.envs.join(', ')} |`);
  }
  lines.push('', '| environment | added | removed | changed |', '|---|---:|---:|---:|');
  const envs = [...new Set(result.objects.map((o) => o.key.env))];
  for (const env of envs) {
    const all = result.objects.filter((o) => o.key.env === env);
    lines.push(`| ${env} | ${all.filter((o) => o.status === 'added').length} | ${all.filter((o) => o.status === 'removed').length} | ${all.filter((o) => o.status === 'changed').length} |`);
  }
  lines.push(`| **total** | **${s.added}** | **${s.removed}** | **${s.changed}** |`);
  const byEnv = groups(result);
  for (const env of envs) {
    const n = result.objects.filter((o) => o.key.env === env).length;
    lines.push('', `<details><summary><b>${env}</b>: ${n} object${n === 1 ? '' : 's'}</summary>`, '');
    for (const l of foldedLines(result, env)) lines.push(`- ${cell(l)}`);
    for (const [kind, objects] of byEnv.get(env) ?? []) {
      lines.push('', `**${kind}**`, '');
      for (const o of objects) {
        const flags = [...new Set(o.flags.map((f) => f.flag))];
        lines.push(`- ${SIGN[o.status]} ${code(objectName(o))} ${o.status}${flags.length ? ` — ${flags.map((f) => `**${f}**`).join(' ')}` : ''}`);
        const body = objectLines(o);
        if (body.length) lines.push('', '  ```text', ...body.map((l) => `  ${l}`), '  ```');
      }
    }
    lines.push('', '</details>');
  }
  return `${lines.join('\n')}\n`;
}

export function formatJson(result: DiffResult, compared?: Compared): string {
  const objects = result.objects.map((o) => ({
    environment: o.key.env,
    group: o.key.group,
    kind: o.key.kind,
    namespace: o.key.namespace || undefined,
    name: o.key.name,
    status: o.status,
    file: o.file,
    flags: o.flags,
    tightened: o.tightened.length ? o.tightened : undefined,
    folded: folded(o) || undefined,
    changes: o.changes.map((c) => ({ path: c.path, op: c.op, old: c.old, new: c.new })),
  }));
  const found = findings(result);
  // summary.flags counts objects per flag; summary.findings counts the report's lines (a finding across environments is one).
  const summary = { ...result.summary, findings: Object.fromEntries(RISK_FLAGS.map((f) => [f, found.filter((x) => x.flag === f).length])) };
  return `${JSON.stringify({ ...(compared ? { compared } : {}), summary, findings: found, objects }, null, 2)}\n`;
}

export function formatReport(result: DiffResult, format: Format, compared?: Compared): string {
  switch (format) {
    case 'text':
      return formatText(result, compared);
    case 'markdown':
      return formatMarkdown(result, compared);
    case 'json':
      return formatJson(result, compared);
  }
}
