import * as yaml from 'js-yaml';
import type { DiffResult, ObjectDiff } from './diff';
import type { Json } from './objects';
import { describeKey } from './objects';
import { RISK_FLAGS } from './risk';

export const FORMATS = ['text', 'markdown', 'json'] as const;
export type Format = (typeof FORMATS)[number];

const MAX_VALUE = 160;

/** A value on one line: scalars as they are, maps and lists as flow YAML, long ones cut. */
export function inline(v: Json | undefined): string {
  if (v === undefined) return '(none)';
  const s = typeof v === 'string' ? JSON.stringify(v) : yaml.dump(v, { flowLevel: 0, lineWidth: -1, noRefs: true }).trim();
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s;
}

const SIGN = { added: '+', removed: '-', changed: '~' } as const;

function groups(result: DiffResult): Map<string, Map<string, ObjectDiff[]>> {
  const byEnv = new Map<string, Map<string, ObjectDiff[]>>();
  for (const o of result.objects) {
    const env = byEnv.get(o.key.env) ?? byEnv.set(o.key.env, new Map()).get(o.key.env)!;
    (env.get(o.key.kind) ?? env.set(o.key.kind, []).get(o.key.kind)!).push(o);
  }
  return byEnv;
}

function headline(result: DiffResult): string {
  const s = result.summary;
  if (result.objects.length === 0) return 'No changes: the rendered objects are identical.';
  const flags = RISK_FLAGS.filter((f) => s.flags[f] > 0).map((f) => `${f} ${s.flags[f]}`);
  return `${s.added} added, ${s.removed} removed, ${s.changed} changed${flags.length ? ` · risk: ${flags.join(', ')}` : ' · no risk flags'}`;
}

const objectName = (o: ObjectDiff) => `${o.key.namespace ? `${o.key.namespace}/` : ''}${o.key.name}`;

function changeLine(c: ObjectDiff['changes'][number]): string {
  if (c.op === 'add') return `${c.path}: + ${inline(c.new)}`;
  if (c.op === 'remove') return `${c.path}: - ${inline(c.old)}`;
  return `${c.path}: ${inline(c.old)} → ${inline(c.new)}`;
}

export function formatText(result: DiffResult): string {
  const lines = [`Manifest diff: ${headline(result)}`];
  const flagged = result.objects.filter((o) => o.flags.length);
  if (flagged.length) {
    lines.push('', 'Risk flags:');
    for (const f of RISK_FLAGS) for (const o of flagged) for (const x of o.flags.filter((y) => y.flag === f)) lines.push(`  ${f.padEnd(8)} ${o.key.env}: ${describeKey(o.key)}: ${x.reason}`);
  }
  for (const [env, kinds] of groups(result)) {
    lines.push('', `== ${env}`);
    for (const [kind, objects] of kinds) {
      lines.push(`  ${kind}`);
      for (const o of objects) {
        const flags = [...new Set(o.flags.map((f) => f.flag))];
        lines.push(`    ${SIGN[o.status]} ${objectName(o)} (${o.status})${flags.length ? ` [${flags.join(', ')}]` : ''}`);
        for (const c of o.changes) lines.push(`        ${changeLine(c)}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

/** A report to paste into a pull-request comment. */
export function formatMarkdown(result: DiffResult): string {
  const s = result.summary;
  const lines = ['## Manifest diff', '', headline(result)];
  if (result.objects.length === 0) return `${lines.join('\n')}\n`;
  lines.push('', '| | added | removed | changed |', '|---|---:|---:|---:|');
  for (const [env, kinds] of groups(result)) {
    const all = [...kinds.values()].flat();
    lines.push(`| ${env} | ${all.filter((o) => o.status === 'added').length} | ${all.filter((o) => o.status === 'removed').length} | ${all.filter((o) => o.status === 'changed').length} |`);
  }
  lines.push(`| **total** | **${s.added}** | **${s.removed}** | **${s.changed}** |`);
  const flagged = result.objects.filter((o) => o.flags.length);
  if (flagged.length) {
    lines.push('', '### ⚠️ Risk flags', '', '| flag | environment | object | why |', '|---|---|---|---|');
    for (const f of RISK_FLAGS) {
      for (const o of flagged) for (const x of o.flags.filter((y) => y.flag === f)) lines.push(`| **${f}** | ${o.key.env} | ${code(describeKey(o.key))} | ${x.reason.replace(/\|/g, '\\|')} |`);
    }
  }
  for (const [env, kinds] of groups(result)) {
    lines.push('', `### ${env}`);
    for (const [kind, objects] of kinds) {
      lines.push('', `**${kind}**`, '');
      for (const o of objects) {
        const flags = [...new Set(o.flags.map((f) => f.flag))];
        lines.push(`- ${SIGN[o.status]} ${code(objectName(o))} ${o.status}${flags.length ? ` — ${flags.map((f) => `**${f}**`).join(' ')}` : ''}`);
        if (o.changes.length > 0) {
          lines.push('  <details><summary>' + `${o.changes.length} field${o.changes.length === 1 ? '' : 's'}` + '</summary>', '', '  ```text');
          for (const c of o.changes) lines.push(`  ${changeLine(c)}`);
          lines.push('  ```', '  </details>');
        }
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

export function formatJson(result: DiffResult): string {
  const objects = result.objects.map((o) => ({
    environment: o.key.env,
    group: o.key.group,
    kind: o.key.kind,
    namespace: o.key.namespace || undefined,
    name: o.key.name,
    status: o.status,
    file: o.file,
    flags: o.flags,
    changes: o.changes.map((c) => ({ path: c.path, op: c.op, old: c.old, new: c.new })),
  }));
  return `${JSON.stringify({ summary: result.summary, objects }, null, 2)}\n`;
}

export function formatReport(result: DiffResult, format: Format): string {
  switch (format) {
    case 'text':
      return formatText(result);
    case 'markdown':
      return formatMarkdown(result);
    case 'json':
      return formatJson(result);
  }
}
