import { k8s } from 'cdk8s-plus-28';

/** Resource tiers a service or store picks (`tier:` in the spec). */
export const TIERS = ['small', 'medium', 'large', 'xlarge'] as const;
export type Tier = (typeof TIERS)[number];

/** Requests and limits of one container, as Kubernetes quantities plus numbers for sums. */
export interface ResourcePreset {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
  /** millicores / MiB, for quota arithmetic. */
  readonly milli: { readonly requestCpu: number; readonly limitCpu: number; readonly requestMemMi: number; readonly limitMemMi: number };
}

export function preset(reqCpu: number, limCpu: number, reqMemMi: number, limMemMi: number): ResourcePreset {
  return {
    requests: { cpu: `${reqCpu}m`, memory: mem(reqMemMi) },
    limits: { cpu: `${limCpu}m`, memory: mem(limMemMi) },
    milli: { requestCpu: reqCpu, limitCpu: limCpu, requestMemMi: reqMemMi, limitMemMi: limMemMi },
  };
}

/** `1024` → `1Gi`, `512` → `512Mi`. */
export function mem(mi: number): string {
  return mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
}

/** `2500` → `2500m`, `3000` → `3`. */
export function cpu(milli: number): string {
  return milli % 1000 === 0 ? `${milli / 1000}` : `${milli}m`;
}

/** The resource tiers of the platform spec (requests / limits). */
export const TIER_RESOURCES: Readonly<Record<Tier, ResourcePreset>> = {
  small: preset(100, 500, 128, 512),
  medium: preset(250, 1000, 512, 1024),
  large: preset(500, 2000, 1024, 4096),
  xlarge: preset(1000, 4000, 2048, 8192),
};

/** Small fixed-size preset for sidecars (exporters, init containers). */
export const SIDECAR_RESOURCES: ResourcePreset = preset(50, 200, 64, 128);

/** Requests/limits of a preset as Kubernetes quantities, for any container. */
export function toK8sResources(preset: ResourcePreset): k8s.ResourceRequirements {
  const q = (m: { cpu: string; memory: string }) => ({ cpu: k8s.Quantity.fromString(m.cpu), memory: k8s.Quantity.fromString(m.memory) });
  return { requests: q(preset.requests), limits: q(preset.limits) };
}

/** Rolling updates of service Deployments: this many percent of the replicas may run in addition (rounded up, as Kubernetes does). */
export const MAX_SURGE_PERCENT = 25;

/** The most pods a Deployment of `replicas` runs during a rolling update. */
export const withSurge = (replicas: number) => replicas + Math.ceil((replicas * MAX_SURGE_PERCENT) / 100);
