import { describe, expect, it } from 'vitest';
import { render } from '../helpers/render';
import { smallPlatform } from '../helpers/fixtures';

const rendered = render(smallPlatform());

describe('data layer snapshots (fixture spec)', () => {
  for (const env of ['dev', 'prod']) {
    for (const file of ['postgres', 'redis', 'zookeeper', 'kafka', 'kafka-topics']) {
      it(`${env}/data/${file}.yaml`, async () => {
        const text = rendered.files.get(`${env}/data/${file}.yaml`);
        expect(text).toBeDefined();
        await expect(text).toMatchFileSnapshot(`../../__snapshots__/data/${env}/${file}.yaml`);
      });
    }
  }
});
