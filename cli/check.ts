import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { KubeObject, RenderedChart } from '../blocks/kube-object';
import { checkPolicies, RULE_PACK, type RulePack, type Violation } from '../policy/gate';
import { schemaStrictRule } from '../policy/rules';
import { hasStrictSchema } from '../policy/strict-schema';

/**
 * `npm run check [DIR|FILE …]`: the policy gate `npm run synth` runs — the same
 * rule pack, ids, suppressions and exit codes — plus strict schema validation
 * of every object, on any YAML: our `dist/`, a folder of extra manifests,
 * hand-written files, another tool's output.
 */
export const CHECK_USAGE = `Usage: npm run check -- [options] [DIR|FILE ...]

Checks every Kubernetes object in the YAML files under each DIR (default: dist)
against the policy gate npm run synth runs (same rule ids and suppressions:
annotation policy.platform-gen.dev/suppress: "RULE-ID: reason of 20+ characters")
and against the strict schemas of Kubernetes 1.30 and the pinned CRDs
(SCHEMA-STRICT; kinds no schema covers are listed, not validated). Objects
under the same folder with a kustomization.yaml (an environment of dist/,
whether dist or dist/prod is given), else in the same first folder under the
path given, are checked together by the cross-object rules.

Options:
  --format <f>   text | json | sarif (SARIF 2.1.0 for code scanning; default: text)
  -h, --help     this help

Exit codes: 0 no violation, 1 violations, 2 usage error, a path that does not
exist, or a file that is not YAML.
`;

export const CHECK_EXIT = { ok: 0, violations: 1, error: 2 } as const;
const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

export interface CheckIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly cwd?: string;
}

/** A violation with the line of its object's document in its file. */
export interface Finding extends Violation {
  readonly line: number;
}

export interface CheckResult {
  readonly findings: readonly Finding[];
  readonly files: number;
  readonly objects: number;
  /** `apiVersion/kind` of objects no strict schema covers (checked by the rules, not by a schema). */
  readonly unvalidated: readonly string[];
}

class InputError extends Error {}

/** The YAML files of a path (a file, or a directory walked recursively), in a stable order. */
function yamlFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new InputError(`${path}: no such file or directory`);
  }
  if (st.isFile()) return [path];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) out.push(p);
    }
  };
  walk(path);
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isKubeObject = (v: unknown): v is KubeObject =>
  isObject(v) && typeof v.apiVersion === 'string' && typeof v.kind === 'string' && isObject(v.metadata) && typeof v.metadata.name === 'string';

/** The pack the gate runs, with SCHEMA-STRICT on every object instead of only what a spec shaped. */
export const CHECK_PACK: RulePack = { ...RULE_PACK, rules: RULE_PACK.rules.map((r) => (r.id === 'SCHEMA-STRICT' ? schemaStrictRule('all') : r)) };

/** Checks the YAML under `paths` (relative to `cwd`). Throws InputError for a missing path or a file that is not YAML. */
export function checkPaths(paths: readonly string[], cwd: string): CheckResult {
  const charts: RenderedChart[] = [];
  const lineOf = new Map<string, number>();
  let files = 0;
  const unvalidated = new Set<string>();
  for (const root of paths) {
    const abs = resolve(cwd, root);
    const isDir = statSync(abs, { throwIfNoEntry: false })?.isDirectory() ?? false;
    for (const file of yamlFiles(abs)) {
      files += 1;
      // The scope cross-object rules compare within: the nearest folder with a kustomization.yaml (an environment of
      // dist/, given as dist or as dist/prod), else the first folder under the path given.
      const rel = isDir ? relative(abs, file).split(sep).join('/') : file.split(sep).pop()!;
      const unit = isDir ? kustomizationFolder(abs, dirname(file)) : undefined;
      const shown = relative(cwd, file).split(sep).join('/');
      const text = readFileSync(file, 'utf8');
      const lines = new LineCounter();
      const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false });
      const docList = Array.isArray(docs) ? docs : [docs];
      const problem = docList.flatMap((d) => d.errors)[0];
      if (problem) throw new InputError(`${shown}: not YAML: ${problem.message.split('\n')[0]}`);
      const objects: KubeObject[] = [];
      for (const d of docList) {
        let value: unknown;
        try {
          value = d.toJS({ maxAliasCount: 100 }); // a billion-laughs document stops here
        } catch (e) {
          throw new InputError(`${shown}:${lines.linePos(d.range[0]).line}: not usable YAML: ${(e as Error).message.split('\n')[0]}`);
        }
        if (!isKubeObject(value)) continue; // a kustomization, an empty document, anything that is not an object of the API
        objects.push(value);
        lineOf.set(`${shown}\0${objectRef(value)}`, lines.linePos(d.range[0]).line);
        if (!hasStrictSchema(value.apiVersion, value.kind)) unvalidated.add(`${value.apiVersion}/${value.kind}`);
      }
      const scope = unit !== undefined ? relative(abs, unit).split(sep).join('/') || '.' : rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : '.';
      charts.push({ file: shown, objects, scope: `${root}\0${scope}` });
    }
  }
  const findings = checkPolicies(charts, CHECK_PACK).map((v) => ({ ...v, line: lineOf.get(`${v.file}\0${v.object}`) ?? 1 }));
  return { findings, files, objects: charts.reduce((n, c) => n + c.objects.length, 0), unvalidated: [...unvalidated].sort() };
}

