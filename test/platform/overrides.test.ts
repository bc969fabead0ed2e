import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { describe, expect, test } from 'vitest';
import { SpecError } from '../../platform/loader';
import { loadPlatform } from '../../platform/load';
import { renderPlatform } from '../../render/pipeline';
import { secretsTable } from '../../render/diagram';
import { checkPolicies } from '../../policy/gate';
import { smallPlatform } from '../helpers/fixtures';
import { RESERVED_ANNOTATION_PREFIXES } from '../../catalogue/names';
import { cronProblem } from '../../platform/schema';
import { render } from '../helpers/render';
import { diffTrees } from '../../diff/diff';

/** `services[].environments`, per-service scaling and `secrets`, rendered. */
const spec = (mutate: (s: any) => void) => {
  const s: any = smallPlatform();
  mutate(s);
  return s;
};

/** The spec problems of the fixture mutated (none when it renders). */
function specProblems(mutate: (s: any) => void): string[] {
  try {
    render(spec(mutate));
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as SpecError).problems;
  }
}

describe('per-environment overrides', () => {
  const r = render(
    spec((s) => {
      s.services[0].environments = {
        dev: { image: 'registry.test/acme/api:1.1.0', env: { LOG_LEVEL: 'trace', FEATURE_X: 'on' }, tier: 'large', route: false },
        prod: { canary: { image: 'registry.test/acme/api:1.1.0', weight: 5 } },
      };
    }),
  );
  const api = (env: string) => r.model.environments.find((e) => e.name === env)!.serviceIndex.get('api')!;

  test('an image promoted to dev only: dev runs it, staging and prod keep the service image', () => {
    expect(api('dev').image).toBe('registry.test/acme/api:1.1.0');
    expect((r.get('Deployment', 'api', { env: 'dev' }).spec as any).template.spec.containers[0].image).toBe('registry.test/acme/api:1.1.0');
    expect((r.get('Deployment', 'api', { env: 'staging' }).spec as any).template.spec.containers[0].image).toBe('registry.test/acme/api:1.0.0');
    expect(r.get('Deployment', 'api', { env: 'dev' }).metadata.labels!['app.kubernetes.io/version']).toBe('1.1.0');
  });

  test('env merges over the service env; tier wins over the environment resourceTier; route false = internal; canary in prod only', () => {
    expect(api('dev').config).toMatchObject({ LOG_LEVEL: 'trace', FEATURE_X: 'on' });
    expect(api('staging').config.LOG_LEVEL).toBe('debug');
    expect(api('staging').config.FEATURE_X).toBeUndefined();
    expect(api('dev').tier).toBe('large');
    expect(api('dev').route).toBeUndefined();
    expect(r.find('VirtualService', { env: 'dev', name: 'api-public' })).toHaveLength(0);
    expect(r.find('VirtualService', { env: 'staging', name: 'api-public' })).toHaveLength(1);
    expect(api('prod').canary?.weight).toBe(5);
    expect(api('staging').canary).toBeUndefined();
    expect(r.find('Deployment', { env: 'prod', name: 'api-canary' })).toHaveLength(1);
    expect(r.find('Deployment', { env: 'staging', name: 'api-canary' })).toHaveLength(0);
    expect(checkPolicies(r.charts)).toEqual([]);
  });
});

