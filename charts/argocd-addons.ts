import { tracingExtensionProvider } from '../blocks/instrumentation';
import type { Construct } from 'constructs';
import { Application, type ApplicationSpecIgnoreDifferences } from '../imports/argocd-application-argoproj.io';
import { ADDON_CHARTS, type AddonChart } from '../catalogue/addons';
import { meta } from '../blocks/meta';
import { APP_WAVE } from '../blocks/waves';
import type { ClusterModel, PlatformModel } from '../platform/model';
import { addonsProjectName, ARGOCD_APPS_DIR, argoIdentity, CLUSTER_LABEL, INJECTED_CA_BUNDLES, RETRY } from './argocd-common';
import { PlatformChart } from './platform-chart';

/** Namespace of cert-manager and of KEDA (upstream defaults). */
export const CERT_MANAGER_NAMESPACE = 'cert-manager';
export const KEDA_NAMESPACE = 'keda';
/** kubeseal looks for the controller `sealed-secrets-controller` in kube-system by default. */
export const SEALED_SECRETS_NAMESPACE = 'kube-system';
/** metrics-server's upstream namespace (its APIService points there). */
export const METRICS_SERVER_NAMESPACE = 'kube-system';
/** The Vertical Pod Autoscaler's components (the upstream chart's documented namespace). */
export const VPA_NAMESPACE = 'kube-system';

/** A Helm values tree (JSON-compatible). */
export type HelmValue = string | number | boolean | null | readonly HelmValue[] | { readonly [key: string]: HelmValue };
export type HelmValues = { readonly [key: string]: HelmValue };

/** Where each add-on chart is installed. */
export function addonNamespace(model: Pick<PlatformModel, 'cluster'>, chart: AddonChart): string {
  switch (chart.addon) {
    case 'istio':
      return chart.id === 'istio-ingress' ? model.cluster.ingressGateway.namespace : model.cluster.meshNamespace;
    case 'certManager':
      return CERT_MANAGER_NAMESPACE;
    case 'opentelemetryOperator':
    case 'jaeger':
      return model.cluster.telemetryNamespace;
    case 'kubePrometheusStack':
      return model.cluster.monitoringNamespace;
    case 'keda':
      return KEDA_NAMESPACE;
    case 'sealedSecrets':
      return SEALED_SECRETS_NAMESPACE;
    case 'metricsServer':
      return METRICS_SERVER_NAMESPACE;
    case 'verticalPodAutoscaler':
      return VPA_NAMESPACE;
  }
}

/** Every namespace the add-ons' project may deploy to (kube-system too: kube-prometheus-stack puts its kubelet Service there). */
export function addonDestinationNamespaces(model: Pick<PlatformModel, 'cluster'>): string[] {
  return [...new Set([...ADDON_CHARTS.map((c) => addonNamespace(model, c)), 'kube-system'])].sort();
}

/**
 * Helm values per chart: only what the platform relies on, everything else is
 * the chart's default.
 */
export function addonValues(chart: AddonChart, model: Pick<PlatformModel, 'environments' | 'cluster'>, cluster: ClusterModel): HelmValues | undefined {
  // Istio's platform-specific settings (CNI binary paths, GKE's quota for system-node-critical pods…).
  const istioPlatform: HelmValues = model.cluster.kubernetesPlatform ? { global: { platform: model.cluster.kubernetesPlatform } } : {};
  switch (chart.id) {
    case 'istio-cni':
      return model.cluster.kubernetesPlatform ? istioPlatform : undefined;
    case 'istiod':
      return {
        ...istioPlatform,
        // Sidecar injection without the privileged istio-init container (the istio-cni add-on does its job).
        pilot: { cni: { enabled: true } },
        meshConfig: {
          // Metrics merging (Istio's default, pinned: Prometheus, outside the mesh, scrapes only the pods' merged
          // metrics on 15020; the injector turns each pod's prometheus.io annotations into istio-agent's target).
          enablePrometheusMerge: true,
          // One tracing provider per environment on this cluster: its Istio Telemetry resource sends spans to
          // the environment's own OpenTelemetry collector (charts/telemetry.ts).
          extensionProviders: model.environments
            .filter((env) => env.clusters.some((c) => c.name === cluster.name))
            .map((env) => tracingExtensionProvider(env)),
        },
      };
    case 'keda':
      // KEDA reads consumer lag from Kafka, which only admits mTLS peers (STRICT PeerAuthentication): the
      // operator needs a sidecar even though its namespace is not injected.
      return { podLabels: { keda: { 'sidecar.istio.io/inject': 'true' } } };
    case 'cert-manager':
      // The chart installs its CRDs only when asked (`installCRDs` is the deprecated spelling).
      return { crds: { enabled: true, keep: true } };
    case 'opentelemetry-operator':
      return {
        // The chart has no default collector image; the k8s distribution is the one built for the operator.
        manager: { collectorImage: { repository: 'otel/opentelemetry-collector-k8s' } },
        // Webhook certificates from cert-manager (installed one wave earlier).
        admissionWebhooks: { certManager: { enabled: true } },
      };
    case 'kube-prometheus-stack':
      return {
        prometheus: {
          prometheusSpec: {
            // Select every ServiceMonitor/PodMonitor/PrometheusRule in the cluster, not only the
            // ones labelled with this Helm release: the platform's monitors carry no release label.
            serviceMonitorSelectorNilUsesHelmValues: false,
            podMonitorSelectorNilUsesHelmValues: false,
            ruleSelectorNilUsesHelmValues: false,
            probeSelectorNilUsesHelmValues: false,
          },
        },
        grafana: {
          sidecar: {
            // Dashboards are ConfigMaps labelled grafana_dashboard=1 in any namespace — ConfigMaps only (the chart's
            // default is both): `edit` writes Secrets, and the admission guardrail dashboards-from-git checks ConfigMaps.
            dashboards: { enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: 'ALL', resource: 'configmap' },
            datasources: { enabled: true },
          },
        },
      };
    case 'sealed-secrets':
      return { fullnameOverride: 'sealed-secrets-controller' };
    default:
      return undefined;
  }
}

