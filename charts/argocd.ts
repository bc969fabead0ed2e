import type { App } from 'cdk8s';
import type { Construct } from 'constructs';
import { Application, type ApplicationSpec, type ApplicationSpecIgnoreDifferences } from '../imports/argocd-application-argoproj.io';
import { ApplicationSet } from '../imports/argocd-applicationset-argoproj.io';
import { AppProject, type AppProjectSpecDestinations, type AppProjectSpecRoles } from '../imports/argocd-appproject-argoproj.io';
import { ACCESS_LEVELS, ARGOCD_PERMISSIONS } from '../catalogue/access';
import { levelRoleName } from '../blocks/access-rules';
import { ACCESS_DIR, ACCESS_KINDS } from './access';
import { ADDON_CHARTS } from '../catalogue/addons';
import { meta, scaledDeployment } from '../blocks/meta';
import { APP_WAVE } from '../blocks/waves';
import type { EnvironmentModel, PlatformModel } from '../platform/model';
import { addonDestinationNamespaces, AddonsChart } from './argocd-addons';
import {
  addonsProjectName,
  ARGOCD_APPS_DIR,
  ARGOCD_DIR,
  argoIdentity,
  CLUSTER_LABEL,
  REGION_LABEL,
  ENVIRONMENT_LABEL,
  environmentAppName,
  IN_CLUSTER,
  INJECTED_CA_BUNDLES,
  platformClusters,
  projectName,
  accessProjectName,
  RETRY,
  rootAppName,
} from './argocd-common';
import { PlatformChart } from './platform-chart';
import { inventory, type RenderedInventory } from './inventory';

export { inventory, type EnvironmentInventory, type GroupKind, type RenderedInventory } from './inventory';

/** Sync wave of the AppProjects in the root app: before every Application that names them. */
export const PROJECT_WAVE = APP_WAVE.addons - 3;

/**
 * Everything Argo CD needs, under `dist/argocd/`: the root app-of-apps
 * (`root.yaml`, applied once by hand) and what it syncs from `apps/`: the
 * AppProjects, the add-on Applications per cluster and one Application (or,
 * for several clusters, one ApplicationSet) per environment.
 *
 * Call it after every other chart was added: the platform project's
 * whitelists and destinations are read from what the other charts render.
 */
export function addArgoCdCharts(app: App, model: PlatformModel, inv: RenderedInventory = inventory(app, model)): void {
  new ProjectsChart(app, 'argocd-projects', { model, inventory: inv });
  for (const cluster of platformClusters(model)) new AddonsChart(app, `argocd-addons-${cluster.name}`, { model, cluster });
  for (const env of model.environments) new EnvironmentAppChart(app, `argocd-env-${env.name}`, { model, env });
  if (model.teams.length) new AccessAppChart(app, 'argocd-access', { model });
  new RootAppChart(app, 'argocd-root', { model });
}

export interface ProjectsProps {
  /** The whole resolved platform. */
  readonly model: PlatformModel;
  /** Kinds and namespaces the environments render. */
  readonly inventory: RenderedInventory;
}

/**
 * One AppProject per environment plus one for the add-ons. An environment's
 * project is least-privilege: only this repo, only that environment's
 * namespaces on its clusters (so the dev Application can never write into
 * prod), only the kinds its charts actually render (a new kind must show up
 * here, in review, before it can sync). The add-ons' project allows any kind
 * (operators install CRDs, webhooks and cluster roles) but only the upstream
 * chart repositories and the add-on namespaces.
 */
export class ProjectsChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: ProjectsProps) {
    const { model, inventory: inv } = props;
    super(scope, id, { file: `${ARGOCD_APPS_DIR}/projects.yaml` });
    const ns = model.gitops.argocdNamespace;

    for (const env of model.environments) {
      const rendered = inv.get(env.name)!;
      const name = projectName(model, env.name);
      new AppProject(this, `env-${env.name}`, {
        metadata: meta({ name, namespace: ns, id: argoIdentity(model, name, 'project'), wave: PROJECT_WAVE }),
        spec: {
          description: `${model.name}: the ${env.name} environment rendered from platform.yaml`,
          sourceRepos: [model.gitops.repoURL],
          destinations: dedupe(env.clusters.flatMap((c) => rendered.namespaces.map((namespace) => ({ server: c.server, namespace })))),
          clusterResourceWhitelist: rendered.clusterKinds.map((k) => ({ group: k.group, kind: k.kind })),
          namespaceResourceWhitelist: rendered.namespacedKinds.map((k) => ({ group: k.group, kind: k.kind })),
          ...(env.access.length ? { roles: projectRoles(name, env) } : {}),
        },
      });
    }

