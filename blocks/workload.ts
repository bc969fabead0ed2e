import { k8s } from 'cdk8s-plus-28';
import { toK8sResources, type ResourcePreset } from '../catalogue/resources';
import { containerSecurityContext, DEFAULT_UID, podSecurityContext } from './security';
import { metricsMergeAnnotations } from './meta';
import { shutdownProxyConfig } from './network';
import { sidecarAnnotations } from './quota';

/**
 * The one place a platform pod is assembled (the role Bitnami's `common`
 * templates play): every service, store, exporter and Job pod is built here,
 * so Pod Security `restricted`, the pull policy, resources from a tier
 * preset, no ServiceAccount token and no service links are stated once.
 * What differs per workload — containers, probes, volumes, placement — is
 * what it passes in.
 */

/** A container of a platform pod: everything of a Kubernetes container except what this block decides. */
export interface WorkloadContainer extends Omit<k8s.Container, 'imagePullPolicy' | 'securityContext' | 'resources'> {
  /** Requests and limits (a tier or a fixed preset). */
  readonly resources: ResourcePreset;
}

/**
 * A container as every platform pod runs it: `IfNotPresent` (images are
 * pinned), Pod Security `restricted` with a read-only root filesystem (write
 * to volumes), requests and limits from its preset.
 */
export function workloadContainer(c: WorkloadContainer): k8s.Container {
  const { resources, ...rest } = c;
  return { ...rest, imagePullPolicy: 'IfNotPresent', resources: toK8sResources(resources), securityContext: containerSecurityContext() };
}

export interface WorkloadPodProps {
  /** Its ServiceAccount (its mesh identity); the token is never mounted. */
  readonly serviceAccount: string;
  /** The image's user, which also owns mounted volumes (`fsGroup`). @default 65532 (DEFAULT_UID) */
  readonly uid?: number;
  readonly containers: readonly WorkloadContainer[];
  /** Init containers; `restartPolicy: Always` makes one a native sidecar. @default none */
  readonly initContainers?: readonly WorkloadContainer[];
  /** Volumes (scratch space for the read-only root, config, claims). @default none */
  readonly volumes?: readonly k8s.Volume[];
  /** Long-running pods: how long a stop may take. @default the cluster's (30 s) */
  readonly terminationGracePeriodSeconds?: number;
  /** Job pods: `Never` (the Job controller retries). @default none (Always) */
  readonly restartPolicy?: 'Never' | 'OnFailure';
  /** Where its pods go (blocks/scheduling.ts: zone spread, anti-affinity). @default no constraints */
  readonly placement?: Pick<k8s.PodSpec, 'affinity' | 'topologySpreadConstraints'>;
}

/** The pod spec of a platform workload. */
export function workloadPodSpec(p: WorkloadPodProps): k8s.PodSpec {
  const uid = p.uid ?? DEFAULT_UID;
  return {
    ...(p.restartPolicy ? { restartPolicy: p.restartPolicy } : {}),
    serviceAccountName: p.serviceAccount,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    ...(p.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: p.terminationGracePeriodSeconds } : {}),
    securityContext: podSecurityContext({ runAsUser: uid, fsGroup: uid }),
    ...p.placement,
    ...(p.initContainers?.length ? { initContainers: p.initContainers.map(workloadContainer) } : {}),
    containers: p.containers.map(workloadContainer),
    ...(p.volumes?.length ? { volumes: [...p.volumes] } : {}),
  };
}

export interface MeshPodOptions {
  /** The container `kubectl logs/exec` pick. @default the pod's first */
  readonly defaultContainer?: string;
  /**
   * The proxy config: `'hold'` holds the app until the proxy is up (Jobs);
   * a number also keeps the proxy through shutdown while connections last,
   * at least that many seconds (stores: 5; services: their preStop + 5).
   * @default no proxy config (the mesh's defaults)
   */
  readonly proxy?: 'hold' | number;
  /** Run the proxy as a native sidecar (an init container started first; needed when init containers use the network, or so a Job completes). @default false */
  readonly nativeSidecar?: boolean;
  /** The pod's one application metrics endpoint, merged with Envoy's on 15020. @default none */
  readonly metrics?: { readonly port: number; readonly path: string };
}

/**
 * The Istio annotations of a platform pod, in one place: the proxy's
 * resources pinned (so the quota can count it, blocks/footprint.ts), how it
 * starts and stops, and the metrics it merges.
 */
export function meshPodAnnotations(o: MeshPodOptions): Record<string, string> {
  const proxy = o.proxy === 'hold' ? { holdApplicationUntilProxyStarts: true } : o.proxy !== undefined ? shutdownProxyConfig(o.proxy) : undefined;
  return {
    ...(o.defaultContainer ? { 'kubectl.kubernetes.io/default-container': o.defaultContainer } : {}),
    ...(proxy ? { 'proxy.istio.io/config': JSON.stringify(proxy) } : {}),
    ...(o.nativeSidecar ? { 'sidecar.istio.io/nativeSidecar': 'true' } : {}),
    ...sidecarAnnotations(),
    ...(o.metrics ? metricsMergeAnnotations(o.metrics) : {}),
  };
}
