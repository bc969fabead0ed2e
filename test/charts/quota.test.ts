import { JsonPatch } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { namespaceFootprint, namespaceSecrets, workloadFootprint } from '../../blocks/footprint';
import { patchSerialized } from '../../blocks/newer-fields';
import type { KubeObject } from '../../blocks/kube-object';
import { quotaHard } from '../../blocks/quota';
import { checkPolicies } from '../../policy/gate';
import { parseSpec } from '../../platform/loader';
import { resolvePlatform } from '../../platform/model';
import { PlatformApp } from '../../render/platform-app';
import { smallPlatform } from '../helpers/fixtures';

const app = () => new PlatformApp({ model: resolvePlatform(parseSpec(smallPlatform(), 'fixture')) });
const quotaOf = (_files: ReadonlyMap<string, string>, objects: readonly KubeObject[], namespace: string) =>
  (objects.find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === namespace)!.spec as any).hard as Record<string, string>;
const objectsOf = (r: ReturnType<PlatformApp['render']>) => r.charts.flatMap((c) => c.objects);
const PROXY = { 'sidecar.istio.io/proxyCPU': '50m', 'sidecar.istio.io/proxyCPULimit': '500m', 'sidecar.istio.io/proxyMemory': '64Mi', 'sidecar.istio.io/proxyMemoryLimit': '256Mi' };
const container = (name: string, cpu: string, memory: string, extra: object = {}) => ({ name, resources: { requests: { cpu, memory }, limits: { cpu, memory } }, ...extra });
const deployment = (spec: object, annotations: Record<string, string> = PROXY): KubeObject =>
  ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', namespace: 'ns' }, spec: { template: { metadata: { annotations }, spec: { containers: [container('app', '100m', '128Mi')] } }, ...spec } }) as KubeObject;

