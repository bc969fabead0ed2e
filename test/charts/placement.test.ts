import { describe, expect, test } from 'vitest';
import { smallPlatform } from '../helpers/fixtures';
import { render } from '../helpers/render';

const r = render(smallPlatform());
const pod = (name: string) => (r.get('StatefulSet', name, { env: 'prod' }).spec as any).template.spec;
const templateLabels = (name: string) => (r.get('StatefulSet', name, { env: 'prod' }).spec as any).template.metadata.labels;
const matches = (sel: Record<string, string>, labels: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);

describe('stateful placement in a zoned environment', () => {
  test('the PostgreSQL primary and its replicas never share a host and spread over zones together', () => {
    for (const sts of ['postgres-primary', 'postgres-read']) {
      const anti = pod(sts).affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
      expect(anti.topologyKey).toBe('kubernetes.io/hostname');
      // The term selects the pods of both StatefulSets.
      for (const other of ['postgres-primary', 'postgres-read']) expect(matches(anti.labelSelector.matchLabels, templateLabels(other)), `${sts} vs ${other}`).toBe(true);
      const zone = pod(sts).topologySpreadConstraints.find((c: any) => c.topologyKey === 'topology.kubernetes.io/zone');
      expect(zone.whenUnsatisfiable).toBe('DoNotSchedule');
      for (const other of ['postgres-primary', 'postgres-read']) expect(matches(zone.labelSelector.matchLabels, templateLabels(other))).toBe(true);
    }
  });

  test.each(['redis', 'zookeeper', 'kafka'])('%s peers never share a host', (sts) => {
    const anti = pod(sts).affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
    expect(anti.topologyKey).toBe('kubernetes.io/hostname');
    expect(matches(anti.labelSelector.matchLabels, templateLabels(sts))).toBe(true);
  });
});
