import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, rmdirSync, writeFileSync, readFileSync, existsSync, chmodSync, chownSync, symlinkSync, openSync, closeSync, appendFileSync, readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { get as httpGet } from 'node:http';
import { join, dirname } from 'node:path';
import type { Cluster } from './cluster';
import { NETNS_PREFIX, sh } from './cluster';
import type { Manifests } from './manifests';
import { readPidFile, writePidLine } from './pid-file';
import { imitationOf, notRunReason, type ImageImitation } from './images';

/**
 * A pod run as kubelet runs it, with the real server programs:
 * - its own network namespace on the harness bridge (cluster.ts), its hostname,
 *   kubelet's /etc/hosts and a ClusterFirst resolv.conf;
 * - per container: its own mount and PID namespaces (the main process is PID 1,
 *   so signals behave as in a container), a root built from this machine's
 *   /usr and /etc plus the image imitation (images.ts), read-only when
 *   `readOnlyRootFilesystem`, the pod's volumes mounted where the manifest says;
 * - volumes as kubelet materialises them: ConfigMap (and Secret) files in a timestamped
 *   directory behind `..data` with `defaultMode`/item modes, read-only mount,
 *   fsGroup group and its 0440/setgid bits; emptyDirs 0777+fsGroup that survive
 *   a container restart but not the pod; claims (per StatefulSet ordinal) that
 *   survive both, fsGroup applied when the root does not match (OnRootMismatch);
 *   `medium: Memory` as tmpfs; `sizeLimit` checked and enforced by eviction;
 * - the container's UID/GID, fsGroup as supplementary group, every capability
 *   dropped, no_new_privs; memory limit as a cgroup;
 * - env from the manifest (downward API, ConfigMap keys; Secrets from test values);
 * - init containers in order (a native sidecar, `restartPolicy: Always`, is started and
 *   then runs beside the containers), then the containers; startup, readiness and
 *   liveness probes (exec in the container, TCP/HTTP against the pod IP);
 *   readiness decides Service membership; restartPolicy with back-off;
 *   deletion = preStop hooks, then the image's STOPSIGNAL, SIGKILL at the grace period.
 *
 * Not imitated: seccomp/AppArmor, CPU limits, image pulls, the Istio sidecar
 * (the mesh is outside this harness), container log rotation.
 */

export type SecretValues = (secret: string, key: string) => string;

/** Test values for Secrets the cluster would hold: deterministic, never empty. */
export const testSecret: SecretValues = (secret, key) => `test-${secret}-${key}`.replace(/[^A-Za-z0-9-]/g, '-');

export interface PodSource {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly spec: any;
  readonly subdomain?: string;
  /** Volume name → claim name, for claims of a StatefulSet's claim templates. */
  readonly claims?: Record<string, string>;
}

/** Seconds in the manifest → milliseconds here, for the periods of startup and readiness probes and restart back-off. */
export const TIME_SCALE = Number(process.env.STORES_TIME_SCALE ?? '0.3');

/** Signal a container's process; one that has just exited (its exit not yet seen) is not an error. */
function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, sig);
  } catch (e: any) {
    if (e.code !== 'ESRCH') throw e;
  }
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantityBytes(s: string | number | undefined): number | undefined {
  if (s === undefined) return undefined;
  const m = String(s).match(/^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/);
  if (!m) throw new Error(`unsupported quantity ${s}`);
  const mult: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Math.round(Number(m[1]) * (m[2] ? mult[m[2]] : 1));
}

interface Run {
  proc: ChildProcess;
  hostPid?: number;
  exited?: { code: number | null; signal: NodeJS.Signals | null };
  done: Promise<void>;
}

export class Container {
  readonly name: string;
  readonly spec: any;
  readonly image: ImageImitation;
  readonly init: boolean;
  /** An init container with `restartPolicy: Always`: a native sidecar (started in order, then runs beside the containers). */
  readonly sidecar: boolean;
  restarts = 0;
  started = false;
  ready = false;
  run?: Run;
  /** Why the harness stopped it last (liveness, eviction, test). */
  lastKill?: string;
  /** How long its preStop hook ran the last time it was stopped (ms). */
  preStopMs?: number;
  readonly log: string;

