import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as yaml from 'js-yaml';
import { render } from '../helpers/render';
import { smallPlatform } from '../helpers/fixtures';
import { writeTreeAtomically } from '../../render/writer';
import { kustomizationFiles } from '../../render/kustomization';

function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const hasKubectl = kubectlAvailable();
if (!hasKubectl) console.warn('kustomization.test.ts: kubectl is not on PATH, skipping the `kubectl kustomize` checks');

describe('kustomization.yaml per environment', () => {
  const r = render(smallPlatform());
  const dir = mkdtempSync(join(tmpdir(), 'platform-kustomize-'));
  writeTreeAtomically(join(dir, 'dist'), r.files);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists exactly the files of its environment', () => {
    for (const env of ['dev', 'prod']) {
      const k = yaml.load(r.files.get(`${env}/kustomization.yaml`)!) as { kind: string; resources: string[] };
      expect(k.kind).toBe('Kustomization');
      const own = [...r.files.keys()].filter((f) => f.startsWith(`${env}/`) && !f.endsWith('kustomization.yaml')).map((f) => f.slice(env.length + 1));
      expect(k.resources).toEqual(own.sort());
      expect(k.resources).toContain('base/environment.yaml');
    }
    expect(r.files.has('argocd/kustomization.yaml')).toBe(false);
  });

  it('ignores a previous kustomization.yaml and skips environments without files', () => {
    const files = kustomizationFiles(['dev', 'empty'], ['dev/a.yaml', 'dev/kustomization.yaml', 'dev/sub/b.yaml']);
    expect([...files.keys()]).toEqual(['dev/kustomization.yaml']);
    expect(yaml.load(files.get('dev/kustomization.yaml')!)).toMatchObject({ resources: ['a.yaml', 'sub/b.yaml'] });
  });

  it.skipIf(!hasKubectl)('builds with `kubectl kustomize` into exactly the rendered objects', () => {
    for (const env of ['dev', 'prod']) {
      const out = execFileSync('kubectl', ['kustomize', join(dir, 'dist', env)], { encoding: 'utf8' });
      const built = yaml.loadAll(out) as { kind: string; metadata: { name: string; namespace?: string } }[];
      const id = (o: { kind: string; metadata: { name: string; namespace?: string } }) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      const rendered = r.charts.filter((c) => c.file.startsWith(`${env}/`)).flatMap((c) => c.objects);
      expect(built.length).toBe(rendered.length);
      expect(built.map(id).sort()).toEqual(rendered.map(id).sort());
    }
  });
});
