import { describe, expect, test } from 'vitest';
import { smallPlatform } from '../helpers/fixtures';
import { render } from '../helpers/render';

const withLimit = (limits: Record<string, unknown>) => {
  const spec: any = smallPlatform();
  for (const [env, l] of Object.entries(limits)) spec.environments[env].rateLimit = l;
  return spec;
};

describe('environments.<env>.rateLimit', () => {
  test('absent: no EnvoyFilter', () => {
    expect(render(smallPlatform()).find('EnvoyFilter')).toEqual([]);
  });

  test('a local rate limit on the environment’s HTTPS hosts at the shared gateway, with a filter of its own', () => {
    const r = render(withLimit({ prod: { requestsPerSecond: 100 }, staging: { requestsPerSecond: 20, burst: 40 } }));
    const prod = r.get('EnvoyFilter', 'acme-prod-rate-limit', { env: 'prod' }) as any;
    expect(prod.metadata.namespace).toBe('istio-ingress');
    expect(prod.spec.workloadSelector).toEqual({ labels: { app: 'istio-ingressgateway' } });
    expect(prod.spec.priority).toBe(10);
    const [filter, vhost] = prod.spec.configPatches;
    expect(filter.patch.value.name).toBe('envoy.filters.http.local_ratelimit.acme-prod');
    // Pass-through where no virtual host configures it: no bucket on the listener.
    expect(filter.patch.value.typed_config.value.token_bucket).toBeUndefined();
    expect(vhost.match.routeConfiguration.vhost.name).toBe('acme.test:443');
    const bucket = vhost.patch.value.typed_per_filter_config['envoy.filters.http.local_ratelimit.acme-prod'].value.token_bucket;
    expect(bucket).toEqual({ max_tokens: 100, tokens_per_fill: 100, fill_interval: '1s' });
    const staging = r.get('EnvoyFilter', 'acme-staging-rate-limit', { env: 'staging' }) as any;
    expect(staging.spec.configPatches[0].patch.value.name).toBe('envoy.filters.http.local_ratelimit.acme-staging');
    expect(staging.spec.configPatches[1].patch.value.typed_per_filter_config['envoy.filters.http.local_ratelimit.acme-staging'].value.token_bucket.max_tokens).toBe(40);
    expect(r.find('EnvoyFilter', { env: 'dev' })).toEqual([]);
  });

  test('a rate of zero, a field it does not have, a burst below the rate or an environment without public routes is refused', () => {
    expect(() => render(withLimit({ prod: { requestsPerSecond: 0 } }))).toThrow(/environments\.prod\.rateLimit\.requestsPerSecond/);
    expect(() => render(withLimit({ prod: { requestsPerSecond: 10, perIp: true } }))).toThrow(/environments\.prod\.rateLimit/);
    expect(() => render(withLimit({ prod: { requestsPerSecond: 500, burst: 10 } }))).toThrow(/environments\.prod\.rateLimit\.burst: must be at least requestsPerSecond \(500\): .* lowers the rate to 10\/s/);
    const noRoutes: any = withLimit({ prod: { requestsPerSecond: 10 } });
    for (const s of noRoutes.services) delete s.route;
    expect(() => render(noRoutes)).toThrow(/environments\.prod\.rateLimit: prod has no public routes/);
  });

  test('one public host per environment on a cluster: two would bind it on the shared gateway (and stack their limits)', () => {
    const shared: any = withLimit({ prod: { requestsPerSecond: 100 }, staging: { requestsPerSecond: 20 } });
    shared.environments.staging.host = 'acme.test';
    expect(() => render(shared)).toThrow(/host acme\.test is also (staging|prod)'s on cluster https:\/\/kubernetes\.default\.svc/);
    // On their own clusters it is the same name on two gateways: fine.
    shared.environments.staging.cluster = { name: 'staging', server: 'https://staging.k8s.test' };
    expect(() => render(shared)).not.toThrow();
  });
});

describe("runtime: static", () => {
  test('a web server of built files gets no auto-instrumentation (the mesh traces it), the rest as any service', () => {
    const spec: any = smallPlatform();
    spec.services[0].runtime = 'static';
    const d = render(spec).get('Deployment', 'api', { env: 'prod' }) as any;
    expect(Object.keys(d.spec.template.metadata.annotations).filter((k) => k.startsWith('instrumentation.opentelemetry.io/'))).toEqual([]);
    const node = render(smallPlatform()).get('Deployment', 'api', { env: 'prod' }) as any;
    expect(node.spec.template.metadata.annotations['instrumentation.opentelemetry.io/inject-nodejs']).toBe('acme-prod/otel');
  });
});
