import { k8s } from 'cdk8s-plus-28';

/**
 * Pod Security Standards "restricted" contexts, used by every workload.
 */
export interface PodSecurityOptions {
  /** @default 65532 (the conventional non-root "nonroot" user) */
  readonly runAsUser?: number;
  /** @default runAsUser */
  readonly runAsGroup?: number;
  /** Group that owns mounted volumes, so claims are writable. @default runAsGroup */
  readonly fsGroup?: number;
}

export const DEFAULT_UID = 65532;

export function podSecurityContext(o: PodSecurityOptions = {}) {
  const runAsUser = o.runAsUser ?? DEFAULT_UID;
  const runAsGroup = o.runAsGroup ?? runAsUser;
  return {
    runAsNonRoot: true,
    runAsUser,
    runAsGroup,
    fsGroup: o.fsGroup ?? runAsGroup,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function containerSecurityContext(o: { readOnlyRootFilesystem?: boolean } = {}) {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: o.readOnlyRootFilesystem ?? true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The writable scratch space a read-only root filesystem needs. */
export function tmpVolume(sizeLimit = '256Mi') {
  return {
    volume: { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString(sizeLimit) } },
    mount: { name: 'tmp', mountPath: '/tmp' },
  };
}