/** The nearest folder from `dir` up to `root` (both included) that holds a kustomization.yaml, or undefined. */
function kustomizationFolder(root: string, dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (['kustomization.yaml', 'kustomization.yml', 'Kustomization'].some((k) => statSync(join(d, k), { throwIfNoEntry: false })?.isFile())) return d;
    if (d === root || dirname(d) === d || !d.startsWith(root)) return undefined;
  }
}

const objectRef = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

function formatText(r: CheckResult): string {
  const lines = r.findings.map((f) => `${f.file}:${f.line}: [${f.rule}] ${f.object}: ${f.message}`);
  const summary = `check: ${r.files} files, ${r.objects} objects, ${r.findings.length === 0 ? 'no violations' : `${r.findings.length} violation${r.findings.length === 1 ? '' : 's'}`}`;
  const note = r.unvalidated.length ? `\ncheck: not covered by a pinned schema (rules only): ${r.unvalidated.join(', ')}` : '';
  return `${[...lines, summary].join('\n')}${note}\n`;
}

/** SARIF 2.1.0, as GitHub code scanning reads it: one rule per id, one result per violation at its object's line. */
function formatSarif(r: CheckResult): string {
  const described = new Map([...CHECK_PACK.rules, ...CHECK_PACK.crossRules].map((x) => [x.id, x.description]));
  const ids = [...new Set(r.findings.map((f) => f.rule))].sort();
  return `${JSON.stringify(
    {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'platform-gen check', informationUri: 'https://github.com/example/platform-gen', rules: ids.map((id) => ({ id, shortDescription: { text: described.get(id) ?? id } })) } },
          results: r.findings.map((f) => ({
            ruleId: f.rule,
            level: 'error',
            message: { text: `${f.object}: ${f.message}` },
            locations: [{ physicalLocation: { artifactLocation: { uri: f.file }, region: { startLine: f.line } } }],
          })),
        },
      ],
    },
    null,
    2,
  )}\n`;
}

/** The command: returns the exit code. */
export function runCheck(argv: readonly string[], io: CheckIO = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }): number {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { format: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    io.err(`check: ${(e as Error).message}\n\n${CHECK_USAGE}`);
    return CHECK_EXIT.error;
  }
  if (parsed.values.help) {
    io.out(CHECK_USAGE);
    return CHECK_EXIT.ok;
  }
  const format = (parsed.values.format ?? 'text') as Format;
  if (!FORMATS.includes(format)) {
    io.err(`check: --format must be one of ${FORMATS.join(', ')}, got '${parsed.values.format}'\n`);
    return CHECK_EXIT.error;
  }
  let result: CheckResult;
  try {
    result = checkPaths(parsed.positionals.length ? parsed.positionals : ['dist'], io.cwd ?? process.cwd());
  } catch (e) {
    io.err(`check: ${(e as Error).message}\n`);
    return CHECK_EXIT.error;
  }
  io.out(format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : format === 'sarif' ? formatSarif(result) : formatText(result));
  return result.findings.length ? CHECK_EXIT.violations : CHECK_EXIT.ok;
}
