import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { smallPlatform } from '../helpers/fixtures';
import { Manifests, runClient, useCluster, type Cluster } from './harness';
import { ProviderRedis } from './harness/provider-redis';
import type { SecretValues } from './harness/pod';

/**
 * A Redis a provider runs (ElastiCache with TLS and an AUTH token) in prod of
 * the test fixture: a client configured only from a service's rendered
 * variables (mailer's ConfigMap and Secret) against a provider's Redis of this
 * machine's redis-server serving TLS only (harness/provider-redis.ts). The same
 * client runs against the in-cluster `redis-master` in the Redis suite.
 */
const ENDPOINT = 'master.acme-cache.x1y2z3.euw1.cache.amazonaws.com';
const PASSWORD = 'elasti "cache" \\ token $HOME';
const CLIENT = join(__dirname, 'clients', 'redis-env-client.cjs');

function specFile(): string {
  const spec: any = smallPlatform();
  spec.dataStores.redis.environments.prod = { external: { host: ENDPOINT, secretName: 'acme-cache', cidrs: ['10.20.96.0/20'] } };
  spec.environments.prod.providedSecrets = ['acme-cache'];
  const file = join(mkdtempSync(join(tmpdir(), 'managed-redis-spec-')), 'platform.yaml');
  writeFileSync(file, dump(spec));
  return file;
}

const secrets: SecretValues = (secret, key) => (secret === 'acme-cache' && key === 'password' ? PASSWORD : `test-${secret}-${key}`);

/** The env-configured client, once (20 keys under `prefix`), in a client network namespace of the services namespace. */
const runEnvClient = (cluster: Cluster, env: Record<string, string>, prefix: string) => runClient(cluster.client('redis-env-client', 'acme-prod').netns, ['node', CLIENT, prefix, '20'], env);

describe('a managed Redis (ElastiCache: TLS, AUTH token) in prod, run as a provider would', () => {
  const { cluster, dist } = useCluster({ spec: specFile() });
  let provider: ProviderRedis | undefined;
  afterAll(() => provider?.stop());

  /** mailer's Redis variables as rendered (ConfigMap), its password from the Secret the spec names. */
  function mailerEnv(password = PASSWORD): Record<string, string> {
    const services = Manifests.dataLayer(dist, 'prod', 'services');
    const config = (services.find('ConfigMap', 'mailer-config') as any).data as Record<string, string>;
    const container = (services.find('Deployment', 'mailer') as any).spec.template.spec.containers.find((c: any) => c.name === 'mailer');
    const env: Record<string, string> = Object.fromEntries(Object.entries(config).filter(([k]) => k.startsWith('REDIS_')));
    for (const e of container.env ?? []) if (e.name.startsWith('REDIS_') && e.valueFrom?.secretKeyRef) env[e.name] = e.valueFrom.secretKeyRef.name === 'acme-cache' ? password : secrets(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
    return env;
  }

  it('renders no Redis node or proxy for prod, and gives the clients the endpoint with TLS', () => {
    const data = Manifests.dataLayer(dist, 'prod');
    expect(data.objects.filter((o) => /^redis/.test(o.metadata.name) && o.metadata.namespace === 'acme-prod-data')).toEqual([]);
    expect(mailerEnv()).toEqual({ REDIS_HOST: ENDPOINT, REDIS_PORT: '6379', REDIS_TLS: 'true', REDIS_PASSWORD: PASSWORD });
  });

  it('a client configured only from mailer’s rendered variables writes and reads over TLS with the AUTH token', async () => {
    provider = new ProviderRedis(cluster, { host: ENDPOINT, port: 6379, password: PASSWORD });
    await provider.start();
    const r = await runEnvClient(cluster, { ...mailerEnv(), NODE_EXTRA_CA_CERTS: provider.caFile }, 'mailer');
    expect(r.error, provider.logTail()).toBeUndefined();
    expect(r).toMatchObject({ written: 20, read: 20, role: 'master' });
    // Its bad twins: a wrong token, and the same variables without TLS, are refused.
    expect((await runEnvClient(cluster, { ...mailerEnv(`${PASSWORD}x`), NODE_EXTRA_CA_CERTS: provider.caFile }, 'wrong')).error).toMatch(/WRONGPASS|invalid password/i);
    expect((await runEnvClient(cluster, { ...mailerEnv(), REDIS_TLS: 'false' }, 'plain')).error).toBeDefined();
  });

  it('the certificate is checked: an endpoint whose certificate names another host is refused', async () => {
    provider?.stop();
    provider = new ProviderRedis(cluster, { host: ENDPOINT, port: 6379, password: PASSWORD, certName: 'other.cache.amazonaws.com' });
    await provider.start();
    const r = await runEnvClient(cluster, { ...mailerEnv(), NODE_EXTRA_CA_CERTS: provider.caFile }, 'mismatch');
    expect(r.error).toMatch(/altnames|Hostname\/IP does not match|ERR_TLS_CERT_ALTNAME_INVALID/i);
  });
});
