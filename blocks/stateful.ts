import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ANNOTATION, meta, selector, type Identity } from './meta';
import { WAVE } from './waves';
import { SIDECAR_RESOURCES, TIER_RESOURCES, type ResourcePreset } from '../catalogue/resources';
import { dnsEgress, meshControlPlaneEgress, MERGED_METRICS, podsIn, prometheusIngressRule, tcp } from './network';
import { statefulPlacement } from './scheduling';
import { METRICS_PORT_NAME, STORE_ENDPOINTS, STORE_METRICS, STORE_METRICS_COMPONENT, type StoreMetrics } from '../catalogue/stores';
import type { EnvironmentModel, StoreModel } from '../platform/model';
import type { DataStoreName } from '../catalogue/stores';
import type { StoreClient } from './store-clients';
import { meshPodAnnotations, workloadPodSpec, type WorkloadContainer, type WorkloadPodProps } from './workload';

/**
 * Building blocks every data store is made of (the role of Bitnami's common
 * templates for stateful charts): identities, governing/client/metrics Services,
 * the disruption budget, claim templates that survive GitOps, the exporter
 * sidecar and the store's NetworkPolicy, and the Sync hook Jobs that provision
 * a store (Kafka topics, PostgreSQL databases). The store charts only add what
 * is specific to their software.
 */

/** Argo CD never prunes these objects and never deletes them with the Application. */
export const KEEP_DATA_SYNC_OPTIONS = 'Prune=false,Delete=false';

/** Annotations of objects that hold or own data (StatefulSets, claim templates). */
export function keepDataAnnotations(): Record<string, string> {
  return { [ANNOTATION.syncOptions]: KEEP_DATA_SYNC_OPTIONS };
}

/** Claims outlive both the StatefulSet and scale-down: data is only ever deleted by a person. */
export const RETAIN_CLAIMS = { whenDeleted: 'Retain', whenScaled: 'Retain' } as const;

/** Name of the claim template (and volume) that holds a store's data. */
export const DATA_VOLUME = 'data';

/** The identity of one workload (StatefulSet) of a store. `instance` is the workload name. */
export function storeIdentity(env: Pick<EnvironmentModel, 'platform'>, store: Pick<StoreModel, 'kind' | 'version'>, instance: string, component: string): Identity {
  return { name: STORE_ENDPOINTS[store.kind].appName, instance, component, partOf: env.platform, version: store.version };
}

/** Metadata helper bound to one identity and namespace. */
export function metaFor(id: Identity, namespace: string) {
  return (name: string, wave: number = WAVE.data, annotations?: Record<string, string>, component?: string) =>
    meta({ name, namespace, id: component ? { ...id, component } : id, wave, ...(annotations ? { annotations } : {}) });
}

export interface NamedPort {
  readonly name: string;
  readonly port: number;
  /** @default 'tcp' (Istio protocol selection uses the name prefix; `http-*` for HTTP). */
  readonly appProtocol?: string;
  /** A port number on the pods that no container declares (the sidecar's 15020). @default the container port named `name` */
  readonly targetPort?: number;
}

function servicePorts(ports: readonly NamedPort[]) {
  return ports.map((p) => ({
    name: p.name,
    port: p.port,
    targetPort: p.targetPort !== undefined ? k8s.IntOrString.fromNumber(p.targetPort) : k8s.IntOrString.fromString(p.name),
    protocol: 'TCP',
    appProtocol: p.appProtocol ?? 'tcp',
  }));
}

export interface StoreServiceProps {
  readonly name: string;
  readonly namespace: string;
  /** Identity of the pods the Service selects (selector = name + instance). */
  readonly id: Identity;
  readonly ports: readonly NamedPort[];
  /** Governing (headless) Service: no cluster IP, DNS per pod, not-ready pods published so peers find each other. @default false */
  readonly headless?: boolean;
  /** Select every pod of the store (`app.kubernetes.io/name` only) instead of one workload. @default false */
  readonly allInstances?: boolean;
  /** @default the identity's component */
  readonly component?: string;
}