describe('scaling per service', () => {
  test('a singleton in prod while the others autoscale: no HPA, no PDB that would block every drain, quota and partitions follow', () => {
    const base = render(smallPlatform());
    const r = render(spec((s) => (s.services[0].environments = { prod: { replicas: 1 } })));
    const prod = r.model.environments.find((e) => e.name === 'prod')!;
    expect(prod.serviceIndex.get('api')).toMatchObject({ replicas: 1, maxReplicas: 1, scaler: 'fixed' });
    expect(prod.serviceIndex.get('worker')).toMatchObject({ scaler: 'hpa', maxReplicas: 6 });
    expect(r.find('HorizontalPodAutoscaler', { env: 'prod', name: 'api' })).toHaveLength(0);
    expect(r.find('PodDisruptionBudget', { env: 'prod', name: 'api' })).toHaveLength(0);
    expect((r.get('Deployment', 'api', { env: 'prod' }).spec as any).replicas).toBe(1);
    const pods = (x: typeof r) => Number((x.find('ResourceQuota', { env: 'prod', namespace: 'acme-prod' })[0]!.spec as any).hard.pods);
    expect(pods(r)).toBeLessThan(pods(base));
    expect(checkPolicies(r.charts)).toEqual([]);
  });

  test('service autoscaling beats the environment; false = a fixed count; topic partitions follow the consumer maximum', () => {
    const r = render(
      spec((s) => {
        s.services[2].autoscaling = { minReplicas: 2, maxReplicas: 12 };
        s.services[1].autoscaling = false;
        s.services[1].replicas = 2;
      }),
    );
    const env = (n: string) => r.model.environments.find((e) => e.name === n)!;
    expect(env('dev').serviceIndex.get('mailer')).toMatchObject({ scaler: 'keda', replicas: 2, maxReplicas: 12 });
    expect(env('prod').serviceIndex.get('worker')).toMatchObject({ scaler: 'fixed', replicas: 2, maxReplicas: 2 });
    expect(env('dev').serviceIndex.get('worker')).toMatchObject({ scaler: 'fixed', replicas: 2 });
    const topics = r.get('Job', 'kafka-topics', { env: 'prod' });
    expect(JSON.stringify(topics)).toContain("create 'jobs' 12 3 2");
  });
});

