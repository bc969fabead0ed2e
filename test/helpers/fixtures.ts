import type { PlatformSpecInput } from '../../platform/schema';

/**
 * A small platform built for tests: a public API calling an internal worker,
 * both on postgres; the worker produces to Kafka, a consumer scales on lag.
 * Three environments: `dev` (1 replica, no autoscaling, self-signed certificate),
 * `staging` (2 fixed replicas: disruption budgets, no autoscaler) and `prod`
 * (HPA, 3 zones, a separate data namespace). The worker calls one external API.
 */
export function smallPlatform(): PlatformSpecInput {
  return {
    name: 'acme',
    environments: {
      dev: { namespace: 'acme-dev', replicas: 1, resourceTier: 'small', host: 'dev.acme.test', certificateIssuer: 'self-signed' },
      staging: { namespace: 'acme-staging', replicas: 2, host: 'staging.acme.test' },
      prod: {
        namespace: 'acme-prod',
        dataNamespace: 'acme-prod-data',
        replicas: 3,
        autoscaling: { minReplicas: 3, maxReplicas: 6, targetCPUUtilization: 70, targetMemoryUtilization: 80 },
        zones: ['z1', 'z2', 'z3'],
        host: 'acme.test',
      },
    },
    services: [
      { name: 'api', runtime: 'nodejs', image: 'registry.test/acme/api:1.0.0', port: 8080, dependsOn: ['worker', 'postgres'], route: { path: '/api' }, tier: 'medium', env: { LOG_LEVEL: 'debug' } },
      { name: 'worker', runtime: 'go', image: 'registry.test/acme/worker:2.1.0', port: 9000, dependsOn: ['postgres', 'kafka'], produces: ['jobs'], egress: [{ host: 'api.mail.test', port: 443 }] },
      { name: 'mailer', runtime: 'python', image: 'registry.test/acme/mailer:0.3.1', port: 8000, dependsOn: ['kafka', 'redis'], consumes: ['jobs'], scaleOn: 'kafka-lag' },
    ],
    dataStores: {
      postgres: { version: '16.4', environments: { dev: { replicas: 1, storage: '1Gi', tier: 'small' }, staging: { replicas: 2, storage: '10Gi' }, prod: { replicas: 3, storage: '50Gi' } } },
      redis: { version: '7.4.1', environments: { dev: { replicas: 1, storage: '1Gi' }, staging: { replicas: 3, storage: '2Gi' }, prod: { replicas: 3, storage: '5Gi' } } },
      kafka: { version: '3.9.0', environments: { dev: { replicas: 1, storage: '1Gi' }, staging: { replicas: 3, storage: '10Gi' }, prod: { replicas: 3, storage: '100Gi' } } },
      zookeeper: { version: '3.9.3', tier: 'small', environments: { dev: { replicas: 1, storage: '1Gi' }, staging: { replicas: 3, storage: '2Gi' }, prod: { replicas: 3, storage: '5Gi' } } },
    },
  };
}

/**
 * The small platform with canaries: the public `api` (a caller, autoscaled in
 * prod) runs a 2-replica canary at 10 %, the internal `worker` (a callee, a
 * Kafka producer) a 1-replica canary at 25 %; `mailer` has none. Its output
 * is not snapshotted: the tests and every invariant check it.
 */
export function canaryPlatform(): PlatformSpecInput {
  const spec = smallPlatform();
  const [api, worker] = spec.services;
  Object.assign(api!, { canary: { image: 'registry.test/acme/api:1.1.0-rc.1', weight: 10, replicas: 2 } });
  Object.assign(worker!, { canary: { image: 'registry.test/acme/worker:2.2.0', weight: 25 } });
  return spec;
}

/** The fixture with prod spread over two clusters in two regions (rendered as an Argo CD ApplicationSet). */
export function multiClusterPlatform(): PlatformSpecInput {
  const s = smallPlatform();
  (s.environments as Record<string, any>).prod.clusters = [
    { name: 'prod-eu', server: 'https://prod-eu.k8s.test', region: 'eu-west-1' },
    { name: 'prod-us', server: 'https://prod-us.k8s.test', region: 'us-east-1' },
  ];
  return s;
}

/** The small platform with one change: `mutate` edits a fresh copy. */
export function smallVariant(mutate: (s: any) => void): PlatformSpecInput { // eslint-disable-line @typescript-eslint/no-explicit-any
  const s = smallPlatform() as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  mutate(s);
  return s;
}

/** The small platform plus a store kind the reference does not show (1 / 3 / 3 members; the seed platforms run it). */
export function withStoreKind(kind: 'mongodb', mutate: (spec: any) => void = () => {}): PlatformSpecInput {
  const spec: any = smallPlatform();
  spec.dataStores[kind] = { version: '7.0.14', environments: { dev: { replicas: 1, storage: '1Gi' }, staging: { replicas: 3, storage: '2Gi' }, prod: { replicas: 3, storage: '5Gi', storageClass: 'gp3' } } };
  spec.services[0].dependsOn.push(kind);
  mutate(spec);
  return spec;
}
