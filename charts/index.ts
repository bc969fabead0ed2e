import type { Construct } from 'constructs';
import type { EnvironmentModel, PlatformModel } from '../platform/model';
import { EnvironmentChart } from './environment';
import { ServiceChart } from './service';
import type { PlatformChart } from './platform-chart';
import { MeshChart } from './mesh';
import { MeshSecurityChart } from './mesh-security';
import { MeshEgressChart } from './mesh-egress';
import { MonitoringChart } from './monitoring';
import { DashboardsChart } from './dashboards';
import { STORE_KINDS } from '../stores';
import type { DataStoreName } from '../catalogue/stores';
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
 * One part of an environment's charts with all it reads of the model (`input`): `add` builds its charts
 * under a scope from `input` alone, so a caller may build a part again only when its input changed (the
 * chart cache: render/chart-cache.ts). `add` must read the model through `input` only, never through
 * what it closes over.
 */
export interface ChartUnit<I extends object = object, C = unknown> {
  /** Unique in an App: the construct id of its (first) chart. */
  readonly id: string;
  readonly input: I;
  /**
   * False when its charts read more than `input`: the environment's quotas count the workloads of every
   * chart of the environment, and an extra manifest is copied as structured data.
   */
  readonly cacheable: boolean;
  add(scope: Construct, input: I): C;
}

const unit = <I extends object, C>(id: string, input: I, add: (scope: Construct, id: string, input: I) => C, cacheable = true): ChartUnit<I, C> => ({
  id,
  input,
  cacheable,
  add: (scope, i) => add(scope, id, i),
});

/** The parts of one environment's charts, in the order they are added (the order of the files' objects' checks). */
export function environmentUnits(model: Pick<PlatformModel, 'gitops'>, env: EnvironmentModel) {
  const e = env.name;
  return {
    environment: unit(`${e}-environment`, { env }, (s, id, p) => new EnvironmentChart(s, id, p), false),
    services: env.services.map((service) => [service.name, unit(`${e}-${service.name}`, { env, service }, (s, id, p) => new ServiceChart(s, id, p))] as const),
    data: [
      ...env.stores.map((store) => [store.kind, unit(`${e}-data-${store.kind}`, { env, store }, (s, _, p) => STORE_KINDS[p.store.kind].addCharts(s, p.env, p.store))] as const),
      // Managed by a provider in this environment: only what watches it.
      ...env.externalStores.map((x) => [x.kind, unit(`${e}-external-${x.kind}`, { env, x }, (s, _, p) => STORE_KINDS[p.x.kind].addManagedCharts?.(s, p.env, p.x) ?? [])] as const),
    ],
    meshSecurity: unit(`${e}-mesh-security`, { env }, (s, id, p) => new MeshSecurityChart(s, id, p)),
    mesh: unit(`${e}-mesh`, { env }, (s, id, p) => new MeshChart(s, id, p)),
    meshEgress: unit(`${e}-mesh-egress`, { env }, (s, id, p) => new MeshEgressChart(s, id, p)),
    telemetry: unit(`${e}-telemetry`, { env }, (s, id, p) => new TelemetryChart(s, id, p)),
    monitoring: unit(`${e}-monitoring`, { env, runbookBaseUrl: runbookBaseUrl(model) }, (s, id, p) => new MonitoringChart(s, id, p)),
    dashboards: unit(`${e}-dashboards`, { env }, (s, id, p) => new DashboardsChart(s, id, p)),
    keda: kedaServices(env).length > 0 ? unit(`${e}-keda`, { env }, (s, id, p) => new KedaChart(s, id, p)) : undefined,
    sealedSecrets: env.sealedSecrets.length > 0 ? unit(`${e}-sealed-secrets`, { env }, (s, id, p) => new SealedSecretsChart(s, id, p)) : undefined,
    extraManifests: env.extraManifests.map((source, i) => unit(`${e}-extra-${i}`, { env, source }, (s, id, p) => new ExtraManifestsChart(s, id, p), false)),
    access: env.access.length > 0 ? unit(`${e}-access`, { env }, (s, id, p) => new TeamAccessChart(s, id, p)) : undefined,
  };
}

/** `environmentUnits` as one list, in the order the charts are added (the order of its fields). */
export function environmentUnitList(model: Pick<PlatformModel, 'gitops'>, env: EnvironmentModel): ChartUnit[] {
  return Object.values(environmentUnits(model, env)).flatMap((v): ChartUnit[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v)) return [v as ChartUnit];
    // Services and data stores come as [name, unit] pairs; extra manifests as units.
    return v.map((x) => (Array.isArray(x) ? x[1] : x) as ChartUnit);
  });
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
    const u = environmentUnits(model, env);
    const add = <C>(x: ChartUnit<any, C>): C => x.add(scope, x.input);
    const environment = add(u.environment);
    const services = new Map(u.services.map(([name, x]) => [name, add(x)]));
    const data = new Map<DataStoreName, PlatformChart[]>(u.data.map(([kind, x]) => [kind, add(x)]));
    environments.set(env.name, {
      environment,
      services,
      data,
      meshSecurity: add(u.meshSecurity),
      mesh: add(u.mesh),
      meshEgress: add(u.meshEgress),
      telemetry: add(u.telemetry),
      monitoring: add(u.monitoring),
      dashboards: add(u.dashboards),
      ...(u.keda ? { keda: add(u.keda) } : {}),
      ...(u.sealedSecrets ? { sealedSecrets: add(u.sealedSecrets) } : {}),
      extraManifests: u.extraManifests.map(add),
      ...(u.access ? { access: add(u.access) } : {}),
    });
  }
  return { environments };
}

/** Where the alerts' runbooks are read: docs/runbooks.md of the platform repository, at the synced revision. */
export function runbookBaseUrl(model: Pick<PlatformModel, 'gitops'>): string {
  return `${model.gitops.repoURL.replace(/\.git$/, '')}/blob/${model.gitops.targetRevision}/docs/runbooks.md`;
}