describe('service secrets', () => {
  const withSecrets = (s: any) => {
    s.services[0].secrets = [
      { env: 'STRIPE_API_KEY', secret: 'stripe', key: 'api-key' },
      { mount: '/etc/tls/client', secret: 'client-tls', items: ['tls.crt', 'tls.key'] },
    ];
    for (const e of Object.values(s.environments) as any[]) e.providedSecrets = ['stripe', 'client-tls'];
  };

  test('rendered as secretKeyRef and a read-only secret volume', () => {
    const r = render(spec(withSecrets));
    const pod = (r.get('Deployment', 'api', { env: 'prod' }).spec as any).template.spec;
    const c = pod.containers[0];
    expect(c.env).toContainEqual({ name: 'STRIPE_API_KEY', valueFrom: { secretKeyRef: { name: 'stripe', key: 'api-key' } } });
    expect(c.volumeMounts).toContainEqual({ name: 'secret-0', mountPath: '/etc/tls/client', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'secret-0', secret: { secretName: 'client-tls', defaultMode: 0o440, items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }] } });
    expect(checkPolicies(r.charts)).toEqual([]);
  });

  /** A spec file with a secrets/<env>/ folder beside it. */
  function project(files: Record<string, string>, mutate: (s: any) => void = withSecrets): string {
    const dir = mkdtempSync(join(tmpdir(), 'sealed-'));
    writeFileSync(join(dir, 'platform.yaml'), dump(spec(mutate)));
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), text);
    }
    return join(dir, 'platform.yaml');
  }
  const sealed = (name: string, ns: string, extra = '') =>
    `apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  encryptedData:\n    api-key: AgBy3i4OJSWK+PiTySYZZA==\n  template:\n    metadata:\n      name: ${name}\n      namespace: ${ns}${extra}\n`;
  const prodOnly = (s: any) => {
    withSecrets(s);
    s.environments.prod.providedSecrets = ['client-tls'];
  };

  test('a SealedSecret in secrets/<env>/ is rendered into that environment, waved before the pods, allowed by its AppProject; the docs say where each Secret comes from', () => {
    const model = loadPlatform(project({ 'secrets/prod/stripe.yaml': sealed('stripe', 'acme-prod') }, prodOnly));
    const r = renderPlatform(model);
    const table = secretsTable(model, r.charts);
    expect(table).toContain('| prod | acme-prod | `stripe` | Deployment api | SealedSecret in `secrets/prod/` |');
    expect(table).toContain('| prod | acme-prod | `client-tls` | Deployment api | the cluster (`providedSecrets`) |');
    expect(table).toContain('| prod | acme-prod-data | `postgres-credentials` | Job postgres-provision, StatefulSet postgres-primary, StatefulSet postgres-read | **an operator creates it** before the first sync |');
    expect(table).toContain('| dev | acme-dev | `stripe` | Deployment api | the cluster (`providedSecrets`) |');
    const file = r.charts.find((c) => c.file === 'prod/base/sealed-secrets.yaml')!;
    expect(file.objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['SealedSecret/acme-prod/stripe']);
    expect(file.objects[0]!.metadata.annotations!['argocd.argoproj.io/sync-wave']).toBe('0');
    expect((file.objects[0]!.spec as any).encryptedData).toEqual({ 'api-key': 'AgBy3i4OJSWK+PiTySYZZA==' });
    const project_ = r.charts.flatMap((c) => c.objects).find((o) => o.kind === 'AppProject' && o.metadata.name === 'acme-prod')!;
    expect((project_.spec as any).namespaceResourceWhitelist).toContainEqual({ group: 'bitnami.com', kind: 'SealedSecret' });
    const dev = r.charts.flatMap((c) => c.objects).find((o) => o.kind === 'AppProject' && o.metadata.name === 'acme-dev')!;
    expect((dev.spec as any).namespaceResourceWhitelist).not.toContainEqual({ group: 'bitnami.com', kind: 'SealedSecret' });
    expect(checkPolicies(r.charts)).toEqual([]);
  });

  test("kubeseal's default output (JSON) is read too", () => {
    const json = JSON.stringify({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'stripe', namespace: 'acme-prod' }, spec: { encryptedData: { 'api-key': 'AgBy3i4OJSWK' } } });
    const model = loadPlatform(project({ 'secrets/prod/stripe.json': json }, prodOnly));
    expect(model.environments.find((e) => e.name === 'prod')!.sealedSecrets.map((f) => f.file)).toEqual(['secrets/prod/stripe.json']);
  });

  test('the bad twins: a Secret nobody provides, a wrong namespace or kind, a folder that is no environment, both sealed and provided', () => {
    const problems = (file: string) => {
      try {
        loadPlatform(file);
        return [];
      } catch (e) {
        expect(e).toBeInstanceOf(SpecError);
        return (e as SpecError).problems;
      }
    };
    expect(problems(project({}, prodOnly))).toEqual([
      expect.stringMatching(/^services\[api\]\.secrets\[0\]\.secret \(line \d+, column \d+\): Secret 'stripe' is not in prod: seal it with kubeseal into secrets\/prod\/ \(namespace acme-prod\), or list it in environments\.prod\.providedSecrets/),
    ]);
    expect(problems(project({ 'secrets/prod/stripe.yaml': sealed('stripe', 'acme-dev') }, prodOnly))).toContainEqual(
      expect.stringMatching(/^secrets\/prod\/stripe\.yaml \(line 1, column 1\): metadata\.namespace must be one of prod's namespaces \(acme-prod, acme-prod-data\), got "acme-dev"/),
    );
    expect(problems(project({ 'secrets/prod/x.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: { name: stripe, namespace: acme-prod }\ndata: { api-key: c2VjcmV0 }\n' }, prodOnly))).toContainEqual(
      expect.stringMatching(/x\.yaml \(line 1, column 1\): expected a SealedSecret/),
    );
    expect(problems(project({ 'secrets/prd/stripe.yaml': sealed('stripe', 'acme-prod') }))).toEqual(["secrets/prd/: 'prd' is not an environment; did you mean 'prod'? (one folder per environment)"]);
    expect(problems(project({ 'secrets/prod/stripe.yaml': sealed('stripe', 'acme-prod') }))).toEqual([
      expect.stringMatching(/^environments\.prod\.providedSecrets\[0\] \(line \d+, column \d+\): 'stripe' is also a SealedSecret in secrets\/prod\/: keep one source/),
    ]);
  });

  test('the bad twin of SEALED-SECRET-USED: a SealedSecret no pod reads fails the gate', () => {
    const model = loadPlatform(project({ 'secrets/prod/stripe.yaml': sealed('stripe', 'acme-prod'), 'secrets/prod/old.yaml': sealed('old-key', 'acme-prod') }, prodOnly));
    expect(() => renderPlatform(model)).toThrow(/\[SEALED-SECRET-USED\] prod\/base\/sealed-secrets\.yaml SealedSecret\/acme-prod\/old-key: no pod in acme-prod reads Secret old-key/);
  });
});

