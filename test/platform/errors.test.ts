import { describe, expect, test } from 'vitest';
import { parseSpecText, SpecError } from '../../platform/loader';
import { credentialLiteral } from '../../catalogue/credentials';

/**
 * Spec errors as a user reads them: each names its line and column, list items by name, and says what
 * would be valid. Each case is a spec text with the problem on a known line.
 */
const BASE = `name: shop
environments:
  dev:
    namespace: shop-dev
    replicas: 1
    host: dev.shop.test
  prod:
    namespace: shop-prod
    replicas: 3
    host: shop.test
services:
  - name: orders
    runtime: go
    image: reg.test/shop/orders:1.0.0
    port: 8080
    dependsOn: [payments]
    route: { path: /api/orders }
  - name: payments
    runtime: nodejs
    image: reg.test/shop/payments:1.0.0
    port: 8080
    route: { path: /api/payments }
`;

function problems(text: string): string[] {
  try {
    parseSpecText(text, 'platform.yaml');
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    const err = e as SpecError;
    // The count in the header is the number of problem lines printed.
    expect(err.message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(err.problems.length);
    expect(err.message).toMatch(new RegExp(`^platform\\.yaml: ${err.problems.length} problems? in the platform spec:`));
    return err.problems;
  }
}
/** BASE with `from` replaced by `to` (which must occur exactly once). */
const edit = (from: string, to: string) => {
  expect(BASE.split(from)).toHaveLength(2);
  return BASE.replace(from, to);
};

describe('spec errors that say where and what to do', () => {
  test('the base spec is valid; YAML anchors and merge keys are read as before', () => {
    expect(problems(BASE)).toEqual([]);
    const merged = edit('  - name: payments\n    runtime: nodejs\n', '  - name: payments\n    <<: { runtime: nodejs, tier: medium }\n');
    expect(problems(merged)).toEqual([]);
    expect(parseSpecText(merged, 'p').services[1]).toMatchObject({ runtime: 'nodejs', tier: 'medium' });
  });

  test('an unknown field: its line and column, the item by name, the closest field', () => {
    expect(problems(edit('    port: 8080\n    dependsOn', '    port: 8080\n    replicaz: 2\n    dependsOn'))).toEqual([
      "services[orders].replicaz (line 16, column 5): unknown field; did you mean 'replicas'?",
    ]);
    // Nothing close: the fields that are allowed there.
    expect(problems(edit('    replicas: 1\n', '    replicas: 1\n    colour: blue\n'))[0]).toMatch(/^environments\.dev\.colour \(line 6, column 5\): unknown field \(fields here: namespace, dataNamespace, replicas, /);
    // A map whose keys are a fixed set (the add-ons): that set, or the closest of it.
    const addons = (key: string) => problems(`gitops:\n  addons:\n    ${key}: { enabled: false }\n${BASE}`);
    expect(addons('istio-base')).toEqual(['gitops.addons.istio-base (line 3, column 5): unknown field (fields here: istio, certManager, opentelemetryOperator, kubePrometheusStack, jaeger, keda, sealedSecrets, metricsServer, verticalPodAutoscaler)']);
    expect(addons('certManger')).toEqual(["gitops.addons.certManger (line 3, column 5): unknown field; did you mean 'certManager'?"]);
    expect(addons('certManager')).toEqual([]);
  });

  test('a name in dependsOn that names nothing: the closest service; ZooKeeper: only Kafka talks to it', () => {
    expect(problems(edit('dependsOn: [payments]', 'dependsOn: [paymnts]'))).toEqual([
      "services[orders].dependsOn[0] (line 16, column 17): 'paymnts' names no service or data store; did you mean 'payments'?",
    ]);
    const zk = `${BASE}dataStores:\n  kafka: { version: 3.9.0, environments: { dev: { replicas: 1, storage: 1Gi }, prod: { replicas: 3, storage: 1Gi } } }\n  zookeeper: { version: 3.9.3, environments: { dev: { replicas: 1, storage: 1Gi }, prod: { replicas: 3, storage: 1Gi } } }\n`;
    expect(problems(zk.replace('dependsOn: [payments]', 'dependsOn: [payments, zookeeper]'))).toEqual([
      'services[orders].dependsOn[1] (line 16, column 27): services do not connect to ZooKeeper: only kafka talks to it (a service names kafka instead)',
    ]);
  });

  test('a wrong type in plain words (no "expected record, got null"); an unknown value lists the valid ones', () => {
    expect(problems(edit('    route: { path: /api/payments }\n', '    route: { path: /api/payments }\n    env:\n'))).toEqual([
      'services[payments].env (line 23, column 5): expected a map (name: value), got nothing (null: a key with no value)',
    ]);
    expect(problems(edit('runtime: go', 'runtime: golang'))).toEqual([
      'services[orders].runtime (line 13, column 5): must be one of "nodejs", "go", "python", "java", "dotnet", "static", got "golang"',
    ]);
  });

  test('a variable the platform sets (PORT, the callee URL) is refused, not silently overwritten', () => {
    expect(problems(edit('    route: { path: /api/orders }\n', '    route: { path: /api/orders }\n    env: { PORT: "9090", PAYMENTS_URL: http://x, LOG_LEVEL: info }\n'))).toEqual([
      'services[orders].env.PORT (line 18, column 12): PORT is set by the platform for this service (its value would silently replace yours): rename the variable',
      'services[orders].env.PAYMENTS_URL (line 18, column 26): PAYMENTS_URL is set by the platform for this service (its value would silently replace yours): rename the variable',
    ]);
  });

  test('a credential written into env points to secrets; notSecret exempts a name; a value shaped like a key is caught whatever its name', () => {
    const found = problems(edit('    route: { path: /api/payments }\n', '    route: { path: /api/payments }\n    env:\n      STRIPE_SECRET_KEY: abc123\n      CACHE_KEY: products\n      WEBHOOK: sk_live_4eC39HqLyjWDarjtT1zdp7dc\n'));
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/^services\[payments\]\.env\.STRIPE_SECRET_KEY \(line 24, column 7\): STRIPE_SECRET_KEY is named like a credential: .* Put it in a Secret and read it with secrets: \[\{ env: STRIPE_SECRET_KEY, secret: <name>, key: <key> \}\]; if it is not secret, add STRIPE_SECRET_KEY to notSecret$/);
    expect(found[1]).toMatch(/^services\[payments\]\.env\.CACHE_KEY .*named like a credential/);
    expect(found[2]).toMatch(/^services\[payments\]\.env\.WEBHOOK .*the value of WEBHOOK looks like a Stripe secret key/);
    expect(problems(edit('    route: { path: /api/payments }\n', '    route: { path: /api/payments }\n    notSecret: [CACHE_KEY]\n    env: { CACHE_KEY: products, TOKEN_TTL_SECONDS: "900" }\n'))).toEqual([]);
    expect(credentialLiteral('DATABASE_URL', 'postgres://app:hunter2@db:5432/app')).toMatch(/a URL with a password/);
    expect(credentialLiteral('DATABASE_URL', 'postgres://db:5432/app')).toBeUndefined();
    expect(credentialLiteral('PUBLIC_KEY_ID', 'abc')).toBeUndefined();
  });

  test('two services on one path, and a path that shadows another on the same host', () => {
    expect(problems(edit('path: /api/payments', 'path: /api/orders'))).toEqual([
      "services[payments].route.path (line 22, column 14): route /api/orders is also orders's (dev.shop.test in dev, shop.test in prod): give each service its own path",
    ]);
    expect(problems(edit('path: /api/payments', 'path: /api'))).toEqual([
      expect.stringMatching(/^services\[payments\]\.route\.path \(line 22, column 14\): route \/api and orders's route \/api\/orders overlap \(dev\.shop\.test in dev, shop\.test in prod\): \/api also matches \/api\/orders/),
    ]);
    // Host names compare case-insensitively.
    // (A service-level host is every environment's: dev and prod, on one cluster, would both bind it.)
    const onShopTest = problems(edit('path: /api/payments }', 'path: /api/orders, host: Shop.Test }'));
    expect(onShopTest.filter((p) => !/is also dev's on cluster/.test(p))).toEqual([expect.stringMatching(/is also orders's \(shop\.test in prod\)/)]);
    // The same path on another host, or /api vs /apis (not a segment prefix), is fine — but not one host in two environments of a cluster.
    expect(problems(edit('path: /api/payments }', 'path: /api/orders, host: pay.shop.test }'))).toEqual([
      expect.stringMatching(/^services\[payments\]\.route\.host \(line \d+, column \d+\): host pay\.shop\.test is also dev's on cluster https:\/\/kubernetes\.default\.svc: both would bind it on the shared ingress gateway/),
    ]);
    expect(problems(edit('path: /api/orders', 'path: /apis')
      .replace('path: /api/payments', 'path: /api'))).toEqual([]);
  });

  test('per-environment overrides: an environment that does not exist, replicas and autoscaling on one level', () => {
    const text = edit('    route: { path: /api/payments }\n', '    route: { path: /api/payments }\n    environments:\n      prd: { replicas: 1 }\n      prod:\n        replicas: 2\n        autoscaling: { minReplicas: 2, maxReplicas: 4 }\n');
    expect(problems(text)).toEqual([
      "services[payments].environments.prd (line 24, column 7): 'prd' is not an environment; did you mean 'prod'?",
      'services[payments].environments.prod.replicas (line 26, column 9): set either replicas (a fixed count) or autoscaling here, not both: autoscaling starts at its minReplicas (2)',
    ]);
  });

  test('"settings or false" fields report the problems of the settings given, not "expected … or false"', () => {
    const text = edit('    route: { path: /api/payments }\n', '    route: { path: /api/payments }\n    autoscaling: { minReplicas: 4, maxReplica: 2 }\n    environments:\n      prod: { route: { paht: /pay } }\n');
    expect(problems(text)).toEqual([
      'services[payments].autoscaling.maxReplicas (line 23, column 18): required (a number: Upper bound of the HorizontalPodAutoscaler.)',
      "services[payments].autoscaling.maxReplica (line 23, column 36): unknown field; did you mean 'maxReplicas'?",
      'services[payments].environments.prod.route.path (line 25, column 22): required (a string: Path prefix routed from the ingress gateway.)',
      "services[payments].environments.prod.route.paht (line 25, column 24): unknown field; did you mean 'path'?",
    ]);
  });

  test('a secrets entry says which form it needs', () => {
    expect(problems(edit('    route: { path: /api/payments }\n', '    route: { path: /api/payments }\n    secrets:\n      - { env: STRIPE_API_KEY, secret: stripe }\n      - { env: A, mount: /etc/a, secret: a, key: k }\n      - { env: PORT, secret: p, key: k }\n'))).toEqual([
      "services[payments].secrets[0].key (line 24, column 9): required with env: the key of Secret 'stripe' whose value STRIPE_API_KEY receives",
      'services[payments].secrets[1].mount (line 25, column 19): give either env (with key) or mount, one per entry',
      'services[payments].secrets[2].env (line 26, column 11): PORT is set by the platform for this service: rename the variable',
    ]);
  });
});
