import { describe, expect, test } from 'vitest';
import { loadSpec } from '../../platform/loader';
import { NON_EXTERNAL_CIDRS } from '../../blocks/network';
import type { KubeObject } from '../../blocks/kube-object';
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
    expect(shop.find('ServiceEntry', { env: 'prod', namespace: 'shop-prod' }).map((e) => spec(e).hosts[0]).sort()).toEqual(['api.sendgrid.com', 'api.stripe.com']);
  });

  test('each namespace’s sidecars are REGISTRY_ONLY and know only the cluster’s Services they need', () => {
    for (const ns of ['shop-prod', 'shop-prod-data']) {
      const sidecar = spec(shop.get('Sidecar', 'default', { env: 'prod', namespace: ns }));
      expect(sidecar.outboundTrafficPolicy).toEqual({ mode: 'REGISTRY_ONLY' });
      expect(sidecar.workloadSelector).toBeUndefined();
    }
    // Services: their namespace's Services (never its ServiceEntries), the data stores, the telemetry namespace,
    // and everywhere the cluster DNS: its TCP fallback passes the sidecar, and REGISTRY_ONLY would black-hole it.
    const dns = 'kube-system/kube-dns.kube-system.svc.cluster.local';
    expect(spec(shop.get('Sidecar', 'default', { env: 'prod', namespace: 'shop-prod' })).egress).toEqual([{ hosts: ['./*.svc.cluster.local', 'shop-prod-data/*', 'observability/*', dns] }]);
    expect(spec(shop.get('Sidecar', 'default', { env: 'prod', namespace: 'shop-prod-data' })).egress).toEqual([{ hosts: ['./*', dns] }]);
  });

  test('a service reaches exactly its own external hosts: payment-service Stripe, not SendGrid', () => {
    const hostsOf = (name: string) => spec(shop.get('Sidecar', `${name}-egress`, { env: 'prod' })).egress[0].hosts as string[];
    expect(spec(shop.get('Sidecar', 'payment-service-egress', { env: 'prod' })).workloadSelector).toEqual({ labels: { 'app.kubernetes.io/name': 'payment-service' } });
    expect(hostsOf('payment-service')).toContain('./api.stripe.com');
    expect(hostsOf('payment-service')).not.toContain('./api.sendgrid.com');
    expect(hostsOf('notification-service')).toEqual(['./*.svc.cluster.local', 'shop-prod-data/*', 'observability/*', 'kube-system/kube-dns.kube-system.svc.cluster.local', './api.sendgrid.com']);
    // Services without egress have no Sidecar of their own: the namespace default (no external host) applies.
    expect(shop.find('Sidecar', { env: 'prod', name: 'cart-service-egress' })).toEqual([]);
  });

  test('the mesh-wide outbound policy is left alone (other tenants of the cluster are not ours)', () => {
    const istiod = shop.find('Application').find((a) => a.metadata.labels?.['platform.example.com/addon'] === 'istiod')!;
    expect(spec(istiod).source.helm.valuesObject.meshConfig.outboundTrafficPolicy).toBeUndefined();
  });

  test('a platform without external egress renders no ServiceEntry and no per-service Sidecar', () => {
    const s: any = smallPlatform();
    for (const svc of s.services) delete svc.egress;
    const r = render(s);
    expect(r.find('ServiceEntry')).toEqual([]);
    expect(r.find('Sidecar').map((x) => x.metadata.name)).toEqual(['default', 'default', 'default', 'default']);
  });

  test('a host that is not a DNS name is a spec error with its path', () => {
    const s: any = smallPlatform();
    s.services[0].egress = [{ host: 'https://api.stripe.com/v1', port: 443 }];
    expect(() => render(s)).toThrowError(/services\[api\]\.egress\[0\]\.host: must be an external DNS name/);
  });
});
