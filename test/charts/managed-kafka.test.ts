import { describe, expect, test } from 'vitest';
import { smallPlatform } from '../helpers/fixtures';
import { render } from '../helpers/render';

const BROKERS = ['b-1.acme-events.x1y2z3.c2.kafka.eu-west-1.amazonaws.com', 'b-2.acme-events.x1y2z3.c2.kafka.eu-west-1.amazonaws.com', 'b-3.acme-events.x1y2z3.c2.kafka.eu-west-1.amazonaws.com'];
const CIDRS = ['10.20.48.0/20', '10.20.64.0/20'];

/** The fixture with Kafka run by a provider (Amazon MSK) in prod, in the cluster in dev and staging; ZooKeeper only where Kafka runs. */
function managedKafka(external: Record<string, unknown> = {}, mutate: (spec: any) => void = () => {}) {
  const spec: any = smallPlatform();
  spec.dataStores.kafka.environments.prod = { external: { brokers: BROKERS, secretName: 'acme-msk', cidrs: CIDRS, ...external } };
  delete spec.dataStores.zookeeper.environments.prod;
  spec.environments.prod.providedSecrets = ['acme-msk'];
  mutate(spec);
  return spec;
}

const configOf = (r: ReturnType<typeof render>, env: string, svc: string) => (r.get('ConfigMap', `${svc}-config`, { env }) as any).data as Record<string, string>;
const bootstrap = BROKERS.map((b) => `${b}:9096`).join(',');

