import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { describe, expect, test } from 'vitest';
import { loadPlatform } from '../../platform/load';
import { smallPlatform } from '../helpers/fixtures';
import { render } from '../helpers/render';

const RDS = 'acme-prod.abc123.eu-west-1.rds.amazonaws.com';

/** The fixture with PostgreSQL run by a provider in prod (in the cluster in dev and staging). */
function managed(external: Record<string, unknown> = {}, mutate: (spec: any) => void = () => {}) {
  const spec: any = smallPlatform();
  spec.dataStores.postgres.environments.prod = { external: { host: RDS, secretName: 'acme-rds', cidrs: ['10.20.32.0/20'], ...external } };
  spec.environments.prod.providedSecrets = ['acme-rds'];
  mutate(spec);
  return spec;
}

const configOf = (r: ReturnType<typeof render>, env: string, svc: string) => (r.get('ConfigMap', `${svc}-config`, { env }) as any).data as Record<string, string>;

describe('a data store managed outside the cluster (external)', () => {
  const r = render(managed());

  test('nothing of PostgreSQL runs in prod (no StatefulSet, provisioning Job, backups, policies); dev and staging keep theirs', () => {
    const pgProd = r.objects.filter((o) => o.metadata.namespace === 'acme-prod-data' && /postgres/.test(o.metadata.name));
    expect(pgProd).toEqual([]);
    expect(r.find('StatefulSet', { env: 'dev' }).map((o) => o.metadata.name)).toContain('postgres-primary');
    expect(r.find('StatefulSet', { env: 'prod' }).map((o) => o.metadata.name).filter((n) => n.startsWith('postgres'))).toEqual([]);
  });

  test('its clients get the same connection variables, pointed at the endpoint with TLS, and credentials from the named Secret', () => {
    const dev = configOf(r, 'dev', 'api');
    const prod = configOf(r, 'prod', 'api');
    const pgKeys = (c: Record<string, string>) => Object.keys(c).filter((k) => k.startsWith('POSTGRES_')).sort();
    expect(pgKeys(prod)).toEqual(pgKeys(dev));
    expect(prod).toMatchObject({ POSTGRES_HOST: RDS, POSTGRES_READ_HOST: RDS, POSTGRES_PORT: '5432', POSTGRES_SSLMODE: 'require', POSTGRES_DB: 'api' });
    const env = (r.get('Deployment', 'api', { env: 'prod' }) as any).spec.template.spec.containers[0].env;
    expect(env.filter((e: any) => e.name.startsWith('POSTGRES_'))).toEqual([
      { name: 'POSTGRES_USER', valueFrom: { secretKeyRef: { name: 'acme-rds', key: 'username' } } },
      { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'acme-rds', key: 'password' } } },
    ]);
  });

  test('egress is opened exactly to the endpoint, for its clients only: NetworkPolicy to its addresses and port, ServiceEntry, each client’s Sidecar', () => {
    for (const svc of ['api', 'worker']) {
      const np = r.get('NetworkPolicy', svc, { env: 'prod', namespace: 'acme-prod' }) as any;
      expect(np.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.20.32.0/20' } }], ports: [{ port: 5432, protocol: 'TCP' }] });
      // No rule towards PostgreSQL pods in the data namespace any more.
      expect(JSON.stringify(np.spec.egress)).not.toContain('"app.kubernetes.io/name":"postgresql"');
      const sidecar = r.get('Sidecar', `${svc}-egress`, { env: 'prod' }) as any;
      expect(sidecar.spec.egress[0].hosts).toContain(`./${RDS}`);
    }
    const mailer = r.get('NetworkPolicy', 'mailer', { env: 'prod', namespace: 'acme-prod' }) as any;
    expect(JSON.stringify(mailer.spec.egress)).not.toContain('10.20.32.0/20');
    const se = r.find('ServiceEntry', { env: 'prod' }).find((o: any) => o.spec.hosts.includes(RDS)) as any;
    // CIDR addresses: resolution NONE (the API server's CRD validation refuses them with DNS), matched by address and port.
    expect(se.spec).toMatchObject({ location: 'MESH_EXTERNAL', resolution: 'NONE', addresses: ['10.20.32.0/20'], ports: [{ number: 5432, protocol: 'TCP', name: 'tcp-5432' }], exportTo: ['.'] });
    expect(se.metadata.annotations['platform.example.com/callers']).toBe('api,postgres-exporter,worker');
  });

  test('cidrs are required: plain TCP is matched by address (the ServiceEntry gets them, else istioctl analyze warns IST0134)', () => {
    expect(() => render(managed({ cidrs: undefined }))).toThrow(/dataStores\.postgres\.environments\.prod\.external\.cidrs/);
    const se = r.find('ServiceEntry', { env: 'prod' }).find((o: any) => o.spec.hosts.includes(RDS)) as any;
    expect(se.spec.addresses).toEqual(['10.20.32.0/20']);
  });

  test('availability is still watched: postgres_exporter at the endpoint (beside the Secret), its ServiceMonitor, Sidecar and PostgresDown', () => {
    const d = r.get('Deployment', 'postgres-exporter', { env: 'prod' }) as any;
    expect(d.metadata.namespace).toBe('acme-prod');
    const c = d.spec.template.spec.containers[0];
    expect(c.env).toContainEqual({ name: 'DATA_SOURCE_URI', value: `${RDS}:5432/postgres?sslmode=require` });
    expect(c.env).toContainEqual({ name: 'DATA_SOURCE_PASS', valueFrom: { secretKeyRef: { name: 'acme-rds', key: 'password' } } });
    expect(r.get('ServiceMonitor', 'postgres-exporter-metrics', { env: 'prod' })).toBeDefined();
    expect((r.get('Sidecar', 'postgres-exporter-egress', { env: 'prod' }) as any).spec.egress[0].hosts).toContain(`./${RDS}`);
    const np = r.get('NetworkPolicy', 'postgres-exporter', { env: 'prod' }) as any;
    expect(np.spec.egress[0]).toEqual({ to: [{ ipBlock: { cidr: '10.20.32.0/20' } }], ports: [{ port: 5432, protocol: 'TCP' }] });
    const rules = (r.find('PrometheusRule', { env: 'prod' })[0] as any).spec.groups.find((g: any) => g.name.endsWith('-postgres')).rules;
    expect(rules.map((x: any) => x.alert)).toEqual(['PostgresDown']);
    expect(rules[0].expr).toBe('pg_up{namespace="acme-prod"} == 0');
  });

  test('the in-cluster connection budget does not apply to a managed store (its max_connections is the provider’s)', () => {
    const big = (spec: any) => (spec.environments.prod.autoscaling = { minReplicas: 3, maxReplicas: 100, targetCPUUtilization: 70 });
    expect(() => render(managed({}, big))).not.toThrow();
    expect(() => render((() => { const s: any = smallPlatform(); big(s); return s; })())).toThrow(/PostgreSQL clients .* can run \d+ pods at once/);
  });

  test.each([
    ['a kind with no managed form (ZooKeeper: only Kafka uses it)', (s: any) => (s.dataStores.zookeeper.environments.prod = { external: { host: 'zk.example.com', secretName: 'acme-rds', cidrs: ['10.0.0.0/16'] } }), /dataStores\.zookeeper\.environments\.prod\.external.*: ZooKeeper cannot be external yet/],
    ['in-cluster fields beside external', (s: any) => (s.dataStores.postgres.environments.prod.replicas = 3), /dataStores\.postgres\.environments\.prod\.replicas.*: not with external/],
    ['an in-cluster store without replicas or storage', (s: any) => delete s.dataStores.postgres.environments.dev.storage, /dataStores\.postgres\.environments\.dev\.storage.*: required \(unless the store is external/],
    ['an address instead of the endpoint’s name', (s: any) => (s.dataStores.postgres.environments.prod.external.host = '10.20.32.10'), /external\.host.*: must be the endpoint's DNS name, not an address/],
    ['its backup interval where the provider backs it up', (s: any) => (s.environments.prod.backups = { objectStore: { endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', bucket: 'b' }, postgres: { fullEveryHours: 6 } }), /environments\.prod\.backups\.postgres.*: PostgreSQL is external in prod: the provider backs it up/],
    ['a service’s plain-TCP egress on the same port', (s: any) => s.services[1].egress.push({ host: 'legacy-db.example.com', port: 5432, protocol: 'TCP' }), /dataStores\.postgres\.environments\.prod\.external\.port.*: TCP port 5432 is also egress to 'legacy-db\.example\.com'/],
  ])('refuses %s', (_what, mutate, message) => {
    expect(() => render(managed({}, mutate))).toThrow(message);
  });

  test('refuses a Secret the environment neither holds nor seals (from the spec file, with its line)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'managed-'));
    const file = join(dir, 'platform.yaml');
    writeFileSync(file, dump(managed({}, (s) => (s.environments.prod.providedSecrets = []))));
    expect(() => loadPlatform(file)).toThrow(/dataStores\.postgres\.environments\.prod\.external\.secretName \(line \d+, column \d+\): Secret 'acme-rds' is not in prod: seal it with kubeseal/);
    writeFileSync(file, dump(managed()));
    expect(() => loadPlatform(file)).not.toThrow();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('a managed MySQL (RDS for MySQL, Aurora MySQL) beside an in-cluster one', () => {
  const AURORA = 'acme-prod.cluster-xyz.eu-west-1.rds.amazonaws.com';
  const spec: any = smallPlatform();
  spec.dataStores.mysql = { version: '10.11.14', environments: { dev: { replicas: 1, storage: '1Gi' }, staging: { replicas: 2, storage: '2Gi' }, prod: { external: { host: AURORA, port: 3307, secretName: 'acme-aurora', cidrs: ['10.20.48.0/20'] } } } };
  spec.environments.prod.providedSecrets = ['acme-aurora'];
  spec.services[0].dependsOn.push('mysql');
  const r = render(spec);
  const client = spec.services[0].name as string;

  test('in dev a primary and its provisioning Job; in prod nothing of MySQL but the exporter', () => {
    expect(r.find('StatefulSet', { env: 'dev' }).map((o) => o.metadata.name)).toEqual(expect.arrayContaining(['mysql-primary', 'mysql-read']));
    expect(r.find('Job', { env: 'dev' }).map((o) => o.metadata.name)).toContain('mysql-provision');
    expect(r.objects.filter((o) => o.metadata.namespace === 'acme-prod-data' && /mysql/.test(o.metadata.name))).toEqual([]);
    expect(r.find('Deployment', { env: 'prod' }).map((o) => o.metadata.name)).toContain('mysqld-exporter');
  });

  test('the client gets the same MYSQL_* names: the cluster Services in dev, the endpoint with TLS required in prod; credentials by Secret reference', () => {
    const dev = configOf(r, 'dev', client);
    const prod = configOf(r, 'prod', client);
    const keys = (c: Record<string, string>) => Object.keys(c).filter((k) => k.startsWith('MYSQL_')).sort();
    expect(keys(prod)).toEqual(keys(dev));
    expect(dev.MYSQL_HOST).toBe(`mysql.${r.get('StatefulSet', 'mysql-primary', { env: 'dev' }).metadata.namespace}.svc.cluster.local`);
    expect(dev.MYSQL_SSL_MODE).toBe('DISABLED');
    expect(prod).toMatchObject({ MYSQL_HOST: AURORA, MYSQL_READ_HOST: AURORA, MYSQL_PORT: '3307', MYSQL_SSL_MODE: 'REQUIRED' });
    const env = (r.get('Deployment', client, { env: 'prod' }) as any).spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'MYSQL_PASSWORD', valueFrom: { secretKeyRef: { name: 'acme-aurora', key: 'password' } } });
  });

  test('mysqld_exporter at the endpoint (user through $(VAR) expansion, never a literal), egress only to its addresses and port, MySQLDown', () => {
    const c = (r.get('Deployment', 'mysqld-exporter', { env: 'prod' }) as any).spec.template.spec.containers[0];
    expect(c.args).toEqual(expect.arrayContaining([`--mysqld.address=${AURORA}:3307`, '--mysqld.username=$(MYSQLD_USER)']));
    expect(c.env).toContainEqual({ name: 'MYSQLD_USER', valueFrom: { secretKeyRef: { name: 'acme-aurora', key: 'username' } } });
    expect(c.env).toContainEqual({ name: 'MYSQLD_EXPORTER_PASSWORD', valueFrom: { secretKeyRef: { name: 'acme-aurora', key: 'password' } } });
    const np = r.get('NetworkPolicy', 'mysqld-exporter', { env: 'prod' }) as any;
    expect(np.spec.egress[0]).toEqual({ to: [{ ipBlock: { cidr: '10.20.48.0/20' } }], ports: [{ port: 3307, protocol: 'TCP' }] });
    const rules = (r.find('PrometheusRule', { env: 'prod' })[0] as any).spec.groups.find((g: any) => g.name.endsWith('-mysql')).rules;
    expect(rules.map((x: any) => x.alert)).toEqual(['MySQLDown']);
    expect(rules[0].expr).toBe('mysql_up{namespace="acme-prod"} == 0');
  });

  test('refuses a MySQL version the harness does not run, saying which it takes', () => {
    const bad: any = structuredClone(spec);
    bad.dataStores.mysql.version = '8.0.36';
    expect(() => render(bad)).toThrow(/dataStores\.mysql\.version.*MariaDB 10\.11.*10\.11\.z/);
  });
});
