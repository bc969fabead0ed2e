import { peerRef, type EnvironmentSpec, type PlatformSpec, type ServiceSpec } from './schema';
import { CANARY_SUFFIX } from '../catalogue/names';
import { DATA_STORES, DEPENDABLE_STORES, STORE_CATALOGUE, storeClientSecrets, type DataStoreName, type ManagedEndpoint, type SecretRef } from '../catalogue/stores';
import type { Tier } from '../catalogue/resources';
import { TIER_RESOURCES, withSurge, type ResourcePreset } from '../catalogue/resources';
import { platformConfig } from './config';
import { resolveAddons, type AddonSettings } from '../catalogue/addons';
import { SpecError } from './loader';
import { suggestion } from './problems';
import type { AccessLevel } from '../catalogue/access';

/**
 * The resolved, per-environment model: defaults applied, tiers turned into
 * resources, the dependency graph computed once. Charts are pure functions of it.
 */
export interface PlatformModel {
  readonly name: string;
  readonly version: string;
  readonly gitops: PlatformSpec['gitops'];
  readonly cluster: PlatformSpec['cluster'];
  readonly environments: readonly EnvironmentModel[];
  /** Cluster add-ons: enabled or not, pinned chart version. */
  readonly addons: AddonSettings;
  /** Changes to rendered objects, in spec order (render/patches.ts applies them before the policy gate). */
  readonly patches: readonly PatchModel[];
  /** `teams:` by name, each group in one team. Empty: no RBAC objects or project roles are rendered. */
  readonly teams: readonly TeamModel[];
  /** The names of `peers:`, the other platform specs whose services call or are called by this one's. */
  readonly peers: readonly string[];
}

/** A service of a peer platform (`peers`) in its environment of the same name, with what a grant needs of it. */
export interface PeerService {
  /** The peer platform's name. */
  readonly platform: string;
  /** The peer's environment (its namespace, clusters, mesh). */
  readonly env: EnvironmentModel;
  readonly service: ServiceModel;
}

/** A team of `teams:`: its identity-provider groups and its level per environment. */
export interface TeamModel {
  readonly name: string;
  readonly description?: string;
  readonly groups: readonly string[];
  /** Environment name → level; environments not listed: no access. */
  readonly access: Readonly<Record<string, AccessLevel>>;
}

/** One team's access to one environment. */
export interface TeamAccess {
  readonly team: string;
  readonly description?: string;
  readonly groups: readonly string[];
  readonly level: AccessLevel;
}

/** A Kubernetes cluster Argo CD deploys to. */
export interface ClusterModel {
  readonly name: string;
  readonly server: string;
  readonly region?: string;
}

export interface AutoscalingModel {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly targetCPUUtilization: number;
  readonly targetMemoryUtilization?: number;
}

export interface EnvironmentModel {
  readonly platform: string;
  /** Platform release, the version label of objects that run no image. */
  readonly version: string;
  /** Where the services send traces and metrics (the environment's OpenTelemetry collector). */
  readonly telemetry: TelemetryEndpoint;
  readonly name: string;
  /** Namespace of the services. */
  readonly namespace: string;
  /** Namespace of the data stores (may equal `namespace`). */
  readonly dataNamespace: string;
  /** Every namespace this environment owns, services' first. */
  readonly namespaces: readonly string[];
  readonly zones: readonly string[];
  readonly cluster: { readonly name: string; readonly server: string };
  /**
   * Every cluster that runs this environment: `clusters` from the spec, or the
   * one `cluster`. More than one renders an ApplicationSet.
   */
  readonly clusters: readonly ClusterModel[];
  readonly host?: string;
  /** The local rate limit of its public hosts at the ingress gateway (per gateway pod). */
  readonly rateLimit?: { readonly requestsPerSecond: number; readonly burst: number };
  readonly services: readonly ServiceModel[];
  /** Services by name. */
  readonly serviceIndex: ReadonlyMap<string, ServiceModel>;
  readonly stores: readonly StoreModel[];
  readonly topics: readonly TopicModel[];
  readonly graph: DependencyGraph;
  /** Add-on locations (gateway, mesh, telemetry, monitoring). */
  readonly addons: PlatformSpec['cluster'];
  /** Percentage of requests traced (Istio Telemetry and the auto-instrumentation sampler). */
  readonly tracingSampling: number;
  /** Issuer of the ingress gateway's certificate. */
  readonly certificateIssuer: EnvironmentSpec['certificateIssuer'];
  /** Secrets the cluster holds already (made outside this repository). */
  readonly providedSecrets: readonly string[];
  /** SealedSecrets kept beside the spec for this environment, sorted by namespace and name. */
  readonly sealedSecrets: readonly SealedSecretFile[];
  /** Objects of `extraManifests`, by file. */
  readonly extraManifests: readonly ExtraManifestFile[];
  /** The teams with access to this environment and their level, by team name. */
  readonly access: readonly TeamAccess[];
  /** Data stores a provider runs for this environment (`external`), in registry order; none of them is in `stores`. */
  readonly externalStores: readonly ExternalStoreModel[];
}