    if (model.teams.length) {
      const access = accessProjectName(model);
      new AppProject(this, 'access', {
        metadata: meta({ name: access, namespace: ns, id: argoIdentity(model, access, 'project'), wave: PROJECT_WAVE }),
        spec: {
          description: `${model.name}: the access levels (aggregated ClusterRoles) teams are bound to in each environment, and the admission guardrails on what they write`,
          sourceRepos: [model.gitops.repoURL],
          destinations: platformClusters(model).map((c) => ({ server: c.server, namespace: ns })),
          clusterResourceWhitelist: ACCESS_KINDS.map((k) => ({ ...k })),
          // The access roles and guardrails only: no namespaced object can ride along.
          namespaceResourceBlacklist: [{ group: '*', kind: '*' }],
        },
      });
    }

    const addons = addonsProjectName(model);
    const enabled = ADDON_CHARTS.filter((c) => model.addons[c.addon].enabled);
    new AppProject(this, 'addons', {
      metadata: meta({ name: addons, namespace: ns, id: argoIdentity(model, addons, 'project'), wave: PROJECT_WAVE }),
      spec: {
        description: `${model.name}: cluster add-ons from their upstream Helm charts`,
        sourceRepos: [...new Set(enabled.map((c) => c.repoURL))].sort(),
        destinations: platformClusters(model).flatMap((c) => addonDestinationNamespaces(model).map((namespace) => ({ server: c.server, namespace }))),
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      },
    });
  }
}

function dedupe(list: AppProjectSpecDestinations[]): AppProjectSpecDestinations[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const k = `${d.server} ${d.namespace}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export interface EnvironmentAppProps {
  /** The whole resolved platform. */
  readonly model: PlatformModel;
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
}

/** Sync options of an environment's Application. */
export const ENVIRONMENT_SYNC_OPTIONS = [
  // Namespaces are rendered (with Pod Security labels); Argo CD must not invent them.
  'CreateNamespace=false',
  'ServerSideApply=true',
  // Ignored fields (autoscaled replicas, injected CA bundles) stay as the controllers set them.
  'RespectIgnoreDifferences=true',
  // Deletions after everything new is healthy.
  'PruneLast=true',
  // Never silently take over an object another Application manages.
  'FailOnSharedResource=true',
] as const;

/** The spec of an environment's Application on one cluster (`server` may be an ApplicationSet template). */
export function environmentAppSpec(model: PlatformModel, env: EnvironmentModel, server: string): ApplicationSpec {
  const autoscaled: ApplicationSpecIgnoreDifferences[] = env.services
    .filter((s) => s.scaler !== 'fixed')
    .map((s) => ({ group: 'apps', kind: 'Deployment', name: scaledDeployment(s), namespace: s.namespace, jsonPointers: ['/spec/replicas'] }));
  return {
    project: projectName(model, env.name),
    source: { repoUrl: model.gitops.repoURL, targetRevision: model.gitops.targetRevision, path: `${model.gitops.path}/${env.name}` },
    destination: { server, namespace: env.namespace },
    syncPolicy: {
      automated: { prune: true, selfHeal: true },
      syncOptions: [...ENVIRONMENT_SYNC_OPTIONS],
      retry: RETRY,
    },
    ignoreDifferences: [...autoscaled, ...INJECTED_CA_BUNDLES],
    revisionHistoryLimit: 10,
  };
}

/**
 * One environment: an Application syncing `dist/<env>` to its cluster, or,
 * when the environment lists several clusters, an ApplicationSet whose list
 * generator stamps out one such Application per cluster.
 *
 * Neither carries the resources finalizer: deleting (or renaming) an
 * Application orphans its objects instead of deleting StatefulSets and their
 * volumes; a removed object inside an Application is still pruned.
 */
export class EnvironmentAppChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: EnvironmentAppProps) {
    const { model, env } = props;
    super(scope, id, { file: `${ARGOCD_APPS_DIR}/environments/${env.name}.yaml` });
    const name = environmentAppName(model, env.name);
    const metadata = meta({
      name,
      namespace: model.gitops.argocdNamespace,
      id: argoIdentity(model, name, 'environment'),
      wave: APP_WAVE.platform,
      labels: { [ENVIRONMENT_LABEL]: env.name },
    });

    if (env.clusters.length === 1) {
      new Application(this, 'application', { metadata, spec: environmentAppSpec(model, env, env.clusters[0]!.server) });
      return;
    }
    const template = environmentAppSpec(model, env, '{{.server}}');
    new ApplicationSet(this, 'application-set', {
      metadata,
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [
          {
            list: {
              elements: env.clusters.map((c) => ({ cluster: c.name, server: c.server, region: c.region ?? '' })),
            },
          },
        ],
        // Removing a cluster from the list removes its Application, never the workloads in that cluster.
        syncPolicy: { preserveResourcesOnDeletion: true },
        template: {
          metadata: {
            name: `${name}-{{.cluster}}`,
            labels: { ...metadata.labels, [ENVIRONMENT_LABEL]: env.name, [CLUSTER_LABEL]: '{{.cluster}}', [REGION_LABEL]: '{{.region}}' },
          },
          spec: template,
        },
      },
    });
  }
}

export interface RootAppProps {
  /** The whole resolved platform. */
  readonly model: PlatformModel;
}

/**
 * The app-of-apps: the one object applied by hand
 * (`kubectl apply -n argocd -f dist/argocd/root.yaml`). It syncs
 * `dist/argocd/apps/`, so projects, add-ons and environments are GitOps-managed
 * from then on, in wave order: projects, add-ons (three stages), environments.
 */
export class RootAppChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: RootAppProps) {
    const { model } = props;
    super(scope, id, { file: `${ARGOCD_DIR}/root.yaml` });
    const name = rootAppName(model);
    new Application(this, 'root', {
      metadata: meta({ name, namespace: model.gitops.argocdNamespace, id: argoIdentity(model, name, 'app-of-apps'), wave: APP_WAVE.platform }),
      spec: {
        // The platform's projects do not exist before this app created them.
        project: 'default',
        source: {
          repoUrl: model.gitops.repoURL,
          targetRevision: model.gitops.targetRevision,
          path: `${model.gitops.path}/${ARGOCD_APPS_DIR}`,
          directory: { recurse: true },
        },
        destination: { server: IN_CLUSTER, namespace: model.gitops.argocdNamespace },
        syncPolicy: { automated: { prune: true, selfHeal: true }, retry: RETRY },
        revisionHistoryLimit: 10,
      },
    });
  }
}

/**
 * An environment's Argo CD project roles, one per team with access to it: the
 * team's groups (`groups` claim) and what its level may do to the
 * environment's Applications (catalogue/access.ts ARGOCD_PERMISSIONS).
 */
export function projectRoles(project: string, env: EnvironmentModel): AppProjectSpecRoles[] {
  return env.access.map((a) => ({
    name: a.team,
    description: `${a.level}${a.description ? `: ${a.description}` : ''}`,
    groups: [...a.groups],
    policies: ARGOCD_PERMISSIONS[a.level].map(([resource, action]) => `p, proj:${project}:${a.team}, ${resource}, ${action}, ${project}/*, allow`),
  }));
}

export interface AccessAppProps {
  /** The whole resolved platform. */
  readonly model: PlatformModel;
}

