import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../platform/loader';
import type { PlatformSpecInput } from '../../platform/schema';
import type { KubeObject } from '../../blocks/kube-object';
import { render } from '../helpers/render';
import { smallPlatform } from '../helpers/fixtures';
import { exampleSpecs } from '../../cli/examples';
import { schemaErrors } from '../helpers/kube-schema';
import { zookeeperQuorum, zookeeperQuorumExpr } from '../../stores/zookeeper/alerts';

const spec = smallPlatform();
const r = render(spec);
const objectsIn = (dir: string) => r.charts.filter((c) => c.file.includes(dir)).flatMap((c) => c.objects);

describe('telemetry custom resources', () => {
  it('validates every Prometheus Operator, KEDA and Istio object against its CRD schema', () => {
    const objs = [...objectsIn('/telemetry/'), ...objectsIn('/autoscaling/')].filter((o) => !o.apiVersion.startsWith('opentelemetry.io/'));
    expect(new Set(objs.map((o) => o.kind))).toEqual(new Set(['Telemetry', 'NetworkPolicy', 'ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'ConfigMap', 'ScaledObject']));
    for (const o of objs) expect(schemaErrors(o), `${o.kind}/${o.metadata.name}`).toEqual([]);
  });

  it('schema validation rejects a malformed object', () => {
    const sm = r.get('ServiceMonitor', 'api', { env: 'prod' });
    expect(schemaErrors({ ...sm, spec: { ...(sm.spec as object), endpoints: 'http' } } as KubeObject)).not.toEqual([]);
  });

  it('renders the collector as the Service the services export to, PSS-restricted, with a consistent pipeline', () => {
    const c = r.get('OpenTelemetryCollector', 'otel', { env: 'prod', namespace: 'acme-prod' });
    expect(c.apiVersion).toBe('opentelemetry.io/v1beta1');
    // The operator names the Service <name>-collector: what OTEL_EXPORTER_OTLP_ENDPOINT points at.
    const cm = r.get('ConfigMap', 'api-config', { env: 'prod' });
    expect((cm.data as Record<string, string>).OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector.acme-prod.svc.cluster.local:4318');
    expect((cm.data as Record<string, string>).OTEL_EXPORTER_OTLP_PROTOCOL).toBe('http/protobuf');
    const s = c.spec as any;
    expect(s.mode).toBe('deployment');
    expect(s.podSecurityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(s.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(Object.keys(s.resources.requests).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(s.resources.limits).sort()).toEqual(['cpu', 'memory']);
    expect(s.image).toMatch(/:[0-9]+\.[0-9]+\.[0-9]+$/);

    const cfg = s.config;
    expect(cfg.receivers.otlp.protocols).toEqual({ grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } });
    for (const [name, p] of Object.entries(cfg.service.pipelines as Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>)) {
      for (const x of p.receivers) expect(cfg.receivers, `${name} receiver ${x}`).toHaveProperty([x]);
      for (const x of p.processors) expect(cfg.processors, `${name} processor ${x}`).toHaveProperty([x]);
      for (const x of p.exporters) expect(cfg.exporters, `${name} exporter ${x}`).toHaveProperty([x]);
      expect(p.processors[0]).toBe('memory_limiter');
      expect(p.processors).toContain('batch');
    }
    for (const e of cfg.service.extensions) expect(cfg.extensions).toHaveProperty([e]);
    expect(cfg.exporters[cfg.service.pipelines.traces.exporters[0]].endpoint).toBe('jaeger.observability.svc.cluster.local:4317');
    expect(cfg.service.pipelines.metrics.exporters).toEqual(['prometheus']);
  });

  it('limits the collector’s network to OTLP from the services, Jaeger, DNS, istiod and Prometheus', () => {
    const np = r.get('NetworkPolicy', 'otel-collector', { env: 'prod' }).spec as any;
    expect(np.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/component': 'opentelemetry-collector', 'app.kubernetes.io/name': 'otel-collector' });
    const otlp = np.ingress.find((i: any) => i.ports.some((p: any) => p.port === 4317));
    expect(otlp.from.map((f: any) => f.podSelector.matchLabels['app.kubernetes.io/name']).sort()).toEqual(['api', 'mailer', 'worker']);
    const prom = np.ingress.find((i: any) => i.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'] === 'monitoring');
    // The merged endpoint (Envoy + the exporter's 8889) and the collector's own 8888, which bypasses the sidecar.
    expect(prom.ports.map((p: any) => p.port)).toEqual([15020, 8888]);
    const jaeger = np.egress[0];
    expect(jaeger.to[0]).toEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'jaeger' } } });
    expect(jaeger.ports).toEqual([{ protocol: 'TCP', port: 4317 }]);
  });

  it('injects auto-instrumentation by annotation from the Instrumentation in the services namespace', () => {
    const inst = r.get('Instrumentation', 'otel', { env: 'prod', namespace: 'acme-prod' });
    expect((inst.spec as any).sampler).toEqual({ type: 'parentbased_traceidratio', argument: '0.1' });
    // The SDK-only injection (Go) gets the same endpoint and protocol as the agents.
    expect((inst.spec as any).exporter.endpoint).toBe('http://otel-collector.acme-prod.svc.cluster.local:4318');
    expect((inst.spec as any).env).toEqual([{ name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' }]);
    expect((inst.spec as any).initContainerSecurityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false });
    const annotations = (name: string) => (r.get('Deployment', name, { env: 'prod' }).spec as any).template.metadata.annotations as Record<string, string>;
    expect(annotations('api')['instrumentation.opentelemetry.io/inject-nodejs']).toBe('acme-prod/otel');
    expect(annotations('mailer')['instrumentation.opentelemetry.io/inject-python']).toBe('acme-prod/otel');
    // Go (worker): the SDK configuration by annotation, never the privileged eBPF agent PSS "restricted" rejects.
    expect(Object.entries(annotations('worker')).filter(([k]) => k.startsWith('instrumentation.opentelemetry.io/'))).toEqual([['instrumentation.opentelemetry.io/inject-sdk', 'acme-prod/otel']]);
    expect(inst.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe('0');
  });

  it('traces through the mesh with per-environment sampling (dev 100 %, elsewhere 10 % or the spec’s value) and logs access', () => {
    const t = (env: string, rr = r) => rr.get('Telemetry', 'mesh-default', { env }).spec as any;
    expect(t('dev').tracing[0].randomSamplingPercentage).toBe(100);
    expect(t('prod').tracing[0].randomSamplingPercentage).toBe(10);
    expect(t('prod').tracing[0].providers).toEqual([{ name: 'otel-acme-prod' }]);
    expect(t('prod').accessLogging).toEqual([{ providers: [{ name: 'envoy' }] }]);
    const custom = structuredClone(spec);
    (custom.environments.prod as any).tracingSampling = 2.5;
    const c = render(custom);
    expect(t('prod', c).tracing[0].randomSamplingPercentage).toBe(2.5);
    expect((c.get('Instrumentation', 'otel', { env: 'prod' }).spec as any).sampler.argument).toBe('0.025');
  });

  it('the collector’s own sidecar reports no spans (they would trace the span exports themselves), and nothing else is exempt', () => {
    const collector = r.get('OpenTelemetryCollector', 'otel', { env: 'prod' });
    const exempt = r.get('Telemetry', 'otel-collector-no-tracing', { env: 'prod' });
    expect(exempt.metadata.namespace).toBe(collector.metadata.namespace);
    expect((exempt.spec as any).tracing).toEqual([{ providers: [{ name: 'otel-acme-prod' }], disableSpanReporting: true }]);
    // The selector matches the collector's pods (the operator copies the CR's labels onto them) and no service's.
    const sel = (exempt.spec as any).selector.matchLabels as Record<string, string>;
    for (const [k, v] of Object.entries(sel)) expect(collector.metadata.labels?.[k]).toBe(v);
    for (const d of r.find('Deployment', { env: 'prod' })) {
      const labels = (d.spec as any).template.metadata.labels as Record<string, string>;
      expect(Object.entries(sel).every(([k, v]) => labels[k] === v), d.metadata.name).toBe(false);
    }
  });
});

describe('monitoring', () => {
  it('scrapes every service through its Service’s labels and named metrics port', () => {
    for (const s of spec.services) {
      const sm = r.get('ServiceMonitor', s.name, { env: 'prod' }).spec as any;
      const svc = r.get('Service', s.name, { env: 'prod' });
      for (const [k, v] of Object.entries(sm.selector.matchLabels as Record<string, string>)) expect(svc.metadata.labels?.[k]).toBe(v);
      const port = ((svc.spec as any).ports as { name: string; targetPort: unknown }[]).find((p) => p.name === sm.endpoints[0].port);
      expect(port?.targetPort).toBe(15020);
      expect(sm.endpoints[0]).toMatchObject({ port: 'http-metrics', path: '/stats/prometheus' });
      // The app's own port and path are named to istio-agent by pod annotations.
      const pod = (r.get('Deployment', s.name, { env: 'prod' }).spec as any).template.metadata.annotations;
      expect(pod).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(s.metrics?.port ?? s.port), 'prometheus.io/path': s.metrics?.path ?? '/metrics' });
    }
  });

  it('scrapes every data store’s exporter, merged; no separate Envoy PodMonitor (it would scrape every istio_* series twice)', () => {
    for (const name of ['postgres-metrics', 'redis-metrics', 'kafka-metrics', 'kafka-exporter-metrics', 'zookeeper-metrics']) {
      const sm = r.get('ServiceMonitor', name, { env: 'prod', namespace: 'acme-prod-data' }).spec as any;
      expect(sm.selector.matchLabels['app.kubernetes.io/component']).toBe('metrics');
      expect(sm.endpoints[0]).toMatchObject({ port: 'http-metrics', path: '/stats/prometheus' });
    }
    for (const env of ['dev', 'prod']) expect(r.find('PodMonitor', { env }).map((p) => p.metadata.name)).toEqual(['otel-collector']);
  });

  it('scrapes the collector merged on 15020 (its exporter, 8889) and its own telemetry on 8888, which the sidecar does not capture', () => {
    const pm = r.get('PodMonitor', 'otel-collector', { env: 'prod' }).spec as any;
    expect(pm.podMetricsEndpoints.map((e: any) => [e.portNumber, e.path])).toEqual([[15020, '/stats/prometheus'], [8888, '/metrics']]);
    const pod = (r.get('OpenTelemetryCollector', 'otel', { env: 'prod' }).spec as any).podAnnotations;
    // Overrides the operator's default prometheus.io annotations (8888).
    expect(pod).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8889', 'prometheus.io/path': '/metrics', 'traffic.sidecar.istio.io/excludeInboundPorts': '8888' });
  });

  it('holds every service to its spec SLO: defaults in one rule per alert, a service’s own thresholds in a rule of its own', () => {
    const sloRules = (rr: typeof r, alert: string) =>
      (((rr.get('PrometheusRule', 'acme-alerts', { env: 'prod' }).spec as any).groups as { rules: any[] }[]).flatMap((g) => g.rules) as any[]).filter((a) => a.alert === alert);
    // Defaults (200 ms, 1 %): one rule each, over every service.
    const [latency] = sloRules(r, 'ServiceLatencyP95High');
    expect(sloRules(r, 'ServiceLatencyP95High')).toHaveLength(1);
    expect(latency.expr).toMatch(/destination_workload=~"api\|worker\|mailer"\}\[5m\]\)\)\) > 200$/);
    expect(sloRules(r, 'ServiceErrorRateHigh')).toHaveLength(1);
    expect(sloRules(r, 'ServiceErrorRateHigh')[0].expr).toMatch(/ > 0\.01$/);

    const custom = structuredClone(spec);
    (custom.services.find((s) => s.name === 'worker') as any).slo = { latencyP95Ms: 500, errorRatePercent: 0.7 };
    const c = render(custom);
    const latencies = sloRules(c, 'ServiceLatencyP95High').map((a) => [a.expr.match(/destination_workload=~"([^"]+)"/)[1], a.expr.split(' > ')[1], a.annotations.summary]);
    expect(latencies).toEqual([
      ['api|mailer', '200', '{{ $labels.destination_workload }} p95 latency is above 200 ms'],
      ['worker', '500', '{{ $labels.destination_workload }} p95 latency is above 500 ms'],
    ]);
    const errors = sloRules(c, 'ServiceErrorRateHigh').map((a) => [a.expr.match(/destination_workload=~"([^"]+)"/)[1], a.expr.split(' > ')[1], a.annotations.summary]);
    expect(errors).toEqual([
      ['api|mailer', '0.01', '{{ $labels.destination_workload }} answers more than 1% of requests with 5xx'],
      ['worker', '0.007', '{{ $labels.destination_workload }} answers more than 0.7% of requests with 5xx'],
    ]);
    // The spec validates the thresholds.
    const bad = structuredClone(spec);
    (bad.services[0] as any).slo = { errorRatePercent: 0 };
    expect(() => render(bad)).toThrow();
  });

  it('gives every alert a severity, a summary and a runbook', () => {
    for (const env of ['dev', 'prod']) {
      const rule = r.get('PrometheusRule', 'acme-alerts', { env });
      const rules = ((rule.spec as any).groups as { rules: any[] }[]).flatMap((g) => g.rules);
      expect(rules.length).toBeGreaterThan(5);
      for (const a of rules) {
        expect(['critical', 'warning'], a.alert).toContain(a.labels.severity);
        expect(a.annotations.summary, a.alert).toMatch(/\S/);
        expect(a.annotations.runbook_url, a.alert).toBe(`https://github.com/example/platform/blob/main/docs/runbooks.md#${a.alert.toLowerCase()}`);
        expect(a.expr, a.alert).toMatch(/\S/);
      }
    }
  });

  it('has a runbook section for every alert, and none for an alert that does not exist (docs/runbooks.md is assembled from them)', async () => {
    const { runbooksMarkdown } = await import('../../render/runbooks');
    const doc = runbooksMarkdown();
    const headings = new Set([...doc.matchAll(/^## (\S+)$/gm)].map((m) => m[1]));
    const ref = render(loadSpec('platform.yaml') as PlatformSpecInput);
    // Plus the seed platforms' (the store kinds and managed forms the reference does not show).
    const others = exampleSpecs(join(__dirname, '../..')).map((x) => render(loadSpec(x.spec) as PlatformSpecInput));
    const alerts = new Set([ref, ...others].flatMap((r) => r.find('PrometheusRule')).flatMap((p) => ((p.spec as any).groups as { rules: any[] }[]).flatMap((g) => g.rules.map((a) => a.alert as string))));
    expect(alerts.size).toBeGreaterThan(0);
    for (const a of alerts) expect(headings.has(a.toLowerCase()), a).toBe(true);
    // Both ways: an alert section with no such alert (renamed, removed) is a dead runbook.
    const lower = new Set([...alerts].map((a) => a.toLowerCase()));
    expect([...headings].filter((h) => /^[a-z0-9]+$/.test(h!) && !lower.has(h!))).toEqual([]);
    // The committed document is the assembled one (npm run synth writes it).
    expect(readFileSync(join(__dirname, '../../docs/runbooks.md'), 'utf8')).toBe(doc);
  });

  it('alerts on the SLOs and the data stores of the reference platform', () => {
    const ref = render(loadSpec('platform.yaml') as PlatformSpecInput);
    const rules = ((ref.get('PrometheusRule', 'shop-alerts', { env: 'prod' }).spec as any).groups as { rules: any[] }[]).flatMap((g) => g.rules);
    const byName = (n: string) => rules.filter((a) => a.alert === n);
    expect(byName('ServiceLatencyP95High')[0].expr).toMatch(/histogram_quantile\(0\.95, .*istio_request_duration_milliseconds_bucket.*> 200$/);
    expect(byName('ServiceErrorRateHigh')[0].expr).toMatch(/response_code=~"5\.\."}.*> 0\.01$/);
    expect(byName('ServicePodsNotReady')).toHaveLength(1);
    // KEDA's HPA is watched under its own name.
    expect(byName('ServiceAutoscalerAtMax')[0].expr).toContain('keda-hpa-notification-service');
    // One lag alert per consumer: notification-service (threshold 10 × 10 replicas) and recommendation-service
    // (10 × 12: its own prod autoscaling maximum, from services[].environments.prod).
    expect(byName('KafkaConsumerLagHigh').map((a) => a.expr)).toEqual([
      expect.stringContaining('consumergroup="notification-service"}) > 100'),
      expect.stringContaining('consumergroup="recommendation-service"}) > 120'),
    ]);
    expect(byName('PostgresReplicationLagHigh')).toHaveLength(1);
    expect(byName('RedisMemoryHigh')).toHaveLength(1);
    expect(byName('ZooKeeperQuorumLost')[0].expr).toMatch(/< 2$/);
    // Kafka alerts read kafka_exporter's series (its ServiceMonitor's job), which the brokers' JMX exporter does not export.
    for (const a of [...byName('KafkaBrokersDown'), ...byName('KafkaConsumerLagHigh')]) expect(a.expr).toContain('job="kafka-exporter-metrics"');
    expect(byName('KafkaBrokersDown')[0].expr).toMatch(/^\(max\(kafka_brokers\{namespace="shop-prod-data", job="kafka-exporter-metrics"\}\) or vector\(0\)\) < \d+$/);
    // dev: one PostgreSQL instance, nothing to replicate; no autoscalers.
    const dev = ((ref.get('PrometheusRule', 'shop-alerts', { env: 'dev' }).spec as any).groups as { rules: any[] }[]).flatMap((g) => g.rules);
    expect(dev.map((a) => a.alert)).not.toContain('PostgresReplicationLagHigh');
    expect(dev.map((a) => a.alert)).not.toContain('ServiceAutoscalerAtMax');
  });
});

describe('ZooKeeperQuorumLost', () => {
  it('measures the quorum from the leader, not scrape health', () => {
    // 3 members: the leader's synced followers + itself must be a majority; no leader → no series → 0.
    expect(zookeeperQuorumExpr('data', 3)).toBe('(max(synced_followers{namespace="data", job="zookeeper-metrics"}) + 1 or vector(0)) < 2');
    expect(zookeeperQuorumExpr('data', 5)).toBe('(max(synced_followers{namespace="data", job="zookeeper-metrics"}) + 1 or vector(0)) < 3');
    // One server runs standalone (no leader metrics): it has its quorum while it serves.
    expect(zookeeperQuorumExpr('data', 1)).toBe('(count(uptime{namespace="data", job="zookeeper-metrics"}) or vector(0)) < 1');
    for (const n of [1, 2, 3, 4, 5, 7]) expect(zookeeperQuorumExpr('x', n)).not.toMatch(/\bup\{/);
    for (const n of [1, 2, 3, 4, 5, 7]) expect(zookeeperQuorum(n)).toBeGreaterThan(n / 2);
  });

  it('is what the environments alert on', () => {
    for (const [env, n] of [['dev', 1], ['prod', 3]] as const) {
      const rules = ((r.get('PrometheusRule', 'acme-alerts', { env }).spec as any).groups as { rules: any[] }[]).flatMap((g) => g.rules);
      const ns = env === 'prod' ? 'acme-prod-data' : 'acme-dev';
      expect(rules.find((a) => a.alert === 'ZooKeeperQuorumLost').expr).toBe(zookeeperQuorumExpr(ns, n));
    }
  });
});

describe('Grafana dashboards', () => {
  const maps = r.find('ConfigMap', { env: 'prod' }).filter((c) => c.metadata.labels?.grafana_dashboard === '1');

  it('renders one dashboard per service and one overview', () => {
    expect(maps.map((m) => m.metadata.name).sort()).toEqual(['dashboard-overview', 'dashboard-svc-api', 'dashboard-svc-mailer', 'dashboard-svc-worker']);
  });

  it('holds valid dashboard JSON: uid, title, panels with unique ids and PromQL targets', () => {
    const uids = new Set<string>();
    for (const m of maps) {
      const entries = Object.entries(m.data as Record<string, string>);
      expect(entries).toHaveLength(1);
      const d = JSON.parse(entries[0]![1]);
      expect(d.uid.length).toBeGreaterThan(0);
      expect(d.uid.length).toBeLessThanOrEqual(40);
      expect(uids.has(d.uid)).toBe(false);
      uids.add(d.uid);
      expect(d.title).toMatch(/\S/);
      expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
      expect(d.panels.length).toBeGreaterThanOrEqual(4);
      const ids = d.panels.map((p: any) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of d.panels) {
        expect(p.targets.length).toBeGreaterThan(0);
        for (const t of p.targets) {
          expect(t.expr).toMatch(/^[a-z_(]/);
          // Balanced brackets: a cheap syntax check of the PromQL.
          for (const [o, c] of [['(', ')'], ['{', '}'], ['[', ']']]) expect(t.expr.split(o!).length, t.expr).toBe(t.expr.split(c!).length);
        }
        expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      }
    }
  });

  it('shows request rate, errors, duration percentiles and saturation per service', () => {
    const d = JSON.parse((r.get('ConfigMap', 'dashboard-svc-mailer', { env: 'prod' }).data as Record<string, string>)['dashboard-svc-mailer.json']!);
    const titles = d.panels.map((p: any) => p.title);
    expect(titles).toEqual(expect.arrayContaining(['Request rate', 'Error ratio (5xx)', 'Request duration', 'CPU saturation', 'Memory saturation', 'Kafka consumer lag']));
    const duration = d.panels.find((p: any) => p.title === 'Request duration');
    expect(duration.targets.map((t: any) => t.legendFormat)).toEqual(['p50', 'p95', 'p99']);
  });
});

describe('one signal, one SLO: alerts and dashboards read the same thresholds and queries', () => {
  const spec = smallPlatform() as any;
  spec.services.find((s: any) => s.name === 'api').slo = { latencyP95Ms: 500, errorRatePercent: 5 };
  const custom = render(spec);
  const dashboardOf = (name: string) => JSON.parse((custom.get('ConfigMap', name, { env: 'prod' }).data as Record<string, string>)[`${name}.json`]!);
  const panel = (d: any, title: string) => d.panels.find((p: any) => p.title === title);
  const alerts = (custom.find('PrometheusRule', { env: 'prod' })[0] as any).spec.groups.flatMap((g: any) => g.rules);

  it("a service's dashboard states its own SLO, the one its alerts fire on", () => {
    const api = dashboardOf('dashboard-svc-api');
    expect(panel(api, 'Error ratio (5xx)').description).toContain('SLO: below 5 %.');
    expect(panel(api, 'Request duration').description).toContain('SLO: p95 below 500 ms.');
    const mailer = dashboardOf('dashboard-svc-mailer');
    expect(panel(mailer, 'Error ratio (5xx)').description).toContain('SLO: below 1 %.');
    expect(panel(mailer, 'Request duration').description).toContain('SLO: p95 below 200 ms.');
    const errorAlerts = alerts.filter((a: any) => a.alert === 'ServiceErrorRateHigh').map((a: any) => a.expr);
    expect(errorAlerts.some((e: string) => e.includes('destination_workload=~"api"') && e.endsWith('> 0.05'))).toBe(true);
    const latencyAlerts = alerts.filter((a: any) => a.alert === 'ServiceLatencyP95High').map((a: any) => a.expr);
    expect(latencyAlerts.some((e: string) => e.includes('destination_workload=~"api"') && e.endsWith('> 500'))).toBe(true);
  });

  it('the overview states the SLO most services share and names the others', () => {
    const overview = dashboardOf('dashboard-overview');
    expect(panel(overview, 'Error ratio by service (5xx)').description).toContain('SLO: below 1 % (api 5 %).');
    expect(panel(overview, 'p95 duration by service').description).toContain('SLO: below 200 ms (api 500 ms).');
    // The twin: one SLO for all is one value.
    const same = JSON.parse((render(smallPlatform()).get('ConfigMap', 'dashboard-overview', { env: 'prod' }).data as Record<string, string>)['dashboard-overview.json']!);
    expect(panel(same, 'Error ratio by service (5xx)').description).toContain('SLO: below 1 %.');
  });

  it("the dashboard plots the alert's own query (the alert adds only the threshold)", () => {
    const api = dashboardOf('dashboard-overview');
    const plotted = panel(api, 'Error ratio by service (5xx)').targets[0].expr.replace(/destination_workload=~"[^"]*"/g, 'W');
    const alerted = alerts.find((a: any) => a.alert === 'ServiceErrorRateHigh').expr.replace(/destination_workload=~"[^"]*"/g, 'W').replace(/ > [0-9.]+$/, '');
    expect(plotted).toBe(alerted);
  });
});

describe('KEDA', () => {
  it('scales Kafka consumers on lag instead of CPU, never both', () => {
    const so = r.get('ScaledObject', 'mailer', { env: 'prod', namespace: 'acme-prod' }).spec as any;
    expect(so.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'mailer' });
    expect([so.minReplicaCount, so.maxReplicaCount]).toEqual([3, 6]);
    expect(so.triggers).toEqual([
      {
        type: 'kafka',
        name: 'lag-jobs',
        metadata: { bootstrapServers: 'kafka.acme-prod-data.svc.cluster.local:9092', consumerGroup: 'mailer', topic: 'jobs', lagThreshold: '10', offsetResetPolicy: 'latest' },
      },
    ]);
    for (const env of ['dev', 'prod']) {
      for (const d of r.find('Deployment', { env })) {
        const scalers = [...r.find('HorizontalPodAutoscaler', { env, name: d.metadata.name }), ...r.find('ScaledObject', { env, name: d.metadata.name })];
        expect(scalers.length, `${env}/${d.metadata.name}`).toBeLessThanOrEqual(1);
      }
    }
    expect(r.find('ScaledObject', { env: 'dev' })).toEqual([]);
  });

  it('scales notification-service of the reference platform on consumer lag with threshold 10', () => {
    const ref = render(loadSpec('platform.yaml') as PlatformSpecInput);
    const so = ref.get('ScaledObject', 'notification-service', { env: 'prod' }).spec as any;
    expect(so.triggers.map((t: any) => [t.metadata.topic, t.metadata.lagThreshold, t.metadata.consumerGroup])).toEqual([
      ['orders', '10', 'notification-service'],
      ['notifications', '10', 'notification-service'],
    ]);
    expect(ref.find('HorizontalPodAutoscaler', { env: 'prod', name: 'notification-service' })).toEqual([]);
    expect(ref.find('ScaledObject', { env: 'prod' }).map((o) => o.metadata.name)).toEqual(['notification-service']);
  });
});

describe('collector labels', () => {
  it('names the collector CR by label like its pods, since the operator keeps the CR’s app.kubernetes.io/name on them', () => {
    for (const env of ['dev', 'prod']) {
      const cr = r.find('OpenTelemetryCollector', { env })[0]!;
      const podLabels = r.model.environments.find((e) => e.name === env)!.telemetry.podLabels;
      expect(cr.metadata.labels?.['app.kubernetes.io/name']).toBe(podLabels['app.kubernetes.io/name']);
      // The operator sets component itself; ours must agree with what the policies select.
      expect(cr.metadata.labels?.['app.kubernetes.io/component']).toBe(podLabels['app.kubernetes.io/component']);
    }
  });
});

