import { describe, expect, it } from 'vitest';
import { render } from '../helpers/render';
import { smallPlatform } from '../helpers/fixtures';
import { schemaErrors } from '../helpers/kube-schema';
import type { KubeObject } from '../../blocks/kube-object';
import type { PlatformSpecInput } from '../../platform/schema';
import { ADDON_CHARTS } from '../../catalogue/addons';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const spec = (o: KubeObject) => o.spec as Any;
const wave = (o: KubeObject) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave']);

function withEnv(mutate: (s: PlatformSpecInput) => void): PlatformSpecInput {
  const s = smallPlatform();
  mutate(s);
  return s;
}

describe('Argo CD objects', () => {
  const r = render({ ...smallPlatform(), gitops: { repoURL: 'https://git.test/acme/platform.git', targetRevision: 'release-1' } });
  const argo = r.charts.filter((c) => c.file.startsWith('argocd/'));
  const argoObjects = argo.flatMap((c) => c.objects);

  it('renders into dist/argocd: root.yaml outside the synced apps/ directory', () => {
    expect(argo.map((c) => c.file).sort()).toEqual([
      'argocd/apps/addons/in-cluster.yaml',
      'argocd/apps/environments/dev.yaml',
      'argocd/apps/environments/prod.yaml',
      'argocd/apps/environments/staging.yaml',
      'argocd/apps/projects.yaml',
      'argocd/root.yaml',
    ]);
  });

  it('validates every Argo CD object against the Argo CD schemas', () => {
    for (const o of argoObjects) expect(schemaErrors(o), `${o.kind} ${o.metadata.name}`).toEqual([]);
    expect(argoObjects.every((o) => o.metadata.namespace === 'argocd')).toBe(true);
  });

  it('gives each environment an Application syncing dist/<env> with prune, selfHeal, SSA and retries', () => {
    const prod = r.get('Application', 'acme-prod');
    expect(spec(prod).source).toEqual({ repoURL: 'https://git.test/acme/platform.git', targetRevision: 'release-1', path: 'dist/prod' });
    expect(spec(prod).destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'acme-prod' });
    expect(spec(prod).project).toBe('acme-prod');
    expect(spec(prod).syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(spec(prod).syncPolicy.syncOptions).toEqual(expect.arrayContaining(['CreateNamespace=false', 'ServerSideApply=true', 'RespectIgnoreDifferences=true']));
    expect(spec(prod).syncPolicy.retry.backoff).toMatchObject({ duration: '10s', factor: 2 });
    // Deleting an environment's Application must orphan, never delete, its StatefulSets and volumes.
    expect(prod.metadata).not.toHaveProperty('finalizers');
  });

  it('ignores replicas exactly of the Deployments an autoscaler owns', () => {
    const replicas = (app: KubeObject) =>
      (spec(app).ignoreDifferences as Any[]).filter((d) => d.kind === 'Deployment' && d.jsonPointers?.includes('/spec/replicas')).map((d) => d.name);
    // prod autoscales every service (HPA for api and worker, KEDA for mailer); dev runs fixed replicas.
    expect(replicas(r.get('Application', 'acme-prod'))).toEqual(['api', 'worker', 'mailer']);
    expect(replicas(r.get('Application', 'acme-dev'))).toEqual([]);
    for (const name of ['api', 'worker', 'mailer']) expect(spec(r.get('Deployment', name, { env: 'prod' }))).not.toHaveProperty('replicas');
    const caBundles = (spec(r.get('Application', 'acme-prod')).ignoreDifferences as Any[]).filter((d) => JSON.stringify(d).includes('caBundle'));
    expect(caBundles.map((d) => d.kind)).toEqual(expect.arrayContaining(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']));
  });

  it('gives each environment its own AppProject: this repo only, that environment’s namespaces only, the kinds it renders only', () => {
    for (const env of ['dev', 'prod']) {
      const project = r.get('AppProject', `acme-${env}`);
      expect(spec(project).sourceRepos).toEqual(['https://git.test/acme/platform.git']);
      const envObjects = r.charts.filter((c) => c.file.startsWith(`${env}/`)).flatMap((c) => c.objects);
      const destinations = new Set((spec(project).destinations as Any[]).map((d) => `${d.server} ${d.namespace}`));
      for (const o of envObjects.filter((x) => x.metadata.namespace)) expect(destinations.has(`https://kubernetes.default.svc ${o.metadata.namespace}`), o.metadata.namespace).toBe(true);
      // Its own namespaces plus the ingress gateway's namespace, where the TLS Certificate lives: never another environment's.
      const expected = env === 'dev' ? ['acme-dev', 'istio-ingress'] : ['acme-prod', 'acme-prod-data', 'istio-ingress'];
      expect([...destinations].sort()).toEqual(expected.map((n) => `https://kubernetes.default.svc ${n}`));

      const gk = (o: KubeObject) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`;
      const allowedCluster = new Set((spec(project).clusterResourceWhitelist as Any[]).map((k) => `${k.group}/${k.kind}`));
      const allowedNamespaced = new Set((spec(project).namespaceResourceWhitelist as Any[]).map((k) => `${k.group}/${k.kind}`));
      for (const o of envObjects) expect((o.metadata.namespace ? allowedNamespaced : allowedCluster).has(gk(o)), gk(o)).toBe(true);
      expect([...allowedNamespaced].sort()).toEqual([...new Set(envObjects.filter((o) => o.metadata.namespace).map(gk))].sort());
      // Nothing cluster-wide beyond what is rendered: no wildcards, no RBAC, no CRDs.
      expect([...allowedCluster]).toEqual(['/Namespace']);
      // The environment's Application is bound to it.
      expect(spec(r.get('Application', `acme-${env}`)).project).toBe(`acme-${env}`);
    }
  });

  it('installs every add-on from its upstream chart at a pinned version, in the add-ons project', () => {
    const addons = r.find('Application').filter((a) => a.metadata.labels?.['platform.example.com/addon']);
    expect(addons.map((a) => a.metadata.labels!['platform.example.com/addon']).sort()).toEqual(ADDON_CHARTS.map((c) => c.id).sort());
    for (const a of addons) {
      expect(spec(a).project).toBe('acme-addons');
      expect(spec(a).source.targetRevision, a.metadata.name).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(spec(a).source.chart).toBeTruthy();
    }
    const byId = (id: string) => addons.find((a) => a.metadata.labels!['platform.example.com/addon'] === id)!;
    expect(spec(byId('istiod')).source).toMatchObject({ repoURL: 'https://istio-release.storage.googleapis.com/charts', chart: 'istiod', targetRevision: '1.30.3' });
    // Prometheus scrapes the merged metrics on 15020 (see charts/monitoring.ts).
    expect(spec(byId('istiod')).source.helm.valuesObject.meshConfig.enablePrometheusMerge).toBe(true);
    expect(spec(byId('cert-manager')).source).toMatchObject({ repoURL: 'https://charts.jetstack.io', targetRevision: 'v1.21.1' });
    expect(spec(byId('cert-manager')).source.helm.valuesObject.crds.enabled).toBe(true);
    expect(spec(byId('keda')).source.targetRevision).toBe('2.20.2');
    // The gateway release name gives its pods the `app` label the services' NetworkPolicies admit.
    expect(spec(byId('istio-ingress')).source.helm.releaseName).toBe('istio-ingressgateway');
    expect(spec(byId('istio-ingress')).destination.namespace).toBe('istio-ingress');
    // Grafana's dashboard sidecar and Prometheus selecting monitors without a Helm release label.
    const kps = spec(byId('kube-prometheus-stack')).source.helm.valuesObject;
    expect(kps.grafana.sidecar.dashboards.enabled).toBe(true);
    expect(kps.prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues).toBe(false);
    const addonsProject = r.get('AppProject', 'acme-addons');
    expect(new Set(spec(addonsProject).sourceRepos)).toEqual(new Set(addons.map((a) => spec(a).source.repoURL)));
  });

  it('orders the root app’s waves: projects, CRD add-ons, controllers, gateway, then environments', () => {
    const w = (name: string, kind = 'Application') => wave(argoObjects.find((o) => o.kind === kind && o.metadata.name === name)!);
    expect(w('acme-prod', 'AppProject')).toBeLessThan(w('istio-base-in-cluster'));
    expect(w('istio-base-in-cluster')).toBeLessThan(w('istiod-in-cluster'));
    expect(w('istiod-in-cluster')).toBeLessThan(w('istio-ingress-in-cluster'));
    expect(w('cert-manager-in-cluster')).toBeLessThan(w('opentelemetry-operator-in-cluster'));
    expect(w('kube-prometheus-stack-in-cluster')).toBeLessThan(w('acme-prod'));
    expect(w('istio-ingress-in-cluster')).toBeLessThan(w('acme-dev'));
    const addonWaves = r.find('Application').filter((a) => a.metadata.labels?.['platform.example.com/addon']).map(wave);
    expect(Math.max(...addonWaves)).toBeLessThan(0);
  });

  it('roots everything in one app-of-apps that syncs dist/argocd/apps', () => {
    const root = r.get('Application', 'acme-root');
    expect(spec(root).source).toEqual({ repoURL: 'https://git.test/acme/platform.git', targetRevision: 'release-1', path: 'dist/argocd/apps', directory: { recurse: true } });
    expect(spec(root).project).toBe('default');
    expect(r.files.get('argocd/root.yaml')!.match(/^kind: /gm)).toHaveLength(1);
  });

});

describe('add-on values the platform relies on', () => {
  const r = render(smallPlatform());
  const addon = (id: string) => r.find('Application').find((a) => a.metadata.labels?.['platform.example.com/addon'] === id)!;

  it('declares in istiod’s mesh config exactly the tracing providers the environments’ Telemetry resources use', () => {
    const providers = spec(addon('istiod')).source.helm.valuesObject.meshConfig.extensionProviders as Any[];
    const used = r.find('Telemetry').flatMap((t) => (spec(t).tracing as Any[]).flatMap((tr) => tr.providers.map((p: Any) => p.name)));
    expect(providers.map((p) => p.name).sort()).toEqual([...new Set(used)].sort());
    for (const p of providers) {
      const collector = r.find('OpenTelemetryCollector').find((c) => p.name === `otel-${c.metadata.namespace}`)!;
      expect(p.opentelemetry).toEqual({ service: `otel-collector.${collector.metadata.namespace}.svc.cluster.local`, port: 4317 });
    }
  });

  it('installs Istio with its CNI node agent, since Pod Security "restricted" rejects the privileged istio-init container', () => {
    expect(addon('istio-cni')).toBeDefined();
    expect(spec(addon('istio-cni')).source).toMatchObject({ chart: 'cni', targetRevision: spec(addon('istiod')).source.targetRevision });
    expect(spec(addon('istiod')).source.helm.valuesObject.pilot.cni.enabled).toBe(true);
    expect(wave(addon('istio-cni'))).toBeLessThanOrEqual(wave(addon('istiod')));
    // Platforms with non-standard CNI paths or quotas pass Istio's global.platform to both.
    const gke = render({ ...smallPlatform(), cluster: { kubernetesPlatform: 'gke' } } as PlatformSpecInput);
    const gkeAddon = (id: string) => gke.find('Application').find((a) => a.metadata.labels?.['platform.example.com/addon'] === id)!;
    for (const id of ['istio-cni', 'istiod']) expect(spec(gkeAddon(id)).source.helm.valuesObject.global).toEqual({ platform: 'gke' });
    expect(spec(addon('istio-cni')).source.helm).not.toHaveProperty('valuesObject');
  });

  it('gives the KEDA operator a sidecar, since Kafka only admits mTLS peers', () => {
    expect(spec(addon('keda')).source.helm.valuesObject.podLabels.keda).toEqual({ 'sidecar.istio.io/inject': 'true' });
  });
  it('installs metrics-server in kube-system when an environment has a CPU/memory HorizontalPodAutoscaler (the metrics API it reads)', () => {
    expect(r.find('HorizontalPodAutoscaler').some((h) => ((h.spec as any).metrics ?? []).some((m: any) => m.type === 'Resource'))).toBe(true);
    const ms = spec(addon('metrics-server'));
    expect(ms.destination.namespace).toBe('kube-system');
    expect(ms.source).toMatchObject({ repoURL: 'https://kubernetes-sigs.github.io/metrics-server/', chart: 'metrics-server', targetRevision: '3.13.0' });
  });
});

describe('Argo CD spec options', () => {
  it('renders an ApplicationSet with a list generator for an environment on several clusters', () => {
    const r = render(
      withEnv((s) => {
        (s.environments as Any).prod.clusters = [
          { name: 'prod-eu', server: 'https://eu.k8s.test', region: 'eu-west-1' },
          { name: 'prod-us', server: 'https://us.k8s.test', region: 'us-east-1' },
        ];
      }),
    );
    const set = r.get('ApplicationSet', 'acme-prod');
    expect(schemaErrors(set)).toEqual([]);
    expect(spec(set).generators[0].list.elements).toEqual([
      { cluster: 'prod-eu', server: 'https://eu.k8s.test', region: 'eu-west-1' },
      { cluster: 'prod-us', server: 'https://us.k8s.test', region: 'us-east-1' },
    ]);
    expect(spec(set).template.metadata.name).toBe('acme-prod-{{.cluster}}');
    expect(spec(set).template.spec.destination.server).toBe('{{.server}}');
    expect(spec(set).template.spec.source.path).toBe('dist/prod');
    expect(spec(set).goTemplateOptions).toEqual(['missingkey=error']);
    expect(spec(set).syncPolicy.preserveResourcesOnDeletion).toBe(true);
    expect(r.find('Application', { name: 'acme-prod' })).toHaveLength(0);
    // Both clusters get add-ons and are valid destinations of the project.
    expect(r.files.has('argocd/apps/addons/prod-eu.yaml') && r.files.has('argocd/apps/addons/prod-us.yaml') && r.files.has('argocd/apps/addons/in-cluster.yaml')).toBe(true);
    const dest = (spec(r.get('AppProject', 'acme-prod')).destinations as Any[]).map((d) => `${d.server} ${d.namespace}`);
    expect(dest).toEqual(expect.arrayContaining(['https://eu.k8s.test acme-prod-data', 'https://us.k8s.test acme-prod']));
  });

  it('rejects duplicate cluster names in an environment', () => {
    expect(() =>
      render(withEnv((s) => ((s.environments as Any).prod.clusters = [{ name: 'a', server: 'https://a.test' }, { name: 'a', server: 'https://b.test' }]))),
    ).toThrow(/environments\.prod\.clusters\[a\]\.name: duplicate cluster name 'a'/);
  });

  it('honours add-on overrides: a disabled add-on is not rendered, a version is moved', () => {
    const r = render({ ...smallPlatform(), gitops: { addons: { jaeger: { enabled: false }, keda: { version: '2.21.1' } }, path: 'deploy/rendered', argocdNamespace: 'gitops' } });
    expect(r.find('Application', { name: 'jaeger-in-cluster' })).toHaveLength(0);
    expect(spec(r.get('Application', 'keda-in-cluster')).source.targetRevision).toBe('2.21.1');
    expect(spec(r.get('AppProject', 'acme-addons')).sourceRepos).not.toContain('https://jaegertracing.github.io/helm-charts');
    expect(spec(r.get('Application', 'acme-dev')).source.path).toBe('deploy/rendered/dev');
    expect(spec(r.get('Application', 'acme-root')).source.path).toBe('deploy/rendered/argocd/apps');
    expect(r.get('Application', 'acme-root').metadata.namespace).toBe('gitops');
  });
});
