import type { ApplicationSpecIgnoreDifferences, ApplicationSpecSyncPolicy } from '../imports/argocd-application-argoproj.io';
import type { Identity } from '../blocks/meta';
import type { ClusterModel, PlatformModel } from '../platform/model';

/** Where everything Argo CD reads lives inside the rendered tree. */
export const ARGOCD_DIR = 'argocd';
/** The directory the root app-of-apps syncs (projects, add-ons, environments). */
export const ARGOCD_APPS_DIR = `${ARGOCD_DIR}/apps`;

/** The in-cluster API server as Argo CD names it (where Argo CD itself runs). */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

/** Label on every Argo CD object and generated Application: which environment it deploys. */
export const ENVIRONMENT_LABEL = 'platform.example.com/environment';
export const CLUSTER_LABEL = 'platform.example.com/cluster';
export const REGION_LABEL = 'platform.example.com/region';

export function argoIdentity(model: Pick<PlatformModel, 'name' | 'version'>, instance: string, component: string): Identity {
  return { name: model.name, instance, component, partOf: model.name, version: model.version };
}

/** One AppProject per environment, so an environment's Application can only write into that environment. */
export const projectName = (model: Pick<PlatformModel, 'name'>, env: string) => `${model.name}-${env}`;
/** The project and Application of the cluster-wide access roles (dist/access/). */
export const accessProjectName = (model: Pick<PlatformModel, 'name'>) => `${model.name}-access`;
export const addonsProjectName = (model: Pick<PlatformModel, 'name'>) => `${model.name}-addons`;
export const rootAppName = (model: Pick<PlatformModel, 'name'>) => `${model.name}-root`;
export const environmentAppName = (model: Pick<PlatformModel, 'name'>, env: string) => `${model.name}-${env}`;

/**
 * Retries with exponential backoff (10s, 20s, 40s… capped at 5m): a sync that
 * races a CRD or webhook coming up heals itself instead of staying failed.
 */
export const RETRY: NonNullable<ApplicationSpecSyncPolicy['retry']> = {
  limit: 10,
  backoff: { duration: '10s', factor: 2, maxDuration: '5m' },
};

/**
 * CA bundles that controllers inject after apply (cert-manager's cainjector,
 * istiod, KEDA's certificate rotation): never drift.
 */
export const INJECTED_CA_BUNDLES: readonly ApplicationSpecIgnoreDifferences[] = [
  { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
  { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', jqPathExpressions: ['.spec.conversion.webhook.clientConfig.caBundle'] },
  { group: 'apiregistration.k8s.io', kind: 'APIService', jsonPointers: ['/spec/caBundle'] },
];

/** Every distinct cluster (by API server) any environment deploys to, in spec order. */
export function platformClusters(model: Pick<PlatformModel, 'environments'>): ClusterModel[] {
  const byServer = new Map<string, ClusterModel>();
  for (const env of model.environments) for (const c of env.clusters) if (!byServer.has(c.server)) byServer.set(c.server, c);
  return [...byServer.values()];
}
