import { describe, expect, test } from 'vitest';
import { smallPlatform } from '../helpers/fixtures';
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
