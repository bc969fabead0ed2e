import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifests } from './manifests';
import type { Pod } from './pod';

/**
 * One "node" of the harness: a Linux bridge the pods' network namespaces hang
 * off (as a CNI bridge plugin does), a DNS server for `cluster.local` (dnsmasq
 * standing in for CoreDNS, answering from records the harness publishes), and
 * the Service imitation: a Service's name resolves to the ready pods it selects
 * (what kube-proxy + CoreDNS give a client, without the virtual IP: a client
 * that cached an address keeps it until it resolves again), a headless
 * Service's pod names resolve per pod, and `publishNotReadyAddresses` is obeyed.
 *
 * Addresses are 10.244.0.0/16 on the bridge, used only by the harness's own
 * namespaces on this machine.
 */
/**
 * Which harness network this process uses (its own bridge, subnet and namespace names): vitest's
 * worker number, so test files run side by side, plus STORES_SLOT to run a second suite beside the first.
 */
const SLOT = Number(process.env.STORES_SLOT ?? '0') + Number(process.env.VITEST_POOL_ID ?? '0');
export const BRIDGE = `shbr${SLOT}`;
const SUBNET_PREFIX = `10.${244 + SLOT}`;
export const GATEWAY = `${SUBNET_PREFIX}.0.1`;
/** Prefix of every network namespace this harness makes (and removes on start and stop). */
export const NETNS_PREFIX = `sh${SLOT}-`;
/** Host ends of the pods' veth pairs; numbered across every Cluster of the process. */
const LINK_PREFIX = `s${SLOT}v`;
let linkSeq = 0;

