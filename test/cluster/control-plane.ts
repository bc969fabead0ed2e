import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A real Kubernetes control plane on loopback, as `npm run test:cluster` uses
 * it: etcd, kube-apiserver (default admission plugins — Pod Security,
 * ResourceQuota, LimitRanger, ServiceAccount, DefaultStorageClass … — plus
 * NodeRestriction, RBAC), kube-controller-manager, kube-scheduler and KWOK
 * for the nodes' kubelets. All built by `npm run tools:build`
 * (test/cluster/build-tools.sh); nothing here downloads anything.
 *
 * KWOK is the one imitation: it plays every kubelet (pods become Running and
 * Ready without a container running, Job pods Succeeded). So this proves
 * admission, validation, scheduling, controllers and rollouts — not that a
 * container starts (the stores suite proves that for the data layer).
 */

export interface ToolPaths {
  readonly [name: string]: string;
}

/** The binaries built by build-tools.sh (fails with the command to run when one is missing). */
export function toolPaths(): ToolPaths {
  const script = join(__dirname, 'build-tools.sh');
  const out = execFileSync('bash', [script, '--paths'], { encoding: 'utf8' });
  const paths = Object.fromEntries(out.trim().split('\n').map((l) => l.split('=') as [string, string]));
  return paths;
}

export interface Ports {
  readonly etcdClient: number;
  readonly etcdPeer: number;
  readonly apiserver: number;
  readonly scheduler: number;
  readonly controllerManager: number;
  readonly kwok: number;
}

/** Ports from CLUSTER_PORT_BASE (default 16000), so a second run on the machine can pick another range. */
export function defaultPorts(base = Number(process.env.CLUSTER_PORT_BASE ?? 16000)): Ports {
  return { etcdClient: base, etcdPeer: base + 1, apiserver: base + 2, scheduler: base + 3, controllerManager: base + 4, kwok: base + 5 };
}

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Control planes of this process: stopped on Ctrl-C, SIGTERM or an unhandled error, so no etcd or API server outlives the run. */
const RUNNING = new Set<ControlPlane>();
const stopAll = (code: number) => {
  for (const cp of RUNNING) cp.killNow();
  process.exit(code);
};
process.once('SIGINT', () => stopAll(130));
process.once('SIGTERM', () => stopAll(143));
process.once('uncaughtException', (e) => {
  console.error(e);
  stopAll(1);
});
process.once('unhandledRejection', (e) => {
  console.error(e);
  stopAll(1);
});

export class ControlPlane {
  private readonly procs: { name: string; proc: ChildProcess }[] = [];
  readonly kubeconfig: string;
  private readonly tools: ToolPaths;

