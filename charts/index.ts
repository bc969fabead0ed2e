import { App } from 'cdk8s';
import type { PlatformModel } from '../platform/model';
import { EnvironmentChart } from './environment';
import { ServiceChart } from './service';
import { addDataCharts, dataFootprints } from './data';
import { addArgoCdCharts } from './argocd';

/**
 * Adds every chart of the platform to `app`: per environment its foundation,
 * one chart per service (and, from their own modules, data stores, mesh,
 * telemetry), plus the Argo CD charts. Construct ids carry no meaning: names
 * and files come from the model.
 */
export function addPlatformCharts(app: App, model: PlatformModel): void {
  for (const env of model.environments) {
    new EnvironmentChart(app, `${env.name}-environment`, { env, extraFootprints: dataFootprints(env) });
    for (const service of env.services) new ServiceChart(app, `${env.name}-${service.name}`, { env, service });
    addDataCharts(app, env);
  }
}

export function buildPlatformApp(model: PlatformModel): App {
  // outdir is never used: files are written by lib/writer.ts.
  const app = new App({ outdir: '.cdk8s-unused' });
  addPlatformCharts(app, model);
  // Last: the Argo CD project is derived from what every other chart renders.
  addArgoCdCharts(app, model);
  return app;
}