/** A data store run outside the cluster for one environment (RDS…): its endpoint and who connects. */
export interface ExternalStoreModel extends ManagedEndpoint {
  readonly kind: DataStoreName;
  /** The endpoint (PostgreSQL, MySQL), or the first of `hosts` (Kafka's brokers). */
  readonly host: string;
  readonly port: number;
  /** How the mesh sees its connections: plain TCP (by address and port) or TLS (by SNI). */
  readonly protocol: 'TCP' | 'TLS';
  /** The spec's version of the kind (`dataStores.<kind>.version`): the release of the tools the platform runs against it (Kafka's topics Job). */
  readonly version: string;
  /** The Secret (services namespace) with its clients' `username` and `password`. */
  readonly secretName: string;
  /** Addresses it resolves to: NetworkPolicy egress and the ServiceEntry's addresses. */
  readonly cidrs: readonly string[];
  /** Services whose `dependsOn` names it, sorted. */
  readonly clients: readonly string[];
}

export interface ServiceModel {
  readonly name: string;
  readonly runtime: ServiceSpec['runtime'];
  readonly image: string;
  /** Image tag (or digest), for `app.kubernetes.io/version`. */
  readonly version: string;
  readonly port: number;
  readonly metrics: { readonly path: string; readonly port: number };
  /** Alert thresholds: p95 request duration (ms) and 5xx percentage of requests. */
  readonly slo: { readonly latencyP95Ms: number; readonly errorRatePercent: number };
  readonly health: { readonly readiness: string; readonly liveness: string; readonly startup: string };
  readonly tier: Tier;
  readonly resources: ResourcePreset;
  /** Fixed replicas, or the floor when `autoscaling` is set. */
  readonly replicas: number;
  readonly autoscaling?: AutoscalingModel;
  /**
   * Who sets the replica count: the Deployment (`fixed`), a CPU/memory HPA
   * (`hpa`), or a KEDA ScaledObject on Kafka consumer lag (`keda`, which then
   * owns the HPA). Never two of them.
   */
  readonly scaler: 'fixed' | 'hpa' | 'keda';
  readonly kafkaLagThreshold: number;
  /**
   * Its VerticalPodAutoscaler on the scaled Deployment: `off` (none), `recommend` (updateMode Off),
   * `auto` (requests set between the tier's requests and limits). Never `auto` with `scaler: hpa`.
   */
  readonly vpa: 'off' | 'recommend' | 'auto';
  /** Mesh timeout of a request to this service (retries included). */
  readonly timeout: string;
  /** Mesh retries of requests to this service. */
  readonly retries: { readonly attempts: number; readonly perTryTimeout: string; readonly retryOn: string };
  /** The highest number of pods that can run (quota and PDB arithmetic). */
  readonly maxReplicas: number;
  readonly route?: { readonly path: string; readonly host: string };
  readonly dependsOn: {
    readonly services: readonly string[];
    readonly stores: readonly DataStoreName[];
    /** `<peer>/<service>` entries, as written. */
    readonly peers: readonly { readonly platform: string; readonly service: string }[];
  };
  /** The peer platforms' services it calls, resolved in their environment of this name (empty when the peers were not read). */
  readonly peerCalls: readonly PeerService[];
  /** The peer platforms' services that call it (their `dependsOn` names `<this platform>/<this service>`), sorted. */
  readonly peerCallers: readonly PeerService[];
  /** Its stores' credentials by variable (in-cluster Secrets, or the Secret a managed store's spec names). */
  readonly storeSecrets: Readonly<Record<string, SecretRef>>;
  /** Services whose `dependsOn` names this one, sorted. */
  readonly callers: readonly string[];
  readonly produces: readonly string[];
  readonly consumes: readonly string[];
  /** ConfigMap data: the spec's env, then derived connection settings. */
  readonly config: Readonly<Record<string, string>>;
  /** Containers run before the service's (in order), and native sidecars beside it; image resolved, resources from their tier. */
  readonly initContainers: readonly ExtraContainerModel[];
  readonly sidecars: readonly ExtraContainerModel[];
  /** Scheduled tasks: CronJobs `<service>-<job>` in this environment's image of the service. */
  readonly cronJobs: readonly ServiceCronJobModel[];
  /** Volumes besides /tmp and the secrets (`path`: where the service's own container mounts it). */
  readonly volumes: readonly ServiceVolumeModel[];
  /** The spec's annotations for the service's Deployment(s) and Service, and for its pods. */
  readonly annotations: Readonly<Record<string, string>>;
  readonly podAnnotations: Readonly<Record<string, string>>;
  /** Values from Secrets the cluster holds: variables (secretKeyRef) and read-only directories (secret volumes), in spec order. */
  readonly secrets: readonly ServiceSecret[];
  readonly shutdown: { readonly preStopSeconds: number; readonly gracePeriodSeconds: number };
  readonly namespace: string;
  /** External endpoints the service calls (ServiceEntry + NetworkPolicy egress). */
  readonly egress: readonly ExternalEndpoint[];
  /**
   * The canary track, when the spec declares one: a second Deployment `name`
   * (`<service>-canary`) with a fixed replica count, receiving `weight` % of
   * the mesh traffic. The stable track keeps everything above.
   */
  readonly canary?: CanaryModel;
  /**
   * Blue-green releases, when the spec declares them: two Deployments
   * (`<service>-blue`, `<service>-green`) instead of one, every request to
   * the active colour; `image` and `version` above are the active colour's.
   */
  readonly blueGreen?: BlueGreenModel;
}

