import { describe, expect, test } from 'vitest';
import { parseSpec, SpecError } from '../../platform/loader';
import { withStoreKind } from '../helpers/fixtures';
import { schemaErrors } from '../helpers/kube-schema';
import { render } from '../helpers/render';
import { MONGODB_REPLICA_SET } from '../../stores/mongodb/catalogue';
import { mongodbAlerts } from '../../stores/mongodb/alerts';

const withMongo = (mutate: (spec: any) => void = () => {}) => withStoreKind('mongodb', mutate);

const problemsOf = (spec: unknown): string[] => {
  try {
    parseSpec(spec, 'fixture');
    return [];
  } catch (e) {
    if (e instanceof SpecError) return e.problems;
    throw e;
  }
};

describe('the mongodb store kind', () => {
  const r = render(withMongo());
  const sts = (env: string) => r.get('StatefulSet', 'mongodb', { env }) as any;
  const scripts = (env: string) => (r.get('ConfigMap', 'mongodb-scripts', { env }) as any).data as Record<string, string>;

  test('one StatefulSet per environment: Parallel start, governed by mongodb-headless, claims kept, members spread over the zones', () => {
    for (const [env, n] of [['dev', 1], ['staging', 3], ['prod', 3]] as const) {
      const s = sts(env);
      expect(s.spec).toMatchObject({ replicas: n, serviceName: 'mongodb-headless', podManagementPolicy: 'Parallel', persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' } });
      expect(s.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
      expect(r.get('PodDisruptionBudget', 'mongodb', { env })).toBeDefined();
    }
    expect(sts('prod').spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'gp3', resources: { requests: { storage: '5Gi' } } });
    const spread = sts('prod').spec.template.spec.topologySpreadConstraints;
    expect(spread.map((c: any) => c.topologyKey)).toContain('topology.kubernetes.io/zone');
  });

  test('every object of the kind validates against the Kubernetes schema', () => {
    const mine = r.charts.filter((c) => /\/data\/mongodb(-provision)?\.yaml$/.test(c.file)).flatMap((c) => c.objects);
    expect(mine.length).toBeGreaterThan(20);
    for (const o of mine) expect(schemaErrors(o), `${o.kind}/${o.metadata.name}`).toEqual([]);
  });

  test('stable member names: the headless Service publishes not-ready members; the member list names each pod', () => {
    const headless = r.get('Service', 'mongodb-headless', { env: 'prod' }) as any;
    expect(headless.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(scripts('prod').members!.trim().split('\n')).toEqual([0, 1, 2].map((i) => `mongodb-${i}.mongodb-headless.acme-prod-data.svc.cluster.local:27017`));
    expect(scripts('dev').members!.trim().split('\n')).toHaveLength(1);
    expect(r.get('Service', 'mongodb', { env: 'prod' })).toBeDefined();
  });

  test('keyfile from the Secret, copied owner-only by start.sh; PSS restricted, read-only roots, UID 999', () => {
    const pod = sts('prod').spec.template.spec;
    expect(pod.volumes.find((v: any) => v.name === 'credentials').secret).toEqual({ secretName: 'mongodb-credentials', defaultMode: 0o400, items: [{ key: 'keyfile', path: 'keyfile' }] });
    expect(scripts('prod')['mongod.conf']).toContain('keyFile: /keyfile/keyfile');
    expect(scripts('prod')['mongod.conf']).toContain(`replSetName: ${MONGODB_REPLICA_SET}`);
    expect(scripts('prod')['start.sh']).toMatch(/umask 0277/);
    expect(pod.securityContext).toMatchObject({ runAsUser: 999, runAsNonRoot: true, fsGroup: 999 });
    for (const c of pod.containers) {
      expect(c.securityContext, c.name).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(c.readinessProbe && c.livenessProbe, c.name).toBeTruthy();
    }
    expect(pod.containers.map((c: any) => c.name)).toEqual(['mongodb', 'replset', 'metrics']);
    expect(pod.containers[2].image).toBe('docker.io/percona/mongodb_exporter:0.47.2');
    expect(pod.containers[0].image).toBe('docker.io/library/mongo:7.0.14');
  });

  test('scaling changes the member list, not the pod template (no restart of the members)', () => {
    const scaled = render(withMongo((s) => (s.dataStores.mongodb.environments.prod.replicas = 5)));
    const scaledSts = scaled.get('StatefulSet', 'mongodb', { env: 'prod' }) as any;
    expect(scaledSts.spec.replicas).toBe(5);
    const template = (s: any) => ({ ...s.spec.template, spec: { ...s.spec.template.spec, affinity: undefined, topologySpreadConstraints: undefined } });
    expect(template(scaledSts).metadata).toEqual(template(sts('prod')).metadata);
    expect(template(scaledSts).spec.containers).toEqual(template(sts('prod')).spec.containers);
    expect((scaled.get('ConfigMap', 'mongodb-scripts', { env: 'prod' }) as any).data.members.trim().split('\n')).toHaveLength(5);
  });

  test('clients get the connection settings and the app credentials by Secret reference; the provisioning Job grants their databases', () => {
    const cfg = (r.get('ConfigMap', 'api-config', { env: 'prod' }) as any).data;
    expect(cfg).toMatchObject({
      MONGODB_URI: 'mongodb://mongodb.acme-prod-data.svc.cluster.local:27017/api?replicaSet=rs0&authSource=admin',
      MONGODB_HOSTS: 'mongodb.acme-prod-data.svc.cluster.local:27017',
      MONGODB_REPLICA_SET: 'rs0',
      MONGODB_DATABASE: 'api',
    });
    const api = r.get('Deployment', 'api', { env: 'prod' }) as any;
    const env = api.spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'MONGODB_PASSWORD', valueFrom: { secretKeyRef: { name: 'mongodb-app-credentials', key: 'password' } } });
    const job = r.get('Job', 'mongodb-provision', { env: 'prod' }) as any;
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
    expect(job.spec.template.spec.containers.find((c: any) => c.name === 'provision').env).toContainEqual({ name: 'APP_DATABASES', value: 'api' });
    // The store's NetworkPolicy admits the client and the Job.
    const np = r.get('NetworkPolicy', 'mongodb', { env: 'prod' }) as any;
    const from = np.spec.ingress.flatMap((i: any) => i.from).map((p: any) => p.podSelector?.matchLabels?.['app.kubernetes.io/name']);
    expect(from).toEqual(expect.arrayContaining(['api', 'mongodb-provision', 'mongodb']));
    expect(from).not.toContain('worker');
  });

  test('alerts: down, no primary, member unhealthy; replication lag only with secondaries', () => {
    const names = (env: string) => mongodbAlerts(r.model.environments.find((e) => e.name === env)!)!.alerts.map((a) => a.alert);
    expect(names('dev')).toEqual(['MongoDBDown', 'MongoDBNoPrimary', 'MongoDBMemberUnhealthy']);
    expect(names('prod')).toEqual(['MongoDBDown', 'MongoDBNoPrimary', 'MongoDBMemberUnhealthy', 'MongoDBReplicationLagHigh']);
  });

  test('refused: versions other than 7.0, and external (no managed form yet)', () => {
    expect(problemsOf(withMongo((s) => (s.dataStores.mongodb.version = '8.0.4'))).join('\n')).toMatch(/MongoDB 8\.0\.4 is not rendered/);
    const external = problemsOf(withMongo((s) => (s.dataStores.mongodb.environments.prod = { external: { host: 'x.mongodb.net', secretName: 'atlas', cidrs: ['10.0.0.0/24'] } })));
    expect(external.join('\n')).toMatch(/MongoDB cannot be external yet: a managed MongoDB \(Atlas, Amazon DocumentDB\) is not built yet/);
  });
});
