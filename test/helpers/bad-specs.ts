/**
 * Broken variants of the fixture platform and the first words of the problem
 * each must produce (with its path). Used by the spec tests and, end to end,
 * by the synth tests (exit code 1, output untouched).
 */
export type BadSpec = [name: string, mutate: (spec: any) => void, expected: string];

export const BAD_SPECS: BadSpec[] = [
  ['unknown field', (s: any) => (s.services[0].replicaz = 2), 'services[api].replicaz: unknown field'],
  ['unknown top-level field', (s: any) => (s.servics = []), 'servics: unknown field'],
  ['missing image', (s: any) => delete s.services[1].image, 'services[worker].image: required (or blueGreen, with the images of its two colours)'],
  ['latest tag', (s: any) => (s.services[0].image = 'registry.test/acme/api:latest'), "services[api].image: image tag 'latest' is not allowed"],
  ['untagged image', (s: any) => (s.services[0].image = 'registry.test/acme/api'), 'services[api].image: image must be registry/repo:tag with an explicit tag'],
  ['port above 65535', (s: any) => (s.services[2].port = 70000), 'services[mailer].port: must be 1–65535, got 70000'],
  ['port reserved by the Istio sidecar', (s: any) => (s.services[2].port = 15020), 'services[mailer].port: 15020 is reserved by the Istio sidecar'],
  ['wildcard egress over plain TCP', (s: any) => (s.services[1].egress = [{ host: '*.db.test', port: 5432, protocol: 'TCP' }]), 'services[worker].egress[0].host: a wildcard host needs protocol TLS or HTTPS'],
  ['two plain-TCP egress hosts on one port', (s: any) => (s.services[1].egress = [{ host: 'a.db.test', port: 5432, protocol: 'TCP' }, { host: 'b.db.test', port: 5432, protocol: 'TCP' }]), "services[worker].egress[1].port: TCP port 5432 is already used by 'a.db.test'"],
  ['port 0', (s: any) => (s.services[2].port = 0), 'services[mailer].port: must be 1–65535, got 0'],
  ['duplicate service name', (s: any) => (s.services[2].name = 'api'), "services[api].name: duplicate service name 'api' (also services[0])"],
  ['dependsOn naming nothing', (s: any) => s.services[0].dependsOn.push('billing'), "services[api].dependsOn[2]: 'billing' names no service or data store"],
  ['dependsOn an undeclared store', (s: any) => { delete s.dataStores.redis; }, "services[mailer].dependsOn[1]: 'redis' is not declared in dataStores"],
  ['name not a DNS-1123 label', (s: any) => (s.services[1].name = 'Worker_1'), "services[Worker_1].name: service name must be a DNS-1123 label"],
  ['name longer than 52 characters', (s: any) => (s.services[1].name = 'w'.repeat(53)), 'services[' + 'w'.repeat(53) + '].name: service name must be at most 52 characters, got 53'],
  ['autoscaling min > max', (s: any) => (s.environments.prod.autoscaling.minReplicas = 8), 'environments.prod.autoscaling.minReplicas: autoscaling minReplicas (8) must not exceed maxReplicas (6)'],
  ['wrong type', (s: any) => (s.environments.dev.replicas = 'one'), 'environments.dev.replicas: expected a number, got "one"'],
  ['unknown runtime', (s: any) => (s.services[0].runtime = 'cobol'), 'services[api].runtime: must be one of'],
  ['preStop as long as the grace period', (s: any) => (s.services[0].shutdown = { preStopSeconds: 30, gracePeriodSeconds: 30 }), 'services[api].shutdown.preStopSeconds: preStopSeconds (30) must be less than gracePeriodSeconds (30): the pod is killed at the end of its grace period'],
  ['Kafka 4 in one environment', (s: any) => (s.dataStores.kafka.environments.dev.version = '4.0.0'), "dataStores.kafka.environments.dev.version: Kafka 4.0 removed ZooKeeper mode"],
  ['reserved environment name', (s: any) => { s.environments.addons = { namespace: 'acme-addons', replicas: 1 }; }, "environments.addons: 'addons' is reserved"],
  ['store without an environment', (s: any) => delete s.dataStores.kafka.environments.prod, "dataStores.kafka.environments: missing environment 'prod'"],
  ['Kafka without ZooKeeper mode', (s: any) => (s.dataStores.kafka.version = '4.0.0'), "dataStores.kafka.version: Kafka 4.0 removed ZooKeeper mode; use one of 3.8.0, 3.8.1, 3.9.0 (got '4.0.0')"],
  ['canary with latest tag', (s: any) => (s.services[0].canary = { image: 'registry.test/acme/api:latest', weight: 10 }), "services[api].canary.image: image tag 'latest' is not allowed"],
  ['canary untagged image', (s: any) => (s.services[0].canary = { image: 'registry.test/acme/api', weight: 10 }), 'services[api].canary.image: image must be registry/repo:tag with an explicit tag'],
  ['canary without weight', (s: any) => (s.services[0].canary = { image: 'registry.test/acme/api:1.1.0' }), 'services[api].canary.weight: required'],
  ['canary weight 0', (s: any) => (s.services[0].canary = { image: 'registry.test/acme/api:1.1.0', weight: 0 }), 'services[api].canary.weight: must be a whole percentage 1–100, got 0'],
  ['canary weight 101', (s: any) => (s.services[0].canary = { image: 'registry.test/acme/api:1.1.0', weight: 101 }), 'services[api].canary.weight: must be a whole percentage 1–100, got 101'],
  ['canary weight 12.5', (s: any) => (s.services[0].canary = { image: 'registry.test/acme/api:1.1.0', weight: 12.5 }), 'services[api].canary.weight: must be a whole percentage 1–100, got 12.5'],
  ['canary replicas 0', (s: any) => (s.services[0].canary = { image: 'registry.test/acme/api:1.1.0', weight: 10, replicas: 0 }), 'services[api].canary.replicas: '],
  ['canary unknown field', (s: any) => (s.services[0].canary = { image: 'registry.test/acme/api:1.1.0', weight: 10, autoscaling: {} }), 'services[api].canary.autoscaling: unknown field'],
  ['canary Deployment name taken', (s: any) => {
      s.services[0].canary = { image: 'registry.test/acme/api:1.1.0', weight: 10 };
      s.services.push({ name: 'api-canary', runtime: 'go', image: 'registry.test/acme/x:1.0.0', port: 8080 });
    }, "services[api].canary: the canary Deployment 'api-canary' would clash with services[3] of that name"],
  ['a service named like platform pods', (s: any) => {
      s.services.push({ name: 'otel-collector', runtime: 'go', image: 'registry.test/acme/x:1.0.0', port: 8080 });
    }, "services[otel-collector].name: 'otel-collector' is the app.kubernetes.io/name of platform pods; a service's pods are selected by that name alone (every track), so it must be the service's own: rename the service"],
  ['a service named like a store Job’s pods (the catalogue’s otherPods)', (s: any) => {
      s.services.push({ name: 'redis-backup', runtime: 'go', image: 'registry.test/acme/x:1.0.0', port: 8080 });
    }, "services[redis-backup].name: 'redis-backup' is the app.kubernetes.io/name of platform pods; a service's pods are selected by that name alone (every track), so it must be the service's own: rename the service"],
  // worker produces 'jobs', mailer consumes it: one letter off on either side is a consumer waiting on nothing.
  ['a consumed topic one typo away from a produced one', (s: any) => (s.services[2].consumes = ['jbos']), "services[mailer].consumes[0]: no service produces 'jbos'; did you mean 'jobs' (produced by worker)?"],
  ['a produced topic one typo away from a consumed one', (s: any) => (s.services[1].produces = ['job']), "services[worker].produces[0]: no service consumes 'job'; did you mean 'jobs' (consumed by mailer)?"],
  ['Kafka older than the broker image ships', (s: any) => (s.dataStores.kafka.version = '1.1.1'), "dataStores.kafka.version: the broker image (Strimzi's Kafka image, the last line with ZooKeeper mode) exists for 3.8.0, 3.8.1, 3.9.0 (got '1.1.1')"],
];
