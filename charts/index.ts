import { App } from 'cdk8s';
import type { PlatformModel } from '../platform/model';
import { EnvironmentChart } from './environment';
import { ServiceChart } from './service';
import { addDataCharts, dataFootprints } from './data';
import { addArgoCdCharts } from './argocd';
import { MeshChart } from './mesh';
import { MeshSecurityChart } from './mesh-security';
import { MeshEgressChart } from './mesh-egress';
import { TelemetryChart, telemetryFootprints } from './telemetry';
import { MonitoringChart } from './monitoring';
import { DashboardsChart } from './dashboards';
import { KedaChart, kedaServices } from './keda';

/**
 * Adds every chart of the platform to `app`: per environment its foundation,
 * one chart per service (and, from their own modules, data stores, mesh,
 * telemetry), plus the Argo CD charts. Construct ids carry no meaning: names
 * and files come from the model.
 */
export function addPlatformCharts(app: App, model: PlatformModel): void {
  for (const env of model.environments) {
    new EnvironmentChart(app, `${env.name}-environment`, { env, extraFootprints: [...dataFootprints(env), ...telemetryFootprints(env)] });
    for (const service of env.services) new ServiceChart(app, `${env.name}-${service.name}`, { env, service });
    addDataCharts(app, env);
    new MeshSecurityChart(app, `${env.name}-mesh-security`, { env });
    new MeshChart(app, `${env.name}-mesh`, { env });
    new MeshEgressChart(app, `${env.name}-mesh-egress`, { env });
    new TelemetryChart(app, `${env.name}-telemetry`, { env });
    new MonitoringChart(app, `${env.name}-monitoring`, { env, runbookBaseUrl: runbookBaseUrl(model) });
    new DashboardsChart(app, `${env.name}-dashboards`, { env });
    if (kedaServices(env).length > 0) new KedaChart(app, `${env.name}-keda`, { env });
  }
}

/** Where the alerts' runbooks are read: docs/runbooks.md of the platform repository, at the synced revision. */
export function runbookBaseUrl(model: Pick<PlatformModel, 'gitops'>): string {
  return `${model.gitops.repoURL.replace(/\.git$/, '')}/blob/${model.gitops.targetRevision}/docs/runbooks.md`;
}

export function buildPlatformApp(model: PlatformModel): App {
  // outdir is never used: files are written by render/writer.ts.
  const app = new App({ outdir: '.cdk8s-unused' });
  addPlatformCharts(app, model);
  // Last: the Argo CD project is derived from what every other chart renders.
  addArgoCdCharts(app, model);
  return app;
}
