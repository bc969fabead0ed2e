import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { Identity } from './meta';
import { STORE_ENDPOINTS } from '../catalogue/stores';
import type { EnvironmentModel, StoreModel } from '../platform/model';
import {
  disruptionBudget,
  metaFor,
  metricsService,
  statefulWorkload,
  storeNetworkPolicy,
  storeService,
  storeServiceAccount,
  type NamedPort,
  type StatefulWorkloadProps,
  type StorePolicyProps,
} from './stateful';

/** One StatefulSet of a store (PostgreSQL has two: the primary and its replicas). */
export interface StatefulStoreMember extends Omit<StatefulWorkloadProps, 'namespace' | 'store' | 'env' | 'serviceName' | 'pod'> {
  /** Its pod; it runs as the store's ServiceAccount (its mesh identity). */
  readonly pod: Omit<StatefulWorkloadProps['pod'], 'serviceAccount'>;
  /** Its governing headless Service: name and ports (DNS per pod, not-ready pods published so peers find each other). */
  readonly headless: { readonly name: string; readonly ports: readonly NamedPort[] };
  /** A PodDisruptionBudget (at most one pod voluntarily down). @default true */
  readonly disruptionBudget?: boolean;
}

/** A client Service of the store. */
export interface StatefulStoreService {
  readonly name: string;
  readonly ports: readonly NamedPort[];
  /** The workload it selects. @default the first member's identity */
  readonly id?: Identity;
}

export interface StatefulStoreProps {
  readonly env: EnvironmentModel;
  readonly store: StoreModel;
  /** The identity of the first member; the ServiceAccount, ConfigMap and metrics Service carry it. */
  readonly id: Identity;
  /** The ConfigMap of its scripts and config files, mounted by its pods. */
  readonly config: { readonly name: string; readonly data: Record<string, string> };
  /** Its client Services, in order. */
  readonly services: readonly StatefulStoreService[];
  /** Its StatefulSets, in order (each with its headless Service and disruption budget). */
  readonly members: readonly StatefulStoreMember[];
  /** Its NetworkPolicy: client and peer ports, and who connects (blocks/store-clients.ts). */
  readonly network: Omit<StorePolicyProps, 'env' | 'store' | 'id'>;
}

/**
 * The skeleton every data store shares, in the order it is rendered: its
 * ServiceAccount (mesh identity), its ConfigMap, its client Services, per
 * member the governing headless Service, the StatefulSet (claims retained,
 * Argo CD never prunes it) and a disruption budget — the metrics Service
 * after the first member's headless one — and the NetworkPolicy admitting
 * exactly its clients and peers. What differs between stores is in the
 * props: ports, scripts, pods.
 */
export class StatefulStore extends Construct {
  readonly serviceAccount: k8s.KubeServiceAccount;
  readonly configMap: k8s.KubeConfigMap;
  /** Client Services by name. */
  readonly services: ReadonlyMap<string, k8s.KubeService>;
  /** StatefulSets by name, in member order. */
  readonly statefulSets: ReadonlyMap<string, k8s.KubeStatefulSet>;
  readonly networkPolicy: k8s.KubeNetworkPolicy;

  constructor(scope: Construct, id: string, p: StatefulStoreProps) {
    super(scope, id);
    const ns = p.store.namespace;
    this.serviceAccount = storeServiceAccount(this, { kind: p.store.kind, namespace: ns, id: p.id });
    this.configMap = new k8s.KubeConfigMap(this, 'config', { metadata: metaFor(p.id, ns)(p.config.name), data: p.config.data });
    this.services = new Map(p.services.map((s) => [s.name, storeService(this, `service-${s.name}`, { name: s.name, namespace: ns, id: s.id ?? p.id, ports: s.ports })]));
    const statefulSets = new Map<string, k8s.KubeStatefulSet>();
    p.members.forEach((member, i) => {
      const { headless, disruptionBudget: pdb = true, ...workload } = member;
      storeService(this, `headless-${headless.name}`, { name: headless.name, namespace: ns, id: member.id, ports: headless.ports, headless: true });
      if (i === 0) metricsService(this, { store: p.store, id: p.id });
      const pod = { ...member.pod, serviceAccount: STORE_ENDPOINTS[p.store.kind].serviceAccount };
      statefulSets.set(member.name, statefulWorkload(this, `statefulset-${member.name}`, { ...workload, pod, namespace: ns, store: p.store, env: p.env, serviceName: headless.name }));
      if (pdb) disruptionBudget(this, `pdb-${member.name}`, { name: member.name, namespace: ns, id: member.id });
    });
    this.statefulSets = statefulSets;
    this.networkPolicy = storeNetworkPolicy(this, { ...p.network, env: p.env, store: p.store, id: p.id });
  }
}