export interface ColourModel {
  readonly colour: 'blue' | 'green';
  /** The colour's Deployment and its `app.kubernetes.io/instance`: `<service>-<colour>`. */
  readonly name: string;
  readonly image: string;
  /** Image tag (or digest), for its `app.kubernetes.io/version`. */
  readonly version: string;
}

export interface BlueGreenModel {
  /** The colour every request goes to: it scales as the service does (autoscaler, budget). */
  readonly active: ColourModel;
  /** The other colour, reachable at `preview` for tests before a switch. */
  readonly idle: ColourModel;
  /** Fixed replicas of the idle colour: the environment's floor (`warm`), or 0 (`zero`). */
  readonly idleReplicas: number;
  /** The Service over the idle colour's pods: `<service>-preview`. */
  readonly preview: string;
}

export interface ExtraContainerModel {
  readonly name: string;
  /** @default the image of the track the pod runs (the service's, or its canary's) */
  readonly image?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly resources: ResourcePreset;
  readonly mounts: readonly { readonly volume: string; readonly path: string; readonly readOnly: boolean }[];
}

export interface ServiceCronJobModel {
  /** `<service>-<job>`: the CronJob's name and its pods' `app.kubernetes.io/instance`. */
  readonly name: string;
  /** The job's own name in the spec. */
  readonly job: string;
  readonly schedule: string;
  readonly timeZone: string;
  readonly image: string;
  /** Tag (or digest) of `image`, for `app.kubernetes.io/version`. */
  readonly version: string;
  readonly command: readonly string[];
  readonly args?: readonly string[];
  readonly resources: ResourcePreset;
  readonly activeDeadlineSeconds: number;
}

export interface ServiceVolumeModel {
  readonly name: string;
  readonly path?: string;
  readonly emptyDir?: { readonly sizeLimit: string; readonly medium?: 'Memory' };
  readonly configMap?: string;
}

export type ServiceSecret =
  | { readonly secret: string; readonly env: string; readonly key: string; readonly optional: boolean }
  | { readonly secret: string; readonly mount: string; readonly items?: readonly string[]; readonly optional: boolean };

/** A SealedSecret kept beside the spec (`secrets/<env>/*.yaml`), rendered into the environment as it is. */
export interface SealedSecretFile {
  /** Where it came from, relative to the spec's directory (for messages). */
  readonly file: string;
  readonly object: { readonly apiVersion: string; readonly kind: string; readonly metadata: { readonly name: string; readonly namespace: string }; readonly [k: string]: unknown };
}

/** A file of `environments.<env>.extraManifests`, its objects as written. */
export interface ExtraManifestFile {
  /** Relative to the spec's directory. */
  readonly file: string;
  /** Relative to the environment's extraManifests folder. */
  readonly name: string;
  readonly objects: readonly Record<string, unknown>[];
}

/** A patch of the spec, resolved: which environments, which objects, what operation. */
export interface PatchModel {
  /** `patches[i]`, with its line when the spec was read from a file: how messages name it. */
  readonly where: string;
  readonly environments: readonly string[];
  readonly target: { readonly kind: string; readonly name: string; readonly namespace?: string; readonly apiVersion?: string };
  readonly merge?: Readonly<Record<string, unknown>>;
  readonly ops?: readonly { readonly op: string; readonly path: string; readonly value?: unknown; readonly from?: string }[];
  readonly reason?: string;
}

export interface ExternalEndpoint {
  readonly host: string;
  readonly port: number;
  readonly protocol: 'TLS' | 'HTTPS' | 'TCP';
  /** Addresses it resolves to (a managed store's `cidrs`): NetworkPolicy egress and the ServiceEntry's addresses; absent = any public address. */
  readonly cidrs?: readonly string[];
}

/** A managed store's endpoints as egress: each host on its port, opened to its addresses. */
export function managedEgress(x: ExternalStoreModel): ExternalEndpoint[] {
  return x.hosts.map((host) => ({ host, port: x.port, protocol: x.protocol, cidrs: x.cidrs }));
}

