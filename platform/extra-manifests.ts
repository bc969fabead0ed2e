import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readYamlDocuments } from './yaml-documents';
import type { ExtraManifestFile } from './model';
import type { PlatformSpec } from './schema';
import type { SpecPath } from './problems';
import { CLUSTER_SCOPED_KINDS } from '../catalogue/kinds';

/**
 * `environments.<env>.extraManifests`: a folder of YAML objects rendered into the environment as they
 * are. Read here (every `.yaml`/`.yml` below the folder, sorted); each document must be one object with
 * apiVersion, kind and metadata.name. What they may contain is the policy gate's to say, as for every
 * rendered object.
 */
export function loadExtraManifests(
  specDir: string,
  spec: PlatformSpec,
): { byEnvironment: Record<string, ExtraManifestFile[]>; problems: string[]; specProblems: { path: SpecPath; message: string }[] } {
  const byEnvironment: Record<string, ExtraManifestFile[]> = {};
  const problems: string[] = [];
  const specProblems: { path: SpecPath; message: string }[] = [];
  for (const [envName, env] of Object.entries(spec.environments)) {
    byEnvironment[envName] = [];
    if (!env.extraManifests) continue;
    const root = join(specDir, env.extraManifests);
    const namespaces = [...new Set([env.namespace, env.dataNamespace ?? env.namespace])];
    if (!existsSync(root) || !statSync(root).isDirectory()) {
      specProblems.push({ path: ['environments', envName, 'extraManifests'], message: `${env.extraManifests} is not a folder next to the spec (${root})` });
      continue;
    }
    for (const path of yamlFiles(root)) {
      const file = relative(specDir, path);
      const objects: Record<string, unknown>[] = [];
      const read = readYamlDocuments(path, file);
      problems.push(...read.problems);
      for (const { value, where } of read.documents) {
        const o = value as any;
        if (typeof o !== 'object' || Array.isArray(o)) problems.push(`${where}: expected one Kubernetes object (apiVersion, kind, metadata), got ${Array.isArray(o) ? 'a list' : JSON.stringify(o)}`);
        else if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
          problems.push(`${where}: every object needs apiVersion, kind and metadata.name`);
        } else if (o.kind === 'List' || o.kind.endsWith('List')) problems.push(`${where}: a ${o.kind} is not rendered; write its items as documents of their own`);
        // An environment's objects stay in its namespaces: its AppProject is derived from what it renders, so a
        // cluster-scoped kind or another namespace here would widen what Argo CD lets the environment touch.
        else if (CLUSTER_SCOPED_KINDS.has(o.kind)) problems.push(`${where}: ${o.kind} is cluster-scoped; an environment's extra manifests stay in its namespaces (${namespaces.join(', ')})`);
        else if (!namespaces.includes(o.metadata.namespace)) {
          problems.push(`${where}: metadata.namespace must be one of ${envName}'s namespaces (${namespaces.join(', ')}), got ${JSON.stringify(o.metadata.namespace ?? null)}`);
        } else objects.push(o);
      }
      if (objects.length) byEnvironment[envName]!.push({ file, name: relative(root, path), objects });
    }
  }
  return { byEnvironment, problems, specProblems };
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(name) ? [path] : [];
    });
}
