import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, test } from 'vitest';
import { apiIdentity, type KubeObject } from '../../blocks/kube-object';
import { ADDON_NAMES } from '../../catalogue/addons';
import { parseYamlDocuments } from '../../render/yaml';
import { smallVariant } from '../helpers/fixtures';
import { schemaErrors } from '../helpers/kube-schema';
import { render, type Rendered } from '../helpers/render';

// docs/gitops.md, "Beyond one repository": a platform split into one spec per team or domain. Two fixture specs
// rendered side by side share no object, and the documented ApplicationSet stamps out each spec's own root.yaml.

const ROOT = resolve(__dirname, '../..');
const REPO = 'https://git.example.com/platforms.git';

/** The fixture as the spec `name`, in its own namespaces and path; `addons: false` leaves the cluster add-ons to another spec. */
function domain(name: string, opts: { addons: boolean; path?: string; namespaces?: string }): Rendered {
  return render(
    smallVariant((s) => {
      s.name = name;
      s.gitops = { repoURL: REPO, targetRevision: 'main', path: opts.path ?? `platforms/${name}/dist`, ...(opts.addons ? {} : { addons: Object.fromEntries(ADDON_NAMES.map((a) => [a, { enabled: false }])) }) };
      for (const env of Object.values(s.environments) as Record<string, string>[]) {
        for (const k of ['namespace', 'dataNamespace', 'host'] as const) if (env[k]) env[k] = env[k]!.replace('acme', opts.namespaces ?? name);
      }
    }),
  );
}

const shared = (a: Rendered, b: Rendered) => {
  const ids = new Set(a.objects.map(apiIdentity));
  return b.objects.map(apiIdentity).filter((id) => ids.has(id));
};

/** The ApplicationSet of docs/gitops.md. */
function documentedApplicationSet(): KubeObject {
  const doc = readFileSync(join(ROOT, 'docs/gitops.md'), 'utf8');
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => b.includes('kind: ApplicationSet') && b.includes('argocd/apps'));
  expect(blocks).toHaveLength(1);
  return load(blocks[0]!) as KubeObject;
}

/**
 * The Application the ApplicationSet controller makes for one directory the git generator found. An imitation of
 * the two Go template expressions the template uses (`{{.path.path}}`, `{{index .path.segments 1}}`), nothing more;
 * the glob is the generator's `*` (one path segment).
 */
function stamp(set: KubeObject, dir: string): { name: string; spec: unknown } | undefined {
  const spec = set.spec as any;
  const glob: string = spec.generators[0].git.directories[0].path;
  const re = new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('[^/]+')}$`);
  if (!re.test(dir)) return undefined;
  const text = JSON.stringify(spec.template)
    .replaceAll('{{.path.path}}', dir)
    .replaceAll('{{index .path.segments 1}}', dir.split('/')[1]!);
  expect(text).not.toContain('{{');
  const template = JSON.parse(text);
  return { name: template.metadata.name, spec: template.spec };
}

const rootOf = (r: Rendered) => parseYamlDocuments(r.files.get('argocd/root.yaml')!)[0] as KubeObject;

describe('one platform as several specs (docs/gitops.md, Beyond one repository)', () => {
  const acme = domain('acme', { addons: true });
  const billing = domain('billing', { addons: false });

  test('two specs with their own name, namespaces and path, one of them rendering the add-ons, share no object', () => {
    expect(acme.objects.length).toBeGreaterThan(300);
    expect(shared(acme, billing)).toEqual([]);
    // Their Argo CD Applications read their own trees.
    for (const [r, name] of [[acme, 'acme'], [billing, 'billing']] as const) {
      // (The add-ons' Applications read Helm charts, not paths.)
      const paths = r.objects.filter((o) => o.kind === 'Application').flatMap((o) => ((o.spec as any).source?.path as string | undefined) ?? []);
      expect(paths.length).toBeGreaterThanOrEqual(4);
      expect(paths.filter((p) => !p.startsWith(`platforms/${name}/dist/`))).toEqual([]);
    }
  });

  test('the bad twins: both rendering the add-ons, or one reusing the other\'s namespaces, are two owners of the same objects', () => {
    const both = shared(acme, domain('billing', { addons: true }));
    expect(both).toEqual(expect.arrayContaining(['argoproj.io/Application/argocd/istiod-in-cluster', 'argoproj.io/Application/argocd/cert-manager-in-cluster']));
    expect(shared(acme, domain('billing', { addons: false, namespaces: 'acme' }))).toEqual(expect.arrayContaining(['/Namespace//acme-prod']));
  });

  test("the documented ApplicationSet is valid and stamps out each spec's own root.yaml", () => {
    const set = documentedApplicationSet();
    expect(schemaErrors(set)).toEqual([]);
    for (const r of [acme, billing]) {
      const root = rootOf(r);
      const made = stamp(set, (root.spec as any).source.path);
      expect(made, `the generator finds ${(root.spec as any).source.path}`).toBeDefined();
      expect(made!.name).toBe(root.metadata.name);
      expect(made!.spec).toEqual(root.spec);
    }
  });

  test('the bad twin: a directory not named after its spec stamps out an Application of another name', () => {
    const set = documentedApplicationSet();
    const root = rootOf(domain('billing', { addons: false, path: 'platforms/billing-team/dist' }));
    const made = stamp(set, (root.spec as any).source.path)!;
    expect(made.name).toBe('billing-team-root');
    expect(made.name).not.toBe(root.metadata.name);
  });
});
