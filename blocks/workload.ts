import { k8s } from 'cdk8s-plus-28';
import { toK8sResources, type ResourcePreset } from '../catalogue/resources';
import { containerSecurityContext, DEFAULT_UID, podSecurityContext } from './security';

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
