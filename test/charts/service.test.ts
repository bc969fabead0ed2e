import { describe, expect, test } from 'vitest';
import { App } from 'cdk8s';
import { ServiceChart } from '../../charts/service';
import { EnvironmentChart } from '../../charts/environment';
import { synthCharts } from '../../render/synth';
import { toYamlDocuments } from '../../render/yaml';
import { canaryPlatform, smallPlatform } from '../helpers/fixtures';
import { NON_SERVICE_POD_NAMES } from '../../platform/schema';
import { podSpecOf } from '../../policy/rules';
import { render } from '../helpers/render';
import { parseSpec } from '../../platform/loader';
import { resolvePlatform } from '../../platform/model';

const r = render(smallPlatform());
const spec = (o: any) => o.spec as any;
const pod = (o: any) => o.spec.template.spec;

describe('service chart', () => {
  test('dev runs a fixed single replica: no autoscaler, no disruption budget', () => {
    const d = r.get('Deployment', 'api', { env: 'dev' });
    expect(spec(d).replicas).toBe(1);
    expect(r.find('HorizontalPodAutoscaler', { env: 'dev' })).toEqual([]);
    expect(r.find('PodDisruptionBudget', { env: 'dev', name: 'api' })).toEqual([]);
    expect(pod(d).topologySpreadConstraints).toBeUndefined();
  });

  test('prod autoscales 3–6 on CPU 70 % and memory 80 %, leaves replicas to the HPA, keeps one pod in reserve', () => {
    const d = r.get('Deployment', 'api', { env: 'prod' });
    expect(spec(d).replicas).toBeUndefined();
    const hpa = spec(r.get('HorizontalPodAutoscaler', 'api', { env: 'prod' }));
    expect(hpa.minReplicas).toBe(3);
    expect(hpa.maxReplicas).toBe(6);
    expect(hpa.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([
      ['cpu', 70],
      ['memory', 80],
    ]);
    const pdb = spec(r.get('PodDisruptionBudget', 'api', { env: 'prod' }));
    expect(pdb.maxUnavailable).toBe(1);
    expect(pdb.selector.matchLabels).toEqual(spec(d).selector.matchLabels);
  });

  test('a Kafka-lag scaled service gets neither an HPA nor replicas (KEDA owns it)', () => {
    expect(r.find('HorizontalPodAutoscaler', { env: 'prod', name: 'mailer' })).toEqual([]);
    expect(spec(r.get('Deployment', 'mailer', { env: 'prod' })).replicas).toBeUndefined();
  });

  test('prod pods spread over the three zones (hard) and hosts (soft) and stay inside them', () => {
    const p = pod(r.get('Deployment', 'worker', { env: 'prod' }));
    expect(p.topologySpreadConstraints.map((c: any) => [c.topologyKey, c.whenUnsatisfiable])).toEqual([
      ['topology.kubernetes.io/zone', 'DoNotSchedule'],
      ['kubernetes.io/hostname', 'ScheduleAnyway'],
    ]);
    expect(p.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values).toEqual(['z1', 'z2', 'z3']);
  });

  test('pods shut down gracefully, never mount a token, and probe the declared health paths', () => {
    const p = pod(r.get('Deployment', 'api', { env: 'prod' }));
    const c = p.containers[0];
    expect(p.automountServiceAccountToken).toBe(false);
    expect(r.get('ServiceAccount', 'api', { env: 'prod' }).automountServiceAccountToken).toBe(false);
    expect(p.terminationGracePeriodSeconds).toBe(30);
    // The kubelet's sleep action: nothing to run in the image (distroless has no `sleep`).
    expect(c.lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    expect(c.readinessProbe.httpGet.path).toBe('/ready');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.startupProbe.httpGet.path).toBe('/healthz');
    expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  test('resources follow the tier, and dev forces the small tier', () => {
    expect(pod(r.get('Deployment', 'api', { env: 'prod' })).containers[0].resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '1Gi' } });
    expect(pod(r.get('Deployment', 'api', { env: 'dev' })).containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
  });

  test('the ConfigMap carries the 12-factor config and dependency endpoints; credentials come from Secrets by name', () => {
    const data = r.get('ConfigMap', 'api-config', { env: 'prod' }).data as Record<string, string>;
    expect(data.LOG_LEVEL).toBe('debug');
    expect(data.WORKER_URL).toBe('http://worker.acme-prod.svc.cluster.local:9000');
    expect(data.POSTGRES_HOST).toBe('postgres.acme-prod-data.svc.cluster.local');
    const env = pod(r.get('Deployment', 'api', { env: 'prod' })).containers[0].env;
    expect(env).toContainEqual({ name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'postgres-app-credentials', key: 'password' } } });
  });

  test('a config change rolls the pods (checksum annotation); an image change does not touch it', () => {
    const checksum = (s: any) => render(s).get('Deployment', 'api', { env: 'prod' }).spec as any;
    const base = smallPlatform();
    const changedConfig: any = smallPlatform();
    changedConfig.services[0].env.LOG_LEVEL = 'info';
    const changedImage: any = smallPlatform();
    changedImage.services[0].image = 'registry.test/acme/api:1.0.1';
    const a = checksum(base).template.metadata.annotations['checksum/config'];
    expect(checksum(changedConfig).template.metadata.annotations['checksum/config']).not.toBe(a);
    expect(checksum(changedImage).template.metadata.annotations['checksum/config']).toBe(a);
  });

  test('NetworkPolicy admits exactly the declared callers, the gateway for public services, and Prometheus', () => {
    const ingressFrom = (name: string) =>
      spec(r.get('NetworkPolicy', name, { env: 'prod' })).ingress.map((rule: any) => {
        const peer = rule.from[0];
        return `${peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name']}/${Object.values(peer.podSelector.matchLabels).join(',')}`;
      });
    expect(ingressFrom('worker')).toEqual(['acme-prod/api', 'monitoring/prometheus']);
    expect(ingressFrom('api')).toEqual(['istio-ingress/istio-ingressgateway', 'monitoring/prometheus']);
    expect(ingressFrom('mailer')).toEqual(['monitoring/prometheus']);
  });

  test('NetworkPolicy lets a service reach only its dependencies, DNS, the collector and istiod', () => {
    const egress = spec(r.get('NetworkPolicy', 'api', { env: 'prod' })).egress.map((rule: any) => ({
      ns: rule.to[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'],
      pods: rule.to[0].podSelector.matchLabels,
      ports: rule.ports.map((p: any) => p.port),
    }));
    expect(egress).toEqual([
      { ns: 'acme-prod', pods: { 'app.kubernetes.io/name': 'worker', 'app.kubernetes.io/component': 'server' }, ports: [9000] },
      { ns: 'acme-prod-data', pods: { 'app.kubernetes.io/name': 'postgresql' }, ports: [5432] },
      { ns: 'kube-system', pods: { 'k8s-app': 'kube-dns' }, ports: [53, 53] },
      { ns: 'acme-prod', pods: { 'app.kubernetes.io/component': 'opentelemetry-collector', 'app.kubernetes.io/name': 'otel-collector' }, ports: [4317, 4318] },
      { ns: 'istio-system', pods: { app: 'istiod' }, ports: [15012] },
    ]);
  });
});

describe('canary track', () => {
  const c = render(canaryPlatform());
  const without = (o: any, ...keys: string[]) => {
    const copy = structuredClone(o);
    for (const k of keys) {
      const path = k.split('.');
      const last = path.pop()!;
      delete path.reduce((x: any, p) => x[p], copy)[last];
    }
    return copy;
  };

  test('the stable Deployment is exactly what it is without a canary (its immutable selector included)', () => {
    for (const env of ['dev', 'prod']) {
      for (const name of ['api', 'worker', 'mailer']) expect(c.get('Deployment', name, { env }), `${env}/${name}`).toEqual(r.get('Deployment', name, { env }));
    }
  });

  test('services without a canary render exactly as before', () => {
    const file = (x: typeof r, f: string) => x.files.get(f);
    for (const env of ['dev', 'prod']) expect(file(c, `${env}/services/mailer.yaml`)).toBe(file(r, `${env}/services/mailer.yaml`));
    expect(c.get('AuthorizationPolicy', 'mailer', { env: 'prod' })).toEqual(r.get('AuthorizationPolicy', 'mailer', { env: 'prod' }));
    expect(c.get('DestinationRule', 'mailer', { env: 'prod' })).toEqual(r.get('DestinationRule', 'mailer', { env: 'prod' }));
    expect(c.get('VirtualService', 'mailer', { env: 'prod' })).toEqual(r.get('VirtualService', 'mailer', { env: 'prod' }));
  });

  test('the canary Deployment is the stable one with its own instance, image and fixed replicas, labelled track=canary', () => {
    const stable = c.get('Deployment', 'api', { env: 'prod' }) as any;
    const canary = c.get('Deployment', 'api-canary', { env: 'prod' }) as any;
    expect(canary.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api-canary', 'app.kubernetes.io/version': '1.1.0-rc.1', 'platform.example.com/track': 'canary' });
    expect(spec(canary).selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api-canary' });
    expect(spec(canary).template.metadata.labels).toMatchObject({ 'app.kubernetes.io/instance': 'api-canary', 'platform.example.com/track': 'canary' });
    expect(stable.spec.template.metadata.labels['platform.example.com/track']).toBeUndefined();
    // Fixed replicas even where the stable track autoscales; no HPA or ScaledObject for it.
    expect(spec(stable).replicas).toBeUndefined();
    expect(spec(canary).replicas).toBe(2);
    expect(spec(c.get('Deployment', 'worker-canary', { env: 'prod' })).replicas).toBe(1);
    expect(c.find('HorizontalPodAutoscaler').filter((h: any) => h.spec.scaleTargetRef.name.endsWith('-canary'))).toEqual([]);
    expect(c.find('ScaledObject').filter((h: any) => h.spec.scaleTargetRef.name.endsWith('-canary'))).toEqual([]);
    // Same account (mesh identity), ConfigMap, secrets, probes, security, resources; spread over its own pods.
    const p = pod(canary);
    expect(p.serviceAccountName).toBe('api');
    expect(p.containers[0].image).toBe('registry.test/acme/api:1.1.0-rc.1');
    expect(p.topologySpreadConstraints.every((t: any) => t.labelSelector.matchLabels['app.kubernetes.io/instance'] === 'api-canary')).toBe(true);
    expect(without(p, 'containers.0.image', 'topologySpreadConstraints', 'affinity')).toEqual(without(pod(stable), 'containers.0.image', 'topologySpreadConstraints', 'affinity'));
    expect(spec(canary).template.metadata.annotations).toEqual(spec(stable).template.metadata.annotations);
  });

  test('a canary gets a disruption budget only with more than one replica', () => {
    expect(spec(c.get('PodDisruptionBudget', 'api-canary', { env: 'prod' })).selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api-canary' });
    expect(c.find('PodDisruptionBudget', { name: 'worker-canary' })).toEqual([]);
    expect(spec(c.get('PodDisruptionBudget', 'api', { env: 'prod' }))).toEqual(spec(r.get('PodDisruptionBudget', 'api', { env: 'prod' })));
  });

  test('the Service, the NetworkPolicy and the peers that reach a canaried service select both tracks by name', () => {
    // Every service, canaried or not, is selected by name and the server component: all its tracks, never its CronJobs' pods.
    expect(spec(c.get('Service', 'api', { env: 'prod' })).selector).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/component': 'server' });
    expect(spec(c.get('Service', 'mailer', { env: 'prod' })).selector).toEqual({ 'app.kubernetes.io/name': 'mailer', 'app.kubernetes.io/component': 'server' });
    expect(spec(c.get('NetworkPolicy', 'api', { env: 'prod' })).podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/component': 'server' });
    // worker admits api's canary pods; api reaches worker's canary pods.
    expect(spec(c.get('NetworkPolicy', 'worker', { env: 'prod' })).ingress[0].from[0].podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'api' });
    expect(spec(c.get('NetworkPolicy', 'api', { env: 'prod' })).egress[0].to[0].podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'worker', 'app.kubernetes.io/component': 'server' });
    // The stores and the collector admit the canary pods of their clients.
    const postgresPeers = spec(c.get('NetworkPolicy', 'postgres', { env: 'prod' })).ingress.flatMap((i: any) => i.from.map((f: any) => f.podSelector.matchLabels));
    expect(postgresPeers).toContainEqual({ 'app.kubernetes.io/name': 'api' });
    const collectorPeers = spec(c.get('NetworkPolicy', 'otel-collector', { env: 'prod' })).ingress[0].from.map((f: any) => f.podSelector.matchLabels);
    expect(collectorPeers).toEqual([{ 'app.kubernetes.io/name': 'api' }, { 'app.kubernetes.io/name': 'worker' }, { 'app.kubernetes.io/name': 'mailer' }]);
  });

  test('the quota makes room for the canary pods', () => {
    const pods = (x: typeof r) => Number(spec(x.get('ResourceQuota', 'platform-quota', { env: 'prod', namespace: 'acme-prod' })).hard.pods);
    // api: ceil(2 × 1.25) = 3, worker: ceil(1 × 1.25) = 2 more pods at most, +20 % headroom.
    expect(pods(c) - pods(r)).toBeGreaterThanOrEqual(5);
  });

  test('no platform pod shares the name a canaried service is selected by (the spec reserves them)', () => {
    for (const x of [r, c]) {
      const serviceNames = new Set(x.model.environments.flatMap((e) => e.services.map((s) => s.name)));
      const others = x.objects.filter((o) => podSpecOf(o)).map((o: any) => o.spec.template?.metadata?.labels?.['app.kubernetes.io/name']).filter((n) => n && !serviceNames.has(n));
      for (const n of new Set(others)) expect(NON_SERVICE_POD_NAMES as readonly string[], n).toContain(n);
    }
  });
});

describe('environment chart', () => {
  test('the quota covers what the services can claim at their largest, with headroom', () => {
    const quota = spec(r.get('ResourceQuota', 'platform-quota', { env: 'prod', namespace: 'acme-prod' })).hard;
    // 3 services × ceil(6 × 1.25) = 24 pods at most during a rollout, +20 % → 29 (plus the OpenTelemetry collector's)
    expect(Number(quota.pods)).toBeGreaterThanOrEqual(29);
    expect(quota['services.loadbalancers']).toBe('0');
    const cpuMilli = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);
    // api is medium (1000m limit), worker/mailer small (500m), each pod + 500m sidecar: 8 × (1500 + 1000 + 1000) = 28000m
    expect(cpuMilli(quota['limits.cpu'])).toBeGreaterThanOrEqual(28000);
  });

  test('namespaces enforce Pod Security "restricted" and sidecar injection', () => {
    expect(r.get('Namespace', 'acme-prod-data').metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'istio-injection': 'enabled',
    });
  });
});

describe('names do not depend on construct ids', () => {
  test('renaming every construct id changes no name, selector or file', () => {
    const model = resolvePlatform(parseSpec(smallPlatform()));
    const env = model.environments[1]!;
    const build = (prefix: string) => {
      const app = new App({ outdir: '.cdk8s-unused' });
      new EnvironmentChart(app, `${prefix}-environment`, { env });
      for (const service of env.services) new ServiceChart(app, `${prefix}-${service.name}-chart`, { env, service });
      return synthCharts(app).map((c) => `# ${c.file}\n${toYamlDocuments(c.objects)}`).join('');
    };
    const original = build('a');
    expect(original).not.toContain('cdk8s.io/metadata.addr');
    expect(build('Renamed')).toBe(original);
  });
});