describe('service annotations', () => {
  test('annotations go on the Deployment and Service, podAnnotations on the pods, beside the platform own', () => {
    const r = render(
      spec((s) => {
        s.services[0].annotations = { 'example.com/team': 'checkout' };
        s.services[0].podAnnotations = { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' };
      }),
    );
    const d: any = r.get('Deployment', 'api', { env: 'prod' });
    expect(d.metadata.annotations).toMatchObject({ 'example.com/team': 'checkout', 'argocd.argoproj.io/sync-wave': '3' });
    expect(r.get('Service', 'api', { env: 'prod' }).metadata.annotations).toMatchObject({ 'example.com/team': 'checkout' });
    expect(d.spec.template.metadata.annotations).toMatchObject({ 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true', 'checksum/config': expect.any(String) });
  });

  test('every annotation the platform puts on a service object or pod is under a reserved prefix (derived from the render, canary, init containers and cron jobs included)', () => {
    const r = render(
      spec((s) => {
        s.services[0].canary = { image: 'registry.test/acme/api:1.1.0', weight: 10 };
        s.services[0].initContainers = [{ name: 'migrate', command: ['/m'] }];
        s.services[0].cronJobs = [{ name: 'nightly', schedule: '@daily', command: ['/n'] }];
      }),
    );
    const keys = new Set<string>();
    for (const o of r.objects.filter((x) => x.metadata.namespace === 'acme-prod' && ['Deployment', 'Service', 'CronJob'].includes(x.kind))) {
      for (const k of Object.keys(o.metadata.annotations ?? {})) keys.add(k);
      const spec: any = o.spec;
      for (const k of Object.keys((o.kind === 'CronJob' ? spec.jobTemplate.spec.template : spec.template)?.metadata?.annotations ?? {})) keys.add(k);
    }
    expect(keys.size).toBeGreaterThan(5);
    expect([...keys].filter((k) => !RESERVED_ANNOTATION_PREFIXES.some((p) => k.startsWith(p)))).toEqual([]);
  });

  test('the bad twin: a prefix the platform sets itself is refused, with where to go instead', () => {
    const problems = specProblems((s) => (s.services[0].podAnnotations = { 'sidecar.istio.io/inject': 'false' }));
    expect(problems).toEqual([expect.stringMatching(/^services\[api\]\.podAnnotations\.sidecar\.istio\.io\/inject: 'sidecar\.istio\.io\/inject' uses a prefix the platform sets itself .*: choose your own, or use patches$/)]);
  });
});

describe('init containers, sidecars and volumes', () => {
  const withExtras = (s: any) => {
    s.services[0].volumes = [{ name: 'cache', path: '/var/cache/api', emptyDir: { sizeLimit: '1Gi' } }, { name: 'rules', configMap: 'api-rules' }];
    s.services[0].initContainers = [{ name: 'migrate', command: ['/app/migrate', 'up'], env: { MIGRATIONS_DIR: '/migrations' } }];
    s.services[0].sidecars = [{ name: 'rules-sync', image: 'registry.test/acme/rules-sync:0.4.0', tier: 'small', mounts: [{ volume: 'rules', path: '/rules' }, { volume: 'cache', path: '/cache' }] }];
    s.services[0].canary = { image: 'registry.test/acme/api:1.1.0', weight: 10 };
  };

  test("rendered with the service's configuration, secrets and security; sidecars native and first; the proxy native; the quota counts them", () => {
    const base = render(smallPlatform());
    const r = render(spec(withExtras));
    const pod = (name: string) => (r.get('Deployment', name, { env: 'prod' }).spec as any).template;
    const init = pod('api').spec.initContainers;
    expect(init.map((c: any) => [c.name, c.restartPolicy ?? null, c.image])).toEqual([
      ['rules-sync', 'Always', 'registry.test/acme/rules-sync:0.4.0'],
      ['migrate', null, 'registry.test/acme/api:1.0.0'],
    ]);
    // The canary's migration runs the canary's image.
    expect(pod('api-canary').spec.initContainers[1].image).toBe('registry.test/acme/api:1.1.0');
    const migrate = init[1];
    expect(migrate.envFrom).toEqual([{ configMapRef: { name: 'api-config' } }]);
    expect(migrate.env).toContainEqual({ name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'postgres-app-credentials', key: 'password' } } });
    expect(migrate.env).toContainEqual({ name: 'MIGRATIONS_DIR', value: '/migrations' });
    expect(migrate.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(init[0].volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }, { name: 'rules', mountPath: '/rules', readOnly: true }, { name: 'cache', mountPath: '/cache' }]);
    expect(pod('api').spec.containers[0].volumeMounts).toContainEqual({ name: 'cache', mountPath: '/var/cache/api' });
    expect(pod('api').spec.volumes).toContainEqual({ name: 'rules', configMap: { name: 'api-rules', defaultMode: 0o440 } });
    expect(pod('api').metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
    expect(pod('worker').metadata.annotations['sidecar.istio.io/nativeSidecar']).toBeUndefined();
    const cpu = (x: typeof r) => (x.find('ResourceQuota', { env: 'prod', namespace: 'acme-prod' })[0]!.spec as any).hard['requests.cpu'];
    expect(cpu(r)).not.toBe(cpu(base));
    expect(checkPolicies(r.charts)).toEqual([]);
  });

  test('the bad twins: a mount of a volume that does not exist, a container name taken, a mount path used twice, a platform variable', () => {
    const problems = specProblems((s) => {
      withExtras(s);
      s.services[0].sidecars[0].mounts[0].volume = 'rulez';
      s.services[0].initContainers.push({ name: 'api' });
      s.services[0].volumes[0].path = '/tmp';
      s.services[0].initContainers[0].env.PORT = '1';
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        "services[api].sidecars[rules-sync].mounts[0].volume: 'rulez' is not a volume of this service; did you mean 'rules'? (volumes: tmp, cache, rules)",
        "services[api].initContainers[api].name: container name 'api' is taken in this pod",
        'services[api].volumes[cache].path: /tmp is already mounted (the writable /tmp every service gets)',
        'services[api].initContainers[migrate].env.PORT: PORT is set by the platform for this service: rename the variable',
      ]),
    );
    expect(problems).toHaveLength(4);
  });
});