  constructor(pod: Pod, spec: any, init: boolean) {
    this.name = spec.name;
    this.spec = spec;
    this.init = init;
    this.sidecar = init && spec.restartPolicy === 'Always';
    this.image = imitationOf(spec.image);
    this.log = join(pod.dir, 'logs', `${spec.name}.log`);
  }

  get running(): boolean {
    return !!this.run && !this.run.exited;
  }
}

export class Pod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly spec: any;
  readonly subdomain?: string;
  readonly dir: string;
  readonly netns: string;
  readonly containers: Container[] = [];
  readonly initContainers: Container[] = [];
  readonly skipped: { name: string; reason: string }[] = [];
  ip?: string;
  alive = false;
  /** Being deleted: out of every Service's ready endpoints, as the endpoints controller does. */
  terminating = false;
  evicted?: string;
  private timers: NodeJS.Timeout[] = [];
  private readonly claims: Record<string, string>;
  private generation = 0;
  private static seq = 0;

  constructor(
    readonly cluster: Cluster,
    readonly manifests: Manifests,
    src: PodSource,
    readonly secrets: SecretValues = testSecret,
  ) {
    this.name = src.name;
    this.namespace = src.namespace;
    this.labels = src.labels;
    this.spec = src.spec;
    this.subdomain = src.subdomain;
    this.claims = src.claims ?? {};
    const seq = Pod.seq++;
    this.dir = join(cluster.dir, 'pods', `${src.name}-${seq}`);
    this.netns = `${NETNS_PREFIX}${seq}`;
    for (const c of src.spec.initContainers ?? []) this.initContainers.push(new Container(this, c, true));
    for (const c of src.spec.containers) {
      const reason = notRunReason(c.image);
      if (reason) this.skipped.push({ name: c.name, reason });
      else this.containers.push(new Container(this, c, false));
    }
  }

  get ready(): boolean {
    return this.alive && !this.evicted && this.containers.every((c) => c.ready);
  }

  get restartPolicy(): string {
    return this.spec.restartPolicy ?? 'Always';
  }

  container(name: string): Container {
    const c = [...this.containers, ...this.initContainers].find((x) => x.name === name);
    if (!c) throw new Error(`pod ${this.name} has no container ${name}`);
    return c;
  }

  /** Create the pod: network, volumes, init containers to completion, then the containers and their probes. */
  async start(): Promise<void> {
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    mkdirSync(join(this.dir, 'etc'), { recursive: true });
    this.ip = this.cluster.addNetwork(this.netns).ip;
    this.writeEtc();
    this.materialiseVolumes();
    this.alive = true;
    this.cluster.pods.set(`${this.namespace}/${this.name}`, this);
    this.cluster.publish();
    for (const c of this.initContainers) {
      if (c.sidecar) {
        // kubelet starts the next init container once a native sidecar has started (its startup probe passed).
        await this.startContainer(c);
        while (this.alive && !c.started) await sleep(100);
        continue;
      }
      for (let attempt = 0; ; attempt++) {
        await this.startContainer(c);
        await c.run!.done;
        if (c.run!.exited!.code === 0) break;
        if (this.restartPolicy === 'Never' || !this.alive) throw new Error(`init container ${c.name} of ${this.name} failed (${JSON.stringify(c.run!.exited)}): ${this.logTail(c.name)}`);
        c.restarts++;
        await sleep(this.backoff(c));
      }
    }
    for (const c of this.containers) await this.startContainer(c);
    this.timers.push(setInterval(() => this.checkStorage(), 3000));
  }

  private backoff(c: Container): number {
    return Math.min(10000 * 2 ** Math.min(c.restarts, 5), 300000) * TIME_SCALE * 0.1;
  }

  /** kubelet's /etc/hosts, the hostname, resolv.conf, and the image users. */
  private writeEtc(): void {
    const etc = join(this.dir, 'etc');
    const fqdn = this.subdomain ? `${this.name}.${this.subdomain}.${this.namespace}.svc.cluster.local` : '';
    writeFileSync(join(etc, 'hosts'), `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${this.ip}\t${fqdn ? `${fqdn}\t` : ''}${this.name}\n`);
    writeFileSync(join(etc, 'resolv.conf'), this.cluster.resolvConf(this.namespace));
    writeFileSync(join(etc, 'hostname'), `${this.name}\n`);
  }

  private volumePath(name: string): string {
    return join(this.dir, 'volumes', name);
  }

  private get fsGroup(): number | undefined {
    return this.spec.securityContext?.fsGroup;
  }

  /** Apply fsGroup the way kubelet's SetVolumeOwnership does: group, g+rw (g+r when read-only), setgid on directories. */
  private applyFsGroup(root: string, readOnly: boolean): void {
    const g = this.fsGroup;
    if (g === undefined) return;
    const walk = (p: string) => {
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) return;
      chownSync(p, st.uid, g);
      let mode = st.mode & 0o7777;
      mode |= readOnly ? 0o440 : 0o660;
      if (st.isDirectory()) {
        mode |= 0o2000 | 0o110;
        chmodSync(p, mode);
        for (const e of readdirSync(p)) walk(join(p, e));
      } else chmodSync(p, mode);
    };
    walk(root);
  }

  private materialiseVolumes(): void {
    for (const v of this.spec.volumes ?? []) {
      const dir = this.volumePath(v.name);
      mkdirSync(dir, { recursive: true });
      if (v.configMap) {
        const data = this.manifests.configMap(v.configMap.name);
        const ts = '..2026_01_01_00_00_00.000000001';
        const real = join(dir, ts);
        mkdirSync(real, { mode: 0o755 });
        const items: { key: string; path: string; mode?: number }[] = v.configMap.items ?? Object.keys(data).map((k) => ({ key: k, path: k }));
        for (const it of items) {
          const f = join(real, it.path);
          mkdirSync(dirname(f), { recursive: true });
          writeFileSync(f, data[it.key]);
          chmodSync(f, it.mode ?? v.configMap.defaultMode ?? 0o644);
        }
        symlinkSync(ts, join(dir, '..data'));
        for (const it of items) symlinkSync(join('..data', it.path.split('/')[0]), join(dir, it.path.split('/')[0]));
        chmodSync(dir, 0o755);
        this.applyFsGroup(dir, true);
      } else if (v.secret) {
        // Like a ConfigMap volume (atomic writer: `..data`), the files from the test's Secret values; kubelet's
        // defaultMode is 0644, and fsGroup makes them root:<fsGroup> with group read (so 0400 becomes 0440).
        const ts = '..2026_01_01_00_00_00.000000001';
        const real = join(dir, ts);
        mkdirSync(real, { mode: 0o755 });
        const items: { key: string; path: string; mode?: number }[] = v.secret.items;
        if (!items) throw new Error(`volume ${v.name}: a Secret volume needs items here (the harness does not know the Secret's keys)`);
        for (const it of items) {
          const f = join(real, it.path);
          writeFileSync(f, this.secrets(v.secret.secretName, it.key));
          chmodSync(f, it.mode ?? v.secret.defaultMode ?? 0o644);
        }
        symlinkSync(ts, join(dir, '..data'));
        for (const it of items) symlinkSync(join('..data', it.path), join(dir, it.path));
        chmodSync(dir, 0o755);
        this.applyFsGroup(dir, true);
      } else if (v.emptyDir) {
        chmodSync(dir, 0o777);
        if (v.emptyDir.medium === 'Memory') sh('mount', ['-t', 'tmpfs', '-o', `size=${quantityBytes(v.emptyDir.sizeLimit) ?? 64 * 1024 ** 2},mode=0777`, 'tmpfs', dir]);
        this.applyFsGroup(dir, false);
      } else if (v.ephemeral) {
        // A generic ephemeral volume: a new claim per pod, deleted with it (a fresh ext4 root, fsGroup applied).
        mkdirSync(join(dir, 'lost+found'), { recursive: true, mode: 0o700 });
        chmodSync(dir, 0o755);
        this.applyFsGroup(dir, false);
      } else if (v.persistentVolumeClaim || this.claims[v.name]) {
        throw new Error(`volume ${v.name}: claims come from claim templates (StatefulSet) in this harness`);
      } else {
        throw new Error(`volume ${v.name}: kind not supported by the harness (${Object.keys(v).join(',')})`);
      }
    }
    for (const claim of Object.values(this.claims)) {
      const dir = this.claimPath(claim);
      if (!existsSync(dir)) {
        // A new volume: ext4's root is root:root 0755 with lost+found.
        mkdirSync(join(dir, 'lost+found'), { recursive: true, mode: 0o700 });
        chmodSync(dir, 0o755);
      }
      // fsGroupChangePolicy OnRootMismatch: only when the root's group or permissions do not match.
      const st = statSync(dir);
      const g = this.fsGroup;
      if (g !== undefined && (st.gid !== g || (st.mode & 0o2070) !== 0o2070)) this.applyFsGroup(dir, false);
    }
  }

  claimPath(claim: string): string {
    return join(this.cluster.dir, 'claims', this.namespace, claim);
  }

  private hostPathOf(volumeName: string): string {
    const claim = this.claims[volumeName];
    return claim ? this.claimPath(claim) : this.volumePath(volumeName);
  }

  private env(c: Container): Record<string, string> {
    const out: Record<string, string> = { ...c.image.env, HOSTNAME: this.name, HOME: c.image.user.home };
    for (const e of c.spec.env ?? []) {
      if (e.value !== undefined) out[e.name] = String(e.value).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_m: string, v: string) => out[v] ?? `$(${v})`);
      else if (e.valueFrom?.fieldRef) {
        const f = e.valueFrom.fieldRef.fieldPath;
        out[e.name] = f === 'metadata.name' ? this.name : f === 'metadata.namespace' ? this.namespace : f === 'status.podIP' ? this.ip! : (() => { throw new Error(`fieldRef ${f} not supported`); })();
      } else if (e.valueFrom?.secretKeyRef) out[e.name] = this.secrets(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
      else if (e.valueFrom?.configMapKeyRef) out[e.name] = this.manifests.configMap(e.valueFrom.configMapKeyRef.name)[e.valueFrom.configMapKeyRef.key];
      else throw new Error(`env ${e.name}: source not supported`);
    }
    return out;
  }

  private user(c: Container): { uid: number; gid: number; groups: number[] } {
    const sc = { ...this.spec.securityContext, ...c.spec.securityContext };
    const uid = sc.runAsUser ?? c.image.user.uid;
    const gid = sc.runAsGroup ?? (sc.runAsUser === undefined ? c.image.user.gid : 0);
    const groups = [...new Set([gid, ...(this.fsGroup !== undefined ? [this.fsGroup] : []), ...(this.spec.securityContext?.supplementalGroups ?? [])])];
    if (sc.runAsNonRoot && uid === 0) throw new Error(`${this.name}/${c.name}: runAsNonRoot with UID 0 would not be admitted`);
    return { uid, gid, groups };
  }

  /** setpriv + env: the process of a container (main or exec) as its user, no capabilities, its env and working dir. */
  private processArgs(c: Container, argv: string[]): string[] {
    const u = this.user(c);
    const env = Object.entries(this.env(c)).map(([k, v]) => `${k}=${v}`);
    return [
      '/usr/bin/setpriv', `--reuid=${u.uid}`, `--regid=${u.gid}`, `--groups=${u.groups.join(',')}`,
      '--bounding-set=-all', '--inh-caps=-all', '--ambient-caps=-all', '--no-new-privs', '--',
      '/usr/bin/env', '-i', `--chdir=${c.spec.workingDir ?? c.image.workingDir}`, ...env, ...argv,
    ];
  }

  private argv(c: Container): string[] {
    const cmd: string[] = c.spec.command ?? [...c.image.entrypoint];
    const args: string[] = c.spec.args ?? (c.spec.command ? [] : [...c.image.cmd]);
    return [...cmd, ...args];
  }

  /** The shell script that builds the container's root and execs its process (run inside its namespaces). */
  private runScript(c: Container, pidFile: string): string {
    const R = join(this.dir, 'roots', `${c.name}-${this.generation}`);
    mkdirSync(R, { recursive: true });
    const etc = join(this.dir, 'etc');
    const ctrEtc = join(this.dir, 'etc', c.name);
    mkdirSync(ctrEtc, { recursive: true });
    const hostPasswd = readFileSync('/etc/passwd', 'utf8').split('\n').filter((l) => l && !l.startsWith(`${c.image.user.name}:`) && l.split(':')[2] !== String(c.image.user.uid));
    // An image user in group 0 (Strimzi's) joins root's group; any other gid gets a group named after the user.
    const ownGroup = c.image.user.gid !== 0;
    const hostGroup = readFileSync('/etc/group', 'utf8').split('\n').filter((l) => l && !(ownGroup && (l.startsWith(`${c.image.user.name}:`) || l.split(':')[2] === String(c.image.user.gid))));
    writeFileSync(join(ctrEtc, 'passwd'), [...hostPasswd, `${c.image.user.name}:x:${c.image.user.uid}:${c.image.user.gid}::${c.image.user.home}:/bin/bash`, ''].join('\n'));
    writeFileSync(join(ctrEtc, 'group'), [...hostGroup, ...(ownGroup ? [`${c.image.user.name}:x:${c.image.user.gid}:`] : []), ''].join('\n'));
    const lines = [
      'set -euo pipefail',
      // /proc is still this machine's: the host PID of this shell, which execs into PID 1 of the container.
      writePidLine(pidFile, q),
      // Wait until the harness has put this PID into the container's cgroup (ip netns exec hides /sys/fs/cgroup here).
      'read -r _',
      // This mount namespace holds a copy of every /run/netns mount: drop them, or deleting another pod's network would not free it.
      'for n in /run/netns/*; do umount -l "$n" 2>/dev/null || true; done; umount -l /run/netns 2>/dev/null || true',
      `hostname ${q(this.name)}`,
      `R=${q(R)}`,
      'mount -t tmpfs -o mode=0755 tmpfs "$R"',
      'mkdir -p "$R/usr" "$R/etc" "$R/proc" "$R/dev" "$R/sys" "$R/tmp" "$R/var/tmp" "$R/run" "$R/home" "$R/root" "$R/opt"',
      'chmod 1777 "$R/tmp" "$R/var/tmp"',
      // The image's /usr and /etc: this machine's, writable underneath (overlays) so image files and mount points can be placed in them.
      'mkdir -p "$R/.usr-upper" "$R/.usr-work"; mount -t overlay overlay -o lowerdir=/usr,upperdir="$R/.usr-upper",workdir="$R/.usr-work" "$R/usr"',
      'for l in bin sbin lib lib64; do ln -s "usr/$l" "$R/$l"; done',
      'mkdir -p "$R/.etc-upper" "$R/.etc-work"; mount -t overlay overlay -o lowerdir=/etc,upperdir="$R/.etc-upper",workdir="$R/.etc-work" "$R/etc"',
      ...['hosts', 'resolv.conf', 'hostname'].map((f) => `mount --bind ${q(join(etc, f))} "$R/etc/${f}"`),
      ...['passwd', 'group'].map((f) => `mount --bind ${q(join(ctrEtc, f))} "$R/etc/${f}"`),
      'mount -t proc proc "$R/proc"',
      'mount -t tmpfs -o mode=0755,size=65536k tmpfs "$R/dev"',
      'for d in null zero full random urandom tty; do touch "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"; done',
      'ln -s /proc/self/fd "$R/dev/fd"; ln -s /proc/self/fd/0 "$R/dev/stdin"; ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"',
      // The container runtime's default /dev/shm (64 MiB), unless a volume is mounted there.
      'mkdir -p "$R/dev/shm"; mount -t tmpfs -o mode=1777,size=65536k shm "$R/dev/shm"',
    ];
    for (const [path, mode] of Object.entries(c.image.dirs ?? {})) {
      lines.push(`mkdir -p "$R${path}"; chown ${c.image.user.uid}:${c.image.user.gid} "$R${path}"; chmod ${mode.toString(8)} "$R${path}"`);
    }
    for (const [path, host] of Object.entries(c.image.binds)) {
      if (!existsSync(host)) throw new Error(`image ${c.spec.image}: ${host} is missing (run test/stores/setup.sh)`);
      const isDir = statSync(host).isDirectory();
      lines.push(isDir ? `mkdir -p "$R${path}"` : `mkdir -p "$(dirname "$R${path}")"; touch "$R${path}"`);
      lines.push(`mount --bind ${q(host)} "$R${path}"; mount -o remount,bind,ro "$R${path}"`);
    }
    for (const m of c.spec.volumeMounts ?? []) {
      const vol = (this.spec.volumes ?? []).find((v: any) => v.name === m.name);
      const isClaim = !!this.claims[m.name];
      if (!vol && !isClaim) throw new Error(`${this.name}/${c.name}: volumeMount ${m.name} has no volume`);
      const ro = m.readOnly || !!vol?.configMap || !!vol?.secret;
      const src = m.subPath ? join(this.hostPathOf(m.name), m.subPath) : this.hostPathOf(m.name);
      lines.push(`mkdir -p "$R${m.mountPath}"`);
      lines.push(`mount --bind ${q(src)} "$R${m.mountPath}"${ro ? `; mount -o remount,bind,ro "$R${m.mountPath}"` : ''}`);
    }
    if (c.spec.securityContext?.readOnlyRootFilesystem) lines.push('mount -o remount,ro "$R"; mount -o remount,ro "$R/usr"; mount -o remount,ro "$R/etc"');
    lines.push(`cd "$R"; exec chroot "$R" ${this.processArgs(c, this.argv(c)).map(q).join(' ')} < /dev/null`);
    return lines.join('\n') + '\n';
  }

  private cgroupFor(c: Container): string | undefined {
    const limit = quantityBytes(c.spec.resources?.limits?.memory);
    if (!limit) return undefined;
    const cg = `/sys/fs/cgroup/memory/storeharness/${this.netns}-${c.name}-${this.generation}`;
    try {
      mkdirSync(cg, { recursive: true });
      writeFileSync(join(cg, 'memory.limit_in_bytes'), String(limit));
      return cg;
    } catch {
      return undefined;
    }
  }

  private async startContainer(c: Container): Promise<void> {
    this.generation++;
    const pidFile = join(this.dir, `${c.name}-${this.generation}.pid`);
    const cg = this.cgroupFor(c);
    const script = join(this.dir, `${c.name}-${this.generation}.sh`);
    writeFileSync(script, this.runScript(c, pidFile));
    appendFileSync(c.log, `--- harness: start #${c.restarts} of ${c.name} at ${new Date().toISOString()} ---\n`);
    const fd = openSync(c.log, 'a');
    const proc = spawn('ip', ['netns', 'exec', this.netns, 'unshare', '--mount', '--uts', '--pid', '--fork', '--kill-child', '--propagation', 'private', 'bash', script], { stdio: ['pipe', fd, fd] });
    closeSync(fd);
    const run: Run = { proc, done: Promise.resolve() };
    run.done = new Promise((resolve) => proc.on('exit', (code, signal) => {
      run.exited = { code, signal };
      appendFileSync(c.log, `--- harness: ${c.name} exited code=${code} signal=${signal} ---\n`);
      if (cg) setTimeout(() => { try { rmdirSync(cg); } catch { /* still busy: removed with the next run */ } }, 500).unref?.();
      resolve();
    }));
    c.run = run;
    c.started = false;
    c.ready = false;
    // The script writes its PID before anything else, but on a loaded machine the namespaces take a while:
    // without the PID no probe, exec or signal could reach the container (it would never become Ready).
    try {
      run.hostPid = await readPidFile(pidFile, () => !!run.exited);
    } catch (e: any) {
      proc.kill('SIGKILL'); // unshare --kill-child takes the container with it
      throw new Error(`${this.name}/${c.name}: ${e.message}`);
    }
    if (cg && run.hostPid) writeFileSync(join(cg, 'cgroup.procs'), String(run.hostPid));
    proc.stdin!.end('\n');
    if (!c.init || c.sidecar) {
      run.done.then(() => this.onExit(c, run));
      this.probeLoop(c, run);
    }
  }

  private onExit(c: Container, run: Run): void {
    c.ready = false;
    c.started = false;
    this.cluster.publish();
    // kubelet does not restart the containers of a pod being deleted.
    if (!this.alive || this.terminating || c.run !== run) return;
    const failed = run.exited!.code !== 0;
    if (c.sidecar || this.restartPolicy === 'Always' || (this.restartPolicy === 'OnFailure' && failed)) {
      c.restarts++;
      const t = setTimeout(() => { if (this.alive && c.run === run) void this.startContainer(c); }, this.backoff(c));
      this.timers.push(t);
    }
  }

  /** Startup, then readiness and liveness, as kubelet schedules them (periods of startup/readiness scaled by TIME_SCALE). */
  private probeLoop(c: Container, run: Run): void {
    const live = () => this.alive && c.run === run && !run.exited;
    const period = (p: any, scaled: boolean) => Math.max(200, (p?.periodSeconds ?? 10) * 1000 * (scaled ? TIME_SCALE : 1));
    const loop = async () => {
      const sp = c.spec.startupProbe;
      let fails = 0;
      if (sp) {
        await sleep((sp.initialDelaySeconds ?? 0) * 1000);
        while (live()) {
          if (await this.probe(c, sp)) break;
          if (++fails >= (sp.failureThreshold ?? 3)) {
            if (live()) await this.killContainer(c, 'startup probe failed');
            return;
          }
          await sleep(period(sp, true));
        }
      }
      if (!live()) return;
      c.started = true;
      const rp = c.spec.readinessProbe;
      const lp = c.spec.livenessProbe;
      if (!rp) { c.ready = true; this.cluster.publish(); }
      const readiness = async () => {
        let f = 0;
        await sleep(sp ? 0 : (rp.initialDelaySeconds ?? 0) * 1000);
        while (live()) {
          const ok = await this.probe(c, rp);
          if (!live()) return;
          if (ok) { f = 0; if (!c.ready) { c.ready = true; this.cluster.publish(); } }
          else if (++f >= (rp.failureThreshold ?? 3) && c.ready) { c.ready = false; this.cluster.publish(); }
          await sleep(period(rp, true));
        }
      };
      const liveness = async () => {
        let f = 0;
        await sleep(sp ? period(lp, false) : (lp.initialDelaySeconds ?? 0) * 1000 + period(lp, false));
        while (live()) {
          const ok = await this.probe(c, lp);
          if (!live()) return;
          if (ok) f = 0;
          else if (++f >= (lp.failureThreshold ?? 3)) { await this.killContainer(c, 'liveness probe failed'); return; }
          await sleep(period(lp, false));
        }
      };
      await Promise.all([rp ? readiness() : Promise.resolve(), lp ? liveness() : Promise.resolve()]);
    };
    void loop();
  }

  private portOf(c: Container, port: any): number {
    if (typeof port === 'number') return port;
    const p = (c.spec.ports ?? []).find((x: any) => x.name === port) ?? this.containers.flatMap((x) => x.spec.ports ?? []).find((x: any) => x.name === port);
    if (!p) throw new Error(`${this.name}/${c.name}: no port named ${port}`);
    return p.containerPort;
  }

  async probe(c: Container, p: any): Promise<boolean> {
    const timeout = (p.timeoutSeconds ?? 1) * 1000;
    if (p.exec) return (await this.exec(c.name, p.exec.command, { timeoutMs: timeout })).code === 0;
    if (p.tcpSocket) {
      const port = this.portOf(c, p.tcpSocket.port);
      return new Promise((resolve) => {
        const s = connect({ host: this.ip!, port, timeout });
        s.on('connect', () => { s.destroy(); resolve(true); });
        s.on('error', () => resolve(false));
        s.on('timeout', () => { s.destroy(); resolve(false); });
      });
    }
    if (p.httpGet) {
      const port = this.portOf(c, p.httpGet.port);
      return new Promise((resolve) => {
        const r = httpGet({ host: this.ip!, port, path: p.httpGet.path ?? '/', timeout }, (res) => { res.resume(); resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400); });
        r.on('error', () => resolve(false));
        r.on('timeout', () => { r.destroy(); resolve(false); });
      });
    }
    throw new Error(`probe kind not supported: ${JSON.stringify(p)}`);
  }

  /** `kubectl exec`: run argv in the container's namespaces and root, as its user, with its env. */
  exec(container: string, argv: string[], o: { timeoutMs?: number; input?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    const c = this.container(container);
    const pid = c.run?.hostPid;
    if (!c.running || !pid) return Promise.resolve({ code: 126, stdout: '', stderr: `container ${container} is not running` });
    return new Promise((resolve) => {
      const child = execFile('nsenter', ['-t', String(pid), '-m', '-u', '-n', '-p', '-r', '-w', '--', ...this.processArgs(c, argv)], { timeout: o.timeoutMs ?? 60000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 }, (err: any, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 124) : 0, stdout: String(stdout), stderr: String(stderr) });
      });
      if (o.input !== undefined) child.stdin!.end(o.input);
      else child.stdin!.end();
    });
  }

  /** bash -c in a container; throws with the output when it fails. */
  async sh(container: string, script: string, timeoutMs = 60000): Promise<string> {
    const r = await this.exec(container, ['bash', '-c', script], { timeoutMs });
    if (r.code !== 0) throw new Error(`${this.name}/${container}: \`${script}\` exited ${r.code}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** Stop one container as kubelet does (preStop, STOPSIGNAL, SIGKILL after the grace period). */
  async killContainer(c: Container, why: string, graceSeconds?: number): Promise<void> {
    c.lastKill = why;
    appendFileSync(c.log, `--- harness: stopping ${c.name}: ${why} ---\n`);
    const run = c.run;
    if (!run || run.exited) return;
    const grace = (graceSeconds ?? this.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    const deadline = Date.now() + grace;
    const pre = c.spec.lifecycle?.preStop;
    if (pre?.exec) {
      const t0 = Date.now();
      const r = await this.exec(c.name, pre.exec.command, { timeoutMs: grace });
      c.preStopMs = Date.now() - t0;
      appendFileSync(c.log, `--- harness: preStop exited ${r.code} after stop request ---\n${r.stdout}${r.stderr}`);
    } else if (pre) throw new Error('only exec preStop hooks are supported');
    if (run.exited) return;
    signal(run.hostPid, c.image.stopSignal);
    const left = Math.max(0, deadline - Date.now());
    await Promise.race([run.done, sleep(left)]);
    if (!run.exited) {
      appendFileSync(c.log, `--- harness: grace period over, SIGKILL ---\n`);
      signal(run.hostPid, 'SIGKILL');
      await run.done;
    }
  }

  /** Kill a container's main process outright (a crash, an OOM kill); kubelet restarts it. */
  async crash(container: string): Promise<void> {
    const c = this.container(container);
    const run = c.run;
    if (!run?.hostPid || run.exited) throw new Error(`${container} is not running`);
    c.lastKill = 'killed by the test';
    signal(run.hostPid, 'SIGKILL');
    await run.done;
  }

  /**
   * Delete the pod (graceful), its network and its emptyDirs; claims stay.
   * `force`: the node is lost — every process is killed at once, no preStop, no STOPSIGNAL.
   */
  async delete(graceSeconds?: number, o: { force?: boolean } = {}): Promise<void> {
    this.terminating = true;
    this.cluster.publish();
    if (o.force) {
      for (const c of this.containers) if (c.run?.hostPid && !c.run.exited) { c.lastKill = 'node lost'; signal(c.run.hostPid, 'SIGKILL'); }
    } else await Promise.all(this.containers.map((c) => this.killContainer(c, 'pod deleted', graceSeconds)));
    this.alive = false;
    for (const t of this.timers) clearTimeout(t);
    this.cluster.pods.delete(`${this.namespace}/${this.name}`);
    this.cluster.publish();
    for (const c of [...this.containers, ...this.initContainers]) if (c.run?.hostPid && !c.run.exited) { signal(c.run.hostPid, 'SIGKILL'); await c.run.done; }
    this.cluster.removeNetwork(this.netns);
    for (const v of this.spec.volumes ?? []) if (v.emptyDir?.medium === 'Memory') sh('umount', ['-l', this.volumePath(v.name)], { allowFail: true });
    rmSync(join(this.dir, 'volumes'), { recursive: true, force: true });
  }

  /** kubelet's eviction of a pod whose emptyDir outgrew its sizeLimit. */
  private checkStorage(): void {
    if (!this.alive || this.evicted) return;
    for (const v of this.spec.volumes ?? []) {
      const limit = quantityBytes(v.emptyDir?.sizeLimit);
      if (!limit) continue;
      const used = Number(sh('du', ['-sb', this.volumePath(v.name)], { allowFail: true }).split('\t')[0] || 0);
      if (used > limit) {
        this.evicted = `emptyDir ${v.name} uses ${used} bytes, over its sizeLimit ${v.emptyDir.sizeLimit}`;
        for (const c of this.containers) appendFileSync(c.log, `--- harness: pod evicted: ${this.evicted} ---\n`);
        void this.delete(0);
      }
    }
  }

  /** Containers that did not stop within the grace period and were SIGKILLed. */
  killedAtGrace(): string[] {
    return this.containers.filter((c) => this.logs(c.name).includes('--- harness: grace period over, SIGKILL ---')).map((c) => c.name);
  }

  /** Restarts of every container (a test that expects none asserts 0). */
  restartCounts(): Record<string, number> {
    return Object.fromEntries(this.containers.map((c) => [c.name, c.restarts]));
  }

  logTail(container: string, lines = 40): string {
    const f = this.container(container).log;
    if (!existsSync(f)) return '(no log)';
    return readFileSync(f, 'utf8').split('\n').slice(-lines).join('\n');
  }

  logs(container: string): string {
    const f = this.container(container).log;
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }
}
