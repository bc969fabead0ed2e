/**
 * Argo CD sync waves inside an environment's Application. Lower waves are
 * applied, and must be healthy, before higher ones start.
 */
export const WAVE = {
  /** Namespaces, quotas, limit ranges, NetworkPolicies, mesh security policies, ServiceAccounts. */
  foundation: 0,
  /** StatefulSets of the data stores and their Services, PDBs, monitors. */
  data: 1,
  /** Store provisioning Sync hook Jobs (Kafka topics, PostgreSQL role and databases): after the stores, before the services. */
  topics: 2,
  /** Services' Deployments, ConfigMaps, autoscalers, monitors. */
  services: 3,
  /** Gateway, VirtualServices, DestinationRules, canary weights. */
  routing: 4,
} as const;

/** Waves of the Applications in the root app-of-apps: add-ons (CRDs, operators) before the platform. */
export const APP_WAVE = { addons: -1, platform: 0 } as const;