/** A client, headless or metrics Service of a store. */
export function storeService(scope: Construct, id: string, p: StoreServiceProps): k8s.KubeService {
  const sel = p.allInstances ? { 'app.kubernetes.io/name': p.id.name } : selector(p.id);
  return new k8s.KubeService(scope, id, {
    metadata: metaFor(p.id, p.namespace)(p.name, WAVE.data, undefined, p.component),
    spec: {
      type: 'ClusterIP',
      ...(p.headless ? { clusterIp: 'None', publishNotReadyAddresses: true } : {}),
      selector: sel,
      ports: servicePorts(p.ports),
    },
  });
}

export { METRICS_PORT_NAME };

/**
 * The metrics Service of an endpoint (default: the store's own exporter,
 * STORE_METRICS): port `http-metrics` → 15020, the merged endpoint (exporter +
 * Envoy) of every pod named `metrics.appName`, which carries the endpoint's
 * `prometheus.io/*` annotations.
 */
export function metricsService(scope: Construct, p: { store: StoreModel; id: Identity; metrics?: StoreMetrics }) {
  const m = p.metrics ?? STORE_METRICS[p.store.kind];
  if (m.appName !== p.id.name) throw new Error(`metrics Service ${m.service}: pods are ${p.id.name}, the endpoint says ${m.appName}`);
  return storeService(scope, p.metrics ? `metrics-service-${m.service}` : 'metrics-service', {
    name: m.service,
    namespace: p.store.namespace,
    id: p.id,
    ports: [{ name: m.portName, port: MERGED_METRICS.port, targetPort: MERGED_METRICS.port, appProtocol: 'http' }],
    allInstances: true,
    component: STORE_METRICS_COMPONENT,
  });
}

