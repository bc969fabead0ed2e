import { describe, expect, it } from 'vitest';
import { DIST, runJob, StatefulSet, useCluster, waitFor, type Pod } from './harness';
import { clientConnectionBudget } from './harness/budget';

/**
 * PostgreSQL primary + streaming read replicas as rendered
 * (dist/<env>/data/postgres.yaml, postgres-provision.yaml), run with the real
 * PostgreSQL server and the image entrypoint's imitation
 * (harness/postgres-entrypoint.sh). dev: primary only; prod: primary + 2 replicas.
 */
const psql = (p: Pod, sql: string) => p.sh('postgresql', `psql -h 127.0.0.1 -U postgres -d postgres -XtAc ${JSON.stringify(sql).replace(/\$/g, '\\$')}`).then((o) => o.trim());

async function streaming(primary: StatefulSet, read: StatefulSet): Promise<string[]> {
  return waitFor(`${read.replicas} replica(s) streaming from the primary`, async () => {
    const names = (await psql(primary.pod(0), "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming' ORDER BY 1")).split('\n').filter(Boolean);
    return names.length === read.replicas ? names : false;
  }, 120000, 1000);
}

/** The suite for one environment of the rendered tree (one test file per environment, so they run side by side). */
export function postgresSuite(env: 'dev' | 'prod'): void {
  describe(`PostgreSQL (${env})`, () => {
    const { cluster, manifests } = useCluster();
    let primary: StatefulSet;
    let read: StatefulSet;

    it('starts from empty claims: primary initialised by the entrypoint, replicas cloned and streaming, all Ready', async () => {
      const m = manifests(env);
      primary = new StatefulSet(cluster, m, 'postgres-primary');
      read = new StatefulSet(cluster, m, 'postgres-read');
      await primary.create();
      await read.create();
      expect(read.replicas).toBe(env === 'dev' ? 0 : 2);
      expect(await streaming(primary, read)).toEqual(read.pods.map((p) => p!.name));
      // The primary also runs pgBackRest when the environment has backups (postgres-backup.test.ts proves them).
      const backup = primary.obj.spec.template.spec.containers.some((c: any) => c.name === 'backup');
      expect(backup).toBe(true);
      expect(primary.pod(0).restartCounts()).toEqual({ postgresql: 0, metrics: 0, backup: 0 });
      for (const p of read.pods) expect(p!.restartCounts()).toEqual({ postgresql: 0, metrics: 0 });
      expect(await psql(primary.pod(0), 'SELECT rolreplication FROM pg_roles WHERE rolname = $$replicator$$')).toBe('t');
      const records = cluster.records();
      expect(records.get(`postgres.${primary.namespace}.svc.cluster.local`)).toEqual([primary.pod(0).ip]);
      if (env === 'prod') expect(records.get(`postgres-read.${primary.namespace}.svc.cluster.local`)?.sort()).toEqual(read.pods.map((p) => p!.ip).sort());
    });

    it('the postgres-provision Job creates the application role and every service database, idempotently', async () => {
      const m = manifests(env);
      const job = m.find('Job', 'postgres-provision');
      const dbs: string[] = job.spec.template.spec.containers[0].env.find((e: any) => e.name === 'APP_DATABASES').value.split(' ');
      expect(dbs.length).toBeGreaterThan(0);
      for (let run = 0; run < 2; run++) {
        const r = await runJob(cluster, m, 'postgres-provision');
        expect(r.succeeded, r.pod.logTail('provision', 60)).toBe(true);
      }
      const owned = (await psql(primary.pod(0), 'SELECT d.datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = $$test-postgres-app-credentials-username$$ ORDER BY 1')).split('\n');
      expect(owned).toEqual([...dbs].sort());
      if (env === 'prod') {
        await psql(primary.pod(0), 'CREATE TABLE IF NOT EXISTS harness_probe (id int PRIMARY KEY); INSERT INTO harness_probe VALUES (1) ON CONFLICT DO NOTHING');
        await waitFor('the replicas to see the row', async () => (await psql(read.pod(1), 'SELECT count(*) FROM harness_probe')) === '1', 30000);
      }
    });

    it('every container restarted in place comes back Ready; replicas stream again', async () => {
      for (const p of [...primary.pods, ...read.pods]) {
        for (const c of p!.containers.map((x) => x.name)) {
          const n = p!.container(c).restarts;
          await p!.crash(c);
          await waitFor(`${p!.name}/${c} restarted and Ready`, () => p!.container(c).restarts > n && p!.ready, 120000);
          expect(p!.container(c).restarts, p!.logTail(c, 30)).toBe(n + 1);
        }
      }
      await streaming(primary, read);
    });

    it('re-created pods keep their data: the primary restarts from its claim, a replica resumes streaming without a new clone', async () => {
      // While the primary is away the replicas keep serving reads: they never leave postgres-read.
      let replicaWentUnready = false;
      const watch = setInterval(() => { if (read.pods.some((p) => p && !p.ready)) replicaWentUnready = true; }, 200);
      await primary.recreate(0);
      await new Promise((r) => setTimeout(r, 12000));
      clearInterval(watch);
      expect(replicaWentUnready).toBe(false);
      expect(primary.pod(0).logs('postgresql')).toContain('Skipping initialization');
      if (env === 'prod') {
        await read.recreate(0);
        expect(read.pod(0).logs('postgresql')).not.toContain('pg_basebackup');
        await streaming(primary, read);
        expect(await psql(read.pod(0), 'SELECT count(*) FROM harness_probe')).toBe('1');
      }
    });

    it('the connection budget holds every client service at max replicas plus surge; the reserve stays usable', async () => {
      // From the rendered services: each PostgreSQL client's pool and the most pods it can run at once.
      const budget = clientConnectionBudget(DIST, env, 'POSTGRES_POOL_MAX');
      const max = Number(await psql(primary.pod(0), 'SHOW max_connections'));
      expect(budget).toBeGreaterThan(0);
      expect(budget).toBeLessThanOrEqual(max - 10);
      const open = (n: number) => primary.pod(0).sh('postgresql', `rm -f /tmp/conn-errors; for i in $(seq 1 ${n}); do psql -h 127.0.0.1 -U test-postgres-app-credentials-username -d postgres -XtAc 'SELECT pg_sleep(8)' >/dev/null 2>>/tmp/conn-errors & done; sleep 4; psql -h 127.0.0.1 -U postgres -d postgres -XtAc 'SELECT count(*) FROM pg_stat_activity WHERE usename <> $$postgres$$ AND backend_type = $$client backend$$'; wait; cat /tmp/conn-errors`, 120000);
      const full = await open(budget);
      expect(full).toMatch(new RegExp(`^${budget}\\s*$`));
      // Bad twin: past max_connections − superuser_reserved_connections the server refuses the app role.
      const over = await open(max - 3 + 1);
      expect(over).toMatch(/too many clients|remaining connection slots are reserved/);
    });

    if (env === 'prod') {
      it('a replica that fell behind wal_keep_size stays up but leaves postgres-read (not Ready)', async () => {
        const wal = await psql(primary.pod(0), "SELECT pg_size_bytes(setting || unit) FROM pg_settings WHERE name = 'wal_keep_size'");
        const lagging = read.pod(1);
        await lagging.delete(30);
        // More WAL than wal_keep_size, then a checkpoint: the segments the replica needs are gone.
        const segments = Math.ceil(Number(wal) / (16 * 1024 * 1024)) + 4;
        await primary.pod(0).sh('postgresql', `for i in $(seq 1 ${segments}); do echo "INSERT INTO harness_probe VALUES ($i + 1); SELECT pg_switch_wal();"; done | psql -q -h 127.0.0.1 -U postgres -d postgres -X >/dev/null; psql -h 127.0.0.1 -U postgres -d postgres -XtAc "CHECKPOINT; CHECKPOINT;"`, 300000);
        const p = await read.createPod(1, { wait: false });
        await waitFor('the replica to start and fail to stream', () => p.logs('postgresql').includes('has already been removed'), 120000, 1000);
        await new Promise((r) => setTimeout(r, 15000));
        expect(p.container('postgresql').running).toBe(true);
        expect(p.ready).toBe(false);
        const endpoints = cluster.records().get(`postgres-read.${primary.namespace}.svc.cluster.local`) ?? [];
        expect(endpoints).not.toContain(p.ip);
        expect(endpoints).toContain(read.pod(0).ip);
      });
    }
  });
}
