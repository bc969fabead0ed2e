import type { PlatformSpecInput } from '../platform/schema';

/**
 * A synthetic platform of `n` services for benchmarks: each service calls up to
 * two earlier ones and a data store (PostgreSQL for seven of them: its connection
 * budget), every third is public, every fifth
 * produces to Kafka and every seventh consumes (each of up to 20 topics has both). Deterministic for a given n.
 */
export function generatePlatform(n: number): PlatformSpecInput {
  const name = (i: number) => `svc-${String(i).padStart(4, '0')}`;
  const stores = ['postgres', 'redis', 'kafka'] as const;
  const topics = Math.max(1, Math.min(20, Math.ceil(n / 7)));
  const services = Array.from({ length: n }, (_, i) => {
    const deps: string[] = [];
    if (i > 0) deps.push(name((i * 7) % i));
    if (i > 1) deps.push(name((i * 13) % (i - 1)));
    // PostgreSQL's fixed connection budget (190 connections, 13 prod pods × 2 per client) takes 7 clients: the
    // first seven services of its turn; the others of its turn use Redis.
    const store = i % 3 === 0 && i >= 21 ? 'redis' : stores[i % 3]!;
    // Every topic has a producer and a consumer (the spec refuses either alone): the consumers (every seventh)
    // and the more numerous producers (every fifth) each cycle over the same `topics`.
    const produces = i % 5 === 0 ? [`topic-${(i / 5) % topics}`] : [];
    const consumes = i % 7 === 0 ? [`topic-${(i / 7) % topics}`] : [];
    const kafka = produces.length || consumes.length || store === 'kafka';
    return {
      name: name(i),
      runtime: (['nodejs', 'go', 'python'] as const)[i % 3]!,
      image: `registry.example.com/bench/${name(i)}:1.${i}.0`,
      port: 8080,
      dependsOn: [...new Set([...deps, store, ...(kafka ? ['kafka'] : [])])],
      tier: (['small', 'medium', 'large'] as const)[i % 3]!,
      ...(i % 3 === 0 ? { route: { path: `/api/${name(i)}` } } : {}),
      produces,
      consumes,
      env: { LOG_LEVEL: 'info' },
    };
  });
  const perEnv = (dev: number, staging: number, prod: number, size: string) => ({
    dev: { replicas: dev, storage: size },
    staging: { replicas: staging, storage: size },
    prod: { replicas: prod, storage: size },
  });
  return {
    name: 'bench',
    environments: {
      dev: { namespace: 'bench-dev', replicas: 1, resourceTier: 'small', host: 'dev.bench.example.com' },
      staging: { namespace: 'bench-staging', replicas: 2, host: 'staging.bench.example.com' },
      prod: {
        namespace: 'bench-prod',
        dataNamespace: 'bench-prod-data',
        replicas: 3,
        autoscaling: { minReplicas: 3, maxReplicas: 10, targetCPUUtilization: 70, targetMemoryUtilization: 80 },
        zones: ['a', 'b', 'c'],
        host: 'bench.example.com',
      },
    },
    services,
    dataStores: {
      postgres: { version: '16.4', environments: perEnv(1, 2, 3, '10Gi') },
      redis: { version: '7.4.1', environments: perEnv(1, 3, 3, '5Gi') },
      kafka: { version: '3.9.0', environments: perEnv(1, 3, 3, '50Gi') },
      zookeeper: { version: '3.9.3', environments: perEnv(1, 3, 3, '5Gi') },
    },
  };
}