export interface CanaryModel {
  /** Name of the canary Deployment and its `app.kubernetes.io/instance`: `<service>-canary`. */
  readonly name: string;
  readonly image: string;
  /** Image tag (or digest) of the canary, for its `app.kubernetes.io/version`. */
  readonly version: string;
  /** Percentage (1–99) of the requests routed to the canary (100 in the spec is promotion: no canary track). */
  readonly weight: number;
  readonly replicas: number;
}

export interface StoreModel {
  readonly kind: DataStoreName;
  readonly version: string;
  /** The version whose data the claims were migrated from (acknowledges a data format change). */
  readonly upgradedFrom?: string;
  /** Where `version` is set in the spec (messages): the environment's own version, or the store's. */
  readonly versionPath: string;
  readonly tier: Tier;
  readonly resources: ResourcePreset;
  readonly replicas: number;
  readonly storage: string;
  readonly storageClass?: string;
  readonly namespace: string;
  /** Services whose `dependsOn` names this store, sorted (Kafka's clients for ZooKeeper are the brokers). */
  readonly clients: readonly string[];
  /** Where and how often this store is backed up; absent when the environment has no `backups` or the store kind is not backed up (Kafka, ZooKeeper). */
  readonly backup?: StoreBackupModel;
}


export interface StoreBackupModel {
  readonly objectStore: NonNullable<EnvironmentSpec['backups']>['objectStore'];
  /** Key prefix in the bucket, unique per platform, environment and store: `/<platform>/<env>/<store>`. */
  readonly prefix: string;
  readonly retentionDays: number;
  /** PostgreSQL: a full base backup when the newest is this old; Redis: a snapshot this often. */
  readonly everyHours: number;
  /** PostgreSQL: the point in time an empty primary is restored to (absent = the end of the archive). */
  readonly restoreTo?: string;
}

export interface TopicModel {
  readonly name: string;
  readonly producers: readonly string[];
  readonly consumers: readonly string[];
}

export interface TelemetryEndpoint {
  readonly namespace: string;
  /** Name of the OpenTelemetryCollector resource; the operator names its Service `<name>-collector`. */
  readonly collectorName: string;
  readonly service: string;
  readonly otlpGrpcPort: number;
  readonly otlpHttpPort: number;
  /** Labels the operator puts on collector pods. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/**
 * A peer's service a service of `spec` calls in `envName`, or why it cannot be granted; undefined when the
 * peers were not read (`unresolved`: this spec is being read as another's peer).
 */
function peerService(
  spec: PlatformSpec,
  envName: string,
  clusters: readonly ClusterModel[],
  ref: { readonly platform: string; readonly service: string },
  peers: PlatformSources['peers'],
): PeerService | string | undefined {
  if (peers === 'unresolved') return undefined;
  const peer = peers?.get(ref.platform);
  if (!peer) return `the peer ${ref.platform} was not read: loadPlatform reads each peer's spec (peers[].spec)`;
  if (!peer.peers.includes(spec.name)) return `${ref.platform} does not list '${spec.name}' in its peers, so its policies deny this call: add { name: ${spec.name}, spec: <this spec's path from the spec of ${ref.platform}> } to the peers of ${ref.platform}`;
  const penv = peer.environments.find((e) => e.name === envName);
  if (!penv) return `${ref.platform} has no environment '${envName}': a call across specs stays in its environment (${envName} calls ${envName})${suggestion(envName, peer.environments.map((e) => e.name))}`;
  const service = penv.serviceIndex.get(ref.service);
  if (!service) return `${ref.platform} has no service '${ref.service}'${suggestion(ref.service, penv.services.map((x) => x.name))}`;
  const ours = new Set(clusters.map((c) => c.server));
  if (!penv.clusters.some((c) => ours.has(c.server))) return `${envName} of ${ref.platform} runs on other clusters (${penv.clusters.map((c) => c.server).join(', ')}): a call across specs is granted within one cluster`;
  return { platform: ref.platform, env: penv, service };
}

/** The peers' services that call `<platform>/<service>` in `envName`, sorted by peer and name. */
function peerCallersOf(platform: string, envName: string, service: string, peers: PlatformSources['peers']): PeerService[] {
  if (!peers || peers === 'unresolved') return [];
  return [...peers]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([name, peer]) => {
      const penv = peer.environments.find((e) => e.name === envName);
      if (!penv) return [];
      return penv.services
        .filter((x) => x.dependsOn.peers.some((r) => r.platform === platform && r.service === service))
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .map((x) => ({ platform: name, env: penv, service: x }));
    });
}

/** Who calls whom, once per platform. */
export interface DependencyGraph {
  callersOf(name: string): readonly string[];
  /** Every edge caller → callee (services and stores), in spec order. */
  readonly edges: readonly { readonly from: string; readonly to: string }[];
}

