import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from './cluster';
import { RunCa } from './tls';
import { waitFor } from './workloads';

/**
 * A managed Redis as a provider would run it (ElastiCache with in-transit
 * encryption and an AUTH token): this machine's redis-server serving TLS only,
 * on the given port, with `requirepass`, in a network namespace of its own that
 * the cluster DNS resolves by the endpoint's name, and a certificate for that
 * name from a CA made for the run (trusted by the test's clients through
 * NODE_EXTRA_CA_CERTS, as the provider's public CA is by the images). What it
 * does not cover: the provider's failover (its primary endpoint moving), its
 * command restrictions, and network policy (the harness does not enforce it).
 */
export class ProviderRedis {
  readonly dir: string;
  /** The run's CA certificate (PEM). */
  readonly caFile: string;
  private proc?: ChildProcess;
  private log = '';

  constructor(
    private readonly cluster: Cluster,
    readonly o: { readonly host: string; readonly port: number; readonly password: string; readonly certName?: string },
  ) {
    this.dir = join(cluster.dir, 'provider-redis');
    this.caFile = join(this.dir, 'ca.crt');
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const f = (n: string) => join(this.dir, n);
    // The certificate names `certName` (default: the endpoint), so a test can present a wrong one.
    const tls = new RunCa(this.dir, 'stores-harness-managed-redis-ca').issue('tls', [this.o.certName ?? this.o.host]);
    // requirepass in a file only the server reads (not on its command line).
    writeFileSync(f('redis.conf'), [`port 0`, `tls-port ${this.o.port}`, `tls-cert-file ${tls.cert}`, `tls-key-file ${tls.key}`, `tls-ca-cert-file ${this.caFile}`, 'tls-auth-clients no', `requirepass "${this.o.password.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`, `dir ${this.dir}`, 'save ""', 'appendonly no', 'protected-mode no', ''].join('\n'), { mode: 0o600 });
    const { netns, ip } = this.cluster.client('provider-redis', 'default');
    this.cluster.addExternalRecord(this.o.host, ip);
    this.proc = spawn('ip', ['netns', 'exec', netns, 'redis-server', f('redis.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (d) => (this.log += d));
    this.proc.stderr!.on('data', (d) => (this.log += d));
    await waitFor('the provider’s Redis serving TLS', () => /Ready to accept connections/.test(this.log), 30000, 200).catch((e) => {
      throw new Error(`${e.message}\n${this.log}`);
    });
  }

  logTail(): string {
    return this.log.split('\n').slice(-20).join('\n');
  }

  stop(): void {
    this.proc?.kill('SIGKILL');
  }
}
