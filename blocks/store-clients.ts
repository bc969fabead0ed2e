import { STORE_CATALOGUE, STORE_CLIENT_STORES } from '../catalogue/stores';
import type { EnvironmentModel, StoreModel } from '../platform/model';
import { callerPods, LABEL } from './meta';
import { KEDA_OPERATOR_POD_LABELS } from './network';

/**
 * One workload that may connect to a data store, stated once for both
 * policies that admit it: the store's NetworkPolicy admits `pods` in
 * `namespace` on `ports`; its AuthorizationPolicy admits the principal of
 * `serviceAccount`.
 */
export interface StoreClient {
  readonly namespace: string;
  readonly pods: Readonly<Record<string, string>>;
  readonly serviceAccount: { readonly namespace: string; readonly name: string };
  readonly ports: readonly number[];
}

/** The SPIFFE-style principal Istio gives a workload running as `serviceAccount` in `namespace`. */
export function principal(namespace: string, serviceAccount: string): string {
  return `cluster.local/ns/${namespace}/sa/${serviceAccount}`;
}

export const clientPrincipal = (c: StoreClient) => principal(c.serviceAccount.namespace, c.serviceAccount.name);

/**
 * Who connects to a store by the dependency graph: the services whose
 * `dependsOn` names it (their pods, their accounts) or, for a store only
 * other stores use (ZooKeeper), those stores' pods — on its client ports.
 */
export function dependentClients(env: EnvironmentModel, store: StoreModel): StoreClient[] {
  const kind = STORE_CATALOGUE[store.kind];
  const ports = kind.endpoint.clientPorts.map((p) => p.port);
  if (!kind.dependable) {
    return STORE_CLIENT_STORES[store.kind].map((k) => {
      const ep = STORE_CATALOGUE[k].endpoint;
      return { namespace: env.dataNamespace, pods: { [LABEL.name]: ep.appName }, serviceAccount: { namespace: env.dataNamespace, name: ep.serviceAccount }, ports };
    });
  }
  // Each set of pods that runs as a client service (its tracks, its CronJobs), all with its account.
  return store.clients.flatMap((c) =>
    callerPods(env.serviceIndex.get(c) ?? { name: c }).map((pods) => ({
      namespace: env.namespace,
      pods,
      serviceAccount: { namespace: env.namespace, name: c },
      ports,
    })),
  );
}

/** A Job of the store's own (provisioning, topics, backups): its pods by name, running as the store's account. */
export function storeJobClient(store: StoreModel, job: string, ports: readonly number[]): StoreClient {
  const sa = STORE_CATALOGUE[store.kind].endpoint.serviceAccount;
  return { namespace: store.namespace, pods: { [LABEL.name]: job }, serviceAccount: { namespace: store.namespace, name: sa }, ports };
}

/** The KEDA operator, when a service scales with KEDA (its Kafka scaler reads consumer-group offsets). */
export function kedaOperatorClient(env: Pick<EnvironmentModel, 'addons' | 'services'>, ports: readonly number[]): StoreClient[] {
  if (!env.services.some((s) => s.scaler === 'keda')) return [];
  const k = env.addons.keda;
  return [{ namespace: k.namespace, pods: { ...KEDA_OPERATOR_POD_LABELS }, serviceAccount: { namespace: k.namespace, name: k.serviceAccount }, ports }];
}