describe('a Kafka managed outside the cluster (Amazon MSK: every broker, SASL over TLS)', () => {
  const r = render(managedKafka());

  test('nothing of Kafka or ZooKeeper runs in prod; dev and staging keep their brokers and ensemble', () => {
    const prodData = r.objects.filter((o) => o.metadata.namespace === 'acme-prod-data' && /kafka|zookeeper/.test(o.metadata.name));
    expect(prodData).toEqual([]);
    expect(r.find('StatefulSet', { env: 'prod' }).map((o) => o.metadata.name).filter((n) => /kafka|zookeeper/.test(n))).toEqual([]);
    expect(r.find('StatefulSet', { env: 'dev' }).map((o) => o.metadata.name)).toEqual(expect.arrayContaining(['kafka', 'zookeeper']));
  });

  test('its clients get the same variables (plus the SASL login KAFKA_SECURITY_PROTOCOL names), the credentials from the named Secret', () => {
    const dev = configOf(r, 'dev', 'worker');
    const prod = configOf(r, 'prod', 'worker');
    expect(dev).toMatchObject({ KAFKA_BOOTSTRAP_SERVERS: 'kafka.acme-dev.svc.cluster.local:9092', KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT', KAFKA_CLIENT_ID: 'worker' });
    expect(dev.KAFKA_SASL_MECHANISM).toBeUndefined();
    expect(prod).toMatchObject({ KAFKA_BOOTSTRAP_SERVERS: bootstrap, KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_CLIENT_ID: 'worker', KAFKA_PRODUCE_TOPICS: 'jobs' });
    const kafkaKeys = (c: Record<string, string>) => Object.keys(c).filter((k) => k.startsWith('KAFKA_'));
    expect(kafkaKeys(prod).filter((k) => !kafkaKeys(dev).includes(k))).toEqual(['KAFKA_SASL_MECHANISM']);
    const env = (r.get('Deployment', 'worker', { env: 'prod' }) as any).spec.template.spec.containers[0].env;
    expect(env.filter((e: any) => e.name.startsWith('KAFKA_'))).toEqual([
      { name: 'KAFKA_SASL_USERNAME', valueFrom: { secretKeyRef: { name: 'acme-msk', key: 'username' } } },
      { name: 'KAFKA_SASL_PASSWORD', valueFrom: { secretKeyRef: { name: 'acme-msk', key: 'password' } } },
    ]);
    // A service may not set them itself (they would lose to, or override, the platform's).
    expect(() => render(managedKafka({}, (s) => (s.services[1].env = { KAFKA_SASL_PASSWORD: 'x' })))).toThrow(/KAFKA_SASL_PASSWORD/);
  });

  test('egress to every broker, for its clients and the platform’s own Kafka clients only: TLS ServiceEntries (by SNI), NetworkPolicy to the addresses', () => {
    for (const b of BROKERS) {
      const se = r.find('ServiceEntry', { env: 'prod' }).find((o: any) => o.spec.hosts.includes(b)) as any;
      // TLS from the first byte: matched by SNI, so three brokers share one port without addresses.
      expect(se.spec).toEqual({ hosts: [b], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: 9096, name: 'tls-9096', protocol: 'TLS' }], exportTo: ['.'] });
      expect(se.metadata.annotations['platform.example.com/callers']).toBe('kafka-exporter,kafka-topics,mailer,worker');
    }
    for (const svc of ['worker', 'mailer', 'kafka-exporter', 'kafka-topics']) {
      const np = r.get('NetworkPolicy', svc, { env: 'prod', namespace: 'acme-prod' }) as any;
      expect(np.spec.egress).toContainEqual({ to: CIDRS.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ port: 9096, protocol: 'TCP' }] });
      expect(JSON.stringify(np.spec.egress)).not.toContain('"app.kubernetes.io/name":"kafka"');
      expect((r.get('Sidecar', `${svc}-egress`, { env: 'prod' }) as any).spec.egress[0].hosts).toEqual(expect.arrayContaining(BROKERS.map((b) => `./${b}`)));
    }
    expect(JSON.stringify((r.get('NetworkPolicy', 'api', { env: 'prod', namespace: 'acme-prod' }) as any).spec.egress)).not.toContain(CIDRS[0]);
  });

  test('the topics Job runs beside the Secret as its own ServiceAccount, logs in as the clients do and plans for the listed brokers', () => {
    const job = r.get('Job', 'kafka-topics', { env: 'prod' }) as any;
    expect(job.metadata.namespace).toBe('acme-prod');
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
    const pod = job.spec.template.spec;
    expect(pod.serviceAccountName).toBe('kafka-topics');
    expect(r.get('ServiceAccount', 'kafka-topics', { env: 'prod' })).toBeDefined();
    const c = pod.containers[0];
    expect(c.image).toBe('quay.io/strimzi/kafka:0.45.0-kafka-3.9.0');
    expect(c.env).toEqual([
      { name: 'KAFKA_SASL_MECHANISM', value: 'SCRAM-SHA-512' },
      { name: 'KAFKA_SASL_USERNAME', valueFrom: { secretKeyRef: { name: 'acme-msk', key: 'username' } } },
      { name: 'KAFKA_SASL_PASSWORD', valueFrom: { secretKeyRef: { name: 'acme-msk', key: 'password' } } },
    ]);
    const script: string = c.command[2];
    expect(script).toContain(`BOOTSTRAP="${bootstrap}"`);
    expect(script).toContain('--command-config /tmp/client.properties');
    expect(script).toContain('echo "security.protocol=SASL_SSL"');
    // Three brokers: replication 3, min ISR 2; partitions for the consumer's 6 replicas, a multiple of 3.
    expect(script).toMatch(/^create 'jobs' 6 3 2$/m);
    // The in-cluster Job has none of it.
    const dev: string = (r.get('Job', 'kafka-topics', { env: 'dev' }) as any).spec.template.spec.containers[0].command[2];
    expect(dev).not.toContain('command-config');
    expect(dev).not.toContain('KAFKA_SASL');
  });

  test('kafka_exporter watches it with the clients’ login; KafkaBrokersDown counts the listed brokers; lag alerts, panels and KEDA read the same exporter', () => {
    const d = r.get('Deployment', 'kafka-exporter', { env: 'prod' }) as any;
    expect(d.metadata.namespace).toBe('acme-prod');
    const c = d.spec.template.spec.containers[0];
    expect(c.args).toEqual(expect.arrayContaining([...BROKERS.map((b) => `--kafka.server=${b}:9096`), '--tls.enabled', '--sasl.enabled', '--sasl.mechanism=scram-sha512', '--sasl.username=$(KAFKA_SASL_USERNAME)', '--sasl.password=$(KAFKA_SASL_PASSWORD)']));
    expect(c.env.map((e: any) => e.valueFrom.secretKeyRef.name)).toEqual(['acme-msk', 'acme-msk']);
    expect(c.readinessProbe.httpGet.path).toBe('/healthz');
    expect(r.get('ServiceMonitor', 'kafka-exporter-metrics', { env: 'prod' }).metadata.namespace).toBe('acme-prod');
    const group = (r.find('PrometheusRule', { env: 'prod' })[0] as any).spec.groups.find((g: any) => g.name.endsWith('-kafka'));
    const down = group.rules.find((x: any) => x.alert === 'KafkaBrokersDown');
    expect(down.expr).toBe('(max(kafka_brokers{namespace="acme-prod", job="kafka-exporter-metrics"}) or vector(0)) < 3');
    const lag = group.rules.find((x: any) => x.alert === 'KafkaConsumerLagHigh');
    expect(lag.expr).toContain('namespace="acme-prod", job="kafka-exporter-metrics", consumergroup="mailer"');
    const dashboards = JSON.stringify(r.find('ConfigMap', { env: 'prod' }).filter((o: any) => o.metadata.labels?.grafana_dashboard === '1'));
    expect(dashboards).toContain('kafka_consumergroup_lag{namespace=\\\\\\"acme-prod\\\\\\", job=\\\\\\"kafka-exporter-metrics\\\\\\"');
    expect(dashboards).not.toContain('acme-prod-data\\\\\\", job=\\\\\\"kafka-exporter-metrics');
  });

  test('KEDA reads the lag from every broker over TLS with the clients’ SASL login (a TriggerAuthentication on their Secret)', () => {
    const so = r.get('ScaledObject', 'mailer', { env: 'prod' }) as any;
    expect(so.spec.triggers[0]).toMatchObject({
      type: 'kafka',
      metadata: { bootstrapServers: bootstrap, consumerGroup: 'mailer', topic: 'jobs', sasl: 'scram_sha512', tls: 'enable' },
      authenticationRef: { name: 'kafka-sasl' },
    });
    const auth = r.get('TriggerAuthentication', 'kafka-sasl', { env: 'prod' }) as any;
    expect(auth.metadata.namespace).toBe('acme-prod');
    expect(auth.spec.secretTargetRef).toEqual([
      { parameter: 'username', name: 'acme-msk', key: 'username' },
      { parameter: 'password', name: 'acme-msk', key: 'password' },
    ]);
    // The in-cluster Kafka's trigger: its bootstrap Service, no login (the mesh authenticates KEDA).
    const inCluster = render(smallPlatform());
    const plain = (inCluster.get('ScaledObject', 'mailer', { env: 'prod' }) as any).spec.triggers[0];
    expect(plain.authenticationRef).toBeUndefined();
    expect(plain.metadata).toEqual({ bootstrapServers: 'kafka.acme-prod-data.svc.cluster.local:9092', consumerGroup: 'mailer', topic: 'jobs', lagThreshold: '10', offsetResetPolicy: 'latest' });
    expect(inCluster.find('TriggerAuthentication', {})).toEqual([]);
  });

  test.each([
    ['PLAIN (Confluent Cloud’s API keys)', 'PLAIN', 'plain', 'plaintext'],
    ['SCRAM-SHA-256', 'SCRAM-SHA-256', 'scram-sha256', 'scram_sha256'],
  ])('another SASL mechanism, %s, reaches the clients, the Job, the exporter and KEDA', (_what, sasl, exporter, keda) => {
    const x = render(managedKafka({ sasl, port: 9092 }));
    expect(configOf(x, 'prod', 'worker')).toMatchObject({ KAFKA_SASL_MECHANISM: sasl, KAFKA_BOOTSTRAP_SERVERS: BROKERS.map((b) => `${b}:9092`).join(',') });
    expect((x.get('Job', 'kafka-topics', { env: 'prod' }) as any).spec.template.spec.containers[0].env[0]).toEqual({ name: 'KAFKA_SASL_MECHANISM', value: sasl });
    expect((x.get('Deployment', 'kafka-exporter', { env: 'prod' }) as any).spec.template.spec.containers[0].args).toContain(`--sasl.mechanism=${exporter}`);
    expect((x.get('ScaledObject', 'mailer', { env: 'prod' }) as any).spec.triggers[0].metadata.sasl).toBe(keda);
  });

  test.each([
    ['a single host instead of every broker', (s: any) => { s.dataStores.kafka.environments.prod.external.host = BROKERS[0]; delete s.dataStores.kafka.environments.prod.external.brokers; }, /dataStores\.kafka\.environments\.prod\.external\.host.*: not for Kafka: give brokers \(a Kafka client connects to every broker/],
    ['no brokers', (s: any) => delete s.dataStores.kafka.environments.prod.external.brokers, /dataStores\.kafka\.environments\.prod\.external\.brokers.*: required for Kafka/],
    ['a broker listed twice', (s: any) => s.dataStores.kafka.environments.prod.external.brokers.push(BROKERS[0]), /external\.brokers\[3\].*: 'b-1\.acme-events\..*' is listed twice/],
    ['an unknown SASL mechanism', (s: any) => (s.dataStores.kafka.environments.prod.external.sasl = 'GSSAPI'), /external\.sasl/],
    ['ZooKeeper in an environment where Kafka is managed', (s: any) => (s.dataStores.zookeeper.environments.prod = { replicas: 3, storage: '5Gi' }), /dataStores\.zookeeper\.environments\.prod.*: Kafka is external in prod: ZooKeeper runs only for an in-cluster Kafka; remove prod here/],
    ['brokers for a one-endpoint store', (s: any) => (s.dataStores.postgres.environments.prod = { external: { host: 'db.rds.amazonaws.com', brokers: ['db.rds.amazonaws.com'], secretName: 'acme-msk', cidrs: CIDRS } }), /dataStores\.postgres\.environments\.prod\.external\.brokers.*: not for PostgreSQL: give host/],
    ['sasl for a store that logs in otherwise', (s: any) => (s.dataStores.postgres.environments.prod = { external: { host: 'db.rds.amazonaws.com', sasl: 'PLAIN', secretName: 'acme-msk', cidrs: CIDRS } }), /dataStores\.postgres\.environments\.prod\.external\.sasl.*: not for PostgreSQL: only a managed Kafka logs in with SASL/],
  ])('refuses %s', (_what, mutate, message) => {
    expect(() => render(managedKafka({}, mutate))).toThrow(message);
  });

  test('ZooKeeper is still required for every environment where Kafka runs in the cluster', () => {
    expect(() => render(managedKafka({}, (s) => delete s.dataStores.zookeeper.environments.dev))).toThrow(/dataStores\.zookeeper\.environments.*: missing environment 'dev'/);
  });
});