function buildGraph(services: readonly ServiceSpec[]): DependencyGraph {
  const callers = new Map<string, string[]>();
  const edges: { from: string; to: string }[] = [];
  for (const s of services) {
    for (const dep of new Set(s.dependsOn)) {
      edges.push({ from: s.name, to: dep });
      const list = callers.get(dep) ?? [];
      list.push(s.name);
      callers.set(dep, list);
    }
  }
  for (const list of callers.values()) list.sort();
  const empty: readonly string[] = [];
  return { edges, callersOf: (name) => callers.get(name) ?? empty };
}

function imageVersion(image: string): string {
  const at = image.indexOf('@sha256:');
  if (at >= 0) return image.slice(at + 8, at + 8 + 12);
  return image.slice(image.lastIndexOf(':') + 1);
}

type ServiceOverride = ServiceSpec['environments'][string];

/**
 * Replicas and autoscaling of a service in one environment: the most specific level that says
 * anything decides — the service's override for this environment, then the service, then the
 * environment. A level that sets `replicas` without `autoscaling` means a fixed count there (a
 * singleton in prod while the others autoscale); `autoscaling: false` turns autoscaling off and
 * keeps the most specific `replicas`.
 */
export function scalingOf(env: EnvironmentSpec, s: ServiceSpec, o: ServiceOverride): { replicas: number; autoscaling?: AutoscalingModel } {
  const levels = [o, s, { replicas: env.replicas, autoscaling: env.autoscaling }];
  const fixed = levels.find((l) => l.replicas !== undefined)!.replicas!;
  for (const l of levels) {
    if (l.autoscaling === false) return { replicas: fixed };
    if (l.autoscaling) {
      const a = l.autoscaling;
      const bounds: AutoscalingModel = {
        minReplicas: a.minReplicas,
        maxReplicas: a.maxReplicas,
        targetCPUUtilization: a.targetCPUUtilization,
        ...(a.targetMemoryUtilization !== undefined ? { targetMemoryUtilization: a.targetMemoryUtilization } : {}),
      };
      return { replicas: a.minReplicas, autoscaling: bounds };
    }
    if (l.replicas !== undefined) return { replicas: l.replicas };
  }
  return { replicas: fixed };
}

/** An init container or sidecar of a service: its tier (or the environment's forced one). */
function extraContainer(c: ServiceSpec['initContainers'][number], forcedTier: Tier | undefined): ExtraContainerModel {
  return {
    name: c.name,
    ...(c.image ? { image: c.image } : {}),
    ...(c.command ? { command: c.command } : {}),
    ...(c.args ? { args: c.args } : {}),
    env: c.env,
    resources: TIER_RESOURCES[forcedTier ?? c.tier],
    mounts: c.mounts,
  };
}

const isStore = (d: string): d is DataStoreName => (DEPENDABLE_STORES as readonly string[]).includes(d);

/** What a platform is rendered from besides its spec: files kept next to it. */
export interface PlatformSources {
  /** SealedSecrets per environment (platform/sealed-secrets.ts reads and checks them). */
  readonly sealedSecrets?: Readonly<Record<string, readonly SealedSecretFile[]>>;
  /** Extra manifests per environment (platform/extra-manifests.ts). */
  readonly extraManifests?: Readonly<Record<string, readonly ExtraManifestFile[]>>;
  /** How messages name each patch (`patches[0] (line 12, column 5)`); @default `patches[i]` */
  readonly patchNames?: readonly string[];
  /**
   * The models of `peers:` by name (loadPlatform reads their specs), or `unresolved` for a spec read as
   * someone's peer (its own calls across specs are not resolved then). A spec whose services call a peer
   * needs its model. @default none
   */
  readonly peers?: ReadonlyMap<string, PlatformModel> | 'unresolved';
}

export function resolvePlatform(spec: PlatformSpec, sources: PlatformSources = {}): PlatformModel {
  const graph = buildGraph(spec.services);
  const environments = Object.keys(spec.environments)
    .map((envName) => resolveEnvironment(spec, envName, graph, sources));
  const envNames = Object.keys(spec.environments);
  const patches = spec.patches.map((p, i): PatchModel => ({
    where: sources.patchNames?.[i] ?? `patches[${i}]`,
    environments: p.environments ?? envNames,
    target: p.target,
    ...(p.merge ? { merge: p.merge } : {}),
    ...(p.ops ? { ops: p.ops } : {}),
    ...(p.reason ? { reason: p.reason } : {}),
  }));
  const teams = Object.entries(spec.teams)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, t]): TeamModel => ({ name, ...(t.description ? { description: t.description } : {}), groups: [...t.groups], access: { ...t.access } }));
  return { name: spec.name, version: spec.version, gitops: spec.gitops, cluster: spec.cluster, environments, addons: resolveAddons(spec.gitops.addons), patches, teams, peers: spec.peers.map((p) => p.name) };
}