/** Fields the add-ons' own controllers rewrite after install. */
function addonIgnoreDifferences(chart: AddonChart): ApplicationSpecIgnoreDifferences[] {
  if (chart.addon !== 'istio') return [...INJECTED_CA_BUNDLES];
  // istiod also patches its validating webhook's failurePolicy to Fail once it serves.
  return INJECTED_CA_BUNDLES.map((d) =>
    d.kind === 'ValidatingWebhookConfiguration' ? { ...d, jqPathExpressions: [...(d.jqPathExpressions ?? []), '.webhooks[]?.failurePolicy'] } : d,
  );
}

/** Sync wave of an add-on chart in the root app: stage 0 → -3, 1 → -2, 2 → -1 (APP_WAVE.addons). */
export function addonWave(chart: AddonChart): number {
  return APP_WAVE.addons - (2 - chart.stage);
}

/**
 * Helm release name. The gateway chart labels its pods `app: <release>`, which
 * the services' NetworkPolicies admit (blocks/network.ts gatewayPeer), so the
 * release is named after `cluster.ingressGateway.name`.
 */
export function addonReleaseName(model: Pick<PlatformModel, 'cluster'>, chart: AddonChart): string {
  if (chart.id === 'istio-ingress') return model.cluster.ingressGateway.name;
  return chart.releaseName ?? chart.id;
}

export const addonAppName = (chart: AddonChart, cluster: ClusterModel) => `${chart.id}-${cluster.name}`;

export interface AddonsProps {
  /** The whole resolved platform. */
  readonly model: PlatformModel;
  /** The cluster the add-ons are installed into. */
  readonly cluster: ClusterModel;
}

/**
 * The cluster add-ons of one cluster, each an Argo CD Application of its
 * upstream Helm chart at a pinned version, in sync waves before the
 * environments (CRDs and cert-manager first, the ingress gateway last).
 *
 * No resources finalizer: removing an add-on from the spec must not uninstall
 * Istio or the Prometheus CRDs (and every custom resource with them).
 */
export class AddonsChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: AddonsProps) {
    const { model, cluster } = props;
    super(scope, id, { file: `${ARGOCD_APPS_DIR}/addons/${cluster.name}.yaml` });
    for (const chart of ADDON_CHARTS) {
      const settings = model.addons[chart.addon];
      if (!settings.enabled) continue;
      const name = addonAppName(chart, cluster);
      const values = addonValues(chart, model, cluster);
      new Application(this, chart.id, {
        metadata: meta({
          name,
          namespace: model.gitops.argocdNamespace,
          id: argoIdentity(model, name, 'addon'),
          wave: addonWave(chart),
          labels: { [CLUSTER_LABEL]: cluster.name, 'platform.example.com/addon': chart.id },
        }),
        spec: {
          project: addonsProjectName(model),
          source: {
            repoUrl: chart.repoURL,
            chart: chart.chart,
            targetRevision: settings.version,
            helm: {
              releaseName: addonReleaseName(model, chart),
              ...(values ? { valuesObject: values } : {}),
            },
          },
          destination: { server: cluster.server, namespace: addonNamespace(model, chart) },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            // Large CRDs (Prometheus Operator's) exceed the client-side apply annotation limit.
            syncOptions: ['CreateNamespace=true', 'ServerSideApply=true', 'RespectIgnoreDifferences=true'],
            retry: RETRY,
          },
          ignoreDifferences: addonIgnoreDifferences(chart),
          revisionHistoryLimit: 10,
        },
      });
    }
  }
}