describe('scheduled tasks (cronJobs)', () => {
  const withCron = (s: any) => (s.services[0].cronJobs = [{ name: 'reindex', schedule: '30 2 * * *', command: ['/app/reindex'], activeDeadlineSeconds: 900 }]);

  test("a CronJob as the service: its account, config and secrets; its pods never selected by the Service, autoscaler or budget; admitted where the service is", () => {
    const r = render(spec(withCron));
    const cron: any = r.get('CronJob', 'api-reindex', { env: 'prod' });
    const pod = cron.spec.jobTemplate.spec.template;
    expect(cron.spec).toMatchObject({ schedule: '30 2 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
    expect(cron.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 900 });
    expect(pod.spec.serviceAccountName).toBe('api');
    expect(pod.spec.containers[0]).toMatchObject({ image: 'registry.test/acme/api:1.0.0', command: ['/app/reindex'], envFrom: [{ configMapRef: { name: 'api-config' } }] });
    expect(pod.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
    const labels = pod.metadata.labels;
    const sel = (o: any) => Object.entries(o as Record<string, string>).every(([k, v]) => labels[k] === v);
    expect(sel((r.get('Service', 'api', { env: 'prod' }).spec as any).selector)).toBe(false);
    expect(sel((r.get('Deployment', 'api', { env: 'prod' }).spec as any).selector.matchLabels)).toBe(false);
    expect(sel((r.get('PodDisruptionBudget', 'api', { env: 'prod' }).spec as any).selector.matchLabels)).toBe(false);
    // Callees admit it: the worker (a service it calls) and PostgreSQL.
    const from = (np: any) => (np.spec.ingress ?? []).flatMap((i: any) => i.from ?? []).map((p: any) => p.podSelector?.matchLabels ?? {});
    expect(from(r.get('NetworkPolicy', 'worker', { env: 'prod' })).some(sel)).toBe(true);
    expect(r.find('NetworkPolicy', { env: 'prod', namespace: 'acme-prod-data' }).some((np) => from(np).some(sel))).toBe(true);
    // Its own NetworkPolicy: no ingress, the service's egress.
    const own: any = r.get('NetworkPolicy', 'api-reindex', { env: 'prod' });
    expect(own.spec.ingress).toEqual([]);
    expect(own.spec.egress).toEqual((r.get('NetworkPolicy', 'api', { env: 'prod' }).spec as any).egress);
    // An alert per deadline: its latest run has not succeeded in time.
    const rules = r.find('PrometheusRule', { env: 'prod' }).flatMap((p: any) => (p.spec.groups ?? []).flatMap((g: any) => g.rules ?? []));
    expect(rules.find((x: any) => x.alert === 'ServiceCronJobFailing')?.expr).toContain('cronjob=~"api-reindex"');
    expect(checkPolicies(r.charts)).toEqual([]);
  });

  test('the bad twins: a name the Jobs would make too long, the canary name, a schedule that is not cron', () => {
    const problems = specProblems((s) => {
      s.services[0].cronJobs = [
        { name: 'x'.repeat(49), schedule: '@daily', command: ['/x'] },
        { name: 'canary', schedule: '0 * * * *', command: ['/x'] },
        { name: 'often', schedule: 'every 5 minutes', command: ['/x'] },
      ];
    });
    expect(problems).toEqual([
      expect.stringMatching(/^services\[api\]\.cronJobs\[often\]\.schedule: must be a cron schedule such as "30 2 \* \* \*" \(02:30 every day\) or @hourly: it has 3 fields, not 5/),
      expect.stringMatching(/^services\[api\]\.cronJobs\[x+\]\.name: the CronJob 'api-x+' would be 53 characters; at most 52/),
      "services[api].cronJobs[canary].name: 'canary' is taken by the service's canary track (api-canary)",
    ]);
  });
});

describe('canary weight 100 is promotion', () => {
  const withCanary = (weight: number) => spec((s) => (s.services[0].canary = { image: 'registry.test/acme/api:1.1.0', weight, replicas: 2 }));
  test('the stable Deployment runs the canary image, there is no canary track, and the clean-up spec renders the same files', () => {
    const promoted = render(withCanary(100));
    expect(promoted.find('Deployment', { name: 'api-canary' })).toEqual([]);
    const api = promoted.get('Deployment', 'api', { env: 'prod' }) as any;
    expect(api.spec.template.spec.containers.find((c: any) => c.name === 'api').image).toBe('registry.test/acme/api:1.1.0');
    // Every route sends everything to the one track again.
    const routes = promoted.find('VirtualService', { env: 'prod', name: 'api' }) as any[];
    expect(routes[0].spec.http[0].route).toEqual([{ destination: { host: 'api.acme-prod.svc.cluster.local', port: { number: 8080 }, subset: 'stable' } }]);
    const cleaned = render(spec((s) => (s.services[0].image = 'registry.test/acme/api:1.1.0')));
    expect(promoted.files).toEqual(cleaned.files);
  });
  test('the twin: weight 99 keeps both tracks', () => {
    const r = render(withCanary(99));
    expect(r.find('Deployment', { env: 'prod', name: 'api-canary' })).toHaveLength(1);
    expect(((r.get('Deployment', 'api', { env: 'prod' }) as any).spec.template.spec.containers[0].image)).toBe('registry.test/acme/api:1.0.0');
  });
});

describe('blue-green releases', () => {
  const bg = (colours: any, mutate: (s: any) => void = () => {}) =>
    spec((s) => {
      const api = s.services[0];
      delete api.image;
      api.blueGreen = { blue: 'registry.test/acme/api:1.0.0', green: 'registry.test/acme/api:1.1.0', ...colours };
      mutate(s);
    });
  const wave = (o: any) => Number(o.metadata.annotations['argocd.argoproj.io/sync-wave']);
  const image = (o: any) => o.spec.template.spec.containers.find((c: any) => c.name === 'api').image;
  const routeSubsets = (r: any, name: string) => (r.get('VirtualService', name, { env: 'prod' }).spec as any).http.flatMap((h: any) => h.route.map((d: any) => d.destination.subset));

  test('two Deployments: the active colour scales as the service does, the idle one is warm at the floor and comes after the routes', () => {
    const r = render(bg({ active: 'blue' }));
    const blue = r.get('Deployment', 'api-blue', { env: 'prod' }) as any;
    const green = r.get('Deployment', 'api-green', { env: 'prod' }) as any;
    expect(r.find('Deployment', { env: 'prod', name: 'api' })).toEqual([]);
    expect([image(blue), image(green)]).toEqual(['registry.test/acme/api:1.0.0', 'registry.test/acme/api:1.1.0']);
    expect(blue.spec.replicas).toBeUndefined(); // the autoscaler's
    expect(green.spec.replicas).toBe(3); // prod's floor
    expect([wave(blue), wave(green)]).toEqual([3, 5]);
    expect((r.get('HorizontalPodAutoscaler', 'api', { env: 'prod' }).spec as any).scaleTargetRef.name).toBe('api-blue');
    expect(routeSubsets(r, 'api')).toEqual(['blue']);
    expect(routeSubsets(r, 'api-public')).toEqual(['blue']);
    // The Service covers both colours (the mesh routes by subset); the preview only the idle one; monitoring only the Service.
    expect((r.get('Service', 'api', { env: 'prod' }).spec as any).selector).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/component': 'server' });
    expect((r.get('Service', 'api-preview', { env: 'prod' }).spec as any).selector).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api-green' });
    expect((r.get('ServiceMonitor', 'api', { env: 'prod' }).spec as any).selector.matchLabels['app.kubernetes.io/instance']).toBe('api');
    const app = r.find('Application', { name: 'acme-prod' })[0] as any;
    expect(app.spec.ignoreDifferences.filter((d: any) => d.kind === 'Deployment').map((d: any) => d.name)).toContain('api-blue');
    expect(app.spec.ignoreDifferences.map((d: any) => d.name)).not.toContain('api-green');
  });

  test('the switch moves the routes, the autoscaler and the waves; the diff shows it as a traffic change, nothing to replace', () => {
    const before = render(bg({ active: 'blue' }));
    const after = render(bg({ active: 'green' }));
    expect(routeSubsets(after, 'api')).toEqual(['green']);
    // The budgets keep their names and change their selectors in place (no budget outlives its pods' Deployment).
    const budget = (r: any, name: string) => (r.get('PodDisruptionBudget', name, { env: 'prod' }).spec as any).selector.matchLabels['app.kubernetes.io/instance'];
    expect([budget(before, 'api'), budget(before, 'api-idle')]).toEqual(['api-blue', 'api-green']);
    expect([budget(after, 'api'), budget(after, 'api-idle')]).toEqual(['api-green', 'api-blue']);
    expect((after.get('HorizontalPodAutoscaler', 'api', { env: 'prod' }).spec as any).scaleTargetRef.name).toBe('api-green');
    expect([wave(after.get('Deployment', 'api-green', { env: 'prod' })), wave(after.get('Deployment', 'api-blue', { env: 'prod' }))]).toEqual([3, 5]);
    const d = diffTrees(before.files, after.files);
    const prodFlags = d.objects.filter((o) => o.key.env === 'prod').flatMap((o) => o.flags.map((f) => `${f.flag} ${o.key.kind} ${o.key.name}: ${f.reason}`));
    expect(prodFlags).toContain('CAPACITY VirtualService api: traffic split of default: blue 100 % → green 100 %');
    expect(prodFlags.filter((f) => f.startsWith('REPLACE') || f.startsWith('SECURITY') || f.startsWith('DATA'))).toEqual([]);
  });

  test('per environment: dev switched with no idle colour running, prod still on blue', () => {
    const r = render(bg({ active: 'blue' }, (s) => (s.services[0].environments = { dev: { blueGreen: { active: 'green', idle: 'zero' } } })));
    expect((r.get('Deployment', 'api-blue', { env: 'dev' }) as any).spec.replicas).toBe(0);
    expect(r.find('PodDisruptionBudget', { env: 'dev', name: 'api-idle' })).toEqual([]);
    expect((r.get('VirtualService', 'api', { env: 'dev' }).spec as any).http[0].route[0].destination.subset).toBe('green');
    expect(routeSubsets(r, 'api')).toEqual(['blue']);
  });

  test.each([
    ['both image and blueGreen', (s: any) => (s.services[0].image = 'registry.test/acme/api:1.0.0'), 'services[api].image', 'a blue-green service takes its images from blueGreen.blue and blueGreen.green: remove image'],
    ['a canary too', (s: any) => (s.services[0].canary = { image: 'registry.test/acme/api:1.2.0', weight: 10 }), 'services[api].canary', 'a blue-green service has no canary: release by switching blueGreen.active'],
    ['a Kafka consumer', (s: any) => (s.services[0].consumes = ['jobs']), 'services[api].blueGreen', 'a Kafka consumer cannot be blue-green: the idle colour would consume jobs too (release it with a canary)'],
    ['an image per environment', (s: any) => (s.services[0].environments = { dev: { image: 'registry.test/acme/api:1.2.0' } }), 'services[api].environments.dev.image', "a blue-green service's image is its colours': set environments.dev.blueGreen.green (the idle colour), then switch active"],
    ['a name its preview takes', (s: any) => s.services.push({ name: 'api-preview', runtime: 'go', image: 'registry.test/acme/p:1.0.0', port: 8080 }), 'services[api].blueGreen', "its preview Service 'api-preview' would clash with services[3] of that name"],
  ])('refused: %s', (_, mutate, where, message) => {
    expect(() => render(bg({ active: 'blue' }, mutate))).toThrow(message);
    try {
      render(bg({ active: 'blue' }, mutate));
    } catch (e) {
      expect((e as Error).message).toContain(where);
    }
  });

  test('refused: blueGreen in an environment of a service that has none; neither image nor blueGreen', () => {
    expect(() => render(spec((s) => (s.services[1].environments = { dev: { blueGreen: { active: 'green' } } })))).toThrow('services[worker].environments.dev.blueGreen');
    expect(() => render(spec((s) => delete s.services[1].image))).toThrow('services[worker].image');
  });
});

describe('cron schedules as the API server parses them', () => {
  test.each([
    ['61 * * * *', "the minute field '61' is outside 0–59"],
    ['0 25 * * *', "the hour field '25' is outside 0–23"],
    ['0 0 32 * *', "the day-of-month field '32' is outside 1–31"],
    ['0 0 1 13 *', "the month field '13' is outside 1–12"],
    ['0 0 * * 9', "the day-of-week field '9' is outside 0–6"],
    ['0 0 * * FOO', "the day-of-week field 'FOO' names something that is not a day-of-week"],
    ['*/0 * * * *', "the minute field '*/0' has a step of 0"],
    ['0 5-2 * * *', "the hour field '5-2' is a range that ends before it starts"],
    ['@every 5m', "'@every 5m' is not one of"],
    ['0  0 * * *', 'not 5'],
  ])('refused: %s', (schedule, why) => {
    expect(cronProblem(schedule)).toContain(why);
  });
  test.each(['30 2 * * *', '*/15 * * * *', '0 9-17/2 * * MON-FRI', '0 0 1,15 * *', '0 0 ? JAN *', '0 4 * * sun', '@daily', '59 23 31 12 6'])('accepted: %s', (schedule) => {
    expect(cronProblem(schedule)).toBeUndefined();
  });
});
