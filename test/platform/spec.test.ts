import { describe, expect, test } from 'vitest';
import { parseSpec, parseSpecText, SpecError } from '../../platform/loader';
import { smallPlatform } from '../helpers/fixtures';
import { BAD_SPECS } from '../helpers/bad-specs';
import { assertZooKeeperMode, kafkaImage } from '../../stores/kafka/chart';

/** The problems a spec produces (empty when it is valid). */
function problems(mutate: (spec: any) => void): string[] {
  const spec: any = smallPlatform();
  mutate(spec);
  try {
    parseSpec(spec);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as SpecError).problems;
  }
}

describe('platform spec validation', () => {
  test('the fixture and the reference platform are valid', () => {
    expect(problems(() => {})).toEqual([]);
  });

  test.each(BAD_SPECS)('%s', (_name, mutate, expected) => {
    const found = problems(mutate);
    expect(found.some((p) => p.startsWith(expected)), `expected a problem starting with\n  ${expected}\ngot\n  ${found.join('\n  ')}`).toBe(true);
  });

  test('every problem is reported at once, each with its path, in one message', () => {
    const spec: any = smallPlatform();
    spec.services[0].port = 70000;
    spec.services[1].image = 'registry.test/acme/worker:latest';
    spec.services[2].name = 'api';
    spec.services[0].dependsOn.push('nowhere');
    spec.environments.prod.autoscaling.minReplicas = 9;
    let error: SpecError | undefined;
    try {
      parseSpec(spec, 'platform.yaml');
    } catch (e) {
      error = e as SpecError;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect(error!.problems).toHaveLength(5);
    expect(error!.message).toMatch(/^platform\.yaml: 5 problems in the platform spec:/);
    for (const path of ['services[api].port', 'services[worker].image', 'services[api].name', 'services[api].dependsOn[2]', 'environments.prod.autoscaling.minReplicas']) {
      expect(error!.message).toContain(`  - ${path}: `);
    }
  });

  test('a YAML syntax error names its line and column', () => {
    expect(() => parseSpecText('name: shop\nservices: [\n  - name: a\n', 'broken.yaml')).toThrowError(/broken\.yaml: \d problems? .*\n  - YAML syntax error at line 3, column 3: /);
  });

  test('an empty file is an error, not an empty platform', () => {
    expect(() => parseSpecText('', 'empty.yaml')).toThrowError(/the file is empty/);
  });

  test('the Kafka version rule is a spec problem, and the chart keeps it as a guard', () => {
    expect(problems((s) => (s.dataStores.kafka.version = '3.8.1'))).toEqual([]);
    expect(problems((s) => (s.dataStores.kafka.version = '4.1.0'))).toEqual(["dataStores.kafka.version: Kafka 4.0 removed ZooKeeper mode; use one of 3.8.0, 3.8.1, 3.9.0 (got '4.1.0')"]);
    // A 3.x the broker image does not ship is refused with the versions it does.
    expect(problems((s) => (s.dataStores.kafka.version = '3.9.1'))).toEqual([
      "dataStores.kafka.version: the broker image (Strimzi's Kafka image, the last line with ZooKeeper mode) exists for 3.8.0, 3.8.1, 3.9.0 (got '3.9.1')",
    ]);
    expect(kafkaImage('3.8.1')).toBe('quay.io/strimzi/kafka:0.45.0-kafka-3.8.1');
    expect(() => kafkaImage('3.7.0')).toThrowError(/^dataStores\.kafka\.version: the broker image .* \(got '3\.7\.0'\)/);
    expect(() => assertZooKeeperMode('4.0.0')).toThrowError(/^dataStores\.kafka\.version: Kafka 4\.0 removed ZooKeeper mode/);
    expect(() => assertZooKeeperMode('3.9.0')).not.toThrow();
  });

  test('a canary takes image and weight, replicas default to 1', () => {
    const spec: any = smallPlatform();
    spec.services[0].canary = { image: 'registry.test/acme/api:1.1.0', weight: 10 };
    expect(parseSpec(spec).services[0]!.canary).toEqual({ image: 'registry.test/acme/api:1.1.0', weight: 10, replicas: 1 });
    expect(problems((s) => (s.services[1].canary = { image: 'registry.test/acme/worker@sha256:' + 'a'.repeat(64), weight: 99, replicas: 2 }))).toEqual([]);
  });

  test('kafka-lag scaling requires consumed topics', () => {
    expect(problems((s) => (s.services[0].scaleOn = 'kafka-lag'))).toContain('services[api].scaleOn: kafka-lag scaling needs topics in consumes');
  });

  test('a store can run another version and tier in one environment (e.g. a minor upgrade in dev first)', async () => {
    const { resolvePlatform } = await import('../../platform/model');
    const spec: any = smallPlatform();
    spec.dataStores.postgres.environments.dev.version = '16.6';
    spec.dataStores.postgres.environments.dev.tier = 'small';
    const model = resolvePlatform(parseSpec(spec));
    const pg = (env: string) => model.environments.find((e) => e.name === env)!.stores.find((s) => s.kind === 'postgres')!;
    expect([pg('dev').version, pg('dev').tier]).toEqual(['16.6', 'small']);
    expect([pg('prod').version, pg('prod').tier]).toEqual(['16.4', 'medium']);
  });
});
