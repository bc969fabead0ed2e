import { describe, expect, it } from 'vitest';
import { render } from '../helpers/render';
import { canaryPlatform, smallPlatform } from '../helpers/fixtures';
import { APP_WAVE, WAVE } from '../../blocks/waves';
import type { KubeObject } from '../../blocks/kube-object';

const wave = (o: KubeObject) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave']);
const isHook = (o: KubeObject) => o.metadata.annotations?.['argocd.argoproj.io/hook'] !== undefined;

/**
 * The wave(s) each kind may use inside an environment's Application. A kind
 * that is not listed fails the test: a new kind must be classified here.
 * Kinds with several roles (a ServiceAccount of a data store or of a service)
 * list each role's wave.
 */
const EXPECTED: Record<string, readonly number[]> = {
  // foundation: the ground everything stands on, and the policies that must exist before pods start
  Namespace: [WAVE.foundation],
  ResourceQuota: [WAVE.foundation],
  LimitRange: [WAVE.foundation],
  NetworkPolicy: [WAVE.foundation],
  PeerAuthentication: [WAVE.foundation],
  AuthorizationPolicy: [WAVE.foundation],
  Sidecar: [WAVE.foundation],
  ServiceEntry: [WAVE.foundation],
  Role: [WAVE.foundation],
  RoleBinding: [WAVE.foundation],
  SealedSecret: [WAVE.foundation],
  Instrumentation: [WAVE.foundation],
  OpenTelemetryCollector: [WAVE.foundation],
  Telemetry: [WAVE.foundation],
  ServiceAccount: [WAVE.foundation, WAVE.data, WAVE.services],
  ConfigMap: [WAVE.foundation, WAVE.data, WAVE.services],
  // data stores
  StatefulSet: [WAVE.data],
  PersistentVolumeClaim: [WAVE.data],
  // the Kafka topic Job (a Sync hook: after the brokers, before the services)
  Job: [WAVE.topics],
  // services, and kafka_exporter with the brokers it watches
  Deployment: [WAVE.data, WAVE.services],
  HorizontalPodAutoscaler: [WAVE.services],
  ScaledObject: [WAVE.services],
  VerticalPodAutoscaler: [WAVE.services],
  ClusterRole: [WAVE.foundation],
  ValidatingAdmissionPolicy: [WAVE.foundation],
  ValidatingAdmissionPolicyBinding: [WAVE.foundation],
  Service: [WAVE.data, WAVE.services],
  PodDisruptionBudget: [WAVE.data, WAVE.services],
  ServiceMonitor: [WAVE.data, WAVE.services],
  PodMonitor: [WAVE.data, WAVE.services],
  PrometheusRule: [WAVE.data, WAVE.services],
  // mesh routing, last (with the gateway's certificate, issued in the gateway's namespace)
  Issuer: [WAVE.routing],
  Certificate: [WAVE.routing],
  Gateway: [WAVE.routing],
  VirtualService: [WAVE.routing],
  // Before the routes that name its subsets.
  DestinationRule: [WAVE.services],
};

function withTeamsAndVpa() {
  const spec: any = smallPlatform();
  spec.teams = { devs: { groups: ['devs'], access: { dev: 'edit', prod: 'view' } } };
  spec.services[0].vpa = 'recommend';
  return spec;
}

describe.each([
  ['small platform', smallPlatform()],
  ['with canaries', canaryPlatform()],
  ['with teams and VPAs', withTeamsAndVpa()],
])('sync waves (%s)', (_name, spec) => {
  const r = render(spec);
  const envCharts = r.charts.filter((c) => !c.file.startsWith('argocd/'));
  const envObjects = envCharts.flatMap((c) => c.objects.map((o) => ({ file: c.file, o })));

  it('puts every rendered object of an environment in the wave its kind belongs to', () => {
    const problems: string[] = [];
    for (const { file, o } of envObjects) {
      const id = `${file}: ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
      const w = o.metadata.annotations?.['argocd.argoproj.io/sync-wave'];
      if (w === undefined || !/^-?\d+$/.test(w)) problems.push(`${id} has no sync-wave`);
      else if (!EXPECTED[o.kind]) problems.push(`${id}: kind ${o.kind} is not classified in test/gitops/sync-waves.test.ts`);
      else if (!EXPECTED[o.kind]!.includes(Number(w))) problems.push(`${id}: wave ${w}, expected ${EXPECTED[o.kind]!.join(' or ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('orders foundation < data stores < topic job < services < routing wherever they exist', () => {
    const waves = (kinds: string[], filter: (o: KubeObject, file: string) => boolean = () => true) =>
      envObjects.filter(({ o, file }) => kinds.includes(o.kind) && filter(o, file)).map(({ o }) => wave(o));
    const dataLayer = (_: KubeObject, file: string) => file.split('/')[1] === 'data';
    expect(waves(['Deployment'], dataLayer).length).toBeGreaterThan(0); // kafka_exporter
    const stages = [
      waves(['Namespace', 'ResourceQuota', 'LimitRange']),
      waves(['StatefulSet', 'Deployment'], (o, file) => dataLayer(o, file) && !isHook(o)),
      waves(['Job'], isHook),
      waves(['Deployment'], (o, file) => !dataLayer(o, file)),
      waves(['VirtualService', 'Gateway']),
    ].filter((s) => s.length > 0);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < stages.length; i++) expect(Math.max(...stages[i - 1]!)).toBeLessThan(Math.min(...stages[i]!));
    // Namespaces come first in every environment: nothing namespaced can sync before them.
    const nsWave = Math.max(...waves(['Namespace']));
    expect(envObjects.filter(({ o }) => o.kind !== 'Namespace').every(({ o }) => wave(o) >= nsWave)).toBe(true);
  });

  it('syncs Argo CD projects, then add-ons, then the environments', () => {
    const argo = r.charts.filter((c) => c.file.startsWith('argocd/apps/')).flatMap((c) => c.objects);
    const projects = argo.filter((o) => o.kind === 'AppProject').map(wave);
    const addons = argo.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'addon').map(wave);
    const envs = argo.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'environment').map(wave);
    expect(Math.max(...projects)).toBeLessThan(Math.min(...addons));
    expect(Math.max(...addons)).toBeLessThanOrEqual(APP_WAVE.addons);
    expect(Math.max(...addons)).toBeLessThan(Math.min(...envs));
    expect(new Set(envs)).toEqual(new Set([APP_WAVE.platform]));
  });
});
