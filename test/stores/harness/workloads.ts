import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from './cluster';
import type { K8sObject, Manifests } from './manifests';
import { Pod, testSecret, type SecretValues } from './pod';

/**
 * The controllers the data layer relies on, reduced to what a store sees:
 * a StatefulSet creates pods `<name>-<ordinal>` with hostname/subdomain and
 * one claim per claim template and ordinal (the claim outlives the pod);
 * `OrderedReady` waits for each pod to be Ready before the next; a rolling
 * update replaces pods from the highest ordinal down, one at a time, each
 * Ready before the next. A Job runs its pod to completion, retrying up to
 * `backoffLimit`.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, everyMs = 250): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export class StatefulSet {
  readonly obj: K8sObject;
  readonly pods: (Pod | undefined)[] = [];
  /** Every pod this controller deleted, oldest first (their logs stay readable). */
  readonly history: Pod[] = [];
  replicas: number;

  constructor(
    readonly cluster: Cluster,
    readonly manifests: Manifests,
    name: string,
    readonly secrets: SecretValues = testSecret,
  ) {
    this.obj = manifests.find('StatefulSet', name);
    this.replicas = this.obj.spec.replicas ?? 1;
    cluster.use(manifests);
  }

  get name(): string {
    return this.obj.metadata.name;
  }

  get namespace(): string {
    return this.obj.metadata.namespace!;
  }

  podName(i: number): string {
    return `${this.name}-${i}`;
  }

  claimName(template: string, i: number): string {
    return `${template}-${this.name}-${i}`;
  }

  pod(i: number): Pod {
    const p = this.pods[i];
    if (!p) throw new Error(`${this.podName(i)} does not exist`);
    return p;
  }

  private newPod(i: number): Pod {
    const t = this.obj.spec.template;
    const claims = Object.fromEntries((this.obj.spec.volumeClaimTemplates ?? []).map((c: any) => [c.metadata.name, this.claimName(c.metadata.name, i)]));
    const labels = { ...t.metadata.labels, 'statefulset.kubernetes.io/pod-name': this.podName(i), 'apps.kubernetes.io/pod-index': String(i) };
    return new Pod(this.cluster, this.manifests, { name: this.podName(i), namespace: this.namespace, labels, spec: t.spec, subdomain: this.obj.spec.serviceName, claims }, this.secrets);
  }

  /** Create pod `i` (it must not exist) and, unless told not to, wait until it is Ready. */
  async createPod(i: number, o: { wait?: boolean; timeoutMs?: number } = {}): Promise<Pod> {
    if (this.pods[i]?.alive) throw new Error(`${this.podName(i)} exists`);
    const p = this.newPod(i);
    this.pods[i] = p;
    await p.start();
    if (o.wait !== false) await this.waitReady(p, o.timeoutMs);
    return p;
  }

  /** Ready, then Available: Ready for `minReadySeconds` without interruption (what the controller waits for). */
  async waitReady(p: Pod, timeoutMs = 180000): Promise<void> {
    const minReady = (this.obj.spec.minReadySeconds ?? 0) * 1000;
    let since: number | undefined;
    await waitFor(`${p.name} Available (Ready for minReadySeconds)`, () => {
      if (p.evicted) throw new Error(`${p.name} evicted: ${p.evicted}`);
      if (!p.ready) since = undefined;
      else since ??= Date.now();
      return since !== undefined && Date.now() - since >= minReady;
    }, timeoutMs).catch((e) => {
      throw new Error(`${e.message}\n${p.containers.map((c) => `--- ${c.name} (restarts ${c.restarts}, started ${c.started}, ready ${c.ready}) ---\n${p.logTail(c.name)}`).join('\n')}`);
    });
  }

  /** Scale up from nothing as the controller does (`OrderedReady`: one at a time; `Parallel`: all at once). */
  async create(timeoutMs = 240000): Promise<void> {
    if (this.obj.spec.podManagementPolicy === 'Parallel') {
      const ps = [];
      for (let i = 0; i < this.replicas; i++) ps.push(await this.createPod(i, { wait: false }));
      await Promise.all(ps.map((p) => this.waitReady(p, timeoutMs)));
    } else {
      for (let i = 0; i < this.replicas; i++) await this.createPod(i, { timeoutMs });
    }
  }

  /** Delete pod `i` gracefully and let the controller re-create it (new network, new emptyDirs, same claims). */
  async recreate(i: number, o: { graceSeconds?: number; timeoutMs?: number } = {}): Promise<Pod> {
    await this.pod(i).delete(o.graceSeconds);
    this.history.push(this.pod(i));
    return this.createPod(i, { timeoutMs: o.timeoutMs });
  }

  /** A rolling update (`kubectl rollout restart`): highest ordinal first, each Ready before the next. */
  async rollingRestart(o: { between?: (i: number) => Promise<void>; timeoutMs?: number } = {}): Promise<void> {
    for (let i = this.replicas - 1; i >= 0; i--) {
      await this.recreate(i, { timeoutMs: o.timeoutMs });
      await o.between?.(i);
    }
  }

  /**
   * Delete pod `i` (gracefully) and its claims, as an operator does with
   * `kubectl delete pvc` (or as a lost disk does): the pod comes back on
   * empty volumes only when re-created.
   */
  async destroyClaims(i: number, graceSeconds?: number): Promise<void> {
    const p = this.pods[i];
    if (p?.alive) {
      await p.delete(graceSeconds);
      this.history.push(p);
    }
    for (const c of this.obj.spec.volumeClaimTemplates ?? []) rmSync(join(this.cluster.dir, 'claims', this.namespace, this.claimName(c.metadata.name, i)), { recursive: true, force: true });
    this.pods[i] = undefined;
  }

  async deleteAll(graceSeconds = 0): Promise<void> {
    await Promise.all(this.pods.map((p) => (p?.alive ? p.delete(graceSeconds) : undefined)));
  }

  readyPods(): Pod[] {
    return this.pods.filter((p): p is Pod => !!p && p.ready);
  }
}

