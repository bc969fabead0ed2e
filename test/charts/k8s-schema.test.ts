import { describe, expect, test } from 'vitest';
import { k8s128Errors } from '../helpers/k8s-strict';
import { smallPlatform } from '../helpers/fixtures';
import { render } from '../helpers/render';

const deployment = () => structuredClone(render(smallPlatform()).get('Deployment', 'api', { env: 'prod' })) as any;

describe('Kubernetes 1.28 strict schema', () => {
  test('accepts the rendered Deployment', () => {
    expect(k8s128Errors(deployment())).toEqual([]);
  });

  test('rejects an unknown field', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].imagee = 'typo';
    expect(k8s128Errors(d)!.join()).toContain('must NOT have additional properties: imagee');
  });

  test('rejects a field that only exists after 1.28 (the preStop sleep action, 1.29+)', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].lifecycle.preStop = { sleep: { seconds: 5 } };
    expect(k8s128Errors(d)!.join()).toContain('additional properties: sleep');
  });

  test('rejects a wrong type', () => {
    const d = deployment();
    d.spec.revisionHistoryLimit = 'five';
    expect(k8s128Errors(d)!.join()).toContain('/spec/revisionHistoryLimit must be integer');
  });
});
