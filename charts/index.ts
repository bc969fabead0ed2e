import type { Construct } from 'constructs';
import type { PlatformModel } from '../platform/model';
import { EnvironmentChart } from './environment';
import { ServiceChart } from './service';
import type { PlatformChart } from './platform-chart';
import { MeshChart } from './mesh';
import { MeshSecurityChart } from './mesh-security';
import { MeshEgressChart } from './mesh-egress';
import { MonitoringChart } from './monitoring';
import { DashboardsChart } from './dashboards';
import { addDataCharts } from '../stores';
import { TelemetryChart } from './telemetry';
import { KedaChart, kedaServices } from './keda';
import { SealedSecretsChart } from './sealed-secrets';
import { ExtraManifestsChart } from './extra-manifests';
import { TeamAccessChart } from './team-access';

/** The charts of one environment, as `addPlatformCharts` added them. */
export interface EnvironmentCharts {
  /** Namespaces, quotas, limit ranges, default-deny policies. */
  readonly environment: EnvironmentChart;
  /** One chart per service, by service name. */
  readonly services: ReadonlyMap<string, ServiceChart>;
  /** The charts of each data store (the store's own, then its Jobs and backups), by store kind. */
  readonly data: ReadonlyMap<string, readonly PlatformChart[]>;
  readonly meshSecurity: MeshSecurityChart;
  readonly mesh: MeshChart;
  readonly meshEgress: MeshEgressChart;
  readonly telemetry: TelemetryChart;
  readonly monitoring: MonitoringChart;
  readonly dashboards: DashboardsChart;
  /** Present when a service scales on Kafka consumer lag. */
  readonly keda?: KedaChart;
  /** Present when the environment keeps SealedSecrets beside the spec (`secrets/<env>/`). */
  readonly sealedSecrets?: SealedSecretsChart;
  /** One chart per file of the environment's `extraManifests` folder. */
  readonly extraManifests: readonly ExtraManifestsChart[];
  /** Present when a team has access to the environment (`teams:`): its RoleBindings. */
  readonly access?: TeamAccessChart;
}

/** Handles to everything `addPlatformCharts` rendered. */
export interface PlatformCharts {
  /** By environment name, in the spec's order. */
  readonly environments: ReadonlyMap<string, EnvironmentCharts>;
}

/**
 * Adds every chart of the platform under `scope` (usually an App): per
 * environment its foundation, one chart per service, the data stores, mesh,
 * telemetry, monitoring and dashboards. Construct ids carry no meaning: names
 * and files come from the model. The Argo CD charts are not added here: they
 * are derived from every chart in the app, so `addArgoCdCharts` (or
 * `PlatformApp.render()`) adds them last.
 */
export function addPlatformCharts(scope: Construct, model: PlatformModel): PlatformCharts {
  const environments = new Map<string, EnvironmentCharts>();
  for (const env of model.environments) {
    const environment = new EnvironmentChart(scope, `${env.name}-environment`, { env });
    const services = new Map(env.services.map((service) => [service.name, new ServiceChart(scope, `${env.name}-${service.name}`, { env, service })]));
    const data = addDataCharts(scope, env);
    environments.set(env.name, {
      environment,
      services,
      data,
      meshSecurity: new MeshSecurityChart(scope, `${env.name}-mesh-security`, { env }),
      mesh: new MeshChart(scope, `${env.name}-mesh`, { env }),
      meshEgress: new MeshEgressChart(scope, `${env.name}-mesh-egress`, { env }),
      telemetry: new TelemetryChart(scope, `${env.name}-telemetry`, { env }),
      monitoring: new MonitoringChart(scope, `${env.name}-monitoring`, { env, runbookBaseUrl: runbookBaseUrl(model) }),
      dashboards: new DashboardsChart(scope, `${env.name}-dashboards`, { env }),
      ...(kedaServices(env).length > 0 ? { keda: new KedaChart(scope, `${env.name}-keda`, { env }) } : {}),
      ...(env.sealedSecrets.length > 0 ? { sealedSecrets: new SealedSecretsChart(scope, `${env.name}-sealed-secrets`, { env }) } : {}),
      extraManifests: env.extraManifests.map((source, i) => new ExtraManifestsChart(scope, `${env.name}-extra-${i}`, { env, source })),
      ...(env.access.length > 0 ? { access: new TeamAccessChart(scope, `${env.name}-access`, { env }) } : {}),
    });
  }
  return { environments };
}

/** Where the alerts' runbooks are read: docs/runbooks.md of the platform repository, at the synced revision. */
export function runbookBaseUrl(model: Pick<PlatformModel, 'gitops'>): string {
  return `${model.gitops.repoURL.replace(/\.git$/, '')}/blob/${model.gitops.targetRevision}/docs/runbooks.md`;
}