export function sh(cmd: string, args: string[], opts: { input?: string; allowFail?: boolean } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', input: opts.input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e: any) {
    if (opts.allowFail) return '';
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

export class Cluster {
  readonly dir: string;
  readonly pods = new Map<string, Pod>();
  private readonly manifests: Manifests[] = [];
  private dns?: ChildProcess;
  private nextIp = 10;
  private lastHosts = '';
  /** Extra records (name → IPs), e.g. for client namespaces. */
  private readonly extra = new Map<string, string[]>();

  constructor(dir: string) {
    this.dir = dir;
  }

  async start(): Promise<void> {
    this.stop();
    mkdirSync(join(this.dir, 'dns'), { recursive: true });
    // A fixed MAC: otherwise the bridge takes its lowest port's, changes it without an ARP announcement when
    // that pod goes, and the pods' cached gateway MAC silently drops their DNS queries for seconds.
    sh('ip', ['link', 'add', BRIDGE, 'address', `02:00:0a:${(244 + SLOT).toString(16)}:00:01`, 'type', 'bridge']);
    sh('ip', ['addr', 'add', `${GATEWAY}/16`, 'dev', BRIDGE]);
    sh('ip', ['link', 'set', BRIDGE, 'up']);
    writeFileSync(join(this.dir, 'dns', 'records'), '');
    // addn-hosts + SIGHUP (not hostsdir): a reload on SIGHUP also forgets removed entries.
    this.dns = spawn('dnsmasq', [
      '--keep-in-foreground', '--no-resolv', '--no-hosts', '--no-poll', `--conf-file=/dev/null`,
      `--listen-address=${GATEWAY}`, '--bind-interfaces', `--addn-hosts=${join(this.dir, 'dns', 'records')}`,
      // Answer NXDOMAIN for every other name at once (search-list expansions, the outside world).
      '--address=/#/', '--local-ttl=1', '--neg-ttl=1', '--cache-size=0', `--pid-file=${join(this.dir, 'dnsmasq.pid')}`, '--user=root',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    this.dns.stderr!.on('data', (d) => (err += d));
    await new Promise((r) => setTimeout(r, 300));
    if (this.dns.exitCode !== null) throw new Error(`dnsmasq did not start: ${err}`);
  }

  /** Remove everything a previous run may have left (network namespaces, links, dnsmasq). */
  stop(): void {
    this.dns?.kill('SIGKILL');
    this.dns = undefined;
    for (const ns of sh('ip', ['netns', 'list'], { allowFail: true }).split('\n')) {
      const name = ns.split(' ')[0];
      if (name.startsWith(NETNS_PREFIX)) {
        // Any process still in it (a container the test did not stop) goes with it.
        const pids = sh('ip', ['netns', 'pids', name], { allowFail: true }).split('\n').filter(Boolean);
        for (const p of pids) sh('kill', ['-9', p], { allowFail: true });
        sh('ip', ['netns', 'del', name], { allowFail: true });
        rmSync(`/etc/netns/${name}`, { recursive: true, force: true });
      }
    }
    // Host ends of pod links whose namespace outlived its pod (deleting one end deletes the pair).
    for (const line of sh('ip', ['-o', 'link', 'show', 'type', 'veth'], { allowFail: true }).split('\n')) {
      const name = /^\d+: ([^@:]+)/.exec(line)?.[1];
      if (name?.startsWith(LINK_PREFIX)) sh('ip', ['link', 'del', name], { allowFail: true });
    }
    if (existsSync(`/sys/class/net/${BRIDGE}`)) sh('ip', ['link', 'del', BRIDGE], { allowFail: true });
    // A DNS server left by an interrupted run of this slot.
    sh('pkill', ['-9', '-f', `dnsmasq.*--listen-address=${GATEWAY} `], { allowFail: true });
  }

  use(m: Manifests): void {
    if (!this.manifests.includes(m)) this.manifests.push(m);
  }

  /** A new pod network: namespace, veth into the bridge, an address. */
  addNetwork(netns: string): { ip: string; link: string } {
    const n = this.nextIp++;
    const ip = `${SUBNET_PREFIX}.${Math.floor(n / 250)}.${(n % 250) + 2}`;
    const link = `${LINK_PREFIX}${linkSeq++}`;
    sh('ip', ['netns', 'add', netns]);
    sh('ip', ['link', 'add', link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    sh('ip', ['link', 'set', link, 'master', BRIDGE, 'up']);
    const inNs = (...a: string[]) => sh('ip', ['netns', 'exec', netns, 'ip', ...a]);
    inNs('addr', 'add', `${ip}/16`, 'dev', 'eth0');
    inNs('link', 'set', 'eth0', 'up');
    inNs('link', 'set', 'lo', 'up');
    inNs('route', 'add', 'default', 'via', GATEWAY);
    return { ip, link };
  }

  removeNetwork(netns: string): void {
    sh('ip', ['netns', 'del', netns], { allowFail: true });
    rmSync(`/etc/netns/${netns}`, { recursive: true, force: true });
  }

  /** resolv.conf of a pod in `namespace` (ClusterFirst DNS, kubelet's search list). */
  resolvConf(namespace: string): string {
    return `search ${namespace}.svc.cluster.local svc.cluster.local cluster.local\nnameserver ${GATEWAY}\noptions ndots:5\n`;
  }

  /** A client network namespace (like a client pod) for test programs that must resolve cluster names. */
  client(name: string, namespace: string): { netns: string; ip: string } {
    const netns = `${NETNS_PREFIX}client-${name}`;
    if (!existsSync(`/run/netns/${netns}`)) {
      const { ip } = this.addNetwork(netns);
      mkdirSync(`/etc/netns/${netns}`, { recursive: true });
      writeFileSync(`/etc/netns/${netns}/resolv.conf`, this.resolvConf(namespace));
      writeFileSync(`/etc/netns/${netns}/hosts`, `127.0.0.1 localhost\n${ip} ${name}\n`);
      this.extra.set(netns, [ip]);
    }
    return { netns, ip: this.extra.get(netns)![0] };
  }

  /** Names outside the cluster (e.g. the object store's) the cluster DNS answers, as an upstream resolver would. */
  private readonly external = new Map<string, string>();

  /** Make the cluster DNS answer `name` with `ip` (a name outside the cluster). */
  addExternalRecord(name: string, ip: string): void {
    this.external.set(name, ip);
    this.lastHosts = '';
    this.publish();
  }

  /** Recompute every DNS record from the pods and Services (call on any pod or readiness change). */
  publish(): void {
    const records = new Map<string, Set<string>>();
    const add = (name: string, ip: string) => (records.get(name) ?? records.set(name, new Set()).get(name)!).add(ip);
    for (const [name, ip] of this.external) add(name, ip);
    for (const m of this.manifests) {
      for (const svc of m.all('Service')) {
        const ns = svc.metadata.namespace!;
        const sel: Record<string, string> = svc.spec?.selector ?? {};
        const headless = svc.spec?.clusterIP === 'None';
        for (const pod of this.pods.values()) {
          if (pod.namespace !== ns || !pod.ip || !pod.alive) continue;
          if (!Object.entries(sel).every(([k, v]) => pod.labels[k] === v)) continue;
          const include = (pod.ready && !pod.terminating) || (headless && svc.spec?.publishNotReadyAddresses === true);
          if (!include) continue;
          add(`${svc.metadata.name}.${ns}.svc.cluster.local`, pod.ip);
          if (headless && pod.subdomain === svc.metadata.name) add(`${pod.name}.${svc.metadata.name}.${ns}.svc.cluster.local`, pod.ip);
        }
      }
    }
    const lines = [...records.entries()].sort(([a], [b]) => a.localeCompare(b)).flatMap(([name, ips]) => [...ips].sort().map((ip) => `${ip} ${name}`));
    const text = lines.join('\n') + '\n';
    if (text === this.lastHosts) return;
    this.lastHosts = text;
    const file = join(this.dir, 'dns', 'records');
    writeFileSync(join(this.dir, 'records.tmp'), text);
    renameSync(join(this.dir, 'records.tmp'), file);
    this.dns?.kill('SIGHUP');
  }

  /** What the cluster DNS answers now (name → IPs), for assertions. */
  records(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const line of this.lastHosts.split('\n').filter(Boolean)) {
      const [ip, name] = line.split(' ');
      out.set(name, [...(out.get(name) ?? []), ip]);
    }
    return out;
  }
}
