import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Manifests, runClient, runJob, useCluster, type Cluster } from './harness';
import { ProviderKafka } from './harness/provider-kafka';
import type { SecretValues } from './harness/pod';

/**
 * The eks seed platform's prod, whose Kafka is Amazon MSK (examples/eks.yaml:
 * three brokers, SASL/SCRAM-SHA-512 over TLS on 9096): what the platform
 * renders for it run against a provider's Kafka of real Kafka 3.9.0 nodes
 * (harness/provider-kafka.ts) — the topics Job as the pod runs it, and a
 * client configured only from a service's rendered connection variables.
 */
const SPEC = 'examples/eks.yaml';
const CLIENT = join(__dirname, 'clients', 'kafka-env-client.cjs');
/** The clients' Secret; its password has what JAAS and properties files must escape, and what a shell would expand. */
const SECRET = 'storefront-msk';
const USER = 'storefront-app';
const PASSWORD = `p@ss "w\\ord" $HOME;'x' \\"`;
const secrets: SecretValues = (secret, key) => (secret === SECRET ? (key === 'username' ? USER : key === 'password' ? PASSWORD : `no key ${key}`) : `test-${secret}-${key}`);

/** The env-configured client, once, in a client network namespace of the services namespace. */
const runEnvClient = (cluster: Cluster, env: Record<string, string>, argv: string[]) => runClient(cluster.client('kafka-env-client', 'storefront-prod').netns, ['node', CLIENT, ...argv], env);

describe(`a managed Kafka (Amazon MSK as ${SPEC} names it in prod), run as a provider would`, () => {
  const { cluster, dist } = useCluster({ spec: SPEC });
  let provider: ProviderKafka;
  let data: Manifests;
  let topicsJob: any;

  beforeAll(async () => {
    data = Manifests.dataLayer(dist, 'prod');
    topicsJob = data.find('Job', 'kafka-topics');
    const brokers: string[] = topicsJob.spec.template.spec.containers[0].command[2].match(/^BOOTSTRAP="([^"]+)"$/m)[1].split(',');
    provider = new ProviderKafka(cluster, {
      hosts: brokers.map((b) => b.split(':')[0]!),
      port: Number(brokers[0]!.split(':')[1]),
      mechanism: 'SCRAM-SHA-512',
      users: { [USER]: PASSWORD },
      version: '3.9.0',
    });
    await provider.start();
  });
  afterAll(() => provider?.stop());

  it('renders no broker or ZooKeeper for prod: the provider runs them', () => {
    expect(data.objects.filter((o) => o.kind === 'StatefulSet').map((o) => o.metadata.name)).not.toContain('kafka');
    expect(data.objects.filter((o) => o.kind === 'StatefulSet').map((o) => o.metadata.name)).not.toContain('zookeeper');
    expect(topicsJob.metadata.namespace).toBe('storefront-prod');
  });

  it('the kafka-topics Job logs in with the clients’ Secret (SASL_SSL) and creates every planned topic; a second sync changes nothing', async () => {
    const script: string = topicsJob.spec.template.spec.containers[0].command[2];
    const plans = [...script.matchAll(/^create '([^']+)' (\d+) (\d+) (\d+)$/gm)].map((x) => ({ topic: x[1]!, partitions: Number(x[2]), rf: Number(x[3]), minIsr: Number(x[4]) }));
    expect(plans).toEqual([{ topic: 'orders', partitions: 15, rf: 3, minIsr: 2 }]);
    const r = await runJob(cluster, data, 'kafka-topics', { secrets });
    expect(r.succeeded, `${r.pod.logTail('create-topics', 40)}\n${provider.logTail(20)}`).toBe(true);
    expect(r.attempts).toBe(1);
    for (const p of plans) {
      const d = await provider.describeTopic(p.topic);
      expect(d).toContain(`PartitionCount: ${p.partitions}`);
      expect(d).toContain(`ReplicationFactor: ${p.rf}`);
      expect(d).toContain(`min.insync.replicas=${p.minIsr}`);
    }
    const again = await runJob(cluster, data, 'kafka-topics', { secrets });
    expect(again.succeeded, again.pod.logTail('create-topics', 40)).toBe(true);
    expect(again.pod.logs('create-topics')).not.toContain('Created topic');
  });

  it('with a wrong password the Job fails at once, saying the login was refused, and creates nothing', async () => {
    const wrong: SecretValues = (secret, key) => (secret === SECRET && key === 'password' ? `${PASSWORD}x` : secrets(secret, key));
    const list = () => provider.admin(['org.apache.kafka.tools.TopicCommand', '--bootstrap-server', `${provider.replicationAddress}`, '--list']);
    const before = await list();
    const t0 = Date.now();
    const r = await runJob(cluster, data, 'kafka-topics', { secrets: wrong, timeoutMs: 120000 });
    expect(r.succeeded).toBe(false);
    const log = r.pod.logs('create-topics');
    expect(log).toContain('refused the login or the TLS handshake; no topic was created');
    expect(log).toContain('Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512');
    expect(log).not.toContain('waiting for the brokers (2)');
    expect(await list()).toBe(before);
    console.log(`[kafka managed] wrong password: ${r.attempts} attempts failed in ${Date.now() - t0} ms`);
  });

  it('a client configured only from a service’s rendered variables (checkout-service’s ConfigMap and Secret) produces and consumes over SASL_SSL', async () => {
    const services = Manifests.dataLayer(dist, 'prod', 'services');
    const config = (services.find('ConfigMap', 'checkout-service-config') as any).data as Record<string, string>;
    const container = (services.find('Deployment', 'checkout-service') as any).spec.template.spec.containers.find((c: any) => c.name === 'checkout-service');
    const env: Record<string, string> = Object.fromEntries(Object.entries(config).filter(([k]) => k.startsWith('KAFKA_')));
    for (const e of container.env ?? []) if (e.valueFrom?.secretKeyRef && e.name.startsWith('KAFKA_')) env[e.name] = secrets(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
    expect(Object.keys(env).sort()).toEqual(['KAFKA_BOOTSTRAP_SERVERS', 'KAFKA_CLIENT_ID', 'KAFKA_PRODUCE_TOPICS', 'KAFKA_SASL_MECHANISM', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_USERNAME', 'KAFKA_SECURITY_PROTOCOL']);
    const result = await runEnvClient(cluster, { ...env, NODE_EXTRA_CA_CERTS: provider.caFile }, [env.KAFKA_PRODUCE_TOPICS!, 'order-worker', '50']);
    expect(result.error, provider.logTail(20)).toBeUndefined();
    expect(result.brokers).toEqual(env.KAFKA_BOOTSTRAP_SERVERS!.split(',').sort());
    expect(result).toMatchObject({ produced: 50, consumed: 50 });
    // Its bad twin: the same variables without the SASL login are refused by the brokers.
    const plain = await runEnvClient(cluster, { ...env, KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' }, [env.KAFKA_PRODUCE_TOPICS!, 'order-worker', '1']);
    expect(plain.error).toBeDefined();
  });
});
