import { describe, expect, test } from 'vitest';
import { loadSpec } from '../../platform/loader';
import { NON_EXTERNAL_CIDRS } from '../../lib/network';
import type { KubeObject } from '../../lib/synth';
import { render } from '../helpers/render';
import { smallPlatform } from '../helpers/fixtures';

const shop = render(loadSpec('platform.yaml'));
const spec = (o: KubeObject) => o.spec as any;
const externalRules = (service: string) =>
  (spec(shop.get('NetworkPolicy', service, { env: 'prod' })).egress as any[]).filter((r) => r.to.some((p: any) => p.ipBlock));

describe('external egress', () => {
  test('payment-service may reach the internet on 443 only, never private or metadata addresses', () => {
    const rules = externalRules('payment-service');
    expect(rules).toHaveLength(1);
    expect(rules[0].ports).toEqual([{ protocol: 'TCP', port: 443 }]);
    expect(rules[0].to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0', except: [...NON_EXTERNAL_CIDRS] } }]);
    expect(rules[0].to[0].ipBlock.except).toContain('169.254.0.0/16');
  });

  test('services that declare no egress cannot leave the cluster', () => {
    for (const s of ['auth-service', 'cart-service', 'order-service', 'inventory-service']) expect(externalRules(s), s).toEqual([]);
  });

  test('each declared host gets a mesh-external ServiceEntry visible only in the services namespace', () => {
    const entry = shop.get('ServiceEntry', 'external-api-stripe-com', { env: 'prod' });
    expect(entry.metadata.namespace).toBe('shop-prod');
    expect(spec(entry)).toEqual({ hosts: ['api.stripe.com'], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: 443, name: 'tls-443', protocol: 'TLS' }], exportTo: ['.'] });
    expect(entry.metadata.annotations?.['platform.example.com/callers']).toBe('payment-service');
    expect(shop.find('ServiceEntry', { env: 'prod' }).map((e) => spec(e).hosts[0]).sort()).toEqual(['api.sendgrid.com', 'api.stripe.com']);
  });

  test('the mesh only lets sidecars out through ServiceEntries', () => {
    const istiod = shop.find('Application').find((a) => a.metadata.labels?.['platform.example.com/addon'] === 'istiod')!;
    expect(spec(istiod).source.helm.valuesObject.meshConfig.outboundTrafficPolicy).toEqual({ mode: 'REGISTRY_ONLY' });
  });

  test('a platform without external egress renders no egress file', () => {
    const s: any = smallPlatform();
    for (const svc of s.services) delete svc.egress;
    expect([...render(s).files.keys()].filter((f) => f.endsWith('mesh/egress.yaml'))).toEqual([]);
    // The fixture's worker declares one: every environment gets its ServiceEntry.
    expect([...render(smallPlatform()).files.keys()].filter((f) => f.endsWith('mesh/egress.yaml'))).toEqual(['dev/mesh/egress.yaml', 'prod/mesh/egress.yaml', 'staging/mesh/egress.yaml']);
  });

  test('a host that is not a DNS name is a spec error with its path', () => {
    const s: any = smallPlatform();
    s.services[0].egress = [{ host: 'https://api.stripe.com/v1', port: 443 }];
    expect(() => render(s)).toThrowError(/services\[0\]\.egress\[0\]\.host: must be an external DNS name/);
  });
});
