/**
 * The cluster add-ons the platform needs, as upstream Helm charts with pinned
 * versions. `charts/argocd-addons.ts` renders one Argo CD Application per
 * chart and cluster; `gitops.addons.<name>` in the spec can disable an add-on
 * (managed elsewhere) or move its version.
 *
 * Where each version comes from is recorded in docs/gitops.md.
 */
export const ADDON_NAMES = ['istio', 'certManager', 'opentelemetryOperator', 'kubePrometheusStack', 'jaeger', 'keda', 'sealedSecrets', 'metricsServer', 'verticalPodAutoscaler'] as const;
export type AddonName = (typeof ADDON_NAMES)[number];

/**
 * Install order inside the add-ons (each stage is one Argo CD sync wave of the
 * root app-of-apps, all before the environments):
 * 0. CRDs and cert issuers others depend on (istio-base, cert-manager, Prometheus Operator CRDs, sealed-secrets), and
 *    metrics-server (the resource metrics API every CPU/memory HorizontalPodAutoscaler reads);
 * 1. controllers that need them (istiod, OpenTelemetry Operator's cert-manager webhook certs, KEDA, Jaeger);
 * 2. what needs a running control plane (the ingress gateway needs istiod's injector).
 */
export type AddonStage = 0 | 1 | 2;

export interface AddonChart {
  /** Application name suffix, also the Helm release name unless `releaseName` says otherwise. */
  readonly id: string;
  readonly addon: AddonName;
  readonly repoURL: string;
  readonly chart: string;
  readonly stage: AddonStage;
  /** @default id */
  readonly releaseName?: string;
}

/** Default chart version per add-on (every chart of an add-on shares it). */
export const ADDON_VERSIONS: Readonly<Record<AddonName, string>> = {
  istio: '1.30.3',
  certManager: 'v1.21.1',
  opentelemetryOperator: '0.122.0',
  kubePrometheusStack: '88.2.0',
  jaeger: '4.1.0',
  keda: '2.20.2',
  sealedSecrets: '2.18.4',
  metricsServer: '3.13.0',
  verticalPodAutoscaler: '0.11.0',
};

export const ISTIO_REPO = 'https://istio-release.storage.googleapis.com/charts';

/** Every Helm chart, in install order within a stage. */
export const ADDON_CHARTS: readonly AddonChart[] = [
  { id: 'istio-base', addon: 'istio', repoURL: ISTIO_REPO, chart: 'base', stage: 0 },
  // The CNI node agent sets up the sidecars' traffic redirection, so injected pods need no NET_ADMIN/NET_RAW
  // init container: without it Pod Security "restricted" (even "baseline") rejects every meshed pod.
  { id: 'istio-cni', addon: 'istio', repoURL: ISTIO_REPO, chart: 'cni', stage: 1 },
  { id: 'istiod', addon: 'istio', repoURL: ISTIO_REPO, chart: 'istiod', stage: 1 },
  { id: 'istio-ingress', addon: 'istio', repoURL: ISTIO_REPO, chart: 'gateway', stage: 2 },
  { id: 'cert-manager', addon: 'certManager', repoURL: 'https://charts.jetstack.io', chart: 'cert-manager', stage: 0 },
  { id: 'opentelemetry-operator', addon: 'opentelemetryOperator', repoURL: 'https://open-telemetry.github.io/opentelemetry-helm-charts', chart: 'opentelemetry-operator', stage: 1 },
  { id: 'kube-prometheus-stack', addon: 'kubePrometheusStack', repoURL: 'https://prometheus-community.github.io/helm-charts', chart: 'kube-prometheus-stack', stage: 0 },
  { id: 'jaeger', addon: 'jaeger', repoURL: 'https://jaegertracing.github.io/helm-charts', chart: 'jaeger', stage: 1 },
  { id: 'keda', addon: 'keda', repoURL: 'https://kedacore.github.io/charts', chart: 'keda', stage: 1 },
  // The resource metrics API (metrics.k8s.io): without it a CPU/memory HPA is admitted, shows Healthy in Argo CD and never scales.
  // Disable it (`gitops.addons.metricsServer.enabled: false`) where the cluster already serves that API (GKE, AKS).
  { id: 'metrics-server', addon: 'metricsServer', repoURL: 'https://kubernetes-sigs.github.io/metrics-server/', chart: 'metrics-server', stage: 0 },
  // VerticalPodAutoscaler's recommender, updater and admission controller (services' `vpa`); reads the metrics API.
  { id: 'vertical-pod-autoscaler', addon: 'verticalPodAutoscaler', repoURL: 'https://kubernetes.github.io/autoscaler', chart: 'vertical-pod-autoscaler', stage: 1 },
  { id: 'sealed-secrets', addon: 'sealedSecrets', repoURL: 'https://bitnami-labs.github.io/sealed-secrets', chart: 'sealed-secrets', stage: 0, releaseName: 'sealed-secrets-controller' },
];

/** The resolved add-on settings of a platform. */
export type AddonSettings = Readonly<Record<AddonName, { readonly enabled: boolean; readonly version: string }>>;

export function resolveAddons(spec: Partial<Record<AddonName, { enabled?: boolean; version?: string | undefined } | undefined>>): AddonSettings {
  return Object.fromEntries(
    ADDON_NAMES.map((name) => {
      const s = spec[name];
      return [name, { enabled: s?.enabled ?? true, version: s?.version ?? ADDON_VERSIONS[name] }];
    }),
  ) as Record<AddonName, { enabled: boolean; version: string }>;
}

/**
 * About how many objects one Argo CD Application manages before its status (which lists every object, in
 * one etcd object) makes its syncs fail: argoproj/argo-cd#14486 reports about 3,000; deployKF#224 measured
 * 367 kB of status for 1,700. Cited, not measured here (docs/gitops.md, "Beyond one repository").
 */
export const ARGO_CD_APPLICATION_OBJECTS = 3000;
