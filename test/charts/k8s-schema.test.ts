import { describe, expect, test } from 'vitest';
import { k8sErrors } from '../../policy/strict-schema';
import { smallPlatform } from '../helpers/fixtures';
import { render } from '../helpers/render';

const deployment = () => structuredClone(render(smallPlatform()).get('Deployment', 'api', { env: 'prod' })) as any;

describe('Kubernetes 1.30 strict schema (the oldest supported release)', () => {
  test('accepts the rendered Deployment', () => {
    expect(k8sErrors(deployment())).toEqual([]);
  });

  test('rejects an unknown field', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].imagee = 'typo';
    expect(k8sErrors(d)!.join()).toContain('must NOT have additional properties: imagee');
  });

  test('accepts the built-in preStop sleep action (1.29+) the services use', () => {
    expect(deployment().spec.template.spec.containers[0].lifecycle.preStop).toEqual({ sleep: { seconds: 5 } });
  });

  test('rejects a field that only exists after 1.30 (a container stop signal, 1.33+)', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].lifecycle.stopSignal = 'SIGTERM';
    expect(k8sErrors(d)!.join()).toContain('additional properties: stopSignal');
  });

  test('rejects a wrong type', () => {
    const d = deployment();
    d.spec.revisionHistoryLimit = 'five';
    expect(k8sErrors(d)!.join()).toContain('/spec/revisionHistoryLimit must be integer');
  });
});
