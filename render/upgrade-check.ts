import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { loadAll } from 'js-yaml';
import { STORE_CATALOGUE } from '../catalogue/stores';
import { LABEL } from '../blocks/meta';
import type { RenderedChart } from '../blocks/kube-object';
import type { PlatformModel } from '../platform/model';

/**
 * Data-format changes against what is deployed: a store version whose on-disk format differs from the
 * one the claims hold (PostgreSQL 16 → 17) cannot start on them. What the claims hold is read from the
 * previous render of the files that render the store's StatefulSets now — as committed at HEAD (where
 * Argo CD reads it) and as on disk; a change is refused unless the spec says the data was migrated from
 * that version (`upgradedFrom`). Only stores with a data format are looked up, in one git process.
 */
export function dataFormatProblems(model: PlatformModel, previousDir: string, charts: readonly RenderedChart[]): string[] {
  const checked = model.environments.flatMap((env) =>
    env.stores.flatMap((store) => {
      const c = STORE_CATALOGUE[store.kind];
      if (!c.dataFormat) return [];
      const ownsStore = (o: RenderedChart['objects'][number]) => o.kind === 'StatefulSet' && o.metadata.namespace === store.namespace && o.metadata.labels?.[LABEL.name] === c.endpoint.appName;
      const files = charts.filter((ch) => ch.file.startsWith(`${env.name}/`) && ch.objects.some(ownsStore)).map((ch) => ch.file);
      return [{ env, store, c, files, key: `${store.namespace}/${c.endpoint.appName}` }];
    }),
  );
  if (checked.length === 0) return [];
  const files = [...new Set(checked.flatMap((x) => x.files))];
  const previous = [...committedTexts(previousDir, files), ...files.flatMap((f) => (existsSync(join(previousDir, f)) ? [readFileSync(join(previousDir, f), 'utf8')] : []))];
  const deployed = versionsIn(previous);
  const problems: string[] = [];
  for (const { env, store, c, key } of checked) {
    const will = c.dataFormat!(store.version);
    const before = deployed.find(([k, v]) => k === key && c.dataFormat!(v) !== will)?.[1];
    if (before === undefined) continue;
    const was = c.dataFormat!(before);
    if (store.upgradedFrom !== undefined && c.dataFormat!(store.upgradedFrom) === was) continue;
    const how = c.dataFormatRunbook ? ` (docs/runbooks.md, "${c.dataFormatRunbook}")` : '';
    problems.push(
      `${store.versionPath}: ${c.title} ${before} → ${store.version} in ${env.name} changes the data format (${was} → ${will}): ` +
        `the claims hold data ${store.version} cannot start on${Number(will) < Number(was) ? ' (a downgrade)' : ''}. Migrate the data first${how}, ` +
        `then acknowledge it with dataStores.${store.kind}.environments.${env.name}.upgradedFrom: "${before}"`,
    );
  }
  return problems;
}

/** `namespace/app name` and version label of the StatefulSets in YAML texts. */
function versionsIn(texts: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const text of texts) {
    // Only the StatefulSets' metadata is read: the rest of a store's file (its scripts, pod spec, dashboards) is most of
    // its bytes. Written by this project, a StatefulSet's document has `kind: StatefulSet` on a line of its own, and its
    // top-level keys in the order apiVersion, kind, metadata, then the others.
    const headers = text
      .split(/^---$/m)
      .filter((doc) => /^kind: StatefulSet$/m.test(doc))
      .map((doc) => {
        const rest = doc.search(/^(?!apiVersion:|kind:|metadata:)[A-Za-z]/m);
        return rest < 0 ? doc : doc.slice(0, rest);
      });
    for (const o of loadAll(headers.join('---\n')) as any[]) {
      if (o?.kind !== 'StatefulSet') continue;
      const labels = o.metadata?.labels ?? {};
      if (labels[LABEL.name] && labels[LABEL.version]) out.push([`${o.metadata.namespace}/${labels[LABEL.name]}`, String(labels[LABEL.version])]);
    }
  }
  return out;
}

/**
 * The texts of `files` (relative to `outdir`) as committed at HEAD, read by one `git cat-file --batch`;
 * none when the output directory is not in a git work tree or nothing is committed there.
 */
function committedTexts(outdir: string, files: readonly string[]): string[] {
  let cwd = resolve(outdir);
  while (!existsSync(cwd)) cwd = dirname(cwd);
  const paths = files.map((f) => `./${relative(cwd, join(resolve(outdir), f)).split(sep).join('/')}`);
  const r = spawnSync('git', ['cat-file', '--batch'], { cwd, input: paths.map((p) => `HEAD:${p}\n`).join(''), maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0 || !r.stdout) return [];
  // Each answer: "<sha> blob <size>\n<content>\n", or "<name> missing\n".
  const out: string[] = [];
  const buf = r.stdout;
  let at = 0;
  while (at < buf.length) {
    const nl = buf.indexOf(0x0a, at);
    if (nl < 0) break;
    const header = buf.subarray(at, nl).toString('utf8').split(' ');
    at = nl + 1;
    if (header[1] !== 'blob') continue;
    const size = Number(header[2]);
    out.push(buf.subarray(at, at + size).toString('utf8'));
    at += size + 1;
  }
  return out;
}