  private constructor(
    readonly work: string,
    readonly ports: Ports,
  ) {
    this.tools = toolPaths();
    for (const b of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'kwok', 'kwok-stages']) {
      try {
        readFileSync(this.tools[b]!);
      } catch {
        throw new Error(`${b} is not built (${this.tools[b]}): run \`npm run tools:build\` first`);
      }
    }
    this.kubeconfig = join(work, 'admin.kubeconfig');
  }

  /** Starts everything and waits until the API server is ready and the controllers have made the `default` ServiceAccount. */
  static async start(work: string, ports = defaultPorts()): Promise<ControlPlane> {
    mkdirSync(work, { recursive: true });
    const cp = new ControlPlane(work, ports);
    RUNNING.add(cp);
    try {
      await cp.boot();
    } catch (e) {
      await cp.stop();
      throw e;
    }
    return cp;
  }

  private kubeconfigFor(name: string, token: string): string {
    const file = join(this.work, `${name}.kubeconfig`);
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: local, cluster: { server: "https://127.0.0.1:' + this.ports.apiserver + '", insecure-skip-tls-verify: true } }]',
        `users: [{ name: ${name}, user: { token: "${token}" } }]`,
        `contexts: [{ name: local, context: { cluster: local, user: ${name} } }]`,
        'current-context: local',
        '',
      ].join('\n'),
    );
    return file;
  }

  private launch(name: string, bin: string, args: string[]): void {
    const log = openSync(join(this.work, `${name}.log`), 'a');
    const proc = spawn(this.tools[bin]!, args, { stdio: ['ignore', log, log] });
    this.procs.push({ name, proc });
  }

  private async boot(): Promise<void> {
    const w = this.work;
    const p = this.ports;
    execFileSync('openssl', ['genrsa', '-out', join(w, 'sa.key'), '2048'], { stdio: 'ignore' });
    execFileSync('openssl', ['rsa', '-in', join(w, 'sa.key'), '-pubout', '-out', join(w, 'sa.pub')], { stdio: 'ignore' });
    const token = () => randomBytes(16).toString('hex');
    const admin = token();
    const kcm = token();
    const sched = token();
    writeFileSync(join(w, 'tokens.csv'), `${admin},admin,uid-admin,"system:masters"\n${kcm},system:kube-controller-manager,uid-kcm\n${sched},system:kube-scheduler,uid-sched\n`);
    this.kubeconfigFor('admin', admin);
    const kcmConfig = this.kubeconfigFor('kcm', kcm);
    const schedConfig = this.kubeconfigFor('sched', sched);

    this.launch('etcd', 'etcd', [
      '--name=test', `--data-dir=${join(w, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${p.etcdClient}`, `--advertise-client-urls=http://127.0.0.1:${p.etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${p.etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${p.etcdPeer}`,
      `--initial-cluster=test=http://127.0.0.1:${p.etcdPeer}`, '--listen-metrics-urls=', '--log-level=warn',
      // Test data only: no fsync per write (a 2-core machine runs three suites at once).
      '--unsafe-no-fsync',
    ]);
    this.launch('kube-apiserver', 'kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${p.etcdClient}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1',
      `--secure-port=${p.apiserver}`, `--cert-dir=${join(w, 'pki')}`, `--token-auth-file=${join(w, 'tokens.csv')}`,
      '--authorization-mode=Node,RBAC',
      // On top of the default plugins (Pod Security, ResourceQuota, LimitRanger, ServiceAccount, DefaultStorageClass, …).
      '--enable-admission-plugins=NodeRestriction',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(w, 'sa.pub')}`, `--service-account-signing-key-file=${join(w, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/16', '--allow-privileged=true',
    ]);
    await this.until('kube-apiserver ready', 90_000, async () => (await this.kubectl(['get', '--raw', '/readyz'])).code === 0);
    this.launch('kube-controller-manager', 'kube-controller-manager', [
      `--kubeconfig=${kcmConfig}`, `--authentication-kubeconfig=${kcmConfig}`, `--authorization-kubeconfig=${kcmConfig}`,
      '--bind-address=127.0.0.1', `--secure-port=${p.controllerManager}`, `--cert-dir=${join(w, 'pki-kcm')}`,
      `--service-account-private-key-file=${join(w, 'sa.key')}`, `--root-ca-file=${join(w, 'pki', 'apiserver.crt')}`,
      '--use-service-account-credentials=true', '--service-cluster-ip-range=10.96.0.0/16', '--leader-elect=false',
      // Pod IPs come from KWOK; node CIDRs are not allocated.
      '--allocate-node-cidrs=false',
    ]);
    this.launch('kube-scheduler', 'kube-scheduler', [
      `--kubeconfig=${schedConfig}`, `--authentication-kubeconfig=${schedConfig}`, `--authorization-kubeconfig=${schedConfig}`,
      '--bind-address=127.0.0.1', `--secure-port=${p.scheduler}`, `--cert-dir=${join(w, 'pki-scheduler')}`, '--leader-elect=false',
    ]);
    this.launch('kwok', 'kwok', [
      `--kubeconfig=${this.kubeconfig}`,
      `--config=${this.tools['kwok-stages']}`,
      `--config=${join(__dirname, 'kwok-pod-delete.yaml')}`,
      // Only the nodes this test creates (they carry the annotation).
      '--manage-all-nodes=false', '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-ip=10.240.0.1', '--cidr=10.128.0.0/12',
      `--server-address=127.0.0.1:${p.kwok}`,
    ]);
    await this.until('controllers running (default ServiceAccount created)', 60_000, async () => (await this.kubectl(['-n', 'default', 'get', 'serviceaccount', 'default'])).code === 0);
  }

  /** Runs kubectl as cluster admin; killed after `timeoutMs` (a wedged API server fails the run instead of hanging it). */
  kubectl(args: readonly string[], input?: string, timeoutMs = 360_000): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const proc = spawn(this.tools.kubectl!, [`--kubeconfig=${this.kubeconfig}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => {
        stderr += `\nkubectl ${args.slice(0, 3).join(' ')} killed after ${timeoutMs / 1000} s`;
        proc.kill('SIGKILL');
      }, timeoutMs);
      proc.stdout.on('data', (d) => (stdout += d));
      proc.stderr.on('data', (d) => (stderr += d));
      proc.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, stdout, stderr });
      });
      proc.stdin.end(input ?? '');
    });
  }

  /** kubectl that must succeed; returns stdout. */
  async must(args: readonly string[], input?: string): Promise<string> {
    const r = await this.kubectl(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  async getJson<T = any>(args: readonly string[]): Promise<T> {
    return JSON.parse(await this.must([...args, '-o', 'json'])) as T;
  }

  /** Polls `check` every 500 ms until it is true; a process that died fails at once with its log. */
  async until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const dead = this.procs.find((p) => p.proc.exitCode !== null);
      if (dead) throw new Error(`${dead.name} exited (${dead.proc.exitCode}) while waiting for ${what}:\n${this.logTail(dead.name)}`);
      if (await check()) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  logTail(name: string, lines = 30): string {
    try {
      return readFileSync(join(this.work, `${name}.log`), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Kills every process at once (signal handlers; no waiting). */
  killNow(): void {
    for (const { proc } of this.procs) if (proc.exitCode === null) proc.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    RUNNING.delete(this);
    for (const { proc } of [...this.procs].reverse()) if (proc.exitCode === null) proc.kill('SIGTERM');
    await Promise.all(
      this.procs.map(
        ({ proc }) =>
          new Promise<void>((r) => {
            if (proc.exitCode !== null || proc.signalCode !== null) return r();
            const t = setTimeout(() => (proc.kill('SIGKILL'), r()), 10_000);
            proc.on('exit', () => (clearTimeout(t), r()));
          }),
      ),
    );
  }
}
