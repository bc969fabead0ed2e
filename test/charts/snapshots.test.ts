import { describe, expect, test } from 'vitest';
import { canaryPlatform, multiClusterPlatform, smallPlatform } from '../helpers/fixtures';
import { render } from '../helpers/render';

/**
 * Readable YAML snapshots of every chart in every environment of the fixture
 * platform (independent of platform.yaml), so a pull request that changes a
 * chart shows the rendered difference. `npm test -- -u` updates them.
 */
const rendered = render(smallPlatform());

describe('chart snapshots (fixture platform)', () => {
  test.each([...rendered.files.keys()])('%s', async (file) => {
    await expect(rendered.files.get(file)).toMatchFileSnapshot(`../../__snapshots__/small-platform/${file}`);
  });
});

/** Variants whose difference from the fixture lives in a few files: only those are kept. */
const variants = [
  { name: 'canary', spec: canaryPlatform(), files: ['prod/services/api.yaml', 'prod/mesh/routing.yaml', 'prod/mesh/security.yaml'] },
  { name: 'multi-cluster', spec: multiClusterPlatform(), files: ['argocd/apps/environments/prod.yaml', 'argocd/apps/projects.yaml'] },
];

describe.each(variants)('chart snapshots ($name variant)', ({ name, spec, files }) => {
  const r = render(spec);
  test.each(files)('%s', async (file) => {
    expect(r.files.has(file), file).toBe(true);
    await expect(r.files.get(file)).toMatchFileSnapshot(`../../__snapshots__/${name}/${file}`);
  });
});
