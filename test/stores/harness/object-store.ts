import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { GATEWAY, type Cluster } from './cluster';
import { RunCa } from './tls';
import { CACHE_DIR } from './images';
import { Manifests } from './manifests';
import { testSecret } from './pod';

/**
 * The S3-compatible object store the backups go to, for the harness: VersityGW
 * 1.8.0 (github.com/versity/versitygw, posix backend, built by
 * images/exporters/build.sh) on the cluster bridge's gateway address, at the
 * endpoint, port and region the rendered backup containers name, speaking TLS
 * with a certificate of a CA made for the run. The cluster DNS answers the
 * endpoint (and `<bucket>.<endpoint>` for host-style buckets) with that
 * address, as a resolver outside the cluster would; the images that talk to
 * it trust the CA through their imitation (images.ts, STORES_CA_BUNDLE).
 * Its root credentials are the test values of the rendered credentials Secret.
 *
 * What this does not cover: AWS S3 itself (its consistency, throttling, IAM
 * policies, object lock), a real network path.
 */
export interface ObjectStoreTarget {
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  readonly bucket: string;
  readonly uriStyle: string;
  readonly credentialsSecret: string;
}

/** Every object store the rendered data layers of `dist` back up to (from the pgBackRest containers' environment). */
export function objectStoreTargets(dist: string): ObjectStoreTarget[] {
  const out = new Map<string, ObjectStoreTarget>();
  for (const env of readdirSync(dist).filter((d) => statSync(join(dist, d)).isDirectory())) {
    for (const o of Manifests.dataLayer(dist, env).objects) {
      const spec = o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
      for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
        const e = new Map<string, any>((c.env ?? []).map((v: any) => [v.name, v]));
        const endpoint = e.get('PGBACKREST_REPO1_S3_ENDPOINT')?.value;
        if (!endpoint) continue;
        const t: ObjectStoreTarget = {
          endpoint,
          port: Number(e.get('PGBACKREST_REPO1_STORAGE_PORT')?.value ?? 443),
          region: e.get('PGBACKREST_REPO1_S3_REGION').value,
          bucket: e.get('PGBACKREST_REPO1_S3_BUCKET').value,
          uriStyle: e.get('PGBACKREST_REPO1_S3_URI_STYLE')?.value ?? 'host',
          credentialsSecret: e.get('PGBACKREST_REPO1_S3_KEY').valueFrom.secretKeyRef.name,
        };
        out.set(`${t.endpoint}:${t.port}/${t.bucket}`, t);
      }
    }
  }
  return [...out.values()];
}

export class ObjectStore {
  readonly dir: string;
  private proc?: ChildProcess;
  private log = '';

  constructor(
    private readonly cluster: Cluster,
    readonly target: ObjectStoreTarget,
  ) {
    this.dir = join(cluster.dir, 'object-store');
  }

  /** Where the bucket's objects are on this machine (posix backend: one file per object). */
  get bucketDir(): string {
    return join(this.dir, 'root', this.target.bucket);
  }

  async start(): Promise<void> {
    const t = this.target;
    mkdirSync(this.bucketDir, { recursive: true });
    const names = [t.endpoint, `*.${t.endpoint}`];
    const f = (n: string) => join(this.dir, n);
    const ca = new RunCa(this.dir, 'stores-harness-ca');
    const tls = ca.issue('tls', names);
    // This machine's trusted CAs plus the run's CA: what the backup images' imitation trusts.
    writeFileSync(f('ca-bundle.crt'), readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8') + readFileSync(ca.certFile, 'utf8'));
    process.env.STORES_CA_BUNDLE = f('ca-bundle.crt');

    const bin = join(CACHE_DIR, 'exporters', 'versitygw-v1.8.0', 'versitygw');
    if (!existsSync(bin)) throw new Error(`${bin} is missing (run test/stores/setup.sh)`);
    this.proc = spawn(bin, [
      '--access', testSecret(t.credentialsSecret, 'access-key-id'),
      '--secret', testSecret(t.credentialsSecret, 'secret-access-key'),
      '--region', t.region,
      '--port', `${GATEWAY}:${t.port}`,
      '--cert', tls.cert,
      '--key', tls.key,
      '--quiet',
      ...(t.uriStyle === 'host' ? ['--virtual-domain', t.endpoint] : []),
      'posix', join(this.dir, 'root'),
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (d) => (this.log = (this.log + d).slice(-20000)));
    this.proc.stderr!.on('data', (d) => (this.log = (this.log + d).slice(-20000)));
    for (const n of [t.endpoint, ...(t.uriStyle === 'host' ? [`${t.bucket}.${t.endpoint}`] : [])]) this.cluster.addExternalRecord(n, GATEWAY);
    const deadline = Date.now() + 20000;
    while (!(await listening(GATEWAY, t.port))) {
      if (this.proc.exitCode !== null || Date.now() > deadline) throw new Error(`versitygw did not start: ${this.log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  stop(): void {
    this.proc?.kill('SIGKILL');
  }

  /** Object keys under `prefix` in the bucket (e.g. `shop/prod/postgres/backup`), sorted. */
  keys(prefix: string): string[] {
    const root = join(this.bucketDir, prefix);
    if (!existsSync(root)) return [];
    const out: string[] = [];
    const walk = (d: string, rel: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
        else out.push(`${prefix}/${rel}${e.name}`);
      }
    };
    walk(root, '');
    return out.sort();
  }

  logTail(lines = 30): string {
    return this.log.split('\n').slice(-lines).join('\n');
  }
}

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => (s.end(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}