function resolveEnvironment(spec: PlatformSpec, envName: string, graph: DependencyGraph, sources: PlatformSources): EnvironmentModel {
  const env = spec.environments[envName]!;
  const namespace = env.namespace;
  const dataNamespace = env.dataNamespace ?? env.namespace;
  const telemetry: TelemetryEndpoint = {
    namespace,
    collectorName: 'otel',
    service: 'otel-collector',
    otlpGrpcPort: 4317,
    otlpHttpPort: 4318,
    podLabels: { 'app.kubernetes.io/component': 'opentelemetry-collector', 'app.kubernetes.io/name': 'otel-collector' },
  };
  const byName = new Map(spec.services.map((s) => [s.name, s]));
  const externalStores = DATA_STORES.flatMap((kind): ExternalStoreModel[] => {
    const ext = spec.dataStores[kind]?.environments[envName]?.external;
    if (!ext) return [];
    const managed = STORE_CATALOGUE[kind].managed!;
    const hosts = ext.brokers ?? [ext.host!];
    return [
      {
        kind,
        host: hosts[0]!,
        hosts,
        port: ext.port ?? managed.defaultPort,
        protocol: managed.protocol,
        version: spec.dataStores[kind]!.version,
        ...(managed.saslMechanisms ? { sasl: ext.sasl ?? managed.saslMechanisms[0]! } : {}),
        secretName: ext.secretName,
        cidrs: [...ext.cidrs],
        clients: graph.callersOf(kind),
      },
    ];
  });
  const externalOf = new Map(externalStores.map((x) => [x.kind, x]));

  const clusters: ClusterModel[] = env.clusters
    ? env.clusters.map((c) => ({ name: c.name, server: c.server, ...(c.region ? { region: c.region } : {}) }))
    : [{ name: env.cluster.name, server: env.cluster.server }];
  // Calls across specs that cannot be granted (no such peer service, environment or cluster): all of them at once.
  const peerProblems: string[] = [];
  const services = spec.services.map((s): ServiceModel => {
    const o = s.environments[envName] ?? {};
    const tier = o.tier ?? env.resourceTier ?? s.tier;
    const { replicas, autoscaling } = scalingOf(env, s, o);
    const declaredCanary = o.canary === false ? undefined : (o.canary ?? s.canary);
    // Weight 100 is promotion: the stable track runs the canary's image, and there is no canary track.
    const promoted = declaredCanary?.weight === 100;
    const canarySpec = promoted ? undefined : declaredCanary;
    const blueGreen = blueGreenOf(s, o, replicas);
    const image = blueGreen ? blueGreen.active.image : promoted ? declaredCanary.image : (o.image ?? s.image)!;
    const routeSpec = o.route === false ? undefined : (o.route ?? s.route);
    const deps = [...new Set(s.dependsOn)];
    const depServices = deps.filter((d) => byName.has(d));
    const depStores = deps.filter(isStore);
    const peerRefs = deps.flatMap((d) => peerRef(d) ?? []);
    const peerCalls = peerRefs.flatMap((ref) => {
      const found = peerService(spec, envName, clusters, ref, sources.peers);
      if (typeof found === 'string') {
        peerProblems.push(`services.${spec.services.indexOf(s)}.dependsOn.${s.dependsOn.indexOf(`${ref.platform}/${ref.service}`)}: ${found}`);
        return [];
      }
      return found ? [found] : [];
    });
    const config: Record<string, string> = {
      ...s.env,
      ...o.env,
      ...platformConfig({
        platform: spec.name,
        environment: envName,
        service: s,
        calls: [
          ...depServices.map((d) => ({ name: d, port: byName.get(d)!.port })),
          ...peerCalls.map((p) => ({ platform: p.platform, name: p.service.name, port: p.service.port, namespace: p.service.namespace })),
        ],
        stores: depStores,
        external: externalOf,
        namespace,
        dataNamespace,
        telemetry,
      }),
    };
    return {
      name: s.name,
      runtime: s.runtime,
      image,
      version: imageVersion(image),
      port: s.port,
      metrics: { path: s.metrics.path, port: s.metrics.port ?? s.port },
      slo: { latencyP95Ms: s.slo.latencyP95Ms, errorRatePercent: s.slo.errorRatePercent },
      health: { readiness: s.health.readiness, liveness: s.health.liveness, startup: s.health.startup ?? s.health.liveness },
      tier,
      resources: TIER_RESOURCES[tier],
      replicas,
      ...(autoscaling ? { autoscaling } : {}),
      scaler: !autoscaling ? 'fixed' : s.scaleOn === 'kafka-lag' ? 'keda' : 'hpa',
      kafkaLagThreshold: s.kafkaLagThreshold,
      vpa: o.vpa ?? s.vpa,
      timeout: s.timeout,
      retries: s.retries,
      maxReplicas: autoscaling ? autoscaling.maxReplicas : replicas,
      ...(routeSpec ? { route: { path: routeSpec.path, host: routeSpec.host ?? env.host! } } : {}),
      dependsOn: { services: depServices, stores: depStores, peers: peerRefs },
      peerCalls,
      peerCallers: peerCallersOf(spec.name, envName, s.name, sources.peers),
      storeSecrets: Object.assign({}, ...depStores.map((k) => storeClientSecrets(k, externalOf.get(k)))),
      callers: graph.callersOf(s.name),
      produces: s.produces,
      consumes: s.consumes,
      config,
      initContainers: s.initContainers.map((c) => extraContainer(c, env.resourceTier)),
      sidecars: s.sidecars.map((c) => extraContainer(c, env.resourceTier)),
      volumes: s.volumes,
      cronJobs: s.cronJobs.map((c) => ({
        name: `${s.name}-${c.name}`,
        job: c.name,
        schedule: c.schedule,
        timeZone: c.timeZone,
        image: c.image ?? image,
        version: imageVersion(c.image ?? image),
        command: c.command,
        ...(c.args ? { args: c.args } : {}),
        resources: TIER_RESOURCES[env.resourceTier ?? c.tier],
        activeDeadlineSeconds: c.activeDeadlineSeconds,
      })),
      annotations: s.annotations,
      podAnnotations: s.podAnnotations,
      secrets: s.secrets.map((x): ServiceSecret =>
        x.env !== undefined ? { secret: x.secret, env: x.env, key: x.key!, optional: x.optional } : { secret: x.secret, mount: x.mount!, ...(x.items ? { items: x.items } : {}), optional: x.optional },
      ),
      shutdown: s.shutdown,
      namespace,
      // A managed store's endpoint is egress like any external host (ServiceEntry, Sidecar, NetworkPolicy).
      egress: [...s.egress, ...depStores.flatMap((k) => { const x = externalOf.get(k); return x ? managedEgress(x) : []; })],
      ...(canarySpec
        ? { canary: { name: `${s.name}${CANARY_SUFFIX}`, image: canarySpec.image, version: imageVersion(canarySpec.image), weight: canarySpec.weight, replicas: canarySpec.replicas } }
        : {}),
      ...(blueGreen ? { blueGreen } : {}),
    };
  });

  if (peerProblems.length) throw new SpecError('platform spec', peerProblems);

  // A VPA that sets requests and an HPA that scales on their utilisation would chase each other.
  const vpaFights = services.filter((s) => s.vpa === 'auto' && s.scaler === 'hpa');
  if (vpaFights.length) {
    throw new SpecError(
      'platform spec',
      vpaFights.map(
        (s) =>
          `services[${s.name}].vpa: auto in ${envName}, where a CPU/memory HorizontalPodAutoscaler scales ${s.name}: VPA would change the requests the HPA's utilisation is measured against, and each would undo the other. ` +
          `Use recommend (recommendations only) there (services[${s.name}].environments.${envName}.vpa), or scale it without the CPU HPA (fixed replicas, or scaleOn: kafka-lag)`,
      ),
    );
  }

  // Stores with a fixed number of connections (PostgreSQL): every client pod that can run at once, at its fixed pool, must fit.
  for (const kind of DATA_STORES) {
    const budget = STORE_CATALOGUE[kind].connectionBudget;
    // A managed store's connections are the provider's to size (its max_connections is not ours).
    if (!budget || !spec.dataStores[kind] || externalOf.has(kind)) continue;
    const clients = services.filter((s) => s.dependsOn.stores.includes(kind));
    // Scheduled tasks run one pod at a time each (concurrencyPolicy Forbid).
    const pods = clients.reduce((n, s) => n + withSurge(s.maxReplicas) + (s.canary ? withSurge(s.canary.replicas) : 0) + (s.blueGreen ? withSurge(s.blueGreen.idleReplicas) : 0) + s.cronJobs.length, 0);
    if (pods * budget.perPod > budget.available) {
      const title = STORE_CATALOGUE[kind].title;
      throw new SpecError('platform spec', [
        `environments.${envName}: the ${title} clients (${clients.map((s) => s.name).join(', ')}) can run ${pods} pods at once (max replicas plus rolling-update surge, canaries, idle blue-green colours and scheduled tasks included); ` +
          `at ${budget.perPod} connections each that is ${pods * budget.perPod}, more than the ${budget.available} ${title} has for them (${budget.why}): lower their maxReplicas (environments.${envName}.autoscaling.maxReplicas or replicas, or a service's own autoscaling or environments.${envName} override)`,
      ]);
    }
  }

  const stores = DATA_STORES.flatMap((kind): StoreModel[] => {
    const store = spec.dataStores[kind];
    if (!store) return [];
    const perEnv = store.environments[envName];
    // Run by a provider in this environment: nothing of it is rendered here (externalStores). Absent: a store
    // only other stores use, none of which runs in the cluster here (ZooKeeper where Kafka is managed).
    if (!perEnv || perEnv.external) return [];
    const catalogue = STORE_CATALOGUE[kind];
    // Services that name it in dependsOn, or (ZooKeeper) the stores whose pods are its clients.
    const clients = catalogue.dependable ? graph.callersOf(kind) : [...(catalogue.clientStores ?? [])];
    return [
      {
        kind,
        version: perEnv.version ?? store.version,
        ...(perEnv.upgradedFrom ? { upgradedFrom: perEnv.upgradedFrom } : {}),
        versionPath: perEnv.version ? `dataStores.${kind}.environments.${envName}.version` : `dataStores.${kind}.version`,
        tier: perEnv.tier ?? store.tier,
        resources: TIER_RESOURCES[perEnv.tier ?? store.tier],
        replicas: perEnv.replicas!,
        storage: perEnv.storage!,
        ...(perEnv.storageClass ? { storageClass: perEnv.storageClass } : {}),
        namespace: dataNamespace,
        clients,
        ...(env.backups && catalogue.backup !== 'none'
          ? {
              backup: {
                objectStore: env.backups.objectStore,
                prefix: `/${spec.name}/${envName}/${kind}`,
                retentionDays: env.backups.retentionDays,
                everyHours: backupEveryHours(env.backups, kind),
                ...(perEnv.restoreTo ? { restoreTo: perEnv.restoreTo } : {}),
              },
            }
          : {}),
      },
    ];
  });

  const topicMap = new Map<string, { producers: string[]; consumers: string[] }>();
  const topic = (name: string) => topicMap.get(name) ?? topicMap.set(name, { producers: [], consumers: [] }).get(name)!;
  for (const s of spec.services) {
    for (const t of new Set(s.produces)) topic(t).producers.push(s.name);
    for (const t of new Set(s.consumes)) topic(t).consumers.push(s.name);
  }
  const topics = [...topicMap.keys()].sort().map((name) => ({ name, ...topicMap.get(name)! }));

  return {
    platform: spec.name,
    version: spec.version,
    telemetry,
    name: envName,
    namespace,
    dataNamespace,
    namespaces: [...new Set([namespace, dataNamespace])],
    zones: env.zones,
    cluster: env.cluster,
    clusters,
    ...(env.host ? { host: env.host } : {}),
    ...(env.rateLimit ? { rateLimit: { requestsPerSecond: env.rateLimit.requestsPerSecond, burst: env.rateLimit.burst ?? env.rateLimit.requestsPerSecond } } : {}),
    services,
    serviceIndex: new Map(services.map((s) => [s.name, s])),
    stores,
    topics,
    graph,
    addons: spec.cluster,
    tracingSampling: env.tracingSampling ?? (envName === 'dev' ? 100 : 10),
    certificateIssuer: env.certificateIssuer,
    providedSecrets: env.providedSecrets,
    sealedSecrets: sources.sealedSecrets?.[envName] ?? [],
    extraManifests: sources.extraManifests?.[envName] ?? [],
    externalStores,
    access: Object.keys(spec.teams)
      .sort()
      .flatMap((team): TeamAccess[] => {
        const t = spec.teams[team]!;
        const level = t.access[envName];
        return level ? [{ team, ...(t.description ? { description: t.description } : {}), groups: [...t.groups], level }] : [];
      }),
  };
}