/** PodDisruptionBudget: at most one pod of the workload voluntarily down at a time. */
export function disruptionBudget(scope: Construct, id: string, p: { name: string; namespace: string; id: Identity }) {
  return new k8s.KubePodDisruptionBudget(scope, id, {
    metadata: metaFor(p.id, p.namespace)(p.name),
    spec: {
      maxUnavailable: k8s.IntOrString.fromNumber(1),
      selector: { matchLabels: selector(p.id) },
      // A crash-looping pod must not block node drains forever.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}

/**
 * The claim template of a store's data volume. Only stable values: the
 * selector labels (never the version), the size class and access mode. The
 * size is read from the spec but, like every template field, only applies to
 * new claims (resize existing ones through the PVCs; see README.md "Data stores").
 */
export function dataClaimTemplate(id: Identity, store: Pick<StoreModel, 'storage' | 'storageClass'>): k8s.KubePersistentVolumeClaimProps {
  return {
    metadata: { name: DATA_VOLUME, labels: selector(id), annotations: keepDataAnnotations() },
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(store.storageClass ? { storageClassName: store.storageClass } : {}),
      resources: { requests: { storage: k8s.Quantity.fromString(store.storage) } },
    },
  };
}

export interface StatefulWorkloadProps {
  readonly name: string;
  readonly namespace: string;
  readonly id: Identity;
  /** The governing headless Service. */
  readonly serviceName: string;
  readonly replicas: number;
  /** `Parallel` for quorum systems whose peers must start together; fixed per store (immutable). */
  readonly podManagementPolicy: 'OrderedReady' | 'Parallel';
  readonly store: StoreModel;
  readonly env: Pick<EnvironmentModel, 'zones'>;
  /** Pod template annotations besides the mesh ones (e.g. config checksums). @default none */
  readonly podAnnotations?: Record<string, string>;
  /** The pod (blocks/workload.ts); placed by statefulPlacement over `spreadWith`. */
  readonly pod: Omit<WorkloadPodProps, 'placement' | 'restartPolicy'>;
  /**
   * Pods that must not share a host or crowd a zone with these, when they
   * span several workloads (a PostgreSQL primary and its replicas).
   * @default this workload's pods (`selector(id)`) and `replicas`
   */
  readonly spreadWith?: { readonly labels: Record<string, string>; readonly pods: number };
}

/**
 * A store's StatefulSet: claims from the template and retained, Argo CD never
 * prunes or deletes it, mesh sidecar sized for the quota and holding the app
 * until the proxy is up (stores open connections at start).
 */
export function statefulWorkload(scope: Construct, id: string, p: StatefulWorkloadProps): k8s.KubeStatefulSet {
  const match = selector(p.id);
  return new k8s.KubeStatefulSet(scope, id, {
    metadata: metaFor(p.id, p.namespace)(p.name, WAVE.data, keepDataAnnotations()),
    spec: {
      serviceName: p.serviceName,
      replicas: p.replicas,
      podManagementPolicy: p.podManagementPolicy,
      selector: { matchLabels: match },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { ...RETAIN_CLAIMS },
      revisionHistoryLimit: 10,
      minReadySeconds: 10,
      template: {
        metadata: {
          labels: meta({ name: p.name, id: p.id, wave: WAVE.data }).labels,
          // A store's peers stay connected through its shutdown (replicas, Sentinels, brokers), which keeps its proxy up.
          annotations: { ...meshPodAnnotations({ defaultContainer: p.pod.containers[0]!.name, proxy: 5, metrics: STORE_METRICS[p.store.kind] }), ...p.podAnnotations },
        },
        spec: workloadPodSpec({ ...p.pod, placement: statefulPlacement(p.env, p.spreadWith?.labels ?? match, p.spreadWith?.pods ?? p.replicas) }),
      },
      volumeClaimTemplates: [dataClaimTemplate(p.id, p.store)],
    },
  });
}


/** An emptyDir volume with its mount (writable paths under a read-only root filesystem). */
export function scratch(name: string, mountPath: string, o: { sizeLimit?: string; memory?: boolean } = {}) {
  return {
    volume: { name, emptyDir: { ...(o.memory ? { medium: 'Memory' } : {}), sizeLimit: k8s.Quantity.fromString(o.sizeLimit ?? '64Mi') } },
    mount: { name, mountPath },
  };
}

export interface ExporterProps {
  readonly name: string;
  readonly image: string;
  readonly port: number;
  /** Its command-line arguments. @default the image's */
  readonly args?: string[];
  /** @default none */
  readonly env?: k8s.EnvVar[];
  /** Probe this HTTP path on the metrics port instead of the TCP port (e.g. a `/healthz` that does not scrape). @default a TCP probe */
  readonly httpProbePath?: string;
}

/** A Prometheus exporter container: small fixed resources, `http-metrics` port, TCP (or HTTP) probes, read-only. */
export function exporterContainer(p: ExporterProps): WorkloadContainer {
  const port = k8s.IntOrString.fromString(METRICS_PORT_NAME);
  const check = p.httpProbePath ? { httpGet: { path: p.httpProbePath, port } } : { tcpSocket: { port } };
  const probe = (periodSeconds: number) => ({ ...check, periodSeconds, timeoutSeconds: 2, failureThreshold: 3 });
  return {
    name: p.name,
    image: p.image,
    ...(p.args ? { args: p.args } : {}),
    ...(p.env ? { env: p.env } : {}),
    ports: [{ name: METRICS_PORT_NAME, containerPort: p.port, protocol: 'TCP' }],
    resources: SIDECAR_RESOURCES,
    readinessProbe: probe(10),
    livenessProbe: probe(20),
  };
}

/** `POD_NAME`, `POD_NAMESPACE` from the downward API. */
export function podEnv(): k8s.EnvVar[] {
  return [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  ];
}

export function secretEnv(name: string, secret: string, key: string): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

/** An exec probe running `script` with bash. */
export function execProbe(script: string, o: { periodSeconds: number; failureThreshold: number; timeoutSeconds?: number; initialDelaySeconds?: number }): k8s.Probe {
  return {
    exec: { command: ['bash', '-c', script] },
    periodSeconds: o.periodSeconds,
    failureThreshold: o.failureThreshold,
    timeoutSeconds: o.timeoutSeconds ?? 5,
    ...(o.initialDelaySeconds ? { initialDelaySeconds: o.initialDelaySeconds } : {}),
  };
}

/** Fully qualified DNS name of pod `ordinal` of StatefulSet `sts` behind headless Service `headless`. */
export function podDns(sts: string, ordinal: number, headless: string, namespace: string): string {
  return `${sts}-${ordinal}.${headless}.${namespace}.svc.cluster.local`;
}

export function serviceDns(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.cluster.local`;
}

export interface StorePolicyProps {
  readonly env: EnvironmentModel;
  readonly store: StoreModel;
  /** The store's client ports (its own pods may use them among themselves too). */
  readonly clientPorts: readonly number[];
  /** Ports the store's own pods use among themselves (replication, quorum, gossip). */
  readonly peerPorts: readonly number[];
  /** Every workload that may connect (stores/<kind>: the same list the store's AuthorizationPolicy admits). */
  readonly clients: readonly StoreClient[];
  /** Extra egress (e.g. Kafka → ZooKeeper). @default none */
  readonly extraEgress?: readonly { readonly namespace: string; readonly labels: Record<string, string>; readonly ports: readonly number[] }[];
  readonly id: Identity;
}

/**
 * The NetworkPolicy of a store: selects every pod of the store (by
 * `app.kubernetes.io/name`, which is what the clients' egress rules target) and
 * admits exactly `clients` (its services, Jobs, exporters, operators: the list
 * its AuthorizationPolicy also reads), the store's own peers, and Prometheus on
 * the merged metrics port (15020). Egress: peers, DNS, istiod, `extraEgress`.
 */
export function storeNetworkPolicy(scope: Construct, p: StorePolicyProps): k8s.KubeNetworkPolicy {
  const ep = STORE_ENDPOINTS[p.store.kind];
  const own = { 'app.kubernetes.io/name': ep.appName };
  const ns = p.store.namespace;
  const clientRules = p.clients.map((c) => ({ from: [podsIn(c.namespace, c.pods)], ports: tcp(...c.ports) }));
  return new k8s.KubeNetworkPolicy(scope, 'network-policy', {
    metadata: metaFor(p.id, ns)(ep.service, WAVE.foundation),
    spec: {
      podSelector: { matchLabels: own },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        ...clientRules,
        { from: [podsIn(ns, own)], ports: tcp(...new Set([...p.peerPorts, ...p.clientPorts])) },
        prometheusIngress(p.env),
      ],
      egress: [
        { to: [podsIn(ns, own)], ports: tcp(...new Set([...p.peerPorts, ...p.clientPorts])) },
        ...(p.extraEgress ?? []).map((e) => ({ to: [podsIn(e.namespace, e.labels)], ports: tcp(...e.ports) })),
        dnsEgress(),
        meshControlPlaneEgress(p.env),
      ],
    },
  });
}

/** A data-layer ServiceAccount (mesh identity); no API token. */
export function workloadServiceAccount(scope: Construct, cid: string, p: { name: string; namespace: string; id: Identity }) {
  return new k8s.KubeServiceAccount(scope, cid, {
    metadata: metaFor(p.id, p.namespace)(p.name, WAVE.foundation),
    automountServiceAccountToken: false,
  });
}

/** The ServiceAccount of a store's pods (mesh identity); no API token. */
export function storeServiceAccount(scope: Construct, p: { kind: DataStoreName; namespace: string; id: Identity }) {
  return workloadServiceAccount(scope, 'service-account', { name: STORE_ENDPOINTS[p.kind].serviceAccount, namespace: p.namespace, id: p.id });
}

/** Pods (by labels) in a namespace, on ports: a NetworkPolicy peer of the data layer. */
export interface PodPeer {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly ports: readonly number[];
}

/**
 * The NetworkPolicy of a data-layer workload that is not a store (hook Jobs,
 * kafka_exporter): selects its pods by name + instance, admits `ingress`
 * only, and may connect to `egress`, DNS and istiod only.
 */
export function workloadNetworkPolicy(
  scope: Construct,
  cid: string,
  p: { env: EnvironmentModel; name: string; namespace: string; id: Identity; ingress: k8s.NetworkPolicyIngressRule[]; egress: readonly PodPeer[]; extraEgress?: readonly k8s.NetworkPolicyEgressRule[]; wave?: number },
) {
  return new k8s.KubeNetworkPolicy(scope, cid, {
    metadata: meta({ name: p.name, namespace: p.namespace, id: p.id, wave: WAVE.foundation }),
    spec: {
      podSelector: { matchLabels: selector(p.id) },
      policyTypes: ['Ingress', 'Egress'],
      ingress: p.ingress,
      egress: [...p.egress.map((e) => ({ to: [podsIn(e.namespace, e.labels)], ports: tcp(...e.ports) })), ...(p.extraEgress ?? []), dnsEgress(), meshControlPlaneEgress(p.env)],
    },
  });
}

/** Ingress from Prometheus: the merged metrics port (15020) only; istio-agent fetches the exporters over localhost. */
export function prometheusIngress(env: EnvironmentModel): k8s.NetworkPolicyIngressRule {
  return prometheusIngressRule(env);
}

/** Megabytes of a memory limit (MiB) given to a heap/cache: `fraction` of it, rounded down to 16 MiB. */
export function memoryShare(limitMi: number, fraction: number): number {
  return Math.max(64, Math.floor((limitMi * fraction) / 16) * 16);
}

/*
 * Sync hook Jobs: provisioning that converges on every sync (Kafka topics,
 * PostgreSQL role and databases). One builder, so both Jobs share the hook
 * annotations, the wave, the Istio sidecar handling, the security context, the
 * resources counted in the quota and the NetworkPolicy shape.
 */

/**
 * bash: `write_config DEST FN [ARGS…]` writes FN's output to DEST, owner-only
 * (it may hold passwords), through a temporary file renamed over DEST. Never
 * `cp` from a ConfigMap volume: the copy keeps the volume's read-only mode
 * (0555), so appending to it fails, and so does the next container start's
 * copy onto it in the kept emptyDir.
 */
export const WRITE_CONFIG = `write_config() {
  local dest="$1"; shift
  (umask 077 && "$@" > "$dest.tmp")
  mv -f "$dest.tmp" "$dest"
}`;

/** Argo CD Sync hook: runs in its wave on every sync, re-created each time (`BeforeHookCreation`), removed once it succeeded. */
export function syncHookAnnotations(): Record<string, string> {
  return { [ANNOTATION.hook]: 'Sync', [ANNOTATION.hookDeletePolicy]: 'BeforeHookCreation,HookSucceeded' };
}

/** bash: when the script exits, however it exits, ask the Istio proxy to quit. */
export const QUIT_SIDECAR_ON_EXIT = `stop_sidecar() {
  # The Istio proxy is a regular container (no native sidecars on Kubernetes 1.28): without this it would keep the Job running.
  (exec 3<>/dev/tcp/127.0.0.1/15020 && printf 'POST /quitquitquit HTTP/1.1\\r\\nHost: localhost\\r\\nContent-Length: 0\\r\\n\\r\\n' >&3) 2>/dev/null || true
}
trap stop_sidecar EXIT`;

/**
 * A hook Job's bash script: strict mode, the sidecar quit on exit, then `parts`
 * in order (a part's own `#!` line and `set -euo pipefail` are dropped, so
 * standalone scripts such as PostgreSQL's provision.sh are reused verbatim).
 */
export function hookScript(...parts: string[]): string {
  const body = parts.map((p) => p.replace(/^#!.*\n/, '').replace(/^set -euo pipefail\n/, '').replace(/\n+$/, '')).join('\n');
  return `#!/bin/bash\nset -euo pipefail\n${QUIT_SIDECAR_ON_EXIT}\n${body}\n`;
}

/** Requests/limits of a hook Job's container (what the quota counts for it). */
export const HOOK_JOB_RESOURCES: ResourcePreset = TIER_RESOURCES.small;

/** The identity of a hook Job: its own name/instance (its NetworkPolicy and the store's select it by name), the store's version. */
export function hookJobIdentity(env: Pick<EnvironmentModel, 'platform'>, store: Pick<StoreModel, 'version'>, name: string, component: string): Identity {
  return { name, instance: name, component, partOf: env.platform, version: store.version };
}

/** One container of a data-layer Job's pod (a hook Job or a scheduled Job). */
export interface JobContainer {
  readonly name: string;
  readonly image: string;
  /** The whole script; build a bash main container's with hookScript so the mesh sidecar quits. */
  readonly script: string;
  /** What runs the script: an image without bash (Alpine) has `sh`. @default 'bash' */
  readonly shell?: 'bash' | 'sh';
  readonly env?: k8s.EnvVar[];
  /** Mounts besides `/tmp` (volumes from `volumes`). */
  readonly volumeMounts?: k8s.VolumeMount[];
  /** `Always` on an init container: a native sidecar (Kubernetes 1.29+), running beside the main container and stopped after it. */
  readonly restartPolicy?: 'Always';
}

interface JobPodProps {
  readonly name: string;
  readonly id: Identity;
  readonly wave: number;
  readonly serviceAccountName: string;
  readonly runAsUser: number;
  readonly initContainers?: readonly JobContainer[];
  readonly container: JobContainer;
  /** Volumes besides `/tmp` (e.g. an emptyDir the init container fills for the main one). */
  readonly volumes?: readonly k8s.Volume[];
}

/**
 * The pod of a data-layer Job. The proxy is a native sidecar
 * (`sidecar.istio.io/nativeSidecar: "true"`, Kubernetes 1.29+): it starts
 * before the containers and the kubelet stops it when they exit, so the Job
 * completes whatever the mesh's default mode. The main script still calls the
 * proxy's `/quitquitquit` when it exits (harmless to a native sidecar), so a
 * mesh that refuses native sidecars cannot leave the Job running forever; it
 * also waits for the proxy (`holdApplicationUntilProxyStarts`) for the same
 * reason. PSS restricted, read-only root with a `/tmp` scratch, no
 * ServiceAccount token.
 */
function jobPodTemplate(p: JobPodProps): k8s.PodTemplateSpec {
  const tmp = scratch('tmp', '/tmp', { sizeLimit: '128Mi' });
  const container = (c: JobContainer): WorkloadContainer => ({
    name: c.name,
    image: c.image,
    command: [c.shell ?? 'bash', '-c', c.script],
    ...(c.restartPolicy ? { restartPolicy: c.restartPolicy } : {}),
    ...(c.env ? { env: c.env } : {}),
    resources: HOOK_JOB_RESOURCES,
    volumeMounts: [tmp.mount, ...(c.volumeMounts ?? [])],
  });
  return {
    metadata: {
      labels: meta({ name: p.name, id: p.id, wave: p.wave }).labels,
      annotations: meshPodAnnotations({ proxy: 'hold', nativeSidecar: true }),
    },
    spec: workloadPodSpec({
      restartPolicy: 'Never',
      serviceAccount: p.serviceAccountName,
      uid: p.runAsUser,
      ...(p.initContainers?.length ? { initContainers: p.initContainers.map(container) } : {}),
      containers: [container(p.container)],
      volumes: [tmp.volume, ...(p.volumes ?? [])],
    }),
  };
}

/** What every data-layer Job (hook or scheduled) states about itself. */
interface DataJobProps {
  readonly env: EnvironmentModel;
  readonly name: string;
  readonly namespace: string;
  readonly id: Identity;
  /** The store's ServiceAccount: the Job gets the store's mesh identity, so mesh policies admitting the store's peers admit it. */
  readonly serviceAccountName: string;
  /** The image's user (the Job runs the store's image). */
  readonly runAsUser: number;
  /** The only pods the Job may connect to (besides DNS and istiod). */
  readonly egress: readonly PodPeer[];
}

export interface SyncHookJobProps extends DataJobProps {
  readonly container: { readonly name: string; readonly image: string; readonly env?: k8s.EnvVar[] };
  /** The whole bash script (build it with hookScript so the sidecar quits). */
  readonly script: string;
  /** Other egress rules (e.g. a managed store's addresses). @default none */
  readonly extraEgress?: readonly k8s.NetworkPolicyEgressRule[];
}

/**
 * A Sync hook Job in the `topics` wave (after the stores are healthy, before
 * the services start) and its NetworkPolicy (no ingress; egress only to
 * `egress`, DNS and istiod); its pod is jobPodTemplate's.
 */
export function syncHookJob(scope: Construct, p: SyncHookJobProps): k8s.KubeJob {
  const job = new k8s.KubeJob(scope, 'job', {
    metadata: meta({ name: p.name, namespace: p.namespace, id: p.id, wave: WAVE.topics, annotations: syncHookAnnotations() }),
    spec: {
      backoffLimit: 4,
      activeDeadlineSeconds: 900,
      template: jobPodTemplate({ ...p, wave: WAVE.topics, container: { ...p.container, script: p.script } }),
    },
  });

  workloadNetworkPolicy(scope, 'network-policy', { env: p.env, name: p.name, namespace: p.namespace, id: p.id, ingress: [], egress: p.egress, ...(p.extraEgress ? { extraEgress: p.extraEgress } : {}) });
  return job;
}

export interface ScheduledJobProps extends DataJobProps {
  /** Cron schedule, in UTC (`timeZone: Etc/UTC`). */
  readonly schedule: string;
  /** @default none */
  readonly initContainers?: readonly JobContainer[];
  readonly container: JobContainer;
  /** Volumes besides `/tmp`. @default none */
  readonly volumes?: readonly k8s.Volume[];
  /** Other egress rules (e.g. the object store). @default none */
  readonly extraEgress?: readonly k8s.NetworkPolicyEgressRule[];
  /** A run that takes longer is failed. */
  readonly activeDeadlineSeconds: number;
}

/**
 * A CronJob of the data layer (backups, backup checks) and its NetworkPolicy
 * (no ingress; egress only to `egress`, `extraEgress`, DNS and istiod). One
 * run at a time (`Forbid`), no retries within a run (the next run is the
 * retry; a failed run is what the alerts watch through kube-state-metrics'
 * `kube_cronjob_status_last_successful_time`), the last 3 successful and 3
 * failed Jobs kept for `kubectl logs`. Rendered in the data wave, beside the
 * store it serves.
 */
export function scheduledJob(parent: Construct, p: ScheduledJobProps): k8s.KubeCronJob {
  // One scope per CronJob, so a chart can hold several.
  const scope = new Construct(parent, p.name);
  const cron = new k8s.KubeCronJob(scope, 'cron-job', {
    metadata: meta({ name: p.name, namespace: p.namespace, id: p.id, wave: WAVE.data }),
    spec: {
      schedule: p.schedule,
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: meta({ name: p.name, id: p.id, wave: WAVE.data }).labels },
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: p.activeDeadlineSeconds,
          template: jobPodTemplate({ ...p, wave: WAVE.data }),
        },
      },
    },
  });
  workloadNetworkPolicy(scope, 'network-policy', { env: p.env, name: p.name, namespace: p.namespace, id: p.id, ingress: [], egress: p.egress, ...(p.extraEgress ? { extraEgress: p.extraEgress } : {}) });
  return cron;
}

