import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { afterAll, describe, expect, test } from 'vitest';
import { PlatformApp, PlatformChart, PolicyError, PolicyValidation, PostgresChart, parseSpec, resolvePlatform } from '../../index';
import { readTree } from '../../diff/sources';
import { smallPlatform } from '../helpers/fixtures';

const tmp = mkdtempSync(join(tmpdir(), 'construct-api-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const model = () => resolvePlatform(parseSpec(smallPlatform(), 'fixture'));

/** A container any reviewer would stop: root, privileged, unpinned, no limits. */
function badWorkload(chart: Chart, namespace: string) {
  new k8s.KubeDeployment(chart, 'web', {
    metadata: { name: 'web', namespace },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:latest', securityContext: { privileged: true } }] } },
    },
  });
}

describe('the construct API', () => {
  test('handles reach what a chart rendered: a service’s Deployment, a store’s StatefulSets and Services, a namespace’s quota', () => {
    const app = new PlatformApp({ model: model() });
    const prod = app.platform.environments.get('prod')!;
    expect(prod.services.get('api')!.deployment.name).toBe('api');
    const postgres = prod.data.get('postgres')![0] as PostgresChart;
    expect([...postgres.store.statefulSets.keys()]).toEqual(['postgres-primary', 'postgres-read']);
    expect([...postgres.store.services.keys()]).toEqual(['postgres', 'postgres-read']);
    expect(postgres.store.networkPolicy.name).toBe('postgres');
    expect([...prod.environment.quotas.keys()]).toEqual(prod.environment.namespaces);
  });

  test('a chart of your own with a privileged, unpinned container fails the same gate, naming its file', () => {
    const app = new PlatformApp({ model: model() });
    const ns = app.model.environments[0]!.namespace;
    badWorkload(new PlatformChart(app, 'mine', { file: 'dev/extra/web.yaml' }), ns);
    let error: unknown;
    try {
      app.render();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    const mine = (error as PolicyError).violations.filter((v) => v.file === 'dev/extra/web.yaml').map((v) => v.rule);
    expect(mine).toEqual(expect.arrayContaining(['PSS-ESCALATION', 'IMAGE-PINNED', 'RESOURCES', 'META-LABELS', 'PSS-NONROOT']));
    expect((error as PolicyError).violations.every((v) => v.file === 'dev/extra/web.yaml'), 'the platform itself passes').toBe(true);
  });

  test('in a plain cdk8s App, PolicyValidation makes app.synth() fail; without it the same chart synthesizes', () => {
    const withGate = new App({ outdir: join(tmp, 'gated') });
    const first = PolicyValidation.of(withGate);
    expect(PolicyValidation.of(withGate), 'idempotent: the first instance').toBe(first);
    badWorkload(new Chart(withGate, 'mine'), 'default');
    let message = '';
    try {
      withGate.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/\[PSS-ESCALATION\] mine\.yaml Deployment\/default\/web: container web is privileged/);
    // Registered once: each violation is reported once.
    expect(message.split('container web is privileged').length - 1).toBe(1);
    expect(existsSync(join(tmp, 'gated'))).toBe(true); // cdk8s creates outdir before validating; nothing is written in it
    expect(spawnSync('ls', [join(tmp, 'gated')], { encoding: 'utf8' }).stdout).toBe('');

    const withoutGate = new App({ outdir: join(tmp, 'ungated') });
    badWorkload(new Chart(withoutGate, 'mine'), 'default');
    expect(() => withoutGate.synth()).not.toThrow();
  });

  test('a plain Chart is not a PlatformChart; in a PlatformApp it is a clear error and outdir is left as it was', () => {
    const plain = new Chart(new App(), 'plain');
    expect(PlatformChart.isPlatformChart(plain)).toBe(false);
    expect(plain instanceof PlatformChart).toBe(false);
    // instanceof a subclass answers for that subclass only.
    const prod = new PlatformApp({ model: model() }).platform.environments.get('prod')!;
    expect(prod.services.get('api')! instanceof PlatformChart).toBe(true);
    expect(prod.services.get('api')! instanceof PostgresChart).toBe(false);
    expect(prod.data.get('postgres')![0]! instanceof PostgresChart).toBe(true);

    const outdir = join(tmp, 'kept');
    mkdirSync(outdir, { recursive: true });
    writeFileSync(join(outdir, 'marker.yaml'), 'kept: true\n');
    const app = new PlatformApp({ model: model(), outdir });
    new Chart(app, 'plain');
    expect(() => app.synth()).toThrowError(/chart 'plain' is a plain cdk8s Chart: it names no file .*Make it a PlatformChart with file '<environment>\/<folder>\/<name>\.yaml'/);
    expect(readTree(outdir)).toEqual(new Map([['marker.yaml', 'kept: true\n']]));

    // A PlatformChart nested below another construct would be checked and counted but never written: refused too.
    const nested = new PlatformApp({ model: model(), outdir });
    new PlatformChart(new Construct(nested, 'group'), 'inner', { file: 'dev/extra/inner.yaml' });
    expect(() => nested.synth()).toThrowError(/PlatformChart 'group\/inner' is nested in 'group': add it to the App itself/);
    expect(readTree(outdir)).toEqual(new Map([['marker.yaml', 'kept: true\n']]));
  });
});
