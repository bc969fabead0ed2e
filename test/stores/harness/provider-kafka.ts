import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, type Cluster } from './cluster';
import { CACHE_DIR } from './images';
import { RunCa } from './tls';
import { waitFor } from './workloads';

/**
 * A managed Kafka as a provider would run it (Amazon MSK with SASL/SCRAM): the
 * real Kafka jars of the stores cache, one KRaft node (controller and broker)
 * per host name, each in a network namespace of its own that the cluster DNS
 * resolves by that name, a SASL_SSL listener on the given port (the only one
 * clients are told of) with a certificate for its name from a CA made for the
 * run, SCRAM users set at format time, automatic topic creation off; the nodes
 * replicate over a plaintext listener on their addresses.
 *
 * The imitation: the CA is trusted by the Kafka image's JVM
 * (STORES_JAVA_CACERTS, images.ts) and by the test's Node clients
 * (NODE_EXTRA_CA_CERTS), as MSK's Amazon CA is by the images' public CAs.
 * What it does not cover: MSK's own broker configuration, IAM auth, client
 * quotas, and network policy (the harness does not enforce NetworkPolicies).
 */
export class ProviderKafka {
  readonly dir: string;
  /** The run's CA certificate (PEM). */
  readonly caFile: string;
  private readonly procs: ChildProcess[] = [];
  private readonly logs: string[] = [];
  private readonly nodes: { host: string; netns: string; ip: string }[] = [];

  constructor(
    private readonly cluster: Cluster,
    readonly o: { readonly hosts: readonly string[]; readonly port: number; readonly mechanism: 'SCRAM-SHA-512' | 'SCRAM-SHA-256'; readonly users: Readonly<Record<string, string>>; readonly version: string },
  ) {
    this.dir = join(cluster.dir, 'provider-kafka');
    this.caFile = join(this.dir, 'ca.crt');
  }

  private get libs(): string {
    return join(CACHE_DIR, `kafka-${this.o.version}`, 'libs');
  }

