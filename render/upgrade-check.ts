import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
    const deployed = deployedVersions(join(previousDir, env.name));
    for (const store of env.stores) {
      const c = STORE_CATALOGUE[store.kind];
      if (!c.dataFormat) continue;
      const before = deployed.get(`${store.namespace}/${c.endpoint.appName}`);
      if (before === undefined) continue;
      const [was, will] = [c.dataFormat(before), c.dataFormat(store.version)];
      if (was === will) continue;
      if (store.upgradedFrom !== undefined && c.dataFormat(store.upgradedFrom) === was) continue;
      const how = c.dataFormatRunbook ? ` (docs/runbooks.md, "${c.dataFormatRunbook}")` : '';
      problems.push(
        `dataStores.${store.kind}.version: ${c.title} ${before} → ${store.version} in ${env.name} changes the data format (${was} → ${will}): ` +
          `the claims hold data ${store.version} cannot start on${Number(will) < Number(was) ? ' (a downgrade)' : ''}. Migrate the data first${how}, ` +
          `then acknowledge it with dataStores.${store.kind}.environments.${env.name}.upgradedFrom: "${before}"`,
      );
    }
  }
  return problems;
}

/** `namespace/app name` → the version label of the StatefulSets rendered in an environment directory. */
function deployedVersions(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const data = join(dir, 'data');
  if (!existsSync(data)) return out;
  for (const f of readdirSync(data).filter((n) => n.endsWith('.yaml')).sort()) {
    for (const o of loadAll(readFileSync(join(data, f), 'utf8')) as any[]) {
      if (o?.kind !== 'StatefulSet') continue;
      const labels = o.metadata?.labels ?? {};
      if (labels[LABEL.name] && labels[LABEL.version]) out.set(`${o.metadata.namespace}/${labels[LABEL.name]}`, String(labels[LABEL.version]));
    }
  }
  return out;
}