/** Sync wave of the access Applications: after the projects, before anything binds to the roles. */
export const ACCESS_APP_WAVE = PROJECT_WAVE + 1;

/**
 * `<platform>-access` (one per cluster: `<platform>-access-<cluster>` when
 * there are several): syncs `dist/access/`, the aggregated ClusterRoles, to
 * every cluster an environment runs on, before the environments whose
 * RoleBindings name them. The controller fills the level roles' rules, which
 * Argo CD therefore ignores.
 */
export class AccessAppChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: AccessAppProps) {
    const { model } = props;
    super(scope, id, { file: `${ARGOCD_APPS_DIR}/access.yaml` });
    const clusters = platformClusters(model);
    for (const c of clusters) {
      const name = clusters.length === 1 ? accessProjectName(model) : `${accessProjectName(model)}-${c.name}`;
      new Application(this, `access-${c.name}`, {
        metadata: meta({ name, namespace: model.gitops.argocdNamespace, id: argoIdentity(model, name, 'access'), wave: ACCESS_APP_WAVE, labels: { [CLUSTER_LABEL]: c.name } }),
        spec: {
          project: accessProjectName(model),
          source: { repoUrl: model.gitops.repoURL, targetRevision: model.gitops.targetRevision, path: `${model.gitops.path}/${ACCESS_DIR}` },
          destination: { server: c.server, namespace: model.gitops.argocdNamespace },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions: ['ServerSideApply=true', 'RespectIgnoreDifferences=true', 'PruneLast=true', 'FailOnSharedResource=true'],
            retry: RETRY,
          },
          ignoreDifferences: ACCESS_LEVELS.map((l) => ({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: levelRoleName(model.name, l), jsonPointers: ['/rules'] })),
          revisionHistoryLimit: 10,
        },
      });
    }
  }
}
