import { cpu, mem, TIER_RESOURCES } from '../catalogue/resources';

/** Resources of the Istio sidecar, pinned by pod annotations so quotas can count them. */
export const MESH_SIDECAR = { requestCpu: 50, limitCpu: 500, requestMemMi: 64, limitMemMi: 256 } as const;

/** The pod annotations that size the Istio proxy. */
export const PROXY_ANNOTATION = {
  requestCpu: 'sidecar.istio.io/proxyCPU',
  limitCpu: 'sidecar.istio.io/proxyCPULimit',
  requestMemory: 'sidecar.istio.io/proxyMemory',
  limitMemory: 'sidecar.istio.io/proxyMemoryLimit',
} as const;

export function sidecarAnnotations(): Record<string, string> {
  return {
    [PROXY_ANNOTATION.requestCpu]: `${MESH_SIDECAR.requestCpu}m`,
    [PROXY_ANNOTATION.limitCpu]: `${MESH_SIDECAR.limitCpu}m`,
    [PROXY_ANNOTATION.requestMemory]: `${MESH_SIDECAR.requestMemMi}Mi`,
    [PROXY_ANNOTATION.limitMemory]: `${MESH_SIDECAR.limitMemMi}Mi`,
  };
}

/** What the platform namespaces' LimitRange gives a container that states no requests or limits (charts/environment.ts). */
export const CONTAINER_DEFAULTS = TIER_RESOURCES.small;

/** What a group of identical pods can claim at its largest (during a rollout). */
export interface Footprint {
  pods: number;
  requestCpu: number;
  limitCpu: number;
  requestMemMi: number;
  limitMemMi: number;
  storageMi: number;
  claims: number;
}

export const EMPTY_FOOTPRINT: Footprint = { pods: 0, requestCpu: 0, limitCpu: 0, requestMemMi: 0, limitMemMi: 0, storageMi: 0, claims: 0 };

export function addFootprints(list: readonly Footprint[]): Footprint {
  return list.reduce(
    (a, f) => ({
      pods: a.pods + f.pods,
      requestCpu: a.requestCpu + f.requestCpu,
      limitCpu: a.limitCpu + f.limitCpu,
      requestMemMi: a.requestMemMi + f.requestMemMi,
      limitMemMi: a.limitMemMi + f.limitMemMi,
      storageMi: a.storageMi + f.storageMi,
      claims: a.claims + f.claims,
    }),
    EMPTY_FOOTPRINT,
  );
}

/** `10Gi` → 10240 (MiB). */
export function toMi(quantity: string): number {
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|Pi|k|M|G|T)?$/.exec(quantity);
  if (!m) throw new Error(`not a storage quantity: ${quantity}`);
  const n = Number(m[1]);
  const factor: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 ** 2, Pi: 1024 ** 3, k: 1e3 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576, T: 1e12 / 1048576 };
  return Math.ceil(n * (m[2] ? factor[m[2]]! : 1 / 1048576));
}

/** ResourceQuota `hard` for a footprint, with 20 % headroom, rounded up to friendly units. */
export function quotaHard(f: Footprint, secrets?: { readonly names: ReadonlySet<string>; readonly certificates: number }) {
  const up = (v: number, step: number) => Math.ceil((v * 1.2) / step) * step;
  return {
    // The Secrets the rendered objects read or make, cert-manager's issuing ones, 20 % and 5 more for an operator's own.
    ...(secrets ? { 'count/secrets': String(up(secrets.names.size + secrets.certificates, 1) + 5) } : {}),
    pods: String(up(f.pods, 1)),
    'requests.cpu': cpu(up(f.requestCpu, 100)),
    'limits.cpu': cpu(up(f.limitCpu, 100)),
    'requests.memory': mem(up(f.requestMemMi, 256)),
    'limits.memory': mem(up(f.limitMemMi, 256)),
    ...(f.claims > 0 ? { 'requests.storage': mem(up(f.storageMi, 1024)), persistentvolumeclaims: String(up(f.claims, 1)) } : {}),
    'services.loadbalancers': '0',
    'services.nodeports': '0',
  };
}
