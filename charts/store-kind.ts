import type { Construct } from 'constructs';
import type { AlertGroup, Runbook } from '../blocks/alerts/types';
import type { PanelSpec, Target } from '../blocks/grafana';
import type { StoreClient } from '../blocks/store-clients';
import type { EnvironmentModel, ExternalStoreModel, StoreModel } from '../platform/model';
import type { PlatformChart } from './platform-chart';

/**
 * What renders one data store kind, next to its catalogue entry in
 * `stores/<kind>/`: its charts, its alerts and its part of the overview
 * dashboard. The registry (`stores/index.ts`) maps every kind to one, so a
 * kind without renderers does not compile.
 */
export interface StoreKind {
  /** Adds the store's charts for one environment (its own first, then its Jobs and backups) and returns them. */
  addCharts(scope: Construct, env: EnvironmentModel, store: StoreModel): PlatformChart[];
  /** Where a provider runs it (`external`): what the platform still renders for it (its exporter, its Jobs). @default nothing */
  addManagedCharts?(scope: Construct, env: EnvironmentModel, store: ExternalStoreModel): PlatformChart[];
  /**
   * `app.kubernetes.io/name` of the pods `addManagedCharts` renders that connect to the managed
   * endpoint: each gets the endpoint's mesh egress (a Sidecar naming its ServiceEntries).
   * @default the managed exporter, if the kind has one
   */
  managedWorkloads?(env: EnvironmentModel, store: ExternalStoreModel): string[];
  /**
   * Every workload that may connect to it: its NetworkPolicy admits their
   * pods, its AuthorizationPolicy their principals (both from this one list).
   */
  clients(env: EnvironmentModel, store: StoreModel): StoreClient[];
  /** The pods that reach the backup bucket when it is backed up (the bucket's ServiceEntry and Sidecars are for these). @default none */
  readonly bucketClients?: readonly { readonly name: string; readonly labels: Readonly<Record<string, string>> }[];
  /** What to do when its alerts fire, and its procedures (restore, upgrade): its part of docs/runbooks.md. */
  readonly runbook: Runbook;
  /** Its alert group in `env`, if it runs there (undefined otherwise). */
  alerts(env: EnvironmentModel): AlertGroup | undefined;
  /** Its series on the overview's "Data stores" stat panel (live instances), in the data namespace `ns`. */
  health(ns: string): Target;
  /** Panels of its own on the environment's overview dashboard (backups, lag…). @default none */
  overviewPanels?(env: EnvironmentModel, store: StoreModel): PanelSpec[];
  /** Its panels where a provider runs it (what its managed exporter sees). @default none */
  managedOverviewPanels?(env: EnvironmentModel, store: ExternalStoreModel): PanelSpec[];
}
