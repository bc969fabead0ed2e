/**
 * The pinned upstream CRDs that `imports/` is generated from. `cdk8s.yaml`
 * lists the same entries as `prefix:=url` (a test keeps the two equal);
 * `blob` is the upstream git blob id, checked when importing from a local copy.
 */
export interface CrdSource {
  /** Module prefix: imports/<prefix>-<group>.ts */
  readonly prefix: string;
  readonly repo: string;
  readonly tag: string;
  readonly path: string;
  readonly blob: string;
  /** File name of the local copy in an offline directory (e.g. ../shared/crds). */
  readonly file: string;
}

export const CRD_SOURCES: readonly CrdSource[] = [
  { prefix: 'istio', repo: 'istio/istio', tag: '1.30.3', path: 'manifests/charts/base/files/crd-all.gen.yaml', blob: '7318e07ffdaca66dbbfdc4e27e93da74eabdd3a2', file: 'istio.yaml' },
  { prefix: 'otel-collector', repo: 'open-telemetry/opentelemetry-operator', tag: 'v0.158.0', path: 'config/crd/bases/opentelemetry.io_opentelemetrycollectors.yaml', blob: '817589cbf55f24fe3814510eb9d8103f56010e22', file: 'opentelemetry-collectors.yaml' },
  { prefix: 'otel-instrumentation', repo: 'open-telemetry/opentelemetry-operator', tag: 'v0.158.0', path: 'config/crd/bases/opentelemetry.io_instrumentations.yaml', blob: '933fbc5192d05da3bbca992369934aac5d889c6f', file: 'opentelemetry-instrumentations.yaml' },
  { prefix: 'prometheus-servicemonitor', repo: 'prometheus-operator/prometheus-operator', tag: 'v0.93.0', path: 'example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml', blob: 'f5736255990a0e152851fadb55f84d6fd0f91d87', file: 'monitoring.coreos.com_servicemonitors.yaml' },
  { prefix: 'prometheus-podmonitor', repo: 'prometheus-operator/prometheus-operator', tag: 'v0.93.0', path: 'example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml', blob: '5c1bde3d4a5f3131fd6c148ab933193b867173f2', file: 'monitoring.coreos.com_podmonitors.yaml' },
  { prefix: 'prometheus-rule', repo: 'prometheus-operator/prometheus-operator', tag: 'v0.93.0', path: 'example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml', blob: 'b423c3225b18489ca7bbc5091f38f7003c4bf3fc', file: 'monitoring.coreos.com_prometheusrules.yaml' },
  { prefix: 'keda', repo: 'kedacore/keda', tag: 'v2.20.2', path: 'config/crd/bases/keda.sh_scaledobjects.yaml', blob: 'f0302424ebce7f1903433910ae7a978c73ae85f3', file: 'keda-scaledobjects.yaml' },
  { prefix: 'keda-triggerauthentication', repo: 'kedacore/keda', tag: 'v2.20.2', path: 'config/crd/bases/keda.sh_triggerauthentications.yaml', blob: 'e345ac8f39d464ad6fb41d202dfd3de5e7b36911', file: 'keda-triggerauthentications.yaml' },
  { prefix: 'cert-manager-certificate', repo: 'cert-manager/cert-manager', tag: 'v1.21.1', path: 'deploy/crds/cert-manager.io_certificates.yaml', blob: '1eb46fbeed2127650fe4ec06ddc7289163f75e3b', file: 'cert-manager-certificates.yaml' },
  { prefix: 'cert-manager-issuer', repo: 'cert-manager/cert-manager', tag: 'v1.21.1', path: 'deploy/crds/cert-manager.io_issuers.yaml', blob: 'bfa8262b5628e1d8ea7cc398cf1ad321a2bedc62', file: 'cert-manager-issuers.yaml' },
  { prefix: 'cert-manager-clusterissuer', repo: 'cert-manager/cert-manager', tag: 'v1.21.1', path: 'deploy/crds/cert-manager.io_clusterissuers.yaml', blob: 'f24cab2d55ebe37a8c000d10d7f9de19636027f9', file: 'cert-manager-clusterissuers.yaml' },
  { prefix: 'sealed-secrets', repo: 'bitnami-labs/sealed-secrets', tag: 'v0.36.6', path: 'helm/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml', blob: 'a41921e47b7eb51c1e8f14e4d8dcf990f6f068aa', file: 'sealed-secrets.yaml' },
  { prefix: 'argocd-application', repo: 'argoproj/argo-cd', tag: 'v3.5.1', path: 'manifests/crds/application-crd.yaml', blob: 'd654fa27c6baa8907e7c51f060d82cd1247925d6', file: 'argocd-application-crd.yaml' },
  { prefix: 'argocd-applicationset', repo: 'argoproj/argo-cd', tag: 'v3.5.1', path: 'manifests/crds/applicationset-crd.yaml', blob: '9fda8266b0500e96b8b55b1ab5fa25ae90309b43', file: 'argocd-applicationset-crd.yaml' },
  { prefix: 'vpa', repo: 'kubernetes/autoscaler', tag: 'vertical-pod-autoscaler-1.7.1', path: 'vertical-pod-autoscaler/deploy/vpa-v1-crd-gen.yaml', blob: '1ffdae98af00a426f5c1b3bca05ca931ff6c9a34', file: 'vpa-v1-crd-gen.yaml' },
  { prefix: 'argocd-appproject', repo: 'argoproj/argo-cd', tag: 'v3.5.1', path: 'manifests/crds/appproject-crd.yaml', blob: '1cea1a4d5c90608643d513a30a51b3471a425755', file: 'argocd-appproject-crd.yaml' },
];

export function upstreamUrl(s: CrdSource): string {
  return `https://raw.githubusercontent.com/${s.repo}/${s.tag}/${s.path}`;
}
