import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readYamlDocuments } from './yaml-documents';
import type { SealedSecretFile } from './model';
import type { PlatformSpec } from './schema';
import { suggestion, type SpecPath } from './problems';

/**
 * SealedSecrets kept beside the spec, one folder per environment: `secrets/<env>/*.yaml` (or `.json`),
 * as `kubeseal` writes them. Each is checked (kind, namespace, name; the Secret it unseals into has the
 * same name and namespace; nothing twice) and rendered into `dist/<env>/` with the environment's
 * objects. Whether some pod uses each is the policy rule SEALED-SECRET-USED (it reads the rendered
 * pods); whether each Secret a service names exists is checked here against the folder and
 * `environments.<env>.providedSecrets`.
 */

export const SEALED_SECRETS_DIR = 'secrets';
const API_VERSION = 'bitnami.com/v1alpha1';
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export interface SealedSecretsResult {
  readonly byEnvironment: Record<string, SealedSecretFile[]>;
  /** Problems in the folder's files: `file (line L, column C): message`. */
  readonly fileProblems: string[];
  /** Problems in the spec (a service names a Secret nobody provides), by path. */
  readonly specProblems: { path: SpecPath; message: string }[];
}

const obj = (v: unknown): Record<string, any> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : {});

export function loadSealedSecrets(specDir: string, spec: PlatformSpec): SealedSecretsResult {
  const root = join(specDir, SEALED_SECRETS_DIR);
  const byEnvironment: Record<string, SealedSecretFile[]> = {};
  const fileProblems: string[] = [];
  const specProblems: { path: SpecPath; message: string }[] = [];
  const envNames = Object.keys(spec.environments);
  if (existsSync(root)) {
    for (const entry of readdirSync(root).sort()) {
      if (statSync(join(root, entry)).isDirectory() && !spec.environments[entry]) {
        fileProblems.push(`${SEALED_SECRETS_DIR}/${entry}/: '${entry}' is not an environment${suggestion(entry, envNames)} (one folder per environment)`);
      }
    }
  }
  for (const [envName, env] of Object.entries(spec.environments)) {
    const dir = join(root, envName);
    const found: SealedSecretFile[] = [];
    const namespaces = [...new Set([env.namespace, env.dataNamespace ?? env.namespace])];
    if (existsSync(dir)) {
      // kubeseal writes JSON by default (--format yaml for YAML); both are read.
      for (const name of readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()) {
        const file = relative(specDir, join(dir, name));
        const read = readYamlDocuments(join(dir, name), file);
        fileProblems.push(...read.problems);
        for (const { value, where } of read.documents) {
          const o = obj(value);
          const problems: string[] = [];
          if (o.apiVersion !== API_VERSION || o.kind !== 'SealedSecret') problems.push(`expected a SealedSecret (apiVersion ${API_VERSION}, as kubeseal writes it), got ${o.kind ?? 'no kind'} ${o.apiVersion ?? ''}`.trim());
          const m = obj(o.metadata);
          if (typeof m.name !== 'string' || !DNS_NAME.test(m.name)) problems.push(`metadata.name must be the Secret's name, got ${JSON.stringify(m.name)}`);
          if (!namespaces.includes(m.namespace)) problems.push(`metadata.namespace must be one of ${envName}'s namespaces (${namespaces.join(', ')}), got ${JSON.stringify(m.namespace)}: a SealedSecret only unseals in the namespace it was sealed for`);
          const data = obj(obj(o.spec).encryptedData);
          if (Object.keys(data).length === 0 || Object.values(data).some((v) => typeof v !== 'string' || v === '')) problems.push('spec.encryptedData must map each key to its ciphertext (kubeseal output)');
          const t = obj(obj(obj(o.spec).template).metadata);
          if (t.name !== undefined && t.name !== m.name) problems.push(`spec.template.metadata.name (${t.name}) differs from metadata.name (${m.name})`);
          if (t.namespace !== undefined && t.namespace !== m.namespace) problems.push(`spec.template.metadata.namespace (${t.namespace}) differs from metadata.namespace (${m.namespace})`);
          const twin = found.find((f) => f.object.metadata.name === m.name && f.object.metadata.namespace === m.namespace);
          if (twin) problems.push(`${m.namespace}/${m.name} is already in ${twin.file}`);
          if (problems.length) {
            fileProblems.push(...problems.map((p) => `${where}: ${p}`));
            continue;
          }
          found.push({ file, object: o as SealedSecretFile['object'] });
        }
      }
    }
    found.sort((a, b) => `${a.object.metadata.namespace}/${a.object.metadata.name}`.localeCompare(`${b.object.metadata.namespace}/${b.object.metadata.name}`));
    byEnvironment[envName] = found;
    // Every Secret a service names is sealed here (in the services namespace) or provided by the cluster.
    const sealed = new Set(found.filter((f) => f.object.metadata.namespace === env.namespace).map((f) => f.object.metadata.name));
    const provided = new Set(env.providedSecrets);
    env.providedSecrets.forEach((name, k) => {
      if (sealed.has(name)) specProblems.push({ path: ['environments', envName, 'providedSecrets', k], message: `'${name}' is also a SealedSecret in ${SEALED_SECRETS_DIR}/${envName}/: keep one source` });
    });
    spec.services.forEach((s, i) =>
      s.secrets.forEach((x, k) => {
        if (sealed.has(x.secret) || provided.has(x.secret)) return;
        specProblems.push({
          path: ['services', i, 'secrets', k, 'secret'],
          message: `Secret '${x.secret}' is not in ${envName}: seal it with kubeseal into ${SEALED_SECRETS_DIR}/${envName}/ (namespace ${env.namespace}), or list it in environments.${envName}.providedSecrets if the cluster holds it already${suggestion(x.secret, [...sealed, ...provided])}`,
        });
      }),
    );
    // A managed store's client credentials likewise (in the services namespace, where its clients run).
    for (const [store, entry] of Object.entries(spec.dataStores)) {
      const secretName = entry?.environments[envName]?.external?.secretName;
      if (!secretName || sealed.has(secretName) || provided.has(secretName)) continue;
      specProblems.push({
        path: ['dataStores', store, 'environments', envName, 'external', 'secretName'],
        message: `Secret '${secretName}' is not in ${envName}: seal it with kubeseal into ${SEALED_SECRETS_DIR}/${envName}/ (namespace ${env.namespace}), or list it in environments.${envName}.providedSecrets if the cluster holds it already${suggestion(secretName, [...sealed, ...provided])}`,
      });
    }
  }
  return { byEnvironment, fileProblems, specProblems };
}