describe('the ResourceQuota is computed from the rendered pods', () => {
  test('every namespace quota equals what its rendered workloads can claim, with headroom', () => {
    const r = app().render();
    const objects = objectsOf(r);
    for (const env of r.charts.filter((c) => c.file.endsWith('base/environment.yaml'))) {
      const envObjects = r.charts.filter((c) => c.file.startsWith(env.file.split('/')[0]! + '/')).flatMap((c) => c.objects);
      for (const q of env.objects.filter((o) => o.kind === 'ResourceQuota')) {
        expect((q.spec as any).hard, `${env.file} ${q.metadata.namespace}`).toEqual(quotaHard(namespaceFootprint(envObjects, q.metadata.namespace!), namespaceSecrets(envObjects, q.metadata.namespace!)));
      }
    }
    expect(objects.some((o) => o.kind === 'ResourceQuota')).toBe(true);
  });

  test('count/secrets: the Secrets the rendered objects read or make, per namespace, with headroom; a service reading one more raises it (the bad twin)', () => {
    const r = app().render();
    const quota = (ns: string) => Number((objectsOf(r).find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === ns)!.spec as any).hard['count/secrets']);
    const prod = objectsOf(r).filter((o) => r.charts.some((c) => c.file.startsWith('prod/') && c.objects.includes(o)));
    const s = namespaceSecrets(prod, 'acme-prod');
    expect([...s.names].sort()).toEqual(expect.arrayContaining(['postgres-app-credentials']));
    expect(quota('acme-prod')).toBe(Math.ceil((s.names.size + s.certificates) * 1.2) + 5);
    const spec: any = smallPlatform();
    const names = ['one-more', 'two-more', 'three-more', 'four-more', 'five-more'];
    spec.services[0].secrets = names.map((n, i) => ({ env: `EXTRA_${i}`, secret: n, key: 'k' }));
    for (const e of Object.values(spec.environments) as any[]) e.providedSecrets = names;
    const more = new PlatformApp({ model: resolvePlatform(parseSpec(spec, 'fixture')) }).render();
    const after = Number((objectsOf(more).find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === 'acme-prod')!.spec as any).hard['count/secrets']);
    expect(after).toBeGreaterThan(quota('acme-prod'));
  });

  test('the planted fault: a full-size container added to every Redis pod raises the data namespace quota by that much', () => {
    const before = app().render();
    const planted = app();
    const prod = planted.platform.environments.get('prod')!;
    const redisSts = prod.data.get('redis')![0]!.node.findAll().find((n: any) => n.kind === 'StatefulSet') as any;
    // A copy of the redis container itself (full size, policy-clean), without its ports.
    const { ports: _ports, ...redis } = redisSts.toJson().spec.template.spec.containers[0];
    const extra = { ...redis, name: 'extra', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } };
    patchSerialized(redisSts, JsonPatch.add('/spec/template/spec/containers/-', extra));
    const after = planted.render();
    const ns = planted.model.environments.find((e) => e.name === 'prod')!.dataNamespace;
    const [b, a] = [quotaOf(before.files, objectsOf(before), ns), quotaOf(after.files, objectsOf(after), ns)];
    const replicas = (redisSts.toJson().spec.replicas as number);
    const cpu = (q: Record<string, string>) => Number(q['requests.cpu']!.replace(/m$/, '')) / (q['requests.cpu']!.endsWith('m') ? 1000 : 1);
    // 1 CPU × replicas, plus the 20 % headroom, rounded up to 100m.
    expect(cpu(a) - cpu(b)).toBeGreaterThanOrEqual(replicas * 1.2 - 0.1);
    expect(a['limits.memory']).not.toBe(b['limits.memory']);
    // Nothing else moved.
    const otherNs = planted.model.environments.find((e) => e.name === 'prod')!.namespace;
    expect(quotaOf(after.files, objectsOf(after), otherNs)).toEqual(quotaOf(before.files, objectsOf(before), otherNs));
  });

  describe('a pod counts as the scheduler counts it', () => {
    test('a Deployment: its autoscaler maximum plus the 25 % surge; Recreate adds none', () => {
      const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'w', namespace: 'ns' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'w' }, maxReplicas: 8 } } as KubeObject;
      expect(namespaceFootprint([deployment({}), hpa], 'ns').pods).toBe(10);
      expect(workloadFootprint(deployment({ replicas: 3 })).pods).toBe(4);
      expect(workloadFootprint(deployment({ replicas: 3, strategy: { type: 'Recreate' } })).pods).toBe(3);
      expect(workloadFootprint(deployment({ replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2 } } })).pods).toBe(6);
    });

    test('per resource, the larger of the running containers (with native sidecars) and the largest init container; plus the proxy', () => {
      const d = deployment({ replicas: 1, strategy: { type: 'Recreate' } }) as any;
      d.spec.template.spec.initContainers = [container('restore', '2', '64Mi'), container('wal', '100m', '32Mi', { restartPolicy: 'Always' })];
      const f = workloadFootprint(d);
      // CPU: init restore 2000m > app 100m + wal 100m; memory: app 128 + wal 32 > restore 64. Plus the proxy (50m / 64Mi).
      expect([f.requestCpu, f.requestMemMi]).toEqual([2000 + 50, 128 + 32 + 64]);
      expect([f.limitCpu, f.limitMemMi]).toEqual([2000 + 500, 128 + 32 + 256]);
    });

    test('claims: volumeClaimTemplates per StatefulSet pod, generic ephemeral volumes per pod', () => {
      const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's', namespace: 'ns' }, spec: { replicas: 3, template: deployment({}).spec!['template' as never], volumeClaimTemplates: [{ spec: { resources: { requests: { storage: '10Gi' } } } }] } } as unknown as KubeObject;
      expect(workloadFootprint(sts)).toMatchObject({ pods: 3, claims: 3, storageMi: 3 * 10240 });
      const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ns' }, spec: { template: { metadata: { annotations: PROXY }, spec: { containers: [container('c', '10m', '16Mi')], volumes: [{ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: { resources: { requests: { storage: '5Gi' } } } } } }] } } } } as unknown as KubeObject;
      expect(workloadFootprint(job)).toMatchObject({ pods: 1, claims: 1, storageMi: 5120 });
    });

    test('a container without requests or limits counts as admission fills it in: its limits, else the LimitRange defaults', () => {
      const d = deployment({ replicas: 1, strategy: { type: 'Recreate' } }, { 'sidecar.istio.io/inject': 'false' }) as any;
      d.spec.template.spec.containers = [{ name: 'bare' }, { name: 'limits-only', resources: { limits: { cpu: '1', memory: '1Gi' } } }];
      // small tier: requests 100m / 128Mi, limits 500m / 512Mi (catalogue/resources.ts).
      expect(workloadFootprint(d)).toMatchObject({ requestCpu: 100 + 1000, limitCpu: 500 + 1000, requestMemMi: 128 + 1024, limitMemMi: 512 + 1024 });
    });

    test('a StatefulSet scaled by an autoscaler counts its maximum; a PersistentVolumeClaim of its own counts', () => {
      const sts = { ...deployment({ replicas: 1 }), kind: 'StatefulSet' } as KubeObject;
      const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'w', namespace: 'ns' }, spec: { scaleTargetRef: { kind: 'StatefulSet', name: 'w' }, maxReplicas: 5 } } as KubeObject;
      const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'scratch', namespace: 'ns' }, spec: { resources: { requests: { storage: '2Gi' } } } } as unknown as KubeObject;
      expect(namespaceFootprint([sts, hpa, pvc], 'ns')).toMatchObject({ pods: 5, claims: 1, storageMi: 2048 });
    });

    test('what no quota can bound is the QUOTA-BOUNDED rule, not a render crash: a DaemonSet, a CronJob that lets Jobs pile up', () => {
      const rules = (o: KubeObject) => checkPolicies([{ file: 'dev/x.yaml', objects: [o] }]).map((v) => v.rule);
      const cron = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'ns' }, spec: { jobTemplate: { spec: { template: deployment({}).spec!['template' as never] } } } } as unknown as KubeObject;
      expect(rules(cron)).toContain('QUOTA-BOUNDED');
      expect(rules({ ...cron, spec: { ...(cron.spec as object), concurrencyPolicy: 'Forbid' } })).not.toContain('QUOTA-BOUNDED');
      const ds = { ...deployment({}), kind: 'DaemonSet' } as KubeObject;
      expect(rules(ds)).toContain('QUOTA-BOUNDED');
      expect(workloadFootprint(ds).pods).toBe(0);
    });
  });
});
