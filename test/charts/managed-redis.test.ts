import { describe, expect, test } from 'vitest';
import { smallPlatform } from '../helpers/fixtures';
import { render } from '../helpers/render';

const ELASTICACHE = 'master.acme-cache.x1y2z3.euw1.cache.amazonaws.com';
const CIDRS = ['10.20.96.0/20'];

/** The fixture with Redis run by a provider (ElastiCache) in prod, in the cluster in dev and staging. */
function managedRedis(external: Record<string, unknown> = {}, mutate: (spec: any) => void = () => {}) {
  const spec: any = smallPlatform();
  spec.dataStores.redis.environments.prod = { external: { host: ELASTICACHE, secretName: 'acme-cache', cidrs: CIDRS, ...external } };
  spec.environments.prod.providedSecrets = ['acme-cache'];
  mutate(spec);
  return spec;
}

const configOf = (r: ReturnType<typeof render>, env: string, svc: string) => (r.get('ConfigMap', `${svc}-config`, { env }) as any).data as Record<string, string>;
const redisVars = (c: Record<string, string>) => Object.fromEntries(Object.entries(c).filter(([k]) => k.startsWith('REDIS_')));

describe('Redis clients: one master endpoint in the cluster (redis-master) and from a provider', () => {
  const r = render(managedRedis());

  test('in the cluster, REDIS_HOST is the redis-master proxy (plus the Sentinels for Sentinel-aware clients); managed, the primary endpoint over TLS', () => {
    expect(redisVars(configOf(r, 'staging', 'mailer'))).toEqual({
      REDIS_HOST: 'redis-master.acme-staging.svc.cluster.local',
      REDIS_PORT: '6379',
      REDIS_TLS: 'false',
      REDIS_SENTINEL_ADDRS: 'redis.acme-staging.svc.cluster.local:26379',
      REDIS_SENTINEL_MASTER: 'mymaster',
    });
    expect(redisVars(configOf(r, 'prod', 'mailer'))).toEqual({ REDIS_HOST: ELASTICACHE, REDIS_PORT: '6379', REDIS_TLS: 'true' });
    const env = (r.get('Deployment', 'mailer', { env: 'prod' }) as any).spec.template.spec.containers[0].env;
    expect(env.filter((e: any) => e.name.startsWith('REDIS_'))).toEqual([{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'acme-cache', key: 'password' } } }]);
  });

  test('the proxy: HAProxy routing to the node that answers role:master, two replicas over zones, admitted by the nodes, reached by the client services only', () => {
    const d = r.get('Deployment', 'redis-master', { env: 'staging' }) as any;
    expect(d.metadata.namespace).toBe('acme-staging');
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    const c = d.spec.template.spec.containers[0];
    expect(c.image).toBe('docker.io/library/haproxy:2.8.10-bookworm');
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 8404 });
    expect(d.spec.template.spec.securityContext.runAsUser).toBe(99);
    expect((r.get('Deployment', 'redis-master', { env: 'dev' }) as any).spec.replicas).toBe(1);
    const cfg: string = (r.get('ConfigMap', 'redis-master-config', { env: 'staging' }) as any).data['haproxy.cfg'];
    expect(cfg).toContain('tcp-check expect string role:master');
    expect(cfg.match(/^ {2}server redis-\d /gm)).toHaveLength(3);
    expect(cfg).not.toMatch(/test-|password/i);
    expect(r.get('Service', 'redis-master', { env: 'staging' })).toBeDefined();
    expect(r.get('PodDisruptionBudget', 'redis-master', { env: 'staging' })).toBeDefined();
    // The nodes admit the proxy's identity on 6379; the proxy admits the client services' only.
    const nodes = r.get('AuthorizationPolicy', 'redis', { env: 'staging' }) as any;
    expect(JSON.stringify(nodes.spec.rules)).toContain('cluster.local/ns/acme-staging/sa/redis-master');
    const proxy = r.get('AuthorizationPolicy', 'redis-master', { env: 'staging' }) as any;
    expect(proxy.spec.rules).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/acme-staging/sa/mailer'] } }], to: [{ operation: { ports: ['6379'] } }] }]);
    const np = r.get('NetworkPolicy', 'redis-master', { env: 'staging' }) as any;
    const on6379 = np.spec.ingress.filter((x: any) => x.ports.some((p: any) => p.port === 6379));
    expect(on6379.map((x: any) => x.from[0].podSelector.matchLabels['app.kubernetes.io/name'])).toEqual(['mailer']);
    // Besides: Prometheus on the merged metrics port only.
    expect(np.spec.ingress.filter((x: any) => !on6379.includes(x)).flatMap((x: any) => x.ports.map((p: any) => p.port))).toEqual([15020]);
    const mailer = r.get('NetworkPolicy', 'mailer', { env: 'staging', namespace: 'acme-staging' }) as any;
    expect(JSON.stringify(mailer.spec.egress)).toContain('"app.kubernetes.io/name":"redis-master"');
    const api = r.get('NetworkPolicy', 'api', { env: 'staging', namespace: 'acme-staging' }) as any;
    expect(JSON.stringify(api.spec.egress)).not.toContain('redis-master');
  });

  test('managed: nothing of Redis runs in prod; egress by SNI to the endpoint, the addresses in the NetworkPolicy; redis_exporter behind RedisDown', () => {
    expect(r.objects.filter((o) => o.metadata.namespace === 'acme-prod-data' && /redis/.test(o.metadata.name))).toEqual([]);
    const se = r.find('ServiceEntry', { env: 'prod' }).find((o: any) => o.spec.hosts.includes(ELASTICACHE)) as any;
    expect(se.spec).toEqual({ hosts: [ELASTICACHE], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: 6379, name: 'tls-6379', protocol: 'TLS' }], exportTo: ['.'] });
    const np = r.get('NetworkPolicy', 'mailer', { env: 'prod', namespace: 'acme-prod' }) as any;
    expect(np.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: CIDRS[0] } }], ports: [{ port: 6379, protocol: 'TCP' }] });
    const x = r.get('Deployment', 'redis-exporter', { env: 'prod' }) as any;
    expect(x.metadata.namespace).toBe('acme-prod');
    expect(x.spec.template.spec.containers[0].env).toEqual([
      { name: 'REDIS_ADDR', value: `rediss://${ELASTICACHE}:6379` },
      { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'acme-cache', key: 'password' } } },
    ]);
    const rules = (r.find('PrometheusRule', { env: 'prod' })[0] as any).spec.groups.find((g: any) => g.name.endsWith('-redis')).rules;
    expect(rules.map((a: any) => a.alert)).toEqual(['RedisDown']);
    expect(rules[0].expr).toBe('redis_up{namespace="acme-prod"} == 0');
  });

  test.each([
    ['every broker instead of the endpoint', (s: any) => { s.dataStores.redis.environments.prod.external.brokers = [ELASTICACHE]; delete s.dataStores.redis.environments.prod.external.host; }, /dataStores\.redis\.environments\.prod\.external\.brokers.*: not for Redis: give host/],
    ['a SASL mechanism', (s: any) => (s.dataStores.redis.environments.prod.external.sasl = 'PLAIN'), /external\.sasl.*: not for Redis/],
    ['a snapshot interval where the provider backs it up', (s: any) => (s.environments.prod.backups = { objectStore: { endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', bucket: 'b' }, redis: { everyHours: 2 } }), /environments\.prod\.backups\.redis.*: Redis is external in prod: the provider backs it up/],
  ])('refuses %s', (_what, mutate, message) => {
    expect(() => render(managedRedis({}, mutate))).toThrow(message);
  });
});