  private java(netns: string | undefined, args: string[], log?: string): ChildProcess {
    const argv = ['/usr/lib/jvm/java-17-openjdk-amd64/bin/java', '-Xmx256m', '-XX:-UsePerfData', `-Dlog4j.configuration=file:${join(this.dir, 'log4j.properties')}`, '-cp', `${this.libs}/*`, ...args];
    const p = netns ? spawn('ip', ['netns', 'exec', netns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    if (log !== undefined) {
      const i = this.logs.push('') - 1;
      p.stdout!.on('data', (d) => (this.logs[i] += d));
      p.stderr!.on('data', (d) => (this.logs[i] += d));
    }
    return p;
  }

  async start(): Promise<void> {
    if (!existsSync(this.libs)) throw new Error(`${this.libs} is missing (run test/stores/setup.sh)`);
    mkdirSync(this.dir, { recursive: true });
    const f = (n: string) => join(this.dir, n);
    const ca = new RunCa(this.dir, 'stores-harness-managed-kafka-ca');
    // The JVM's trust store (the image's public CAs) plus the run's CA.
    copyFileSync('/etc/ssl/certs/java/cacerts', f('cacerts'));
    sh('keytool', ['-importcert', '-noprompt', '-alias', 'stores-harness-managed-kafka', '-file', this.caFile, '-keystore', f('cacerts'), '-storepass', 'changeit']);
    process.env.STORES_JAVA_CACERTS = f('cacerts');
    writeFileSync(f('log4j.properties'), 'log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\nlog4j.logger.kafka.server.KafkaServer=INFO\nlog4j.logger.kafka.server.BrokerServer=INFO\n');

    this.o.hosts.forEach((host, i) => {
      const { netns, ip } = this.cluster.client(`provider-kafka-${i + 1}`, 'default');
      this.cluster.addExternalRecord(host, ip);
      this.nodes.push({ host, netns, ip });
      const tls = ca.issue(`broker-${i}`, [host]);
      sh('openssl', ['pkcs12', '-export', '-in', tls.cert, '-inkey', tls.key, '-certfile', this.caFile, '-name', 'broker', '-passout', 'pass:harness', '-out', f(`broker-${i}.p12`)]);
    });
    const voters = this.nodes.map((n, i) => `${i + 1}@${n.ip}:9093`).join(',');
    const clusterId = randomBytes(16).toString('base64url');
    const m = this.o.mechanism;
    for (const [i, n] of this.nodes.entries()) {
      const props = [
        'process.roles=broker,controller',
        `node.id=${i + 1}`,
        `controller.quorum.voters=${voters}`,
        `listeners=SASL_SSL://0.0.0.0:${this.o.port},REPLICATION://${n.ip}:9092,CONTROLLER://${n.ip}:9093`,
        `advertised.listeners=SASL_SSL://${n.host}:${this.o.port},REPLICATION://${n.ip}:9092`,
        'listener.security.protocol.map=SASL_SSL:SASL_SSL,REPLICATION:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'inter.broker.listener.name=REPLICATION',
        'controller.listener.names=CONTROLLER',
        `sasl.enabled.mechanisms=${m}`,
        `listener.name.sasl_ssl.${m.toLowerCase()}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
        'ssl.keystore.type=PKCS12',
        `ssl.keystore.location=${f(`broker-${i}.p12`)}`,
        'ssl.keystore.password=harness',
        `log.dirs=${f(`data-${i}`)}`,
        `offsets.topic.replication.factor=${Math.min(3, this.nodes.length)}`,
        `transaction.state.log.replication.factor=${Math.min(3, this.nodes.length)}`,
        'transaction.state.log.min.isr=1',
        'auto.create.topics.enable=false',
        'group.initial.rebalance.delay.ms=0',
      ];
      writeFileSync(f(`server-${i}.properties`), `${props.join('\n')}\n`);
      const scram = Object.entries(this.o.users).flatMap(([name, password]) => ['--add-scram', `${m}=[name=${name},password=${password}]`]);
      const format = this.java(undefined, ['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', f(`server-${i}.properties`), ...scram], '');
      const code = await new Promise<number | null>((r) => format.on('exit', r));
      if (code !== 0) throw new Error(`formatting node ${i + 1} failed:\n${this.logs.at(-1)}`);
    }
    for (const [i, n] of this.nodes.entries()) this.procs.push(this.java(n.netns, ['kafka.Kafka', f(`server-${i}.properties`)], ''));
    await waitFor(`the provider's ${this.nodes.length} Kafka nodes serving`, () => this.admin(['org.apache.kafka.tools.TopicCommand', '--bootstrap-server', this.replicationAddress, '--list']).then(() => true, () => false), 120000, 1000);
  }

  /** The first node's plaintext replication listener (the provider's operator's way in). */
  get replicationAddress(): string {
    return `${this.nodes[0]!.ip}:9092`;
  }

  /** A Kafka tool run as the provider's operator (over the plaintext replication listener, no login). */
  async admin(args: string[]): Promise<string> {
    const p = this.java(this.nodes[0]!.netns, args);
    let out = '';
    let err = '';
    p.stdout!.on('data', (d) => (out += d));
    p.stderr!.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => p.on('exit', r));
    if (code !== 0) throw new Error(`${args.join(' ')}: exit ${code}\n${err}`);
    return out;
  }

  /** `--describe --topic <topic>` of the provider's own TopicCommand (partitions, replication, configs). */
  describeTopic(topic: string): Promise<string> {
    return this.admin(['org.apache.kafka.tools.TopicCommand', '--bootstrap-server', this.replicationAddress, '--describe', '--topic', topic]);
  }

  logTail(lines = 40): string {
    return this.logs.map((l) => l.split('\n').slice(-lines).join('\n')).join('\n---\n');
  }

  stop(): void {
    for (const p of this.procs) p.kill('SIGKILL');
    delete process.env.STORES_JAVA_CACERTS;
  }

}
