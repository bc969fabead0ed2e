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
/** A promotion in progress: api 1.1.0 in dev only (the not-yet-promoted state is prod's file). */
function promotionPlatform() {
  const s: any = smallPlatform();
  s.services[0].environments = { dev: { image: 'registry.test/acme/api:1.1.0' } };
  return s;
}
/** worker released blue-green: green live in dev, prod on blue with green warm. */
function blueGreenPlatform() {
  const s: any = smallPlatform();
  const worker = s.services[1];
  delete worker.image;
  worker.blueGreen = { active: 'blue', blue: 'registry.test/acme/worker:2.1.0', green: 'registry.test/acme/worker:2.2.0' };
  worker.environments = { dev: { blueGreen: { active: 'green', idle: 'zero' } } };
  return s;
}

const variants = [
  { name: 'canary', spec: canaryPlatform(), files: ['prod/services/api.yaml', 'prod/mesh/routing.yaml', 'prod/mesh/security.yaml'] },
  { name: 'promotion', spec: promotionPlatform(), files: ['dev/services/api.yaml', 'prod/services/api.yaml'] },
  { name: 'blue-green', spec: blueGreenPlatform(), files: ['dev/services/worker.yaml', 'prod/services/worker.yaml', 'prod/mesh/routing.yaml'] },
  { name: 'multi-cluster', spec: multiClusterPlatform(), files: ['argocd/apps/environments/prod.yaml', 'argocd/apps/projects.yaml'] },
];

describe.each(variants)('chart snapshots ($name variant)', ({ name, spec, files }) => {
  const r = render(spec);
  test.each(files)('%s', async (file) => {
    expect(r.files.has(file), file).toBe(true);
    await expect(r.files.get(file)).toMatchFileSnapshot(`../../__snapshots__/${name}/${file}`);
  });
});