/** How often `kind` is backed up in an environment, in hours (its catalogue entry names the spec's key under `backups.<kind>`). */
function backupEveryHours(backups: NonNullable<EnvironmentSpec['backups']>, kind: DataStoreName): number {
  const interval = STORE_CATALOGUE[kind].backupInterval;
  if (!interval) throw new Error(`${kind} is backed up but its catalogue entry has no backupInterval`);
  return (backups as unknown as Record<string, Record<string, number>>)[kind]![interval.key]!;
}

/** A blue-green service's colours in one environment: the environment's fields over the service's. */
function blueGreenOf(s: PlatformSpec['services'][number], o: NonNullable<PlatformSpec['services'][number]['environments'][string]>, floor: number): BlueGreenModel | undefined {
  if (!s.blueGreen) return undefined;
  const bg = { ...s.blueGreen, ...Object.fromEntries(Object.entries(o.blueGreen ?? {}).filter(([, v]) => v !== undefined)) } as NonNullable<PlatformSpec['services'][number]['blueGreen']>;
  const colour = (c: 'blue' | 'green'): ColourModel => ({ colour: c, name: `${s.name}-${c}`, image: bg[c], version: imageVersion(bg[c]) });
  return { active: colour(bg.active), idle: colour(bg.active === 'blue' ? 'green' : 'blue'), idleReplicas: bg.idle === 'warm' ? floor : 0, preview: `${s.name}-preview` };
}
