import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { loadAll } from 'js-yaml';
import { STORE_CATALOGUE } from '../catalogue/stores';
import { LABEL } from '../blocks/meta';
import type { PlatformModel } from '../platform/model';

/**
 * Data-format changes against what is deployed: a store version whose on-disk format differs from the
 * one the claims hold (PostgreSQL 16 → 17) cannot start on them. What the claims hold is read from the
 * previous render (`dist/` as it is: the store's StatefulSets carry their version label); a change is
 * refused unless the spec says the data was migrated from that version (`upgradedFrom`).
 */
export function dataFormatProblems(model: PlatformModel, previousDir: string): string[] {
  const problems: string[] = [];
  for (const env of model.environments) {
    // What is deployed: the render committed at HEAD (where Argo CD reads it), and the one on disk.
    const deployed = [...committedVersions(previousDir, env.name), ...diskVersions(join(previousDir, env.name))];
    for (const store of env.stores) {
      const c = STORE_CATALOGUE[store.kind];
      if (!c.dataFormat) continue;
      const will = c.dataFormat(store.version);
      const before = deployed.find(([key, v]) => key === `${store.namespace}/${c.endpoint.appName}` && c.dataFormat!(v) !== will)?.[1];
      if (before === undefined) continue;
      const was = c.dataFormat(before);
      if (store.upgradedFrom !== undefined && c.dataFormat(store.upgradedFrom) === was) continue;
      const how = c.dataFormatRunbook ? ` (docs/runbooks.md, "${c.dataFormatRunbook}")` : '';
      problems.push(
        `${store.versionPath}: ${c.title} ${before} → ${store.version} in ${env.name} changes the data format (${was} → ${will}): ` +
          `the claims hold data ${store.version} cannot start on${Number(will) < Number(was) ? ' (a downgrade)' : ''}. Migrate the data first${how}, ` +
          `then acknowledge it with dataStores.${store.kind}.environments.${env.name}.upgradedFrom: "${before}"`,
      );
    }
  }
  return problems;
}

/** `namespace/app name` and version label of the StatefulSets in YAML texts. */
function versionsIn(texts: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const text of texts) {
    for (const o of loadAll(text) as any[]) {
      if (o?.kind !== 'StatefulSet') continue;
      const labels = o.metadata?.labels ?? {};
      if (labels[LABEL.name] && labels[LABEL.version]) out.push([`${o.metadata.namespace}/${labels[LABEL.name]}`, String(labels[LABEL.version])]);
    }
  }
  return out;
}

/** The stores rendered in an environment directory on disk. */
function diskVersions(dir: string): [string, string][] {
  const data = join(dir, 'data');
  if (!existsSync(data)) return [];
  return versionsIn(readdirSync(data).filter((n) => n.endsWith('.yaml')).sort().map((f) => readFileSync(join(data, f), 'utf8')));
}

/** The stores of an environment as committed at HEAD, when the output directory is inside a git work tree (else none). */
function committedVersions(outdir: string, env: string): [string, string][] {
  const git = (args: string[], cwd: string) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const abs = resolve(outdir);
    let probe = abs;
    while (!existsSync(probe)) probe = dirname(probe);
    const top = git(['rev-parse', '--show-toplevel'], probe).trim();
    const rel = relative(top, join(abs, env, 'data')).split(sep).join('/');
    if (rel.startsWith('..')) return [];
    const files = git(['ls-tree', '--name-only', 'HEAD', `${rel}/`], top).split('\n').filter((f) => f.endsWith('.yaml'));
    return versionsIn(files.map((f) => git(['show', `HEAD:${f}`], top)));
  } catch {
    return []; // not a git work tree, no commit yet, or nothing committed there
  }
}