/** Run one Job of a CronJob now (`kubectl create job --from=cronjob/<name>`); see runJob. */
/**
 * A Deployment's pods, as its controller creates them (`<name>-<i>`, the template's labels) —
 * no rollouts or ReplicaSets: what a store's proxy needs to run beside the store. Resolves
 * when every pod is Ready, or when `o.wait` is false at once.
 */
export async function startDeployment(cluster: Cluster, manifests: Manifests, name: string, o: { wait?: boolean; timeoutMs?: number; secrets?: SecretValues } = {}): Promise<Pod[]> {
  const d = manifests.find('Deployment', name);
  cluster.use(manifests);
  const t = d.spec.template;
  const pods = Array.from({ length: d.spec.replicas ?? 1 }, (_, i) => new Pod(cluster, manifests, { name: `${name}-${i}`, namespace: d.metadata.namespace!, labels: { ...t.metadata.labels }, spec: t.spec }, o.secrets ?? testSecret));
  for (const p of pods) await p.start();
  if (o.wait !== false) {
    for (const p of pods) {
      await waitFor(`${p.name} Ready`, () => p.ready, o.timeoutMs ?? 60000).catch((e) => {
        throw new Error(`${e.message}\n${p.containers.map((c) => `--- ${c.name} ---\n${p.logTail(c.name)}`).join('\n')}`);
      });
    }
  }
  return pods;
}

export async function runCronJob(cluster: Cluster, manifests: Manifests, name: string, o: { timeoutMs?: number; secrets?: SecretValues } = {}): Promise<{ succeeded: boolean; attempts: number; pod: Pod }> {
  const cron = manifests.find('CronJob', name);
  return runJobSpec(cluster, manifests, name, cron.metadata.namespace!, cron.spec.jobTemplate.spec, o);
}

/** Run a Job's pod to completion; retries up to `backoffLimit`. Returns the last pod (its logs). */
export async function runJob(cluster: Cluster, manifests: Manifests, name: string, o: { timeoutMs?: number; secrets?: SecretValues } = {}): Promise<{ succeeded: boolean; attempts: number; pod: Pod }> {
  const job = manifests.find('Job', name);
  return runJobSpec(cluster, manifests, name, job.metadata.namespace!, job.spec, o);
}

async function runJobSpec(cluster: Cluster, manifests: Manifests, name: string, namespace: string, spec: any, o: { timeoutMs?: number; secrets?: SecretValues }): Promise<{ succeeded: boolean; attempts: number; pod: Pod }> {
  cluster.use(manifests);
  const job = { metadata: { namespace }, spec };
  const t = job.spec.template;
  const limit = job.spec.backoffLimit ?? 6;
  let pod: Pod | undefined;
  for (let attempt = 0; attempt <= limit; attempt++) {
    pod = new Pod(cluster, manifests, { name: `${name}-${attempt}`, namespace: job.metadata.namespace!, labels: { ...t.metadata?.labels, 'job-name': name }, spec: t.spec }, o.secrets ?? testSecret);
    // A failed init container fails the pod (restartPolicy Never): the attempt failed, as the Job controller counts it.
    const initFailed = await pod.start().then(() => false, (e: Error) => /^init container /.test(e.message) ? true : Promise.reject(e));
    const main = pod.containers[0];
    if (!initFailed) await waitFor(`job ${name} to finish`, () => !!main.run?.exited, o.timeoutMs ?? 300000);
    const ok = !initFailed && main.run!.exited!.code === 0;
    await pod.delete(0);
    if (ok) return { succeeded: true, attempts: attempt + 1, pod };
    await sleep(1000);
  }
  return { succeeded: false, attempts: limit + 1, pod: pod! };
}
